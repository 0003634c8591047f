"""Plotting helpers: each takes tidy results, draws on ``ax`` and returns it.

They follow geopandas' contract: ``ax=None`` comes last among options; a
figure is only created when no Axes is given; the Axes (or the Figure for
multi-panel layouts) is returned; nothing is shown or saved and no global
style is changed. matplotlib is imported only when a helper is called.
"""

from disparities.plots.export import build_deck, save_chart
from disparities.plots.gaps import plot_gap_dumbbell
from disparities.plots.groups import plot_group_comparison
from disparities.plots.maps import plot_county_map, plot_map_small_multiples
from disparities.plots.overview import plot_disparity_overview
from disparities.plots.style import (
    get_alt_text,
    get_footnote,
    group_colour,
    group_colours,
)
from disparities.plots.trends import plot_gap_trend, plot_group_trend

__all__ = [
    "plot_group_comparison",
    "plot_gap_dumbbell",
    "plot_disparity_overview",
    "plot_group_trend",
    "plot_gap_trend",
    "plot_county_map",
    "plot_map_small_multiples",
    "save_chart",
    "build_deck",
    "get_alt_text",
    "get_footnote",
    "group_colour",
    "group_colours",
]
