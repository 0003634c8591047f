"""Census SAIPE (Small Area Income and Poverty Estimates) tool exports.

Columns: ``Year, ID, Name, Poverty Universe, Number in Poverty, 90% Confidence
Interval, Percent in Poverty, 90% Confidence Interval`` (the CI header
repeats). Every field is quoted text: numbers carry thousands separators and a
CI reads ``"78,335 to 96,415"``. ``--`` marks a missing value. The 90% CI is
kept as a margin of error (half its width, which SAIPE's intervals are
symmetric enough for), from which the 95% CI is computed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError
from disparities.sources.common import finish_table, read_source_csv
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import parse_cell

__all__ = ["load_saipe", "looks_like_saipe", "parse_interval"]

REQUIRED = ["Year", "ID", "Name", "Percent in Poverty"]


def looks_like_saipe(columns) -> bool:
    """True when the header is a SAIPE export's."""
    cols = {str(c).strip() for c in columns}
    return {"Year", "ID", "Name", "Percent in Poverty"} <= cols


def parse_interval(text):
    """``"78,335 to 96,415"`` -> ``(78335.0, 96415.0)``; missing -> NaNs.

    Examples
    --------
    >>> parse_interval("9.1 to 12.1")
    (9.1, 12.1)
    >>> parse_interval("-- to --")
    (nan, nan)
    """
    m = re.match(r"^\s*(\S+)\s+to\s+(\S+)\s*$", str(text))
    if not m:
        kind, _ = parse_cell(text)
        if kind == "missing":
            return np.nan, np.nan
        raise ValueError(f"not an interval: {text!r}")
    out = []
    for part in m.groups():
        kind, v = parse_cell(part)
        out.append(v if kind == "value" else np.nan)
    return tuple(out)


def load_saipe(path, *, strict: bool = False):
    """Load a SAIPE county (or state) poverty export: all-ages poverty rate.

    Returns
    -------
    tuple
        ``(table, LoadReport)`` with indicator ``poverty_all_ages``.
    """
    path = str(path)
    report = LoadReport(path, "saipe", strict=strict)
    raw = read_source_csv(path, report, REQUIRED)
    ci_cols = [c for c in raw.columns if c.startswith("90% Confidence Interval")]
    pct_ci = ci_cols[-1] if ci_cols else None
    recs = []
    for line, r in raw.iterrows():
        fips = str(r["ID"]).strip().zfill(5)
        if not re.fullmatch(r"\d{5}", fips):
            report.reject(line, "ID", f"not a FIPS code: {r['ID']!r}")
            continue
        geo = fips[:2] if fips.endswith("000") else fips
        kind, pct = parse_cell(r["Percent in Poverty"])
        if kind == "bad":
            report.reject(line, "Percent in Poverty", f"not a number: {pct!r}")
            continue
        try:
            lo, hi = parse_interval(r[pct_ci]) if pct_ci else (np.nan, np.nan)
        except ValueError as exc:
            report.reject(line, pct_ci, str(exc))
            continue
        n_kind, num = parse_cell(r.get("Number in Poverty", ""))
        u_kind, den = parse_cell(r.get("Poverty Universe", ""))
        missing_value = kind != "value"
        recs.append(
            {
                s.GEO_ID: geo,
                s.GEO_NAME: r["Name"],
                s.INDICATOR: "poverty_all_ages",
                s.PERIOD: str(r["Year"]).strip(),
                s.DIMENSION: "total",
                s.GROUP: "Total",
                s.NUMERATOR: num if n_kind == "value" else np.nan,
                s.DENOMINATOR: den if u_kind == "value" else np.nan,
                s.VALUE: pct if not missing_value else np.nan,
                s.MOE: (hi - lo) / 2 if not missing_value else np.nan,
                s.NOTE: "no estimate published (--)" if missing_value else "",
                s.SOURCE: "Census SAIPE",
                s.SOURCE_LABEL: "All ages",
                "line": line,
            }
        )
    if not recs:
        raise DataValidationError("no usable rows", file=path)
    t = pd.DataFrame(recs)
    n_missing = int(t[s.VALUE].isna().sum())
    if n_missing:
        report.notes.append(
            f"{n_missing:,} rows had no estimate (--): kept as 'no value'."
        )
    t.index = t.pop("line").to_numpy()
    report.rows_kept = len(t)
    # SAIPE's count and universe come from different models, so the count can
    # exceed a missing or older universe; keep the published percentage only.
    over = t[s.NUMERATOR] > t[s.DENOMINATOR]
    t.loc[over, [s.NUMERATOR, s.DENOMINATOR]] = np.nan
    table = finish_table(t, report)
    report.check_balance()
    return table, report
