"""Confidence intervals and standard errors, by the kind of estimate.

* Proportions: Wilson score interval (Wilson 1927; Newcombe 1998, method 3), as
  used by PHEindicatormethods' ``phe_proportion``; Clopper-Pearson exact as an
  option (``method="exact"``).
* Counts and rates: exact Poisson interval from the gamma distribution
  (Garwood 1936; Ulm 1990), as PHEindicatormethods' ``phe_rate`` for small counts.
* Survey estimates (ACS): SE = MOE / 1.645, and the Census Bureau's formulas for
  margins of error of sums, proportions and ratios ("Understanding and Using
  American Community Survey Data", 2020, ch. 8; ACS Accuracy of the Data).

All functions are vectorised over NumPy arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import special  # scipy.stats takes ~0.3 s to import; special has it all

__all__ = [
    "z_value",
    "wilson_interval",
    "clopper_pearson_interval",
    "proportion_interval",
    "poisson_interval",
    "rate_interval",
    "ACS_Z",
    "moe_to_se",
    "se_to_moe",
    "moe_of_sum",
    "moe_of_proportion",
    "moe_of_ratio",
    "moe_of_product",
]

#: The z value behind ACS margins of error (90% confidence).
ACS_Z = 1.645


def z_value(alpha: float = 0.05) -> float:
    """Two-sided standard normal quantile, 1.959964 for ``alpha=0.05``."""
    return float(special.ndtri(1 - alpha / 2))


def wilson_interval(events, trials, *, alpha: float = 0.05):
    r"""Wilson score interval for a proportion.

    .. math::
        \frac{p + z^2/2n \pm z\sqrt{p(1-p)/n + z^2/4n^2}}{1 + z^2/n}

    Parameters
    ----------
    events, trials : array_like
        Event counts and denominators.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bounds as proportions (0-1).

    Examples
    --------
    Newcombe (1998), Stat Med 17:857, table I: 81/263 gives 0.2553 to 0.3662.

    >>> lo, hi = wilson_interval(81, 263)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = z_value(alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def clopper_pearson_interval(events, trials, *, alpha: float = 0.05):
    """Clopper-Pearson exact interval for a proportion (beta quantiles).

    Examples
    --------
    Newcombe (1998), table I, method 5: 81/263 gives 0.2527 to 0.3676.

    >>> lo, hi = clopper_pearson_interval(81, 263)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2527, 0.3676)
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, special.betaincinv(x, n - x + 1, alpha / 2), 0.0)
        hi = np.where(x < n, special.betaincinv(x + 1, n - x, 1 - alpha / 2), 1.0)
    bad = np.isnan(x) | np.isnan(n) | (n <= 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def proportion_interval(events, trials, *, alpha: float = 0.05, method: str = "wilson"):
    """Interval for a proportion by ``method`` ``"wilson"`` or ``"exact"``."""
    if method == "wilson":
        return wilson_interval(events, trials, alpha=alpha)
    if method in ("exact", "clopper-pearson"):
        return clopper_pearson_interval(events, trials, alpha=alpha)
    raise ValueError(f"unknown method {method!r}; use 'wilson' or 'exact'")


def poisson_interval(count, *, alpha: float = 0.05):
    r"""Exact Poisson interval for a count, from gamma quantiles.

    .. math::
        L = G^{-1}(\alpha/2;\,x),\quad U = G^{-1}(1-\alpha/2;\,x+1)

    Examples
    --------
    Garwood (1936) values: 0 events gives 0 to 3.689; 10 events gives 4.795 to 18.39.

    >>> [round(float(v), 3) for v in poisson_interval(10)]
    [4.795, 18.39]
    >>> round(float(poisson_interval(0)[1]), 3)
    3.689
    """
    x = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, special.gammaincinv(np.maximum(x, 1e-300), alpha / 2), 0.0)
        hi = special.gammaincinv(x + 1, 1 - alpha / 2)
    return np.where(np.isnan(x), np.nan, lo), np.where(np.isnan(x), np.nan, hi)


def rate_interval(events, population, *, multiplier: float = 1000, alpha: float = 0.05):
    """Exact Poisson interval for a rate ``events / population * multiplier``.

    Examples
    --------
    12 infant deaths among 1,500 births: 8.0 per 1,000 (4.13 to 13.97).

    >>> [round(float(v), 2) for v in rate_interval(12, 1500)]
    [4.13, 13.97]
    """
    lo, hi = poisson_interval(events, alpha=alpha)
    pop = np.asarray(population, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return lo / pop * multiplier, hi / pop * multiplier


def moe_to_se(moe, *, z: float = ACS_Z):
    """Standard error from a margin of error (ACS MOEs are 90%: SE = MOE / 1.645)."""
    return np.asarray(moe, dtype=float) / z


def se_to_moe(se, *, z: float = ACS_Z):
    """Margin of error (90% by default) from a standard error."""
    return np.asarray(se, dtype=float) * z


def moe_of_sum(*moes, estimates=None):
    r"""MOE of a sum or difference of ACS estimates, with the zero-estimate rule.

    .. math::
        MOE_{sum} = \sqrt{\sum_{i:\,\hat X_i \ne 0} MOE_i^2
        + \max_{j:\,\hat X_j = 0} MOE_j^2}

    Census Bureau (2020), "Understanding and Using American Community Survey
    Data: What All Data Users Need to Know", ch. 8 ("Calculating Measures of
    Error for Derived Estimates", aggregating count data): the MOE of a sum is
    the root of the summed squared MOEs, and where several of the summed
    estimates are 0 only the **largest** MOE among those zero estimates is
    counted (each zero estimate's MOE is the same model-based bound, so
    counting every one inflates the sum's MOE by about the square root of the
    number of zero cells). Without ``estimates`` every MOE counts (the plain
    formula; tidycensus' ``moe_sum`` warns in that case).

    Parameters
    ----------
    *moes : array_like
        One MOE (or array of MOEs, one per row) per summed estimate.
    estimates : sequence of array_like, optional
        The estimates, in the same order and shape as ``moes``. When given,
        the zero-estimate rule applies.

    Returns
    -------
    numpy.ndarray
        The MOE of the sum (NaN where any counted MOE is NaN).

    Examples
    --------
    >>> round(float(moe_of_sum(3, 4)), 6)
    5.0

    The rule by hand: MOEs 100, 200, 150, 50 of estimates 500, 0, 0, 400 give
    sqrt(200^2 + 100^2 + 50^2) = 229.13 (tidycensus' ``moe_sum`` would keep
    both distinct zero MOEs, 200 and 150; the Bureau's rule keeps the largest).
    The tests reproduce the worked groups posted with the rule on the ACS Data
    Users Group forum (PRB, Nov 2017).

    >>> round(float(moe_of_sum(100, 200, 150, 50, estimates=[500, 0, 0, 400])), 2)
    229.13
    """
    m = np.asarray(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in moes]))
    if estimates is None:
        return np.sqrt(np.sum(np.square(m), axis=0))
    if len(estimates) != len(moes):
        raise ValueError(f"moe_of_sum: {len(moes)} MOEs but {len(estimates)} estimates")
    e = np.broadcast_to(
        np.asarray(
            np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in estimates])
        ),
        m.shape,
    )
    zero = e == 0
    others = np.sum(np.where(zero, 0.0, np.square(m)), axis=0)
    largest_zero = np.max(np.where(zero, m, -np.inf), axis=0)
    largest_zero = np.where(np.isneginf(largest_zero), 0.0, largest_zero)
    return np.sqrt(others + np.square(largest_zero))


def moe_of_proportion(numerator, denominator, moe_numerator, moe_denominator):
    r"""MOE of a proportion whose numerator is a subset of its denominator.

    .. math::
        MOE_p = \frac{1}{Y}\sqrt{MOE_X^2 - p^2\,MOE_Y^2}

    When the quantity under the root is negative the Census Bureau says to use
    the ratio formula instead (+ in place of -); this function does so.

    Examples
    --------
    X = 1,200 +/- 150 of Y = 5,000 +/- 200: p = 0.24,
    MOE = sqrt(150^2 - 0.24^2 * 200^2) / 5000 = sqrt(20196) / 5000 = 0.02842.

    >>> round(float(moe_of_proportion(1200, 5000, 150, 200)), 5)
    0.02842
    """
    x = np.asarray(numerator, dtype=float)
    y = np.asarray(denominator, dtype=float)
    mx = np.asarray(moe_numerator, dtype=float)
    my = np.asarray(moe_denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / y
        under = mx**2 - p**2 * my**2
        under = np.where(under < 0, mx**2 + p**2 * my**2, under)
        return np.sqrt(under) / y


def moe_of_ratio(numerator, denominator, moe_numerator, moe_denominator):
    r"""MOE of a ratio of two estimates (numerator not a subset of denominator).

    .. math::
        MOE_R = \frac{1}{Y}\sqrt{MOE_X^2 + R^2\,MOE_Y^2}

    Examples
    --------
    >>> round(float(moe_of_ratio(38418, 107746, 3364, 9864)), 4)
    0.0452
    """
    x = np.asarray(numerator, dtype=float)
    y = np.asarray(denominator, dtype=float)
    mx = np.asarray(moe_numerator, dtype=float)
    my = np.asarray(moe_denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = x / y
        return np.sqrt(mx**2 + r**2 * my**2) / y


def moe_of_product(a, b, moe_a, moe_b):
    r"""MOE of a product of two estimates: :math:`\sqrt{a^2 MOE_b^2 + b^2 MOE_a^2}`."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.sqrt(a**2 * np.square(moe_b) + b**2 * np.square(moe_a))
