"""Intervals against published tables (sources in each test)."""

import numpy as np
import pytest

from disparities.uncertainty import (
    clopper_pearson_interval,
    moe_of_product,
    moe_of_proportion,
    moe_of_ratio,
    moe_of_sum,
    moe_to_se,
    poisson_interval,
    rate_interval,
    wilson_interval,
)

# Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
# comparison of seven methods. Stat Med 17:857-872, Table I (methods 3 and 5).
NEWCOMBE = [
    # x, n, wilson (lo, hi), clopper-pearson (lo, hi)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize("x, n, wilson, exact", NEWCOMBE)
def test_proportion_intervals_match_newcombe(x, n, wilson, exact):
    lo, hi = wilson_interval(x, n)
    assert (round(float(lo), 4), round(float(hi), 4)) == wilson
    lo, hi = clopper_pearson_interval(x, n)
    assert (round(float(lo), 4), round(float(hi), 4)) == exact


# Exact Poisson limits, Garwood (1936) / Ulm (1990) tables, 95%.
@pytest.mark.parametrize(
    "x, lo, hi",
    [(0, 0.0, 3.689), (1, 0.0253, 5.572), (5, 1.623, 11.668), (10, 4.795, 18.390)],
)
def test_poisson_interval_matches_tables(x, lo, hi):
    got = poisson_interval(x)
    assert float(got[0]) == pytest.approx(lo, abs=6e-4)
    assert float(got[1]) == pytest.approx(hi, abs=6e-4)


def test_rate_interval_scales_counts():
    lo, hi = rate_interval(10, 2000, multiplier=1000)
    assert float(lo) == pytest.approx(4.795 / 2, abs=1e-3)
    assert float(hi) == pytest.approx(18.390 / 2, abs=1e-3)


def test_vectorised_and_nan_safe():
    lo, hi = wilson_interval(np.array([1, np.nan]), np.array([10, 10]))
    assert np.isfinite(lo[0]) and np.isnan(lo[1])


def test_acs_formulas_hand_worked():
    # Census Bureau (2020) "Understanding and Using ACS Data", ch. 8 formulas.
    assert float(moe_of_sum(3, 4, 12)) == pytest.approx(13.0)
    # p = 1200/5000 = 0.24; sqrt(150^2 - 0.24^2*200^2) / 5000
    assert float(moe_of_proportion(1200, 5000, 150, 200)) == pytest.approx(
        np.sqrt(150**2 - 0.0576 * 200**2) / 5000
    )
    # negative under the root: fall back to the ratio formula (+)
    assert float(moe_of_proportion(900, 1000, 10, 200)) == pytest.approx(
        np.sqrt(10**2 + 0.81 * 200**2) / 1000
    )
    # ZCTA 10027 (../shared/data): Black 38,418 +/- 3,364 vs White NH 107,746 +/- 9,864
    r = 38418 / 107746
    assert float(moe_of_ratio(38418, 107746, 3364, 9864)) == pytest.approx(
        np.sqrt(3364**2 + r**2 * 9864**2) / 107746
    )
    assert float(moe_of_product(10, 20, 1, 2)) == pytest.approx(np.sqrt(100 * 4 + 400))
    assert float(moe_to_se(1.645)) == pytest.approx(1.0)
