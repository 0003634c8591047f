"""KIDS COUNT Data Center CSV exports (Annie E. Casey Foundation).

Layout (long): ``LocationType, Location, <breakdown>, TimeFrame, DataFormat,
Data`` and sometimes ``Fips``; the breakdown column is named for what it splits
by (``Race``, ``Category``, ``Race Ethnicity``...). ``DataFormat`` is
``Percent`` (a proportion: 0.32 is 32%), ``Number`` or ``Rate``; Number and
Percent rows of the same place, group and time are paired into numerator and
value. Markers in ``Data``: ``S`` and ``*`` (suppressed), ``<500``, ``<.5%``,
``LNE``; ``N.A.`` and ``N/A`` (not available).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError
from disparities.sources.common import (
    finish_table,
    guess_indicator,
    harmonize_groups,
    read_source_csv,
    resolve_places,
)
from disparities.sources.load_report import LoadReport
from disparities.sources.parsing import parse_cells

__all__ = ["load_kids_count", "looks_like_kids_count"]

_FIXED = {"LocationType", "Location", "TimeFrame", "DataFormat", "Data", "Fips"}
REQUIRED = ["Location", "TimeFrame", "DataFormat", "Data"]


def looks_like_kids_count(columns) -> bool:
    """True when the header has KIDS COUNT's columns."""
    cols = {str(c).strip() for c in columns}
    return {"Location", "TimeFrame", "DataFormat", "Data"} <= cols


