"""Gap trends with known sampling variances: hand-worked expectations.

Closed forms used below (k periods, weights w_i = 1/v_i, x centred at the
weighted mean): slope = sum w x y / sum w x^2, Var(slope) = 1 / sum w x^2
(scale fixed at 1); DerSimonian-Laird tau^2 = (Q - df) / trace(P).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from disparities.gaps import compute_gaps
from disparities.reliability import prepare_observations
from disparities.trends import (
    FIXED,
    RANDOM,
    UNTESTABLE,
    compute_gap_trends,
    fit_gap_trend,
    heterogeneity,
)

Z = stats.norm.ppf(0.975)


def series(black, white, n=1_000_000, ind="low_birthweight", **kw):
    rows = []
    for year, (b, w) in enumerate(zip(black, white, strict=True), start=2015):
        for g, v in (("Black", b), ("White", w)):
            rows.append(
                {
                    "geo_id": "37001",
                    "indicator": ind,
                    "period": str(year),
                    "dimension": "race_ethnicity",
                    "group": g,
                    "numerator": round(v / 100 * n),
                    "denominator": n,
                }
            )
    t = prepare_observations(pd.DataFrame(rows), suppress_below=None)
    return compute_gap_trends(compute_gaps(t), **kw).iloc[0]


def gap_table(diffs, half_widths, periods, *, higher_is_worse=True):
    """A minimal compute_gaps-like table: one series, given differences and
    95% CI half-widths, periods as (start, end)."""
    rows = []
    for d, h, (a, b) in zip(diffs, half_widths, periods, strict=True):
        rows.append(
            {
                "geo_id": "37001",
                "indicator": "x",
                "dimension": "race_ethnicity",
                "group": "Black",
                "reference_group": "White",
                "period": f"{a}-{b}" if a != b else str(a),
                "period_start": a,
                "period_end": b,
                "difference": d,
                "difference_ci_lower": d - h,
                "difference_ci_upper": d + h,
                "adverse_ratio": np.nan,
                "adverse_ratio_ci_lower": np.nan,
                "adverse_ratio_ci_upper": np.nan,
                "higher_is_worse": higher_is_worse,
                "suppressed": False,
            }
        )
    return pd.DataFrame(rows)


def test_issue_example_is_not_a_certain_trend():
    # issue #11: gaps 2, 3, 4 per 1,000, each 95% CI +/- 5.7. The old fit
    # estimated the scale from the points: slope 1.0, CI [1.0, 1.0], p = 4e-16.
    se = 5.7 / Z
    r = fit_gap_trend([2018, 2019, 2020], [2.0, 3.0, 4.0], [se] * 3)
    slope_se = se / np.sqrt(2)  # 1 / sqrt(sum w x^2), x = -1, 0, 1
    assert r["slope"] == pytest.approx(1.0)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(1.0 / slope_se))
    assert r["p_value"] == pytest.approx(0.627, abs=1e-3)
    assert r["ci_lower"] == pytest.approx(1.0 - Z * slope_se)
    assert r["ci_upper"] == pytest.approx(1.0 + Z * slope_se)
    assert r["model"] == FIXED
    assert r["q"] == pytest.approx(0.0, abs=1e-12) and r["tau2"] == 0.0
    # the issue's "p about 0.78": the same gaps when the +/- 5.7 is each
    # *group's* 90% margin (gap SE = sqrt(2) * 5.7 / 1.645)
    t = gap_table(
        [2, 3, 4],
        [Z * np.sqrt(2) * 5.7 / 1.645] * 3,
        [(y, y) for y in (2018, 2019, 2020)],
    )
    row = compute_gap_trends(t).iloc[0]
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(1 / 3.4647), abs=1e-3)
    assert 0.76 < row["p_value"] < 0.79
    assert row["verdict"] == "no significant change"


def test_weighted_slope_matches_closed_form_and_statsmodels_fixed_scale():
    import statsmodels.api as sm

    x = np.array([2015.0, 2016, 2018, 2021])
    y = np.array([1.0, 2.5, 2.0, 5.0])
    se = np.array([0.5, 1.0, 0.8, 2.0])
    w = 1 / se**2
    xc = x - np.sum(w * x) / np.sum(w)
    slope = np.sum(w * xc * y) / np.sum(w * xc**2)
    slope_se = 1 / np.sqrt(np.sum(w * xc**2))
    # the points sit close to their line here (Q small): fixed effect
    r = fit_gap_trend(x, y, se, heterogeneity_alpha=1e-9)
    assert r["model"] == FIXED
    assert r["slope"] == pytest.approx(slope, rel=1e-10)
    assert r["ci_upper"] - r["slope"] == pytest.approx(Z * slope_se, rel=1e-10)
    fit = sm.WLS(y, sm.add_constant(x), weights=w).fit(cov_type="fixed scale")
    assert r["slope"] == pytest.approx(fit.params[1], rel=1e-10)
    assert r["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-8)
    # Q by hand: weighted residual sum of squares around the fitted line
    intercept = np.sum(w * y) / np.sum(w) - slope * np.sum(w * x) / np.sum(w)
    q = np.sum(w * (y - intercept - slope * x) ** 2)
    assert r["q"] == pytest.approx(q, rel=1e-10)
    assert r["q_df"] == 2


# Colditz et al. (1994) BCG trials (metafor dat.bcg; van Houwelingen et al.
# 2002, Stat Med 21:589, table I): tpos, tneg, cpos, cneg, absolute latitude
BCG = np.array(
    [
        [4, 119, 11, 128, 44],
        [6, 300, 29, 274, 55],
        [3, 228, 11, 209, 42],
        [62, 13536, 248, 12619, 52],
        [33, 5036, 47, 5761, 13],
        [180, 1361, 372, 1079, 44],
        [8, 2537, 10, 619, 19],
        [505, 87886, 499, 87892, 13],
        [29, 7470, 45, 7232, 27],
        [17, 1699, 65, 1600, 42],
        [186, 50448, 141, 27197, 18],
        [5, 2493, 3, 2338, 33],
        [27, 16886, 29, 17825, 33],
    ],
    dtype=float,
)


def bcg_log_rr():
    a, b, c, d, lat = BCG.T
    yi = np.log((a / (a + b)) / (c / (c + d)))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return yi, vi, lat


def test_dersimonian_laird_reproduces_the_bcg_meta_analysis():
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi, _ = bcg_log_rr()
    h = heterogeneity(np.ones((13, 1)), yi, vi)
    # published: Q(df = 12) = 152.23 for the log risk ratios (metafor
    # rma(measure="RR") on dat.bcg; Viechtbauer 2010, J Stat Softw 36(3))
    assert h["df"] == 12
    assert h["q"] == pytest.approx(152.23, abs=0.01)
    # DL by hand: tau^2 = (Q - df) / (sum w - sum w^2 / sum w)
    w = 1 / vi
    tau2 = (h["q"] - 12) / (w.sum() - (w**2).sum() / w.sum())
    assert h["tau2"] == pytest.approx(tau2, rel=1e-10)
    assert h["tau2"] == pytest.approx(0.3088, abs=5e-4)  # metafor method="DL"
    # and statsmodels' independent implementation
    res = combine_effects(yi, vi, method_re="dl")
    assert h["tau2"] == pytest.approx(res.tau2, rel=1e-8)
    assert h["i2"] == pytest.approx(100 * (h["q"] - 12) / h["q"])


def test_dersimonian_laird_meta_regression_by_hand():
    # with a moderator: trace P = sum w - trace((X'WX)^-1 X'W^2X)
    yi, vi, lat = bcg_log_rr()
    X = np.column_stack([np.ones(13), lat])
    w = 1 / vi
    A = (X.T * w) @ X
    beta = np.linalg.solve(A, (X.T * w) @ yi)
    q = np.sum(w * (yi - X @ beta) ** 2)
    trace_p = w.sum() - np.trace(np.linalg.solve(A, (X.T * w**2) @ X))
    h = heterogeneity(X, yi, vi)
    assert h["df"] == 11
    assert h["q"] == pytest.approx(q, rel=1e-10)
    assert h["tau2"] == pytest.approx((q - 11) / trace_p, rel=1e-10)
    assert h["q_p_value"] == pytest.approx(stats.chi2.sf(q, 11), rel=1e-10)


def test_noisy_unequal_se_series_uses_random_effects():
    x = np.array([2016.0, 2017, 2018, 2019, 2020])
    y = np.array([2.0, 9.0, 1.0, 10.0, 4.0])
    se = np.array([0.5, 1.0, 0.7, 2.0, 0.6])
    r = fit_gap_trend(x, y, se)
    h = heterogeneity(np.column_stack([np.ones(5), x - x.mean()]), y, se**2)
    assert h["q_p_value"] < 0.10 and h["tau2"] > 0
    assert r["model"] == RANDOM
    assert r["tau2"] == pytest.approx(h["tau2"])
    # the random-effects slope and SE by hand, weights 1/(se^2 + tau^2)
    w = 1 / (se**2 + h["tau2"])
    xc = x - np.sum(w * x) / np.sum(w)
    slope = np.sum(w * xc * y) / np.sum(w * xc**2)
    slope_se = 1 / np.sqrt(np.sum(w * xc**2))
    assert r["slope"] == pytest.approx(slope, rel=1e-10)
    assert r["ci_upper"] - r["slope"] == pytest.approx(Z * slope_se, rel=1e-10)
    fixed = fit_gap_trend(x, y, se, heterogeneity_alpha=0.0)
    assert fixed["model"] == FIXED
    assert r["ci_upper"] - r["ci_lower"] > 3 * (fixed["ci_upper"] - fixed["ci_lower"])
    assert "scatter" in r["note"]


@pytest.mark.parametrize(
    "c, model", [(np.sqrt(2.80 * 1.5), RANDOM), (np.sqrt(2.60 * 1.5), FIXED)]
)
def test_heterogeneity_threshold(c, model):
    # points 0, c, 0 with variance 1 at x = 0, 1, 2: flat line at c/3,
    # residuals -c/3, 2c/3, -c/3, Q = 2c^2/3; chi2(1) 90% point is 2.7055
    r = fit_gap_trend([0, 1, 2], [0.0, c, 0.0], [1.0, 1.0, 1.0])
    assert r["q"] == pytest.approx(2 * c**2 / 3)
    assert r["q_df"] == 1
    assert r["model"] == model
    assert (r["tau2"] > 0) == (r["q"] > 1)  # tau^2 > 0 as soon as Q > df


def test_two_periods_are_the_z_test_of_the_change():
    r = fit_gap_trend([2018, 2020], [1.0, 4.0], [1.0, 2.0])
    slope_se = np.sqrt(1 + 4) / 2
    assert r["slope"] == pytest.approx(1.5)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(1.5 / slope_se))
    assert r["model"] == FIXED and r["q_df"] == 0
    assert np.isnan(r["q_p_value"]) and "two periods" in r["note"]


def test_period_boundaries():
    assert fit_gap_trend([2020], [1.0], [1.0])["model"] == UNTESTABLE
    assert fit_gap_trend([2020, 2020], [1.0, 2.0], [1.0, 1.0])["model"] == UNTESTABLE
    t2 = gap_table([1, 4], [Z, 2 * Z], [(2018, 2018), (2020, 2020)])
    assert compute_gap_trends(t2).iloc[0]["n_periods"] == 2
    assert compute_gap_trends(t2, min_periods=3).iloc[0]["verdict"] == "too few periods"
    t3 = gap_table([1, 4, 7], [Z] * 3, [(y, y) for y in (2018, 2019, 2020)])
    row = compute_gap_trends(t3, min_periods=3).iloc[0]
    assert row["n_periods"] == 3 and row["verdict"] == "widening"
    # slope 3 with SE 1/sqrt(2): z = 4.24
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(3 * np.sqrt(2)))


def test_alpha_boundary_of_the_verdict():
    # two periods one year apart, SE of the change = sqrt(2) * se
    se = 1 / np.sqrt(2)
    just_in = gap_table([1.0, 1.0 + 1.97], [Z * se] * 2, [(2019, 2019), (2020, 2020)])
    just_out = gap_table([1.0, 1.0 + 1.95], [Z * se] * 2, [(2019, 2019), (2020, 2020)])
    assert compute_gap_trends(just_in).iloc[0]["verdict"] == "widening"
    assert compute_gap_trends(just_out).iloc[0]["verdict"] == "no significant change"


def test_missing_standard_error_is_untestable_never_p_zero():
    r = fit_gap_trend([2018, 2019, 2020], [2.0, 3.0, 4.0], [1.0, np.nan, 1.0])
    assert np.isnan(r["p_value"]) and r["model"] == UNTESTABLE
    assert r["slope"] == pytest.approx(1.0)  # the plain slope is still shown
    assert "cannot be tested" in r["note"]
    t = gap_table([2, 3, 4], [np.nan] * 3, [(y, y) for y in (2018, 2019, 2020)])
    row = compute_gap_trends(t).iloc[0]
    assert np.isnan(row["p_value"]) and row["verdict"] == "cannot be tested"


@pytest.mark.parametrize(
    "diffs, worse, verdict",
    [
        ([2, 6, 10], True, "widening"),  # group worse, gap grows
        ([10, 6, 2], True, "narrowing"),
        # group better off and pulling further ahead: the gap widens too
        ([-2, -6, -10], True, "widening"),
        # higher is better (e.g. reading proficiency): group 2, 6, 10 points
        # *below* the reference is a widening disadvantage
        ([-2, -6, -10], False, "widening"),
        ([-10, -6, -2], False, "narrowing"),
        ([2, 6, 10], False, "widening"),  # group ahead, further ahead
    ],
)
def test_orientation(diffs, worse, verdict):
    t = gap_table(
        diffs,
        [Z * 0.5] * 3,
        [(y, y) for y in (2018, 2019, 2020)],
        higher_is_worse=worse,
    )
    row = compute_gap_trends(t).iloc[0]
    assert row["verdict"] == verdict
    sign = 1 if worse else -1
    assert row["slope_per_year"] == pytest.approx(sign * (diffs[2] - diffs[0]) / 2)


def test_overlapping_periods_are_flagged():
    spans = [(2013, 2019), (2014, 2020), (2015, 2021)]
    row = compute_gap_trends(gap_table([1, 5, 9], [Z * 0.5] * 3, spans)).iloc[0]
    assert row["overlapping_periods"]
    assert "share years" in row["note"]
    apart = [(2010, 2014), (2015, 2019), (2020, 2024)]
    row = compute_gap_trends(gap_table([1, 5, 9], [Z * 0.5] * 3, apart)).iloc[0]
    assert not row["overlapping_periods"] and "share years" not in row["note"]
    touching = [(2010, 2014), (2014, 2018)]
    assert compute_gap_trends(gap_table([1, 5], [Z] * 2, touching)).iloc[0][
        "overlapping_periods"
    ]


def test_fit_recovers_slope_exactly():
    r = fit_gap_trend([2015, 2016, 2017, 2018], [1.0, 1.5, 2.0, 2.5], [0.1] * 4)
    assert r["slope"] == pytest.approx(0.5)
    assert r["n_periods"] == 4


def test_verdicts():
    years = np.arange(6)
    assert series(10 + years, [5] * 6)["verdict"] == "widening"
    assert series(20 - years, [5] * 6)["verdict"] == "narrowing"
    assert series([10] * 6, [5] * 6)["verdict"] == "no significant change"


def test_absolute_and_relative_moving_apart_are_explained():
    # both fall: the point gap shrinks (10 -> 6) while the ratio grows (2.0 -> 2.5)
    black = np.linspace(20, 10, 6)
    white = np.linspace(10, 4, 6)
    r = series(black, white)
    assert r["verdict"] == "narrowing"
    assert "ratio between groups is widening" in r["note"]
    assert r["relative_change_per_year"] > 0


def test_too_few_periods():
    assert series([10], [5])["verdict"] == "too few periods"
    assert series([10, 11], [5, 5], min_periods=3)["verdict"] == "too few periods"
    assert series([10, 11], [5, 5])["verdict"] == "widening"  # n = 1M each
