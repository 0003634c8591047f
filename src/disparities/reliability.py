"""Intervals, reliability flags, small-number suppression and pooling.

:func:`add_intervals` fills missing 95% CIs from counts (by the indicator's
``measure_type``) or from a margin of error; published CIs are kept.
:func:`flag_reliability` marks a value *unreliable* when its relative standard
error is above 30% or it rests on fewer than 20 events (NCHS and CDC WONDER use
both rules); :func:`suppress_small_counts` hides values built on fewer than 10
events (the common state vital-statistics rule) and also hides a second cell
where one hidden cell could be recovered by subtraction from the total
("complementary suppression"). :func:`pool_periods` sums adjacent years so a
small county gets a usable estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import MEASURE_TYPES, indicator_catalog
from disparities.uncertainty import (
    moe_to_se,
    proportion_interval,
    rate_interval,
    z_value,
)

__all__ = [
    "indicator_codes",
    "indicator_properties",
    "add_intervals",
    "standard_errors",
    "flag_reliability",
    "suppress_small_counts",
    "pool_periods",
    "prepare_observations",
]


_CHUNK = 1 << 18  # rows per block of work: temporaries stay in cache


def indicator_codes(table: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's indicator code, and the catalog columns once per indicator.

    Returns
    -------
    codes : numpy.ndarray
        Per row, a position in ``per_indicator`` (the last position, all
        unknown, for rows without an indicator).
    per_indicator : pandas.DataFrame
        ``multiplier``, ``type_code`` (position in :data:`MEASURE_TYPES`, -1 if
        unknown) and ``higher_is_worse``, one row per indicator plus the
        unknown row.
    """
    cat = indicator_catalog().set_index("indicator")
    ind = table[s.INDICATOR]
    if not isinstance(ind.dtype, pd.CategoricalDtype):
        ind = ind.astype(str).astype("category")
    names = [str(c) for c in ind.cat.categories]
    info = cat.reindex(names)
    types = info["measure_type"].fillna("")
    per_indicator = pd.DataFrame(
        {
            "multiplier": np.r_[info["multiplier"].to_numpy(float), np.nan],
            "type_code": np.array(
                [MEASURE_TYPES.index(t) if t in MEASURE_TYPES else -1 for t in types]
                + [-1],
                dtype=np.int8,
            ),
            "higher_is_worse": np.r_[
                info["higher_is_worse"].fillna(True).to_numpy(bool), True
            ],
        },
        index=[*names, ""],
    )
    codes = ind.cat.codes.to_numpy()
    return np.where(codes < 0, len(names), codes), per_indicator


def indicator_properties(table: pd.DataFrame) -> pd.DataFrame:
    """Return the catalog columns (multiplier, measure_type, direction) per row.

    Looked up once per indicator and spread by categorical codes, so it costs
    almost nothing on millions of rows. ``measure_type`` is categorical.
    """
    codes, per = indicator_codes(table)
    return pd.DataFrame(
        {
            "multiplier": per["multiplier"].to_numpy()[codes],
            "measure_type": pd.Categorical.from_codes(
                per["type_code"].to_numpy()[codes], categories=MEASURE_TYPES
            ),
            "higher_is_worse": per["higher_is_worse"].to_numpy()[codes],
        },
        index=table.index,
    )


