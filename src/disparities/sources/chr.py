"""County Health Rankings & Roadmaps: the state data workbook (.xlsx).

Sheets "Ranked Measure Data" and "Additional Measure Data" have two header
rows: row 1 names the measure group on the group's first column only (filled
forward here), row 2 the column label. Labels repeat across groups ("95% CI -
Low", "Z-Score"), so columns are keyed by group and label. Race-stratified
columns end in ``(AIAN)``, ``(Asian)``, ``(Black)``, ``(Hispanic)``, ``(White)``
(lowercase ``(white)`` in 2022), each followed by its 95% CI columns. White,
Black, Asian and AIAN are non-Hispanic. An empty cell means the value was not
reported (too few events, or unavailable); the group's ``Unreliable`` column
holds ``x`` for a flagged county value. Years come from the "Sources & Years"
sheets.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError
from disparities.sources.common import finish_table
from disparities.sources.load_report import LoadReport

__all__ = ["load_chr_workbook", "CHR_MEASURES", "looks_like_chr"]

#: (sheet, measure group, indicator, name in the Sources & Years sheet)
CHR_MEASURES = [
    ("Ranked Measure Data", "low birthweight", "low_birthweight", "low birthweight"),
    ("Ranked Measure Data", "teen births", "teen_births", "teen births"),
    (
        "Ranked Measure Data",
        "children in poverty",
        "child_poverty",
        "children in poverty",
    ),
    (
        "Additional Measure Data",
        "child mortality",
        "child_mortality",
        "child mortality",
    ),
    (
        "Additional Measure Data",
        "infant mortality",
        "infant_mortality",
        "infant mortality",
    ),
    (
        "Additional Measure Data",
        "reading scores",
        "reading_grade_performance",
        "reading scores",
    ),
    ("Additional Measure Data", "math scores", "math_grade_performance", "math scores"),
    (
        "Additional Measure Data",
        "median household income",
        "median_household_income",
        "median household income",
    ),
]
_RACE = {
    "aian": "American Indian or Alaska Native",
    "asian": "Asian",
    "black": "Black",
    "hispanic": "Hispanic or Latino",
    "white": "White",
}
_RACE_RE = re.compile(
    r"^(?P<label>.+?) \((?P<race>aian|asian|black|hispanic|white)\)"
    r"(?P<rest>.*)$",
    re.I,
)
REQUIRED_SHEETS = ["Ranked Measure Data", "Additional Measure Data"]

#: Context rows from the "Additional Measure Data" demographics columns:
#: (measure group in header row 1, indicator, dimension, canonical group).
#: The value is the group's first column; a "# ..." column is the count.
CHR_CONTEXT = [
    ("population", "population", "total", s.TOTAL),
    ("% below 18 years of age", "pct_under_18", "total", s.TOTAL),
    ("% non-hispanic black", "population_share", "race_ethnicity", "Black"),
    (
        "% american indian & alaska native",
        "population_share",
        "race_ethnicity",
        "American Indian or Alaska Native",
    ),
    ("% asian", "population_share", "race_ethnicity", "Asian"),
    (
        "% native hawaiian/other pacific islander",
        "population_share",
        "race_ethnicity",
        "Native Hawaiian or Pacific Islander",
    ),
    ("% hispanic", "population_share", "race_ethnicity", "Hispanic or Latino"),
    ("% non-hispanic white", "population_share", "race_ethnicity", "White"),
    ("% rural", "pct_rural", "total", s.TOTAL),
]
#: Measures whose race values CHR takes from the ACS 5-year estimates while the
#: overall value is a single-year SAIPE estimate (CHR documentation).
ACS_FIVE_YEAR_BY_RACE = {"child_poverty", "median_household_income"}


def looks_like_chr(sheet_names) -> bool:
    """True when a workbook has the CHR data sheets."""
    return "Ranked Measure Data" in set(sheet_names)


def _read_sheet(book, sheet):
    """One data sheet (``book``: the opened ``pd.ExcelFile``, parsed once)."""
    raw = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    groups = raw.iloc[0].ffill().fillna("").astype(str).str.strip().str.lower()
    labels = raw.iloc[1].fillna("").astype(str).str.strip()
    body = raw.iloc[2:].copy()
    body.index = np.arange(3, len(raw) + 1)  # Excel row numbers
    return body, list(zip(groups, labels, strict=True))


def _years(book) -> dict:
    years = {}
    for sheet in book.sheet_names:
        if "sources" not in sheet.lower():
            continue
        y = pd.read_excel(book, sheet_name=sheet, header=0, dtype=object)
        if "Measure" not in y.columns:
            continue
        col = [c for c in y.columns if str(c).lower().startswith("year")]
        if not col:
            continue
        for m, yr in zip(y["Measure"], y[col[0]], strict=True):
            if isinstance(m, str) and isinstance(yr, str | int | float):
                name = re.sub(r"[*+]", "", m).strip().lower()
                years.setdefault(name, str(yr).strip())
    return years


def _acs_span(period: str) -> str | None:
    """The ACS 5-year span ending in a single-year period ("2019" -> "2015-2019")."""
    p = str(period).strip()
    return f"{int(p) - 4}-{p}" if p.isdigit() else None


def _join_notes(a: pd.Series, b: pd.Series) -> pd.Series:
    """Join two note columns with "; ", skipping empty parts."""
    both = a.ne("") & b.ne("")
    return a.where(b.eq(""), b.where(a.eq(""), a + "; " + b)).where(~both, a + "; " + b)


def _context_frames(body, cols, geo_id, geo_name, years, sheet, report) -> list:
    """Context rows (population, % under 18, race shares, % rural, children)
    from the demographics columns of "Additional Measure Data"."""
    frames, pop, under18, absent = [], None, None, []
    for group, indicator, dim, canon in CHR_CONTEXT:
        idx = [i for i, (g, _) in enumerate(cols) if g == group]
        if not idx:
            absent.append(group)
            continue
        period = years.get(group)
        if period is None:
            report.warn(f"no years for {group!r} in the Sources & Years sheets")
            continue
        val_i = next((i for i in idx if not cols[i][1].startswith("#")), None)
        cnt_i = next((i for i in idx if cols[i][1].startswith("#")), None)
        if val_i is None:
            continue
        vals = pd.to_numeric(body.iloc[:, val_i], errors="coerce").to_numpy(float)
        count = (
            pd.to_numeric(body.iloc[:, cnt_i], errors="coerce").to_numpy(float)
            if cnt_i is not None
            else np.nan
        )
        if indicator == "population":
            pop = (vals, period)
        if indicator == "pct_under_18":
            under18 = (vals, period)
        same_year_pop = pop is not None and pop[1] == period
        frames.append(
            _context_frame(
                body,
                geo_id,
                geo_name,
                indicator,
                period,
                dim,
                canon,
                vals,
                numerator=count,
                denominator=(
                    pop[0]
                    if indicator == "population_share" and same_year_pop
                    else np.nan
                ),
                label=f"{sheet}: {cols[val_i][1]}",
                note="",
            )
        )
    if absent:
        report.notes.append(
            f"No demographics column(s) {', '.join(map(str, absent))}: that "
            "context (population, "
            "age, race make-up, rurality) is not loaded."
        )
    if pop is not None and under18 is not None and pop[1] == under18[1]:
        children = np.round(pop[0] * under18[0] / 100)
        frames.append(
            _context_frame(
                body,
                geo_id,
                geo_name,
                "children_under_18",
                pop[1],
                "total",
                s.TOTAL,
                children,
                numerator=np.nan,
                denominator=np.nan,
                label=f"{sheet}: Population x % Less Than 18 Years of Age",
                note="derived: population x % under 18 (both from CHR), rounded",
            )
        )
    return frames


def _context_frame(
    body,
    geo_id,
    geo_name,
    indicator,
    period,
    dim,
    group,
    vals,
    *,
    numerator,
    denominator,
    label,
    note,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            s.GEO_ID: geo_id,
            s.GEO_NAME: geo_name,
            s.INDICATOR: indicator,
            s.PERIOD: period,
            s.DIMENSION: dim,
            s.GROUP: group,
            s.VALUE: vals,
            s.CI_LOWER: np.nan,
            s.CI_UPPER: np.nan,
            s.NUMERATOR: numerator,
            s.DENOMINATOR: denominator,
            s.UNRELIABLE: False,
            s.SOURCE_LABEL: label,
            "_note": note,
            "row": body.index,
        }
    )


def _context_not_events(table: pd.DataFrame, notes: pd.Series) -> pd.DataFrame:
    """Context rows are population estimates, not counts of events: the
    small-numbers reliability flag does not apply to them (notes restored)."""
    from disparities.catalog import context_indicator_ids

    ctx = table[s.INDICATOR].astype(str).isin(context_indicator_ids()).to_numpy()
    if not ctx.any():
        return table
    out = table.copy()
    out[s.UNRELIABLE] = out[s.UNRELIABLE].to_numpy(bool) & ~ctx
    note = out[s.NOTE].astype(str).to_numpy()
    note[ctx] = notes.astype(str).to_numpy()[ctx]
    out[s.NOTE] = pd.Series(note, index=out.index).astype("category")
    return out


def _measure_frames(body, cols, geo_id, geo_name, years, sheet, report) -> list:
    """Rows of the child-relevant measures (:data:`CHR_MEASURES`) of one sheet:
    the overall value with its CI, count and ``Unreliable`` flag, and each race
    column with its CI; each measure's period from the Sources & Years sheets."""
    col_index = {(g, lab.lower()): i for i, (g, lab) in enumerate(cols)}
    frames = []
    for sh, group, indicator, ymeasure in CHR_MEASURES:
        if sh != sheet:
            continue
        idx = [i for i, (g, _) in enumerate(cols) if g == group]
        if not idx:
            report.notes.append(f"measure group {group!r} is not in this workbook.")
            continue
        period = years.get(ymeasure)
        if period is None:
            report.warn(
                f"no years for {group!r} in the Sources & Years sheets",
                column=group,
            )
            continue
        period = period.split("&")[0].strip()
        labels = [(i, cols[i][1]) for i in idx]
        unreliable_i = col_index.get((group, "unreliable"))
        count_i = next((i for i, lab in labels if lab.startswith("#")), None)
        value_cols = [
            (i, lab)
            for i, lab in labels
            if not lab.startswith("#")
            and lab.lower()
            not in {"unreliable", "z-score", "95% ci - low", "95% ci - high"}
            and "95% ci" not in lab.lower()
            and not lab.lower().endswith("unreliable")
        ]
        acs_span = _acs_span(period) if indicator in ACS_FIVE_YEAR_BY_RACE else None
        for i, lab in value_cols:
            m = _RACE_RE.match(lab)
            if m and m.group("rest").strip():
                continue
            if m:
                group_label, dim = _RACE[m.group("race").lower()], "race_ethnicity"
                lo_i = col_index.get((group, f"{lab.lower()} 95% ci - low"))
                hi_i = col_index.get((group, f"{lab.lower()} 95% ci - high"))
                unrel = None
                num = None
            else:
                if (i, lab) != value_cols[0]:
                    continue  # only the first unstratified column is the measure
                group_label, dim = "Total", "total"
                pos = [j for j, _ in labels]
                nxt = pos[pos.index(i) + 1 : pos.index(i) + 3]
                ci = [j for j in nxt if "95% ci" in cols[j][1].lower()]
                lo_i, hi_i = (ci + [None, None])[:2]
                unrel = unreliable_i
                num = count_i
            vals = pd.to_numeric(body.iloc[:, i], errors="coerce")
            text = body.iloc[:, i]
            bad = vals.isna() & text.notna() & (text.astype(str).str.strip() != "")
            for r in body.index[bad.to_numpy()]:
                report.warn(f"not a number: {text.loc[r]!r}", row=int(r), column=lab)
            lo = pd.to_numeric(body.iloc[:, lo_i], errors="coerce") if lo_i else np.nan
            hi = pd.to_numeric(body.iloc[:, hi_i], errors="coerce") if hi_i else np.nan
            row_period, row_note = period, ""
            if acs_span is not None:
                row_period, row_note = (
                    (acs_span, f"by race: ACS 5-year estimate {acs_span} (per CHR)")
                    if dim == "race_ethnicity"
                    else (period, f"overall: SAIPE single-year estimate {period}")
                )
            frame = pd.DataFrame(
                {
                    s.GEO_ID: geo_id,
                    s.GEO_NAME: geo_name,
                    s.INDICATOR: indicator,
                    s.PERIOD: row_period,
                    s.DIMENSION: dim,
                    s.GROUP: group_label,
                    s.VALUE: vals.to_numpy(float),
                    s.CI_LOWER: lo,
                    s.CI_UPPER: hi,
                    s.NUMERATOR: (
                        pd.to_numeric(body.iloc[:, num], errors="coerce")
                        if num is not None
                        else np.nan
                    ),
                    s.UNRELIABLE: (
                        body.iloc[:, unrel]
                        .astype(str)
                        .str.strip()
                        .str.lower()
                        .eq("x")
                        .to_numpy()
                        if unrel is not None
                        else False
                    ),
                    s.SOURCE_LABEL: f"{sheet}: {lab}",
                    "_note": row_note,
                    "row": body.index,
                }
            )
            frames.append(frame)
    return frames


