"""How many children are in each group, and how uncertain a gap is without a CI.

Many public files publish a rate for each group but no counts (County Health
Rankings gives "% of children in poverty" for Black children, not how many
Black children there are). Two things a reader needs still depend on counts:
how many children a gap affects, and how sure we can be that a gap is real.
This module derives both where it honestly can, and says how.

Group sizes
-----------
In order of preference, the size of the population behind a group's value is

``counted``
    the source's own denominator for that row;
``estimated from the group's counts in other data``
    the denominator of another row for the same place and group whose
    indicator counts the same population (births, children...), from another
    indicator, period or source: e.g. births by race from a vital-statistics
    file for a CHR infant-mortality rate (per year, times the years);
``estimated from the total count and population shares``
    the source's denominator (or numerator / value) for the county's Total row,
    times the group's share of residents;
``estimated from population shares``
    the county's children (context indicator ``children_under_18``, else
    ``population x pct_under_18``) times the group's share of residents
    (``population_share``), scaled to the indicator's population (births
    about 1/18 of children a year, girls aged 15-19 about 5/18 x 0.488 of
    children, one school grade about 1/18 of children) and, for events counted
    over several years (rates, births), multiplied by the number of years;
``unknown``
    when none of these is available (e.g. income groups, which have no shares).

Estimated sizes assume each group has the county's age structure and sex
ratio; that is rarely exact (Hispanic residents are younger on average), so
they are approximate, never "counted".

Derived intervals
-----------------
Where a value has no published CI, an approximate standard error is derived
from the (estimated) size :math:`n`:

* rate (events per population, vital statistics): Poisson,
  :math:`SE = y / \\sqrt{d}` with :math:`d = y n / m` expected events (NCHS,
  *Health, United States*, technical notes on random variation);
* proportion counted in full: binomial, :math:`SE = m \\sqrt{p(1-p)/n}`;
* survey percentage (ACS): binomial with a 5% sampling rate,
  :math:`SE = m \\sqrt{19\\, p(1-p)/n}`, the Census Bureau's PUMS
  standard-error formula :math:`\\sqrt{((1-f)/f)\\, p(1-p)/B}` with
  :math:`f = 0.05` and design factor 1 (PUMS Accuracy of the Data). The full
  5-year sample is larger than 5%, so this errs on the wide side;
* averages, scores and incomes: no interval (their spread is not known).

The gap's CI then follows the formulas of :mod:`disparities.gaps` (difference:
:math:`\\sqrt{SE_g^2 + SE_r^2}`; ratio on the log scale with
:math:`SE_{\\ln y} = SE / y`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator

__all__ = [
    "SIZE_BASES",
    "estimate_group_sizes",
    "derived_standard_error",
    "add_size_estimates",
    "flag_unreliable_by_size",
    "reference_unreliable_by_size",
    "with_size_derived_intervals",
    "summary_measures_with_sizes",
    "NOT_APPLICABLE",
]

SIZE_BASES = [
    "counted",
    "estimated from the group's counts in other data",
    "estimated from the total count and population shares",
    "estimated from population shares",
    "unknown",
]

#: an indicator's population as a multiple of the county's children (per year
#: for events counted over a period), and whether it is counted per year
_POPULATION_OF_CHILDREN = {
    "children under 18": (1.0, False),
    "children under 19": (19 / 18, False),
    "live births": (1 / 18, True),
    # 5 single years of age out of 18, 48.8% of them girls (US sex ratio at birth
    # 105 boys to 100 girls)
    "females aged 15-19": (5 / 18 * 0.488, False),
    "children aged 3-4": (2 / 18, False),
    "3rd graders": (1 / 18, False),
    "3rd graders tested": (1 / 18, False),
    "kindergartners assessed": (1 / 18, False),
}
#: children-affected basis of averages, scores and incomes
NOT_APPLICABLE = "not applicable (an average, score or income)"
#: ACS 5-year PUMS sampling rate used for survey percentages (see module notes)
SURVEY_SAMPLING_RATE = 0.05


def _years(table: pd.DataFrame) -> np.ndarray:
    return (
        table[s.PERIOD_END].to_numpy(float) - table[s.PERIOD_START].to_numpy(float) + 1
    )


def _context(table: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Children per county and each race group's share of residents (0-1).

    The latest period of each context indicator is used.
    """

    def latest(ind):
        sub = table[(table[s.INDICATOR].astype(str) == ind) & table[s.VALUE].notna()]
        if sub.empty:
            return sub
        last = sub.groupby(s.GEO_ID, observed=True)[s.PERIOD_END].transform("max")
        return sub[sub[s.PERIOD_END] == last]

    def totals(ind):
        sub = latest(ind)
        sub = sub[sub[s.DIMENSION].astype(str) == "total"]
        out = sub.groupby(sub[s.GEO_ID].astype(str))[s.VALUE].first()
        return out

    kids = totals("children_under_18")
    pop, pct = totals("population"), totals("pct_under_18")
    from_pct = (pop * pct / 100).dropna()
    children = pd.concat([kids, from_pct[~from_pct.index.isin(kids.index)]])
    shares = latest("population_share")
    shares = shares[shares[s.DIMENSION].astype(str) == "race_ethnicity"]
    share = pd.DataFrame(
        {
            s.GEO_ID: shares[s.GEO_ID].astype(str).to_numpy(),
            s.GROUP: shares[s.GROUP].astype(str).to_numpy(),
            "share": shares[s.VALUE].to_numpy(float) / 100,
        }
    ).drop_duplicates([s.GEO_ID, s.GROUP], keep="last")
    return children, share


