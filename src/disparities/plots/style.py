"""House style: one colour-blind-safe palette and one colour per group.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
Design"), distinguishable under the common colour-vision deficiencies; income
groups use an ordered dark-to-light sequence from the same family so order is
also carried by lightness. Sizes are for slides: 16:9 at 13.33 x 7.5 inches,
with text large enough to read from the back of a room.

Nothing here changes matplotlib's global settings.
"""

from __future__ import annotations

__all__ = [
    "label_possible_values_only",
    "GROUP_COLOURS",
    "SLIDE_SIZE",
    "FONT",
    "SUPPRESSED_HATCH",
    "UNRELIABLE_HATCH",
    "group_colour",
    "group_colours",
    "new_axes",
    "add_footnote",
    "set_title",
    "set_alt_text",
    "get_alt_text",
    "get_footnote",
    "get_title",
    "wrap_label",
    "style_axes",
    "STATE_COLOUR",
]

GROUP_COLOURS = {
    "Black": "#0072B2",
    "Hispanic or Latino": "#D55E00",
    "American Indian or Alaska Native": "#009E73",
    "Asian": "#CC79A7",
    "Asian or Pacific Islander": "#CC79A7",
    "Native Hawaiian or Pacific Islander": "#882255",
    "Two or more races": "#56B4E9",
    "Other race": "#7F7F7F",
    "White": "#E69F00",
    "White alone (incl. Hispanic)": "#E69F00",
    "Under 100% FPL": "#3B0F70",
    "100-199% FPL": "#8C2981",
    "200-399% FPL": "#DE4968",
    "400% FPL and over": "#FE9F6D",
    "Economically disadvantaged": "#999933",
    "Not economically disadvantaged": "#FE9F6D",
    "Total": "#333333",
}
STATE_COLOUR = "#555555"
SLIDE_SIZE = (13.33, 7.5)
FONT = {
    "title": 21,
    "subtitle": 16,
    "label": 17,
    "tick": 15,
    "annotation": 14,
    "footnote": 12.5,
}
SUPPRESSED_HATCH = "//"
UNRELIABLE_HATCH = ".."


def group_colour(group: str) -> str:
    """The fixed colour of a canonical group (grey for anything unknown).

    Examples
    --------
    >>> group_colour("Black")
    '#0072B2'
    """
    return GROUP_COLOURS.get(str(group), "#7F7F7F")


#: colours handed out, in order, when two groups of one chart would share a
#: colour: Okabe-Ito first, then Paul Tol's "muted" scheme (also colour-blind safe)
SPARE_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#E69F00",
    "#000000",
    "#332288",
    "#117733",
    "#44AA99",
    "#999933",
    "#882255",
    "#AA4499",
    "#661100",
)


def _rgb(colour: str):
    c = colour.lstrip("#")
    return tuple(int(c[i : i + 2], 16) for i in (0, 2, 4))


