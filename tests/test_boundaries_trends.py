"""Boundaries of the gap-trend fit, each expectation worked by hand.

Closed forms (weights w_i = 1/v_i, intercept-only or intercept + centred year):
Cochran's Q = sum w (y - fit)^2, I^2 = max(0, (Q - df)/Q) (Higgins & Thompson
2002), DerSimonian-Laird tau^2 = max(0, (Q - df)/tr P) with, for equal weights
w and p columns, tr P = k w - p w (DerSimonian & Laird 1986).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from disparities.trends import (
    FIXED,
    OVERLAP_UNCLEAR,
    RANDOM,
    UNTESTABLE,
    _verdict,
    compute_gap_trends,
    fit_gap_trend,
    heterogeneity,
)

Z = stats.norm.ppf(0.975)


def table(diffs, se, periods, *, ratios=None, ratio_se=None, group="Black", **extra):
    """One gap series: differences with SE ``se``; adverse ratios with log-SE."""
    rows = []
    for i, (d, (a, b)) in enumerate(zip(diffs, periods, strict=True)):
        r = np.nan if ratios is None else ratios[i]
        rs = np.nan if ratio_se is None else ratio_se
        rows.append(
            {
                "geo_id": "37001",
                "indicator": "x",
                "dimension": "race_ethnicity",
                "group": group,
                "reference_group": "White",
                "period": f"{a}-{b}" if a != b else str(a),
                "period_start": a,
                "period_end": b,
                "difference": d,
                "difference_ci_lower": d - Z * se,
                "difference_ci_upper": d + Z * se,
                "adverse_ratio": r,
                "adverse_ratio_ci_lower": r * np.exp(-Z * rs),
                "adverse_ratio_ci_upper": r * np.exp(Z * rs),
                "higher_is_worse": True,
                "suppressed": False,
                **extra,
            }
        )
    return pd.DataFrame(rows)


YEARS3 = [(y, y) for y in (2018, 2019, 2020)]


# ---- heterogeneity -----------------------------------------------------------


def test_no_degrees_of_freedom_gives_no_scatter_statistics():
    # two periods, intercept + slope: df = 0, nothing to test
    h = heterogeneity(np.column_stack([np.ones(2), [-1.0, 1.0]]), [1.0, 4.0], [1, 1])
    assert h["df"] == 0
    assert np.isnan(h["q_p_value"]) and np.isnan(h["i2"])
    assert h["tau2"] == 0.0
    r = fit_gap_trend([2018, 2020], [1.0, 4.0], [1.0, 2.0])
    assert r["tau2"] == 0.0 and np.isnan(r["i2"])


def test_identical_estimates_have_zero_q_and_zero_i2():
    h = heterogeneity(np.ones((3, 1)), [2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    assert h["q"] == 0.0 and h["i2"] == 0.0 and h["tau2"] == 0.0
    assert h["q_p_value"] == pytest.approx(1.0)


def test_q_below_df_gives_i2_zero_not_negative():
    # 0 and 1, variance 1: mean 0.5, Q = 2 * 0.25 = 0.5 < df = 1
    h = heterogeneity(np.ones((2, 1)), [0.0, 1.0], [1.0, 1.0])
    assert h["q"] == pytest.approx(0.5)
    assert h["i2"] == 0.0 and h["tau2"] == 0.0


def test_q_between_one_and_two():
    # 0 and sqrt(3), variance 1: residuals +/- sqrt(3)/2, Q = 1.5, df = 1,
    # I^2 = 100 * 0.5 / 1.5 = 33.3%; tr P = 2 - 1 = 1, tau^2 = 0.5
    h = heterogeneity(np.ones((2, 1)), [0.0, np.sqrt(3)], [1.0, 1.0])
    assert h["q"] == pytest.approx(1.5)
    assert h["i2"] == pytest.approx(100 / 3)
    assert h["tau2"] == pytest.approx(0.5)
    assert h["q_p_value"] == pytest.approx(stats.chi2.sf(1.5, 1))


def test_rounding_degenerate_trace_never_divides_by_zero():
    # one weight 1e16 times the others: in floating point tr P rounds to 0;
    # the guard then adds no between-period variance (and never raises)
    h = heterogeneity(np.ones((3, 1)), [0.0, 0.0, 10.0], [1e-16, 1.0, 1.0])
    assert h["q"] > h["df"]
    assert h["tau2"] == 0.0


# ---- fixed or random effects -------------------------------------------------


def test_small_q_with_lenient_level_stays_fixed_effect():
    # points 0, 0.5, 0 (variance 1): Q = 2 * 0.25 / 3 = 1/6 < df = 1, so
    # tau^2 = 0; Q's p = 0.68 is below a level of 0.99, but with no
    # between-period variance the fit stays fixed-effect
    r = fit_gap_trend([0, 1, 2], [0.0, 0.5, 0.0], [1.0] * 3, heterogeneity_alpha=0.99)
    assert r["q"] == pytest.approx(1 / 6)
    assert r["q_p_value"] < 0.99 and r["tau2"] == 0.0
    assert r["model"] == FIXED


def test_random_effects_with_tau2_below_one():
    # points 0, c, 0 with variance 0.25 at x = 0, 1, 2 and c^2 = 1.125:
    # flat fit c/3, Q = (2 c^2 / 3) / 0.25 = 3, df = 1, p = 0.083 < 0.10;
    # tr P = 3 w - 2 w = w = 4, tau^2 = (3 - 1) / 4 = 0.5
    c = np.sqrt(1.125)
    r = fit_gap_trend([0, 1, 2], [0.0, c, 0.0], [0.5] * 3)
    assert r["q"] == pytest.approx(3.0)
    assert r["tau2"] == pytest.approx(0.5)
    assert r["model"] == RANDOM
    # slope 0 and its SE from weights 1/(0.25 + 0.5): 1/sqrt(2/0.75)
    assert r["slope"] == pytest.approx(0.0, abs=1e-12)
    assert r["ci_upper"] == pytest.approx(Z * np.sqrt(0.75 / 2))


def test_q_p_value_exactly_at_the_level_is_not_heterogeneous():
    # 0, 3, 0 with variance 1: flat fit 1, residuals -1, 2, -1, Q = 6 exactly
    level = stats.chi2.sf(6.0, 1)
    r = fit_gap_trend([0, 1, 2], [0.0, 3.0, 0.0], [1.0] * 3, heterogeneity_alpha=level)
    assert r["q"] == 6.0 and r["q_p_value"] == level
    assert r["model"] == FIXED
    r = fit_gap_trend([0, 1, 2], [0.0, 3.0, 0.0], [1.0] * 3, heterogeneity_alpha=0.1)
    assert r["model"] == RANDOM


# ---- missing and zero inputs ---------------------------------------------------


def test_missing_gap_drops_that_period_only():
    r = fit_gap_trend([2018, 2019, 2020], [1.0, np.nan, 3.0], [1.0, 1.0, 1.0])
    assert r["n_periods"] == 2
    assert r["slope"] == pytest.approx(1.0)
    assert r["ci_upper"] - r["slope"] == pytest.approx(Z * np.sqrt(2) / 2)


def test_zero_standard_error_is_untestable():
    r = fit_gap_trend([2018, 2019, 2020], [1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    assert r["model"] == UNTESTABLE and np.isnan(r["p_value"])
    assert r["slope"] == pytest.approx(1.0)


# ---- verdict boundaries --------------------------------------------------------


def test_verdict_at_the_significance_level_and_at_slope_two():
    assert _verdict(1.0, 0.05, 1.0, 0.05) == "no significant change"
    assert _verdict(1.0, 0.0499, 1.0, 0.05) == "widening"
    assert _verdict(2.0, 0.001, 1.0, 0.05) == "widening"
    assert _verdict(-2.0, 0.001, 1.0, 0.05) == "narrowing"
    assert _verdict(np.nan, np.nan, 1.0, 0.05) == UNTESTABLE


# ---- the relative (ratio) trend --------------------------------------------------


def test_relative_change_per_year_is_the_yearly_ratio_growth():
    # ratios 2, 2.2, 2.42 grow 10% a year: log slope = log 1.1, so the
    # relative change is 100 (1.1 - 1) = 10%; log-SE 0.05 each gives the slope
    # SE 0.05 / sqrt(2) and z = log(1.1) sqrt(2) / 0.05
    t = table([1.0, 1.0, 1.0], 0.5, YEARS3, ratios=[2.0, 2.2, 2.42], ratio_se=0.05)
    row = compute_gap_trends(t).iloc[0]
    assert row["relative_change_per_year"] == pytest.approx(10.0, rel=1e-9)
    z = np.log(1.1) * np.sqrt(2) / 0.05
    assert row["relative_p_value"] == pytest.approx(2 * stats.norm.sf(z), rel=1e-6)
    # the absolute gap is flat, the ratio grows: the note says so
    assert row["verdict"] == "no significant change"
    assert "the ratio between groups is widening" in row["note"]


def test_relative_p_value_uses_the_log_ratio_ci():
    # log-SE 0.2: z = log(1.1) sqrt(2) / 0.2 = 0.674, p = 0.50
    t = table([1.0, 1.0, 1.0], 0.5, YEARS3, ratios=[2.0, 2.2, 2.42], ratio_se=0.2)
    row = compute_gap_trends(t).iloc[0]
    z = np.log(1.1) * np.sqrt(2) / 0.2
    assert row["relative_p_value"] == pytest.approx(2 * stats.norm.sf(z), rel=1e-6)
    assert "ratio" not in row["note"]


def test_same_direction_absolute_and_relative_add_no_ratio_note():
    t = table([1.0, 3.0, 5.0], 0.1, YEARS3, ratios=[2.0, 2.2, 2.42], ratio_se=0.01)
    row = compute_gap_trends(t).iloc[0]
    assert row["verdict"] == "widening"
    assert "ratio" not in row["note"]


def test_flat_absolute_and_flat_ratio_add_no_ratio_note():
    t = table([1.0, 1.0, 1.0], 0.5, YEARS3, ratios=[2.0, 2.0, 2.0], ratio_se=0.05)
    row = compute_gap_trends(t).iloc[0]
    assert row["verdict"] == "no significant change"
    assert row["relative_change_per_year"] == pytest.approx(0.0, abs=1e-9)
    assert "ratio" not in row["note"]


# ---- overlapping periods ----------------------------------------------------------


def test_overlap_only_between_later_periods_is_found():
    spans = [(2010, 2012), (2014, 2016), (2016, 2018)]
    row = compute_gap_trends(table([1, 1, 1], 0.5, spans)).iloc[0]
    assert row["overlapping_periods"]
    assert row["verdict"] == OVERLAP_UNCLEAR


def test_overlapping_but_significant_change_keeps_its_verdict():
    spans = [(2013, 2019), (2014, 2020), (2015, 2021)]
    row = compute_gap_trends(table([1, 5, 9], 0.5, spans)).iloc[0]
    assert row["overlapping_periods"] and row["verdict"] == "widening"


# ---- the table -----------------------------------------------------------------------


def test_too_few_periods_row_is_not_flagged_overlapping():
    row = compute_gap_trends(table([1.0], 0.5, [(2018, 2018)])).iloc[0]
    assert row["verdict"] == "too few periods"
    assert not row["overlapping_periods"]


def test_first_and_last_period_and_sorted_series():
    t = pd.concat(
        [
            table([1, 2, 3], 0.5, YEARS3, group="Hispanic"),
            table([1, 2, 3], 0.5, YEARS3, group="Black"),
        ]
    )
    out = compute_gap_trends(t)
    assert list(out["group"]) == ["Black", "Hispanic"]
    assert list(out["first_period"]) == ["2018", "2018"]
    assert list(out["last_period"]) == ["2020", "2020"]
    assert "source" not in out.columns


def test_sources_are_separate_series_and_kept():
    t = pd.concat(
        [
            table([1, 2, 3], 0.5, YEARS3, source="A"),
            table([5, 5, 5], 0.5, YEARS3, source="B"),
        ]
    )
    out = compute_gap_trends(t)
    assert list(out["source"]) == ["A", "B"]
    assert list(out["slope_per_year"]) == pytest.approx([1.0, 0.0], abs=1e-12)


def test_suppressed_period_is_left_out():
    t = table([1.0, 2.0, 50.0], 0.5, YEARS3)
    t.loc[2, "suppressed"] = True
    row = compute_gap_trends(t).iloc[0]
    assert row["n_periods"] == 2 and row["last_period"] == "2019"
    assert row["slope_per_year"] == pytest.approx(1.0)