def estimate_group_sizes(table: pd.DataFrame) -> pd.DataFrame:
    """The population behind each outcome row: counted, estimated or unknown.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table; context rows (``population``, ``pct_under_18`` or
        ``children_under_18``, ``population_share`` by race/ethnicity) make
        estimates possible where the outcome rows have no counts.

    Returns
    -------
    pandas.DataFrame
        The outcome rows' keys (``geo_id, indicator, period, dimension,
        group``) with ``group_size`` (NaN when unknown) and
        ``group_size_basis`` (one of :data:`SIZE_BASES`).

    Examples
    --------
    >>> t = pd.DataFrame({"geo_id": "37001", "indicator": ["population",
    ...     "pct_under_18", "population_share", "child_poverty"],
    ...     "period": "2020", "period_start": 2020, "period_end": 2020,
    ...     "dimension": ["total", "total", "race_ethnicity", "race_ethnicity"],
    ...     "group": ["Total", "Total", "Black", "Black"],
    ...     "numerator": float("nan"), "denominator": float("nan"),
    ...     "value": [10000.0, 20.0, 30.0, 25.0]})
    >>> estimate_group_sizes(t)[["group_size", "group_size_basis"]].values.tolist()
    [[600.0, 'estimated from population shares']]
    """
    from disparities.select import outcome_rows

    out_rows = outcome_rows(table)
    keys = out_rows[s.KEY_COLUMNS].astype(str).reset_index(drop=True)
    n = len(out_rows)
    size = np.full(n, np.nan)
    basis = np.full(n, "unknown", dtype=object)

    den = out_rows[s.DENOMINATOR].to_numpy(float)
    counted = np.isfinite(den) & (den > 0)
    size[counted] = den[counted]
    basis[counted] = SIZE_BASES[0]
    inds = keys[s.INDICATOR]
    uniq = inds.unique()
    factors = {i: _population_factor(i) for i in uniq}
    per_year = inds.map({i: f[1] for i, f in factors.items()}).to_numpy(float) > 0
    years = np.where(per_year, _years(out_rows), 1.0)
    other = _from_other_counts(keys, out_rows, counted, den / years) * years
    from_other = ~counted & np.isfinite(other)
    size[from_other] = other[from_other]
    basis[from_other] = SIZE_BASES[1]
    have = counted | from_other

    children, share = _context(table)
    with_share = keys.merge(share, on=[s.GEO_ID, s.GROUP], how="left")
    grp_share = np.where(
        keys[s.GROUP].to_numpy() == "Total", 1.0, with_share["share"].to_numpy(float)
    )
    grp_share[keys[s.DIMENSION].to_numpy() == "income"] = np.nan
    mult = inds.map({i: _multiplier(i) for i in uniq}).to_numpy(float)

    # the source's own total count for the same place, indicator and period
    tot_keys = [s.GEO_ID, s.INDICATOR, s.PERIOD]
    is_total = keys[s.DIMENSION].to_numpy() == "total"
    num = out_rows[s.NUMERATOR].to_numpy(float)
    val = out_rows[s.VALUE].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        total_den = np.where(
            np.isfinite(den) & (den > 0),
            den,
            num * mult / np.where(val > 0, val, np.nan),
        )
    tot = keys.loc[is_total, tot_keys].assign(total_size=total_den[is_total])
    tot = tot.dropna().drop_duplicates(tot_keys, keep="last")
    tsize = keys.merge(tot, on=tot_keys, how="left")["total_size"].to_numpy(float)
    from_total = ~have & np.isfinite(tsize * grp_share)
    size[from_total] = (tsize * grp_share)[from_total]
    basis[from_total] = SIZE_BASES[2]

    # the county's children, scaled to the indicator's population
    kids = keys[s.GEO_ID].map(children).to_numpy(float)
    frac = inds.map({i: f[0] for i, f in factors.items()}).to_numpy(float)
    est = kids * frac * grp_share * years
    from_shares = ~have & ~from_total & np.isfinite(est)
    size[from_shares] = est[from_shares]
    basis[from_shares] = SIZE_BASES[3]
    keys["group_size"] = size
    keys["group_size_basis"] = basis
    return keys