def _distance(a: str, b: str) -> float:
    """Weighted RGB distance ("redmean", Riemersma 2019), 0 to about 765."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    rm = (r1 + r2) / 2
    dr, dg, db = r1 - r2, g1 - g2, b1 - b2
    return float(
        ((2 + rm / 256) * dr**2 + 4 * dg**2 + (2 + (255 - rm) / 256) * db**2) ** 0.5
    )


#: two colours closer than this (weighted RGB distance) count as the same
MIN_COLOUR_DISTANCE = 80.0


def group_colours(groups) -> dict:
    """One distinct colour per group for the groups of one chart.

    Each group keeps its fixed colour (:func:`group_colour`) unless a group
    earlier in ``groups`` already holds that colour or one within
    :data:`MIN_COLOUR_DISTANCE` of it; then it takes the first unused colour of
    :data:`SPARE_COLOURS`. So two groups drawn together never share a colour.

    Examples
    --------
    >>> c = group_colours(["Under 100% FPL", "Economically disadvantaged"])
    >>> c["Under 100% FPL"] != c["Economically disadvantaged"]
    True
    """
    out: dict = {}
    for g in groups:
        g = str(g)
        if g in out:
            continue
        want = group_colour(g)
        used = list(out.values())
        if any(_distance(want, u) < MIN_COLOUR_DISTANCE for u in used):
            spare = [
                c
                for c in SPARE_COLOURS
                if all(_distance(c, u) >= MIN_COLOUR_DISTANCE for u in used)
            ]
            want = spare[0] if spare else want
        out[g] = want
    return out


def new_axes(ax=None, *, figsize=SLIDE_SIZE):
    """Return ``ax``, or a new Axes on a slide-sized figure when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def style_axes(ax) -> None:
    """Large tick labels, no top/right spines."""
    ax.tick_params(labelsize=FONT["tick"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def label_possible_values_only(ax, info) -> None:
    """Number the value axis only where a value can be: no tick label below 0,
    nor above 100 for a percentage (the axis may run past them to make room
    for labels). ``info`` is the indicator's catalog entry; scores keep
    every label (they may be negative). Ticks fall on round steps (1, 2, 2.5
    or 5 times a power of ten) and large numbers get thousands separators
    ("40,000")."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    score = info.measure_type == "score"
    percent = float(info.multiplier) == 100 and info.measure_type in (
        "proportion",
        "survey",
    )
    top = 100.0 if percent else float("inf")

    def label(x, _):
        if not score and (x < -1e-9 or x > top + 1e-9):
            return ""
        return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:g}"

    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(label))


def set_title(ax, title: str, subtitle: str = "") -> None:
    """A plain-language title and an optional subtitle.

    On a one-chart figure the title is the figure's, left-aligned with the
    slide edge, so long axis labels never push it off the slide; on a figure with
    several charts it is the Axes' own. The text is kept in ``ax._disparities_title``.
    """
    import textwrap

    fig = ax.get_figure()
    ax._disparities_title = title
    single = len([a for a in fig.axes if a.get_label() != "<colorbar>"]) == 1
    if single:
        wrapped = "\n".join(textwrap.wrap(title, 85))
        fig.suptitle(wrapped, x=0.01, ha="left", fontsize=FONT["title"])
        if subtitle:
            ax.set_title(
                "\n".join(textwrap.wrap(subtitle, 55)),
                loc="left",
                fontsize=FONT["subtitle"],
                color="#444444",
                pad=12,
            )
    else:
        wrapped = "\n".join(textwrap.wrap(title, 45))
        ax.set_title(wrapped, fontsize=FONT["subtitle"] + 1, loc="left")


def add_footnote(ax, text: str) -> None:
    """Write the footnote (source, period, synthetic warning) under the figure.

    The text is stored on the Axes (``ax._disparities_footnote``) for tests and
    exports.
    """
    import textwrap

    fig = ax.get_figure()
    wrapped = "\n".join(textwrap.wrap(text, 105))
    colour = "#B00020" if "SYNTHETIC" in text else "#333333"
    fig.text(
        0.01,
        0.005,
        wrapped,
        fontsize=FONT["footnote"],
        color=colour,
        ha="left",
        va="bottom",
    )
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        bottom = 0.045 + 0.028 * wrapped.count("\n")
        engine.set(rect=(0, bottom, 1, 1 - bottom))
    ax._disparities_footnote = text


def set_alt_text(ax, text: str) -> None:
    """Attach alt text (a description of what the chart shows) to the Axes."""
    ax._disparities_alt_text = text
    ax.get_figure()._disparities_alt_text = text


def get_alt_text(obj) -> str:
    """Alt text of an Axes or Figure made by a ``disparities`` plotting helper."""
    text = getattr(obj, "_disparities_alt_text", None)
    if text is None and hasattr(obj, "get_figure"):
        text = getattr(obj.get_figure(), "_disparities_alt_text", None)
    return text or ""


def get_title(ax) -> str:
    """Title text of an Axes made by a ``disparities`` plotting helper."""
    return getattr(ax, "_disparities_title", "")


def wrap_label(text: str, width: int = 42) -> str:
    """Wrap a long tick label onto two or more lines."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def get_footnote(ax) -> str:
    """Footnote text of an Axes made by a ``disparities`` plotting helper."""
    return getattr(ax, "_disparities_footnote", "")
