"""Plausibility checks and safe file opening, one rule at a time."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from disparities.schema import DataValidationError
from disparities.sources.checks import (
    check_intervals,
    check_periods,
    check_places,
    check_plausibility,
    check_proportions,
    check_ranges,
    check_sentinels,
)
from disparities.sources.files import check_input_file, check_workbook
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import marker_note, parse_cell


def _rows(findings):
    return sorted(int(r) for f in findings for r in f.rows)


def test_rate_range_uses_the_multiplier():
    # infant mortality is per 1,000 births: 1,200 is impossible, 12 is not
    r = pd.DataFrame(
        {"indicator": ["infant_mortality"] * 3, "value": [12.0, 1200.0, -1.0]},
        index=[2, 3, 4],
    )
    found = check_ranges(r)
    assert _rows(found) == [3, 4]
    assert "per 1,000" in found[0].reason


def test_income_cannot_be_negative_but_scores_can():
    r = pd.DataFrame(
        {
            "indicator": ["median_household_income", "math_grade_performance"],
            "value": [-5.0, -0.4],
        },
        index=[2, 3],
    )
    assert _rows(check_ranges(r)) == [2]


def test_proportions_recognised_from_counts():
    # 30 of 200 = 0.15: a proportion; 15.0 is the percent of the same counts
    r = pd.DataFrame(
        {
            "indicator": ["low_birthweight"] * 2,
            "numerator": [30.0, 30.0],
            "denominator": [200.0, 200.0],
            "value": [0.15, 15.0],
        },
        index=[2, 3],
    )
    found = check_proportions(r)
    assert _rows(found) == [2] and not found[0].reject


def test_proportions_without_counts_converted_with_a_warning():
    r = pd.DataFrame(
        {
            "indicator": ["child_poverty"] * 2,
            "value": [0.281, 0.075],
            "ci_lower": [0.25, 0.06],
            "ci_upper": [0.31, 0.09],
            "note": ["", ""],
        },
        index=[2, 3],
    )
    rep = LoadReport("f.csv", "tidy", rows_read=2, rows_kept=2)
    with pytest.warns(UserWarning, match="proportions"):
        out = check_plausibility(r, rep)
    np.testing.assert_allclose(out["value"], [28.1, 7.5])
    np.testing.assert_allclose(out["ci_upper"], [31.0, 9.0])


def test_sentinels_become_missing_with_their_meaning():
    r = pd.DataFrame(
        {
            "indicator": ["median_household_income"] * 2,
            "value": [51000.0, -666666666.0],
        },
        index=[2, 3],
    )
    assert _rows(check_sentinels(r)) == [3]
    rep = LoadReport("f.csv", "acs", rows_read=2, rows_kept=2)
    with pytest.warns(UserWarning):
        out = check_plausibility(r, rep)
    assert np.isnan(out.loc[3, "value"]) and out.loc[2, "value"] == 51000
    assert "too few sample observations" in out.loc[3, "note"]
    assert rep.rows_kept == 2 and rep.rows_rejected == 0


def test_rejections_keep_the_arithmetic():
    r = pd.DataFrame(
        {
            "geo_id": ["37063", "37999", "37063", "37063"],
            "indicator": ["low_birthweight"] * 4,
            "period": ["2021", "2021", "1018", "2021"],
            "value": [8.0, 9.0, 7.0, 250.0],
            "ci_lower": [7.0, 8.0, 6.0, 12.5],
            "ci_upper": [9.0, 10.0, 8.0, 15.5],
        },
        index=[2, 3, 4, 5],
    )
    rep = LoadReport("f.csv", "tidy", rows_read=4, rows_kept=4)
    out = check_plausibility(r, rep)
    assert list(out.index) == [2]
    assert rep.rows_kept == 1 and rep.rows_rejected == 3
    assert rep.rows_read == rep.rows_kept + rep.rows_rejected
    assert {x["row"] for x in rep.rejected} == {3, 4, 5}


def test_reversed_interval_and_periods():
    r = pd.DataFrame({"ci_lower": [15.5], "ci_upper": [12.5]}, index=[7])
    assert _rows(check_intervals(r)) == [7]
    p = pd.DataFrame({"period": ["1899", "1900", "2017-2021"]}, index=[2, 3, 4])
    assert _rows(check_periods(p)) == [2]


def test_places_accept_real_counties_and_state_rows():
    r = pd.DataFrame(
        {
            "geo_id": ["37", "37063", "1001", "21101"],
            "geo_name": [
                "North Carolina",
                "Durham County, North Carolina",
                "",
                "Henderson",
            ],
        },
        index=[2, 3, 4, 5],
    )
    assert check_places(r) == []  # "1001" is Autauga, 01001, its zero lost


def test_parse_cell_markers():
    assert parse_cell("-999999999") == ("missing", "-999999999")
    assert parse_cell("-999999999.0") == ("missing", "-999999999")
    assert parse_cell("-3") == ("value", -3.0)
    assert "Census code -222222222" in marker_note("-222222222")


def test_check_input_file_refuses_special_files(tmp_path):
    with pytest.raises(DataValidationError, match="folder"):
        check_input_file(tmp_path)
    with pytest.raises(DataValidationError, match="device"):
        check_input_file("/dev/null")
    with pytest.raises(FileNotFoundError):
        check_input_file(tmp_path / "nope.csv")


def test_check_workbook_accepts_a_real_workbook_and_refuses_encryption(tmp_path):
    good = tmp_path / "ok.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(good, index=False)
    assert check_workbook(good) == good
    bad = tmp_path / "enc.xlsx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
    data = bytearray(bad.read_bytes())
    # set the "encrypted" flag bit in the local and central headers
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.find(sig)
        while at >= 0:
            off = at + (6 if sig == b"PK\x03\x04" else 8)
            data[off] |= 1
            at = data.find(sig, at + 4)
    bad.write_bytes(bytes(data))
    with pytest.raises(DataValidationError, match="encrypted"):
        check_workbook(bad)