def _population_of(indicator: str) -> str:
    try:
        return get_indicator(indicator).population
    except KeyError:
        return ""


def _from_other_counts(keys, rows, counted, per_year_size) -> np.ndarray:
    """Per-year size of the same group's population counted in another row.

    The latest counted row for the same place, dimension, group and catalog
    population (births, children under 18...) is used.
    """
    pop = keys[s.INDICATOR].map(
        {i: _population_of(i) for i in keys[s.INDICATOR].unique()}
    )
    cols = [s.GEO_ID, s.DIMENSION, s.GROUP, "population"]
    donors = keys.assign(
        population=pop.to_numpy(),
        per_year_size=per_year_size,
        end=rows[s.PERIOD_END].to_numpy(),
    )[counted & (pop.to_numpy() != "")]
    if donors.empty:
        return np.full(len(keys), np.nan)
    donors = donors.sort_values("end").drop_duplicates(cols, keep="last")
    found = keys.assign(population=pop.to_numpy()).merge(
        donors[[*cols, "per_year_size"]], on=cols, how="left"
    )
    return found["per_year_size"].to_numpy(float)


def _multiplier(indicator: str) -> float:
    try:
        return float(get_indicator(indicator).multiplier)
    except KeyError:
        return np.nan


def _population_factor(indicator: str) -> tuple[float, float]:
    """(multiple of the children, counted per year?) for an indicator."""
    try:
        info = get_indicator(indicator)
    except KeyError:
        return (np.nan, 0.0)
    if info.measure_type == "score":
        return (np.nan, 0.0)
    frac, per_year = _POPULATION_OF_CHILDREN.get(info.population, (np.nan, False))
    # rates are events per population per year: a pooled period counts every year
    per_year = per_year or info.measure_type == "rate"
    return (frac, float(per_year))


def derived_standard_error(value, size, indicator: str) -> np.ndarray:
    """Approximate standard error of a value from its population size.

    See the module notes for the formula used by each measure type. NaN for
    averages, scores and incomes, and where the size is unknown.

    Examples
    --------
    A survey percentage of 20% among 400 children: :math:`100\\sqrt{19 \\times
    0.2 \\times 0.8 / 400} = 8.72` percentage points.

    >>> round(float(derived_standard_error(20.0, 400, "child_poverty")), 2)
    8.72

    10 infant deaths per 1,000 births among 2,500 births (25 deaths):
    :math:`10/\\sqrt{25} = 2`.

    >>> float(derived_standard_error(10.0, 2500, "infant_mortality"))
    2.0
    """
    info = get_indicator(indicator)
    y = np.asarray(value, dtype=float)
    n = np.asarray(size, dtype=float)
    m = float(info.multiplier)
    with np.errstate(invalid="ignore", divide="ignore"):
        if info.measure_type == "rate":
            events = y * n / m
            return np.where(events > 0, y / np.sqrt(events), np.nan)
        if info.measure_type in ("proportion", "survey") and m == 100:
            p = y / m
            inflate = 1.0
            if info.measure_type == "survey":
                inflate = (1 - SURVEY_SAMPLING_RATE) / SURVEY_SAMPLING_RATE
            se = m * np.sqrt(inflate * p * (1 - p) / n)
            return np.where((n > 0) & (p > 0) & (p < 1), se, np.nan)
    return np.full(np.broadcast(y, n).shape, np.nan)


