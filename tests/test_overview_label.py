"""The overview's "group worse off" label never covers a row's interval or dot."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from disparities import plots  # noqa: E402


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("n_rows", [1, 2, 8])
def test_worse_off_label_sits_clear_of_every_row(demo_gaps, n_rows):
    g = demo_gaps[demo_gaps["geo_id"].astype(str) == "37063"].copy()
    # widen every interval to the right edge, where the label sits
    g["adverse_ratio_ci_upper"] = np.maximum(g["adverse_ratio_ci_upper"], 40.0)
    ax = plots.plot_disparity_overview(g, "37063", max_rows=n_rows)
    fig = ax.figure
    fig.set_size_inches(12.5, 6.2)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (label,) = [t for t in ax.texts if "worse off" in t.get_text()]
    box = label.get_window_extent(renderer)
    rows = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("ci:")]
    dots = [c for c in ax.collections if (c.get_gid() or "").startswith("point")]
    assert len(rows) == n_rows and len(dots) == n_rows
    for artist in rows + dots:
        assert not _overlaps(box, artist.get_window_extent(renderer))
    # and the label is inside the axes, below the lowest row
    assert ax.get_window_extent(renderer).contains(box.x0 + 1, box.y0 + 1)
    plt.close(fig)


def test_every_other_row_sits_on_a_band_under_its_label(demo_gaps):
    """Two-line labels stacked without a gap were read with the next row's dot:
    every other row has a light band running under its label."""
    g = demo_gaps[demo_gaps["geo_id"].astype(str) == "37063"]
    ax = plots.plot_disparity_overview(g, "37063", max_rows=8)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bands = [p for p in ax.patches if p.get_gid() == "row_band"]
    ticks = ax.get_yticks()
    assert len(bands) == len(ticks) // 2
    labels = ax.get_yticklabels()
    for band in bands:
        box = band.get_window_extent(renderer)
        row = int(round(band.get_y() + 0.5))
        lab = labels[row].get_window_extent(renderer)
        assert box.x0 <= lab.x0 and box.x1 >= ax.get_window_extent(renderer).x1 - 1
        assert box.y0 <= (lab.y0 + lab.y1) / 2 <= box.y1  # the label's own row
        assert not band.get_in_layout()
    plt.close(fig)
