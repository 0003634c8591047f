"""Pairwise gaps: each group against a reference, with 95% CIs and excess cases.

For every geography x indicator x period x group the result holds the absolute
difference and the ratio to a reference group, each with a confidence
interval and a significance flag, which side is adverse, and the *excess
cases*: how many children would not have the adverse outcome if their group
had the reference group's rate.

Methods
-------
* Difference: :math:`D = y_g - y_r`, :math:`SE_D = \\sqrt{SE_g^2 + SE_r^2}`
  (independent samples; for survey estimates this is the Census Bureau's MOE
  formula for a difference, divided by 1.645).
* Ratio: :math:`R = y_g / y_r`, CI on the log scale with
  :math:`SE_{\\ln R} = \\sqrt{SE_{\\ln g}^2 + SE_{\\ln r}^2}`; from counts the
  log-scale SEs are Katz et al. (1978, Biometrics 34:469): :math:`\\sqrt{(1-p)/x}`
  for a proportion and :math:`1/\\sqrt{x}` for a Poisson rate.
* Adverse ratio: how many times as likely the group is to have the *adverse*
  outcome. For an outcome where higher is worse it is the ratio; where higher
  is better and the value is a percentage it is the ratio of complements
  (:math:`(100-y_g)/(100-y_r)`, "2.0 times as likely to not read at grade
  level"); for other higher-is-better values it is :math:`y_r / y_g`. For
  averages, scores and incomes (catalog ``measure_type="score"``) there is no
  adverse ratio: "times as likely" means nothing for a grade level or a
  dollar amount, so it is NaN and the note says the row is compared by its
  difference (the plain ``ratio`` stays where both values are positive).
* Excess cases: :math:`(y_g - y_r) / m \\times n_g` for a higher-is-worse outcome
  (m the multiplier, n_g the group's denominator), sign flipped where higher is
  better; CI from the difference's CI.

Significance is **one decision per row, by both intervals**: ``significant``
is True and ``direction`` is "worse" or "better" exactly when the difference's
CI excludes 0 and the adverse ratio's CI, where there is one (not for scores
and incomes), excludes 1 (:func:`agreed_significance`); otherwise "no clear
difference". The ratio's log-scale (Katz) interval is a different test from
the difference's and can disagree at the margin; on such borderline rows the
interval that excluded "no difference" is extended to reach it (the
difference's to 0, the ratio's to 1) and the note says so, so no printed
interval contradicts its row's verdict (CSV, HTML, charts and sentences all
read ``significant``/``direction``). A percentage's difference interval is
cut at -100 and 100 points.

With ``reference="best"`` the best group is chosen among *reliable* groups
only (an unreliable group's extreme value is mostly noise).

A suppressed value on either side hides every derived number of the row, so a
hidden value can never be worked back out from a gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import MEASURE_TYPES
from disparities.reliability import indicator_codes, standard_errors
from disparities.select import outcome_rows
from disparities.uncertainty import z_value

__all__ = [
    "DEFAULT_REFERENCE",
    "REFERENCE_OPTIONS",
    "agreed_significance",
    "compute_gaps",
    "extend_to_null",
]

#: Default reference group by dimension ("highest" = highest income group present).
DEFAULT_REFERENCE = {"race_ethnicity": "White", "income": "highest"}
REFERENCE_OPTIONS = ("default", "best", "total", "state")

GAP_COLUMNS = [
    *s.CONTEXT_COLUMNS,
    s.GROUP,
    "reference_group",
    "reference_geo_id",
    s.VALUE,
    s.CI_LOWER,
    s.CI_UPPER,
    "reference_value",
    "reference_ci_lower",
    "reference_ci_upper",
    s.DENOMINATOR,
    "difference",
    "difference_ci_lower",
    "difference_ci_upper",
    "ratio",
    "ratio_ci_lower",
    "ratio_ci_upper",
    "adverse_ratio",
    "adverse_ratio_ci_lower",
    "adverse_ratio_ci_upper",
    "significant",
    "direction",
    "excess_cases",
    "excess_cases_ci_lower",
    "excess_cases_ci_upper",
    "higher_is_worse",
    s.SUPPRESSED,
    s.UNRELIABLE,
    s.NOTE,
    s.SOURCE,
]


_DIRECTIONS = [
    "worse",
    "better",
    "no clear difference",
    "not shown",
    "no confidence interval published",
]
#: what a row says when its two intervals disagree (added to other notes)
BORDERLINE_NOTE = (
    "borderline: the difference's and the ratio's intervals disagree on whether "
    "there is a gap, so it is not called clear, and the one that excluded 'no "
    "difference' is extended to reach it"
)

_NOTES = [
    "",
    "not shown: small numbers in this group",
    "not shown: small numbers in the reference group",
    "no value published for this comparison",
    "no reference value for this comparison",
    "unreliable: based on small numbers, read with care",
    "the source publishes no confidence interval: the size of this gap cannot "
    "be tested",
    "borderline: the difference's and the ratio's intervals disagree on whether "
    "there is a gap, so it is not called clear, and the one that excluded 'no "
    "difference' (0, or 1 times) is extended to reach it",
    "an average, score or income: compared by its difference (no 'times as "
    "likely' ratio)",
    "unreliable: based on small numbers, read with care; " + BORDERLINE_NOTE,
]
_KEY_SPACE_LIMIT = 50_000_000


def _categorical(col: pd.Series) -> pd.Series:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col
    return col.astype(str).astype("category")


def _key_codes(df: pd.DataFrame, cols) -> np.ndarray:
    """Integer key from categorical codes (no string hashing: fast at 10M rows)."""
    key = np.zeros(len(df), dtype=np.int64)
    for c in cols:
        col = _categorical(df[c])
        key = key * (len(col.cat.categories) + 1) + col.cat.codes.to_numpy(np.int64)
    return key


def _label_codes(df: pd.DataFrame, col: str, label: str) -> np.ndarray:
    """Boolean mask ``df[col] == label`` through the categorical codes."""
    c = _categorical(df[col])
    cats = [str(x) for x in c.cat.categories]
    if label not in cats:
        return np.zeros(len(df), dtype=bool)
    return c.cat.codes.to_numpy() == cats.index(label)


def _positions_by_key(key: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For every row, the position of the row with ``mask`` in its key (-1 if none)."""
    if len(key) and 0 <= key.min() and key.max() < _KEY_SPACE_LIMIT:
        ref = np.full(int(key.max()) + 1, -1, dtype=np.int64)
        ref[key[mask]] = np.flatnonzero(mask)
        return ref[key]
    uniq, inv = np.unique(key, return_inverse=True)
    ref = np.full(len(uniq), -1, dtype=np.int64)
    ref[inv[mask]] = np.flatnonzero(mask)
    return ref[inv]


