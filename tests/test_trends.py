import numpy as np
import pandas as pd
import pytest

from disparities.gaps import compute_gaps
from disparities.reliability import prepare_observations
from disparities.trends import compute_gap_trends, fit_gap_trend


def series(black, white, n=1_000_000, ind="low_birthweight"):
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
    return compute_gap_trends(compute_gaps(t)).iloc[0]


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
    r = series([10, 11], [5, 5])
    assert r["verdict"] == "too few periods"
