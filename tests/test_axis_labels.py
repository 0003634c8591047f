"""Value axes are numbered only where a value can be (0 to 100 for percentages)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from disparities import plots  # noqa: E402
from disparities.reliability import prepare_observations  # noqa: E402


def _tick_labels(ax):
    ax.figure.canvas.draw()
    return {
        float(t.get_position()[0]): t.get_text()
        for t in ax.get_xticklabels()
        if t.get_visible()
    }


def _table(values):
    rows = [("37177", "Tyrrell County", g, v) for g, v in values.items()] + [
        ("37", "North Carolina", g, v / 2) for g, v in values.items()
    ]
    return prepare_observations(
        pd.DataFrame(
            {
                "geo_id": [r[0] for r in rows],
                "geo_name": [r[1] for r in rows],
                "indicator": "child_poverty",
                "period": "2016-2020",
                "dimension": "race_ethnicity",
                "group": [r[2] for r in rows],
                "value": [r[3] for r in rows],
            }
        )
    )


def test_a_percentage_axis_past_100_has_no_label_past_100():
    t = _table({"Black": 95.0, "White": 11.7})
    ax = plots.plot_group_comparison(t, "37177", "child_poverty")
    labels = _tick_labels(ax)
    assert ax.get_xlim()[1] > 100  # room for the value labels
    assert all(text == "" for x, text in labels.items() if x > 100)
    assert labels.get(100.0) == "100" or 100.0 not in labels
    assert any(text for x, text in labels.items() if 0 <= x <= 100)
    plt.close(ax.figure)


def test_large_values_get_thousands_separators_and_round_steps():
    """Dollar axes read "40,000", not "40000"; steps are 1, 2, 2.5 or 5 x 10^k."""
    from disparities.catalog import get_indicator
    from disparities.plots import style

    fig, ax = plt.subplots()
    ax.set_xlim(0, 130_000)
    style.label_possible_values_only(ax, get_indicator("median_household_income"))
    labels = [text for text in _tick_labels(ax).values() if text]
    assert "40,000" in labels and "40000" not in labels
    fig2, ax2 = plt.subplots()
    ax2.set_xlim(0, 50)
    style.label_possible_values_only(ax2, get_indicator("teen_births"))
    steps = sorted(x for x in _tick_labels(ax2) if 0 <= x <= 50)
    assert steps[1] - steps[0] in (5.0, 10.0)  # never 8 (0, 8, 16, ...)
    plt.close(fig)
    plt.close(fig2)


def test_real_tyrrell_dumbbell_flags_the_reference_as_the_groups_chart_does(shared):
    """CHR 2021+2022, Tyrrell child poverty: White (11.7%, about 700 children,
    no published interval) is 'unreliable' in the every-group chart; the gap
    chart says so beside the White dot too, and its longer label stays clear of
    the group names on the left."""
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates, flag_unreliable_by_size
    from disparities.loaders import load_data

    table, _ = load_data(
        [
            shared("chr2021_nc_county_health_rankings_v1.xlsx"),
            shared("chr2022_nc_county_health_rankings_v1.xlsx"),
        ]
    )
    local = table[table["geo_id"].astype(str).isin(["37177", "37"])]
    gaps = add_size_estimates(compute_gaps(local), table)
    bars = plots.plot_group_comparison(  # values flagged as the profile does
        flag_unreliable_by_size(local), "37177", "child_poverty"
    )
    bar_labels = [t.get_text() for t in bars.texts]
    assert "11.7% (unreliable)" in bar_labels  # White, every-group chart
    ax = plots.plot_gap_dumbbell(gaps, "37177", "child_poverty")
    refs = [t for t in ax.texts if getattr(t, "_disparities_role", "") == "reference"]
    county = [t.get_text() for t in refs if t.get_color() == "#222222"]
    state = [t.get_text() for t in refs if t.get_color() != "#222222"]
    assert county and all(text == "11.7% (unreliable)" for text in county)
    assert state and not any("unreliable" in text for text in state)  # 11.2%
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    names_right = max(t.get_window_extent(r).x1 for t in ax.get_yticklabels())
    axes_box = ax.get_window_extent(r)
    for t in ax.texts:
        if hasattr(t, "_disparities_role"):
            box = t.get_window_extent(r)
            assert box.x0 > names_right + 5  # clear of the group names
            assert box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 + 1
    plt.close(bars.figure)
    plt.close(fig)


def test_real_tyrrell_dots_carry_the_every_group_charts_flags(shared):
    """Given the values, every dot of the gap chart is 'unreliable' exactly where
    the chart of every group says so (Black 82.8% was 'unreliable' beside its
    dot, from its gap's flag, and plain in the bar chart)."""
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates, flag_unreliable_by_size
    from disparities.loaders import load_data

    table, _ = load_data(
        [
            shared("chr2021_nc_county_health_rankings_v1.xlsx"),
            shared("chr2022_nc_county_health_rankings_v1.xlsx"),
        ]
    )
    local = flag_unreliable_by_size(
        table[table["geo_id"].astype(str).isin(["37177", "37"])]
    )
    gaps = add_size_estimates(compute_gaps(local), table)
    bars = plots.plot_group_comparison(local, "37177", "child_poverty")
    bar_says = {t.get_text().split(" (")[0]: t.get_text() for t in bars.texts}
    ax = plots.plot_gap_dumbbell(gaps, "37177", "child_poverty", values=local)
    county_dots = [
        t.get_text()
        for t in ax.texts
        if hasattr(t, "_disparities_role") and t.get_color() == "#222222"
    ]
    assert len(county_dots) >= 4
    for text in county_dots:
        value = text.split(" (")[0]
        assert value in bar_says, (text, bar_says)
        assert text.endswith("(unreliable)") == bar_says[value].endswith(
            "(unreliable)"
        ), (text, bar_says[value])
    assert "82.8%" in county_dots  # Black: reliable by its own size
    assert "52.6% (unreliable)" in county_dots
    plt.close(bars.figure)
    plt.close(ax.figure)