def add_intervals(
    table: pd.DataFrame, *, alpha: float = 0.05, method: str = "wilson"
) -> pd.DataFrame:
    """Fill missing CIs (and values) from counts or margins of error.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy observation table.
    alpha : float
        One minus the confidence level.
    method : {"wilson", "exact"}
        Interval for proportions; rates always use the exact Poisson interval.

    Returns
    -------
    pandas.DataFrame
        A copy; rows that already had both CI bounds are unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["low_birthweight"], "numerator": [81.0],
    ...     "denominator": [263.0], "value": [np.nan], "ci_lower": [np.nan],
    ...     "ci_upper": [np.nan], "moe": [np.nan], "suppressed": [False]})
    >>> add_intervals(t)[["value", "ci_lower", "ci_upper"]].round(2).values.tolist()
    [[30.8, 25.53, 36.62]]
    """
    df = table.copy()
    props = indicator_properties(df)
    mult = props["multiplier"].to_numpy()
    mtype = props["measure_type"]
    is_prop = mtype.eq("proportion").to_numpy()
    is_rate = mtype.eq("rate").to_numpy()
    is_score = mtype.eq("score").to_numpy()
    x = df[s.NUMERATOR].to_numpy(float)
    n = df[s.DENOMINATOR].to_numpy(float)
    value = df[s.VALUE].to_numpy(float).copy()
    lo = df[s.CI_LOWER].to_numpy(float).copy()
    hi = df[s.CI_UPPER].to_numpy(float).copy()
    has_counts = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(np.isnan(value) & has_counts, x / n * mult, value)
    need = np.isnan(lo) | np.isnan(hi)
    no_flags = np.zeros(len(df), dtype=bool)
    suppressed = df[s.SUPPRESSED].to_numpy(bool) if s.SUPPRESSED in df else no_flags
    need &= ~suppressed

    prop = need & has_counts & is_prop
    if prop.any():
        plo, phi = proportion_interval(x[prop], n[prop], alpha=alpha, method=method)
        lo[prop], hi[prop] = plo * mult[prop], phi * mult[prop]
    rate = need & has_counts & is_rate
    if rate.any():
        rlo, rhi = rate_interval(x[rate], n[rate], multiplier=1.0, alpha=alpha)
        lo[rate], hi[rate] = rlo * mult[rate], rhi * mult[rate]
    moe = df[s.MOE].to_numpy(float)
    surv = need & ~prop & ~rate & ~np.isnan(moe) & ~np.isnan(value)
    if surv.any():
        half = moe_to_se(moe[surv]) * z_value(alpha)
        lower = value[surv] - half
        # a percentage or a count cannot be negative
        lo[surv] = np.where(is_score[surv], lower, np.maximum(lower, 0))
        hi[surv] = value[surv] + half
        pct = surv & (mult == 100)
        hi[pct] = np.minimum(hi[pct], 100)
    df[s.VALUE], df[s.CI_LOWER], df[s.CI_UPPER] = value, lo, hi
    return df


