"""Interval formulas at their edges, against scipy and statsmodels directly.

Every expected value here is computed without the code under test: by
``statsmodels.stats.proportion.proportion_confint`` (Wilson, Clopper-Pearson),
by ``scipy.stats.beta`` / ``scipy.stats.chi2`` quantiles, or by a closed form
worked by hand (cited in each test).
"""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from disparities.uncertainty import (
    ACS_Z,
    clopper_pearson_interval,
    moe_of_proportion,
    moe_to_se,
    poisson_interval,
    proportion_interval,
    rate_interval,
    se_to_moe,
    wilson_interval,
    z_value,
)

# x = 0 and x = n, near 0% and 100%, n = 1, and the middle
EDGES = [(0, 1), (1, 1), (0, 5), (5, 5), (1, 50), (49, 50), (0, 1000), (1000, 1000)]
EDGES += [(1, 1000), (999, 1000), (37, 80)]


def test_z_values():
    # standard normal quantiles (any table): 1.959964 (95%), 1.644854 (90%)
    assert z_value() == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.1) == pytest.approx(1.644854, abs=1e-6)
    assert z_value(0.01) == pytest.approx(2.575829, abs=1e-6)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
@pytest.mark.parametrize("x, n", EDGES)
def test_wilson_matches_statsmodels(x, n, alpha):
    lo, hi = wilson_interval(x, n, alpha=alpha)
    want = proportion_confint(x, n, alpha=alpha, method="wilson")
    assert (float(lo), float(hi)) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("n", [1, 5, 50, 1000])
def test_wilson_reaches_zero_and_one_exactly(n):
    # p = 0: centre = half = (z^2/2n)/(1 + z^2/n), so the lower bound is 0;
    # p = 1: centre + half = 1 by the same algebra. Not clipped short of 1.
    assert float(wilson_interval(0, n)[0]) == pytest.approx(0.0, abs=1e-15)
    assert float(wilson_interval(n, n)[1]) == pytest.approx(1.0, abs=1e-15)
    assert float(wilson_interval(n, n)[0]) < 1.0
    assert float(wilson_interval(0, n)[1]) > 0.0


@pytest.mark.parametrize("alpha", [0.05, 0.1])
@pytest.mark.parametrize("x, n", EDGES)
def test_clopper_pearson_matches_beta_quantiles(x, n, alpha):
    lo, hi = clopper_pearson_interval(x, n, alpha=alpha)
    # Clopper & Pearson (1934): beta quantiles, 0 and 1 at the ends
    want_lo = 0.0 if x == 0 else stats.beta.ppf(alpha / 2, x, n - x + 1)
    want_hi = 1.0 if x == n else stats.beta.ppf(1 - alpha / 2, x + 1, n - x)
    assert (float(lo), float(hi)) == pytest.approx((want_lo, want_hi), abs=1e-12)
    sm = proportion_confint(x, n, alpha=alpha, method="beta")
    assert (float(lo), float(hi)) == pytest.approx(sm, abs=1e-9)


@pytest.mark.parametrize("n", [1, 4, 30])
def test_clopper_pearson_closed_forms_at_the_ends(n):
    # x = n: lower = (alpha/2)^(1/n); x = 0: upper = 1 - (alpha/2)^(1/n)
    # (the binomial tail has one term; e.g. n = 30 gives 0.8843, the "rule of 3")
    assert float(clopper_pearson_interval(n, n)[0]) == pytest.approx(0.025 ** (1 / n))
    assert float(clopper_pearson_interval(n, n)[1]) == 1.0
    assert float(clopper_pearson_interval(0, n)[1]) == pytest.approx(
        1 - 0.025 ** (1 / n)
    )
    assert float(clopper_pearson_interval(0, n)[0]) == 0.0


def test_clopper_pearson_missing_or_empty_denominator_is_nan():
    lo, hi = clopper_pearson_interval(
        np.array([np.nan, 3.0, 0.0, 2.0]), np.array([10.0, np.nan, 0.0, -1.0])
    )
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_wilson_missing_or_empty_denominator_is_nan():
    lo, hi = wilson_interval(np.array([np.nan, 3.0, 0.0]), np.array([10.0, np.nan, 0]))
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_proportion_interval_dispatches_by_method():
    assert proportion_interval(3, 10) == pytest.approx(
        proportion_confint(3, 10, method="wilson")
    )
    for name in ("exact", "clopper-pearson"):
        got = proportion_interval(3, 10, method=name, alpha=0.1)
        assert got == pytest.approx(proportion_confint(3, 10, 0.1, method="beta"))
    with pytest.raises(ValueError, match="unknown method"):
        proportion_interval(3, 10, method="wald")


