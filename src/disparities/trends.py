"""Is a gap narrowing or widening? A trend per gap series, with known variances.

For each geography x indicator x group comparison with at least two periods,
the gap (group minus reference, oriented so that positive means the group is
worse off) is regressed on the period's mid-year. Each period's gap comes with
its *sampling* standard error SE_i (from the gap's confidence interval), so the
regression is weighted least squares with weights :math:`w_i = 1/SE_i^2` and
the **scale fixed at 1** (statsmodels ``WLS(...).fit(cov_type="fixed scale")``;
the closed form is used here):

.. math::
    \\hat\\beta = (X^T W X)^{-1} X^T W y, \\qquad
    \\operatorname{Var}(\\hat\\beta) = (X^T W X)^{-1}

and the slope is tested with a z statistic. The residual variance is *not*
estimated from the points: with three periods that leaves one degree of freedom
and calls 2, 3, 4 (each +/- 5.7) a certain trend (issue #11).

Heterogeneity: Cochran's :math:`Q = \\sum_i w_i (y_i - \\hat y_i)^2` on
:math:`k - 2` degrees of freedom, :math:`I^2 = \\max(0, (Q - df)/Q)` (Higgins &
Thompson 2002) and the DerSimonian-Laird moment estimate of the between-period
variance for a meta-regression (DerSimonian & Laird 1986; Raudenbush 2009, eq.
16.36; metafor ``rma(method="DL", mods=~year)``):

.. math::
    \\hat\\tau^2 = \\max\\left(0, \\frac{Q - (k - 2)}{\\operatorname{tr} P}\\right),
    \\quad P = W - W X (X^T W X)^{-1} X^T W.

When the points scatter around the line more than their SEs allow (Q test
p < ``heterogeneity_alpha`` = 0.10, the Cochrane Handbook's conventional level
for this low-powered test) the random-effects fit is used: weights
:math:`1/(SE_i^2 + \\hat\\tau^2)`, scale still fixed. The ``model`` column says
which was used. With two periods there is nothing to check the scatter against
(Q has 0 degrees of freedom): the test is the z test of the change between them.

Missing information stays missing: a period without a standard error (a source
that publishes no CI) makes the series "cannot be tested" (p-value NaN), never
p = 0.

Overlapping periods (CHR 2013-2019 and 2014-2020; ACS 5-year spans ending in
consecutive years) share most of their years. Their gaps are positively
correlated (about shared years / span length when yearly samples are alike), so
the change between them rests only on the years *not* shared, and any year-
specific shock sits in several points at once (the scatter check is then
meaningless). The fit keeps each period's full sampling variance and treats the
periods as independent. For a slope this is the conservative choice: with
positive correlation between neighbouring points the variance of a contrast
(weights summing to zero) is smaller than the independent formula gives, and
claiming that gain would rest on equal yearly sample sizes and unrounded
published values, which we cannot check. Because a trend from overlapping
spans alone is still a change in multi-year averages, every such series carries
``overlapping_periods=True`` and a note saying what the change rests on.

The verdict reads the slope against the gap's sign: a significant slope that
moves the gap further from zero is *widening*, towards zero *narrowing*,
otherwise *no significant change*; *cannot be tested* where an SE is missing;
*too few periods* below ``min_periods``. The same model on the log of the
adverse ratio gives the relative trend; when the absolute and relative gaps
move in opposite directions the note says so in plain words (a falling rate can
shrink the point gap while the ratio grows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from disparities import schema as s
from disparities.uncertainty import z_value

__all__ = [
    "OVERLAP_UNCLEAR",
    "compute_gap_trends",
    "fit_gap_trend",
    "heterogeneity",
]

_SERIES_KEYS = [s.GEO_ID, s.INDICATOR, s.DIMENSION, s.GROUP, "reference_group"]

#: the Q test level below which the random-effects model is used
HETEROGENEITY_ALPHA = 0.10
FIXED = "fixed effect (known standard errors)"
RANDOM = "random effects (DerSimonian-Laird)"
UNTESTABLE = "cannot be tested"


def heterogeneity(X, y, variances) -> dict:
    """Cochran's Q, I^2 and the DerSimonian-Laird tau^2 of a weighted regression.

    Parameters
    ----------
    X : array_like, shape (k, p)
        Design matrix (a column of ones for a plain meta-analysis; ones and the
        year for a trend).
    y : array_like, shape (k,)
        Estimates.
    variances : array_like, shape (k,)
        Their known sampling variances.

    Returns
    -------
    dict
        ``q, df, q_p_value, i2`` (in %), ``tau2``. ``q_p_value`` is NaN when
        ``df`` is 0 (nothing to test).

    Examples
    --------
    Three estimates 1, 2, 6 with variance 1 each, intercept only: Q = 14,
    df = 2, trace P = 3 - 3/3 = 2, so tau^2 = (14 - 2) / 2 = 6.

    >>> h = heterogeneity(np.ones((3, 1)), [1.0, 2.0, 6.0], [1.0, 1.0, 1.0])
    >>> round(h["q"], 6), h["df"], round(h["tau2"], 6)
    (14.0, 2, 6.0)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = 1.0 / np.asarray(variances, dtype=float)
    k, p = X.shape
    XtW = X.T * w
    A = XtW @ X
    beta = np.linalg.solve(A, XtW @ y)
    resid = y - X @ beta
    q = float(np.sum(w * resid**2))
    df = k - p
    trace_p = float(np.sum(w) - np.trace(np.linalg.solve(A, (X.T * w**2) @ X)))
    if df <= 0:
        return {"q": q, "df": df, "q_p_value": np.nan, "i2": np.nan, "tau2": 0.0}
    return {
        "q": q,
        "df": df,
        "q_p_value": float(special.chdtrc(df, q)),  # chi-square upper tail
        "i2": 100 * max(0.0, (q - df) / q) if q > 0 else 0.0,
        "tau2": max(0.0, (q - df) / trace_p) if trace_p > 0 else 0.0,
    }


