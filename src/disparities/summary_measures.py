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
:math:`\sqrt{\sum_j (\partial M / \partial y_j)^2 SE_j^2}`, the derivatives
found numerically (each group's value moved by a small step, all comparisons at
once), treating population shares as fixed. ``ci_method="simulation"`` instead
draws every group value from a normal distribution with its SE (seeded) and
takes percentiles; the tests check the two agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.reliability import indicator_properties, standard_errors
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


def summary_measures_core(y, p, seg_starts, total, worse):
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

    Returns
    -------
    dict of numpy.ndarray
        One array per measure, one value per comparison.
    """
    n = len(y)
    K = len(seg_starts)
    seg = np.repeat(np.arange(K), np.diff(np.r_[seg_starts, n]))
    J = np.bincount(seg, minlength=K).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        # weights
        psum = np.bincount(seg, weights=np.nan_to_num(p), minlength=K)
        p_missing = np.bincount(seg, weights=np.isnan(p).astype(float), minlength=K) > 0
        w = np.nan_to_num(p) / psum[seg]
        u = 1.0 / J[seg]
        mu_w = np.bincount(seg, weights=w * y, minlength=K)
        mu_w[p_missing] = np.nan
        mu_u = np.bincount(seg, weights=u * y, minlength=K)

        ymax = np.maximum.reduceat(y, seg_starts)
        ymin = np.minimum.reduceat(y, seg_starts)
        best = np.where(worse, ymin, ymax)
        out = {}
        out["range_difference"] = ymax - ymin
        out["range_ratio"] = np.where(ymin > 0, ymax / ymin, np.nan)
        dev = np.abs(y - best[seg])
        out["index_of_disparity"] = (
            100 * np.bincount(seg, weights=dev, minlength=K) / (J - 1) / best
        )
        for name, wt, mu in (("", w, mu_w), ("_unweighted", u, mu_u)):
            out["between_group_variance" + name] = np.bincount(
                seg, weights=wt * (y - mu[seg]) ** 2, minlength=K
            )
            rr = y / mu[seg]
            rlogr = np.where(rr > 0, rr * np.log(np.where(rr > 0, rr, 1)), 0.0)
            out["theil_index" + name] = np.bincount(
                seg, weights=wt * rlogr, minlength=K
            )
            # MLD is undefined when a group's value is 0
            out["mean_log_deviation" + name] = -np.bincount(
                seg, weights=wt * np.log(np.where(rr > 0, rr, np.nan)), minlength=K
            )
        for k in ("between_group_variance", "theil_index", "mean_log_deviation"):
            out[k][p_missing] = np.nan
        overall = np.where(np.isnan(total), mu_w, total)
        par = np.where(worse, overall - best, best - overall)
        out["population_attributable_risk"] = par
        out["population_attributable_fraction"] = 100 * par / overall
        # two-group and ordered extremes: last minus first in sort order
        first = y[seg_starts]
        last = y[np.r_[seg_starts[1:], n] - 1]
        out["difference"] = first - last
        out["ratio"] = np.where(last > 0, first / last, np.nan)
        # ridits and the weighted regression (closed form)
        cum = np.cumsum(w)
        seg_cum_start = np.r_[0.0, cum][seg_starts][seg]
        x = cum - seg_cum_start - w / 2
        xbar = np.bincount(seg, weights=w * x, minlength=K)
        sxx = np.bincount(seg, weights=w * (x - xbar[seg]) ** 2, minlength=K)
        sxy = np.bincount(
            seg, weights=w * (x - xbar[seg]) * (y - mu_w[seg]), minlength=K
        )
        slope = sxy / sxx
        intercept = mu_w - slope * xbar
        out["slope_index_of_inequality"] = slope
        top, bottom = intercept + slope, intercept
        out["relative_index_of_inequality"] = np.where(
            (top > 0) & (bottom > 0), top / bottom, np.nan
        )
        out["concentration_index"] = (
            2 / mu_w * np.bincount(seg, weights=w * y * x, minlength=K) - 1
        )
    return out


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
        ci_upper, n_groups, groups_left_out, ordered, note``.

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
    df = table.reset_index(drop=True)
    dim = df[s.DIMENSION].astype(str).to_numpy()
    props = indicator_properties(df)
    keep = (dim != "total") & ~df[s.SUPPRESSED].to_numpy(bool) & df[s.VALUE].notna()
    keep = keep.to_numpy() if hasattr(keep, "to_numpy") else keep
    from disparities.gaps import _key_codes

    key = _key_codes(df, [s.GEO_ID, s.INDICATOR, s.PERIOD, s.DIMENSION])
    key3 = _key_codes(df, [s.GEO_ID, s.INDICATOR, s.PERIOD])
    cats = list(df[s.GROUP].cat.categories)
    rank_of_cat = np.array([s.income_rank(c) or 0 for c in cats] + [0])
    grank = rank_of_cat[df[s.GROUP].cat.codes.to_numpy()]
    se = standard_errors(df, alpha=alpha)["se"].to_numpy()

    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((grank[idx], key[idx]))]
    k_sorted = key[order]
    starts = _segments(k_sorted)
    first_rows = order[starts]
    y = df[s.VALUE].to_numpy(float)[order]
    p = df[s.DENOMINATOR].to_numpy(float)[order]
    e = se[order]
    worse = props["higher_is_worse"].to_numpy(bool)[first_rows]
    # the Total row's value for each comparison
    tot_mask = (dim == "total") & ~df[s.SUPPRESSED].to_numpy(bool)
    tot_val = pd.Series(df[s.VALUE].to_numpy(float)[tot_mask], index=key3[tot_mask])
    tot_val = tot_val[~tot_val.index.duplicated()]
    total = tot_val.reindex(key3[first_rows]).to_numpy()

    est = summary_measures_core(y, p, starts, total, worse)
    K = len(starts)
    n_groups = np.diff(np.r_[starts, len(order)])
    z = z_value(alpha)
    if ci_method == "delta":
        old_err = np.seterr(all="ignore")
        var = {m: np.zeros(K) for m in est}
        pos = np.arange(len(order)) - np.repeat(starts, n_groups)
        for j in range(int(n_groups.max()) if K else 0):
            at = pos == j
            h = np.where(np.isnan(e[at]) | (e[at] == 0), 1e-6, e[at] * 1e-3)
            y2 = y.copy()
            y2[at] += h
            moved = summary_measures_core(y2, p, starts, total, worse)
            seg_at = np.repeat(np.arange(K), n_groups)[at]
            for m in est:
                d = np.zeros(K)
                d[seg_at] = (moved[m][seg_at] - est[m][seg_at]) / h * e[at]
                var[m] += np.nan_to_num(d) ** 2
        lo, hi = {}, {}
        for m in est:
            sd = np.sqrt(var[m])
            if m in _LOG_SCALE:
                with np.errstate(invalid="ignore", divide="ignore"):
                    sl = sd / est[m]
                    lo[m], hi[m] = est[m] * np.exp(-z * sl), est[m] * np.exp(z * sl)
            else:
                lo[m], hi[m] = est[m] - z * sd, est[m] + z * sd
        np.seterr(**old_err)
    else:
        rng = np.random.default_rng(seed)
        draws = {m: np.empty((n_simulations, K)) for m in est}
        for i in range(n_simulations):
            y2 = y + rng.standard_normal(len(y)) * np.nan_to_num(e)
            sim = summary_measures_core(y2, p, starts, total, worse)
            for m in est:
                draws[m][i] = sim[m]
        lo = {m: np.nanpercentile(d, 100 * alpha / 2, axis=0) for m, d in draws.items()}
        hi = {
            m: np.nanpercentile(d, 100 * (1 - alpha / 2), axis=0)
            for m, d in draws.items()
        }

    dims = dim[first_rows]
    ordered = dims == "income"
    pick = {
        "two": _TWO,
        "unordered": _UNORDERED,
        "ordered": _ORDERED,
    }
    kind = np.where(n_groups == 2, "two", np.where(ordered, "ordered", "unordered"))
    frames = []
    base = df.iloc[first_rows][
        [
            s.GEO_ID,
            s.GEO_NAME,
            s.GEO_LEVEL,
            s.STATE,
            s.INDICATOR,
            s.PERIOD,
            s.PERIOD_START,
            s.PERIOD_END,
            s.DIMENSION,
        ]
    ].reset_index(drop=True)
    all_groups = pd.Series(key[(dim != "total")]).value_counts()
    left_out = all_groups.reindex(k_sorted[starts]).to_numpy() - n_groups
    for kname, measures in pick.items():
        sel = np.flatnonzero((kind == kname) & (n_groups >= 2))
        for m in measures:
            f = base.iloc[sel].copy()
            f["measure"] = m
            f["estimate"] = est[m][sel]
            f[s.CI_LOWER] = lo[m][sel]
            f[s.CI_UPPER] = hi[m][sel]
            f["n_groups"] = n_groups[sel]
            f["groups_left_out"] = left_out[sel]
            f["ordered"] = ordered[sel]
            frames.append(f)
    if not frames:
        out = base.iloc[:0].assign(measure=[], estimate=[], ci_lower=[], ci_upper=[])
        return out
    out = pd.concat(frames, ignore_index=True)
    note = np.where(
        out["groups_left_out"] > 0,
        out["groups_left_out"].astype(str) + " group(s) left out: small numbers",
        "",
    )
    out["note"] = note
    sii = (out["measure"] == "slope_index_of_inequality").to_numpy()
    reading = np.where(
        out["estimate"] < 0, "values fall as income rises", "values rise with income"
    )
    out.loc[sii, "note"] = np.where(
        out.loc[sii, "note"] != "",
        out.loc[sii, "note"] + "; " + reading[sii],
        reading[sii],
    )
    out["measure"] = pd.Categorical(out["measure"], categories=list(MEASURES))
    out = out.sort_values([s.GEO_ID, s.INDICATOR, s.PERIOD_END, s.DIMENSION, "measure"])
    return out.reset_index(drop=True)


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