def load_kids_count(
    path,
    *,
    indicator: str | None = None,
    state: str | None = None,
    strict: bool = False,
    source_name: str | None = None,
):
    """Load a KIDS COUNT Data Center CSV export into the tidy table.

    Parameters
    ----------
    path : str or Path
        The file.
    indicator : str, optional
        Catalog id; guessed from the file name when omitted.
    state : str, optional
        The state of county or district rows (taken from the file's State rows
        when there is exactly one).
    strict : bool
        Raise on the first bad row instead of rejecting it with a warning.
    source_name : str, optional
        The ``source`` label (default "KIDS COUNT Data Center").

    Returns
    -------
    tuple
        ``(table, LoadReport)``.
    """
    path = str(path)
    report = LoadReport(path, "kids_count", strict=strict)
    raw = read_source_csv(path, report, REQUIRED)
    indicator = indicator or guess_indicator(path)
    if indicator is None:
        raise DataValidationError(
            "cannot tell which indicator this file holds from its name; pass "
            "indicator='child_poverty' (or another catalog id)",
            file=path,
        )
    breakdown = [c for c in raw.columns if c not in _FIXED]
    group_col = breakdown[0] if breakdown else None
    places = resolve_places(
        raw["Location"],
        raw["LocationType"] if "LocationType" in raw else None,
        report,
        state=state,
    )
    labels = raw[group_col] if group_col else pd.Series("Total", index=raw.index)
    groups = harmonize_groups(labels, report, column=group_col or "(none)")
    periods = raw["TimeFrame"].astype(str)
    ok_period = pd.Series(True, index=raw.index)
    for lab in periods.unique():
        try:
            s.parse_period(lab)
        except ValueError as exc:
            m = periods.eq(lab)
            report.reject(m.idxmax(), "TimeFrame", str(exc), count=int(m.sum()))
            ok_period &= ~m
    cells = parse_cells(raw["Data"])
    bad = cells["kind"].eq("bad")
    for txt, grp in raw.loc[bad, "Data"].groupby(raw.loc[bad, "Data"]):
        report.reject(
            grp.index[0],
            "Data",
            f"not a number or a known marker: {txt!r}",
            count=len(grp),
        )
    fmt = raw["DataFormat"].str.strip().str.lower()
    bad_fmt = ~fmt.isin(["percent", "number", "rate"])
    for txt, grp in raw.loc[bad_fmt, "DataFormat"].groupby(
        raw.loc[bad_fmt, "DataFormat"]
    ):
        report.reject(
            grp.index[0],
            "DataFormat",
            f"unknown DataFormat {txt!r} (expected Percent, Number or Rate)",
            count=len(grp),
        )
    usable = (
        places["geo_id"].notna() & groups["group"].notna() & ok_period & ~bad & ~bad_fmt
    )
    work = pd.DataFrame(
        {
            s.GEO_ID: places["geo_id"],
            s.GEO_NAME: places["geo_name"],
            s.GEO_LEVEL: places["geo_level"],
            s.DIMENSION: groups["dimension"],
            s.GROUP: groups["group"],
            s.SOURCE_LABEL: groups["source_label"],
            s.PERIOD: periods,
            "fmt": fmt,
            "kind": cells["kind"],
            "num": cells["value"],
            "marker": cells["marker"],
            "line": raw.index,
        }
    )[usable]
    # Percent proportions become percentages
    is_pct = work["fmt"].eq("percent")
    if (work.loc[is_pct, "num"] > 1).any():
        report.warn(
            "some Percent values are above 1: read as percentages already",
            column="Data",
        )
        scale = np.where(work["num"] > 1, 1.0, 100.0)
    else:
        scale = 100.0
    work.loc[is_pct, "num"] = work.loc[is_pct, "num"] * (
        scale[is_pct.to_numpy()] if isinstance(scale, np.ndarray) else scale
    )
    keys = [s.GEO_ID, s.DIMENSION, s.GROUP, s.PERIOD]
    value_rows = work[work["fmt"].isin(["percent", "rate"])]
    count_rows = work[work["fmt"].eq("number")]
    for name, part in (("value", value_rows), ("count", count_rows)):
        dup = part.duplicated(keys, keep=False)
        if dup.any():
            d = part[dup].sort_values(keys)
            conflicting = d.groupby(keys)["num"].nunique(dropna=False) > 1
            if conflicting.any():
                k = conflicting[conflicting].index[0]
                lines = d.set_index(keys).loc[k, "line"]
                lines = [int(x) for x in np.atleast_1d(lines)]
                raise DataValidationError(
                    f"duplicate rows for {dict(zip(keys, k, strict=True))} with different "
                    f"{name}s (lines {lines})",
                    file=path,
                    row=lines[1],
                    column="Data",
                )
            for line in d[d.duplicated(keys)]["line"]:
                report.reject(line, "Data", "exact duplicate of an earlier row")
    value_rows = value_rows.drop_duplicates(keys)
    count_rows = count_rows.drop_duplicates(keys)
    merged = value_rows.merge(
        count_rows[keys + ["kind", "num", "marker", "line"]],
        on=keys,
        how="outer",
        suffixes=("", "_n"),
    )
    for c in (s.GEO_NAME, s.GEO_LEVEL, s.SOURCE_LABEL):
        fill = count_rows.set_index(keys)[c]
        merged[c] = merged[c].fillna(
            pd.Series(fill.reindex(pd.MultiIndex.from_frame(merged[keys])).to_numpy())
        )
    v_sup = merged["kind"].eq("suppressed")
    n_sup = merged["kind_n"].eq("suppressed")
    v_missing = merged["kind"].eq("missing") | merged["kind"].isna()
    for marker, cnt in merged.loc[v_sup, "marker"].value_counts().items():
        report.suppressed(marker, int(cnt))
    for marker, cnt in merged.loc[n_sup, "marker_n"].value_counts().items():
        report.suppressed(marker, int(cnt))
    notes = np.where(
        v_sup,
        "suppressed by the source (" + merged["marker"].astype(str) + ")",
        np.where(
            merged["kind"].eq("missing"),
            "no value published (" + merged["marker"].astype(str) + ")",
            "",
        ),
    )
    missing_count = int(
        merged["kind"].eq("missing").sum() + merged["kind_n"].eq("missing").sum()
    )
    if missing_count:
        report.notes.append(
            f"{missing_count:,} rows had no value published "
            "(N.A. or N/A): kept, shown as 'no value'."
        )
    records = pd.DataFrame(
        {
            s.GEO_ID: merged[s.GEO_ID],
            s.GEO_NAME: merged[s.GEO_NAME],
            s.GEO_LEVEL: merged[s.GEO_LEVEL],
            s.INDICATOR: indicator,
            s.PERIOD: merged[s.PERIOD],
            s.DIMENSION: merged[s.DIMENSION],
            s.GROUP: merged[s.GROUP],
            s.NUMERATOR: np.where(
                merged["kind_n"].eq("value"), merged["num_n"], np.nan
            ),
            s.VALUE: np.where(merged["kind"].eq("value"), merged["num"], np.nan),
            s.SUPPRESSED: v_sup | (v_missing & n_sup),
            s.NOTE: notes,
            s.SOURCE: source_name or "KIDS COUNT Data Center",
            s.SOURCE_LABEL: merged[s.SOURCE_LABEL],
        }
    )
    records.index = merged["line"].fillna(merged["line_n"]).astype(int).to_numpy()
    table = finish_table(records, report)
    report.rows_kept = report.rows_read - report.rows_rejected
    report.check_balance()
    return table, report
