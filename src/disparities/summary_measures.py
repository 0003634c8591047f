r"""Summary measures of inequality across all groups of a comparison.

Computed for every geography x indicator x period x dimension at once, from the
non-suppressed groups (never the Total row). Which measures are shown follows
the WHO Health Equity Assessment Toolkit (HEAT, Technical Notes 2021):

* two groups: difference, ratio, population attributable risk and fraction;
* unordered groups (race/ethnicity), more than two: range difference and
  ratio, index of disparity, between-group variance, Theil index, mean log
  deviation (weighted and unweighted), PAR and PAF;
* ordered groups (income), more than two: difference and ratio of the
  extreme groups, slope and relative index of inequality, concentration index,
  PAR and PAF.

Definitions (y_j group value, p_j population share, \mu = \sum p_j y_j,
r_j = y_j / \mu; Harper & Lynch 2005, "Methods for Measuring Cancer
Disparities", NCI SEER monograph 6; HEAT technical notes):

.. math::
    BGV = \sum_j p_j (y_j - \mu)^2 \qquad
    T = \sum_j p_j r_j \ln r_j \qquad
    MLD = -\sum_j p_j \ln r_j

Index of disparity (Pearcy & Keppel 2002), with the most favourable group's
value y_b as reference and J the number of other groups:
:math:`ID = 100 \cdot \frac{1}{J}\sum_{j \ne b} |y_j - y_b| / y_b`.

PAR = \mu_{tot} - y_b (higher is worse; y_b - \mu_{tot} where higher is better),
with \mu_{tot} the Total row's value when present, else \mu; PAF = 100 PAR / \mu_{tot}.

Slope index of inequality: groups ordered from lowest to highest income are given
the midpoint of their cumulative population share (ridit) x_j, and y_j is
regressed on x_j by population-weighted least squares (HD*Calc's linear method).
SII is the slope: the modelled value at the top of the income scale minus that at
the bottom, so a **negative SII means values fall as income rises**. RII is the
ratio of the two modelled ends, y(1)/y(0) (HEAT's definition; HD*Calc's
alternative SII/\mu is in the note). HEAT instead fits a population-weighted
logistic regression for bounded indicators; :func:`slope_index_of_inequality`
offers it as ``method="logistic"``. The linear method is the default because it
is exact, closed-form and vectorisable, and agrees with the logistic one when
values are far from 0% and 100%.

Concentration index (Kakwani, Wagstaff & van Doorslaer 1997, grouped data):
:math:`C = \frac{2}{\mu}\sum_j p_j y_j R_j - 1`, R_j the ridit; negative values
mean the outcome is concentrated among lower-income children.

Confidence intervals use the delta method: the SE of each measure is
:math:`\sqrt{\sum_j (\partial M / \partial y_j)^2 SE_j^2}` (plus the Total's
term for PAR and PAF), with the derivatives in closed form (e.g. for the Theil
index :math:`\partial T/\partial y_k = (p_k/\mu)(\ln(y_k/\mu) - T)`), treating
population shares as fixed; ratios get log-scale intervals. A delta-method
interval is cut at the measure's possible range, as CDC WONDER cuts rate
intervals at 0: at 0 below for the range difference, index of disparity,
variances, Theil index and MLD, and at 100% above for the PAF of a
higher-is-worse outcome with no negative group value (the PAF is then
:math:`100(\mu - y_b)/\mu \le 100`). ``ci_method="simulation"`` instead
draws every group value from a normal distribution with its SE (seeded) and
takes percentiles; the tests check the two agree.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.reliability import indicator_codes, standard_errors
from disparities.select import outcome_rows
from disparities.uncertainty import z_value

__all__ = [
    "MEASURES",
    "compute_summary_measures",
    "summary_measures_core",
    "slope_index_of_inequality",
]

#: measure -> plain-language description
MEASURES = {
    "difference": "first group minus last: lowest income minus highest; for "
    "race/ethnicity, the other group minus White",
    "ratio": "first group divided by last (as for the difference)",
    "range_difference": "highest group value minus lowest",
    "range_ratio": "highest group value divided by lowest",
    "index_of_disparity": "average gap from the best group, % of its value",
    "between_group_variance": "population-weighted variance of group values",
    "between_group_variance_unweighted": "variance of group values, groups equal",
    "theil_index": "Theil index (population-weighted)",
    "theil_index_unweighted": "Theil index, groups weighted equally",
    "mean_log_deviation": "mean log deviation (population-weighted)",
    "mean_log_deviation_unweighted": "mean log deviation, groups weighted equally",
    "population_attributable_risk": "how much the overall value would improve if "
    "every group had the best group's value",
    "population_attributable_fraction": "that improvement as % of the overall value",
    "slope_index_of_inequality": "modelled change from lowest to highest income",
    "relative_index_of_inequality": "modelled highest-income value / lowest-income",
    "concentration_index": "concentration of the outcome by income (-1 to 1)",
}


def _segments(key_sorted):
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
    return starts


def _first_in_segment(mask, seg, seg_starts):
    """Keep only the first True of each segment (ties broken by position)."""
    c = np.cumsum(mask)
    before = c[seg_starts] - mask[seg_starts]
    return mask & ((c - before[seg]) == 1)


def _difference_and_ratio(a, b, at_a, at_b, seg):
    """``a - b`` and ``a / b`` per comparison (the ratio NaN unless ``b > 0``),
    and their derivatives by every group value (``at_a``, ``at_b``: 1 on the rows
    that give ``a`` and ``b``)."""
    ratio = np.where(b > 0, a / b, np.nan)
    g_ratio = ratio[seg] * (at_a / a[seg] - at_b / b[seg])
    return a - b, ratio, at_a * 1.0 - at_b, g_ratio


def summary_measures_core(
    y, p, seg_starts, total, worse, *, gradients=False, wanted=None
):
    """All measures from arrays sorted by comparison (and by income rank).

    Parameters
    ----------
    y, p : numpy.ndarray
        Group values and population counts (NaN where unknown), sorted so each
        comparison's groups are contiguous (ordered groups lowest income first).
    seg_starts : numpy.ndarray
        Index of the first row of each comparison.
    total : numpy.ndarray
        The Total row's value per comparison (NaN if absent).
    worse : numpy.ndarray of bool
        Per comparison: is a higher value worse?
    gradients : bool
        Also return each measure's derivative with respect to every group value
        (per row) and, for PAR and PAF, with respect to the Total (per comparison).
    wanted : set of str, optional
        Compute only these measures' families (default: all).

    Returns
    -------
    dict or tuple of dict
        One array per measure, one value per comparison; with ``gradients``,
        ``(estimates, row_gradients, total_gradients)``.
    """
    n = len(y)
    K = len(seg_starts)
    counts = np.diff(np.r_[seg_starts, n])
    seg = np.repeat(np.arange(K), counts)
    J = counts.astype(float)

    def per_seg(x):
        return np.bincount(seg, weights=x, minlength=K)

    with np.errstate(invalid="ignore", divide="ignore"):
        psum = per_seg(np.nan_to_num(p))
        p_missing = per_seg(np.isnan(p).astype(float)) > 0
        w = np.nan_to_num(p) / psum[seg]
        u = 1.0 / J[seg]
        mu_w = per_seg(w * y)
        mu_w[p_missing] = np.nan
        mu_u = per_seg(u * y)
        ymax = np.maximum.reduceat(y, seg_starts)
        ymin = np.minimum.reduceat(y, seg_starts)
        best = np.where(worse, ymin, ymax)
        est, grad, tgrad = {}, {}, {}
        at_max = _first_in_segment(y == ymax[seg], seg, seg_starts)
        at_min = _first_in_segment(y == ymin[seg], seg, seg_starts)
        at_best = np.where(worse[seg], at_min, at_max)

        def want(*names):
            return wanted is None or any(n in wanted for n in names)

        d, r, g_d, g_r = _difference_and_ratio(ymax, ymin, at_max, at_min, seg)
        est["range_difference"], est["range_ratio"] = d, r
        if gradients:
            grad["range_difference"], grad["range_ratio"] = g_d, g_r
        if want(
            "index_of_disparity",
            "between_group_variance",
            "theil_index",
            "mean_log_deviation",
            "between_group_variance_unweighted",
            "theil_index_unweighted",
            "mean_log_deviation_unweighted",
        ):
            dev = y - best[seg]
            idisp = 100 * per_seg(np.abs(dev)) / (J - 1) / best
            est["index_of_disparity"] = idisp
            if gradients:
                scale = 100 / ((J - 1) * best)
                g_best = -idisp / best - scale * per_seg(np.sign(dev))
                grad["index_of_disparity"] = np.where(
                    at_best, g_best[seg], scale[seg] * np.sign(dev)
                )
            log_y = np.log(np.abs(y))  # one logarithm serves both weightings
            for name, wt, mu in (("", w, mu_w), ("_unweighted", u, mu_u)):
                centred = y - mu[seg]
                est["between_group_variance" + name] = per_seg(wt * centred**2)
                rr = y / mu[seg]
                positive = rr > 0
                # ln r_j where r_j > 0, else 0 (those groups add nothing to T)
                log_r = np.where(positive, log_y - np.log(np.abs(mu))[seg], 0.0)
                theil = per_seg(wt * rr * log_r)
                est["theil_index" + name] = theil
                # MLD is undefined when a group's value is 0
                est["mean_log_deviation" + name] = -per_seg(
                    wt * np.where(positive, log_r, np.nan)
                )
                if gradients:
                    grad["between_group_variance" + name] = 2 * wt * centred
                    grad["theil_index" + name] = wt / mu[seg] * (log_r - theil[seg])
                    grad["mean_log_deviation" + name] = wt / mu[seg] - wt / y
            for k in ("between_group_variance", "theil_index", "mean_log_deviation"):
                est[k][p_missing] = np.nan
        has_total = np.isfinite(total)
        overall = np.where(has_total, total, mu_w)
        sign = np.where(worse, 1.0, -1.0)
        est["population_attributable_risk"] = sign * (overall - best)
        est["population_attributable_fraction"] = (
            100 * sign * (overall - best) / overall
        )
        if gradients:
            d_overall = np.where(has_total[seg], 0.0, w)  # overall = mu_w
            grad["population_attributable_risk"] = sign[seg] * (d_overall - at_best)
            tgrad["population_attributable_risk"] = np.where(has_total, sign, 0.0)
            dpaf_dbest = -100 * sign / overall
            dpaf_doverall = 100 * sign * best / overall**2
            grad["population_attributable_fraction"] = (
                dpaf_dbest[seg] * at_best + dpaf_doverall[seg] * d_overall
            )
            tgrad["population_attributable_fraction"] = np.where(
                has_total, dpaf_doverall, 0.0
            )
        if want("difference", "ratio"):
            # two-group and ordered extremes: first minus last in sort order
            last_idx = np.r_[seg_starts[1:], n] - 1
            first = y[seg_starts]
            last = y[last_idx]
            at_first = np.zeros(n)
            at_first[seg_starts] = 1.0
            at_last = np.zeros(n)
            at_last[last_idx] = 1.0
            d, r, g_d, g_r = _difference_and_ratio(first, last, at_first, at_last, seg)
            est["difference"], est["ratio"] = d, r
            if gradients:
                grad["difference"], grad["ratio"] = g_d, g_r
        if want(
            "slope_index_of_inequality",
            "relative_index_of_inequality",
            "concentration_index",
        ):
            # ridits and the population-weighted regression, in closed form
            cum = np.cumsum(w)
            x = cum - np.r_[0.0, cum][seg_starts][seg] - w / 2
            xbar = per_seg(w * x)
            xc = x - xbar[seg]
            sxx = per_seg(w * xc**2)
            slope = per_seg(w * xc * (y - mu_w[seg])) / sxx
            intercept = mu_w - slope * xbar
            top, bottom = intercept + slope, intercept
            est["slope_index_of_inequality"] = slope
            rii = np.where((top > 0) & (bottom > 0), top / bottom, np.nan)
            est["relative_index_of_inequality"] = rii
            conc = 2 / mu_w * per_seg(w * y * x) - 1
            est["concentration_index"] = conc
            if gradients:
                c = w * xc / sxx[seg]
                grad["slope_index_of_inequality"] = c
                d_top = w + c * (1 - xbar[seg])
                d_bottom = w - c * xbar[seg]
                grad["relative_index_of_inequality"] = rii[seg] * (
                    d_top / top[seg] - d_bottom / bottom[seg]
                )
                grad["concentration_index"] = (
                    2 * w / mu_w[seg] * (x - (conc[seg] + 1) / 2)
                )
    if gradients:
        return est, grad, tgrad
    return est


_TWO = [
    "difference",
    "ratio",
    "population_attributable_risk",
    "population_attributable_fraction",
]
_UNORDERED = [
    "range_difference",
    "range_ratio",
    "index_of_disparity",
    "between_group_variance",
    "between_group_variance_unweighted",
    "theil_index",
    "theil_index_unweighted",
    "mean_log_deviation",
    "mean_log_deviation_unweighted",
    "population_attributable_risk",
    "population_attributable_fraction",
]
_ORDERED = [
    "difference",
    "ratio",
    "slope_index_of_inequality",
    "relative_index_of_inequality",
    "concentration_index",
    "population_attributable_risk",
    "population_attributable_fraction",
]
_LOG_SCALE = {"range_ratio", "ratio", "relative_index_of_inequality"}
#: measures that cannot be below 0 (the range difference and the dispersion
#: measures): their delta-method lower bound is cut at 0
_NON_NEGATIVE = set(_UNORDERED) - _LOG_SCALE - set(_TWO)


def compute_summary_measures(
    table: pd.DataFrame,
    *,
    alpha: float = 0.05,
    ci_method: str = "delta",
    n_simulations: int = 1000,
    seed: int = 12345,
) -> pd.DataFrame:
    """Summary measures for every geography x indicator x period x dimension.

    Parameters
    ----------
    table : pandas.DataFrame
        A prepared tidy table (values, CIs, suppression flags).
    alpha : float
        One minus the confidence level.
    ci_method : {"delta", "simulation"}
        How CIs are found (see the module docstring).
    n_simulations, seed : int
        For ``ci_method="simulation"``.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``geo_id, geo_name, geo_level, state, indicator, period,
        period_start, period_end, dimension, measure, estimate, ci_lower,
        ci_upper, n_groups, groups_left_out, ordered, note``; one row per
        comparison and measure: two-group comparisons first, then unordered,
        then ordered ones, each in the table's order, each comparison's
        measures on consecutive rows. A measure that cannot be computed (the
        index of disparity when the best group's value is 0, the MLD with a
        group at 0, weighted measures without group sizes) is NaN with no
        interval, and its note says so.

    Examples
    --------
    Two groups, hand-worked: Black 12.0, White 6.0 per 1,000 births; the Total
    row is 8.0, so PAR = 8.0 - 6.0 = 2.0 and PAF = 25%.

    >>> t = pd.DataFrame({"geo_id": ["37063"] * 3, "indicator": ["infant_mortality"] * 3,
    ...     "period": ["2019"] * 3, "dimension": ["race_ethnicity"] * 2 + ["total"],
    ...     "group": ["Black", "White", "Total"], "numerator": [24.0, 18.0, 42.0],
    ...     "denominator": [2000.0, 3000.0, 5250.0]})
    >>> from disparities.reliability import prepare_observations
    >>> m = compute_summary_measures(prepare_observations(t, suppress_below=None))
    >>> m.set_index("measure")["estimate"].round(2).to_dict()
    {'difference': 6.0, 'ratio': 2.0, 'population_attributable_risk': 2.0, 'population_attributable_fraction': 25.0}
    """
    if ci_method not in ("delta", "simulation"):
        raise ValueError("ci_method must be 'delta' or 'simulation'")
    df = outcome_rows(table).reset_index(drop=True)
    c = _comparisons(df, alpha)
    kind = np.where(c["n_groups"] == 2, 0, np.where(c["ordered"], 2, 1))
    kind[c["n_groups"] < 2] = -1
    offsets, blocks, n_rows = _layout(kind)
    # estimate, lower, upper: one row per comparison and measure, written in place
    block = np.empty((3, n_rows))
    z = z_value(alpha)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if ci_method == "delta":
            _delta_method(c, kind, offsets, block, z)
        else:
            _simulation(c, kind, offsets, block, alpha, n_simulations, seed)
    return _assemble(df, c, kind, offsets, blocks, block)


_KINDS = (_TWO, _UNORDERED, _ORDERED)
#: group rows per block of the delta method (temporaries stay in the CPU cache)
_ROWS_PER_BLOCK = 1 << 15


def _layout(kind):
    """Where each comparison's measures go in the result.

    Comparisons of one kind (two groups, unordered, ordered) form one run of
    rows, in memory order; each comparison's measures are consecutive rows in
    its kind's fixed order. Returns the first row of every comparison, the runs
    as ``(kind, comparisons, first row)`` and the number of rows.
    """
    offsets = np.zeros(len(kind), dtype=np.int64)
    blocks, done = [], 0
    for k, names in enumerate(_KINDS):
        comps = np.flatnonzero(kind == k)
        if len(comps):
            offsets[comps] = done + np.arange(len(comps)) * len(names)
            blocks.append((k, comps, done))
            done += len(comps) * len(names)
    return offsets, blocks, done


def _spread(per_comparison, blocks, n_rows):
    """Repeat one value per comparison onto each of its measure rows."""
    out = np.empty(n_rows, dtype=per_comparison.dtype)
    for k, comps, first in blocks:
        width = len(_KINDS[k])
        rows = out[first : first + len(comps) * width].reshape(-1, width)
        rows[:] = per_comparison[comps][:, None]
    return out


def _comparisons(df, alpha):
    """Sort the usable group rows by comparison (and income rank); the arrays the
    measures need, one entry per row or per comparison."""
    from disparities.gaps import _KEY_SPACE_LIMIT, _key_codes, _label_codes

    codes, per_indicator = indicator_codes(df)
    is_total = _label_codes(df, s.DIMENSION, "total")
    is_income = _label_codes(df, s.DIMENSION, "income")
    suppressed = df[s.SUPPRESSED].to_numpy(bool)
    values = df[s.VALUE].to_numpy(float)
    keep = ~is_total & ~suppressed & ~np.isnan(values)
    key3 = _key_codes(df, [s.GEO_ID, s.INDICATOR, s.PERIOD])
    dim = df[s.DIMENSION].astype("category")
    n_dim = len(dim.cat.categories) + 1
    key = key3 * n_dim + dim.cat.codes.to_numpy(np.int64)
    cats = list(df[s.GROUP].cat.categories)
    rank_of_cat = np.array([s.income_rank(c) or 0 for c in cats] + [0])
    grank = rank_of_cat[df[s.GROUP].cat.codes.to_numpy()]
    tot_mask = is_total & ~suppressed
    needed = keep | tot_mask
    se = standard_errors(df, alpha=alpha, rows=needed)["se"]
    se = se.to_numpy()

    idx = np.flatnonzero(keep)
    combined = key[idx] * 16 + grank[idx]
    if len(idx) and np.all(combined[1:] >= combined[:-1]):
        order = idx  # already sorted (the usual case): skip the sort
    else:
        order = idx[np.lexsort((grank[idx], key[idx]))]
    k_sorted = key[order]
    starts = _segments(k_sorted) if len(order) else np.array([], dtype=np.int64)
    first_rows = order[starts]
    K = len(starts)
    # the Total row's value (and SE) for each comparison
    tot_pos = pd.Series(np.flatnonzero(tot_mask), index=key3[tot_mask])
    tot_pos = tot_pos[~tot_pos.index.duplicated()]
    found = tot_pos.reindex(key3[first_rows]).to_numpy()
    has_t = ~np.isnan(found)
    t_idx = np.where(has_t, found, 0).astype(np.int64)
    n_groups = np.diff(np.r_[starts, len(order)]).astype(np.int16)
    # every non-Total group of each comparison, kept or not (to count those left out)
    comp_keys = k_sorted[starts]
    other = key[~is_total]
    if K and 0 <= other.min() and other.max() < _KEY_SPACE_LIMIT:
        all_groups = np.bincount(other, minlength=int(comp_keys.max()) + 1)[comp_keys]
    elif K:
        # only rows whose comparison exists (one with every group hidden has none)
        at = np.minimum(np.searchsorted(comp_keys, other), K - 1)
        all_groups = np.bincount(at[comp_keys[at] == other], minlength=K)
    else:
        all_groups = np.zeros(0, np.int64)
    return {
        "starts": starts,
        "first_rows": first_rows,
        "y": values[order],
        "p": df[s.DENOMINATOR].to_numpy(float)[order],
        "se": se[order],
        "worse": per_indicator["higher_is_worse"].to_numpy()[codes[first_rows]],
        "total": np.where(has_t, values[t_idx], np.nan),
        "total_se": np.where(has_t, se[t_idx], np.nan),
        "n_groups": n_groups,
        "left_out": (all_groups - n_groups).astype(np.int16),
        "ordered": is_income[first_rows],
    }


class _ChunkRows:
    """The result rows of comparisons k0:k1, filled measure by measure in a small
    buffer per kind (in cache), then copied into the result block in one go.

    The comparisons of one kind in k0:k1 are consecutive in that kind's run of
    rows (see :func:`_layout`), so each kind's rows are one contiguous range.
    """

    def __init__(self, kind, offsets, k0, k1):
        local = kind[k0:k1]
        self.parts = []
        for k, names in enumerate(_KINDS):
            sel = np.flatnonzero(local == k)
            if len(sel):
                first = offsets[k0 + sel[0]]
                buffer = np.empty((3, len(sel), len(names)))
                every = len(sel) == k1 - k0
                self.parts.append((None if every else sel, first, names, buffer))
        self.wanted = set().union(*(names for _, _, names, _ in self.parts))

    def put(self, measure, est, lo, hi):
        """One measure's estimates and bounds, one per comparison k0:k1; an
        undefined measure (infinite, as the index of disparity when the best
        group's value is 0) becomes NaN with no interval."""
        undefined = ~np.isfinite(est)
        if undefined.any():
            est, lo, hi = (np.where(undefined, np.nan, a) for a in (est, lo, hi))
        for sel, _, names, buffer in self.parts:
            if measure in names:
                j = names.index(measure)
                if sel is None:
                    buffer[0, :, j], buffer[1, :, j], buffer[2, :, j] = est, lo, hi
                else:
                    buffer[0, :, j] = est[sel]
                    buffer[1, :, j] = lo[sel]
                    buffer[2, :, j] = hi[sel]

    def copy_to(self, block):
        for _, first, _, buffer in self.parts:
            n = buffer.shape[1] * buffer.shape[2]
            block[:, first : first + n] = buffer.reshape(3, n)


def _delta_method(c, kind, offsets, block, z):
    """Delta-method CIs, in segment-aligned chunks that keep temporaries in cache."""
    starts, n_groups = c["starts"], c["n_groups"]
    K, n = len(starts), len(c["y"])
    cuts = np.unique(np.searchsorted(starts, np.arange(0, n, _ROWS_PER_BLOCK)))
    cuts = np.r_[cuts[cuts < K], K]
    for k0, k1 in zip(cuts[:-1], cuts[1:], strict=True):
        part = slice(starts[k0], starts[k1] if k1 < K else n)
        rows = _ChunkRows(kind, offsets, k0, k1)
        est, grad, tgrad = summary_measures_core(
            c["y"][part],
            c["p"][part],
            starts[k0:k1] - starts[k0],
            c["total"][k0:k1],
            c["worse"][k0:k1],
            gradients=True,
            wanted=rows.wanted,
        )
        seg = np.repeat(np.arange(k1 - k0), n_groups[k0:k1])
        ymin = np.minimum.reduceat(c["y"][part], starts[k0:k1] - starts[k0])
        e2 = c["se"][part] ** 2
        t2 = c["total_se"][k0:k1] ** 2
        for m in rows.wanted:
            value = est[m]
            contrib = grad[m] ** 2 * e2
            contrib[~np.isfinite(contrib)] = 0.0
            var = np.bincount(seg, weights=contrib, minlength=k1 - k0)
            if m in tgrad:
                t_var = tgrad[m] ** 2 * t2
                var += np.where(np.isfinite(t_var), t_var, 0.0)
            sd = np.sqrt(var)
            if m in _LOG_SCALE:
                factor = np.exp(z * np.minimum(sd / value, 50.0))  # no overflow
                rows.put(m, value, value / factor, value * factor)
                continue
            lo, hi = value - z * sd, value + z * sd
            if m in _NON_NEGATIVE:
                lo = np.maximum(lo, 0.0)
            elif m == "population_attributable_fraction":
                # at most 100% where higher is worse and no group is below 0
                capped = c["worse"][k0:k1] & (ymin >= 0)
                hi = np.where(capped, np.minimum(hi, 100.0), hi)
            rows.put(m, value, lo, hi)
        rows.copy_to(block)


def _simulation(c, kind, offsets, block, alpha, n_simulations, seed):
    """Percentile CIs from seeded normal draws of every group value."""
    starts, y, e = c["starts"], c["y"], c["se"]
    K = len(starts)
    est = summary_measures_core(y, c["p"], starts, c["total"], c["worse"])
    rng = np.random.default_rng(seed)
    draws = {m: np.empty((n_simulations, K)) for m in est}
    for i in range(n_simulations):
        y2 = y + rng.standard_normal(len(y)) * np.nan_to_num(e)
        t2 = c["total"] + rng.standard_normal(K) * np.nan_to_num(c["total_se"])
        sim = summary_measures_core(y2, c["p"], starts, t2, c["worse"])
        for m in est:
            draws[m][i] = sim[m]
    rows = _ChunkRows(kind, offsets, 0, K)
    for m, d in draws.items():
        with warnings.catch_warnings():  # a measure undefined in every draw: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanpercentile(d, 100 * alpha / 2, axis=0)
            hi = np.nanpercentile(d, 100 * (1 - alpha / 2), axis=0)
        rows.put(m, est[m], lo, hi)
    rows.copy_to(block)


def _assemble(df, c, kind, offsets, blocks, block):
    """The tidy table, rows laid out as :func:`_layout` says."""
    first_rows = c["first_rows"]
    n_rows = block.shape[1]
    out = pd.DataFrame(
        block.T, columns=["estimate", s.CI_LOWER, s.CI_UPPER], copy=False
    )
    for i, col_name in enumerate(s.CONTEXT_COLUMNS):
        col = df[col_name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = _spread(col.cat.codes.to_numpy()[first_rows], blocks, n_rows)
            values = pd.Categorical.from_codes(codes, dtype=col.dtype)
        else:
            values = _spread(col.to_numpy()[first_rows], blocks, n_rows)
        out.insert(i, col_name, values)
    measure_names = list(MEASURES)
    measure_codes = np.empty(n_rows, dtype=np.int8)
    for k, comps, first in blocks:
        names = _KINDS[k]
        rows = measure_codes[first : first + len(comps) * len(names)]
        rows.reshape(-1, len(names))[:] = [measure_names.index(m) for m in names]
    out.insert(
        9, "measure", pd.Categorical.from_codes(measure_codes, categories=measure_names)
    )
    out["n_groups"] = _spread(c["n_groups"], blocks, n_rows)
    out["groups_left_out"] = _spread(c["left_out"], blocks, n_rows)
    out["ordered"] = _spread(c["ordered"], blocks, n_rows)
    # notes: "N group(s) left out: small numbers"; for the SII, how to read it;
    # and where a measure cannot be computed, that it cannot
    left = np.clip(c["left_out"], 0, None)
    labels = []
    for k in range(int(left.max()) + 1 if len(left) else 1):
        lead = f"{k} group(s) left out: small numbers" if k else ""
        for r in ("", "values fall as income rises", "values rise with income"):
            for u in (
                "",
                "cannot be computed: a group's value is 0, or group sizes are missing",
            ):
                labels.append("; ".join(x for x in (lead, r, u) if x))
    codes = _spread(left.astype(np.int16) * 6, blocks, n_rows)
    sii_rows = offsets[kind == 2] + _ORDERED.index("slope_index_of_inequality")
    sii = block[0, sii_rows]
    codes[sii_rows] += np.select([sii < 0, sii >= 0], [2, 4], 0).astype(np.int16)
    codes += np.isnan(block[0]).astype(np.int16)
    uniq = list(dict.fromkeys(labels))
    remap = np.array([uniq.index(lab) for lab in labels], dtype=np.int16)
    out["note"] = pd.Categorical.from_codes(remap[codes], categories=uniq)
    return out


def slope_index_of_inequality(
    values, populations, *, method: str = "linear", multiplier: float = 100
) -> dict:
    """Slope and relative index of inequality for ordered groups, by statsmodels.

    Parameters
    ----------
    values : array_like
        Group values, ordered from lowest to highest income.
    populations : array_like
        Group population counts.
    method : {"linear", "logistic"}
        ``"linear"``: population-weighted least squares (HD*Calc, the default of
        :func:`compute_summary_measures`). ``"logistic"``: a binomial GLM with
        population weights (WHO HEAT), for values that are proportions.
    multiplier : float
        For ``"logistic"``: the scale of ``values`` (100 for percentages).

    Returns
    -------
    dict
        ``sii`` (value at the top of the income scale minus the bottom), ``rii``
        (top / bottom), ``x`` (the ridits) and the fitted statsmodels result.

    Examples
    --------
    >>> r = slope_index_of_inequality([30, 20, 10], [100, 100, 100])
    >>> round(r["sii"], 6), round(r["rii"], 4)
    (-30.0, 0.1429)
    """
    import statsmodels.api as sm

    y = np.asarray(values, dtype=float)
    pop = np.asarray(populations, dtype=float)
    w = pop / pop.sum()
    x = np.cumsum(w) - w / 2
    X = sm.add_constant(x)
    if method == "linear":
        fit = sm.WLS(y, X, weights=w).fit()
        b0, b1 = fit.params
        top, bottom = b0 + b1, b0
    elif method == "logistic":
        fit = sm.GLM(
            y / multiplier, X, family=sm.families.Binomial(), var_weights=pop
        ).fit()
        bottom = float(fit.predict(np.array([[1.0, 0.0]]))[0]) * multiplier
        top = float(fit.predict(np.array([[1.0, 1.0]]))[0]) * multiplier
    else:
        raise ValueError("method must be 'linear' or 'logistic'")
    return {"sii": float(top - bottom), "rii": float(top / bottom), "x": x, "fit": fit}
