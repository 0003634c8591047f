"""Plausibility checks on loaded records, before validation.

Each check is a pure function of the records (a frame in the tidy column names
whose index is the source row) returning a :class:`Finding` list: rows to
reject with a reason, or warnings. :func:`check_plausibility` runs them all
and applies the findings to a :class:`~disparities.sources.load_report.LoadReport`,
so every loader gets the same rules from the shared finishing step:

* a percent lies in 0-100, a rate per N between 0 and N, counts, incomes and
  populations are not negative;
* a file of proportions (0-1) where percents are expected is converted, with
  a warning; a mix of both is refused (ambiguous);
* a confidence interval's lower end is not above its upper end;
* Census placeholders (-666666666...) are missing values, with their meaning;
* a county FIPS is a real county (and its state a real state), and a name that
  disagrees with its FIPS gives a warning (the file's name is kept);
* periods are years between 1900 and next year.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError

__all__ = [
    "FIRST_YEAR",
    "Finding",
    "check_ranges",
    "check_proportions",
    "check_intervals",
    "check_sentinels",
    "check_places",
    "check_periods",
    "check_plausibility",
]

#: Earliest plausible data year.
FIRST_YEAR = 1900
_SENTINELS = {
    -666666666.0: "no estimate: too few sample observations (Census code -666666666)",
    -999999999.0: "not shown: too few sample cases (Census code -999999999)",
    -888888888.0: "not applicable or not available (Census code -888888888)",
    -555555555.0: "no margin of error: the estimate is controlled (Census code "
    "-555555555)",
    -333333333.0: "no margin of error: open-ended median (Census code -333333333)",
    -222222222.0: "no margin of error: too few sample observations (Census code "
    "-222222222)",
}
_NUMERIC = [s.NUMERATOR, s.DENOMINATOR, s.VALUE, s.CI_LOWER, s.CI_UPPER, s.MOE]
_NONNEGATIVE_SCORES = {"median_household_income", "population", "children_under_18"}


@dataclass
class Finding:
    """Rows a check rejects (``reject``) or warns about, with one reason."""

    reason: str
    column: str
    rows: pd.Index
    reject: bool = True
    fix: dict = field(default_factory=dict)


def _catalog_frame(records: pd.DataFrame) -> pd.DataFrame:
    """``multiplier`` and ``measure_type`` for each record's indicator."""
    from disparities.catalog import indicator_catalog

    cat = indicator_catalog().set_index("indicator")
    ind = records[s.INDICATOR].astype(str)
    return pd.DataFrame(
        {
            "indicator": ind,
            "multiplier": ind.map(cat["multiplier"]).astype(float),
            "measure_type": ind.map(cat["measure_type"]),
        },
        index=records.index,
    )


def _num(records: pd.DataFrame, column: str) -> pd.Series:
    if column not in records:
        return pd.Series(np.nan, index=records.index)
    return pd.to_numeric(records[column], errors="coerce")


def check_sentinels(records: pd.DataFrame) -> list[Finding]:
    """Census placeholders used as numbers become missing, with their meaning.

    Examples
    --------
    >>> r = pd.DataFrame({"value": [12.0, -666666666.0]}, index=[2, 3])
    >>> [(f.reason[:11], list(f.rows)) for f in check_sentinels(r)]
    [('no estimate', [3])]
    """
    out = []
    for c in _NUMERIC:
        v = _num(records, c)
        for code, meaning in _SENTINELS.items():
            hit = v.eq(code)
            if hit.any():
                out.append(
                    Finding(
                        meaning, c, records.index[hit], reject=False, fix={c: np.nan}
                    )
                )
    return out


def check_ranges(records: pd.DataFrame) -> list[Finding]:
    """Values outside what their unit allows.

    A percent (multiplier 100) must lie in 0-100, a rate per N in 0-N; counts,
    rates, percents, incomes and populations cannot be negative.

    Examples
    --------
    >>> r = pd.DataFrame({"indicator": ["low_birthweight"] * 3,
    ...     "value": [8.2, 250.0, -3.0]}, index=[2, 3, 4])
    >>> [(f.reason, list(f.rows)) for f in check_ranges(r)]
    [('250 is not a percent (must be 0-100)', [3]), ('-3 is not a percent (must be 0-100)', [4])]
    """
    cat = _catalog_frame(records)
    mult, kind = cat["multiplier"], cat["measure_type"]
    out = []
    for c in (s.VALUE, s.CI_LOWER, s.CI_UPPER):
        v = _num(records, c)
        pct = mult.eq(100) & (v.lt(0) | v.gt(100))
        rate = kind.eq("rate") & (v.lt(0) | v.gt(mult))
        neg = (
            kind.isin(["proportion", "survey"])
            | cat["indicator"].isin(_NONNEGATIVE_SCORES)
        ) & v.lt(0)
        for mask, what in (
            (pct, "is not a percent (must be 0-100)"),
            (rate & ~pct, "is not a rate per {m:,.0f} (must be 0-{m:,.0f})"),
            (neg & ~pct & ~rate, "cannot be negative"),
        ):
            for idx in records.index[mask.to_numpy()]:
                out.append(
                    Finding(
                        f"{v[idx]:g} " + what.format(m=mult[idx]), c, pd.Index([idx])
                    )
                )
    for c in (s.NUMERATOR, s.DENOMINATOR, s.MOE):
        v = _num(records, c)
        bad = v.lt(0)
        if bad.any():
            out.append(
                Finding(
                    f"negative {c} ({v[bad].iloc[0]:g})"
                    + (": is its interval reversed?" if c == s.MOE else ""),
                    c,
                    records.index[bad],
                )
            )
    return out