def flag_unreliable_by_size(table: pd.DataFrame) -> pd.DataFrame:
    """Flag values without a published interval or counts as unreliable where
    their size-derived standard error is over 30% of the value.

    The same rule :func:`add_size_estimates` applies to a gap resting on such
    values (and :func:`disparities.reliability.flag_reliability` to published
    ones), applied to the values themselves, so a chart of every group marks
    the same groups "unreliable" as the gap charts do. Rows with counts or a
    published interval, and rows whose size is unknown, keep their flag.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``unreliable`` set on those rows.

    Examples
    --------
    82.8% of about 60 Black children (a tiny county, sizes from shares):
    :math:`SE = 100\\sqrt{19 \\times 0.828 \\times 0.172/60} = 21.2`, 26% of
    the value, so reliable; of 40 children 31.4%, so flagged.

    >>> t = pd.DataFrame({"geo_id": "37177", "indicator": ["population",
    ...     "pct_under_18", "population_share", "child_poverty"],
    ...     "period": "2020", "period_start": 2020, "period_end": 2020,
    ...     "dimension": ["total", "total", "race_ethnicity", "race_ethnicity"],
    ...     "group": ["Total", "Total", "Black", "Black"],
    ...     "numerator": float("nan"), "denominator": float("nan"),
    ...     "ci_lower": float("nan"), "ci_upper": float("nan"),
    ...     "value": [1000.0, 20.0, 20.0, 82.8], "unreliable": False})
    >>> bool(flag_unreliable_by_size(t)["unreliable"].iloc[-1])
    True
    """
    if s.UNRELIABLE not in table.columns or table.empty:
        return table.copy()
    out = table.copy()
    found = _size_derived_errors(out)
    if found is None:
        return out
    index, se, y = found
    with np.errstate(invalid="ignore", divide="ignore"):
        wide = se / np.abs(y) > 0.30
    if wide.any():
        flags = out[s.UNRELIABLE].fillna(False).astype(bool)
        flags.loc[index[wide]] = True
        out[s.UNRELIABLE] = flags
    return out


def _size_derived_errors(table: pd.DataFrame):
    """``(index, se, value)`` of the outcome rows with neither counts nor a
    published interval whose standard error their (estimated) size gives;
    None when there are no such rows (a file with counts everywhere)."""
    from disparities.select import outcome_rows

    bare = table[s.VALUE].notna().to_numpy().copy()
    for col in (s.NUMERATOR, s.DENOMINATOR, s.CI_LOWER, s.CI_UPPER, s.MOE):
        if col in table.columns:
            bare &= table[col].isna().to_numpy()
    if not bare.any():
        return None
    rows = outcome_rows(table)
    sizes = estimate_group_sizes(table)
    n = sizes["group_size"].to_numpy(float)
    y = rows[s.VALUE].to_numpy(float)
    counted = sizes["group_size_basis"].to_numpy() == SIZE_BASES[0]
    published = np.zeros(len(rows), dtype=bool)
    for col in (s.CI_LOWER, s.CI_UPPER, s.MOE):
        if col in rows.columns:
            published |= np.isfinite(rows[col].to_numpy(float))
    se = np.full(len(rows), np.nan)
    inds = rows[s.INDICATOR].astype(str).to_numpy()
    for ind in pd.unique(inds):
        at = inds == ind
        se[at] = derived_standard_error(y[at], n[at], ind)
    keep = ~counted & ~published & np.isfinite(se)
    if not keep.any():
        return None
    return rows.index[keep], se[keep], y[keep]


