"""Disparity overview: "where are our biggest gaps?" for one place."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.narrative import format_period, ratio_bounds, source_footnote
from disparities.plots import style

__all__ = ["plot_disparity_overview", "latest_gaps"]


_SHORT = {
    "Economically disadvantaged": "Econ. disadvantaged",
    "Not economically disadvantaged": "not disadvantaged",
    "American Indian or Alaska Native": "American Indian",
    "400% FPL and over": "400%+ FPL",
}


def _short(group) -> str:
    return _SHORT.get(str(group), str(group))


def latest_gaps(gaps: pd.DataFrame, geo_id: str) -> pd.DataFrame:
    """The gaps of one place, keeping only each indicator's latest period."""
    here = gaps[gaps[s.GEO_ID].astype(str) == str(geo_id)]
    if here.empty:
        return here
    last = here.groupby(s.INDICATOR, observed=True)[s.PERIOD_END].transform("max")
    return here[here[s.PERIOD_END] == last]


def plot_disparity_overview(
    gaps: pd.DataFrame,
    geo_id: str,
    *,
    dimension: str | None = None,
    max_rows: int = 10,
    title: str | None = None,
    ax=None,
):
    """Adverse ratios with 95% CIs across every indicator and group, on a log scale.

    Points right of the line at 1 mean the group is worse off than its
    reference group (for every indicator, whichever way it runs); the rows are
    sorted by the conservative end of the CI (the title and subtitle say so),
    so a gap resting on small numbers does not top the chart; a legend names
    each group's colour; the axis always holds every dot. Hollow points are unreliable.
    Where ``gaps`` carries ``interval_basis`` (see
    :func:`disparities.group_sizes.add_size_estimates`), intervals "derived from
    group sizes" are drawn dashed and named as estimated in the legend and
    footnote; the footnote explains only the marks actually drawn.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Output of :func:`disparities.gaps.compute_gaps`.
    geo_id : str
        The place.
    dimension : str, optional
        Only ``race_ethnicity`` or ``income`` comparisons (default: both).
    max_rows : int
        Show at most this many comparisons (in the chart's order: by the low
        end of each interval); the footnote says how many were left out.
    title : str, optional
        Replace the generated title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a slide-sized figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    here = latest_gaps(gaps, geo_id)
    if dimension:
        here = here[here[s.DIMENSION].astype(str) == dimension]
    here = here[here["adverse_ratio"].notna() & ~here[s.SUPPRESSED]]
    if here.empty:
        raise KeyError(f"no gaps to show for {geo_id}")
    lo = here["adverse_ratio_ci_lower"]
    hi = here["adverse_ratio_ci_upper"]
    conservative = np.where(lo > 1, lo, np.where(hi < 1, hi, 1.0))
    here = here.assign(_rank=conservative, _size=here["adverse_ratio"])
    here = here.sort_values(["_rank", "_size"], ascending=False)
    n_all = len(here)
    here = here.head(max_rows).iloc[::-1]
    ax = style.new_axes(ax)
    y = np.arange(len(here))
    colours = style.group_colours(here[s.GROUP].astype(str).iloc[::-1])
    basis = (
        here["interval_basis"].astype(str)
        if "interval_basis" in here
        else pd.Series("published", index=here.index)
    )
    estimated = (basis == "derived from group sizes").to_numpy()
    no_ci = ~np.isfinite(here["adverse_ratio_ci_lower"].to_numpy(float))
    unreliable = here[s.UNRELIABLE].to_numpy(bool)
    for yi, (_, r), est, nc, unrel in zip(
        y, here.iterrows(), estimated, no_ci, unreliable, strict=True
    ):
        c = colours[str(r[s.GROUP])]
        line = ax.plot(
            [r["adverse_ratio_ci_lower"], r["adverse_ratio_ci_upper"]],
            [yi, yi],
            color=c,
            linewidth=3,
            linestyle=(0, (3, 2)) if est else "-",
            solid_capstyle="round",
        )
        line[0].set_gid("ci:estimated" if est else "ci:published")
        dot = ax.scatter(
            r["adverse_ratio"],
            yi,
            s=200,
            zorder=3,
            color="white" if (unrel or nc) else c,
            edgecolor=c,
            linewidth=3,
            marker="D" if nc else "o",
        )
        dot.set_gid("point:no_ci" if nc else ("point:unreliable" if unrel else "point"))
    labels = [
        f"{get_indicator(str(r[s.INDICATOR])).label}: {r[s.GROUP]} vs "
        f"{r['reference_group']}{' (unreliable)' if r[s.UNRELIABLE] else ''}"
        for _, r in here.iterrows()
    ]
    tick_labels = [
        f"{get_indicator(str(r[s.INDICATOR])).label}\n"
        f"{_short(r[s.GROUP])} vs {_short(r['reference_group'])}"
        + (" (unreliable)" if r[s.UNRELIABLE] else "")
        + ("" if np.isfinite(r["adverse_ratio_ci_lower"]) else " (no CI)")
        for _, r in here.iterrows()
    ]
    ax.set_yticks(y, tick_labels, fontsize=style.FONT["annotation"] - 1)
    # every other row on a light band that runs under its two-line label, so a
    # label is read with its own dot and line, not the next row's
    from matplotlib.patches import Rectangle

    for yi in y[1::2]:
        band = Rectangle(
            (-3.0, yi - 0.5),
            4.0,
            1.0,
            transform=ax.get_yaxis_transform(),  # x across the axes, y in rows
            color="#EDEDED",
            zorder=-1,
            clip_on=False,
            linewidth=0,
        )
        band.set_in_layout(False)  # the layout sizes the chart without it
        band.set_gid("row_band")
        ax.add_patch(band)
    ax.set_xscale("log")
    ax.axvline(1, color="#333333", linewidth=2)
    # the limits always hold every dot, so no row is ever empty; a CI wider
    # than the axis is cut at its edge, never the estimate
    ratios = here["adverse_ratio"].to_numpy(float)
    lo_ci = float(np.nanmin(here["adverse_ratio_ci_lower"].to_numpy(float)))
    hi_ci = float(np.nanmax(here["adverse_ratio_ci_upper"].to_numpy(float)))
    lo_lim = min(max(min(0.8, lo_ci * 0.8), 0.05), float(np.nanmin(ratios)) * 0.8)
    hi_lim = max(min(max(5.0, hi_ci * 1.2), 50), float(np.nanmax(ratios)) * 1.25)
    ax.set_xlim(lo_lim, hi_lim)
    # fewer ticks on a wide range, so their labels never run together
    candidates = (
        (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 16)
        if hi_lim / lo_lim <= 12
        else (0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)
    )
    ticks = [t for t in candidates if lo_lim <= t <= hi_lim]
    ax.set_xticks(ticks, [f"{t:g}\u00d7" for t in ticks])
    ax.minorticks_off()
    ax.axvspan(1, hi_lim, color="#F4E1D2", alpha=0.5, zorder=0)
    # a band below the lowest row holds the "worse off" label, so it never
    # covers a row's interval
    ax.set_ylim(-1.0, len(here) - 0.5)
    ax.text(
        0.99,
        -0.75,
        "group worse off \u2192",
        transform=ax.get_yaxis_transform(),  # x across the axes, y in rows
        ha="right",
        va="center",
        fontsize=style.FONT["annotation"],
        color="#8A3B00",
        bbox=dict(fc="white", ec="none", alpha=0.8),
    )
    ax.set_xlabel(
        "times as likely as the reference group (log scale)",
        fontsize=style.FONT["label"] - 1,
    )
    # colour means the group: say so in a legend (each group once)
    from matplotlib.lines import Line2D

    seen = []
    for g in here[s.GROUP].astype(str).iloc[::-1]:
        if g not in seen:
            seen.append(g)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=13,
            color=colours[g],
            label=style.wrap_label(g, 22),
        )
        for g in seen
    ]
    if estimated.any():
        handles.append(
            Line2D(
                [],
                [],
                color="#555555",
                linewidth=3,
                linestyle=(0, (3, 2)),
                label=style.wrap_label("dashed line: estimated interval", 22),
            )
        )
    ax.legend(
        handles=handles,
        title="Group",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=style.FONT["annotation"],
        title_fontsize=style.FONT["annotation"],
    )
    style.style_axes(ax)
    place = here[s.GEO_NAME].iloc[0] or geo_id
    periods = sorted(here[s.PERIOD].astype(str).unique())
    worse = int((here["direction"] == "worse").sum())
    style.set_title(
        ax,
        title
        or f"Where are {place}'s biggest gaps? The {len(here)} the data support "
        f"best, {worse} of them clearly worse than the reference group",
        subtitle="Sorted by the low end of each 95% confidence interval (line), "
        "not by the shortlist's score",
    )
    # the footnote explains only the marks the chart actually draws
    marks = []
    if (unreliable & ~no_ci).any():
        marks.append("Hollow dots: unreliable (small numbers).")
    if no_ci.any():
        marks.append(
            "Hollow diamonds: the source publishes no confidence interval and "
            "group sizes are unknown, so the gap cannot be tested."
        )
    if estimated.any():
        marks.append(
            "Dashed lines: the source publishes no interval for these gaps; it "
            "is estimated from the size of each group."
        )
    extra = " ".join(marks)
    if n_all > len(here):
        extra = (
            f"{extra} {n_all - len(here)} more comparisons, lower on this sort "
            "(the low end of their intervals), are not shown."
        ).strip()
    style.add_footnote(ax, source_footnote(here[s.SOURCE], periods, extra=extra))

    def _ci(r, est):
        if not np.isfinite(r["adverse_ratio_ci_lower"]):
            return "no confidence interval"
        bounds = ratio_bounds(r["adverse_ratio_ci_lower"], r["adverse_ratio_ci_upper"])
        return f"95% CI {bounds}" + (", estimated" if est else "")

    parts = [
        f"{lab}: {r['adverse_ratio']:.1f} times ({_ci(r, est)})"
        for lab, est, (_, r) in zip(
            labels[::-1], estimated[::-1], here.iloc[::-1].iterrows(), strict=True
        )
    ]
    style.set_alt_text(
        ax,
        f"Chart of disparity ratios in {place} "
        f"({', '.join(format_period(p) for p in periods)}), sorted by the low "
        "end of each 95% confidence interval, highest first: " + "; ".join(parts) + ".",
    )
    return ax