def check_proportions(records: pd.DataFrame) -> list[Finding]:
    """Proportions (0-1) where percents are expected.

    For each indicator measured in percent: when its counts are given, a
    value equal to numerator/denominator (not x 100) is a proportion; without
    counts, an indicator whose every value is 1 or less (and some above 0)
    is read as proportions. Those rows are converted x 100 with a warning. An
    indicator where at least half the non-zero values are 1 or less but others
    are above 1 is ambiguous and refused (an error naming the first row).
    """
    cat = _catalog_frame(records)
    pct = cat["multiplier"].eq(100) & cat["measure_type"].isin(["proportion", "survey"])
    if not pct.any():
        return []
    v = _num(records, s.VALUE)
    x, n = _num(records, s.NUMERATOR), _num(records, s.DENOMINATOR)
    out = []
    for ind, idx in records.index.groupby(cat["indicator"].where(pct)).items():
        vals = v.loc[idx]
        has = vals.notna() & vals.ne(0)
        if not has.any():
            continue
        small = vals.le(1) & has
        with np.errstate(invalid="ignore", divide="ignore"):
            share = x.loc[idx] / n.loc[idx]
        counted = share.notna() & has
        if counted.any():
            as_prop = counted & np.isclose(vals, share, rtol=1e-3, atol=5e-4) & small
            as_prop &= ~np.isclose(vals, share * 100, rtol=1e-3, atol=5e-4)
            rows = idx[as_prop.to_numpy()]
        elif small[has].all():
            rows = idx[has.to_numpy()]
        elif small.sum() >= 0.5 * has.sum():
            first = idx[small.to_numpy()][0]
            raise DataValidationError(
                f"{ind}: {int(small.sum())} of {int(has.sum())} values are 1 or less "
                "and the others above 1: are they proportions (0-1) or percents "
                "(0-100)? Give one scale",
                row=first,
                column=s.VALUE,
            )
        else:
            continue
        if len(rows):
            fix = {c: "x100" for c in (s.VALUE, s.CI_LOWER, s.CI_UPPER, s.MOE)}
            out.append(
                Finding(
                    f"{ind}: values between 0 and 1 read as proportions and "
                    "multiplied by 100 (the indicator is a percent)",
                    s.VALUE,
                    rows,
                    reject=False,
                    fix=fix,
                )
            )
    return out


def check_intervals(records: pd.DataFrame) -> list[Finding]:
    """A lower confidence bound above the upper one ("15.5 to 12.5").

    Examples
    --------
    >>> r = pd.DataFrame({"ci_lower": [15.5, 1.0], "ci_upper": [12.5, 2.0]})
    >>> [(f.reason, list(f.rows)) for f in check_intervals(r)]
    [('reversed interval: lower 15.5 is above upper 12.5', [0])]
    """
    lo, hi = _num(records, s.CI_LOWER), _num(records, s.CI_UPPER)
    bad = lo.gt(hi)
    return [
        Finding(
            f"reversed interval: lower {lo[i]:g} is above upper {hi[i]:g}",
            s.CI_LOWER,
            pd.Index([i]),
        )
        for i in records.index[bad.to_numpy()]
    ]


def check_places(records: pd.DataFrame) -> list[Finding]:
    """County FIPS must be real; a name disagreeing with its FIPS is a warning.

    Examples
    --------
    >>> r = pd.DataFrame({"geo_id": ["37063", "37999", "37063"],
    ...     "geo_name": ["Durham County", "", "Wake"]})
    >>> [(f.reason, f.reject) for f in check_places(r)]
    [('37999 is not a county of North Carolina', True), ("name 'Wake' is not the name of FIPS 37063 (Durham County); the file's name is kept", False)]
    """
    from disparities.geography import county_table, normalise_place_name, state_table

    if s.GEO_ID not in records:
        return []
    # work on distinct ids and (id, name) pairs: millions of rows, thousands of places
    codes, uniq = pd.factorize(records[s.GEO_ID].astype(str), use_na_sentinel=False)
    clean = pd.Series(uniq).str.strip().str.replace(r"\.0$", "", regex=True)
    clean = clean.where(~clean.str.fullmatch(r"\d{4}"), clean.str.zfill(5))
    states = state_table().set_index("state_fips")["state_name"]
    known = county_table().set_index("geo_id")["geo_name"]
    out = []
    for k, g in enumerate(clean):
        if not (len(g) in (2, 5) and g.isdigit()):
            continue
        st = g[:2]
        if st in states.index and (len(g) == 2 or g in known.index):
            continue
        rows = records.index[codes == k]
        if st not in states.index:
            out.append(Finding(f"{g}: {st} is not a state FIPS code", s.GEO_ID, rows))
        else:
            out.append(Finding(f"{g} is not a county of {states[st]}", s.GEO_ID, rows))
    if s.GEO_NAME in records:
        ncodes, nuniq = pd.factorize(
            records[s.GEO_NAME].astype(str), use_na_sentinel=False
        )
        pair = pd.Series(codes.astype(np.int64) * (len(nuniq) + 1) + ncodes)
        first = pair.drop_duplicates()
        for pos, key in first.items():
            g, n = clean[codes[pos]], str(nuniq[ncodes[pos]])
            # "Durham County, North Carolina" is compared as "Durham County"
            n = n.split(",")[0].strip()
            if not n or g not in known.index:
                continue
            official = known[g]
            if normalise_place_name(n) != normalise_place_name(official):
                out.append(
                    Finding(
                        f"name {n!r} is not the name of FIPS {g} ({official}); "
                        "the file's name is kept",
                        s.GEO_NAME,
                        records.index[(pair == key).to_numpy()],
                        reject=False,
                    )
                )
    return out