def _reference_positions(df, reference, worse_by, codes):
    n = len(df)
    is_total = _label_codes(df, s.DIMENSION, "total")
    # two sources of one observation are separate series: never compared
    # with each other's reference
    src = [s.SOURCE] if s.SOURCE in df.columns else []
    if reference == "total":
        key = _key_codes(df, [s.GEO_ID, s.INDICATOR, s.PERIOD, *src])
        return _positions_by_key(key, is_total)
    key = _key_codes(df, [s.GEO_ID, s.INDICATOR, s.PERIOD, s.DIMENSION, *src])
    if reference == "best":
        v = df[s.VALUE].to_numpy(float)
        oriented = np.where(worse_by[codes], v, -v)
        # an unreliable group is never the "best" reference: choosing the
        # best of noisy values picks noise
        ok = ~np.isnan(oriented) & ~is_total & ~df[s.UNRELIABLE].to_numpy(bool)
        order = np.lexsort((oriented, ~ok, key))
        first = np.ones(n, dtype=bool)
        sk = key[order]
        first[1:] = sk[1:] != sk[:-1]
        mask = np.zeros(n, dtype=bool)
        mask[order[first & ok[order]]] = True
        return _positions_by_key(key, mask)
    if reference == "default":
        codes = df[s.GROUP].cat.codes.to_numpy()
        cats = list(df[s.GROUP].cat.categories)
        white = cats.index(DEFAULT_REFERENCE["race_ethnicity"])
        mask = (codes == white) & _label_codes(df, s.DIMENSION, "race_ethnicity")
        inc = np.zeros(n, dtype=bool)  # income and any declared ordered dimension
        for dim_name in s.ORDERED_DIMENSIONS:
            inc |= _label_codes(df, s.DIMENSION, dim_name)
        if inc.any():
            rank = np.array([s.income_rank(c) or 0 for c in cats])[codes]
            rank = np.where(inc, rank, -1)
            order = np.lexsort((-rank, key))
            first = np.ones(n, dtype=bool)
            sk = key[order]
            first[1:] = sk[1:] != sk[:-1]
            top = order[first]
            top = top[inc[top]]
            mask[top] = True
        return _positions_by_key(key, mask)
    # a named group
    if reference not in s.GROUP_ORDER:
        raise ValueError(
            f"unknown reference {reference!r}: use one of {REFERENCE_OPTIONS} "
            f"or a canonical group ({s.GROUP_ORDER})"
        )
    return _positions_by_key(key, _label_codes(df, s.GROUP, reference))