def _untestable(n, note, slope=np.nan):
    return {
        "slope": slope,
        "ci_lower": np.nan,
        "ci_upper": np.nan,
        "p_value": np.nan,
        "n_periods": int(n),
        "model": UNTESTABLE,
        "q": np.nan,
        "q_df": np.nan,
        "q_p_value": np.nan,
        "i2": np.nan,
        "tau2": np.nan,
        "note": note,
    }


def fit_gap_trend(
    years,
    gaps,
    standard_errors,
    *,
    alpha: float = 0.05,
    heterogeneity_alpha: float = HETEROGENEITY_ALPHA,
) -> dict:
    """Linear trend of one gap series, weighted by its known sampling variances.

    Parameters
    ----------
    years : array_like
        Mid-year of each period.
    gaps : array_like
        The gap in each period.
    standard_errors : array_like
        Its sampling standard error. Weights are 1/SE^2 and the scale is fixed
        at 1 (the SEs are known, not estimated from the points). A missing or
        non-positive SE makes the series untestable (p-value NaN).
    alpha : float
        One minus the confidence level of the slope's interval.
    heterogeneity_alpha : float
        Cochran's Q test level below which the DerSimonian-Laird
        random-effects fit is used instead of the fixed-effect one.

    Returns
    -------
    dict
        ``slope, ci_lower, ci_upper, p_value, n_periods, model, q, q_df,
        q_p_value, i2, tau2, note``; ``model`` is
        ``"fixed effect (known standard errors)"``,
        ``"random effects (DerSimonian-Laird)"`` or ``"cannot be tested"``.

    Examples
    --------
    Gaps of 2, 3, 4 per 1,000 in three years, each with a 95% CI of +/- 5.7
    (SE 2.908): the slope is 1.0 per year with SE 2.908 / sqrt(2) = 2.056, so
    z = 0.486 and p = 0.63: no evidence of a trend.

    >>> r = fit_gap_trend([2018, 2019, 2020], [2.0, 3.0, 4.0], [5.7 / 1.959964] * 3)
    >>> round(r["slope"], 6), round(r["p_value"], 3), r["model"]
    (1.0, 0.627, 'fixed effect (known standard errors)')
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(gaps, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y, se = x[ok], y[ok], se[ok]
    n = len(x)
    if n < 2 or np.ptp(x) == 0:
        return _untestable(n, f"{n} period(s) with a usable gap: no trend")
    no_se = np.isnan(se) | (se <= 0)
    if no_se.any():
        xc = x - x.mean()
        slope = float(np.sum(xc * (y - y.mean())) / np.sum(xc**2))
        return _untestable(
            n,
            f"{int(no_se.sum())} period(s) without a standard error: the trend "
            "cannot be tested",
            slope,
        )
    X = np.column_stack([np.ones(n), x - x.mean()])
    var = se**2
    het = heterogeneity(X, y, var)
    model = FIXED
    if het["df"] > 0 and het["q_p_value"] < heterogeneity_alpha and het["tau2"] > 0:
        var = var + het["tau2"]
        model = RANDOM
    w = 1.0 / var
    A = (X.T * w) @ X
    beta = np.linalg.solve(A, (X.T * w) @ y)
    slope_se = float(np.sqrt(np.linalg.inv(A)[1, 1]))
    slope = float(beta[1])
    zstat = slope / slope_se
    half = z_value(alpha) * slope_se
    note = ""
    if het["df"] == 0:
        note = "two periods: the change between them (scatter cannot be checked)"
    elif model == RANDOM:
        note = (
            "the periods scatter more than their sampling error allows "
            f"(I\u00b2 = {het['i2']:.0f}%): random-effects fit"
        )
    return {
        "slope": slope,
        "ci_lower": slope - half,
        "ci_upper": slope + half,
        "p_value": float(2 * special.ndtr(-abs(zstat))),  # two-sided normal
        "n_periods": int(n),
        "model": model,
        "q": het["q"],
        "q_df": het["df"],
        "q_p_value": het["q_p_value"],
        "i2": het["i2"],
        "tau2": het["tau2"],
        "note": note,
    }


#: verdict for overlapping spans whose change is not significant
OVERLAP_UNCLEAR = "can't tell yet (the periods share years)"


def _verdict(slope, p, mean_gap, alpha):
    if np.isnan(p):
        return UNTESTABLE
    if np.isnan(slope) or p >= alpha or slope == 0:
        return "no significant change"
    return "widening" if np.sign(slope) == np.sign(mean_gap) else "narrowing"


def _overlapping(sub) -> bool:
    """Do any two consecutive periods share a year?"""
    starts = sub[s.PERIOD_START].to_numpy(float)
    ends = sub[s.PERIOD_END].to_numpy(float)
    return bool((starts[1:] <= ends[:-1]).any())


_COLUMNS = _SERIES_KEYS + [
    "n_periods",
    "first_period",
    "last_period",
    "slope_per_year",
    "slope_ci_lower",
    "slope_ci_upper",
    "p_value",
    "model",
    "heterogeneity_q",
    "heterogeneity_p_value",
    "i_squared",
    "tau_squared",
    "overlapping_periods",
    "relative_change_per_year",
    "relative_p_value",
    "verdict",
    "note",
]


def _series_record(sub, alpha, heterogeneity_alpha):
    """Fit one series (absolute and relative) and word its verdict and note."""
    a = fit_gap_trend(
        sub["year"],
        sub["gap"],
        sub["gap_se"],
        alpha=alpha,
        heterogeneity_alpha=heterogeneity_alpha,
    )
    lr = sub[np.isfinite(sub["log_ratio"])]
    rel = fit_gap_trend(
        lr["year"],
        lr["log_ratio"],
        lr["log_ratio_se"],
        alpha=alpha,
        heterogeneity_alpha=heterogeneity_alpha,
    )
    verdict = _verdict(a["slope"], a["p_value"], float(sub["gap"].mean()), alpha)
    rel_verdict = _verdict(
        rel["slope"],
        rel["p_value"],
        float(lr["log_ratio"].mean()) if len(lr) else 0,
        alpha,
    )
    notes = [a["note"]] if a["note"] else []
    if {verdict, rel_verdict} == {"widening", "narrowing"}:
        notes.append(
            f"the absolute gap is {verdict} while the "
            f"ratio between groups is {rel_verdict}: both are true, they measure "
            "different things"
        )
    elif verdict == "no significant change" and rel_verdict in (
        "widening",
        "narrowing",
    ):
        notes.append(f"the ratio between groups is {rel_verdict}")
    overlap = _overlapping(sub)
    if overlap:
        notes.append(
            "periods overlap and share years: the change rests on the years they "
            "do not share and is a change in multi-year averages"
        )
        if verdict == "no significant change":
            # treated as independent, overlapping spans have little power to
            # show a change: "no change" would read as "stable", which it is not
            verdict = OVERLAP_UNCLEAR
    return {
        "n_periods": a["n_periods"],
        "slope_per_year": a["slope"],
        "slope_ci_lower": a["ci_lower"],
        "slope_ci_upper": a["ci_upper"],
        "p_value": a["p_value"],
        "model": a["model"],
        "heterogeneity_q": a["q"],
        "heterogeneity_p_value": a["q_p_value"],
        "i_squared": a["i2"],
        "tau_squared": a["tau2"],
        "overlapping_periods": overlap,
        "relative_change_per_year": 100 * (np.exp(rel["slope"]) - 1),
        "relative_p_value": rel["p_value"],
        "verdict": verdict,
        "note": "; ".join(notes),
    }


def compute_gap_trends(
    gaps: pd.DataFrame,
    *,
    alpha: float = 0.05,
    min_periods: int = 2,
    heterogeneity_alpha: float = HETEROGENEITY_ALPHA,
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Trend of every gap series in a :func:`~disparities.gaps.compute_gaps` result.

    Each period's standard error is read from the gap's confidence interval.
    Where a source publishes none (CHR's child poverty by race), the county
    profile derives one from the groups' sizes
    (:func:`~disparities.group_sizes.add_size_estimates`) before fitting; gaps
    passed here without that step have no standard error for those periods and
    their series read "cannot be tested". Pass ``table`` (or gaps already
    through ``add_size_estimates``) so every caller fits the same series the
    same way: a county's batch profile and its own report once disagreed on
    exactly this.

    Parameters
    ----------
    gaps : pandas.DataFrame
        Gaps over several periods.
    alpha : float
        Significance level of the trend test.
    min_periods : int
        Fewer usable periods than this gives no verdict ("too few periods").
        Two is enough: with known sampling variances two periods give a valid
        test of the change between them.
    heterogeneity_alpha : float
        Cochran's Q level for switching to the random-effects fit.
    table : pandas.DataFrame, optional
        The tidy table the gaps came from, with its context rows. When given,
        gap rows not yet through
        :func:`~disparities.group_sizes.add_size_estimates` get their derived
        intervals first (rows that went through it keep theirs).

    Returns
    -------
    pandas.DataFrame
        One row per series: ``geo_id, indicator, dimension, group,
        reference_group, n_periods, first_period, last_period, slope_per_year,
        slope_ci_lower, slope_ci_upper, p_value, model, heterogeneity_q,
        heterogeneity_p_value, i_squared, tau_squared, overlapping_periods,
        relative_change_per_year, relative_p_value, verdict, note``.
        ``slope_per_year`` is in the indicator's unit (the gap oriented so that
        positive means the group is worse off); ``relative_change_per_year`` is
        the yearly % change of the adverse ratio. ``verdict`` is one of
        ``widening``, ``narrowing``, ``no significant change``, ``cannot be
        tested`` (a period without a CI) or ``too few periods``.
    """
    z = z_value(alpha)
    if table is not None:
        from disparities.group_sizes import add_size_estimates

        gaps = add_size_estimates(gaps, table, alpha=alpha)
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
    # a series is one source's: two sources of one gap are never mixed
    series_keys = _SERIES_KEYS + ([s.SOURCE] if s.SOURCE in g.columns else [])
    for key, sub in g.groupby(series_keys, observed=True, sort=True):
        sub = sub.sort_values("year")
        rec = dict(zip(series_keys, key, strict=True))
        rec.update(
            first_period=str(sub[s.PERIOD].iloc[0]),
            last_period=str(sub[s.PERIOD].iloc[-1]),
        )
        if len(sub) < min_periods:
            rec.update(
                n_periods=len(sub),
                model=UNTESTABLE,
                overlapping_periods=False,
                verdict="too few periods",
                note=f"only {len(sub)} period(s) with a usable gap",
            )
        else:
            rec.update(_series_record(sub, alpha, heterogeneity_alpha))
        rows.append(rec)
    columns = _COLUMNS + ([s.SOURCE] if s.SOURCE in g.columns else [])
    return pd.DataFrame(rows, columns=columns)