@pytest.mark.parametrize("alpha", [0.05, 0.1])
@pytest.mark.parametrize("x", [0, 1, 2, 9, 10, 11, 19, 20, 21, 100, 1000])
def test_poisson_matches_chi_square(x, alpha):
    # Garwood (1936): L = chi2(alpha/2; 2x)/2, U = chi2(1-alpha/2; 2x+2)/2
    lo, hi = poisson_interval(x, alpha=alpha)
    want_lo = 0.0 if x == 0 else stats.chi2.ppf(alpha / 2, 2 * x) / 2
    want_hi = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    assert float(lo) == pytest.approx(want_lo, rel=1e-9, abs=1e-12)
    assert float(hi) == pytest.approx(want_hi, rel=1e-9)


def test_poisson_closed_forms_and_nan():
    # x = 0: U = -ln(alpha/2) = 3.6889; x = 1: L = -ln(1 - alpha/2) = 0.02532
    lo, hi = poisson_interval(np.array([0.0, 1.0, np.nan]))
    assert hi[0] == pytest.approx(-np.log(0.025))
    assert lo[1] == pytest.approx(-np.log(0.975))
    assert lo[0] == 0.0
    assert np.isnan(lo[2]) and np.isnan(hi[2])


def test_rate_interval_default_multiplier_is_per_1000():
    # 0 deaths in 500 births: 0 to 3.6889 / 500 * 1000 = 7.378 per 1,000
    lo, hi = rate_interval(0, 500)
    assert float(lo) == 0.0
    assert float(hi) == pytest.approx(-np.log(0.025) / 500 * 1000)
    lo, hi = rate_interval(4, 20000, multiplier=100000, alpha=0.1)
    assert float(lo) == pytest.approx(stats.chi2.ppf(0.05, 8) / 2 / 20000 * 1e5)
    assert float(hi) == pytest.approx(stats.chi2.ppf(0.95, 10) / 2 / 20000 * 1e5)


def test_moe_and_se_conversions():
    # ACS margins are at 90%: SE = MOE / 1.645 (ACS Accuracy of the Data)
    assert ACS_Z == 1.645
    assert float(moe_to_se(3.29)) == pytest.approx(2.0)
    assert float(se_to_moe(2.0)) == pytest.approx(3.29)
    assert float(se_to_moe(2.0, z=1.96)) == pytest.approx(3.92)
    assert float(moe_to_se(3.92, z=1.96)) == pytest.approx(2.0)


def test_moe_of_proportion_at_zero_under_the_root():
    # X = 500 +/- 10 of Y = 1000 +/- 20: 10^2 - 0.5^2 * 20^2 = 0 exactly, which is
    # not negative, so the proportion formula stands and the MOE is 0
    # (Census Bureau 2020, ch. 8: switch to the ratio formula only when < 0).
    assert float(moe_of_proportion(500, 1000, 10, 20)) == 0.0
    # just below zero: the ratio formula sqrt(10^2 + 0.5^2 * 20.1^2) / 1000
    assert float(moe_of_proportion(500, 1000, 10, 20.1)) == pytest.approx(
        np.sqrt(100 + 0.25 * 20.1**2) / 1000
    )


def test_moe_of_product_weights_each_margin_by_the_other_estimate():
    # Census Bureau (2020), ch. 8: MOE(AB) = sqrt(A^2 MOE_B^2 + B^2 MOE_A^2)
    # 10 +/- 3 times 20 +/- 2: sqrt(100 x 4 + 400 x 9) = sqrt(4000)
    from disparities.uncertainty import moe_of_product

    assert float(moe_of_product(10, 20, 3, 2)) == pytest.approx(np.sqrt(4000))
    assert float(moe_of_product(10, 20, 0, 2)) == pytest.approx(20.0)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_wilson_bounds_never_leave_0_to_1(alpha):
    # at x = n the algebra gives exactly 1, but floating point lands a hair
    # above it for some n (e.g. n = 16); a proportion's bound may not exceed 1
    n = np.arange(1, 200.0)
    lo, hi = wilson_interval(n, n, alpha=alpha)
    assert (hi <= 1.0).all() and (lo < 1.0).all()
    lo, hi = wilson_interval(0 * n, n, alpha=alpha)
    assert (lo >= 0.0).all() and (hi > 0.0).all()