def _state_reference_positions(df):
    geo = df[s.GEO_ID].astype(str)
    parent = np.where(geo.str.len() == 5, geo.str[:2], np.where(geo == "US", "", "US"))
    src = [s.SOURCE] if s.SOURCE in df.columns else []  # the same source's state
    full = df[[s.INDICATOR, s.PERIOD, s.DIMENSION, s.GROUP, *src]].astype(str)
    own = pd.MultiIndex.from_arrays([geo.to_numpy(), *[full[c] for c in full]])
    lookup = pd.Series(np.arange(len(df)), index=own)
    lookup = lookup[~lookup.index.duplicated()]
    wanted = pd.MultiIndex.from_arrays([parent, *[full[c] for c in full]])
    pos = lookup.reindex(wanted).to_numpy()
    return np.where(np.isnan(pos), -1, pos).astype(np.int64)


_CHUNK = 1 << 18
_LABEL_COLUMNS = {
    *s.CONTEXT_COLUMNS,
    s.GROUP,
    "reference_group",
    "reference_geo_id",
    "significant",
    "direction",
    "higher_is_worse",
    s.SUPPRESSED,
    s.UNRELIABLE,
    s.NOTE,
    s.SOURCE,
}
_NUMBER_COLUMNS = [c for c in GAP_COLUMNS if c not in _LABEL_COLUMNS]


def agreed_significance(d_lo, d_hi, adv_lo, adv_hi):
    """One significance decision from a gap's two intervals.

    A gap is significant where its difference's CI excludes 0 and its adverse
    ratio's CI, where it has one, excludes 1. Rows where the two disagree are
    ``borderline`` (not significant).

    Returns
    -------
    (significant, borderline) : tuple of numpy.ndarray of bool

    Examples
    --------
    Difference 6.3 to 99.9 (excludes 0), ratio 0.997 to 3.29 (includes 1):

    >>> sig, border = agreed_significance([6.3], [99.9], [0.997], [3.29])
    >>> bool(sig[0]), bool(border[0])
    (False, True)

    An income's difference alone decides (no ratio):

    >>> sig, border = agreed_significance([-43357.0], [-6819.0], [np.nan], [np.nan])
    >>> bool(sig[0]), bool(border[0])
    (True, False)
    """
    d_lo, d_hi = np.asarray(d_lo, float), np.asarray(d_hi, float)
    adv_lo, adv_hi = np.asarray(adv_lo, float), np.asarray(adv_hi, float)
    by_difference = (d_lo > 0) | (d_hi < 0)
    has_ratio = np.isfinite(adv_lo) & np.isfinite(adv_hi)
    by_ratio = (adv_lo > 1) | (adv_hi < 1)
    significant = by_difference & (~has_ratio | by_ratio)
    borderline = ~significant & (by_difference | (has_ratio & by_ratio))
    return significant, borderline


def extend_to_null(significant, d_lo, d_hi, r_lo, r_hi, adv_lo, adv_hi):
    """On rows that are not significant, each interval that excludes "no
    difference" (0 for the difference, 1 for the ratios) is extended to reach
    it, so no printed interval contradicts the row's one decision.

    Returns
    -------
    tuple of numpy.ndarray
        ``(d_lo, d_hi, r_lo, r_hi, adv_lo, adv_hi)``.

    Examples
    --------
    >>> out = extend_to_null(np.array([False]), [6.3], [99.9], [0.997], [3.3],
    ...                      [0.997], [3.3])
    >>> [float(v[0]) for v in out]
    [0.0, 99.9, 0.997, 3.3, 0.997, 3.3]
    """
    unclear = ~np.asarray(significant, bool)

    def reach(lo, hi, null):
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        return (
            np.where(unclear & (lo > null), null, lo),
            np.where(unclear & (hi < null), null, hi),
        )

    return (
        *reach(d_lo, d_hi, 0.0),
        *reach(r_lo, r_hi, 1.0),
        *reach(adv_lo, adv_hi, 1.0),
    )


