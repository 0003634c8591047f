"""Every broken or hostile file gives a clear error or the right values.

Runs each case of :mod:`bad_input_corpus` through ``load_data`` and through
the command line (in-process, plus one subprocess), and asserts: the expected
outcome, the file named in any error, no traceback, and the load report's
arithmetic (read = kept + rejected; kept includes suppressed rows).
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from bad_input_corpus import CASES, TIDY, Case  # noqa: E402

from disparities.cli import main  # noqa: E402
from disparities.loaders import load_data  # noqa: E402
from disparities.schema import DataValidationError  # noqa: E402
from disparities.sources import files  # noqa: E402
from disparities.sources.parsing import parse_cell, read_csv_strings  # noqa: E402

ERRORS = (DataValidationError, FileNotFoundError)


def _make(case: Case, tmp_path, monkeypatch) -> Path:
    if case.name == "fifo" and not hasattr(__import__("os"), "mkfifo"):
        pytest.skip("no FIFOs on this system")
    if "_max_bytes" in case.options:
        monkeypatch.setattr(files, "MAX_FILE_BYTES", case.options["_max_bytes"])
    return case.make(tmp_path)


def _options(case):
    return {k: v for k, v in case.options.items() if not k.startswith("_")}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_load_data(case, tmp_path, monkeypatch):
    path = _make(case, tmp_path, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.expect in ("error",):
            with pytest.raises(ERRORS) as info:
                load_data(path, **_options(case))
            msg = str(info.value)
            assert re.search(case.match, msg), msg
            assert str(path) in msg or path.name in msg, msg
            assert "\n" not in msg
            return
        table, report = load_data(path, **_options(case))
    assert report.rows_read == report.rows_kept + report.rows_rejected, report.summary()
    assert 0 <= report.rows_suppressed <= report.rows_kept
    if case.check is not None:
        case.check(table, report)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli(case, tmp_path, monkeypatch, capsys):
    path = _make(case, tmp_path, monkeypatch)
    args = case.cli or ["counties"]
    code = main([*args, "--data", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case.expect in ("error", "cli_error"):
        assert code == 2, err
        line = [x for x in err.splitlines() if x.startswith("disparities: error")]
        assert len(line) == 1, err
        assert re.search(case.match, line[0]), line[0]
        assert path.name in line[0]
    elif case.name.startswith("kids_count_totals_only"):
        # a Kentucky file: the state comes from the file, --state must agree
        assert code in (0, 2), err
    else:
        assert code == 0, err


def test_kentucky_file_is_kentucky(tmp_path, capsys):
    case = next(c for c in CASES if c.name == "kids_count_totals_only")
    path = case.make(tmp_path)
    assert main(["counties", "--state", "KY", "--data", str(path)]) == 0
    out = capsys.readouterr().out
    assert "21101" in out and "37101" not in out  # Henderson, KY; not Henderson, NC


def test_debug_shows_the_traceback(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(DataValidationError):
        main(["--debug", "counties", "--data", str(p)])


def test_subprocess_has_no_traceback(tmp_path):
    p = tmp_path / "corrupt.xlsx"
    p.write_bytes(b"PK\x03\x04broken")
    run = subprocess.run(
        [sys.executable, "-m", "disparities.cli", "counties", "--data", str(p)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().count("\n") == 0
    assert "corrupt.xlsx" in run.stderr


def test_corpus_has_forty_classes():
    assert len({c.name for c in CASES}) >= 40


# --- property-based: random bytes and random cells -------------------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.binary(min_size=0, max_size=600))
def test_random_bytes_never_crash(tmp_path, data):
    p = tmp_path / "random.csv"
    p.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            table, report = load_data(p)
        except ERRORS as exc:
            assert "random.csv" in str(exc)
            return
    assert report.rows_read == report.rows_kept + report.rows_rejected


_cell = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**10), 10**10).map(str),
    st.sampled_from(["*", "S", "<10", "N/A+", "--", "-666666666", "12,5", "=1+1", ""]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_cell, min_size=3, max_size=3))
def test_random_cells_in_a_tidy_file(cells):
    import tempfile

    num, den, val = (c.replace("\n", " ").replace("\r", " ") for c in cells)
    line = (
        f'37063,Durham County,low_birthweight,2021,total,Total,"{num}","{den}","{val}"'
    )
    text = TIDY.splitlines()[0] + "\n" + line.replace('""', "") + "\n"
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "cells.csv"
        p.write_text(text.replace('"', "") if '"' in num + den + val else text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                table, report = load_data(p)
            except ERRORS as exc:
                assert "cells.csv" in str(exc)
                return
    assert report.rows_read == report.rows_kept + report.rows_rejected == 1
    if report.rows_kept:
        v = table["value"].dropna()
        assert ((v >= 0) & (v <= 100)).all()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_parse_cell_classifies_everything(text):
    kind, _ = parse_cell(text)
    assert kind in {"value", "suppressed", "missing", "bad"}


def test_read_csv_strings_counts_lines(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(TIDY)
    df, info = read_csv_strings(p)
    assert list(df.index) == [2, 3, 4, 5, 6, 7] and info["delimiter"] == ","
