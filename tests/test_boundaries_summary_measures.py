"""Summary-measure boundaries, each expectation worked by hand.

Groups given as value +/- 90% margin (ACS convention): SE = moe / 1.645.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from disparities.reliability import prepare_observations
from disparities.summary_measures import (
    _expected_range,
    compute_summary_measures,
    groups_within_noise,
)

SE = 1 / 1.645
Z = stats.norm.ppf(0.975)


def table(values, *, dimension="race_ethnicity", ind="uninsured_children", pops=None):
    groups = {
        "race_ethnicity": ["Black", "Hispanic or Latino", "White"],
        "income": ["Under 100% FPL", "100-199% FPL", "200-399% FPL"],
    }[dimension]
    pops = pops or [100] * len(values)
    rows = [
        {
            "geo_id": "37001",
            "indicator": ind,
            "period": "2016-2020",
            "dimension": dimension,
            "group": g,
            "value": v,
            "denominator": p,
            "moe": 1.0,
        }
        for g, v, p in zip(groups, values, pops, strict=False)
    ]
    return prepare_observations(pd.DataFrame(rows), suppress_below=None)


def by_measure(t, **kw):
    return compute_summary_measures(t, **kw).set_index("measure")


def d2(n):
    """Expected range of n standard normal values by quadrature:
    E[R] = int 1 - Phi(x)^n - (1 - Phi(x))^n dx (Tippett 1925)."""
    f = lambda x: 1 - stats.norm.cdf(x) ** n - stats.norm.sf(x) ** n  # noqa: E731
    return integrate.quad(f, -np.inf, np.inf)[0]


def test_expected_range_table_matches_quadrature():
    # the d2 constants J = 2..10 are published to 3 decimals
    for j in range(2, 11):
        assert _expected_range([j])[0] == pytest.approx(d2(j), abs=6e-4), j
    # beyond the table, Blom's approximation is within 1% (d2(12) = 3.258)
    assert _expected_range([12])[0] == pytest.approx(d2(12), rel=0.01)
    assert _expected_range([20])[0] == pytest.approx(d2(20), rel=0.01)


def test_groups_within_noise_at_the_critical_value():
    # 0 and 2 with variance 1: weighted mean 1, Q = 1 + 1 = 2 exactly
    level = stats.chi2.sf(2.0, 1)
    assert groups_within_noise(np.array([0.0, 2.0]), np.ones(2), [0], alpha=level)[0]
    # 0 and 3: Q = 4.5, above chi2(1)'s 5% point 3.84 (below the 2.5% one)
    assert not groups_within_noise(np.array([0.0, 3.0]), np.ones(2), [0])[0]
    assert groups_within_noise(np.array([0.0, 3.0]), np.ones(2), [0], alpha=0.025)[0]


def test_two_group_difference_and_ratio_intervals():
    # lowest income 30, highest 20 (a two-group comparison): difference 10,
    # SE sqrt(2) SE; ratio 1.5 with log-SE sqrt((SE/30)^2 + (SE/20)^2)
    m = by_measure(table([30, 20], dimension="income"))
    d = m.loc["difference"]
    assert d["estimate"] == pytest.approx(10)
    assert d["ci_lower"] == pytest.approx(10 - Z * np.sqrt(2) * SE)
    assert d["ci_upper"] == pytest.approx(10 + Z * np.sqrt(2) * SE)
    assert d["note"] == ""
    r = m.loc["ratio"]
    slog = np.sqrt((SE / 30) ** 2 + (SE / 20) ** 2)
    assert r["estimate"] == pytest.approx(1.5)
    assert r["ci_lower"] == pytest.approx(1.5 * np.exp(-Z * slog))
    assert r["ci_upper"] == pytest.approx(1.5 * np.exp(Z * slog))


def test_sii_note_sits_on_the_sii_row_only():
    m = by_measure(table([30, 20, 10], dimension="income"))
    assert m.loc["slope_index_of_inequality", "note"] == "values fall as income rises"
    for name in m.index.drop("slope_index_of_inequality"):
        assert m.loc[name, "note"] == "", name
    m = by_measure(table([10, 20, 30], dimension="income"))
    assert m.loc["slope_index_of_inequality", "note"] == "values rise with income"


def test_higher_is_better_takes_the_highest_group_as_best():
    # reading proficiency 40, 60, 70% (higher is better), equal groups:
    # best 70; index of disparity (|40-70| + |60-70|) / 2 / 70 = 28.57%;
    # PAR = best - mean = 70 - 56.67 = 13.33 points
    m = by_measure(table([40, 60, 70], ind="third_grade_reading"))
    assert m.loc["index_of_disparity", "estimate"] == pytest.approx(2000 / 70)
    assert m.loc["population_attributable_risk", "estimate"] == pytest.approx(
        70 - 170 / 3
    )
    assert m.loc["range_difference", "estimate"] == pytest.approx(30)


def test_equal_groups_strict_level_upper_bound_is_the_noise_quantile():
    # three equal groups, SE each: within noise, so the range difference's
    # interval is 0 to the noise-alone quantile d3 SE sqrt(pi/2)
    # sqrt(chi2(2) quantile / 2); at alpha = 0.001 that (5.85 SE) is wider
    # than the delta method's zero-width interval and below 2 z SE
    alpha = 0.001
    m = by_measure(table([20, 20, 20]), alpha=alpha)
    row = m.loc["range_difference"]
    q = stats.chi2.ppf(1 - alpha / 2, 2) / 2
    expect = d2(3) * SE * np.sqrt(np.pi / 2) * np.sqrt(q)
    assert row["ci_lower"] == 0.0
    assert row["ci_upper"] == pytest.approx(expect, rel=1e-3)
    assert row["noise_alone"] == pytest.approx(d2(3) * SE, rel=1e-3)


def test_equal_groups_range_ratio_is_not_zero_width():
    # issue #11: three equal groups gave range ratio 1.0 (1.0 to 1.0); under
    # noise alone the ratio reaches 1 + (range difference's upper noise
    # quantile) / lowest value = 1 + d3 SE sqrt(pi/2) sqrt(q) / 20
    alpha = 0.05
    m = by_measure(table([20, 20, 20]), alpha=alpha)
    row = m.loc["range_ratio"]
    q = stats.chi2.ppf(1 - alpha / 2, 2) / 2
    upper = 1 + d2(3) * SE * np.sqrt(np.pi / 2) * np.sqrt(q) / 20
    assert row["estimate"] == pytest.approx(1.0)
    assert row["ci_lower"] <= 1.0
    assert row["ci_upper"] == pytest.approx(upper, rel=1e-3)
    assert "sampling noise" in row["note"]


def test_simulation_default_is_1000_draws():
    t = table([30, 20, 10])
    a = compute_summary_measures(t, ci_method="simulation")
    b = compute_summary_measures(t, ci_method="simulation", n_simulations=1000)
    pd.testing.assert_frame_equal(a, b)


def test_income_rows_in_any_order_give_the_same_measures():
    # highest income first in the input: the groups are still put in income
    # order (SII -20 points from bottom to top for 30, 20, 10; ridits 1/6,
    # 1/2, 5/6, slope -20 / (2/3) = -30)
    t = table([30, 20, 10], dimension="income")
    rev = t.iloc[::-1].reset_index(drop=True)
    m = by_measure(rev)
    assert m.loc["slope_index_of_inequality", "estimate"] == pytest.approx(-30)
    assert m.loc["difference", "estimate"] == pytest.approx(20)


def _table_with_total(values, pops, dimension, total, total_moe=1.0):
    t = table(values, dimension=dimension, pops=pops)
    if total is None:
        return t
    extra = prepare_observations(
        pd.DataFrame(
            [
                {
                    "geo_id": "37001",
                    "indicator": "uninsured_children",
                    "period": "2016-2020",
                    "dimension": "total",
                    "group": "Total",
                    "value": total,
                    "denominator": sum(pops),
                    "moe": total_moe,
                }
            ]
        ),
        suppress_below=None,
    )
    return pd.concat([t, extra], ignore_index=True)


@pytest.mark.parametrize(
    "dimension, total",
    [
        ("race_ethnicity", None),
        ("race_ethnicity", 24.0),
        # a group exactly at the Total: |dev| has derivative 0 there
        ("race_ethnicity", 20.0),
        ("income", None),
    ],
)
def test_delta_method_half_widths_match_numerical_gradients(dimension, total):
    # delta method: Var(m) = sum_j (dm/dy_j)^2 SE_j^2 (+ the Total row's term);
    # the derivatives here are central finite differences of the estimates,
    # independent of the module's analytic gradients. Groups far apart (no
    # "within noise" widening); upper bounds are never cut.
    values, pops = [10.0, 20.0, 35.0], [100, 300, 600]
    base = by_measure(_table_with_total(values, pops, dimension, total))
    h = 1e-4
    var = pd.Series(0.0, index=base.index)
    points = list(range(3)) + ([3] if total is not None else [])
    for j in points:
        up, down = list(values), list(values)
        t_up = t_down = total
        if j < 3:
            up[j] += h
            down[j] -= h
        else:
            t_up, t_down = total + h, total - h
        e_up = by_measure(_table_with_total(up, pops, dimension, t_up))["estimate"]
        e_down = by_measure(_table_with_total(down, pops, dimension, t_down))
        grad = (e_up - e_down["estimate"]) / (2 * h)
        var += grad**2 * SE**2
    log_scale = {"ratio", "range_ratio", "relative_index_of_inequality"}
    checked = 0
    for name, row in base.iterrows():
        sd = np.sqrt(var[name])
        if name in log_scale:
            got = np.log(row["ci_upper"] / row["estimate"])
            want = Z * sd / row["estimate"]
        else:
            got = row["ci_upper"] - row["estimate"]
            want = Z * sd
        assert got == pytest.approx(want, rel=1e-4, abs=1e-9), name
        checked += 1
    assert checked >= 8


def test_sii_note_follows_the_estimate_not_a_bound():
    # 30, 29.5, 29: SII = -1 / (2/3) = -1.5 with SE sqrt(2) SE / (2/3) = 1.29,
    # so the upper bound is above 0; values still fall as income rises
    m = by_measure(table([30, 29.5, 29], dimension="income"))
    row = m.loc["slope_index_of_inequality"]
    assert row["estimate"] == pytest.approx(-1.5)
    assert row["ci_upper"] == pytest.approx(-1.5 + Z * np.sqrt(2) * SE * 1.5)
    assert row["ci_upper"] > 0
    assert row["note"] == "values fall as income rises"


def test_group_at_zero_adds_nothing_to_theil_and_leaves_mld_undefined():
    # 0, 20, 40 with equal shares: mean 20, ratios 0, 1, 2;
    # Theil = (0 + 1 ln 1 + 2 ln 2) / 3 = 2 ln 2 / 3; MLD needs ln 0: undefined
    m = by_measure(table([0, 20, 40]))
    assert m.loc["theil_index", "estimate"] == pytest.approx(2 * np.log(2) / 3)
    assert m.loc["theil_index_unweighted", "estimate"] == pytest.approx(
        2 * np.log(2) / 3
    )
    assert np.isnan(m.loc["mean_log_deviation", "estimate"])


def test_no_comparison_gives_an_empty_table():
    t = table([10, 20, 30])
    t["suppressed"] = True
    out = compute_summary_measures(t)
    assert len(out) == 0 and "estimate" in out.columns


def test_score_indicator_gets_no_attributable_risk():
    # grade levels vs the U.S. average: an "excess" of grade levels is not a
    # count of children, so PAR and PAF are left out and nothing else is
    m = by_measure(table([-1.0, 0.2, 0.5], ind="reading_grade_performance"))
    assert "population_attributable_risk" not in m.index
    assert "population_attributable_fraction" not in m.index
    assert m.loc["range_difference", "estimate"] == pytest.approx(1.5)


def test_one_reliable_group_adds_no_best_group_noise():
    # 1.5 and 1.8 (SE 0.61: RSE 40% and 34%) are unreliable, 20 is the only
    # group that can be the best: choosing it involves no noise, so the
    # best-group measures' noise-alone value is 0
    m = by_measure(table([1.5, 1.8, 20]))
    assert m.loc["index_of_disparity", "noise_alone"] == 0.0
    # the range difference still has all J = 3 groups' noise: d3 SE
    assert m.loc["range_difference", "noise_alone"] == pytest.approx(d2(3) * SE, 1e-3)


@pytest.mark.parametrize("values", [[5, 3, 1], [1, 3, 5]])
def test_rii_undefined_when_the_fitted_line_reaches_zero(values):
    # ridits 1/6, 1/2, 5/6 on a straight line: 5, 3, 1 is 6 (1 - x), so the
    # fitted value at the top (x = 1) is exactly 0 (and 1, 3, 5 is 0 at x = 0):
    # a ratio to or of 0 has no log-scale interval, so the RII is NaN
    m = by_measure(table(values, dimension="income"))
    sii = m.loc["slope_index_of_inequality", "estimate"]
    assert sii == pytest.approx(-6 if values[0] == 5 else 6)
    assert np.isnan(m.loc["relative_index_of_inequality", "estimate"])


def test_noise_alone_values_by_hand():
    # 10, 20, 30 with shares .1, .3, .6 and SE each (variance v): weighted
    # mean 25, plain mean 20; sum w(1-w) = .09 + .21 + .24 = .54,
    # sum u(1-u) = 2/3, sum w^2 = .46; d3 = expected range of 3 normals
    m = by_measure(table([10, 20, 30], pops=[100, 300, 600]))["noise_alone"]
    v, d3, hn = SE**2, d2(3), np.sqrt(2 / np.pi)
    want = {
        "between_group_variance": 0.54 * v,
        "between_group_variance_unweighted": 2 / 3 * v,
        "theil_index": 0.54 * v / (2 * 25**2),
        "mean_log_deviation": 0.54 * v / (2 * 25**2),
        "theil_index_unweighted": 2 / 3 * v / (2 * 20**2),
        "mean_log_deviation_unweighted": 2 / 3 * v / (2 * 20**2),
        "range_difference": d3 * SE,
        "population_attributable_risk": d3 / 2 * SE,
        "population_attributable_fraction": 100 * d3 / 2 * SE / 25,
        "index_of_disparity": 100 * 3 / 2 * d3 / 2 * SE / 20,
        "index_of_disparity_total": 100 * hn * SE / 25,
        "index_of_disparity_weighted": 100 * hn * SE / 25,
        "between_group_gini": hn * np.sqrt(2 * v) * (1 - 0.46) / (2 * 25),
    }
    for name, value in want.items():
        assert m[name] == pytest.approx(value, rel=1e-3), name


def test_paf_upper_bound_is_cut_at_100():
    # best group 10 (SE 0.61) against a Total of 20 known only to +/- 100
    # (SE 60.8): PAF = 50%, dPAF/dTotal = 100 * 10 / 20^2 = 2.5, so the delta
    # upper bound 50 + 1.96 * 152 is far above 100: cut at 100 (no share of
    # cases above all of them); the lower bound is not cut
    t = _table_with_total(
        [10.0, 20.0, 35.0], [100, 300, 600], "race_ethnicity", 20.0, total_moe=100.0
    )
    row = by_measure(t).loc["population_attributable_fraction"]
    assert row["estimate"] == pytest.approx(50)
    assert row["ci_upper"] == 100.0
    assert row["ci_lower"] < -200


def test_small_positive_sii_reads_as_rising():
    # 10, 10.2, 10.4: SII = 0.4 / (2/3) = 0.6 (between 0 and 1): values rise
    m = by_measure(table([10, 10.2, 10.4], dimension="income"))
    assert m.loc["slope_index_of_inequality", "estimate"] == pytest.approx(0.6)
    assert m.loc["slope_index_of_inequality", "note"].endswith(
        "values rise with income"
    )


def test_rii_with_a_fitted_bottom_between_zero_and_two():
    # 1.5, 2.5, 3.5 at ridits 1/6, 1/2, 5/6 lie on 1 + 3x: bottom 1, top 4
    m = by_measure(table([1.5, 2.5, 3.5], dimension="income"))
    assert m.loc["relative_index_of_inequality", "estimate"] == pytest.approx(4.0)
