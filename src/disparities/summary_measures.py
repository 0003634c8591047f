r"""Summary measures of inequality across all groups of a comparison.

Computed for every geography x indicator x period x dimension at once, from the
non-suppressed groups (never the Total row). Which measures are shown follows
the WHO Health Equity Assessment Toolkit (HEAT, Technical Notes 2021):

* two groups: difference, ratio, population attributable risk and fraction;
* averages, scores and incomes (catalog ``measure_type="score"``) get no
  population attributable risk or fraction (their rows are left out): an
  excess of grade levels or dollars is not a count of affected children;
* unordered groups (race/ethnicity), more than two: range difference and
  ratio, index of disparity, between-group variance, Theil index, mean log
  deviation (weighted and unweighted), PAR and PAF;
* ordered groups (income, or any dimension declared with
  :func:`disparities.schema.register_ordered_dimension`, e.g. income quintiles
  or deciles), more than two: difference and ratio of the extreme groups, slope
  and relative index of inequality, relative and absolute concentration index,
  PAR and PAF. Groups are ranked in the declared order (most disadvantaged
  first); the SII's note reads it in that order's own words ("values fall along
  the declared deprivation_rank order, from Most deprived to Least deprived";
  "values fall as income rises" for the built-in income bands).

Definitions (y_j group value, p_j population share, \mu = \sum p_j y_j,
r_j = y_j / \mu; Harper & Lynch 2005, "Methods for Measuring Cancer
Disparities", NCI SEER monograph 6; HEAT technical notes):

.. math::
    BGV = \sum_j p_j (y_j - \mu)^2 \qquad
    T = \sum_j p_j r_j \ln r_j \qquad
    MLD = -\sum_j p_j \ln r_j

Index of disparity, three conventions, each its own row (J groups shown):

* ``index_of_disparity``: against the most favourable *reliable* group y_b
  (Keppel et al. 2005, Healthy People 2010 methods), or a named group with
  ``reference=``: :math:`ID = 100 \cdot \frac{1}{J-1}\sum_{j \ne b} |y_j - y_b| / y_b`;
* ``index_of_disparity_total``: against the whole population's value y_T
  (the Total row, else the population-weighted mean; Pearcy & Keppel 2002,
  Public Health Rep 117:273): :math:`100 \cdot \frac{1}{J}\sum_j |y_j - y_T| / y_T`;
* ``index_of_disparity_weighted``: the same with population shares
  (Chesson et al. 2017's weighted index of disparity):
  :math:`100 \sum_j p_j |y_j - y_T| / y_T`.

Between-group Gini (HEAT technical notes' BGG; Harper & Lynch 2005): half the
population-weighted mean absolute difference between every two groups over
the mean, :math:`G = \sum_i \sum_j p_i p_j |y_i - y_j| / 2\mu`, computed as the
concentration index with groups ranked by their own value. Absolute
concentration index (HEAT ACI; Wagstaff's generalised index):
:math:`ACI = \mu C = \sum_j p_j y_j (2R_j - 1)`, in the indicator's unit.

The "best" group (index of disparity, PAR, PAF) is chosen among *reliable*
groups only: choosing the best from noisy values picks noise. Where every
group better than the whole population is unreliable, PAR and PAF are not
computed (no reliable reference).

PAR = \mu_{tot} - y_b (higher is worse; y_b - \mu_{tot} where higher is better),
with \mu_{tot} the Total row's value when present, else \mu; PAF = 100 PAR / \mu_{tot}.

Slope index of inequality: groups ordered from lowest to highest income are given
the midpoint of their cumulative population share (ridit) x_j, and y_j is
regressed on x_j by population-weighted least squares (HD*Calc's linear method).
SII is the slope: the modelled value at the top of the income scale minus that at
the bottom, so a **negative SII means values fall as income rises**. RII is the
ratio of the two modelled ends, y(1)/y(0) (HEAT's definition; HD*Calc's
alternative SII/\mu is in the note). HEAT and healthequal instead fit a
logistic regression for bounded indicators; :func:`slope_index_of_inequality`
offers it as ``method="logistic"`` with ``weighting="heat"`` (HEAT 3.1) or
``"healthequal"`` (healthequal 1.0.1 and current HEAT, whose published SII and
RII it reproduces) to reproduce either tool (they weight groups differently;
see there). The table uses the linear method because it is exact, closed-form
and vectorisable; it agrees with the logistic one when values are far from 0%
and 100%, and is *not* HEAT's method.

Concentration index (Kakwani, Wagstaff & van Doorslaer 1997, grouped data):
:math:`C = \frac{2}{\mu}\sum_j p_j y_j R_j - 1`, R_j the ridit; negative values
mean the outcome is concentrated among lower-income children.

Confidence intervals use the delta method: the SE of each measure is
:math:`\sqrt{\sum_j (\partial M / \partial y_j)^2 SE_j^2}` (plus the Total's
term for PAR and PAF), with the derivatives in closed form (e.g. for the Theil
index :math:`\partial T/\partial y_k = (p_k/\mu)(\ln(y_k/\mu) - T)`), treating
population shares as fixed; ratios get log-scale intervals. A group without a
standard error gives its comparison no interval ("interval cannot be
estimated"), never a narrower one; a group with 0 events takes its SE from its
own Wilson/exact interval (a binomial SE of 0 would make the interval
zero-width).

The delta method degenerates for measures that are 0 at equality (range,
index of disparity, Gini, BGV, Theil, MLD, PAR, PAF): at or near equal groups
the gradient vanishes and the interval shrinks to a point that excludes "no
disparity" (issue #11 found 0% coverage of 0). So, per comparison, Cochran's
homogeneity test across the groups (:func:`groups_within_noise`) decides: where
the groups do not differ beyond sampling noise (p >= alpha) these measures'
intervals start at 0 and reach at least the noise-alone upper quantile (the
note says so); elsewhere the delta interval stands, cut at the measure's
possible range (0 below; 100% above for the PAF of a higher-is-worse outcome).
``noise_alone`` gives, next to each of these measures, its expected value with
no real gap for these group sizes (:func:`noise_alone`): squaring noise and
picking the best of noisy groups inflate them, and the column says by how much.

Observed coverage of the 95% intervals (tests/test_summary_measures.py,
``test_coverage_by_simulation``, 300 seeded samples of five groups of 600 to
1,800 births, seed 1; truth 0 / truth an 8-16% gradient): range difference
96.7% / 95.3%, index of disparity (best) 98.0% / 95.3%, (total) 96.7% / 96.0%,
(weighted) 96.7% / 96.3%, Gini 96.7% / 95.0%, BGV, Theil and MLD 100% / 95.0%,
PAF 97.3% / 96.7%, range ratio 96.7% / 95.7%; with ``ci_method="simulation"``
(1,000 draws, seed 7) 96.7% for every one of them / range difference 96.3%,
ID (best) 96.7%, (total) 96.0%, (weighted) 95.7%, Gini 94.0%, BGV 94.7%,
Theil and MLD 91.7%, PAF 97.0%, range ratio 96.0%. With smaller groups
(200-600 births) where the truly best group is often unreliable, the
best-group measures target the best *reliable* group and cover the all-groups
truth less often (ID 74%, PAF 85% for the gradient).
Ordered measures (``test_ordered_coverage_by_simulation``, five income
quintiles of 600 to 1,800 births, 300 samples, seed 1; no gradient / a 16-8%
gradient), delta: difference 97.0% / 93.7%, ratio 97.3% / 93.7%, SII 93.7% /
95.7%, RII 94.3% / 94.7%, concentration index 93.7% / 94.3%, absolute
concentration index 93.7% / 95.7%, PAF 97.3% / 95.3%; simulation: 93.3% to
96.7% for every one.

``ci_method="simulation"`` instead draws every group value from a normal
distribution with its SE (seeded) and takes percentiles, then applies the same
rule as the delta method: where the groups do not differ beyond sampling noise
the interval starts at the measure's null value (0; 1 for the range ratio) and
``noise_alone`` is filled; a comparison with a group without a standard error
gets no interval. The tests check the two methods agree away from equality.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import MEASURE_TYPES
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
    "index_of_disparity": "average gap from the best reliable group (or the "
    "named reference group), % of its value",
    "index_of_disparity_total": "average gap from the whole population's value, "
    "% of it (Pearcy & Keppel)",
    "index_of_disparity_weighted": "population-weighted average gap from the whole "
    "population's value, % of it",
    "between_group_gini": "between-group Gini: half the population-weighted mean "
    "gap between every two groups, relative to the mean (0 to 1)",
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
    "absolute_concentration_index": "concentration index times the mean, in the "
    "indicator's unit",
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


def _extreme_eligible(y, ok, seg_starts, *, lowest):
    """Per comparison: the lowest (or highest) value among rows ``ok`` (NaN if none)."""
    fill = np.inf if lowest else -np.inf
    v = np.where(ok, y, fill)
    red = np.minimum if lowest else np.maximum
    out = red.reduceat(v, seg_starts)
    return np.where(np.isinf(out), np.nan, out)


def summary_measures_core(
    y,
    p,
    seg_starts,
    total,
    worse,
    *,
    gradients=False,
    wanted=None,
    best_ok=None,
    reference_ok=None,
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
    best_ok : numpy.ndarray of bool, optional
        Rows that may be the "best group" of the PAR and PAF (reliable groups;
        default all). A comparison with no such row gets NaN for them.
    reference_ok : numpy.ndarray of bool, optional
        Rows that may be the reference of ``index_of_disparity`` (default
        ``best_ok``: the best reliable group; a single row per comparison for a
        named reference group).

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
    if best_ok is None:
        best_ok = np.ones(n, dtype=bool)
    if reference_ok is None:
        reference_ok = best_ok

    def per_seg(x):
        return np.bincount(seg, weights=x, minlength=K)

    def want(*names):
        return wanted is None or any(m in wanted for m in names)

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
        # the most favourable eligible value: the lowest of the values
        # oriented so that lower is better (one reduction, not two)
        orient = np.where(worse, 1.0, -1.0)
        y_or = orient[seg] * y
        best = orient * _extreme_eligible(y_or, best_ok, seg_starts, lowest=True)
        est, grad, tgrad = {}, {}, {}
        at_max = _first_in_segment(y == ymax[seg], seg, seg_starts)
        at_min = _first_in_segment(y == ymin[seg], seg, seg_starts)
        at_best = _first_in_segment(best_ok & (y == best[seg]), seg, seg_starts)
        if reference_ok is best_ok:
            ref, at_ref = best, at_best
        else:
            ref = orient * _extreme_eligible(
                y_or, reference_ok, seg_starts, lowest=True
            )
            at_ref = _first_in_segment(reference_ok & (y == ref[seg]), seg, seg_starts)
        has_total = np.isfinite(total)
        overall = np.where(has_total, total, mu_w)
        # d overall / d y_j: w_j where overall is the weighted mean, else 0
        d_overall = np.where(has_total[seg], 0.0, w)

        d, r, g_d, g_r = _difference_and_ratio(ymax, ymin, at_max, at_min, seg)
        est["range_difference"], est["range_ratio"] = d, r
        if gradients:
            grad["range_difference"], grad["range_ratio"] = g_d, g_r
        if want("index_of_disparity"):
            dev = y - ref[seg]
            others = per_seg(np.where(at_ref, 0.0, 1.0))
            idisp = 100 * per_seg(np.abs(dev)) / others / ref
            est["index_of_disparity"] = idisp
            if gradients:
                scale = 100 / (others * ref)
                g_ref = -idisp / ref - scale * per_seg(np.sign(dev))
                grad["index_of_disparity"] = np.where(
                    at_ref, g_ref[seg], scale[seg] * np.sign(dev)
                )
        for name, wt in (
            ("index_of_disparity_total", u),
            ("index_of_disparity_weighted", w),
        ):
            if not want(name):
                continue
            dev = y - overall[seg]
            value = 100 * per_seg(wt * np.abs(dev)) / overall
            est[name] = value
            if gradients:
                sgn = per_seg(wt * np.sign(dev))  # d/d overall of sum wt|dev|
                d_ov = -100 * sgn / overall - value / overall
                grad[name] = 100 * wt * np.sign(dev) / overall[seg] + (
                    d_ov[seg] * d_overall
                )
                tgrad[name] = np.where(has_total, d_ov, 0.0)
        if want("between_group_gini"):
            # groups ranked by value within each comparison: the Gini is the
            # concentration index with the groups' own values as the ranking
            # one float sort key: comparison number + the value scaled into
            # [0, 0.5] within its comparison (several times faster than lexsort)
            spread = (ymax - ymin)[seg]
            key = seg + np.where(spread > 0, (y - ymin[seg]) / (2 * spread), 0.0)
            order = np.argsort(key, kind="stable")  # ties: table order
            ws, ys = w[order], y[order]
            cum = np.cumsum(ws)
            rid = cum - np.r_[0.0, cum][seg_starts][seg] - ws / 2
            gini = per_seg(ws * ys * (2 * rid - 1)) / mu_w
            est["between_group_gini"] = gini
            if gradients:
                g = np.empty(n)
                g[order] = ws * (2 * rid - 1 - gini[seg]) / mu_w[seg]
                grad["between_group_gini"] = g
        if want(
            "between_group_variance",
            "theil_index",
            "mean_log_deviation",
            "between_group_variance_unweighted",
            "theil_index_unweighted",
            "mean_log_deviation_unweighted",
        ):
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
        sign = np.where(worse, 1.0, -1.0)
        # the best reliable group must be better than the whole population;
        # if only unreliable groups are (so the reliable "best" is worse than
        # average), there is no reference to measure the excess against
        best = np.where(sign * (overall - best) < 0, np.nan, best)
        est["population_attributable_risk"] = sign * (overall - best)
        est["population_attributable_fraction"] = (
            100 * sign * (overall - best) / overall
        )
        if gradients:
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
            "absolute_concentration_index",
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
            est["absolute_concentration_index"] = per_seg(w * y * (2 * x - 1))
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
                grad["absolute_concentration_index"] = w * (2 * x - 1)
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
    "index_of_disparity_total",
    "index_of_disparity_weighted",
    "between_group_gini",
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
    "absolute_concentration_index",
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
    reference: str = "best",
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
    reference : str
        Reference of the ``index_of_disparity`` row: ``"best"`` (the most
        favourable *reliable* group, the default) or a canonical group label
        (e.g. ``"White"``); comparisons without that group get NaN. The
        whole-population reference has its own rows (``index_of_disparity_total``
        and ``index_of_disparity_weighted``).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``geo_id, geo_name, geo_level, state, indicator, period,
        period_start, period_end, dimension, measure, estimate, ci_lower,
        ci_upper, noise_alone, n_groups, groups_left_out, ordered, note``
        (``noise_alone``: the measure's expected value with no real gap, for
        the measures that noise inflates; NaN for the others); one row per
        comparison and measure: two-group comparisons first, then unordered,
        then ordered ones, each in the table's order, each comparison's
        measures on consecutive rows. A measure that cannot be computed (the
        index of disparity when the best group's value is 0, the MLD with a
        group at 0, weighted measures without group sizes) is NaN with no
        interval, and its note says so.

    Examples
    --------
    Two groups, hand-worked: Black 12.0, White 6.0 per 1,000 births; the Total
    row is 7.5, so PAR = 7.5 - 6.0 = 1.5 and PAF = 20%.

    >>> t = pd.DataFrame({"geo_id": ["37063"] * 3, "indicator": ["infant_mortality"] * 3,
    ...     "period": ["2019"] * 3, "dimension": ["race_ethnicity"] * 2 + ["total"],
    ...     "group": ["Black", "White", "Total"], "numerator": [24.0, 36.0, 60.0],
    ...     "denominator": [2000.0, 6000.0, 8000.0]})
    >>> from disparities.reliability import prepare_observations
    >>> m = compute_summary_measures(prepare_observations(t, suppress_below=None))
    >>> m.set_index("measure")["estimate"].round(2).to_dict()
    {'difference': 6.0, 'ratio': 2.0, 'population_attributable_risk': 1.5, 'population_attributable_fraction': 20.0}
    """
    if ci_method not in ("delta", "simulation"):
        raise ValueError("ci_method must be 'delta' or 'simulation'")
    if reference != "best" and reference not in s.GROUP_ORDER:
        raise ValueError(
            f"unknown reference {reference!r}: use 'best' or a canonical group "
            f"label ({s.GROUP_ORDER})"
        )
    df = outcome_rows(table).reset_index(drop=True)
    c = _comparisons(df, alpha, reference)
    kind = np.where(c["n_groups"] == 2, 0, np.where(c["ordered"], 2, 1))
    kind[c["n_groups"] < 2] = -1
    offsets, blocks, n_rows = _layout(kind)
    # estimate, lower, upper: one row per comparison and measure, written in place
    block = np.empty((_BLOCK_ROWS, n_rows))
    z = z_value(alpha)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if ci_method == "delta":
            _delta_method(c, kind, offsets, block, z, alpha)
        else:
            _simulation(c, kind, offsets, block, alpha, n_simulations, seed)
    out = _assemble(df, c, kind, offsets, blocks, block)
    if c["score"].any():
        # averages, scores and incomes: no attributable risk or fraction (an
        # "excess" of grade levels or dollars attributable to a gap is not a
        # count of children); those rows are left out
        score_rows = _spread(c["score"], blocks, len(out))
        paf = (
            out["measure"]
            .isin(["population_attributable_risk", "population_attributable_fraction"])
            .to_numpy()
        )
        out = out[~(score_rows & paf)].reset_index(drop=True)
    return out


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


