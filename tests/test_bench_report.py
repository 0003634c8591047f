"""Smoke test of benchmarks/bench_report.py: it imports, parses, and reads images.

No timings are asserted (they depend on the machine and its load).
"""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_report.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_report", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_args(bench):
    args = bench.parse_args([])
    assert args.only.split(",") == ["demo", "chr", "batch"] and args.batch_size == 20
    assert bench.parse_args(["--only", "demo", "--batch-size", "3"]).batch_size == 3
    with pytest.raises(SystemExit):
        bench.parse_args(["--only", "nope"])


def test_floor_writes_what_the_signature_says(bench, tmp_path):
    # a 4 x 2.25 in PNG at 50 dpi is 200 x 112.5 -> 200 x 112 pixels; an SVG of
    # 3 x 2 in is 216 x 144 pt
    sig = [("png", 4.0, 2.25, 50.0), ("svg", 3.0, 2.0, 72.0)]
    assert bench.draw_floor(sig, tmp_path) == 2
    got = bench.image_signature(tmp_path)
    assert [g[0] for g in got] == ["png", "svg"]
    assert got[0][1] == 4.0 and got[0][2] == pytest.approx(2.25, abs=0.02)
    assert got[0][3] == pytest.approx(50.0, abs=0.1)
    assert got[1][1:3] == (3.0, 2.0)
    (tmp_path / "page.html").write_text("x" * 123)
    assert bench.html_sizes(tmp_path) == [123]