def with_size_derived_intervals(
    table: pd.DataFrame, *, alpha: float = 0.05
) -> tuple[pd.DataFrame, pd.Series]:
    """A copy of ``table`` where values with neither counts nor a published
    interval get an approximate one from their (estimated) size, for measures
    that need every group's standard error (the summary measures).

    The interval is the value plus or minus z times the size-derived standard
    error (:func:`derived_standard_error`), not cut at 0 or 100: it only
    carries that standard error. The gaps use the same standard errors
    (:func:`add_size_estimates`).

    Returns
    -------
    (pandas.DataFrame, pandas.Series of bool)
        The table, and which of its rows got a derived interval.
    """
    from disparities.uncertainty import z_value

    out = table.copy()
    derived = pd.Series(False, index=out.index)
    if out.empty:
        return out, derived
    found = _size_derived_errors(out)
    if found is None:
        return out, derived
    index, se, y = found
    z = z_value(alpha)
    for col in (s.CI_LOWER, s.CI_UPPER):
        if col not in out.columns:
            out[col] = np.nan
    out.loc[index, s.CI_LOWER] = y - z * se
    out.loc[index, s.CI_UPPER] = y + z * se
    derived.loc[index] = True
    return out, derived


def summary_measures_with_sizes(table: pd.DataFrame, **options) -> pd.DataFrame:
    """Summary measures whose groups without counts or a published interval
    take their standard errors from their (estimated) sizes, as the gaps do.

    So a comparison the page gives estimated intervals for (CHR's child
    poverty by race) is not "interval cannot be estimated" in the summary
    measures; its rows' notes say the interval is estimated. Values whose
    size-derived standard error is over 30% are flagged unreliable first
    (:func:`flag_unreliable_by_size`), as in the charts, so none of them is
    the best-group reference.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy rows with their context rows (see :func:`estimate_group_sizes`).
    **options
        Passed to :func:`disparities.summary_measures.compute_summary_measures`.

    Returns
    -------
    pandas.DataFrame
    """
    from disparities.summary_measures import compute_summary_measures

    # values on too few (estimated) children are unreliable here too, so one
    # is never the "best group" reference (Robeson's Asian child poverty,
    # 22.5% +- 24.6, made an index of disparity of 81 (0 to 278))
    with_ci, derived = with_size_derived_intervals(flag_unreliable_by_size(table))
    out = compute_summary_measures(with_ci, **options)
    if not derived.any() or out.empty:
        return out
    keys = [s.GEO_ID, s.INDICATOR, s.PERIOD, s.DIMENSION]
    touched = with_ci.loc[derived.to_numpy(), keys].astype(str).drop_duplicates()
    mark = (
        pd.MultiIndex.from_frame(out[keys].astype(str)).isin(
            pd.MultiIndex.from_frame(touched)
        )
        & out["ci_lower"].notna().to_numpy()
    )
    if mark.any():
        note = out["note"].astype(str).to_numpy().astype(object)
        extra = "interval estimated from group sizes (the source publishes none)"
        note[mark] = [f"{n}; {extra}" if n else extra for n in note[mark]]
        out["note"] = note
    return out


