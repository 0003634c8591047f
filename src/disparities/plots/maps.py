"""County maps of a value or a gap across a state's counties.

Outlines are the Census TIGER county boundaries shipped by ``bokeh-sampledata``
(see :func:`disparities.geography.county_geometries`): no basemap tiles and no
network. Classes come from ``mapclassify`` (quantiles by default).
"""

from __future__ import annotations

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
CMAP = "YlOrBr"
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
        "#D9D9D9",
        "#555555",
        style.SUPPRESSED_HATCH,
        "not shown: small numbers",
    ),
    ("no data", "#D9D9D9", "#999999", None, "no data"),
]  # ColorBrewer, colour-blind safe, light = low


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
    from disparities.geography import county_geometries, resolve_state

    fips = resolve_state(state)[0]
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
    geo = county_geometries(state)
    cols = [s.GEO_ID, measure, s.SUPPRESSED, s.UNRELIABLE, s.SOURCE]
    cols = [c for c in cols if c in sub.columns]
    merged = geo.merge(sub[cols].astype({s.GEO_ID: str}), on=s.GEO_ID, how="left")
    status = np.where(
        merged[s.SUPPRESSED].fillna(False).astype(bool),
        "not shown",
        np.where(
            merged[measure].isna(),
            "no data",
            np.where(
                merged[s.UNRELIABLE].fillna(False).astype(bool), "unreliable", "shown"
            ),
        ),
    )
    merged["status"] = status
    merged.attrs.update(
        period=str(period), indicator=indicator, group=group, measure=measure
    )
    return merged


def _legend_labels(bins, lowest, fmt):
    labels, lo = [], lowest
    for b in bins:
        labels.append(f"{fmt(lo)} to {fmt(b)}")
        lo = b
    return labels


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
    import mapclassify
    import matplotlib as mpl
    from matplotlib.patches import Patch

    frame = county_map_frame(
        results, state, indicator, group=group, measure=measure, period=period
    )
    period = frame.attrs["period"]
    info = get_indicator(indicator)
    ax = style.new_axes(ax)
    values = frame[measure].to_numpy(float)
    ok = (
        np.isfinite(values) & (frame["status"].isin(["shown", "unreliable"])).to_numpy()
    )
    if classification is None:
        n_unique = len(np.unique(values[ok]))
        classification = mapclassify.classify(
            values[ok], scheme=scheme, k=max(1, min(k, n_unique))
        )
    bins = np.asarray(classification.bins)
    cmap = mpl.colormaps[CMAP].resampled(len(bins))
    classes = np.searchsorted(bins, values, side="left").clip(0, len(bins) - 1)
    colours = [mpl.colors.to_hex(cmap(c)) for c in classes]
    frame = frame.assign(_colour=np.where(ok, colours, "#D9D9D9"))
    for status, hatch in (
        ("shown", None),
        ("unreliable", style.UNRELIABLE_HATCH),
        ("not shown", style.SUPPRESSED_HATCH),
        ("no data", None),
    ):
        part = frame[frame["status"] == status]
        if len(part):
            part.plot(
                ax=ax,
                color=part["_colour"].tolist(),
                edgecolor="white",
                linewidth=0.6,
                hatch=hatch,
            )
    if focus_geo_id is not None:
        focus = frame[frame[s.GEO_ID] == str(focus_geo_id)]
        if len(focus):
            focus.boundary.plot(ax=ax, color="black", linewidth=3)
            pt = focus.geometry.iloc[0].representative_point()
            ax.annotate(
                focus["geo_name"].iloc[0],
                (pt.x, pt.y),
                xytext=(0, 38),
                textcoords="offset points",
                ha="center",
                fontsize=style.FONT["annotation"] + 1,
                fontweight="bold",
                arrowprops=dict(arrowstyle="-", color="black", lw=1.5),
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="black"),
            )
    ax.set_axis_off()
    ax.set_aspect(1 / np.cos(np.deg2rad(frame.geometry.union_all().centroid.y)))

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
    from disparities.geography import resolve_state

    st_name = resolve_state(state)[2]
    style.set_title(
        ax, title or f"{what} across {st_name} counties, {format_period(period)}"
    )
    sources = frame[s.SOURCE].dropna() if s.SOURCE in frame else []
    style.add_footnote(
        ax,
        source_footnote(
            sources,
            [period],
            extra=(
                f"Classes: {scheme}. Hatched counties: values not shown or unreliable."
            ),
        ),
    )
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

    import mapclassify
    import matplotlib.pyplot as plt

    if groups is None:
        sub = results[results[s.INDICATOR].astype(str) == indicator]
        groups = [str(g) for g in sub[s.GROUP].dropna().unique()]
        groups = [g for g in s.GROUP_ORDER if g in groups]
    vals = []
    for g in groups:
        f = county_map_frame(
            results, state, indicator, group=g, measure=measure, period=period
        )
        v = f.loc[f["status"].isin(["shown", "unreliable"]), measure].to_numpy(float)
        vals.append(v[np.isfinite(v)])
    pooled = np.concatenate(vals)
    classification = mapclassify.classify(pooled, scheme=scheme, k=k)
    ncols = min(ncols, len(groups))
    nrows = int(np.ceil(len(groups) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=style.SLIDE_SIZE, layout="constrained"
    )
    axes = np.atleast_1d(axes).ravel()
    periods = set()
    handles, legend_title = [], ""
    for g, ax in zip(groups, axes, strict=False):
        plot_county_map(
            results,
            state,
            indicator,
            group=g,
            measure=measure,
            period=period,
            classification=classification,
            legend=False,
            ax=ax,
            title=g,
        )
        hs, legend_title = ax._disparities_legend
        seen = {h.get_label() for h in handles}
        handles += [h for h in hs if h.get_label() not in seen]
        f = county_map_frame(
            results, state, indicator, group=g, measure=measure, period=period
        )
        periods.add(f.attrs["period"])
        for fid in focus_geo_ids:
            f[f[s.GEO_ID] == str(fid)].boundary.plot(ax=ax, color="black", linewidth=2)
        for t in fig.texts[:]:
            t.remove()
    for ax in axes[len(groups) :]:
        ax.set_axis_off()
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=4,
        fontsize=style.FONT["annotation"],
        title=legend_title,
        title_fontsize=style.FONT["annotation"],
        frameon=False,
    )
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
    fig.text(
        0.01,
        0.002,
        "\n".join(textwrap.wrap(note, 105)),  # profile: footnotes stay on the page
        va="bottom",
        fontsize=style.FONT["footnote"],
        color="#B00020" if "SYNTHETIC" in note else "#333333",
    )
    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    fig._disparities_alt_text = (
        f"{len(groups)} maps of {info.label.lower()} across "
        f"counties, one per group: {', '.join(groups)}."
    )
    fig._disparities_footnote = note
    return fig
