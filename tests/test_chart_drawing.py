"""Charts drawn once, on one or more processes, and nothing lost on the way."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from disparities.chart_drawing import (  # noqa: E402
    Chart,
    ChartDrawing,
    PlannedChart,
    encode_pngs,
    parallel_drawing_available,
    render_rgb,
)

needs_fork = pytest.mark.skipif(
    not parallel_drawing_available(), reason="forked drawing is Linux-only"
)


def _bars(i):
    def make():
        fig, ax = plt.subplots(figsize=(4, 2), layout="constrained")
        ax.bar(["a", "b"], [i, i + 1])
        ax.set_title(f"chart {i}")
        return ax

    return make


def _missing():
    raise ValueError("only one period of teen births: a trend needs two")


def _plan(n=5, skip_at=2):
    plan = []
    for i in range(n):
        make = _missing if i == skip_at else _bars(i)
        plan.append(PlannedChart(f"c{i}", "overview", f"Heading {i}", make))
    return plan


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_render_rgb_draws_the_savefig_pixels_and_restores_the_figure():
    fig, ax = plt.subplots(figsize=(4, 2), layout="constrained")
    ax.plot([0, 1], [0, 1])
    fig.set_facecolor("#eeeeee")
    img = render_rgb(fig, 150)
    assert img.size == (600, 300)
    assert fig.dpi == 100 and fig.get_facecolor()[:3] != (1.0, 1.0, 1.0)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, facecolor="white")
    saved = _pixels(buf.getvalue())
    assert saved.shape == np.asarray(img).shape
    # the same layout and rendering: only anti-aliasing noise may differ
    assert np.mean(np.abs(saved.astype(int) - np.asarray(img).astype(int))) < 1.0
    plt.close(fig)


def test_encode_pngs_halves_for_the_screen_and_keeps_alt_text():
    img = Image.new("RGB", (400, 200), "white")
    print_png, screen_png = encode_pngs(img, "A title", "Alt words", 200)
    big, small = Image.open(io.BytesIO(print_png)), Image.open(io.BytesIO(screen_png))
    assert big.size == (400, 200) and small.size == (200, 100)
    assert big.text["Description"] == "Alt words" and big.text["Title"] == "A title"
    one, same = encode_pngs(img, "t", "a", None)
    assert one == same and Image.open(io.BytesIO(one)).size == (400, 200)


def test_serial_drawing_keeps_the_plan_order_and_names_what_was_not_drawn():
    with ChartDrawing(_plan(), print_dpi=100, jobs=1) as drawing:
        results = drawing.finish()
    assert drawing.n_workers == 0
    assert [r.key if isinstance(r, Chart) else r[0] for r in results] == [
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
    ]
    assert results[2] == (
        "c2",
        "overview",
        "Heading 2",
        "only one period of teen births: a trend needs two",
    )
    drawn = [r for r in results if isinstance(r, Chart)]
    assert all(r.figure is not None and r.print_png and r.screen_png for r in drawn)
    assert all(r.size_inches == (4.0, 2.0) for r in drawn)


@needs_fork
def test_parallel_drawing_gives_the_serial_charts_pixel_for_pixel():
    with ChartDrawing(_plan(8), print_dpi=100, jobs=1) as drawing:
        serial = drawing.finish()
    with ChartDrawing(_plan(8), print_dpi=100, jobs=3) as drawing:
        assert drawing.n_workers == 2
        parallel = drawing.finish()
    assert len(parallel) == len(serial) == 8
    for a, b in zip(serial, parallel):
        if not isinstance(a, Chart):
            assert a == b
            continue
        assert (a.key, a.title, a.alt, a.size_inches) == (
            b.key,
            b.title,
            b.alt,
            b.size_inches,
        )
        assert np.array_equal(_pixels(a.print_png), _pixels(b.print_png))
        assert a.screen_png == b.screen_png or np.array_equal(
            _pixels(a.screen_png), _pixels(b.screen_png)
        )
    # charts from worker processes come back as pixels only
    assert any(r.figure is None for r in parallel if isinstance(r, Chart))


@needs_fork
def test_a_failing_worker_is_reported_not_waited_for():
    def broken():
        raise ZeroDivisionError("a bug in a plot helper")

    plan = [PlannedChart(f"c{i}", "overview", "h", broken) for i in range(4)]
    with pytest.raises((RuntimeError, ZeroDivisionError)) as info:
        with ChartDrawing(plan, print_dpi=100, jobs=2) as drawing:
            drawing.finish()
    assert "a bug in a plot helper" in str(info.value)


def test_more_jobs_than_charts_starts_no_idle_workers():
    drawing = ChartDrawing(_plan(1, skip_at=-1), print_dpi=100, jobs=8)
    assert drawing.n_workers == 0


@needs_fork
def test_a_profile_drawn_on_two_processes_is_the_profile_drawn_on_one(demo):
    from disparities.profile import build_county_profile

    one = build_county_profile(demo, "Durham", state="NC", jobs=1)
    two = build_county_profile(demo, "Durham", state="NC", jobs=2)
    assert [c.key for c in one.charts] == [c.key for c in two.charts]
    assert [c.title for c in one.charts] == [c.title for c in two.charts]
    for a, b in zip(one.charts, two.charts):
        assert np.array_equal(_pixels(a.screen_png), _pixels(b.screen_png)), a.key
    assert one.charts.skipped == two.charts.skipped
    assert one.bright_spots.equals(two.bright_spots)
    one.close()
    two.close()


@needs_fork
def test_the_costliest_charts_are_handed_out_first_and_return_in_plan_order():
    plan = _plan(4, skip_at=-1)
    plan[3].cost = 2.0  # a map
    plan[1].cost = 1.5
    with ChartDrawing(plan, print_dpi=100, jobs=2) as drawing:
        assert drawing._counter.order == [3, 1, 0, 2]
        results = drawing.finish()
    assert [r.key for r in results] == ["c0", "c1", "c2", "c3"]
