"""A board deck (.pptx) for one county: the report's charts, one per slide."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from disparities import schema as s

__all__ = ["build_county_deck"]


def build_county_deck(
    table: pd.DataFrame,
    county: str,
    *,
    state: str = "NC",
    out_path="reports/board_deck.pptx",
    n_candidates: int = 3,
) -> Path:
    """Overview, then each top candidate's comparison and gap, with speaker notes.

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from disparities import plots
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps
    from disparities.geography import find_county, resolve_state
    from disparities.narrative import SYNTHETIC_NOTICE, is_synthetic
    from disparities.plots.export import DeckSlide, build_deck
    from disparities.select import parent_geo_id

    abbr = resolve_state(state)[1]
    geo_id, place = find_county(county, abbr)
    local = table[table[s.GEO_ID].astype(str).isin([geo_id, parent_geo_id(geo_id)])]
    gaps = compute_gaps(local)
    cands = rank_focus_candidates(local, geo_id, gaps=gaps)
    slides = []
    ax = plots.plot_disparity_overview(gaps, geo_id)
    slides.append(
        DeckSlide(
            ax,
            f"Where are {place}'s biggest gaps?",
            "\n".join(cands.head(5)["explanation"]),
        )
    )
    for _, c in cands.head(n_candidates).iterrows():
        ind, dim = str(c[s.INDICATOR]), str(c[s.DIMENSION])
        ax = plots.plot_group_comparison(table, geo_id, ind, dimension=dim)
        slides.append(DeckSlide(ax, plots.style.get_title(ax), c["explanation"]))
        ax = plots.plot_gap_dumbbell(
            gaps, geo_id, ind, dimension=dim, highlight_group=str(c[s.GROUP])
        )
        notes = (
            f"Times as likely: {c['adverse_ratio']:.2f} (95% CI "
            f"{c['adverse_ratio_ci_lower']:.2f} to {c['adverse_ratio_ci_upper']:.2f}); "
            f"state: {c['state_adverse_ratio']:.2f}; trend: {c['trend']}."
        )
        slides.append(DeckSlide(ax, plots.style.get_title(ax), notes))
    subtitle = "Disparities affecting young children"
    if is_synthetic(table[s.SOURCE]):
        subtitle += f"\n{SYNTHETIC_NOTICE}"
    path = build_deck(
        slides,
        out_path,
        title=f"{place}: choosing a focus disparity",
        subtitle=subtitle,
    )
    for sl in slides:
        plt.close(sl.chart.get_figure())
    return path
