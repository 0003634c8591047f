"""Regenerate the example charts in docs/ from the synthetic demo data.

Run from the project folder: ``python docs/make_examples.py``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import disparities as dp  # noqa: E402

OUT = Path(__file__).parent

if __name__ == "__main__":
    table = dp.load_demo()
    gaps = dp.compute_gaps(table)
    durham = "37063"
    trends = dp.compute_gap_trends(gaps[gaps["geo_id"].astype(str) == durham])
    charts = {
        "group_comparison": dp.plots.plot_group_comparison(
            table, durham, "child_poverty"
        ),
        "gap_dumbbell": dp.plots.plot_gap_dumbbell(gaps, durham, "low_birthweight"),
        "disparity_overview": dp.plots.plot_disparity_overview(gaps, durham),
        "group_trend": dp.plots.plot_group_trend(table, durham, "teen_births"),
        "gap_trend": dp.plots.plot_gap_trend(
            gaps, trends, durham, "child_poverty", "Black"
        ),
        "county_map": dp.plots.plot_county_map(
            table, "NC", "child_poverty", focus_geo_id=durham
        ),
        "map_small_multiples": dp.plots.plot_map_small_multiples(
            table,
            "NC",
            "low_birthweight",
            groups=["Black", "White", "Hispanic or Latino"],
            focus_geo_ids=[durham],
        ),
    }
    for name, chart in charts.items():
        fig = chart if hasattr(chart, "savefig") else chart.get_figure()
        fig.savefig(OUT / f"{name}.png", dpi=110, facecolor="white")
        print(OUT / f"{name}.png")
