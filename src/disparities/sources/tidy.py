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
from disparities.sources.files import is_workbook
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import (
    marker_note,
    parse_cells,
    read_csv_strings,
    repeated_rows,
)

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
    if is_workbook(path):  # by content, not by name
        raw = _read_sheet(path, sheet)
    else:
        raw, _ = read_csv_strings(
            path, expected_columns=list((mapping or {}).values()), allow_repeats=True
        )
    report.rows_read = len(raw)
    raw = _reject_repeated_rows(raw, report)
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
            f"column(s) {', '.join(clash)} in the file were replaced by the mapped "
            "columns."
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
        out[s.GEO_ID] = _stripped(df[s.GEO_ID])
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
    out[s.INDICATOR] = _stripped(df[s.INDICATOR])
    out[s.PERIOD] = span_periods(_stripped(df[s.PERIOD]), period_years)
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
        for line in df.index[bad & ~bad_rows]:  # a row is rejected once
            report.reject(
                int(line), c, f"not a number or a known marker: {df.loc[line, c]!r}"
            )
        bad_rows |= bad
        sup = cells["kind"].eq("suppressed")
        suppressed |= sup
        notes = notes.where(~sup, "suppressed by the source (" + cells["marker"] + ")")
        for mk, cnt in cells.loc[sup & (c == s.VALUE), "marker"].value_counts().items():
            report.suppressed(mk, int(cnt))
        marked = cells["kind"].eq("missing") & cells["marker"].ne("")
        if marked.any() and c == s.VALUE:
            why = cells.loc[marked, "marker"].map(marker_note)
            notes = notes.where(~marked, why)
            for mk, cnt in cells.loc[marked, "marker"].value_counts().items():
                report.notes.append(
                    f"{int(cnt)} value(s) written {mk!r} read as missing "
                    f"({marker_note(mk)})."
                )
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


def _read_sheet(path, sheet) -> pd.DataFrame:
    """One sheet as text cells, index = spreadsheet row number."""
    from disparities.sources.files import check_workbook

    check_workbook(path)
    try:
        raw = pd.read_excel(path, sheet_name=sheet, dtype=str, header=None)
    except (ValueError, KeyError, IndexError) as exc:
        raise DataValidationError(
            f"cannot read sheet {sheet!r}: {exc}", file=path
        ) from exc
    if raw.empty:
        raise DataValidationError(f"sheet {sheet!r} is empty", file=path)
    names = [str(c).strip() if pd.notna(c) else "" for c in raw.iloc[0]]
    seen = {}
    for i, name in enumerate(names):
        if name and name in seen:
            raise DataValidationError(
                f"the header names column {name!r} twice (columns {seen[name] + 1} "
                f"and {i + 1}); rename one",
                file=path,
                row=1,
                column=name,
            )
        seen[name] = i
    raw = raw.iloc[1:].fillna("")
    raw.columns = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    raw.index = np.arange(2, len(raw) + 2)
    return raw


def _reject_repeated_rows(raw: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Rule for repeated rows: a row identical to an earlier one, cell for
    cell, is rejected (counted, naming both rows); the first is kept."""
    dup, first = repeated_rows(raw)
    if not dup.any():
        return raw
    at = raw.index[dup]
    report.reject(
        int(at[0]),
        None,
        f"repeats row {int(first[0])} exactly; repeated rows are counted once",
        count=int(dup.sum()),
    )
    return raw[~dup]


def _stripped(column: pd.Series) -> pd.Series:
    """Text with spaces trimmed, worked out once per distinct value."""
    codes, uniq = pd.factorize(column.astype(str), use_na_sentinel=False)
    clean = np.array([str(u).strip() for u in uniq] or [""], dtype=object)
    return pd.Series(clean[codes], index=column.index, dtype=object)
