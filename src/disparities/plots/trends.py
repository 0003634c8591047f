"""Trends: values by group over time, and the gap itself over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.narrative import format_period, group_noun, source_footnote
from disparities.plots import style
from disparities.select import rows_for

__all__ = ["plot_group_trend", "plot_gap_trend", "trend_statement"]


def _x(df):
    return ((df[s.PERIOD_START] + df[s.PERIOD_END]) / 2).to_numpy(float)


def _period_ticks(ax, df) -> None:
    """Label the time axis with the periods themselves ("2015–2019"), not 2017.2.

    Used when there are few periods (up to 8); more periods keep the year axis.
    """
    periods = df.drop_duplicates(s.PERIOD).sort_values(s.PERIOD_END)
    if 1 <= len(periods) <= 8:
        ax.set_xticks(_x(periods), [format_period(str(p)) for p in periods[s.PERIOD]])


def span_note(df) -> str:
    """Say where multi-year spans are drawn ("" when every period is one year).

    Examples
    --------
    >>> span_note(pd.DataFrame({"period_start": [2016, 2017], "period_end": [2020, 2021]}))
    '5-year spans drawn at their middle year.'
    """
    years = (df[s.PERIOD_END] - df[s.PERIOD_START]).to_numpy(float) + 1
    years = years[np.isfinite(years)]
    if not len(years) or years.max() <= 1:
        return ""
    if len(set(years)) == 1:
        return f"{int(years[0])}-year spans drawn at their middle year."
    return "Multi-year spans drawn at their middle year."


def slope_unit(info) -> str:
    """The unit of a gap's change per year, in words.

    Examples
    --------
    >>> from disparities.catalog import get_indicator
    >>> slope_unit(get_indicator("child_poverty"))
    'percentage points per year'
    >>> slope_unit(get_indicator("infant_mortality"))
    'per 1,000 live births per year'
    """
    if info.multiplier == 100 and info.measure_type != "score":
        return "percentage points per year"
    return f"{info.unit} per year"


def _gap_unit(info) -> str:
    if info.multiplier == 100 and info.measure_type != "score":
        return "percentage points"
    return info.unit


_PLAIN = (
    (
        r"two periods: the change between them \(scatter cannot be checked\)",
        "Only two periods: the trend is the change between them",
    ),
    (
        r"the periods scatter more than their sampling error allows.*random-effects fit",
        "The points vary more than their margins of error, so the trend's "
        "interval is widened",
    ),
    (
        r"periods overlap and share years.*",
        "These periods share years, so the change rests on the years they do not share",
    ),
)


def plain_trend_note(note: str) -> str:
    """A trend note (:func:`disparities.trends.compute_gap_trends`) in plain words.

    Examples
    --------
    >>> plain_trend_note("periods overlap and share years: the change rests on x")
    'These periods share years, so the change rests on the years they do not share.'
    """
    import re

    out = []
    for part in str(note or "").split("; "):
        part = part.strip()
        if not part:
            continue
        for pattern, words in _PLAIN:
            if re.fullmatch(pattern, part):
                part = words
                break
        out.append(part[0].upper() + part[1:].rstrip(".") + ".")
    return " ".join(out)


def _span_years(df) -> np.ndarray:
    return (df[s.PERIOD_END] - df[s.PERIOD_START]).to_numpy(float) + 1


def _join(words) -> str:
    words = list(words)
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _bands_subtitle(banded, drawn) -> str:
    """Which shaded bands are drawn ("" when none)."""
    if not banded:
        return ""
    if len(banded) == len(drawn):
        return (
            "Shaded bands: 95% confidence intervals"
            if len(banded) > 1
            else "Shaded band: 95% confidence interval"
        )
    return (
        f"Shaded band{'s' if len(banded) > 1 else ''}: 95% confidence interval of "
        f"{_join(banded)} only (none published for the others)"
    )


def plot_group_trend(
    table: pd.DataFrame,
    geo_id: str,
    indicator: str,
    *,
    dimension: str = "race_ethnicity",
    groups=None,
    title: str | None = None,
    ax=None,
):
    """Lines of an indicator by group over periods, with 95% CI bands.

    The time axis is a real one: each period is drawn at its middle year. When
    the periods are all of one length they label the axis ("2015–2019",
    "2016–2020"); when single years and multi-year spans mix (CHR's Total of
    one year beside its groups' 5-year averages), the axis is in years and each
    span is also drawn as a thin bar across the years it covers, so a single
    year never reads as later than the span that contains it.

    Values not shown (suppressed for small numbers, or not published) leave a
    break in the line and are listed in the footnote, never drawn as marks on
    the axis (which would read as 0). A group with no value at all has no line
    and no legend entry. Unreliable points are hollow. Shaded bands are drawn
    (and said to be drawn) only where a CI is published.

    Returns
    -------
    matplotlib.axes.Axes
    """
    info = get_indicator(indicator)
    sub = rows_for(table, geo_id=str(geo_id), indicator=indicator)
    sub = sub[sub[s.DIMENSION].astype(str).isin([dimension, "total"])]
    if groups is not None:
        sub = sub[sub[s.GROUP].astype(str).isin(list(groups) + ["Total"])]
    if sub.empty:
        raise KeyError(f"no rows for {indicator!r} in {geo_id}")
    if sub[s.PERIOD].nunique() < 2:
        raise ValueError(
            f"only one period ({format_period(str(sub[s.PERIOD].iloc[0]))}) of "
            f"{info.label.lower()}: a chart over time needs at least two"
        )
    ax = style.new_axes(ax)
    lengths = _span_years(sub)
    mixed = len(set(lengths[np.isfinite(lengths)])) > 1
    colours = style.group_colours(sorted(sub[s.GROUP].astype(str).unique()))
    drawn, banded = [], []
    not_shown: dict = {"small numbers": [], "not published": []}
    for g, gdf in sub.groupby(s.GROUP, observed=True, sort=True):
        gdf = gdf.assign(_x=_x(gdf)).sort_values(["_x", s.PERIOD_END])
        x = gdf["_x"].to_numpy(float)
        v = gdf[s.VALUE].to_numpy(float)
        c = colours[str(g)]
        missing = ~np.isfinite(v)
        sup = gdf[s.SUPPRESSED].to_numpy(bool)
        for reason, rows in (
            ("small numbers", gdf[missing & sup]),
            ("not published", gdf[missing & ~sup]),
        ):
            if len(rows):
                periods = ", ".join(format_period(str(p)) for p in rows[s.PERIOD])
                not_shown[reason].append(f"{g} ({periods})")
        if missing.all():
            continue  # nothing to draw: no line, no legend entry
        drawn.append(str(g))
        ax.plot(
            x,
            v,
            color=c,
            linewidth=3 if g != "Total" else 2,
            linestyle="-" if g != "Total" else "--",
            label=str(g),
            gid=f"group:{g}",
        )
        lo = gdf[s.CI_LOWER].to_numpy(float)
        hi = gdf[s.CI_UPPER].to_numpy(float)
        if (np.isfinite(lo) & np.isfinite(hi)).any():
            banded.append(str(g))
            ax.fill_between(x, lo, hi, color=c, alpha=0.15, linewidth=0)
        if mixed:
            span = (_span_years(gdf) > 1) & ~missing
            if span.any():
                starts = gdf[s.PERIOD_START].to_numpy(float)[span]
                ends = gdf[s.PERIOD_END].to_numpy(float)[span]
                ax.hlines(
                    v[span],
                    starts,
                    ends,
                    color=c,
                    linewidth=1.2,
                    alpha=0.45,
                    gid=f"span:{g}",
                )
                ax.scatter(
                    np.r_[starts, ends],
                    np.r_[v[span], v[span]],
                    marker="|",
                    color=c,
                    alpha=0.6,
                    s=80,
                    gid=f"span_ends:{g}",
                )
        unrel = gdf[s.UNRELIABLE].to_numpy(bool) & ~missing
        ok = ~unrel & ~missing
        ax.scatter(x[ok], v[ok], color=c, s=60, zorder=3)
        ax.scatter(
            x[unrel], v[unrel], color="white", edgecolor=c, s=60, zorder=3, linewidth=2
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel(info.unit, fontsize=style.FONT["label"])
    if drawn:
        ax.legend(
            fontsize=style.FONT["annotation"],
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
        )
    if mixed:
        from matplotlib.ticker import MaxNLocator

        first = float(sub[s.PERIOD_START].min())
        last = float(sub[s.PERIOD_END].max())
        ax.set_xlim(first - 0.5, last + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter("{x:.0f}")
    else:
        _period_ticks(ax, sub)
    style.style_axes(ax)
    place = sub[s.GEO_NAME].iloc[0] or geo_id
    periods = sub.sort_values([s.PERIOD_END, s.PERIOD_START])[s.PERIOD].astype(str)
    span = f"{format_period(periods.iloc[0])} to {format_period(periods.iloc[-1])}"
    subtitle = "; ".join(
        x
        for x in (
            _bands_subtitle(banded, drawn),
            "hollow dots: unreliable"
            if (sub[s.UNRELIABLE] & sub[s.VALUE].notna()).any()
            else "",
        )
        if x
    )
    style.set_title(
        ax,
        title or f"{info.label} in {place} over time, by group ({span})",
        subtitle=subtitle[:1].upper() + subtitle[1:],
    )
    notes = []
    if not_shown["small numbers"]:
        notes.append(
            "Not shown (small numbers): " + "; ".join(not_shown["small numbers"]) + "."
        )
    if not_shown["not published"]:
        notes.append(
            "No value published: " + "; ".join(not_shown["not published"]) + "."
        )
    if mixed:
        spans = sorted(
            {format_period(str(p)) for p, n in zip(sub[s.PERIOD], lengths) if n > 1}
        )
        notes.append(
            f"Multi-year averages ({', '.join(spans)}) drawn at their middle year, "
            "with a thin bar across the years each covers; single years at their year."
        )
    else:
        notes.append(span_note(sub))
    extra = " ".join(n for n in notes if n)
    style.add_footnote(
        ax, source_footnote(sub[s.SOURCE], periods.unique(), extra=extra)
    )

    def _latest(gdf) -> str:
        known = gdf[gdf[s.VALUE].notna()].sort_values(s.PERIOD_END)
        if known.empty:
            return "not shown"
        r = known.iloc[-1]
        return f"{format_period(str(r[s.PERIOD]))} value {r[s.VALUE]:.1f}"

    style.set_alt_text(
        ax,
        f"Line chart of {info.label.lower()} in {place} by group, "
        f"{span}. "
        + "; ".join(
            f"{g}: {_latest(gdf)}" for g, gdf in sub.groupby(s.GROUP, observed=True)
        ),
    )
    return ax


def _signed(v: float) -> str:
    """+6.4, -5.7 (no false precision on estimates this uncertain); +6,219 for
    large amounts (dollars)."""
    return f"{v:+,.0f}" if abs(v) >= 100 else f"{v:+.1f}"


#: what each verdict that is not a finding says instead of a rate per year
_NO_FINDING = {
    # disparities.trends.OVERLAP_UNCLEAR and UNTESTABLE (checked in the tests)
    "can't tell yet (the periods share years)": "can't tell yet whether the gap is changing (the periods "
    "share years)",
    "no significant change": "no significant change (it could be chance)",
    "cannot be tested": "cannot be tested (a period has no margin of error)",
    "too few periods": "too few periods to tell a trend",
}


def trend_statement(gaps: pd.DataFrame, trend: pd.DataFrame, info) -> str:
    """What a gap chart says about its trend, in words.

    Only a significant trend (*widening* or *narrowing*) is stated as a rate
    per year. Otherwise no rate is given: with two periods the chart states the
    change between them (in the gap's unit, not per year: two overlapping
    5-year spans one year apart share four years, and their difference is not
    a yearly change), and with more the verdict alone.

    Parameters
    ----------
    gaps : pandas.DataFrame
        The series' gap rows (one group, one indicator, one place), sorted by
        period.
    trend : pandas.DataFrame
        Its :func:`~disparities.trends.compute_gap_trends` row (or none).
    info : Indicator
        The indicator's catalogue entry.

    Returns
    -------
    str

    Examples
    --------
    >>> from disparities.catalog import get_indicator
    >>> g = pd.DataFrame({"period": ["2013-2019", "2014-2020"],
    ...     "period_start": [2013, 2014], "period_end": [2019, 2020],
    ...     "difference": [30.0, 24.34]})
    >>> t = pd.DataFrame({"verdict": ["can't tell yet (the periods share years)"],
    ...     "slope_per_year": [-5.66], "overlapping_periods": [True]})
    >>> trend_statement(g, t, get_indicator("teen_births"))
    "change between the two overlapping periods: -5.7 per 1,000 girls aged 15-19; can't tell yet whether the gap is changing (the periods share years)"
    """
    if not len(trend):
        return "no trend computed"
    r = trend.iloc[0]
    verdict = str(r["verdict"])
    slope = float(r["slope_per_year"]) if "slope_per_year" in r else np.nan
    overlap = bool(r.get("overlapping_periods", False))
    if verdict in ("widening", "narrowing") and np.isfinite(slope):
        rate = f"trend: {_signed(slope)} {slope_unit(info)} ({verdict})"
        if overlap:
            rate += "; a change in multi-year averages that share years"
        return rate
    words = _NO_FINDING.get(verdict, verdict)
    orient = 1.0 if info.higher_is_worse else -1.0
    d = gaps["difference"].to_numpy(float) * orient
    d = d[np.isfinite(d)]
    if len(d) == 2:
        kind = "overlapping periods" if overlap else "periods"
        return (
            f"change between the two {kind}: {_signed(d[-1] - d[0])} {_gap_unit(info)}; "
            f"{words}"
        )
    return words


def plot_gap_trend(
    gaps: pd.DataFrame,
    trends: pd.DataFrame,
    geo_id: str,
    indicator: str,
    group: str,
    *,
    title: str | None = None,
    ax=None,
):
    """The gap (group minus reference) over time with its CI and the trend verdict.

    Only a significant trend (widening or narrowing) gets a fitted line and a
    rate per year; otherwise the chart states the change between two periods
    (not per year) or the verdict alone (see :func:`trend_statement`), in the
    legend's place and in the alt text.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Output of :func:`disparities.gaps.compute_gaps`.
    trends : pandas.DataFrame
        Output of :func:`disparities.trends.compute_gap_trends`.
    geo_id, indicator, group : str
        The place, the indicator and the group compared with its reference.
    title : str, optional
        Replace the generated title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a slide-sized figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    info = get_indicator(indicator)
    sub = rows_for(gaps, geo_id=str(geo_id), indicator=indicator)
    sub = sub[sub[s.GROUP].astype(str) == group].sort_values(s.PERIOD_END)
    if sub.empty:
        raise KeyError(f"no gaps for {group} / {indicator!r} in {geo_id}")
    if sub[s.PERIOD].nunique() < 2:
        raise ValueError(
            f"only one period ({format_period(str(sub[s.PERIOD].iloc[0]))}) of "
            f"{info.label.lower()} for {group}: a trend needs at least two"
        )
    ref = sub["reference_group"].iloc[0]
    tr = trends[
        (trends[s.GEO_ID].astype(str) == str(geo_id))
        & (trends[s.INDICATOR].astype(str) == indicator)
        & (trends[s.GROUP].astype(str) == group)
    ]
    verdict = tr["verdict"].iloc[0] if len(tr) else "no trend computed"
    ax = style.new_axes(ax)
    x = _x(sub)
    c = style.group_colour(group)
    orient = 1.0 if info.higher_is_worse else -1.0
    d = sub["difference"].to_numpy(float) * orient
    lo = sub["difference_ci_lower"].to_numpy(float) * orient
    hi = sub["difference_ci_upper"].to_numpy(float) * orient
    ax.fill_between(
        x, np.minimum(lo, hi), np.maximum(lo, hi), color=c, alpha=0.2, linewidth=0
    )
    ax.plot(x, d, color=c, linewidth=3, marker="o", markersize=9)
    ax.axhline(0, color="#333333", linewidth=1.5)
    statement = trend_statement(sub, tr, info)
    # one clause a line, so the statement stays inside the axes
    shown = "\n".join(
        style.wrap_label(part[:1].upper() + part[1:], 76)
        for part in statement.split("; ")
    )
    if verdict in ("widening", "narrowing"):
        # a significant trend: its fitted line and its rate per year
        slope = float(tr["slope_per_year"].iloc[0])
        ok = np.isfinite(d)
        mid = np.nanmean(x[ok])
        level = np.nanmean(d[ok])
        ax.plot(
            x[ok],
            level + slope * (x[ok] - mid),
            color="#333333",
            linestyle=":",
            linewidth=2,
            label=shown,
            gid="trend_line",
        )
        handles = None
    else:
        # no fitted line and no rate per year: the statement alone, in the
        # legend's place (an empty handle)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], linestyle="none", label=shown)]
    # under the "above 0" note, left-aligned with it: the two never meet
    ax.legend(
        handles=handles,
        fontsize=style.FONT["annotation"],
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.92),
        borderaxespad=0.2,
        handlelength=2.0 if handles is None else 0.0,
        handletextpad=0.8 if handles is None else 0.0,
    )
    # a short axis label (it must fit the axis height); who is worse off above
    # 0 is written inside the axes, at its top left
    ax.set_ylabel(
        style.wrap_label(f"gap ({_gap_unit(info)})", 28),
        fontsize=style.FONT["label"],
    )
    ax.text(
        0.01,
        0.98,
        f"above 0: {group} worse off",  # one line: the statement sits below it
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=style.FONT["annotation"],
        color="#444444",
        bbox=dict(fc="white", ec="none", alpha=0.8),
        zorder=5,
    )
    # head room, so the note and the legend sit above the data
    lo_y, hi_y = ax.get_ylim()
    ax.set_ylim(lo_y, hi_y + (hi_y - lo_y) * (0.3 + 0.12 * shown.count("\n")))
    _period_ticks(ax, sub)
    style.style_axes(ax)
    place = sub[s.GEO_NAME].iloc[0] or geo_id
    span = (
        f"{format_period(sub[s.PERIOD].astype(str).iloc[0])} to "
        f"{format_period(sub[s.PERIOD].astype(str).iloc[-1])}"
    )
    who, ref_who = group_noun(group, indicator), group_noun(ref, indicator)
    style.set_title(
        ax,
        title
        or f"{info.label} in {place}: the gap between {who} and {ref_who} "
        + (
            f"is {verdict}"
            if verdict in ("narrowing", "widening")
            else "shows "
            + (
                {
                    "no significant change": "no significant change",
                    "too few periods": "too few periods to tell a trend",
                    "can't tell yet (the periods share years)": "no change the data can confirm yet "
                    "(the periods share years)",
                }.get(verdict, "no trend the data can confirm yet")
            )
        )
        + f" ({span})",
        subtitle=f"The gap is a difference in {_gap_unit(info)}, not a ratio; "
        "shaded band: its 95% confidence interval",
    )
    note = tr["note"].iloc[0] if len(tr) else ""
    extra = " ".join(x for x in (span_note(sub), plain_trend_note(note)) if x)
    style.add_footnote(
        ax, source_footnote(sub[s.SOURCE], sub[s.PERIOD].unique(), extra=extra)
    )
    style.set_alt_text(
        ax,
        f"Line chart of the gap in {info.label.lower()} between "
        f"{group} and {ref} in {place}, {span}. "
        f"{statement[:1].upper()}{statement[1:]}.",
    )
    return ax
