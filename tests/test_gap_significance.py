"""One significance decision per gap (issue #11 item 6), reliable 'best'
references, and measure types end to end (issue #10 item 4)."""

import numpy as np
import pandas as pd
import pytest

from disparities.gaps import compute_gaps
from disparities.reliability import prepare_observations


def two_groups(x1, n1, x0, n0, indicator="low_birthweight"):
    t = pd.DataFrame(
        {
            "geo_id": ["37001"] * 2,
            "indicator": [indicator] * 2,
            "period": ["2020"] * 2,
            "dimension": ["race_ethnicity"] * 2,
            "group": ["Black", "White"],
            "numerator": [float(x1), float(x0)],
            "denominator": [float(n1), float(n0)],
        }
    )
    return prepare_observations(t, suppress_below=None)


def test_borderline_ratio_interval_agrees_with_the_difference():
    # 10 of 50 (20%) vs 20 of 200 (10%): difference 10 points, SE
    # sqrt(.2*.8/50 + .1*.9/200) = 0.0616 -> z = 1.62, CI includes 0; Katz
    # log-ratio SE sqrt(.8/10 + .9/20) = 0.354, ln 2 / 0.354 = 1.96 -> the
    # ratio's own interval (1.0003 to 4.00) just excludes 1
    g = compute_gaps(two_groups(10, 50, 20, 200)).iloc[0]
    assert g["difference_ci_lower"] < 0 < g["difference_ci_upper"]
    assert not g["significant"]
    assert g["direction"] == "no clear difference"
    assert g["ratio_ci_lower"] == 1.0  # extended to 1
    assert g["ratio_ci_upper"] == pytest.approx(
        2 * np.exp(1.959964 * np.sqrt(0.8 / 10 + 0.9 / 20))
    )
    assert g["adverse_ratio_ci_lower"] <= 1.0
    # the 10-event group's "unreliable" note comes first; without that flag
    # the row says why its ratio interval was extended
    t = two_groups(10, 50, 20, 200).assign(unreliable=False)
    note = compute_gaps(t).iloc[0]["note"]
    assert note.startswith("borderline: the difference's and the ratio's intervals")


def test_difference_excluding_0_with_a_ratio_including_1_is_not_a_clear_gap():
    # 30 of 50 (60%) vs 20 of 50 (40%): difference 20 points, SE
    # sqrt(.6*.4/50 + .4*.6/50) = 0.098 -> lower 20 - 1.96 x 9.8 = 0.80 > 0;
    # Katz: ratio 1.5, SE sqrt(.4/30 + .6/20) = 0.208 -> lower 1.5 exp(-1.96 x
    # 0.208) = 0.9975 < 1. The two tests disagree: not a clear gap, and the
    # difference's interval (and the children affected) reach 0
    g = compute_gaps(two_groups(30, 50, 20, 50)).iloc[0]
    assert not g["significant"]
    assert g["direction"] == "no clear difference"
    assert g["difference_ci_lower"] == 0.0
    assert g["difference_ci_upper"] == pytest.approx(20 + 1.959964 * 9.798, abs=0.01)
    assert g["ratio_ci_lower"] == pytest.approx(
        1.5 * np.exp(-1.959964 * np.sqrt(0.4 / 30 + 0.6 / 20)), rel=1e-6
    )
    assert g["excess_cases_ci_lower"] <= 0
    t = two_groups(30, 50, 20, 50).assign(unreliable=False)
    assert compute_gaps(t).iloc[0]["note"].startswith("borderline")


def test_a_percentage_difference_stays_within_100_points():
    # 9 of 10 vs 1 of 50 (2%): 88 points, Wald upper 88 + 1.96 x 9.6 = 106.9
    g = compute_gaps(two_groups(9, 10, 1, 50)).iloc[0]
    assert g["difference_ci_upper"] == 100.0
    assert g["difference_ci_lower"] == pytest.approx(
        88 - 1.959964 * 100 * np.sqrt(0.9 * 0.1 / 10 + 0.02 * 0.98 / 50), rel=1e-6
    )


@pytest.mark.parametrize(
    "x1, n1, x0, n0",
    [
        (10, 50, 20, 200),
        (1, 50, 20, 200),
        (40, 100, 20, 200),
        (21, 100, 20, 200),
        (12, 100, 10, 100),  # 1.2 times, CI about 0.5 to 2.7: plainly unclear
        (10, 100, 12, 100),  # the mirror: 0.83, CI about 0.37 to 1.8
    ],
)
def test_direction_significant_and_intervals_agree(x1, n1, x0, n0):
    g = compute_gaps(two_groups(x1, n1, x0, n0)).iloc[0]
    excludes_0 = g["difference_ci_lower"] > 0 or g["difference_ci_upper"] < 0
    ratio_excludes_1 = g["ratio_ci_lower"] > 1 or g["ratio_ci_upper"] < 1
    # every printed interval agrees with the row's one decision
    assert g["significant"] == excludes_0 == ratio_excludes_1
    assert (g["direction"] in ("worse", "better")) == g["significant"]
    # the decision is both tests' (difference: Wald; ratio: Katz), and only an
    # interval that had to be extended is called borderline
    t = two_groups(x1, n1, x0, n0).assign(unreliable=False)
    row = compute_gaps(t).iloc[0]
    p1, p0 = x1 / n1, x0 / n0
    se_d = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    own_d = (p1 - p0 - 1.959964 * se_d > 0) or (p1 - p0 + 1.959964 * se_d < 0)
    se = np.sqrt((1 - p1) / x1 + (1 - p0) / x0)  # Katz
    own_lo, own_hi = (
        (p1 / p0) * np.exp(-1.959964 * se),
        (p1 / p0) * np.exp(1.959964 * se),
    )
    own_r = own_lo > 1 or own_hi < 1
    assert row["significant"] == (own_d and own_r)
    assert row["note"].startswith("borderline") == (own_d != own_r)