def _sheet_places(path, body, cols, report, bad_rows):
    """Keep rows with a 5-digit FIPS (others rejected once); their ids and names."""
    try:
        fips_col = [i for i, (_, lab) in enumerate(cols) if lab == "FIPS"][0]
        county_col = [i for i, (_, lab) in enumerate(cols) if lab == "County"][0]
    except IndexError:
        raise DataValidationError(
            "no FIPS or County column in the second header row", file=path, row=2
        ) from None
    fips = (
        body.iloc[:, fips_col]
        .astype(str)
        .str.strip()
        .str.replace(r"\.0$", "", regex=True)
        .str.zfill(5)
    )
    ok = fips.str.fullmatch(r"\d{5}")
    for r in body.index[~ok.to_numpy()]:
        if r not in bad_rows and body.loc[r].notna().any():
            bad_rows.add(r)
            report.reject(
                int(r),
                "FIPS",
                f"not a 5-digit FIPS code: {body.loc[r].iloc[fips_col]!r}",
            )
    body = body[ok.to_numpy()]
    fips = fips[ok]
    geo_id = np.where(fips.str.endswith("000"), fips.str[:2], fips)
    names = body.iloc[:, county_col].fillna("").astype(str)
    state_name = body.iloc[:, 1].fillna("").astype(str)
    geo_name = np.where(names == "", state_name, names + " County")
    return body, geo_id, geo_name