def _comparisons(df, alpha, reference="best"):
    """Sort the usable group rows by comparison (and income rank); the arrays the
    measures need, one entry per row or per comparison."""
    from disparities.gaps import _KEY_SPACE_LIMIT, _key_codes, _label_codes

    codes, per_indicator = indicator_codes(df)
    is_total = _label_codes(df, s.DIMENSION, "total")
    is_income = np.zeros(len(df), dtype=bool)  # any ordered dimension
    for dim_name in s.ORDERED_DIMENSIONS:
        is_income |= _label_codes(df, s.DIMENSION, dim_name)
    suppressed = df[s.SUPPRESSED].to_numpy(bool)
    values = df[s.VALUE].to_numpy(float)
    keep = ~is_total & ~suppressed & ~np.isnan(values)
    # two sources of one observation are separate comparisons
    src = [s.SOURCE] if s.SOURCE in df.columns else []
    key3 = _key_codes(df, [s.GEO_ID, s.INDICATOR, s.PERIOD, *src])
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
    reliable = ~df[s.UNRELIABLE].to_numpy(bool)
    if reference == "best":
        reference_ok = reliable
    else:
        reference_ok = _label_codes(df, s.GROUP, reference)

    idx = np.flatnonzero(keep)
    combined = key[idx] * (s.MAX_ORDERED_GROUPS + 1) + grank[idx]
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
        "best_ok": reliable[order],
        # None: the best reliable group (the core then reuses the best group)
        "reference_ok": None if reference == "best" else reference_ok[order],
        "worse": per_indicator["higher_is_worse"].to_numpy()[codes[first_rows]],
        "total": np.where(has_t, values[t_idx], np.nan),
        "total_se": np.where(has_t, se[t_idx], np.nan),
        "n_groups": n_groups,
        "left_out": (all_groups - n_groups).astype(np.int16),
        "ordered": is_income[first_rows],
        "score": per_indicator["type_code"].to_numpy()[codes[first_rows]]
        == MEASURE_TYPES.index("score"),
    }