def _gap_numbers(cols, rows, r, has_ref, z):
    """Every number of a chunk of gap rows (see the module docstring)."""

    def take(a):
        out = a[r].astype(float)
        out[~has_ref] = np.nan
        return out

    y, reference_value = cols["v"][rows], take(cols["v"])
    e, e0 = cols["se"][rows], take(cols["se"])
    el, el0 = cols["se_log"][rows], take(cols["se_log"])
    sup_g = cols["sup"][rows]
    sup_r = take(cols["sup"]) == 1
    code = cols["code"][rows]
    w = cols["worse"][code]
    m = cols["mult"][code]
    no_value = np.isnan(y) | np.isnan(reference_value)
    hidden = sup_g | sup_r | ~has_ref | no_value
    # a hidden row's reference value is NaN, so every derived number is NaN
    y0 = np.where(hidden, np.nan, reference_value)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = y - y0
        se_d = np.sqrt(e**2 + e0**2)
        d_lo, d_hi = diff - z * se_d, diff + z * se_d
        ratio = np.where((y > 0) & (y0 > 0), y / y0, np.nan)
        se_lr = np.sqrt(el**2 + el0**2)
        spread = np.exp(z * se_lr)
        r_lo, r_hi = ratio / spread, ratio * spread
        complement = ~w & (m == 100) & ~cols["score"][code]
        c, c0 = 100 - y, 100 - y0
        comp_ratio = np.where((c > 0) & (c0 > 0), c / c0, np.nan)
        comp_spread = np.exp(z * np.sqrt((e / c) ** 2 + (e0 / c0) ** 2))
        # the ratio where higher is worse; the complements' ratio for
        # higher-is-better percentages; else the inverse ratio
        # scores, averages and incomes: no "times as likely" (adverse ratio NaN)
        is_score = cols["score"][code]
        adv = np.where(w, ratio, np.where(complement, comp_ratio, 1 / ratio))
        adv = np.where(is_score, np.nan, adv)
        adv_lo = np.where(
            w, r_lo, np.where(complement, comp_ratio / comp_spread, 1 / r_hi)
        )
        adv_hi = np.where(
            w, r_hi, np.where(complement, comp_ratio * comp_spread, 1 / r_lo)
        )
        adv_lo = np.where(is_score, np.nan, adv_lo)
        adv_hi = np.where(is_score, np.nan, adv_hi)
        # a percentage's difference cannot pass 100 points either way
        bounded = cols["bounded"][code]
        d_lo = np.where(bounded, np.maximum(d_lo, -100.0), d_lo)
        d_hi = np.where(bounded, np.minimum(d_hi, 100.0), d_hi)
        # one decision per row (see the module docstring): a clear gap where
        # the difference's CI excludes 0 and the ratio's, where there is one,
        # excludes 1; where they disagree, both are extended to "no difference"
        significant, borderline = agreed_significance(d_lo, d_hi, adv_lo, adv_hi)
        borderline |= ~significant & ((r_lo > 1) | (r_hi < 1))
        d_lo, d_hi, r_lo, r_hi, adv_lo, adv_hi = extend_to_null(
            significant, d_lo, d_hi, r_lo, r_hi, adv_lo, adv_hi
        )
        adverse = np.where(w, diff > 0, diff < 0)
        direction = (~adverse).astype(np.int8)  # 0 worse, 1 better
        direction[~significant] = 2
        denom = cols["den"][rows]
        per_point = np.where(w, denom, -denom) / m  # children per unit of gap
        # children "affected" by a gap in a score or income mean nothing
        per_point = np.where(is_score, np.nan, per_point)
        excess = diff * per_point
        ex_a, ex_b = d_lo * per_point, d_hi * per_point
        ex_lo, ex_hi = np.minimum(ex_a, ex_b), np.maximum(ex_a, ex_b)
    derived = (
        diff,
        d_lo,
        d_hi,
        ratio,
        r_lo,
        r_hi,
        adv,
        adv_lo,
        adv_hi,
        excess,
        ex_lo,
        ex_hi,
    )
    no_ci = ~hidden & (np.isnan(se_d) | np.isnan(d_lo))
    direction[no_ci] = 4
    direction[hidden] = 3
    significant &= ~hidden
    unreliable = cols["unrel"][rows] | (take(cols["unrel"]) == 1)
    notes = np.zeros(len(rows), dtype=np.int8)
    notes[sup_g] = 1
    notes[~sup_g & sup_r] = 2
    notes[~sup_g & ~sup_r & no_value] = 3
    notes[~has_ref] = 4
    notes[~hidden & unreliable] = 5
    notes[no_ci & ~unreliable] = 6
    notes[~hidden & ~no_ci & borderline & (notes == 0)] = 7
    notes[~hidden & ~no_ci & borderline & (notes == 5)] = 9  # both said
    notes[~hidden & cols["score"][code] & (notes == 0)] = 8
    # a suppressed cell's own numbers are never passed through either
    numbers = (
        np.where(sup_g, np.nan, y),
        np.where(sup_g, np.nan, cols["lo"][rows]),
        np.where(sup_g, np.nan, cols["hi"][rows]),
        np.where(sup_r, np.nan, reference_value),
        np.where(sup_r, np.nan, take(cols["lo"])),
        np.where(sup_r, np.nan, take(cols["hi"])),
        denom,
        *derived,
    )
    return numbers, direction, significant, notes, sup_g | sup_r, unreliable, w


