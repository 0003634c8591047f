"""Group comparison: one indicator for one place, by group, with CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.narrative import format_period, format_value, source_footnote
from disparities.plots import style
from disparities.select import latest_period, parent_geo_id, rows_for

__all__ = ["plot_group_comparison"]

DIMENSION_WORDS = {"race_ethnicity": "race and ethnicity", "income": "family income"}


def plot_group_comparison(
    table: pd.DataFrame,
    geo_id: str,
    indicator: str,
    *,
    period: str | None = None,
    dimension: str = "race_ethnicity",
    show_state: bool = True,
    title: str | None = None,
    ax=None,
):
    """Bar chart of an indicator by group for one place, with 95% CIs.

    Unreliable values are hatched and labelled; suppressed groups get no bar
    and the words "not shown: small numbers". The state's overall value is a
    dashed reference line. Every bar and line is of one period: when the
    place's overall value is published only for other years than the groups,
    it is left out and the footnote says why.

    Parameters
    ----------
    table : pandas.DataFrame
        A prepared tidy observation table.
    geo_id : str
        The place (county FIPS, state FIPS or ``"US"``).
    indicator : str
        Indicator id.
    period : str, optional
        Defaults to the latest period with group values for this place (the
        latest with any value when no group has one).
    dimension : {"race_ethnicity", "income"}
        Which groups to show (the Total is always added).
    show_state : bool
        Draw the state's (for a state: the nation's) overall value.
    title : str, optional
        Replace the generated title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a slide-sized figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When ``period`` has no group values although other periods have some.
    """
    geo_id = str(geo_id)
    info = get_indicator(indicator)
    # groups and the Total of one period only: a source may publish the Total
    # for other years (SAIPE 2020 beside ACS 2016-2020 groups)
    by_group = rows_for(table, geo_id=geo_id, indicator=indicator, dimension=dimension)
    by_group = by_group[by_group[s.VALUE].notna() | by_group[s.SUPPRESSED]]
    if period is None:
        period = (
            latest_period(by_group.assign(**{s.VALUE: 0.0}), indicator, geo_id)
            if len(by_group)
            else latest_period(table, indicator, geo_id)
        )
    sub = rows_for(table, geo_id=geo_id, indicator=indicator, period=period)
    if sub.empty:
        raise KeyError(f"no rows for {indicator!r} in {geo_id} for {period}")
    has_groups = (sub[s.DIMENSION].astype(str) == dimension).any()
    if len(by_group) and not has_groups:
        other = ", ".join(
            format_period(p) for p in sorted(by_group[s.PERIOD].astype(str).unique())
        )
        raise ValueError(
            f"no {info.label.lower()} values by group for {format_period(period)}; "
            f"the groups are published for {other}"
        )
    total_note = ""
    if has_groups and not (sub[s.DIMENSION].astype(str) == "total").any():
        totals = rows_for(
            table, geo_id=geo_id, indicator=indicator, dimension="total"
        ).dropna(subset=[s.VALUE])
        if len(totals):
            tp = ", ".join(
                format_period(p) for p in sorted(totals[s.PERIOD].astype(str).unique())
            )
            total_note = (
                f"The overall value is left out: it is published for {tp}, "
                f"not {format_period(period)} like the groups."
            )
    groups = sub[sub[s.DIMENSION].astype(str).isin([dimension, "total"])]
    groups = groups.sort_values(s.GROUP, ascending=False)
    ax = style.new_axes(ax)
    y = np.arange(len(groups))
    shown = groups[~groups[s.SUPPRESSED]]
    labels = []
    drawn_ci = False
    colours = style.group_colours(groups[s.GROUP].astype(str))
    xmax = np.nanmax(groups[[s.VALUE, s.CI_UPPER]].to_numpy(float)) if len(shown) else 1
    xmax = 1.0 if not np.isfinite(xmax) else xmax
    for yi, (_, r) in zip(y, groups.iterrows(), strict=True):
        g = str(r[s.GROUP])
        labels.append(g if g != "Total" else f"All ({r[s.GEO_NAME] or 'total'})")
        colour = colours[g]
        if r[s.SUPPRESSED]:
            ax.text(
                xmax * 0.01,
                yi,
                "not shown: small numbers",
                va="center",
                fontsize=style.FONT["annotation"],
                color="#555555",
                style="italic",
                bbox=dict(fc="white", ec="none", alpha=0.85),
                zorder=4,
            )
            continue
        bar = ax.barh(
            yi,
            r[s.VALUE],
            color=colour,
            height=0.7,
            alpha=0.45 if r[s.UNRELIABLE] else 1.0,
            hatch=style.UNRELIABLE_HATCH if r[s.UNRELIABLE] else None,
            edgecolor=colour,
            label=None,
        )
        bar.patches[0].set_gid(f"group:{g}")
        lo, hi = r[s.CI_LOWER], r[s.CI_UPPER]
        if np.isfinite(lo) and np.isfinite(hi):
            drawn_ci = True
            ax.errorbar(
                r[s.VALUE],
                yi,
                xerr=[[r[s.VALUE] - lo], [hi - r[s.VALUE]]],
                fmt="none",
                ecolor="#222222",
                elinewidth=2,
                capsize=6,
            )
        text = format_value(r[s.VALUE], indicator).split(" per ")[0]
        if r[s.UNRELIABLE]:
            text += " (unreliable)"
        end = hi if np.isfinite(hi) else r[s.VALUE]
        ax.text(
            end + xmax * 0.015, yi, text, va="center", fontsize=style.FONT["annotation"]
        )
    ax.set_yticks(y, labels)
    ax.set_xlim(0, xmax * 1.35)
    style.label_possible_values_only(ax, info)
    ax.set_xlabel(info.unit, fontsize=style.FONT["label"])
    style.style_axes(ax)
    place = groups[s.GEO_NAME].iloc[0] or geo_id
    if show_state:
        parent = parent_geo_id(geo_id)
        st = rows_for(
            table, geo_id=parent, indicator=indicator, period=period, dimension="total"
        )
        if len(st) and np.isfinite(st[s.VALUE].iloc[0]):
            v = float(st[s.VALUE].iloc[0])
            name = st[s.GEO_NAME].iloc[0] or parent
            ax.axvline(
                v,
                color=style.STATE_COLOUR,
                linestyle="--",
                linewidth=2,
                # the unit is on the axis: a short label keeps the legend clear
                label=f"{name} overall: {format_value(v, indicator).split(' per ')[0]}",
            )
            ax.legend(loc="best", fontsize=style.FONT["annotation"], frameon=False)
    words = DIMENSION_WORDS.get(dimension, dimension)
    style.set_title(
        ax,
        title or f"{info.label} in {place} by {words}, {format_period(period)}",
        subtitle=f"{info.unit}; lines show 95% confidence intervals"
        if drawn_ci
        else f"{info.unit}; the source publishes no confidence intervals here",
    )
    # the footnote explains only the marks the chart actually draws
    marks = []
    if (groups[s.UNRELIABLE] & ~groups[s.SUPPRESSED]).any():
        marks.append("Pale dotted bars: unreliable (small numbers).")
    if groups[s.SUPPRESSED].any():
        marks.append("'Not shown': hidden (small numbers or by the source).")
    if total_note:
        marks.append(total_note)
    extra = " ".join(marks)
    style.add_footnote(ax, source_footnote(groups[s.SOURCE], [period], extra=extra))
    parts = []
    for _, r in groups.iterrows():
        val = (
            format_value(r[s.VALUE], indicator)
            if not r[s.SUPPRESSED]
            else "not shown (small numbers)"
        )
        flag = " (unreliable)" if r[s.UNRELIABLE] and not r[s.SUPPRESSED] else ""
        parts.append(f"{r[s.GROUP]}: {val}{flag}")
    style.set_alt_text(
        ax,
        f"Bar chart of {info.label.lower()} in {place}, {format_period(period)}, by "
        f"{words}. " + "; ".join(parts) + ".",
    )
    return ax
