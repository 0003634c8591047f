"""Gap chart (dumbbell): each group's value against the reference group's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.group_sizes import gap_keys, reference_unreliable_by_size
from disparities.narrative import (
    format_period,
    format_value,
    gap_sentence,
    source_footnote,
)
from disparities.plots import style
from disparities.select import latest_period, parent_geo_id, rows_for

__all__ = ["plot_gap_dumbbell"]


def plot_gap_dumbbell(
    gaps: pd.DataFrame,
    geo_id: str,
    indicator: str,
    *,
    period: str | None = None,
    dimension: str = "race_ethnicity",
    compare_state: bool = True,
    highlight_group: str | None = None,
    title: str | None = None,
    values: pd.DataFrame | None = None,
    ax=None,
):
    """Dumbbell chart: group value and reference value joined by a line.

    Each group gets two rows, the place (filled dots) and, beside it, the state
    (hollow dots), so a gap can be read against the state's gap.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Output of :func:`disparities.gaps.compute_gaps` covering the place and
        its state.
    geo_id, indicator : str
        Place and indicator.
    period : str, optional
        Defaults to the latest period with a gap for this place.
    dimension : str
        ``race_ethnicity`` or ``income``.
    compare_state : bool
        Add the state's row under each group.
    highlight_group : str, optional
        Title the chart with this group's gap (default: the best-supported
        clearly worse gap).
    title : str, optional
        Replace the generated title.
    values : pandas.DataFrame, optional
        The tidy table of values the gaps came from, with the ``unreliable``
        flags the chart of every group shows (e.g. after
        :func:`disparities.group_sizes.flag_unreliable_by_size`): each dot is
        then marked "unreliable" exactly where that chart marks its value.
        Without it the group's dot carries its gap's flag and the reference's
        dot :func:`~disparities.group_sizes.reference_unreliable_by_size`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a slide-sized figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    geo_id = str(geo_id)
    info = get_indicator(indicator)
    here = rows_for(gaps, geo_id=geo_id, indicator=indicator, dimension=dimension)
    if here.empty:
        raise KeyError(f"no gaps for {indicator!r} ({dimension}) in {geo_id}")
    period = period or latest_period(here, indicator)
    here = rows_for(here, period=period).sort_values(s.GROUP, ascending=False)
    state = rows_for(
        gaps,
        geo_id=parent_geo_id(geo_id),
        indicator=indicator,
        period=period,
        dimension=dimension,
    )
    ax = style.new_axes(ax)
    yticks, ylabels = [], []
    y = 0.0
    place = here[s.GEO_NAME].iloc[0] or geo_id
    state_name = state[s.GEO_NAME].iloc[0] if len(state) else ""
    here, state = _dot_flags(here, values), _dot_flags(state, values)
    for _, r in here.iterrows():
        g = str(r[s.GROUP])
        rows = [(r, place, True)]
        st = state[state[s.GROUP].astype(str) == g]
        if compare_state and len(st):
            rows.append((st.iloc[0], state_name, False))
        for rr, name, filled in rows:
            yticks.append(y)
            ylabels.append(g if filled else f"{name} ({g})")
            if rr[s.SUPPRESSED] or not np.isfinite(rr[s.VALUE]):
                ax.text(
                    0.01,
                    y,
                    "not shown: small numbers",
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    fontsize=style.FONT["annotation"],
                    style="italic",
                    color="#555555",
                )
                y -= 0.8
                continue
            v, v0 = rr[s.VALUE], rr["reference_value"]
            ax.plot([v0, v], [y, y], color="#999999", linewidth=4, zorder=1)
            # each dot's own reliability (see _dot_flags)
            shaky = {
                True: bool(rr["_group_unreliable"]),
                False: bool(rr["_reference_unreliable"]),
            }
            for val, grp, is_group in (
                (v0, rr["reference_group"], False),
                (v, g, True),
            ):
                c = style.group_colour(grp)
                ax.scatter(
                    val,
                    y,
                    s=260,
                    zorder=2,
                    color=c if filled else "white",
                    edgecolor=c,
                    linewidth=3,
                    hatch=style.UNRELIABLE_HATCH if shaky[is_group] else None,
                )
            # each dot carries its own value: the larger on its right, the
            # smaller on its left, so no label sits beside the other dot
            hi_is_group = v >= v0
            for val, is_group in ((v, True), (v0, False)):
                label = format_value(val, indicator).split(" per ")[0]
                if shaky[is_group]:
                    label += " (unreliable)"
                right = is_group == hi_is_group
                ann = ax.annotate(
                    label,
                    (val, y),
                    xytext=(14 if right else -14, 0),
                    textcoords="offset points",
                    ha="left" if right else "right",
                    va="center",
                    fontsize=style.FONT["annotation"],
                    color="#222222" if filled else "#555555",
                )
                ann._disparities_value = float(val)
                ann._disparities_role = "group" if is_group else "reference"
            y -= 0.8
        y -= 0.6
    ax.set_yticks(yticks, ylabels, fontsize=style.FONT["annotation"])
    for lab in ax.get_yticklabels():
        if "(" in lab.get_text():
            lab.set_color("#666666")
            lab.set_fontsize(style.FONT["annotation"] - 2)
    ax.set_xlabel(info.unit, fontsize=style.FONT["label"])
    ax.set_ylim(y + 0.5, 0.8)
    # room for a label on each side of the dots; no negative ticks for counts
    vals = pd.concat(
        [here[[s.VALUE, "reference_value"]], state[[s.VALUE, "reference_value"]]]
    )
    vals = vals.to_numpy(float)
    vals = vals[np.isfinite(vals)]
    if len(vals):
        ax.set_xlim(*_room_for_labels(ax, float(vals.min()), float(vals.max())))
    style.label_possible_values_only(ax, info)
    style.style_axes(ax)
    ax.grid(axis="x", color="#DDDDDD")
    shown = here[here["direction"] == "worse"].copy()
    if highlight_group is not None:
        chosen = here[here[s.GROUP].astype(str) == highlight_group]
        if len(chosen) and title is None:
            title = _with_caveats(gap_sentence(chosen.iloc[0]), chosen.iloc[0])
    if title is None:
        if len(shown):
            # headline the gap the data support best: reliable first, then by the
            # conservative end of its CI, so small numbers never make the title
            from disparities.focus import conservative_ratio

            shown["_cons"] = conservative_ratio(
                shown["adverse_ratio_ci_lower"], shown["adverse_ratio_ci_upper"]
            )
            top = shown.sort_values(
                [s.UNRELIABLE, "_cons"], ascending=[True, False]
            ).iloc[0]
            title = _with_caveats(gap_sentence(top), top)
        else:
            title = (
                f"{info.label} in {place}: gaps between groups, {format_period(period)}"
            )
    refs = sorted(set(here["reference_group"].astype(str)) - {""})
    parts = [f"Filled: {place}"]
    if compare_state and state_name:
        parts.append(f"hollow: {state_name}")
    if refs:
        parts.append(f"reference: {' / '.join(refs)}")
    style.set_title(ax, title, subtitle="; ".join(parts))
    style.add_footnote(
        ax,
        source_footnote(
            pd.concat([here, state])[s.SOURCE] if s.SOURCE in here else ["not stated"],
            [period],
        ),
    )
    parts = [
        f"{r[s.GROUP]} {format_value(r[s.VALUE], indicator)} vs {r['reference_group']} "
        f"{format_value(r['reference_value'], indicator)}"
        for _, r in here.iterrows()
    ]
    style.set_alt_text(
        ax,
        f"Dumbbell chart of {info.label.lower()} gaps in {place}, "
        f"{format_period(period)}: " + "; ".join(parts) + ".",
    )
    return ax