def compute_gaps(
    table: pd.DataFrame,
    *,
    reference: str = "default",
    alpha: float = 0.05,
    include_total: bool = False,
) -> pd.DataFrame:
    """Compare each group with a reference group, for every row of a tidy table.

    Parameters
    ----------
    table : pandas.DataFrame
        A validated tidy table with values and CIs (see
        :func:`disparities.reliability.prepare_observations`).
    reference : str
        ``"default"`` (White for race/ethnicity, the highest income group for
        income), ``"best"`` (the most favourable group, direction-aware),
        ``"total"`` (the whole population), ``"state"`` (the same group one
        level up: a county's state, a state's nation) or a canonical group label.
    alpha : float
        One minus the confidence level.
    include_total : bool
        Also compare the Total rows (only meaningful with ``reference="state"``,
        where it is always done).

    Returns
    -------
    pandas.DataFrame
        One row per compared group (the reference itself is left out), columns
        :data:`GAP_COLUMNS`. ``direction`` is ``"worse"``, ``"better"``,
        ``"no clear difference"`` (the difference's CI includes 0), ``"not
        shown"`` (suppressed or missing) or ``"no confidence interval published"``.

    Examples
    --------
    >>> t = pd.DataFrame({"geo_id": ["37063"] * 2, "indicator": ["infant_mortality"] * 2,
    ...     "period": ["2019"] * 2, "dimension": ["race_ethnicity"] * 2,
    ...     "group": ["Black", "White"], "numerator": [24.0, 12.0],
    ...     "denominator": [2000.0, 3000.0]})
    >>> from disparities.reliability import prepare_observations
    >>> g = compute_gaps(prepare_observations(t, suppress_below=None))
    >>> g[["group", "difference", "ratio", "direction"]].round(2).values.tolist()
    [['Black', 8.0, 3.0, 'worse']]
    """
    if reference not in REFERENCE_OPTIONS and reference not in s.GROUP_ORDER:
        raise ValueError(
            f"unknown reference {reference!r}: use one of {REFERENCE_OPTIONS} "
            "or a canonical group label"
        )
    missing = [
        c
        for c in s.KEY_COLUMNS + [s.VALUE, s.CI_LOWER, s.CI_UPPER]
        if c not in table.columns
    ]
    if missing:
        raise ValueError(f"compute_gaps needs columns {missing}")
    df = outcome_rows(table).reset_index(drop=True)
    codes, per_indicator = indicator_codes(df)
    worse_by = per_indicator["higher_is_worse"].to_numpy()
    se_tab = standard_errors(df, alpha=alpha)
    se, se_log = se_tab["se"].to_numpy(), se_tab["se_log"].to_numpy()

    if reference == "state":
        ref = _state_reference_positions(df)
    else:
        ref = _reference_positions(df, reference, worse_by, codes)
    is_total = _label_codes(df, s.DIMENSION, "total")
    keep = (ref >= 0) & (ref != np.arange(len(df)))
    if reference != "state" and not include_total:
        keep &= ~is_total
    rows = np.flatnonzero(keep | ((ref < 0) & ~is_total))
    has_ref = ref[rows] >= 0
    r = np.where(has_ref, ref[rows], 0)

    n_out = len(rows)
    block = np.empty((len(_NUMBER_COLUMNS), n_out))
    direction = np.empty(n_out, dtype=np.int8)
    significant = np.empty(n_out, dtype=bool)
    notes = np.empty(n_out, dtype=np.int8)
    suppressed = np.empty(n_out, dtype=bool)
    unreliable = np.empty(n_out, dtype=bool)
    higher_is_worse = np.empty(n_out, dtype=bool)
    cols = {
        "v": df[s.VALUE].to_numpy(float),
        "lo": df[s.CI_LOWER].to_numpy(float),
        "hi": df[s.CI_UPPER].to_numpy(float),
        "den": df[s.DENOMINATOR].to_numpy(float),
        "sup": df[s.SUPPRESSED].to_numpy(bool),
        "unrel": df[s.UNRELIABLE].to_numpy(bool),
        "se": se,
        "se_log": se_log,
        "code": codes,
        "worse": worse_by,
        "mult": per_indicator["multiplier"].to_numpy(),
        "score": per_indicator["type_code"].to_numpy() == MEASURE_TYPES.index("score"),
        # percentages of a population (no repeat events): a difference lies
        # within -100 to 100 points
        "bounded": np.isin(
            per_indicator["type_code"].to_numpy(),
            [MEASURE_TYPES.index(t) for t in ("proportion", "survey")],
        )
        & (per_indicator["multiplier"].to_numpy() == 100),
    }
    z = z_value(alpha)
    # chunks keep temporaries small and in cache: on millions of rows this is
    # several times faster than whole-array expressions
    for start in range(0, n_out, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n_out))
        (
            numbers,
            direction[sl],
            significant[sl],
            notes[sl],
            suppressed[sl],
            unreliable[sl],
            higher_is_worse[sl],
        ) = _gap_numbers(cols, rows[sl], r[sl], has_ref[sl], z)
        for i, arr in enumerate(numbers):
            block[i, sl] = arr

    def take_col(col):
        c = df[col]
        if isinstance(c.dtype, pd.CategoricalDtype):
            return pd.Categorical.from_codes(
                c.cat.codes.to_numpy()[rows], dtype=c.dtype
            )
        return c.to_numpy()[rows]

    def ref_labels(col):
        c = _categorical(df[col])
        cats = list(dict.fromkeys([str(x) for x in c.cat.categories] + [""]))
        codes = np.where(has_ref, c.cat.codes.to_numpy()[r], cats.index(""))
        return pd.Categorical.from_codes(codes, categories=cats)

    out = pd.DataFrame(block.T, columns=_NUMBER_COLUMNS, copy=False)
    labels = {
        s.GEO_ID: take_col(s.GEO_ID),
        s.GEO_NAME: take_col(s.GEO_NAME),
        s.GEO_LEVEL: take_col(s.GEO_LEVEL),
        s.STATE: take_col(s.STATE),
        s.INDICATOR: take_col(s.INDICATOR),
        s.PERIOD: take_col(s.PERIOD),
        s.PERIOD_START: take_col(s.PERIOD_START),
        s.PERIOD_END: take_col(s.PERIOD_END),
        s.DIMENSION: take_col(s.DIMENSION),
        s.GROUP: take_col(s.GROUP),
        "reference_group": ref_labels(s.GROUP),
        "reference_geo_id": ref_labels(s.GEO_ID),
        "significant": significant,
        "direction": pd.Categorical.from_codes(direction, categories=_DIRECTIONS),
        "higher_is_worse": higher_is_worse,
        s.SUPPRESSED: suppressed,
        s.UNRELIABLE: unreliable,
        s.NOTE: pd.Categorical.from_codes(notes, categories=_NOTES),
        s.SOURCE: take_col(s.SOURCE),
    }
    for col in GAP_COLUMNS:
        if col in labels:
            out.insert(GAP_COLUMNS.index(col), col, labels[col])
    out.attrs["reference"] = reference
    out.attrs["alpha"] = alpha
    return out
