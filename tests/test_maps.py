"""County maps: shared outlines, collections, classes, and words that agree."""

import subprocess
import sys

import numpy as np
import pytest

from disparities import plots
from disparities.plots import maps
from disparities.plots.style import get_footnote


def test_quantiles_match_mapclassify():
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(3)
    for y, k in [
        (rng.gamma(2.0, 3.0, 97), 5),
        (np.arange(1000.0), 4),
        (np.array([1.0, 1.0, 1.0, 2.0, 5.0, 5.0]), 5),  # ties collapse classes
    ]:
        ours = maps._Quantiles(y, k=k)
        with pytest.warns(UserWarning) if len(np.unique(y)) < k else _nothing():
            theirs = mapclassify.Quantiles(y, k=k)
        np.testing.assert_allclose(ours.bins, theirs.bins)
    # mapclassify's own docstring example
    np.testing.assert_allclose(
        maps._Quantiles(np.arange(1000), k=3).bins, [333.0, 666.0, 999.0]
    )


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_map_draws_shared_paths_by_status(demo):
    ax = plots.plot_county_map(
        demo, "NC", "infant_mortality", group="Black", focus_geo_id="37063"
    )
    by_gid = {c.get_gid(): c for c in ax.collections}
    frame = maps._map_values(
        demo, "NC", "infant_mortality", group="Black", measure="value", period=None
    )
    counts = frame["status"].value_counts()
    # one collection per status, one path per county, hatched as the legend says
    for status, hatch in maps._STATUS_HATCH:
        if status in counts:
            coll = by_gid[f"counties:{status}"]
            assert len(coll.get_paths()) == counts[status]
            assert coll.get_hatch() == hatch
    assert sum(len(by_gid[f"counties:{k}"].get_paths()) for k in counts.index) == 100
    # the outlines are the cached paths, not copies
    shared = maps._county_paths("37")
    assert any(p is shared[0] for c in ax.collections for p in c.get_paths())
    focus = by_gid["focus"]
    assert len(focus.get_paths()) == 1 and focus.get_linewidths()[0] == 3
    # legend and footnote use the same words for the patterns
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    note = get_footnote(ax)
    assert "dotted: unreliable (small numbers)" in legend
    assert (
        "Dotted counties: unreliable" in note and "striped counties: not shown" in note
    )
    assert "atched" not in note


def test_small_multiples_panels_share_one_scale(demo):
    fig = plots.plot_map_small_multiples(
        demo,
        "NC",
        "low_birthweight",
        groups=["Black", "White"],
        focus_geo_ids=["37063"],
    )
    panels = [a for a in fig.axes if a.has_data()]
    assert len(panels) == 2
    c0 = panels[0]._disparities_classification
    assert c0 is panels[1]._disparities_classification
    # every panel outlines the focus county and draws all 100 counties
    for ax in panels:
        gids = [c.get_gid() for c in ax.collections]
        assert "focus" in gids
        n = sum(len(c.get_paths()) for c in ax.collections if c.get_gid() != "focus")
        assert n == 100
    # pooled quantiles over both groups' shown values
    vals = []
    for g in ["Black", "White"]:
        f = maps._map_values(
            demo, "NC", "low_birthweight", group=g, measure="value", period=None
        )
        vals.append(f.loc[f.status.isin(["shown", "unreliable"]), "value"].dropna())
    pooled = np.concatenate(vals)
    np.testing.assert_allclose(c0.bins[-1], pooled.max())
    np.testing.assert_allclose(c0.bins[0], np.percentile(pooled, 20))


def test_maps_need_neither_geopandas_nor_mapclassify():
    code = (
        "import sys, matplotlib\n"
        "matplotlib.use('Agg')\n"
        "from disparities.demo import load_demo\n"
        "from disparities import plots\n"
        "t = load_demo()\n"
        "plots.plot_map_small_multiples(t, 'NC', 'low_birthweight', "
        "groups=['Black', 'White'])\n"
        "print([m for m in ('geopandas', 'mapclassify') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("[]")


def test_duplicate_county_rows_warn_not_vanish(demo):
    sub = demo[demo.indicator.astype(str) == "low_birthweight"]
    twice = sub[sub.geo_id.astype(str) == "37063"]
    import pandas as pd

    with pytest.warns(UserWarning, match="37063"):
        maps._map_values(
            pd.concat([demo, twice]),
            "NC",
            "low_birthweight",
            group="Black",
            measure="value",
            period=None,
        )


def test_county_map_frame_still_a_geodataframe(demo):
    f = maps.county_map_frame(demo, "NC", "infant_mortality", group="Black")
    assert len(f) == 100 and f.geometry.is_valid.all()
    assert set(f["status"]) <= {"shown", "unreliable", "not shown", "no data"}


def test_small_multiples_legend_clear_of_footnote_and_no_empty_bands(demo):
    """The legend sits between the maps and the (red, two-line) SYNTHETIC footnote,
    overlapping neither, and the figure is no taller than the maps need."""
    fig = plots.plot_map_small_multiples(
        demo, "NC", "uninsured_children", groups=["Under 100% FPL", "400% FPL and over"]
    )
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    foot = [t for t in fig.texts if t.get_gid() == "footnote"][0]
    assert foot.get_text().startswith("SYNTHETIC")
    fbox = foot.get_window_extent(r)
    lbox = fig.legends[0].get_window_extent(r)
    panels = [a for a in fig.axes if a.has_data()]
    maps_bottom = min(a.get_tightbbox(r).y0 for a in panels)
    h = fig.bbox.height
    assert fbox.y0 >= 0 and lbox.y1 <= h
    assert lbox.y0 > fbox.y1  # legend above the footnote, not printed over it
    assert maps_bottom > lbox.y1 - 1  # maps above the legend
    # no large empty band: NC is about 3 times as wide as tall, so two maps side
    # by side need well under a slide's 7.5 inches
    assert fig.get_size_inches()[1] < 7.0
    assert (maps_bottom - lbox.y1) / h < 0.1
    top_of_maps = max(a.get_tightbbox(r).y1 for a in panels)
    title = fig._suptitle.get_window_extent(r)
    assert (title.y0 - top_of_maps) / h < 0.1


def test_deck_keeps_a_short_figure_undistorted(demo, tmp_path):
    from pptx import Presentation

    fig = plots.plot_map_small_multiples(
        demo, "NC", "low_birthweight", groups=["Black", "White"]
    )
    fw, fh = fig.get_size_inches()
    assert fh < 7.5  # shorter than a slide: the case that used to be stretched
    path = plots.build_deck(
        [plots.export.DeckSlide(fig, "Maps")], tmp_path / "d.pptx", title="t"
    )
    pics = [sh for sh in Presentation(path).slides[1].shapes if sh.shape_type == 13]
    assert len(pics) == 1
    assert pics[0].width / pics[0].height == pytest.approx(fw / fh, rel=0.01)
