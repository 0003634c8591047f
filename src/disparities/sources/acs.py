"""American Community Survey tables: data.census.gov CSV exports and Census API JSON.

data.census.gov CSV ("2022-era" layout): ``GEO_ID, NAME`` then, per table line,
``<TABLE>_<LINE>E`` (estimate), ``EA`` (annotation), ``M`` (90% margin of
error), ``MA``; the second row repeats the header in words and every line ends
in a comma. Markers: ``-`` (no estimate), ``**``/``***`` (MOE not applicable /
top- or bottom-coded), ``250,000+`` and ``2,500-`` (top/bottom-coded medians).
A Census API JSON response is a list of rows whose first row is the header,
with geography columns (``state``, ``county``...) at the end.

Recipes turn raw table lines into indicators, carrying margins of error by the
Census Bureau's formulas (sums: root of summed squares; proportions: the
proportion formula, falling back to the ratio formula):

* B17020A-I (poverty by age, by race): children under 18 below poverty =
  lines 003-005 of lines 003-005 + 011-013.
* B17001A-I (poverty by sex by age, by race): lines 004-009 and 018-023 below
  poverty, of those plus 033-038 and 047-052 at or above.
* B17024 (age by ratio of income to poverty level): children (under 6, 6-11,
  12-17 blocks) below 1.00 (child poverty) and below 2.00 (low income).
* B19013A-I (median household income by race): the estimate and its MOE.

Race iteration suffixes: A White alone, B Black alone, C AIAN alone, D Asian
alone, E NHPI alone, F some other race, G two or more, H White alone not
Hispanic, I Hispanic or Latino.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError
from disparities.sources.common import finish_table
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import parse_cell, read_csv_strings
from disparities.uncertainty import moe_of_proportion, moe_of_sum

__all__ = ["load_acs_csv", "load_acs_api_json", "looks_like_acs", "RACE_ITERATIONS"]

RACE_ITERATIONS = {
    "A": "White alone (incl. Hispanic)",
    "B": "Black",
    "C": "American Indian or Alaska Native",
    "D": "Asian",
    "E": "Native Hawaiian or Pacific Islander",
    "F": "Other race",
    "G": "Two or more races",
    "H": "White",
    "I": "Hispanic or Latino",
    "": "Total",
}
_VAR = re.compile(
    r"^(?P<table>[BC]\d{5})(?P<race>[A-I]?)_(?P<line>\d{3})(?P<kind>E|M|EA|MA)$"
)


def looks_like_acs(columns) -> bool:
    """True when the columns are ACS variables (``B17020B_002E``...)."""
    return any(_VAR.match(str(c)) for c in columns)


def _geo_from_geoid(geoid: str):
    g = str(geoid).strip()
    m = re.match(r"^(\d{3})\d{4}US(\d*)$", g)
    if not m:
        return None, None
    summary, code = m.groups()
    if summary == "010":
        return "US", "nation"
    if summary == "040" and len(code) == 2:
        return code, "state"
    if summary == "050" and len(code) == 5:
        return code, "county"
    if summary == "860" and len(code) == 5:
        return f"Z{code}", "zcta"
    return None, None


def _numbers(raw: pd.DataFrame, col: str, report: LoadReport):
    """Parse an estimate/MOE column; returns values and a marker per row."""
    vals = np.full(len(raw), np.nan)
    markers = np.full(len(raw), "", dtype=object)
    for i, txt in enumerate(raw[col].astype(str)):
        t = txt.strip()
        if t.endswith("+") or (t.endswith("-") and len(t) > 1):
            # top/bottom-coded: keep the bound as the value, say so
            vals[i] = float(t.rstrip("+-").replace(",", ""))
            markers[i] = t
            continue
        kind, v = parse_cell(t)
        if kind == "value":
            vals[i] = v
        elif kind in ("suppressed", "missing"):
            markers[i] = t
        else:
            report.warn(f"not a number: {t!r}", row=int(raw.index[i]), column=col)
            markers[i] = "bad"
    return vals, markers


def _lines(raw, table, race, lines, report):
    est, moe, mark = [], [], []
    for ln in lines:
        e_col, m_col = f"{table}{race}_{ln:03d}E", f"{table}{race}_{ln:03d}M"
        if e_col not in raw.columns:
            raise DataValidationError(
                f"missing column {e_col} needed for {table}{race}",
                file=report.file,
                row=1,
                column=e_col,
            )
        e, em = _numbers(raw, e_col, report)
        m, _ = (
            _numbers(raw, m_col, report)
            if m_col in raw.columns
            else (np.full(len(raw), np.nan), None)
        )
        est.append(e)
        moe.append(m)
        mark.append(em)
    return np.array(est), np.array(moe), np.array(mark)


def _proportion_rows(
    raw, geo, table, race, num_lines, den_lines, indicator, report, source
):
    ne, nm, nk = _lines(raw, table, race, num_lines, report)
    de, dm, dk = _lines(raw, table, race, den_lines, report)
    num = ne.sum(axis=0)
    den = de.sum(axis=0)
    num_moe = moe_of_sum(*nm, estimates=ne)
    den_moe = moe_of_sum(*dm, estimates=de)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = num / den * 100
        moe_pct = moe_of_proportion(num, den, num_moe, den_moe) * 100
    hidden = (nk != "").any(axis=0) | (dk != "").any(axis=0) | (den == 0)
    note = np.where(
        den == 0,
        "no children in this group (denominator 0)",
        np.where(hidden, "no estimate published for a part of this sum", ""),
    )
    return pd.DataFrame(
        {
            s.GEO_ID: geo["geo_id"],
            s.GEO_NAME: geo["name"],
            s.INDICATOR: indicator,
            s.DIMENSION: "total" if race == "" else "race_ethnicity",
            s.GROUP: RACE_ITERATIONS[race],
            s.NUMERATOR: np.where(hidden, np.nan, num),
            s.DENOMINATOR: np.where(den == 0, np.nan, den),
            s.VALUE: np.where(hidden, np.nan, value),
            s.MOE: np.where(hidden, np.nan, moe_pct),
            s.SUPPRESSED: hidden & (den != 0),
            s.NOTE: note,
            s.SOURCE_LABEL: f"{table}{race}",
            s.SOURCE: source,
            "row": raw.index,
        }
    )


_B17001_BELOW = [4, 5, 6, 7, 8, 9, 18, 19, 20, 21, 22, 23]
_B17001_ABOVE = [33, 34, 35, 36, 37, 38, 47, 48, 49, 50, 51, 52]
_B17024_BLOCKS = [2, 15, 28]  # under 6, 6 to 11, 12 to 17


def _b17024_lines(offsets):
    return [b + k for b in _B17024_BLOCKS for k in offsets]


#: table -> [(indicator, numerator lines, denominator lines)]
_PROPORTION_RECIPES = {
    "B17020": [("child_poverty", [3, 4, 5], [3, 4, 5, 11, 12, 13])],
    "B17001": [("child_poverty", _B17001_BELOW, _B17001_BELOW + _B17001_ABOVE)],
    "B17024": [
        ("child_poverty", _b17024_lines((1, 2, 3)), _b17024_lines(range(1, 13))),
        (
            "children_below_200fpl",
            _b17024_lines(range(1, 9)),
            _b17024_lines(range(1, 13)),
        ),
    ],
}


def _recipes(raw, geo, table, race, report, source):
    frames = []
    if table in _PROPORTION_RECIPES:
        for indicator, num_lines, den_lines in _PROPORTION_RECIPES[table]:
            frames.append(
                _proportion_rows(
                    raw,
                    geo,
                    table,
                    race,
                    num_lines,
                    den_lines,
                    indicator,
                    report,
                    source,
                )
            )
    elif table == "B19013":
        e, m, k = _lines(raw, table, race, [1], report)
        coded = np.isin(k[0], ["250,000+", "2,500-"])
        hidden = (k[0] != "") & ~coded
        frames.append(
            pd.DataFrame(
                {
                    s.GEO_ID: geo["geo_id"],
                    s.GEO_NAME: geo["name"],
                    s.INDICATOR: "median_household_income",
                    s.DIMENSION: "total" if race == "" else "race_ethnicity",
                    s.GROUP: RACE_ITERATIONS[race],
                    s.VALUE: np.where(hidden, np.nan, e[0]),
                    s.MOE: np.where(hidden | coded, np.nan, m[0]),
                    s.SUPPRESSED: hidden,
                    s.NOTE: np.where(
                        coded,
                        "top- or bottom-coded by the Census Bureau: " + k[0],
                        np.where(hidden, "no estimate: sample too small (ACS '-')", ""),
                    ),
                    s.SOURCE_LABEL: f"{table}{race}",
                    s.SOURCE: source,
                    "row": raw.index,
                }
            )
        )
        for mk, cnt in pd.Series(k[0][hidden]).value_counts().items():
            report.suppressed(mk, int(cnt))
    else:
        raise DataValidationError(
            f"ACS table {table}{race} has no recipe; supported: B17020A-I, B17001A-I, "
            "B17024, B19013A-I (or load it as a tidy file with a column mapping)",
            file=report.file,
            row=1,
        )
    return frames


def _from_frame(raw, report, *, year, period):
    tables = sorted(
        {
            (m.group("table"), m.group("race"))
            for c in raw.columns
            if (m := _VAR.match(str(c)))
        }
    )
    if not tables:
        raise DataValidationError(
            "no ACS variable columns (like B17020B_002E) found", file=report.file, row=1
        )
    if "GEO_ID" not in raw.columns:
        raise DataValidationError(
            "missing required column 'GEO_ID'", file=report.file, row=1, column="GEO_ID"
        )
    ids = raw["GEO_ID"].map(_geo_from_geoid)
    geo = pd.DataFrame(
        {
            "geo_id": [i[0] for i in ids],
            "name": raw.get("NAME", pd.Series("", index=raw.index))
            .astype(str)
            .str.replace(r", [A-Za-z ]+$", "", regex=True),
        },
        index=raw.index,
    )
    bad = geo["geo_id"].isna()
    for r in raw.index[bad]:
        report.reject(
            int(r),
            "GEO_ID",
            f"unsupported geography id {raw.loc[r, 'GEO_ID']!r}"
            " (nation, state, county and ZCTA are read)",
        )
    raw, geo = raw[~bad], geo[~bad]
    source = f"ACS {period} 5-year" if period else "American Community Survey"
    frames = []
    for table, race in tables:
        frames += _recipes(raw, geo, table, race, report, source)
    t = pd.concat(frames, ignore_index=True)
    if period is None:
        raise DataValidationError(
            "cannot tell the survey years: pass year=2019 (the last year of the 5-year "
            "estimates) or name the file like 'ACSDT5Y2019...'",
            file=report.file,
        )
    t[s.PERIOD] = period
    report.rows_kept = len(raw)
    t.index = t.pop("row").to_numpy()
    return t


def _period(path, year):
    if year is None:
        m = re.search(r"(20\d\d)", str(path).rsplit("/", 1)[-1])
        year = int(m.group(1)) if m else None
    return None if year is None else f"{year - 4}-{year}"


def load_acs_csv(path, *, year: int | None = None, strict: bool = False):
    """Load a data.census.gov ACS 5-year table export (CSV).

    Parameters
    ----------
    path : str or Path
        The file.
    year : int, optional
        Last year of the 5-year estimates (read from names like
        ``ACSDT5Y2019.B17020B-Data.csv`` or ``acs2019_5yr_...`` when omitted).
    strict : bool
        Raise on the first bad row.

    Returns
    -------
    tuple
        ``(table, LoadReport)``; ``moe`` holds the 90% margin of error of the
        value; CIs are computed from it (SE = MOE / 1.645).
    """
    path = str(path)
    report = LoadReport(path, "acs", strict=strict)
    raw, _ = read_csv_strings(path, expected_columns=["GEO_ID", "NAME"])
    if len(raw) and str(raw.iloc[0].get("GEO_ID", "")).strip().lower() in (
        "geography",
        "id",
    ):
        raw = raw.iloc[1:]
        report.notes.append("second header row (labels in words) skipped.")
    report.rows_read = len(raw)
    t = _from_frame(raw, report, year=year, period=_period(path, year))
    table = finish_table(t, report)
    report.check_balance()
    return table, report


def load_acs_api_json(path, *, year: int | None = None, strict: bool = False):
    """Load a Census API JSON response (a header row, then data rows).

    Geography columns (``us``, ``state``, ``county``, ``zip code tabulation
    area``) become the ``GEO_ID`` the CSV export would have.
    """
    path = str(path)
    report = LoadReport(path, "acs_api", strict=strict)
    try:
        rows = json.loads(open(path, encoding="utf-8-sig").read())
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"not valid JSON: {exc}", file=path) from exc
    if not isinstance(rows, list) or len(rows) < 1 or not isinstance(rows[0], list):
        raise DataValidationError(
            "expected a list of rows with a header row first", file=path, row=1
        )
    header = [str(h) for h in rows[0]]
    raw = pd.DataFrame(rows[1:], columns=header, dtype=str)
    raw.index = np.arange(2, len(raw) + 2)
    report.rows_read = len(raw)
    if "county" in raw.columns:
        raw["GEO_ID"] = (
            "0500000US" + raw["state"].str.zfill(2) + raw["county"].str.zfill(3)
        )
    elif "zip code tabulation area" in raw.columns:
        raw["GEO_ID"] = "8600000US" + raw["zip code tabulation area"]
    elif "state" in raw.columns:
        raw["GEO_ID"] = "0400000US" + raw["state"].str.zfill(2)
    elif "us" in raw.columns:
        raw["GEO_ID"] = "0100000US"
    else:
        raise DataValidationError(
            "no geography column (state, county...) in the header", file=path, row=1
        )
    raw = raw.fillna("")
    t = _from_frame(raw, report, year=year, period=_period(path, year))
    table = finish_table(t, report)
    report.check_balance()
    return table, report