def _dot_flags(rows: pd.DataFrame, values: pd.DataFrame | None) -> pd.DataFrame:
    """Each gap row's group and reference dots: unreliable or not."""
    if rows.empty:
        return rows.assign(_group_unreliable=False, _reference_unreliable=False)
    if values is None or s.UNRELIABLE not in values.columns:
        return rows.assign(
            _group_unreliable=rows[s.UNRELIABLE].fillna(False).astype(bool),
            _reference_unreliable=reference_unreliable_by_size(rows),
        )
    keys = s.KEY_COLUMNS
    flags = (
        values[keys + [s.UNRELIABLE]]
        .astype({k: str for k in keys})
        .drop_duplicates(keys, keep="last")
        .set_index(keys)[s.UNRELIABLE]
        .fillna(False)
        .astype(bool)
    )
    own, ref = gap_keys(rows)
    return rows.assign(
        _group_unreliable=flags.reindex(own).fillna(False).to_numpy(bool),
        _reference_unreliable=flags.reindex(ref).fillna(False).to_numpy(bool),
    )


def _room_for_labels(ax, vmin: float, vmax: float) -> tuple[float, float]:
    """x limits that leave room for the value labels on each side of the dots.

    The labels' widths are measured with the figure's renderer (font layout
    only, no drawing), against the width the axes will have beside their group
    names, so a long label ("11.7% (unreliable)") never runs into them.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72.0

    def width(text) -> float:
        w, _, _ = renderer.get_text_width_height_descent(
            text.get_text(), text.get_fontproperties(), ismath=False
        )
        return w

    # the labels' offset from their dot's centre, and a gap to the axis line
    offset = (14 + 8) * px_per_pt
    labels = [a for a in ax.texts if hasattr(a, "_disparities_role")]
    left = max((width(a) for a in labels if a.get_ha() == "right"), default=0.0)
    right = max((width(a) for a in labels if a.get_ha() == "left"), default=0.0)
    fig_px = fig.get_figwidth() * fig.dpi
    if fig.get_layout_engine() is not None and len(fig.axes) == 1:
        names = max((width(t) for t in ax.get_yticklabels()), default=0.0)
        axes_px = fig_px - names - 40 * px_per_pt  # ticks, pads, margins
    else:
        axes_px = ax.get_position().width * fig_px
    axes_px = max(axes_px * 0.9, 1.0)
    fl = min((left + offset) / axes_px, 0.4) if left else 0.05
    fr = min((right + offset) / axes_px, 0.4) if right else 0.05
    span = max(vmax - vmin, abs(vmax) * 0.1, 1e-9)
    whole = span / (1.0 - fl - fr)
    return vmin - fl * whole, vmax + fr * whole


def _with_caveats(sentence: str, row) -> str:
    """The chart's sentence title with the caveats a headline keeps (an
    interval the tool estimated; small numbers) that it does not say yet."""
    from disparities.narrative import caveat_notes

    extra = caveat_notes(row, already=sentence)
    if not extra:
        return sentence
    text = sentence.rstrip(".")
    if text.endswith(")") and "read with care" in text[text.rfind("(") :]:
        return f"{text[:-1]}; {'; '.join(extra)})."  # one parenthesis of caveats
    return f"{text} ({'; '.join(extra)})."