def load_chr_workbook(path, *, year: int | None = None, strict: bool = False):
    """Load every child-relevant, race-stratified measure of a CHR state workbook.

    Parameters
    ----------
    path : str or Path
        The state's ``.xlsx`` data file as downloaded from CHR&R.
    year : int, optional
        Release year, for the source label (read from the file name if absent).
    strict : bool
        Raise on the first bad row.

    Returns
    -------
    tuple
        ``(table, LoadReport)``; CIs are CHR's own; the ``Unreliable`` marker
        becomes the ``unreliable`` flag; blank cells are kept as suppressed rows.
    """
    path = str(path)
    report = LoadReport(path, "county_health_rankings", strict=strict)
    from disparities.sources.files import WORKBOOK_ERRORS, excel_engine

    try:
        book = pd.ExcelFile(path, engine=excel_engine())
    except (ValueError, OSError, *WORKBOOK_ERRORS) as exc:
        raise DataValidationError(
            f"cannot open as an Excel workbook: {exc}", file=path
        ) from exc
    missing = [sh for sh in REQUIRED_SHEETS if sh not in book.sheet_names]
    if missing:
        raise DataValidationError(
            f"missing sheet(s) {missing}; found {book.sheet_names}. Is this a County "
            "Health Rankings state data file?",
            file=path,
        )
    if year is None:
        m = re.search(r"(20\d\d)", path.rsplit("/", 1)[-1])
        year = int(m.group(1)) if m else None
    source = f"County Health Rankings {year or ''}".strip()
    with book:  # opened once; every sheet read from it, then closed
        years = _years(book)
        sheets = {sheet: _read_sheet(book, sheet) for sheet in REQUIRED_SHEETS}
    records, read_rows, bad_rows = [], set(), set()
    for sheet, (body, cols) in sheets.items():
        read_rows.update(body.index[body.notna().any(axis=1).to_numpy()])
        body, geo_id, geo_name = _sheet_places(path, body, cols, report, bad_rows)
        records.extend(
            _measure_frames(body, cols, geo_id, geo_name, years, sheet, report)
        )
        if sheet == "Additional Measure Data":
            records.extend(
                _context_frames(body, cols, geo_id, geo_name, years, sheet, report)
            )
    if not records:
        raise DataValidationError("no child-relevant measures found", file=path)
    t = pd.concat(records, ignore_index=True)
    from disparities.catalog import get_indicator

    pct = t[s.INDICATOR].map(lambda i: get_indicator(i).multiplier == 100)
    for ind in t.loc[pct, s.INDICATOR].unique():
        m = t[s.INDICATOR] == ind
        if t.loc[m, s.VALUE].max() <= 1.0:  # stored as a proportion
            t.loc[m, [s.VALUE, s.CI_LOWER, s.CI_UPPER]] *= 100
    blank = t[s.VALUE].isna()
    t[s.SUPPRESSED] = blank
    t[s.NOTE] = _join_notes(
        t.pop("_note").fillna(""),
        pd.Series(
            np.where(
                blank,
                "not reported by the source (blank cell: too few events or not "
                "available)",
                np.where(t[s.UNRELIABLE], "flagged 'Unreliable' by the source", ""),
            ),
            index=t.index,
        ),
    )
    t[s.SOURCE] = source
    report.suppressed("(blank)", int(blank.sum()))
    report.notes.append(
        f"{len(t):,} observations from {len(read_rows) - len(bad_rows):,} "
        "county and state rows."
    )
    report.rows_read = len(read_rows)
    report.rows_kept = len(read_rows) - len(bad_rows)
    t.index = t.pop("row").to_numpy()
    table = finish_table(t.reset_index(drop=True), report)
    table = _context_not_events(table, t[s.NOTE].reset_index(drop=True))
    report.check_balance()
    return table, report