def reference_unreliable_by_size(gaps: pd.DataFrame) -> np.ndarray:
    """Whether each gap row's *reference* value is unreliable by its size.

    The rule :func:`flag_unreliable_by_size` applies to a chart of values,
    applied to the reference value of gap rows from
    :func:`add_size_estimates`: a reference value with no interval (neither
    published nor from counts) whose size-derived standard error is over 30%
    of it. So a chart of the gap marks the reference group unreliable exactly
    where the chart of every group does.

    Returns
    -------
    numpy.ndarray of bool
        One flag per row (False where the size is unknown or the columns are
        missing).

    Examples
    --------
    11.7% of about 700 White children in a survey: SE = 100 sqrt(19 x 0.117 x
    0.883 / 700) = 5.3, 45% of the value; of 20,000 children, 8%.

    >>> g = pd.DataFrame({"indicator": "child_poverty",
    ...     "reference_value": [11.7, 11.7], "reference_size": [700.0, 20000.0],
    ...     "reference_ci_lower": float("nan"), "reference_ci_upper": float("nan")})
    >>> reference_unreliable_by_size(g).tolist()
    [True, False]
    """
    need = ("reference_value", "reference_size", s.INDICATOR)
    flags = np.zeros(len(gaps), dtype=bool)
    if gaps.empty or any(c not in gaps.columns for c in need):
        return flags
    y0 = gaps["reference_value"].to_numpy(float)
    n = gaps["reference_size"].to_numpy(float)
    bare = np.isfinite(y0) & np.isfinite(n)
    for col in ("reference_ci_lower", "reference_ci_upper"):
        if col in gaps.columns:
            bare &= ~np.isfinite(gaps[col].to_numpy(float))
    inds = gaps[s.INDICATOR].astype(str).to_numpy()
    for ind in pd.unique(inds[bare]):
        at = bare & (inds == ind)
        se = derived_standard_error(y0[at], n[at], ind)
        with np.errstate(invalid="ignore", divide="ignore"):
            flags[at] = se / np.abs(y0[at]) > 0.30
    return flags


def gap_keys(gaps: pd.DataFrame) -> tuple[pd.MultiIndex, pd.MultiIndex]:
    """Each gap row's own key and its reference value's key (the reference
    group, in ``reference_geo_id`` where it is another place), as text, to look
    values of either side up in a table indexed by ``KEY_COLUMNS``."""
    own = pd.MultiIndex.from_frame(gaps[s.KEY_COLUMNS].astype(str))
    ref_keys = gaps[s.KEY_COLUMNS].astype(str).copy()
    ref_geo = gaps["reference_geo_id"].astype(str)
    ref_keys[s.GEO_ID] = ref_geo.where(ref_geo != "", gaps[s.GEO_ID].astype(str))
    ref_keys[s.GROUP] = gaps["reference_group"].astype(str)
    return own, pd.MultiIndex.from_frame(ref_keys)


