"""Is a gap narrowing or widening? A weighted trend per gap series.

For each geography x indicator x group comparison with at least three periods,
the gap (group minus reference) is regressed on the period's mid-year by
weighted least squares (statsmodels ``WLS``, weights 1/SE^2 of each period's
gap, so noisy years count less). The slope is the change in the gap per year.

The verdict reads the slope against the gap's sign: a significant slope that
moves the gap further from zero is *widening*, towards zero *narrowing*,
otherwise *no significant change*. The same model on the log of the adverse
ratio gives the relative trend; when the absolute and relative gaps move in
opposite directions the note says so in plain words (a falling rate can
shrink the point gap while the ratio grows).

Periods that overlap (ACS 5-year spans ending in consecutive years) share most
of their data, so their trend test is too optimistic; the note says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.uncertainty import z_value

__all__ = ["compute_gap_trends", "fit_gap_trend"]

_SERIES_KEYS = [s.GEO_ID, s.INDICATOR, s.DIMENSION, s.GROUP, "reference_group"]


def fit_gap_trend(years, gaps, standard_errors, *, alpha: float = 0.05) -> dict:
    """Weighted linear trend of one gap series.

    Parameters
    ----------
    years : array_like
        Mid-year of each period.
    gaps : array_like
        The gap in each period.
    standard_errors : array_like
        Its standard error (weights are 1/SE^2; missing SEs give equal weights).
    alpha : float
        One minus the confidence level of the slope's interval.

    Returns
    -------
    dict
        ``slope, ci_lower, ci_upper, p_value, n_periods``.

    Examples
    --------
    A gap growing by exactly 1 point a year:

    >>> r = fit_gap_trend([2018, 2019, 2020, 2021], [2.0, 3.0, 4.0, 5.0], [0.5] * 4)
    >>> round(r["slope"], 6)
    1.0
    """
    import statsmodels.api as sm

    x = np.asarray(years, dtype=float)
    y = np.asarray(gaps, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y, se = x[ok], y[ok], se[ok]
    if len(x) < 3 or np.ptp(x) == 0:
        return {
            "slope": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
            "p_value": np.nan,
            "n_periods": int(len(x)),
        }
    w = np.where(np.isnan(se) | (se <= 0), 1.0, 1.0 / np.maximum(se, 1e-12) ** 2)
    X = sm.add_constant(x - x.mean())
    fit = sm.WLS(y, X, weights=w).fit()
    lo, hi = fit.conf_int(alpha=alpha)[1]
    p = float(fit.pvalues[1]) if np.isfinite(fit.pvalues[1]) else 0.0
    return {
        "slope": float(fit.params[1]),
        "ci_lower": float(lo),
        "ci_upper": float(hi),
        "p_value": p,
        "n_periods": int(len(x)),
    }


def _verdict(slope, p, mean_gap, alpha):
    if np.isnan(slope) or np.isnan(p) or p >= alpha or slope == 0:
        return "no significant change"
    return "widening" if np.sign(slope) == np.sign(mean_gap) else "narrowing"


def compute_gap_trends(
    gaps: pd.DataFrame, *, alpha: float = 0.05, min_periods: int = 3
) -> pd.DataFrame:
    """Trend of every gap series in a :func:`~disparities.gaps.compute_gaps` result.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Gaps over several periods.
    alpha : float
        Significance level of the trend test.
    min_periods : int
        Fewer usable periods than this gives no verdict ("too few periods").

    Returns
    -------
    pandas.DataFrame
        One row per series: ``geo_id, indicator, dimension, group,
        reference_group, n_periods, first_period, last_period, slope_per_year,
        slope_ci_lower, slope_ci_upper, p_value, relative_change_per_year,
        relative_p_value, verdict, note``. ``slope_per_year`` is in the
        indicator's unit (the gap oriented so that positive means the group is
        worse off); ``relative_change_per_year`` is the yearly % change of the
        adverse ratio.
    """
    z = z_value(alpha)
    g = gaps[~gaps[s.SUPPRESSED] & gaps["difference"].notna()].copy()
    g["year"] = (g[s.PERIOD_START] + g[s.PERIOD_END]) / 2
    orient = np.where(g["higher_is_worse"].to_numpy(bool), 1.0, -1.0)
    g["gap"] = g["difference"] * orient
    g["gap_se"] = (g["difference_ci_upper"] - g["difference_ci_lower"]) / (2 * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        g["log_ratio"] = np.log(g["adverse_ratio"])
        g["log_ratio_se"] = (
            np.log(g["adverse_ratio_ci_upper"]) - np.log(g["adverse_ratio_ci_lower"])
        ) / (2 * z)
    rows = []
    for key, sub in g.groupby(_SERIES_KEYS, observed=True, sort=True):
        sub = sub.sort_values("year")
        first, last = sub[s.PERIOD].iloc[0], sub[s.PERIOD].iloc[-1]
        overlap = bool(
            (
                sub[s.PERIOD_START].iloc[1:].to_numpy()
                <= sub[s.PERIOD_END].iloc[:-1].to_numpy()
            ).any()
        )
        rec = dict(zip(_SERIES_KEYS, key, strict=True))
        rec.update(first_period=str(first), last_period=str(last))
        if len(sub) < min_periods:
            rec.update(
                n_periods=len(sub),
                slope_per_year=np.nan,
                slope_ci_lower=np.nan,
                slope_ci_upper=np.nan,
                p_value=np.nan,
                relative_change_per_year=np.nan,
                relative_p_value=np.nan,
                verdict="too few periods",
                note=f"only {len(sub)} period(s) with a usable gap",
            )
            rows.append(rec)
            continue
        a = fit_gap_trend(sub["year"], sub["gap"], sub["gap_se"], alpha=alpha)
        lr = sub[np.isfinite(sub["log_ratio"])]
        rel = fit_gap_trend(
            lr["year"], lr["log_ratio"], lr["log_ratio_se"], alpha=alpha
        )
        mean_gap = float(sub["gap"].mean())
        verdict = _verdict(a["slope"], a["p_value"], mean_gap, alpha)
        rel_verdict = _verdict(
            rel["slope"],
            rel["p_value"],
            float(lr["log_ratio"].mean()) if len(lr) else 0,
            alpha,
        )
        notes = []
        if {verdict, rel_verdict} == {"widening", "narrowing"}:
            notes.append(
                f"the absolute gap is {verdict} while the "
                f"ratio between groups is {rel_verdict}: both are true, they measure "
                "different things"
            )
        elif verdict == "no significant change" and rel_verdict != verdict:
            notes.append(f"the ratio between groups is {rel_verdict}")
        if overlap:
            notes.append("periods overlap and share data, so this test is optimistic")
        rec.update(
            n_periods=a["n_periods"],
            slope_per_year=a["slope"],
            slope_ci_lower=a["ci_lower"],
            slope_ci_upper=a["ci_upper"],
            p_value=a["p_value"],
            relative_change_per_year=100 * (np.exp(rel["slope"]) - 1),
            relative_p_value=rel["p_value"],
            verdict=verdict,
            note="; ".join(notes),
        )
        rows.append(rec)
    cols = _SERIES_KEYS + [
        "n_periods",
        "first_period",
        "last_period",
        "slope_per_year",
        "slope_ci_lower",
        "slope_ci_upper",
        "p_value",
        "relative_change_per_year",
        "relative_p_value",
        "verdict",
        "note",
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out