def standard_errors(
    table: pd.DataFrame,
    *,
    alpha: float = 0.05,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return ``se`` (value scale) and ``se_log`` (log scale) for each row.

    From counts when present (binomial for proportions, Poisson for rates; the
    log-scale SEs are Katz's), else from a margin of error (SE = MOE / 1.645),
    else from the CI width (SE = (upper - lower) / 2z, and on the log scale
    (ln upper - ln lower) / 2z).

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table with values, CIs, counts and margins of error.
    alpha : float
        One minus the confidence level the CIs were made at.
    rows : numpy.ndarray of bool, optional
        Only these rows are needed; the others are left NaN (saves time on
        millions of rows).

    Returns
    -------
    pandas.DataFrame
        ``se`` and ``se_log``, on the table's index.
    """
    codes, per = indicator_codes(table)
    columns = {
        "code": codes,
        "mult": per["multiplier"].to_numpy(),
        "type": per["type_code"].to_numpy(),
        "x": table[s.NUMERATOR].to_numpy(float),
        "n": table[s.DENOMINATOR].to_numpy(float),
        "v": table[s.VALUE].to_numpy(float),
        "lo": table[s.CI_LOWER].to_numpy(float),
        "hi": table[s.CI_UPPER].to_numpy(float),
        "moe": table[s.MOE].to_numpy(float),
    }
    n_rows = len(table)
    se = np.full(n_rows, np.nan)
    se_log = np.full(n_rows, np.nan)
    z = z_value(alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, n_rows, _CHUNK):
            part = slice(start, min(start + _CHUNK, n_rows))
            wanted = None if rows is None else rows[part]
            _standard_errors_part(columns, part, wanted, z, se[part], se_log[part])
    return pd.DataFrame({"se": se, "se_log": se_log}, index=table.index)


def _standard_errors_part(cols, part, wanted, z, se, se_log):
    """:func:`standard_errors` for the rows ``part``, written into ``se`` and
    ``se_log`` (views of the result). Each formula runs on the whole block (cheap,
    in cache) and is copied where it applies."""
    x, n, v = cols["x"][part], cols["n"][part], cols["v"][part]
    code = cols["code"][part]
    mtype = cols["type"][code]
    counts = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    if wanted is not None:
        counts &= wanted
    is_prop = counts & (mtype == 0)
    is_rate = counts & (mtype == 1)
    if is_prop.any():
        p = x / n
        np.copyto(se, np.sqrt(p * (1 - p) / n) * cols["mult"][code], where=is_prop)
        np.copyto(se_log, np.sqrt((1 - p) / x), where=is_prop)
    if is_rate.any():
        np.copyto(se, np.sqrt(x) / n * cols["mult"][code], where=is_rate)
        np.copyto(se_log, 1 / np.sqrt(x), where=is_rate)
    # 0 events (or all events) give a binomial/Poisson SE of 0, which would
    # make every interval built on it zero-width: take the SE from the row's
    # own Wilson/exact interval instead ((upper - lower) / 2z, > 0)
    zero = (is_prop | is_rate) & (se == 0)
    if zero.any():
        np.copyto(se, (cols["hi"][part] - cols["lo"][part]) / (2 * z), where=zero)
    rest = ~(is_prop | is_rate)
    if wanted is not None:
        rest &= wanted
    if not rest.any():
        return
    moe = cols["moe"][part]
    at = np.flatnonzero(rest & ~np.isnan(moe))
    if len(at):
        se[at] = moe_to_se(moe[at])
        se_log[at] = se[at] / np.abs(v[at])
    at = np.flatnonzero(rest & np.isnan(moe))
    if len(at):
        lo_r, hi_r = cols["lo"][part][at], cols["hi"][part][at]
        se[at] = (hi_r - lo_r) / (2 * z)
        se_log[at] = np.where(
            lo_r > 0, (np.log(hi_r) - np.log(lo_r)) / (2 * z), se[at] / v[at]
        )


def flag_reliability(
    table: pd.DataFrame,
    *,
    max_rse: float = 30.0,
    min_events: float = 20,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Mark values as unreliable by relative standard error or event count.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table with CIs (see :func:`add_intervals`).
    max_rse : float
        Relative standard error, in percent, above which a value is unreliable.
    min_events : float
        Fewer events than this (when counts are known) is unreliable.
    alpha : float
        One minus the confidence level of the intervals the SEs come from.

    Returns
    -------
    pandas.DataFrame
        A copy with ``unreliable`` set (never cleared: a source's own flag is
        kept) and the reason appended to ``note``, plus an ``rse`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["infant_mortality"] * 2,
    ...     "numerator": [12.0, 300.0], "denominator": [1500.0, 40000.0],
    ...     "value": [8.0, 7.5], "ci_lower": [np.nan] * 2, "ci_upper": [np.nan] * 2,
    ...     "moe": [np.nan] * 2, "suppressed": [False] * 2,
    ...     "unreliable": [False] * 2, "note": ["", ""]})
    >>> flag_reliability(t)[["unreliable", "note"]].values.tolist()
    [[True, 'unreliable: relative standard error 29% and fewer than 20 events (12)'], [False, '']]
    """
    df = table.copy()
    se = standard_errors(df, alpha=alpha)["se"].to_numpy()
    v = df[s.VALUE].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rse = np.abs(se / v) * 100
    df["rse"] = rse
    x = df[s.NUMERATOR].to_numpy(float)
    few = ~np.isnan(x) & (x < min_events)
    noisy = rse > max_rse
    flag = (few | noisy) & ~df[s.SUPPRESSED].to_numpy(bool)
    notes = df[s.NOTE].astype(str).to_numpy().copy()
    for i in np.flatnonzero(flag):
        parts = []
        if not np.isnan(rse[i]):
            parts.append(f"relative standard error {rse[i]:.0f}%")
        if few[i]:
            parts.append(f"fewer than {min_events:g} events ({x[i]:g})")
        reason = "unreliable: " + " and ".join(parts)
        notes[i] = reason if not notes[i] else f"{notes[i]}; {reason}"
    df[s.UNRELIABLE] = df[s.UNRELIABLE].to_numpy(bool) | flag
    df[s.NOTE] = notes
    return df


def suppress_small_counts(
    table: pd.DataFrame,
    *,
    threshold: float = 10,
    complementary: bool = True,
    measure_types: tuple[str, ...] = ("proportion", "rate"),
) -> pd.DataFrame:
    """Hide values built on fewer than ``threshold`` events, keeping the rows.

    Only counted data (``measure_types``: vital statistics, administrative
    counts) is suppressed by count; survey estimates are judged by their
    relative standard error in :func:`flag_reliability` instead.

    Suppressed rows keep their key and denominator; ``numerator``, ``value``
    and CIs become missing, ``suppressed`` is True and ``note`` says why.

    With ``complementary=True``, cells are also hidden so no hidden count can
    be recovered by subtraction: from the total minus the other groups, the
    state minus its other counties, or a pooled span minus its other years;
    counts implied by value x denominator count as shown. This is
    :func:`disparities.privacy.protect_small_numbers`, which documents the rules.

    Examples
    --------
    >>> t = pd.DataFrame({"geo_id": ["37001"] * 3, "indicator": ["infant_mortality"] * 3,
    ...     "period": ["2021"] * 3, "dimension": ["race_ethnicity"] * 2 + ["total"],
    ...     "group": ["Black", "White", "Total"], "numerator": [4.0, 30.0, 34.0],
    ...     "denominator": [500.0, 4000.0, 4500.0], "value": [8.0, 7.5, 7.56],
    ...     "ci_lower": [np.nan] * 3, "ci_upper": [np.nan] * 3,
    ...     "suppressed": [False] * 3, "note": [""] * 3})
    >>> suppress_small_counts(t)[["group", "suppressed"]].values.tolist()
    [['Black', True], ['White', True], ['Total', False]]
    """
    from disparities.privacy import protect_small_numbers

    return protect_small_numbers(
        table,
        threshold=threshold,
        complementary=complementary,
        measure_types=measure_types,
    )


def pool_periods(
    table: pd.DataFrame, *, years: int = 3, alpha: float = 0.05, method: str = "wilson"
) -> pd.DataFrame:
    """Combine adjacent single years into multi-year periods by summing counts.

    Only rows with both counts (numerator and denominator) and single-year
    periods can be pooled; windows are consecutive and non-overlapping, aligned
    to the last year (2013-2022 with ``years=3`` gives 2014-2016, 2017-2019,
    2020-2022; 2013 is left out and said so in the result's ``attrs``).
    Suppressed cells are not pooled (their counts are hidden), so a pooled window
    that would include one is dropped and listed in ``attrs["not_pooled"]``.

    Returns
    -------
    pandas.DataFrame
        A new tidy table of pooled periods with fresh CIs and no flags set; run
        :func:`flag_reliability` and :func:`suppress_small_counts` on it.
    """
    base = table[(table[s.PERIOD_START] == table[s.PERIOD_END])].copy()
    if base.empty:
        raise ValueError("pool_periods needs single-year periods")
    last = int(base[s.PERIOD_END].max())
    base["window_end"] = last - ((last - base[s.PERIOD_END]) // years) * years
    base["window_start"] = base["window_end"] - years + 1
    first = int(base[s.PERIOD_START].min())
    partial = base["window_start"] < first
    keys = [s.GEO_ID, s.INDICATOR, s.DIMENSION, s.GROUP, "window_start", "window_end"]
    usable = base[~partial]
    grouped = usable.groupby(keys, observed=True, sort=False)
    agg = grouped.agg(
        numerator=(s.NUMERATOR, "sum"),
        denominator=(s.DENOMINATOR, "sum"),
        n_years=(s.PERIOD, "nunique"),
        any_missing=(s.NUMERATOR, lambda v: v.isna().any()),
        geo_name=(s.GEO_NAME, "first"),
        geo_level=(s.GEO_LEVEL, "first"),
        state=(s.STATE, "first"),
        source=(s.SOURCE, "first"),
    ).reset_index()
    incomplete = (agg["n_years"] < years) | agg["any_missing"]
    out = agg[~incomplete].copy()
    out[s.PERIOD] = (
        out["window_start"].astype(str) + "-" + out["window_end"].astype(str)
    )
    out[s.VALUE] = np.nan
    for c in (s.CI_LOWER, s.CI_UPPER, s.MOE):
        out[c] = np.nan
    out[s.NOTE] = f"pooled over {years} years"
    out = out.drop(columns=["window_start", "window_end", "n_years", "any_missing"])
    out = s.validate_observations(out, file="pooled table")
    out = add_intervals(out, alpha=alpha, method=method)
    out.attrs["not_pooled"] = agg.loc[incomplete, keys].to_dict("records")
    out.attrs["left_out_years"] = sorted(set(base.loc[partial, s.PERIOD_END]))
    return out


def prepare_observations(
    table: pd.DataFrame,
    *,
    suppress_below: float | None = 10,
    max_rse: float = 30.0,
    min_events: float = 20,
    alpha: float = 0.05,
    method: str = "wilson",
) -> pd.DataFrame:
    """Validate, add intervals, suppress small counts and flag reliability.

    The one-call preparation every loader and the demo use.
    """
    df = s.validate_observations(table) if "period_start" not in table else table
    df = add_intervals(df, alpha=alpha, method=method)
    if suppress_below:
        df = suppress_small_counts(df, threshold=suppress_below)
    df = flag_reliability(df, max_rse=max_rse, min_events=min_events, alpha=alpha)
    return df