#: rows of the result block: estimate, lower, upper, noise alone, interval state
_BLOCK_ROWS = 5
#: interval states (see the notes in :func:`_assemble`)
_OK, _WITHIN_NOISE, _NO_SE = 0, 1, 2
#: measures that are 0 with no disparity and grow with it (noise alone makes
#: them positive): their interval starts at 0 when the groups do not differ
#: beyond sampling noise, and the "noise alone" column says how big noise
#: makes them
_NOISY = set(_UNORDERED) - {"range_ratio"}  # a ratio is 1, not 0, with no gap
#: measures that grow with the square of the noise (the others linearly)
_QUADRATIC = {
    "between_group_variance",
    "between_group_variance_unweighted",
    "theil_index",
    "theil_index_unweighted",
    "mean_log_deviation",
    "mean_log_deviation_unweighted",
}
#: expected range of J independent standard normal values (J = 2..10; the
#: d2 constants of quality control, Tippett 1925); half of it is the expected
#: maximum
_EXPECTED_RANGE = {
    2: 1.128,
    3: 1.693,
    4: 2.059,
    5: 2.326,
    6: 2.534,
    7: 2.704,
    8: 2.847,
    9: 2.970,
    10: 3.078,
}


def _expected_range(J):
    from scipy import special

    values, at = np.unique(np.asarray(J, dtype=float), return_inverse=True)
    table = np.array([_EXPECTED_RANGE.get(j, np.nan) for j in range(0, 11)])
    m = np.maximum(values, 2)
    blom = 2 * special.ndtri((m - 0.375) / (m + 0.25))  # Blom's approximation
    small = np.clip(values, 0, 10).astype(int)
    return np.where(values <= 10, table[small], blom)[at]


