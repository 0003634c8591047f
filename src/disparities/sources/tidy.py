"""Any tidy CSV or Excel sheet, given a column mapping.

The file needs one row per place x period x group. Map its columns onto the
tidy names with ``mapping`` (``{"tidy name": "your column"}``); columns already
named like the tidy table need no mapping. Groups may use any label the
crosswalk knows ("Black or African American", "Non-Hispanic White"...); places
may be FIPS codes or county names (then give ``state``). Values may be written
"12.5%" or "1,234"; suppression markers (``*``, ``S``, ``<10``...) are kept as
suppressed rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError
from disparities.sources.common import (
    finish_table,
    harmonize_groups,
    place_ids,
    span_periods,
)
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import parse_cells, read_csv_strings

__all__ = ["load_tidy", "looks_like_tidy"]

_NUMERIC = [s.NUMERATOR, s.DENOMINATOR, s.VALUE, s.CI_LOWER, s.CI_UPPER, s.MOE]


def looks_like_tidy(columns) -> bool:
    """True when the file already uses the tidy column names."""
    cols = {str(c).strip() for c in columns}
    return {s.INDICATOR, s.PERIOD, s.GROUP} <= cols and (
        s.GEO_ID in cols or s.GEO_NAME in cols
    )


def load_tidy(
    path,
    *,
    mapping: dict | None = None,
    indicator: str | None = None,
    state: str | None = None,
    sheet=0,
    source_name: str | None = None,
    group_overrides: dict | None = None,
    constants: dict | None = None,
    period_years: int = 1,
    strict: bool = False,
):
    """Load a tidy CSV or Excel sheet into the observation table.

    Parameters
    ----------
    path : str or Path
        The file.
    mapping : dict, optional
        ``{"geo_id": "FIPS", "value": "Rate", "group": "Race", ...}``.
    indicator : str, optional
        For a file of one indicator with no indicator column.
    state : str, optional
        Needed when places are county names.
    sheet : str or int
        Excel sheet.
    source_name : str, optional
        The ``source`` label (default: the file name).
    group_overrides : dict, optional
        Source-specific group labels, e.g. ``{"white": ("race_ethnicity",
        "White alone (incl. Hispanic)")}`` for a file built from ACS B17001A.
    constants : dict, optional
        Columns with one value for the whole file, e.g. ``{"period": "2019"}``.
    period_years : int
        When each period is the last year of a multi-year estimate (5 for ACS
        5-year), the periods become spans ("2021" -> "2017-2021").
    strict : bool
        Raise on the first bad row.

    Returns
    -------
    tuple
        ``(table, LoadReport)``.
    """
    path = str(path)
    report = LoadReport(path, "tidy", strict=strict)
    if Path(path).suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            raw = pd.read_excel(path, sheet_name=sheet, dtype=str).fillna("")
        except ValueError as exc:
            raise DataValidationError(
                f"cannot read sheet {sheet!r}: {exc}", file=path
            ) from exc
        raw.index = np.arange(2, len(raw) + 2)
    else:
        raw, _ = read_csv_strings(path, expected_columns=list((mapping or {}).values()))
    report.rows_read = len(raw)
    mapping = dict(mapping or {})
    absent = [v for v in mapping.values() if v not in raw.columns]
    if absent:
        raise DataValidationError(
            f"mapped column(s) {absent} not in the file; found {list(raw.columns)}",
            file=path,
            row=1,
            column=absent[0],
        )
    clash = [k for k, v in mapping.items() if k in raw.columns and k != v]
    if clash:
        report.notes.append(
            f"column(s) {clash} in the file were replaced by the mapped columns."
        )
    df = raw.drop(columns=clash).rename(columns={v: k for k, v in mapping.items()})
    if indicator is not None:
        df[s.INDICATOR] = indicator
    for col, value in (constants or {}).items():
        df[col] = value
    need = [s.INDICATOR, s.PERIOD, s.GROUP]
    missing = [c for c in need if c not in df.columns]
    if s.GEO_ID not in df.columns and s.GEO_NAME not in df.columns:
        missing.append("geo_id or geo_name")
    if missing:
        raise DataValidationError(
            f"missing required column(s) {missing}; map them with mapping={{...}}",
            file=path,
            row=1,
            column=missing[0],
        )
    out = pd.DataFrame(index=df.index)
    if s.GEO_ID in df.columns:
        out[s.GEO_ID] = df[s.GEO_ID].astype(str).str.strip()
    else:
        if state is None:
            raise DataValidationError(
                "places are names: pass state=... to find them",
                file=path,
                column=s.GEO_NAME,
            )
        out[s.GEO_ID] = place_ids(df[s.GEO_NAME], state).to_numpy()
        bad = out[s.GEO_ID].isna()
        for name, grp in df.loc[bad, s.GEO_NAME].groupby(df.loc[bad, s.GEO_NAME]):
            report.reject(
                int(grp.index[0]),
                s.GEO_NAME,
                f"unknown county {name!r}",
                count=len(grp),
            )
    out[s.GEO_NAME] = df.get(s.GEO_NAME, "")
    out[s.INDICATOR] = df[s.INDICATOR].astype(str).str.strip()
    out[s.PERIOD] = span_periods(df[s.PERIOD].astype(str).str.strip(), period_years)
    groups = harmonize_groups(
        df[s.GROUP], report, column=s.GROUP, overrides=group_overrides
    )
    out[s.DIMENSION] = groups["dimension"]
    out[s.GROUP] = groups["group"]
    out[s.SOURCE_LABEL] = groups["source_label"]
    suppressed = pd.Series(False, index=df.index)
    notes = pd.Series("", index=df.index)
    bad_rows = pd.Series(False, index=df.index)
    for c in _NUMERIC:
        if c not in df.columns:
            continue
        cells = parse_cells(df[c])
        out[c] = cells["value"]
        bad = cells["kind"].eq("bad")
        for line in df.index[bad]:
            report.reject(
                int(line), c, f"not a number or a known marker: {df.loc[line, c]!r}"
            )
        bad_rows |= bad
        sup = cells["kind"].eq("suppressed")
        suppressed |= sup
        notes = notes.where(~sup, "suppressed by the source (" + cells["marker"] + ")")
        for mk, cnt in cells.loc[sup & (c == s.VALUE), "marker"].value_counts().items():
            report.suppressed(mk, int(cnt))
    out[s.SUPPRESSED] = suppressed
    out[s.NOTE] = notes
    out[s.SOURCE] = source_name or Path(path).name
    for c in (s.NUMERATOR, s.DENOMINATOR):
        if c in out:
            neg = out[c] < 0
            for line in out.index[neg & ~bad_rows]:
                report.reject(int(line), c, f"negative count {out.loc[line, c]:g}")
            bad_rows |= neg
    if s.NUMERATOR in out and s.DENOMINATOR in out:
        over = (out[s.NUMERATOR] > out[s.DENOMINATOR]) & ~bad_rows
        for line in out.index[over]:
            report.reject(
                int(line),
                s.NUMERATOR,
                f"numerator {out.loc[line, s.NUMERATOR]:g} is greater than "
                f"denominator {out.loc[line, s.DENOMINATOR]:g}",
            )
        bad_rows |= over
    usable = out[s.GEO_ID].notna() & out[s.GROUP].notna() & ~bad_rows
    report.rows_kept = int(usable.sum())
    table = finish_table(out[usable], report)
    report.check_balance()
    return table, report
