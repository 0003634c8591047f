"""What the charts draw: bars, colours, hatches, lines, titles, footnotes, alt text."""

import matplotlib.colors as mcolors
import numpy as np
import pytest

from disparities import plots
from disparities.plots.style import GROUP_COLOURS, get_footnote, get_title


@pytest.fixture
def small():
    from plot_fixtures import small_table

    return small_table()


def test_group_comparison_draws_what_it_says(small):
    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    # Asian (3 events) and Two or more races (its complement) get no bar, words instead
    assert len(ax.patches) == 4
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("not shown: small numbers") == 2
    colours = {
        p.get_gid().split(":")[1]: mcolors.to_hex(p.get_facecolor()).upper()
        for p in ax.patches
    }
    assert colours["Black"] == GROUP_COLOURS["Black"].upper()
    assert colours["White"] == GROUP_COLOURS["White"].upper()
    # Hispanic (15 events) is unreliable: hatched
    hatched = {p.get_gid() for p in ax.patches if p.get_hatch()}
    assert hatched == {"group:Hispanic or Latino"}
    # the state's overall value is a reference line
    vlines = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(vlines) == 1 and vlines[0].get_xdata()[0] == pytest.approx(
        100 * 120 / 1150
    )
    assert "Low birthweight in" in get_title(ax)
    assert "Test source" in get_footnote(ax)
    assert "Hispanic or Latino" in plots.get_alt_text(ax)


def test_synthetic_footnote_on_demo_charts(demo, demo_gaps):
    ax = plots.plot_group_comparison(demo, "37063", "child_poverty")
    assert get_footnote(ax).startswith("SYNTHETIC DEMO DATA")
    ax = plots.plot_disparity_overview(demo_gaps, "37063")
    assert "SYNTHETIC" in get_footnote(ax)
    # sorted by the conservative end of the CI, log scale, line at 1
    assert ax.get_xscale() == "log"
    assert any(np.allclose(ln.get_xdata(), 1) for ln in ax.lines)


def test_dumbbell_has_county_and_state_rows(small):
    from disparities.gaps import compute_gaps

    g = compute_gaps(small)
    ax = plots.plot_gap_dumbbell(g, "37063", "low_birthweight")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Black" in labels and any("(Black)" in lab for lab in labels)
    assert get_title(ax).startswith("Black babies in Durham County were")
    hollow = [
        c for c in ax.collections if mcolors.to_hex(c.get_facecolor()[0]) == "#ffffff"
    ]
    assert hollow  # the state's dots are hollow


def test_trend_charts(demo, demo_gaps):
    from disparities.trends import compute_gap_trends

    ax = plots.plot_group_trend(demo, "37063", "teen_births")
    assert len(ax.get_legend().get_texts()) >= 3
    assert len(ax.collections) > 0  # CI bands
    tr = compute_gap_trends(demo_gaps[demo_gaps.geo_id.astype(str) == "37063"])
    ax = plots.plot_gap_trend(demo_gaps, tr, "37063", "child_poverty", "Black")
    verdict = tr[
        (tr.indicator.astype(str) == "child_poverty")
        & (tr.group.astype(str) == "Black")
    ]["verdict"].item()
    assert verdict in get_title(ax)


def test_county_map_hatches_flagged_counties(demo):
    ax = plots.plot_county_map(
        demo, "NC", "infant_mortality", group="Black", focus_geo_id="37063"
    )
    hatches = {c.get_hatch() for c in ax.collections if c.get_hatch()}
    assert "//" in hatches  # suppressed counties
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "not shown: small numbers" in legend
    assert any(t.get_text() == "Durham County" for t in ax.texts)
    fig = plots.plot_map_small_multiples(
        demo, "NC", "low_birthweight", groups=["Black", "White"]
    )
    assert len([a for a in fig.axes if a.has_data()]) == 2


def test_export_png_svg_with_alt_text(small, tmp_path):
    from PIL import Image

    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    paths = plots.save_chart(ax, tmp_path / "chart")
    png = [p for p in paths if p.suffix == ".png"][0]
    im = Image.open(png)
    assert im.info.get("dpi", (0, 0))[0] >= 199
    assert im.size[0] >= 2600  # 13.33 in x 200 dpi
    assert "Bar chart" in im.info.get("Description", "")
    svg = [p for p in paths if p.suffix == ".svg"][0].read_text()
    assert "Bar chart" in svg
    with pytest.raises(ValueError):
        plots.save_chart(ax, tmp_path / "low", dpi=100)