def test_best_reference_is_never_unreliable():
    # Black 2 of 100 (2%, unreliable) is the lowest; the best reliable group is
    # White 100 of 1,000 (10%)
    t = pd.DataFrame(
        {
            "geo_id": ["37001"] * 3,
            "indicator": ["low_birthweight"] * 3,
            "period": ["2020"] * 3,
            "dimension": ["race_ethnicity"] * 3,
            "group": ["Black", "White", "Hispanic or Latino"],
            "numerator": [2.0, 100.0, 150.0],
            "denominator": [100.0, 1000.0, 1000.0],
        }
    )
    t = prepare_observations(t, suppress_below=None)
    assert t.loc[0, "unreliable"]
    g = compute_gaps(t, reference="best")
    assert set(g["reference_group"].astype(str)) == {"White"}


def income_table(values, indicator="median_household_income"):
    groups = ["Black", "White", "Hispanic or Latino"]
    t = pd.DataFrame(
        {
            "geo_id": ["37001"] * len(values),
            "indicator": [indicator] * len(values),
            "period": ["2016-2020"] * len(values),
            "dimension": ["race_ethnicity"] * len(values),
            "group": groups[: len(values)],
            "value": values,
            "moe": [2000.0] * len(values),
            "denominator": [5000.0] * len(values),
        }
    )
    return prepare_observations(t, suppress_below=None)


def test_scores_and_incomes_get_differences_not_times_as_likely():
    g = compute_gaps(income_table([40000.0, 60000.0])).iloc[0]
    assert g["difference"] == pytest.approx(-20000)
    assert g["ratio"] == pytest.approx(40000 / 60000)  # a plain ratio reads fine
    assert np.isnan(g["adverse_ratio"]) and np.isnan(g["adverse_ratio_ci_lower"])
    assert np.isnan(g["excess_cases"])  # dollars x households mean nothing
    assert g["direction"] == "worse"  # higher income is better
    assert "compared by its difference" in g["note"]


def test_scores_and_incomes_get_no_attributable_fractions():
    from disparities.summary_measures import compute_summary_measures

    m = compute_summary_measures(income_table([40000.0, 60000.0, 52000.0]))
    names = set(m["measure"].astype(str))
    assert "population_attributable_fraction" not in names
    assert "population_attributable_risk" not in names
    assert {"range_difference", "index_of_disparity"} <= names
    # a proportion keeps them
    m = compute_summary_measures(two_groups(40, 200, 20, 200))
    assert "population_attributable_fraction" in set(m["measure"].astype(str))


def test_rates_may_exceed_their_denominator_proportions_may_not():
    from disparities.schema import DataValidationError

    # foster care entries are a rate (events can repeat): 120 per 100 is valid
    t = two_groups(120, 100, 30, 100, indicator="foster_care_entries")
    assert t["value"].iloc[0] > t["value"].iloc[1]
    with pytest.raises(DataValidationError, match="greater than denominator"):
        two_groups(120, 100, 30, 100, indicator="low_birthweight")


def test_borderline_on_the_better_side_extends_the_upper_bounds_to_1():
    # the mirror case: 20 of 200 (10%) vs 10 of 50 (20%): ratio 0.5, Katz SE
    # sqrt(.9/20 + .8/10) = 0.354 -> upper 0.5 exp(1.96 x 0.354) = 0.9998 < 1,
    # while the difference's CI includes 0: both upper bounds become exactly 1
    g = compute_gaps(two_groups(20, 200, 10, 50)).iloc[0]
    assert g["direction"] == "no clear difference"
    assert g["ratio_ci_upper"] == 1.0 and g["adverse_ratio_ci_upper"] == 1.0
    assert g["ratio_ci_lower"] == pytest.approx(
        0.5 * np.exp(-1.959964 * np.sqrt(0.9 / 20 + 0.8 / 10))
    )


def test_higher_is_better_rate_reads_as_the_inverse_ratio():
    # a rate where higher is better (not a percentage, so no complement):
    # 100 per 10,000 vs 200 per 10,000 = 10 vs 20 per 1,000, ratio 0.5, so
    # "times as likely" to be worse off is 1 / 0.5 = 2, with bounds 1 / r_hi
    # and 1 / r_lo from the Katz Poisson SE sqrt(1/100 + 1/200)
    from disparities.catalog import Indicator, register_indicator

    register_indicator(
        Indicator(
            "test_library_visits",
            "Library visits (test)",
            "per 1,000 children",
            1000,
            "rate",
            False,
            "children",
            "children",
            "to miss library visits",
            "Test",
            "hand-made",
        )
    )
    g = compute_gaps(two_groups(100, 10000, 200, 10000, "test_library_visits"))
    g = g.iloc[0]
    se = np.sqrt(1 / 100 + 1 / 200)
    r_lo, r_hi = 0.5 * np.exp(-1.959964 * se), 0.5 * np.exp(1.959964 * se)
    assert g["adverse_ratio"] == pytest.approx(2.0)
    assert g["adverse_ratio_ci_lower"] == pytest.approx(1 / r_hi)
    assert g["adverse_ratio_ci_upper"] == pytest.approx(1 / r_lo)
    assert g["direction"] == "worse"