def _published_se(value, lo, hi, z):
    """(SE, SE on the log scale) from a published CI (NaN where none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        se = (hi - lo) / (2 * z)
        se_log = np.where(
            (lo > 0) & (hi > 0), (np.log(hi) - np.log(lo)) / (2 * z), np.nan
        )
    return se, se_log


#: columns :func:`add_size_estimates` adds to gap rows
_ADDED_COLUMNS = (
    "group_size",
    "group_size_basis",
    "reference_size",
    "children_affected_basis",
    "interval_basis",
)


def add_size_estimates(
    gaps: pd.DataFrame, table: pd.DataFrame, *, alpha: float = 0.05
) -> pd.DataFrame:
    """Fill in what a source left out of gap rows, from (estimated) group sizes.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`~disparities.gaps.compute_gaps` rows.
    table : pandas.DataFrame
        The tidy table they came from, with its context rows (see
        :func:`estimate_group_sizes`).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    pandas.DataFrame
        A copy of ``gaps`` with ``group_size``, ``group_size_basis``,
        ``reference_size``, ``children_affected_basis`` (how ``excess_cases``
        was found: one of :data:`SIZE_BASES` or :data:`NOT_APPLICABLE`) and
        ``interval_basis`` (``"published"``, ``"derived from group sizes"`` or
        ``"none"``). Where the gap had no CI and both sizes are known, the
        difference, ratio, adverse-ratio and excess-case CIs, ``significant``
        and ``direction`` are filled from derived standard errors (see the
        module notes); where it had no excess cases and the group's size is
        known, ``excess_cases`` is computed from it. Unknown stays NaN.
    """
    from disparities.uncertainty import z_value

    if "interval_basis" in gaps.columns:
        # rows filled in before keep what they have (a derived CI stays
        # derived); rows added since (e.g. peers' gaps beside the county's)
        # are filled in now
        done = gaps["interval_basis"].notna().to_numpy()
        if done.all():
            return gaps.copy()
        todo = np.flatnonzero(~done)
        rest = add_size_estimates(
            gaps.iloc[todo].drop(columns=list(_ADDED_COLUMNS)), table, alpha=alpha
        )
        both = pd.concat([gaps.iloc[np.flatnonzero(done)], rest])
        order = np.argsort(np.r_[np.flatnonzero(done), todo], kind="stable")
        return both.iloc[order]
    out = gaps.copy()
    if out.empty:
        for c in ("group_size", "reference_size"):
            out[c] = pd.Series(dtype=float)
        for c in ("group_size_basis", "children_affected_basis", "interval_basis"):
            out[c] = pd.Series(dtype=object)
        return out
    z = z_value(alpha)
    sizes = estimate_group_sizes(table)
    k = sizes.drop_duplicates(s.KEY_COLUMNS, keep="last").set_index(s.KEY_COLUMNS)
    own, ref = gap_keys(out)
    n_g = k["group_size"].reindex(own).to_numpy(float)
    n_r = k["group_size"].reindex(ref).to_numpy(float)
    out["group_size"] = n_g
    out["group_size_basis"] = (
        k["group_size_basis"].reindex(own).fillna("unknown").to_numpy()
    )
    out["reference_size"] = n_r

    inds = out[s.INDICATOR].astype(str).to_numpy()
    y = out[s.VALUE].to_numpy(float)
    y0 = out["reference_value"].to_numpy(float)
    se_g, sl_g = _published_se(
        y, out[s.CI_LOWER].to_numpy(float), out[s.CI_UPPER].to_numpy(float), z
    )
    se_r, sl_r = _published_se(
        y0,
        out["reference_ci_lower"].to_numpy(float),
        out["reference_ci_upper"].to_numpy(float),
        z,
    )
    mult = np.array([_multiplier(i) for i in inds])
    score = np.array([get_indicator(i).measure_type == "score" for i in inds])
    for ind in np.unique(inds):
        m = inds == ind
        d_g = derived_standard_error(y[m], n_g[m], ind)
        d_r = derived_standard_error(y0[m], n_r[m], ind)
        need_g, need_r = np.isnan(se_g[m]), np.isnan(se_r[m])
        with np.errstate(invalid="ignore", divide="ignore"):
            se_g[m] = np.where(need_g, d_g, se_g[m])
            sl_g[m] = np.where(need_g, d_g / y[m], sl_g[m])
            se_r[m] = np.where(need_r, d_r, se_r[m])
            sl_r[m] = np.where(need_r, d_r / y0[m], sl_r[m])

    # a published difference's CI is kept; it exists for every measure type
    # (scores and incomes have no adverse ratio)
    published = out["difference_ci_lower"].notna() & out["difference_ci_upper"].notna()
    shown = ~out[s.SUPPRESSED].to_numpy(bool) & np.isfinite(y) & np.isfinite(y0)
    derive = (
        ~published.to_numpy()
        & shown
        & np.isfinite(se_g)
        & np.isfinite(se_r)
        & np.isfinite(sl_g)
        & np.isfinite(sl_r)
    )
    worse = out["higher_is_worse"].to_numpy(bool)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = y - y0
        se_d = np.sqrt(se_g**2 + se_r**2)
        d_lo, d_hi = diff - z * se_d, diff + z * se_d
        ratio = np.where((y > 0) & (y0 > 0), y / y0, np.nan)
        spread = np.exp(z * np.sqrt(sl_g**2 + sl_r**2))
        complement = ~worse & (mult == 100) & ~score
        c, c0 = 100 - y, 100 - y0
        comp = c / c0
        comp_spread = np.exp(z * np.sqrt((se_g / c) ** 2 + (se_r / c0) ** 2))
        adv_lo = np.where(
            worse,
            ratio / spread,
            np.where(complement, comp / comp_spread, 1 / (ratio * spread)),
        )
        adv_hi = np.where(
            worse,
            ratio * spread,
            np.where(complement, comp * comp_spread, spread / ratio),
        )
    from disparities.gaps import BORDERLINE_NOTE, agreed_significance, extend_to_null

    # as compute_gaps: a percentage's difference within -100 to 100 points;
    # one decision from both intervals, each extended to "no difference"
    # where they disagree
    bounded = np.array(
        [
            get_indicator(i).measure_type in ("proportion", "survey")
            and float(get_indicator(i).multiplier) == 100
            for i in inds
        ],
        dtype=bool,
    )
    d_lo = np.where(bounded, np.maximum(d_lo, -100.0), d_lo)
    d_hi = np.where(bounded, np.minimum(d_hi, 100.0), d_hi)
    adv_lo = np.where(score, np.nan, adv_lo)
    adv_hi = np.where(score, np.nan, adv_hi)
    significant, borderline = agreed_significance(d_lo, d_hi, adv_lo, adv_hi)
    d_lo, d_hi, r_lo, r_hi, adv_lo, adv_hi = extend_to_null(
        significant, d_lo, d_hi, ratio / spread, ratio * spread, adv_lo, adv_hi
    )
    fill = {
        "difference_ci_lower": d_lo,
        "difference_ci_upper": d_hi,
        "ratio_ci_lower": r_lo,
        "ratio_ci_upper": r_hi,
        "adverse_ratio_ci_lower": adv_lo,
        "adverse_ratio_ci_upper": adv_hi,
    }
    for col, arr in fill.items():
        out[col] = np.where(derive, arr, out[col].to_numpy(float))
    adverse = np.where(worse, diff > 0, diff < 0)
    new_dir = np.where(
        ~significant, "no clear difference", np.where(adverse, "worse", "better")
    )
    direction = out["direction"].astype(str).to_numpy().astype(object)
    direction[derive] = new_dir[derive]
    out["direction"] = direction
    out["significant"] = np.where(
        derive, significant, out["significant"].to_numpy(bool)
    )
    out["interval_basis"] = np.where(
        published.to_numpy(),
        "published",
        np.where(derive, "derived from group sizes", "none"),
    )
    # a derived interval as wide as the reliability rule allows no more: the
    # same 30% relative-standard-error rule as published estimates
    # (:func:`disparities.reliability.flag_reliability`), on either group
    with np.errstate(invalid="ignore", divide="ignore"):
        wide = derive & ((se_g / np.abs(y) > 0.30) | (se_r / np.abs(y0) > 0.30))
    if s.UNRELIABLE in out.columns and wide.any():
        out[s.UNRELIABLE] = out[s.UNRELIABLE].to_numpy(bool) | wide
    # the row says what its interval is, the same way everywhere it is shown
    if s.NOTE in out.columns:
        untested = "the source publishes no confidence interval: the size of this "
        note = out[s.NOTE].astype(str).to_numpy().astype(object)
        for i in np.flatnonzero(derive):
            if note[i].startswith(untested):
                note[i] = (
                    "the source publishes no confidence interval: an approximate "
                    "one is estimated from the group sizes"
                    + (
                        "; unreliable: the estimate rests on few sampled children "
                        "(relative standard error over 30%)"
                        if wide[i]
                        else ""
                    )
                )
            if borderline[i] and "borderline" not in note[i]:
                note[i] = (f"{note[i]}; " if note[i] else "") + BORDERLINE_NOTE
        out[s.NOTE] = note

    # excess cases from the group's size where the source gave none
    had = out["excess_cases"].notna().to_numpy()
    per_point = np.where(worse, n_g, -n_g) / mult
    lo_d = out["difference_ci_lower"].to_numpy(float)
    hi_d = out["difference_ci_upper"].to_numpy(float)
    ex = diff * per_point
    ex_a, ex_b = lo_d * per_point, hi_d * per_point
    new = ~had & shown & ~score & np.isfinite(ex)
    out["excess_cases"] = np.where(new, ex, out["excess_cases"].to_numpy(float))
    out["excess_cases_ci_lower"] = np.where(
        new, np.fmin(ex_a, ex_b), out["excess_cases_ci_lower"].to_numpy(float)
    )
    out["excess_cases_ci_upper"] = np.where(
        new, np.fmax(ex_a, ex_b), out["excess_cases_ci_upper"].to_numpy(float)
    )
    basis = np.where(had, "counted", np.where(new, out["group_size_basis"], "unknown"))
    basis = np.where(score, NOT_APPLICABLE, basis).astype(object)
    out["children_affected_basis"] = basis
    out.loc[
        score, ["excess_cases", "excess_cases_ci_lower", "excess_cases_ci_upper"]
    ] = np.nan
    return out