def check_periods(records: pd.DataFrame) -> list[Finding]:
    """Periods must be years from 1900 to next year.

    Examples
    --------
    >>> r = pd.DataFrame({"period": ["2019", "1018", "2919", "2017-2021"]})
    >>> [f.reason for f in check_periods(r)][:1]
    ['year 1018 is not plausible (expected 1900-...)']
    """
    if s.PERIOD not in records:
        return []
    last = _dt.date.today().year + 1
    codes, uniq = pd.factorize(records[s.PERIOD].astype(str), use_na_sentinel=False)
    out = []
    for k, lab in enumerate(uniq):
        try:
            _, a, b = s.parse_period(lab)
        except ValueError:
            continue  # validation names it
        bad = [y for y in (a, b) if y < FIRST_YEAR or y > last]
        if bad:
            out.append(
                Finding(
                    f"year {bad[0]} is not plausible (expected {FIRST_YEAR}-{last})",
                    s.PERIOD,
                    records.index[codes == k],
                )
            )
    return out


def check_plausibility(records: pd.DataFrame, report) -> pd.DataFrame:
    """Run every check and apply it: reject rows (counted in ``report``), fix
    cells (sentinels to missing, proportions to percents) with a warning.

    Parameters
    ----------
    records : pandas.DataFrame
        Tidy columns, index = source row (line number when the loader kept it).
    report : LoadReport
        Receives rejections (``rows_kept`` lowered to match), warnings, notes.

    Returns
    -------
    pandas.DataFrame
        A new frame without the rejected rows.
    """
    labels = records.index  # source rows; several records may share one
    df = records.reset_index(drop=True)
    try:
        findings = (
            check_sentinels(df)
            + check_periods(df)
            + check_places(df)
            + check_intervals(df)
        )
        df = _apply_fixes(df, [f for f in findings if not f.reject], report, labels)
        df = _apply_fixes(df, check_proportions(df), report, labels)
        findings = [f for f in findings if f.reject] + check_ranges(df)
    except DataValidationError as exc:
        row = labels[exc.row] if isinstance(exc.row, int | np.integer) else exc.row
        raise DataValidationError(
            str(exc).split(": ", 1)[-1],
            file=report.file,
            row=_py(row),
            column=exc.column,
        ) from None
    drop = np.zeros(len(df), bool)
    for f in findings:
        pos = np.setdiff1d(np.asarray(f.rows), np.flatnonzero(drop))
        if not len(pos):
            continue
        rows = pd.unique(labels[pos])
        report.reject(_py(rows[0]), f.column, f.reason, count=len(rows))
        report.rows_kept -= len(rows)
        drop[pos] = True
    df.index = labels
    return df[~drop]


def _py(x):
    """A plain int for a numpy integer row label (for messages)."""
    return int(x) if isinstance(x, np.integer) else x


def _apply_fixes(df: pd.DataFrame, findings: list[Finding], report, labels):
    """Apply cell fixes with one warning per finding."""
    for f in findings:
        at = df.index.isin(f.rows)
        for col, how in f.fix.items():
            if col not in df:
                continue
            if how == "x100":
                df.loc[at, col] = pd.to_numeric(df.loc[at, col], errors="coerce") * 100
            else:
                df.loc[at, col] = how
        to_missing = f.fix and all(
            isinstance(v, float) and np.isnan(v) for v in f.fix.values()
        )
        if to_missing:
            if s.NOTE not in df:
                df[s.NOTE] = ""
            old = df.loc[at, s.NOTE].astype(object).fillna("").astype(str)
            df.loc[at, s.NOTE] = np.where(old.eq(""), f.reason, old + "; " + f.reason)
        rows = pd.unique(labels[np.asarray(f.rows)])
        n = len(rows)
        report.warn(
            f"{f.reason}" + (f" ({n} rows)" if n > 1 else ""),
            row=_py(rows[0]),
            column=f.column,
        )
    return df