def test_image_stable_against_baseline(small, tmp_path):
    """One image comparison with tolerance (RMS), regenerated with
    ``python tests/make_baseline.py`` when the house style changes on purpose."""
    from pathlib import Path

    from matplotlib.testing.compare import compare_images

    baseline = Path(__file__).parent / "baseline" / "group_comparison.png"
    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    out = tmp_path / "group_comparison.png"
    ax.get_figure().savefig(out, dpi=50)
    assert compare_images(str(baseline), str(out), tol=8) is None


def test_dumbbell_labels_each_dot_with_its_own_value(small):
    """Every dot (group and reference, county and state) has its own value beside it."""
    from disparities.gaps import compute_gaps

    g = compute_gaps(small)
    ax = plots.plot_gap_dumbbell(g, "37063", "low_birthweight")
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    anns = [t for t in ax.texts if hasattr(t, "xy")]
    dots = np.vstack([c.get_offsets() for c in ax.collections])
    # values straight from the input table, not from the gaps engine
    v = small[(small["geo_id"] == "37063") & (small["indicator"] == "low_birthweight")]
    black = float(v.loc[v["group"] == "Black", "value"].iloc[0])
    white = float(v.loc[v["group"] == "White", "value"].iloc[0])
    texts = {round(a.xy[0], 6): a.get_text() for a in anns}
    assert texts[round(black, 6)].startswith(f"{black:.1f}")
    assert texts[round(white, 6)].startswith(f"{white:.1f}")
    width = fig.bbox.width
    for a in anns:
        # anchored on a drawn dot, and showing that dot's value
        assert np.isclose(dots, a.xy).all(axis=1).any()
        assert float(a.get_text().split("%")[0].split()[0]) == pytest.approx(
            a.xy[0], abs=0.051
        )
        box = a.get_window_extent(renderer)
        x, y = ax.transData.transform(a.xy)
        # beside its own dot (within ~30 px), vertically centred on it
        gap = box.x0 - x if box.x0 >= x else x - box.x1
        assert 0 <= gap < 30, a.get_text()
        assert box.y0 < y < box.y1
        # not over the other dot of its row
        row = dots[np.isclose(dots[:, 1], a.xy[1])]
        for ox, _ in row:
            if not np.isclose(ox, a.xy[0]):
                dx = ax.transData.transform((ox, a.xy[1]))[0]
                assert not (box.x0 <= dx <= box.x1), a.get_text()
        # inside the figure: nothing cut off
        assert 0 <= box.x0 and box.x1 <= width
    # every finite dot of the county and the state is labelled
    assert len(anns) == len(dots)


def test_overview_sorts_as_it_says_and_names_colours(demo_gaps):
    ax = plots.plot_disparity_overview(demo_gaps, "37063")
    title = get_title(ax)
    assert "support" in title and "largest" not in title
    # rows from the top: the low end of the CI never increases going down
    # (the chart's own y order, read back from what was drawn)
    segs = sorted(
        (
            (ln.get_ydata()[0], ln.get_xdata())
            for ln in ax.lines
            if len(ln.get_xdata()) == 2 and ln.get_xdata()[0] != ln.get_xdata()[1]
        ),
        key=lambda t: -t[0],
    )
    lows = [min(x) if min(x) > 1 else 1.0 for _, x in segs]
    assert lows == sorted(lows, reverse=True)
    # a legend names each colour drawn
    legend = ax.get_legend()
    assert legend is not None
    names = {t.get_text().replace("\n", " ") for t in legend.get_texts()}
    drawn = {mcolors.to_hex(c.get_edgecolor()[0]) for c in ax.collections}
    assert {mcolors.to_hex(GROUP_COLOURS[n]) for n in names} == drawn
    # every dot lies inside the axis: no empty row
    lo, hi = ax.get_xlim()
    for c in ax.collections:
        x = c.get_offsets()[:, 0]
        assert ((x > lo) & (x < hi)).all()