def noise_alone(y, p, v, seg_starts, total, best_ok=None):
    r"""What each measure would be, on average, with no real gap.

    Every group's true value is set to the same level and its estimate differs
    from it only by sampling noise of its own variance :math:`v_j`; the
    expectation of each measure is then (weights :math:`w_j`, J groups,
    :math:`\bar v` the mean variance, :math:`d_J` the expected range of J
    standard normal values):

    * between-group variance: :math:`\sum_j w_j (1 - w_j) v_j` (exact);
      Theil index and MLD: that over :math:`2\mu^2` (second-order expansion);
    * range difference: :math:`d_J \sqrt{\bar v}`; PAR: :math:`d_J/2 \sqrt{\bar
      v}` (the best of J noisy values sits about half a range from the mean);
      PAF: 100 PAR / overall;
    * index of disparity, best group: :math:`100\,\frac{J}{J-1}\frac{d_J}{2}
      \sqrt{\bar v}/\mu`; total reference: :math:`100\sqrt{2/\pi}` times the
      (weighted) mean of :math:`\sqrt{v_j}` over the overall value;
    * between-group Gini: :math:`\sqrt{2/\pi}\sqrt{2 \sum w_j v_j}
      (1 - \sum w_j^2) / 2\mu`.

    For the best-group measures :math:`J` counts only the groups that may be
    the reference (``best_ok``: reliable groups). The approximations treat the
    groups' SEs as alike; the tests check them against simulation (within 20%
    for five groups of 200 to 600 births at 10%).

    Returns
    -------
    dict
        Measure -> one value per comparison.
    """
    n, K = len(y), len(seg_starts)
    counts = np.diff(np.r_[seg_starts, n])
    seg = np.repeat(np.arange(K), counts)
    J = counts.astype(float)

    def per_seg(x):
        return np.bincount(seg, weights=x, minlength=K)

    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.nan_to_num(p) / per_seg(np.nan_to_num(p))[seg]
        u = 1.0 / J[seg]
        mu_w = per_seg(w * y)
        mu_u = per_seg(u * y)
        overall = np.where(np.isfinite(total), total, mu_w)
        vbar = per_seg(v) / J
        sd = np.sqrt(vbar)
        dJ = _expected_range(J)
        if best_ok is not None:
            j_ok = per_seg(best_ok.astype(float))
            d_best = np.where(j_ok >= 2, _expected_range(j_ok), 0.0)
        else:
            d_best = dJ
        bgv = per_seg(w * (1 - w) * v)
        bgv_u = per_seg(u * (1 - u) * v)
        half_normal = np.sqrt(2 / np.pi)
        par = d_best / 2 * sd
        return {
            "range_difference": dJ * sd,
            "index_of_disparity": 100 * J / (J - 1) * d_best / 2 * sd / mu_u,
            "index_of_disparity_total": 100
            * half_normal
            * per_seg(u * np.sqrt(v))
            / overall,
            "index_of_disparity_weighted": 100
            * half_normal
            * per_seg(w * np.sqrt(v))
            / overall,
            "between_group_gini": half_normal
            * np.sqrt(2 * per_seg(w * v))
            * (1 - per_seg(w**2))
            / (2 * mu_w),
            "between_group_variance": bgv,
            "between_group_variance_unweighted": bgv_u,
            "theil_index": bgv / (2 * mu_w**2),
            "theil_index_unweighted": bgv_u / (2 * mu_u**2),
            "mean_log_deviation": bgv / (2 * mu_w**2),
            "mean_log_deviation_unweighted": bgv_u / (2 * mu_u**2),
            "population_attributable_risk": par,
            "population_attributable_fraction": 100 * par / overall,
        }


