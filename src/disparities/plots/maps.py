"""County maps of a value or a gap across a state's counties.

Outlines are the Census TIGER county boundaries shipped by ``bokeh-sampledata``
(see :func:`disparities.geography.county_outlines`): no basemap tiles and no
network. Each state's outlines are read once per process and turned into
matplotlib paths once; every map (and every panel of the small multiples) draws
those shared paths as a few collections, one per status (shown, unreliable,
not shown, no data), so a map costs little more than its drawing. Classes are
quantiles by default (computed here as ``mapclassify.Quantiles`` does, without
importing it); other ``mapclassify`` schemes are used when asked for.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.narrative import format_period, source_footnote
from disparities.plots import style

__all__ = ["plot_county_map", "plot_map_small_multiples", "county_map_frame"]

MEASURE_WORDS = {
    s.VALUE: "value",
    "adverse_ratio": "times as likely as the reference group",
    "difference": "gap (group minus reference)",
}
CMAP = "YlOrBr"  # ColorBrewer, colour-blind safe, light = low
NO_DATA_COLOUR = "#D9D9D9"
#: legend entries for counties whose value is flagged: status, fill, edge, hatch, words
_FLAG_LEGEND = [
    (
        "unreliable",
        "white",
        "#555555",
        style.UNRELIABLE_HATCH,
        "dotted: unreliable (small numbers)",
    ),
    (
        "not shown",
        NO_DATA_COLOUR,
        "#555555",
        style.SUPPRESSED_HATCH,
        "not shown: small numbers",
    ),
    ("no data", NO_DATA_COLOUR, "#999999", None, "no data"),
]
#: the footnote's words for the same patterns, so legend and footnote agree
_FLAG_NOTE = {
    "unreliable": "dotted counties: unreliable (small numbers)",
    "not shown": "striped counties: not shown (small numbers)",
}
_STATUS_HATCH = (
    ("shown", None),
    ("unreliable", style.UNRELIABLE_HATCH),
    ("not shown", style.SUPPRESSED_HATCH),
    ("no data", None),
)


def _flag_note(statuses) -> str:
    """ "Dotted counties: ...; striped counties: ..." for the statuses present."""
    parts = [_FLAG_NOTE[k] for k in ("unreliable", "not shown") if k in statuses]
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


class _Quantiles:
    """Quantile classes exactly as ``mapclassify.Quantiles`` makes them.

    Upper bounds are the ``100/k, 200/k, ..., 100`` percentiles (linear
    interpolation, as ``scipy.stats.scoreatpercentile``), repeated bounds
    collapsed (mapclassify's ``quantile``). Done here because importing
    mapclassify (scipy.stats, scikit-learn) takes over a second.
    """

    def __init__(self, y, k: int = 5):
        y = np.asarray(y, dtype=float)
        w = 100.0 / k
        p = np.arange(w, 100 + w, w)
        if p[-1] > 100.0:
            p[-1] = 100.0
        self.y = y
        self.bins = np.unique(np.percentile(y, p)) if len(y) else np.array([0.0])
        self.k = len(self.bins)


def _classify(values, scheme: str, k: int):
    if scheme == "quantiles":
        return _Quantiles(values, k=k)
    import mapclassify

    return mapclassify.classify(values, scheme=scheme, k=k)


@lru_cache(maxsize=16)
def _county_paths(state_fips: str) -> tuple:
    """One matplotlib Path per county of the state (built once, shared)."""
    from matplotlib.path import Path

    from disparities.geography import county_outlines

    out = county_outlines(state_fips)
    return tuple(
        Path.make_compound_path(*(Path(r, closed=True) for r in rings))
        for rings in out.rings
    )


def _map_values(results, state, indicator, *, group, measure, period):
    """The chosen measure for every county of ``state``, in outline order.

    Returns a plain DataFrame (``geo_id, geo_name``, the measure, flags,
    ``source`` and ``status``) with ``attrs`` period/indicator/group/measure.
    """
    from disparities.geography import county_outlines

    out = county_outlines(state)
    fips = out.state_fips
    sub = results[
        (results[s.INDICATOR].astype(str) == indicator)
        & (results[s.GROUP].astype(str) == group)
        & (results[s.GEO_ID].astype(str).str.len() == 5)
        & (results[s.GEO_ID].astype(str).str[:2] == fips)
    ]
    if sub.empty:
        raise KeyError(f"no county rows for {indicator!r}, group {group!r} in {state}")
    if period is None:
        period = str(sub.sort_values(s.PERIOD_END)[s.PERIOD].iloc[-1])
    sub = sub[sub[s.PERIOD].astype(str) == str(period)]
    cols = [s.GEO_ID, measure, s.SUPPRESSED, s.UNRELIABLE, s.SOURCE]
    cols = [c for c in cols if c in sub.columns]
    sub = sub[cols].astype({s.GEO_ID: str})
    dup = sub[s.GEO_ID].duplicated()
    if dup.any():
        warnings.warn(
            f"{indicator!r}, group {group!r}, {period}: "
            f"{int(dup.sum())} counties have more than one row "
            f"({', '.join(sorted(set(sub.loc[dup, s.GEO_ID])))[:200]}); "
            "the map shows the first of each",
            UserWarning,
            stacklevel=3,
        )
        sub = sub[~dup]
    frame = pd.DataFrame({s.GEO_ID: list(out.geo_ids), "geo_name": list(out.geo_names)})
    frame = frame.merge(sub, on=s.GEO_ID, how="left")
    if measure not in frame:
        raise KeyError(f"no column {measure!r} in the results")
    for flag in (s.SUPPRESSED, s.UNRELIABLE):
        if flag not in frame:
            frame[flag] = False
    frame["status"] = np.where(
        frame[s.SUPPRESSED].fillna(False).astype(bool),
        "not shown",
        np.where(
            frame[measure].isna(),
            "no data",
            np.where(
                frame[s.UNRELIABLE].fillna(False).astype(bool), "unreliable", "shown"
            ),
        ),
    )
    frame.attrs.update(
        period=str(period), indicator=indicator, group=group, measure=measure
    )
    return frame


def county_map_frame(
    results, state, indicator, *, group="Total", measure=s.VALUE, period=None
):
    """One row per county of ``state``: the chosen measure joined to outlines.

    Returns
    -------
    geopandas.GeoDataFrame
        Every county of the state (counties without data have a missing value
        and ``status`` "no data"), with ``status`` one of ``shown``,
        ``unreliable``, ``not shown`` (suppressed) or ``no data``.
    """
    from disparities.geography import county_geometries

    values = _map_values(
        results, state, indicator, group=group, measure=measure, period=period
    )
    geo = county_geometries(state)
    merged = geo.merge(values.drop(columns="geo_name"), on=s.GEO_ID, how="left")
    merged.attrs.update(values.attrs)
    return merged


def _legend_labels(bins, lowest, fmt):
    labels, lo = [], lowest
    for b in bins:
        labels.append(f"{fmt(lo)} to {fmt(b)}")
        lo = b
    return labels


def _draw_counties(ax, state_fips, frame, measure, classification, cmap):
    """Fill the counties: one PathCollection per status, shared paths."""
    import matplotlib as mpl
    from matplotlib.collections import PathCollection

    paths = _county_paths(state_fips)
    values = frame[measure].to_numpy(float)
    status = frame["status"].to_numpy()
    ok = np.isfinite(values) & np.isin(status, ["shown", "unreliable"])
    bins = np.asarray(classification.bins)
    classes = np.searchsorted(bins, values, side="left").clip(0, len(bins) - 1)
    palette = np.array([mpl.colors.to_rgba(cmap(i)) for i in range(len(bins))])
    colours = np.where(
        ok[:, None], palette[classes], mpl.colors.to_rgba(NO_DATA_COLOUR)
    )
    for name, hatch in _STATUS_HATCH:
        idx = np.flatnonzero(status == name)
        if not len(idx):
            continue
        coll = PathCollection(
            [paths[i] for i in idx],
            facecolors=colours[idx],
            edgecolors="white",
            linewidths=0.6,
            hatch=hatch,
        )
        coll.set_gid(f"counties:{name}")
        ax.add_collection(coll, autolim=True)
    ax.autoscale_view()
    return values, ok


def _outline_counties(ax, state_fips, geo_ids, linewidth):
    """Draw black outlines around the given counties (one collection)."""
    from matplotlib.collections import PathCollection

    from disparities.geography import county_outlines

    out = county_outlines(state_fips)
    paths = _county_paths(state_fips)
    pos = [out.position(g) for g in geo_ids]
    pos = [p for p in pos if p >= 0]
    if not pos:
        return None
    coll = PathCollection(
        [paths[p] for p in pos],
        facecolors="none",
        edgecolors="black",
        linewidths=linewidth,
        zorder=2,
    )
    coll.set_gid("focus")
    ax.add_collection(coll, autolim=False)
    return coll


def plot_county_map(
    results: pd.DataFrame,
    state: str,
    indicator: str,
    *,
    group: str = "Total",
    measure: str = s.VALUE,
    period: str | None = None,
    focus_geo_id: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    classification=None,
    legend: bool = True,
    title: str | None = None,
    ax=None,
):
    """Choropleth of one measure across a state's counties.

    Parameters
    ----------
    results : pandas.DataFrame
        A tidy observation table (``measure="value"``) or a gaps table
        (``measure="adverse_ratio"`` or ``"difference"``).
    state : str
        The state whose counties are drawn.
    indicator, group : str
        What to map.
    measure : str
        Column to map.
    period : str, optional
        Defaults to the latest period.
    focus_geo_id : str, optional
        Outline and label this county.
    scheme, k : str, int
        mapclassify scheme and number of classes.
    classification : mapclassify classifier, optional
        Reuse bins (small multiples share one).
    legend : bool
        Draw the legend.
    title : str, optional
        Replace the generated title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a slide-sized figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Hatching marks counties whose value is not shown (``//``) or unreliable
        (``..``).
    """
    frame = _map_values(
        results, state, indicator, group=group, measure=measure, period=period
    )
    ax = style.new_axes(ax)
    return _draw_map(
        ax,
        frame,
        state,
        focus_geo_id=focus_geo_id,
        scheme=scheme,
        k=k,
        classification=classification,
        legend=legend,
        title=title,
        footnote=True,
    )


def _draw_map(
    ax,
    frame,
    state,
    *,
    focus_geo_id,
    scheme,
    k,
    classification,
    legend,
    title,
    footnote,
):
    """Draw one map of ``frame`` (from :func:`_map_values`) on ``ax``."""
    import matplotlib as mpl
    from matplotlib.patches import Patch

    from disparities.geography import county_outlines, resolve_state

    indicator, group = frame.attrs["indicator"], frame.attrs["group"]
    measure, period = frame.attrs["measure"], frame.attrs["period"]
    info = get_indicator(indicator)
    out = county_outlines(state)
    if classification is None:
        v = frame[measure].to_numpy(float)
        ok = np.isfinite(v) & frame["status"].isin(["shown", "unreliable"]).to_numpy()
        n_unique = len(np.unique(v[ok]))
        classification = _classify(v[ok], scheme, max(1, min(k, n_unique)))
    bins = np.asarray(classification.bins)
    cmap = mpl.colormaps[CMAP].resampled(len(bins))
    values, ok = _draw_counties(
        ax, out.state_fips, frame, measure, classification, cmap
    )
    if focus_geo_id is not None and out.position(focus_geo_id) >= 0:
        _outline_counties(ax, out.state_fips, [str(focus_geo_id)], 3)
        x, y = out.label_point(str(focus_geo_id))
        ax.annotate(
            out.geo_names[out.position(focus_geo_id)],
            (x, y),
            xytext=(0, 38),
            textcoords="offset points",
            ha="center",
            fontsize=style.FONT["annotation"] + 1,
            fontweight="bold",
            arrowprops=dict(arrowstyle="-", color="black", lw=1.5),
            bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="black"),
        )
    ax.set_axis_off()
    ax.set_aspect(out.aspect)

    def fmt(v):
        if measure == "adverse_ratio":
            return f"{v:.1f}\u00d7"
        if info.multiplier == 100:
            return f"{v:.1f}%"
        return f"{v:,.1f}"

    lowest = float(np.min(classification.y)) if len(classification.y) else 0.0
    handles = [
        Patch(facecolor=mpl.colors.to_hex(cmap(i)), edgecolor="#999999", label=lab)
        for i, lab in enumerate(_legend_labels(bins, lowest, fmt))
    ]
    statuses = set(frame["status"])
    for status, face, edge, hatch, label in _FLAG_LEGEND:
        if status in statuses:
            handles.append(
                Patch(facecolor=face, edgecolor=edge, hatch=hatch, label=label)
            )
    legend_title = f"{info.unit}" if measure == s.VALUE else MEASURE_WORDS[measure]
    ax._disparities_legend = (handles, legend_title)
    if legend:
        ax.legend(
            handles=handles,
            loc="lower left",
            fontsize=style.FONT["annotation"],
            title=legend_title,
            title_fontsize=style.FONT["annotation"],
            frameon=False,
        )
    what = info.label if group == "Total" else f"{info.label}, {group}"
    if measure != s.VALUE:
        what += f": {MEASURE_WORDS[measure]}"
    st_name = resolve_state(state)[2]
    style.set_title(
        ax, title or f"{what} across {st_name} counties, {format_period(period)}"
    )
    if footnote:
        sources = frame[s.SOURCE].dropna() if s.SOURCE in frame else []
        extra = f"Classes: {scheme}. {_flag_note(statuses)}".strip()
        style.add_footnote(ax, source_footnote(sources, [period], extra=extra))
    counts = frame["status"].value_counts().to_dict()
    style.set_alt_text(
        ax,
        f"Map of {what.lower()} across {len(frame)} counties of "
        f"{st_name}, {format_period(period)}, from {fmt(lowest)} to "
        f"{fmt(float(np.nanmax(values[ok])) if ok.any() else 0)}; "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + ".",
    )
    ax._disparities_classification = classification
    return ax


def _multiples_size(state: str, nrows: int, ncols: int) -> tuple:
    """Slide-wide figure, only as tall as the maps need (no empty bands).

    Height = title, panel titles, legend and footnote (about 2.4 inches) plus
    the maps' own height at their drawn aspect, capped at the slide's height.
    """
    from disparities.geography import county_outlines

    out = county_outlines(state)
    x0, y0, x1, y1 = out.bounds
    ratio = (y1 - y0) * out.aspect / max(x1 - x0, 1e-9)
    width = style.SLIDE_SIZE[0]
    panel_w = width * 0.96 / ncols
    maps_h = nrows * (min(panel_w * ratio, 5.0) + 0.45)
    # a quarter inch is a whole number of pixels at any common dpi
    height = round(float(np.clip(maps_h + 2.4, 4.0, style.SLIDE_SIZE[1])) * 4) / 4
    return (width, height)


def plot_map_small_multiples(
    results: pd.DataFrame,
    state: str,
    indicator: str,
    *,
    groups=None,
    measure: str = s.VALUE,
    period: str | None = None,
    focus_geo_ids=(),
    scheme: str = "quantiles",
    k: int = 5,
    ncols: int = 3,
):
    """One map per group, sharing one set of classes, for side-by-side comparison.

    Parameters
    ----------
    results, state, indicator, measure, period, scheme, k
        As for :func:`plot_county_map`.
    groups : list of str, optional
        Defaults to every group with county data for the indicator.
    focus_geo_ids : sequence of str
        Counties to outline on every panel (a cohort's counties).
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import textwrap

    import matplotlib.pyplot as plt

    if groups is None:
        sub = results[results[s.INDICATOR].astype(str) == indicator]
        groups = [str(g) for g in sub[s.GROUP].dropna().unique()]
        groups = [g for g in s.GROUP_ORDER if g in groups]
    frames = [
        _map_values(results, state, indicator, group=g, measure=measure, period=period)
        for g in groups
    ]
    vals = []
    for f in frames:
        v = f.loc[f["status"].isin(["shown", "unreliable"]), measure].to_numpy(float)
        vals.append(v[np.isfinite(v)])
    pooled = np.concatenate(vals)
    classification = _classify(pooled, scheme, k)
    ncols = min(ncols, len(groups))
    nrows = int(np.ceil(len(groups) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=_multiples_size(state, nrows, ncols), layout="constrained"
    )
    axes = np.atleast_1d(axes).ravel()
    periods = set()
    handles, legend_title = [], ""
    for g, f, ax in zip(groups, frames, axes, strict=False):
        _draw_map(
            ax,
            f,
            state,
            focus_geo_id=None,
            scheme=scheme,
            k=k,
            classification=classification,
            legend=False,
            title=g,
            footnote=False,
        )
        hs, legend_title = ax._disparities_legend
        seen = {h.get_label() for h in handles}
        handles += [h for h in hs if h.get_label() not in seen]
        periods.add(f.attrs["period"])
        if len(focus_geo_ids):
            _outline_counties(ax, state, focus_geo_ids, 2)
    for ax in axes[len(groups) :]:
        ax.set_axis_off()
    info = get_indicator(indicator)
    fig.suptitle(
        "\n".join(
            textwrap.wrap(
                f"{info.label} across counties, one map per group "
                "(same colours in every map)",
                80,
            )
        ),
        fontsize=style.FONT["title"],
        x=0.01,
        ha="left",
    )
    note = source_footnote(
        results[s.SOURCE] if s.SOURCE in results else [], sorted(periods)
    )
    foot = fig.text(
        0.01,
        0.005,
        "\n".join(textwrap.wrap(note, 105)),  # profile: footnotes stay on the page
        va="bottom",
        fontsize=style.FONT["footnote"],
        color="#B00020" if "SYNTHETIC" in note else "#333333",
    )
    foot.set_gid("footnote")
    # measured, not guessed: the legend sits just above the footnote and the
    # maps just above the legend, so nothing overlaps at any footnote length
    renderer = fig.canvas.get_renderer()
    height = fig.bbox.height
    foot_top = 0.005 + foot.get_window_extent(renderer).height / height + 0.01
    leg = fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, foot_top),
        ncols=4,
        fontsize=style.FONT["annotation"],
        title=legend_title,
        title_fontsize=style.FONT["annotation"],
        frameon=False,
    )
    leg.set_gid("legend")
    bottom = foot_top + leg.get_window_extent(renderer).height / height + 0.01
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    fig._disparities_alt_text = (
        f"{len(groups)} maps of {info.label.lower()} across "
        f"counties, one per group: {', '.join(groups)}."
    )
    fig._disparities_footnote = note
    return fig
