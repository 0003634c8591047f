"""County Health Rankings national analytic data CSV (``analytic_dataYYYY.csv``).

Layout (per the CHR analytic documentation): the first row holds readable
labels ("5-digit FIPS Code", "Low birthweight raw value"...), the second row
the variable names used here (``statecode, countycode, fipscode, state,
county, year, county_ranked`` and, per measure ``vNNN``: ``vNNN_rawvalue``,
``_numerator``, ``_denominator``, ``_cilow``, ``_cihigh``, and race values
``vNNN_race_aian``/``_asian``/``_black``/``_hispanic``/``_white``, sometimes
with their own ``_cilow``/``_cihigh``). ``fipscode`` ``00000`` is the nation and
``SS000`` a state. Percentages are proportions (0.08 is 8%). The file does not
carry each measure's data years, so the period is the release year and the note
says so. No real copy of this file was available to test against: the loader is
built to the documented layout and tested on a hand-made file in that layout.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError
from disparities.sources.common import finish_table
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import parse_cells, read_csv_strings

__all__ = ["ANALYTIC_MEASURES", "load_chr_analytic", "looks_like_chr_analytic"]

#: CHR measure number -> indicator id (child-relevant measures with race values)
ANALYTIC_MEASURES = {
    "v037": "low_birthweight",
    "v014": "teen_births",
    "v024": "child_poverty",
    "v129": "infant_mortality",
    "v128": "child_mortality",
    "v063": "median_household_income",
    "v159": "reading_grade_performance",
    "v160": "math_grade_performance",
}
_RACES = {
    "aian": "American Indian or Alaska Native",
    "asian": "Asian",
    "black": "Black",
    "hispanic": "Hispanic or Latino",
    "white": "White",
    "nhopi": "Native Hawaiian or Pacific Islander",
}


def looks_like_chr_analytic(columns, first_row=None) -> bool:
    """True for the analytic CSV (by its variable names, in either header row)."""
    names = [str(c) for c in columns]
    if first_row is not None:
        names += [str(v) for v in first_row]
    return "fipscode" in names and any(re.match(r"v\d{3}_rawvalue$", n) for n in names)


def load_chr_analytic(path, *, strict: bool = False):
    """Load the child-relevant, race-stratified measures of the analytic CSV.

    Parameters
    ----------
    path : str or Path
        The national (or a state's subset of the) analytic data CSV.
    strict : bool
        Raise on the first bad row.

    Returns
    -------
    tuple
        ``(table, LoadReport)``.
    """
    path = str(path)
    report = LoadReport(path, "chr_analytic", strict=strict)
    raw, _ = read_csv_strings(path)
    if (
        "fipscode" not in raw.columns
        and len(raw)
        and "fipscode" in raw.iloc[0].tolist()
    ):
        raw.columns = [str(v).strip() for v in raw.iloc[0]]
        raw = raw.iloc[1:]
        report.notes.append(
            "readable header row skipped; variable names read from row 2."
        )
    report.rows_read = len(raw)
    for col in ("fipscode", "year"):
        if col not in raw.columns:
            raise DataValidationError(
                f"missing required column {col!r}", file=path, row=2, column=col
            )
    fips = raw["fipscode"].str.strip().str.zfill(5)
    bad = ~fips.str.fullmatch(r"\d{5}")
    for line in raw.index[bad]:
        report.reject(
            int(line), "fipscode", f"not a FIPS code: {raw.loc[line, 'fipscode']!r}"
        )
    raw, fips = raw[~bad], fips[~bad]
    geo = np.where(
        fips == "00000", "US", np.where(fips.str.endswith("000"), fips.str[:2], fips)
    )
    name_col = "county" if "county" in raw.columns else None
    names = raw[name_col].to_numpy() if name_col else np.full(len(raw), "")
    frames = []
    for code, indicator in ANALYTIC_MEASURES.items():
        value_col = f"{code}_rawvalue"
        if value_col not in raw.columns:
            report.notes.append(f"measure {code} ({indicator}) is not in this file.")
            continue
        series = [("total", "Total", value_col, f"{code}_cilow", f"{code}_cihigh")]
        for race, group in _RACES.items():
            col = f"{code}_race_{race}"
            if col in raw.columns:
                series.append(
                    ("race_ethnicity", group, col, f"{col}_cilow", f"{col}_cihigh")
                )
        for dim, group, vcol, lo_col, hi_col in series:
            cells = parse_cells(raw[vcol])
            for line in raw.index[cells["kind"].eq("bad")]:
                report.warn(
                    f"not a number: {raw.loc[line, vcol]!r}", row=int(line), column=vcol
                )
            lo = parse_cells(raw[lo_col])["value"] if lo_col in raw else np.nan
            hi = parse_cells(raw[hi_col])["value"] if hi_col in raw else np.nan
            blank = cells["value"].isna().to_numpy()
            frames.append(
                pd.DataFrame(
                    {
                        s.GEO_ID: geo,
                        s.GEO_NAME: names,
                        s.INDICATOR: indicator,
                        s.PERIOD: raw["year"].str.strip().to_numpy(),
                        s.DIMENSION: dim,
                        s.GROUP: group,
                        s.VALUE: cells["value"].to_numpy(),
                        s.CI_LOWER: np.asarray(lo, dtype=float),
                        s.CI_UPPER: np.asarray(hi, dtype=float),
                        s.SUPPRESSED: blank,
                        s.NOTE: np.where(
                            blank,
                            "not reported by the source (blank)",
                            "period is the CHR release year; data years vary by "
                            "measure",
                        ),
                        s.SOURCE_LABEL: vcol,
                        "line": raw.index,
                    }
                )
            )
            report.suppressed("(blank)", int(blank.sum()))
    if not frames:
        raise DataValidationError(
            "no child-relevant measures (v037, v014, v024, ...)", file=path
        )
    t = pd.concat(frames, ignore_index=True)
    from disparities.catalog import get_indicator

    for ind in t[s.INDICATOR].unique():
        m = t[s.INDICATOR] == ind
        if get_indicator(ind).multiplier == 100 and t.loc[m, s.VALUE].max() <= 1.0:
            t.loc[m, [s.VALUE, s.CI_LOWER, s.CI_UPPER]] *= 100
    years = sorted(t[s.PERIOD].unique())
    t[s.SOURCE] = "County Health Rankings analytic data " + "/".join(years)
    t.index = t.pop("line").to_numpy()
    report.rows_kept = len(raw)
    table = finish_table(t.reset_index(drop=True), report)
    report.check_balance()
    return table, report