def groups_within_noise(y, v, seg_starts, *, alpha=0.05):
    r"""Per comparison: do the groups differ by no more than sampling noise?

    Cochran's homogeneity test across the groups: :math:`Q = \sum_j (y_j -
    \bar y)^2 / v_j` with :math:`\bar y` the inverse-variance weighted mean, on
    J - 1 degrees of freedom; True where its p-value is at least ``alpha``
    (False where a variance is missing or 0).
    """
    from scipy import special

    n, K = len(y), len(seg_starts)
    counts = np.diff(np.r_[seg_starts, n])
    seg = np.repeat(np.arange(K), counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        iv = 1.0 / v
        ybar = np.bincount(seg, weights=iv * y, minlength=K) / np.bincount(
            seg, weights=iv, minlength=K
        )
        q = np.bincount(seg, weights=iv * (y - ybar[seg]) ** 2, minlength=K)
        # p >= alpha  <=>  Q <= the chi-square critical value (found once per
        # number of groups)
        df_values, df_at = np.unique(counts - 1, return_inverse=True)
        critical = special.chdtri(df_values, alpha)[df_at]  # chi-square upper quantile
        return q <= critical  # False where Q is NaN


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
                buffer = np.full((_BLOCK_ROWS, len(sel), len(names)), np.nan)
                buffer[4] = _OK
                every = len(sel) == k1 - k0
                self.parts.append((None if every else sel, first, names, buffer))
        self.wanted = set().union(*(names for _, _, names, _ in self.parts))

    def put(self, measure, est, lo, hi, noise=None, state=None):
        """One measure's estimates, bounds, noise-alone value and interval
        state, one per comparison k0:k1; an undefined measure (infinite, as the
        index of disparity when the best group's value is 0) becomes NaN with no
        interval."""
        undefined = ~np.isfinite(est)
        if undefined.any():
            est, lo, hi = (np.where(undefined, np.nan, a) for a in (est, lo, hi))
        n = len(est)
        rows = [
            est,
            lo,
            hi,
            np.full(n, np.nan) if noise is None else noise,
            np.full(n, float(_OK)) if state is None else state,
        ]
        for sel, _, names, buffer in self.parts:
            if measure in names:
                j = names.index(measure)
                for i, a in enumerate(rows):
                    buffer[i, :, j] = a if sel is None else a[sel]

    def copy_to(self, block):
        for _, first, _, buffer in self.parts:
            n = buffer.shape[1] * buffer.shape[2]
            block[:, first : first + n] = buffer.reshape(_BLOCK_ROWS, n)


class _NoiseRule:
    """The groups' noise, per comparison: does Cochran's test find the groups
    within sampling noise (``calm``), what noise alone would give each measure
    (``noise``), and which comparisons have a group without a standard error
    (``no_se``). Shared by the delta method and the simulation so both apply
    one rule."""

    def __init__(self, y, p, e2, starts, total, best_ok, n_groups, alpha):
        from scipy import special

        K = len(starts)
        seg = np.repeat(np.arange(K), n_groups)
        self.no_se = np.bincount(seg, weights=np.isnan(e2), minlength=K) > 0
        self.calm = groups_within_noise(y, e2, starts, alpha=alpha) & ~self.no_se
        self.noise = noise_alone(y, p, e2, starts, total, best_ok=best_ok)
        df = np.maximum(n_groups - 1, 1)
        df_values, df_at = np.unique(df, return_inverse=True)
        self.ratio_q = (special.chdtri(df_values, alpha / 2) / df_values)[df_at]
        self.ymin = np.minimum.reduceat(y, starts) if K else np.zeros(0)
        self.state = np.where(self.no_se, _NO_SE, _OK).astype(float)

    def apply(self, m, lo, hi, worse):
        """One measure's bounds after the rule: where the groups are within
        noise, an interval from the measure's null value (0; 1 for the range
        ratio) reaching at least the noise-alone upper quantile; bounds cut at
        the possible range; no interval where a group has no SE. Returns
        ``lo, hi, noise_alone, state``."""
        calm, noise, ratio_q = self.calm, self.noise, self.ratio_q
        m_state, m_noise = self.state, None
        if m in _LOG_SCALE:
            if m == "range_ratio" and "range_difference" in noise:
                # equal groups: the delta method gives a zero-width interval
                # at 1; under noise alone the ratio reaches 1 + the range
                # difference's upper noise quantile over the lowest value
                rd_upper = (
                    noise["range_difference"] * np.sqrt(np.pi / 2) * np.sqrt(ratio_q)
                )
                upper = 1.0 + rd_upper / np.where(self.ymin > 0, self.ymin, np.nan)
                lo = np.where(calm, np.fmin(lo, 1.0), lo)
                hi = np.where(calm, np.fmax(hi, upper), hi)
                m_state = np.where(calm, _WITHIN_NOISE, m_state)
            return lo, hi, m_noise, m_state
        if m in _NOISY:
            m_noise = noise[m]
            # upper quantile of the measure under noise alone: chi-square
            # scaling for quadratic measures, its square root (times the
            # half-normal's RMS/mean) for the linear ones
            upper_noise = m_noise * (
                ratio_q if m in _QUADRATIC else np.sqrt(np.pi / 2) * np.sqrt(ratio_q)
            )
            lo = np.where(calm, 0.0, lo)
            hi = np.where(calm, np.fmax(hi, upper_noise), hi)
            m_state = np.where(calm, _WITHIN_NOISE, m_state)
        if m in _NON_NEGATIVE:
            lo = np.maximum(lo, 0.0)
        elif m == "population_attributable_fraction":
            # at most 100% where higher is worse and no group is below 0
            capped = worse & (self.ymin >= 0)
            hi = np.where(capped, np.minimum(hi, 100.0), hi)
            lo = np.where(calm & (lo > 0), 0.0, lo)
        lo = np.where(self.no_se, np.nan, lo)
        hi = np.where(self.no_se, np.nan, hi)
        return lo, hi, m_noise, m_state


def _delta_method(c, kind, offsets, block, z, alpha):
    """Delta-method CIs, in segment-aligned chunks that keep temporaries in cache.

    A comparison with a group whose SE is unknown gets no interval (state
    ``_NO_SE``). For the measures in ``_NOISY``, where the groups do not differ
    beyond sampling noise (:func:`groups_within_noise`) the interval starts at 0
    and reaches at least the noise-alone upper quantile (state
    ``_WITHIN_NOISE``): the delta method is degenerate there (a zero gradient
    at equal groups gives a zero-width interval). See :class:`_NoiseRule`.
    """
    starts, n_groups = c["starts"], c["n_groups"]
    K, n = len(starts), len(c["y"])
    cuts = np.unique(np.searchsorted(starts, np.arange(0, n, _ROWS_PER_BLOCK)))
    cuts = np.r_[cuts[cuts < K], K]
    for k0, k1 in zip(cuts[:-1], cuts[1:], strict=True):
        part = slice(starts[k0], starts[k1] if k1 < K else n)
        rows = _ChunkRows(kind, offsets, k0, k1)
        local_starts = starts[k0:k1] - starts[k0]
        y = c["y"][part]
        est, grad, tgrad = summary_measures_core(
            y,
            c["p"][part],
            local_starts,
            c["total"][k0:k1],
            c["worse"][k0:k1],
            gradients=True,
            wanted=rows.wanted,
            best_ok=c["best_ok"][part],
            reference_ok=None if c["reference_ok"] is None else c["reference_ok"][part],
        )
        seg = np.repeat(np.arange(k1 - k0), n_groups[k0:k1])
        e2 = c["se"][part] ** 2
        t2 = c["total_se"][k0:k1] ** 2
        rule = _NoiseRule(
            y,
            c["p"][part],
            e2,
            local_starts,
            c["total"][k0:k1],
            c["best_ok"][part],
            n_groups[k0:k1],
            alpha,
        )
        for m in rows.wanted:
            value = est[m]
            contrib = grad[m] ** 2 * e2
            contrib[grad[m] == 0] = 0.0  # an unused group's unknown SE
            var = np.bincount(seg, weights=contrib, minlength=k1 - k0)
            if m in tgrad:
                t_var = tgrad[m] ** 2 * t2
                var += np.where(np.isfinite(t_var), t_var, 0.0)
            sd = np.sqrt(var)
            if m in _LOG_SCALE:
                factor = np.exp(z * np.minimum(sd / value, 50.0))  # no overflow
                lo, hi = value / factor, value * factor
            else:
                lo, hi = value - z * sd, value + z * sd
            lo, hi, m_noise, m_state = rule.apply(m, lo, hi, c["worse"][k0:k1])
            rows.put(m, value, lo, hi, noise=m_noise, state=m_state)
        rows.copy_to(block)


def _simulation(c, kind, offsets, block, alpha, n_simulations, seed):
    """Percentile CIs from seeded normal draws of every group value, with the
    same noise rule as the delta method (:class:`_NoiseRule`): where the groups
    do not differ beyond sampling noise the interval starts at the measure's
    null value and the ``noise_alone`` column is filled; a comparison with a
    group without a standard error gets no interval."""
    starts, y, e = c["starts"], c["y"], c["se"]
    K = len(starts)
    kw = {"best_ok": c["best_ok"], "reference_ok": c["reference_ok"]}
    est = summary_measures_core(y, c["p"], starts, c["total"], c["worse"], **kw)
    rng = np.random.default_rng(seed)
    draws = {m: np.empty((n_simulations, K)) for m in est}
    for i in range(n_simulations):
        y2 = y + rng.standard_normal(len(y)) * np.nan_to_num(e)
        t2 = c["total"] + rng.standard_normal(K) * np.nan_to_num(c["total_se"])
        sim = summary_measures_core(y2, c["p"], starts, t2, c["worse"], **kw)
        for m in est:
            draws[m][i] = sim[m]
    rule = _NoiseRule(
        y, c["p"], e**2, starts, c["total"], c["best_ok"], c["n_groups"], alpha
    )
    rows = _ChunkRows(kind, offsets, 0, K)
    for m, d in draws.items():
        with warnings.catch_warnings():  # a measure undefined in every draw: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanpercentile(d, 100 * alpha / 2, axis=0)
            hi = np.nanpercentile(d, 100 * (1 - alpha / 2), axis=0)
        lo, hi, m_noise, m_state = rule.apply(m, lo, hi, c["worse"])
        if m in _LOG_SCALE:  # the delta method's log intervals are NaN there
            lo = np.where(rule.no_se, np.nan, lo)
            hi = np.where(rule.no_se, np.nan, hi)
        rows.put(m, est[m], lo, hi, noise=m_noise, state=m_state)
    rows.copy_to(block)


def _sii_readings(dimension):
    """How to read a negative and a positive SII in one ordered dimension: the
    built-in income bands in words of income, a declared dimension in its own
    order (its name and its first and last groups)."""
    if dimension == "income":
        return ("values fall as income rises", "values rise with income")
    try:
        groups = s.groups_for_dimension(dimension)
    except ValueError:
        groups = []
    if len(groups) >= 2:
        ends = f"from {groups[0]} to {groups[-1]}"
    else:
        ends = "from its first group to its last"
    return tuple(
        f"values {verb} along the declared {dimension} order, {ends}"
        for verb in ("fall", "rise")
    )


def _assemble(df, c, kind, offsets, blocks, block):
    """The tidy table, rows laid out as :func:`_layout` says."""
    first_rows = c["first_rows"]
    n_rows = block.shape[1]
    out = pd.DataFrame(
        block[:4].T,
        columns=["estimate", s.CI_LOWER, s.CI_UPPER, "noise_alone"],
        copy=False,
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
    # where a measure cannot be computed, that it cannot; and what its
    # interval rests on
    left = np.clip(c["left_out"], 0, None)
    # how to read the SII, in each ordered dimension's own declared order
    sii_comps = kind == 2
    sii_dims = df[s.DIMENSION].to_numpy()[first_rows[sii_comps]].astype(str)
    dims = list(dict.fromkeys(sii_dims))
    readings = [""]
    for d in dims:
        readings.extend(_sii_readings(d))
    width = len(readings) * 6  # readings x (defined, undefined) x 3 states
    labels = []
    for k in range(int(left.max()) + 1 if len(left) else 1):
        lead = f"{k} group(s) left out: small numbers" if k else ""
        for r in readings:
            for u in (
                "",
                "cannot be computed: a group's value is 0, no reliable reference "
                "group, or group sizes are missing",
            ):
                for st in (
                    "",
                    "the groups do not differ beyond sampling noise: the interval "
                    "starts at 0",
                    "interval cannot be estimated: a group has no standard error",
                ):
                    labels.append("; ".join(x for x in (lead, r, u, st) if x))
    codes = _spread(left.astype(np.int32) * width, blocks, n_rows)
    sii_rows = offsets[sii_comps] + _ORDERED.index("slope_index_of_inequality")
    sii = block[0, sii_rows]
    # each SII row's pair of readings: 1 + 2 x its dimension's position
    dim_codes = pd.Categorical(sii_dims, categories=dims).codes.astype(np.int32)
    first_reading = 1 + 2 * dim_codes
    codes[sii_rows] += np.select(
        [sii < 0, sii >= 0], [first_reading * 6, (first_reading + 1) * 6], 0
    ).astype(np.int32)
    undefined = np.isnan(block[0])
    codes += undefined.astype(np.int32) * 3
    codes += np.where(undefined, 0, np.nan_to_num(block[4])).astype(np.int32)
    uniq = list(dict.fromkeys(labels))
    at = {lab: i for i, lab in enumerate(uniq)}
    remap = np.array([at[lab] for lab in labels], dtype=np.int32)
    out["note"] = pd.Categorical.from_codes(remap[codes], categories=uniq)
    return out


def slope_index_of_inequality(
    values,
    populations,
    *,
    method: str = "linear",
    multiplier: float = 100,
    weighting: str = "population",
) -> dict:
    """Slope and relative index of inequality for ordered groups, by statsmodels.

    Parameters
    ----------
    values : array_like
        Group values, ordered from lowest to highest income (or any declared
        order, most disadvantaged first).
    populations : array_like
        Group population counts.
    method : {"linear", "logistic"}
        ``"linear"``: population-weighted least squares (HD*Calc, the default of
        :func:`compute_summary_measures`). ``"logistic"``: a binomial GLM on the
        ridit, for values that are proportions; SII = p(1) - p(0) and
        RII = p(1) / p(0) from the fitted curve.
    multiplier : float
        For ``"logistic"``: the scale of ``values`` (100 for percentages).
    weighting : {"population", "heat", "healthequal"}
        For ``"logistic"``, how groups are weighted and ranked:

        * ``"population"`` (default): the binomial likelihood of each group's
          *unrounded* expected count of successes out of its population (GLM on
          the proportion with ``var_weights`` = population), ridits from the
          populations as given. This is this package's own convention, not a
          published tool's: each group weighs as many trials as it has
          members, which is what a binomial sample of that size supports;
        * ``"heat"``: WHO HEAT 3.1 (``WHOequity/HEAT-3.1``,
          ``utils/inequal_functions/sii.R``): ``n = round(population)``,
          successes ``round(value / multiplier * population)``, ridits from
          ``n``, fixed-effect logistic model
          (``metafor::rma.glmm(measure="PLO", mods=~rank, method="FE")``, the
          binomial GLM of successes out of ``n``) -- the default up to that
          rounding;
        * ``"healthequal"``: WHO healthequal 1.0.1 (CRAN, ``R/sii.R`` and
          ``R/rii.R``) and current HEAT (``WHOequity/HEAT-Measures``,
          ``R/calc-sii.R``): ``n = ceiling(population)``, successes ``round(value
          / scale * n)``, ridits from ``n``, ``glm(cbind(y, n - y) ~ rank,
          weights = n, family = binomial("logit"))``; R multiplies the prior
          weights by the binomial totals, so each group weighs n x n. This
          reproduces healthequal's published values (its
          ``tests/testthat/test-sii.R``: SII 44.44502, ``test-rii.R``: RII
          3.159506; pinned in ``tests/test_summary_measures_published.py``);
          it gives large groups much more weight than their sample size
          supports.

    Returns
    -------
    dict
        ``sii`` (value at the top of the order minus the bottom), ``rii``
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
        if weighting == "population":
            prop, weights = y / multiplier, pop
        elif weighting == "heat":
            n = np.round(pop)
            prop, weights = np.round(y / multiplier * pop) / n, n
        elif weighting == "healthequal":
            n = np.ceil(pop)
            prop, weights = np.round(y / multiplier * n) / n, n * n
        else:
            raise ValueError("weighting must be 'population', 'heat' or 'healthequal'")
        if weighting != "population":
            # both R sources rank the rounded counts
            x = np.cumsum(n / n.sum()) - n / n.sum() / 2
            X = sm.add_constant(x)
        fit = sm.GLM(prop, X, family=sm.families.Binomial(), var_weights=weights).fit()
        bottom = float(fit.predict(np.array([[1.0, 0.0]]))[0]) * multiplier
        top = float(fit.predict(np.array([[1.0, 1.0]]))[0]) * multiplier
    else:
        raise ValueError("method must be 'linear' or 'logistic'")
    return {"sii": float(top - bottom), "rii": float(top / bottom), "x": x, "fit": fit}
