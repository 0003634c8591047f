"""Gaps by hand: each measure type and direction, each reference rule, each edge.

Expected numbers are worked here from the textbook formulas (cited per test),
never by calling the code under test: independent-samples SE of a difference,
Katz et al. (1978) log-scale SEs for ratios of counts, the complement ratio for
higher-is-better percentages with both groups' SEs, and the inverse ratio (with
swapped bounds) for other higher-is-better values.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from disparities.gaps import compute_gaps
from disparities.reliability import prepare_observations

Z = stats.norm.ppf(0.975)  # 1.959964


def counts(group, x, n, *, ind="infant_mortality", geo="37063", dim=None, **kw):
    dim = dim or ("total" if group == "Total" else "race_ethnicity")
    return {
        "geo_id": geo,
        "indicator": ind,
        "period": "2019",
        "dimension": dim,
        "group": group,
        "numerator": x,
        "denominator": n,
        **kw,
    }


def published(group, value, lo, hi, *, ind="reading_grade_performance", **kw):
    return counts(
        group, np.nan, np.nan, ind=ind, value=value, ci_lower=lo, ci_upper=hi, **kw
    )


def gaps(rows, *, suppress=None, **kw):
    t = prepare_observations(pd.DataFrame(rows), suppress_below=suppress)
    return compute_gaps(t, **kw).set_index("group")


def binomial_se(x, n):
    """SE of a percentage from counts: 100 sqrt(p(1-p)/n)."""
    p = x / n
    return 100 * np.sqrt(p * (1 - p) / n)


def test_higher_is_worse_proportion_every_column():
    # low birthweight: Black 30/200 = 15%, White 40/800 = 5%
    row = gaps(
        [
            counts("Black", 30, 200, ind="low_birthweight"),
            counts("White", 40, 800, ind="low_birthweight"),
        ]
    ).loc["Black"]
    se_d = np.hypot(binomial_se(30, 200), binomial_se(40, 800))
    assert row["difference"] == pytest.approx(10.0)
    assert (row["difference_ci_lower"], row["difference_ci_upper"]) == pytest.approx(
        (10 - Z * se_d, 10 + Z * se_d)
    )
    # Katz: SE(ln RR) = sqrt((1 - p1)/x1 + (1 - p0)/x0)
    se_l = np.sqrt(0.85 / 30 + 0.95 / 40)
    ratio_ci = (3 * np.exp(-Z * se_l), 3 * np.exp(Z * se_l))
    assert row["ratio"] == pytest.approx(3.0)
    assert (row["ratio_ci_lower"], row["ratio_ci_upper"]) == pytest.approx(ratio_ci)
    # higher is worse: the adverse ratio is the ratio, with the same CI
    assert row["adverse_ratio"] == pytest.approx(3.0)
    assert (
        row["adverse_ratio_ci_lower"],
        row["adverse_ratio_ci_upper"],
    ) == pytest.approx(ratio_ci)
    # excess cases: (15 - 5) / 100 x 200 births = 20, CI from the difference's
    assert row["excess_cases"] == pytest.approx(20.0)
    assert (
        row["excess_cases_ci_lower"],
        row["excess_cases_ci_upper"],
    ) == pytest.approx((2 * (10 - Z * se_d), 2 * (10 + Z * se_d)))
    assert row["direction"] == "worse" and row["significant"]
    assert row["note"] == "" and not row["suppressed"] and not row["unreliable"]
    assert row["higher_is_worse"]
    assert row["reference_value"] == pytest.approx(5.0)
    assert row["denominator"] == 200


def test_higher_is_better_percentage_complement_ratio_uses_both_ses():
    # reading proficiency: Black 40/100 = 40%, White 280/400 = 70%
    # not proficient: 60% vs 30% -> 2.0 times as likely
    rows = [
        counts("Black", 40, 100, ind="third_grade_reading"),
        counts("White", 280, 400, ind="third_grade_reading"),
        counts("Asian", 90, 100, ind="third_grade_reading"),
    ]
    g = gaps(rows)
    row = g.loc["Black"]
    e, e0 = binomial_se(40, 100), binomial_se(280, 400)
    # delta method on ln(100 - y): SE = SE(y) / (100 - y), for each group
    se_lc = np.sqrt((e / 60) ** 2 + (e0 / 30) ** 2)
    assert row["adverse_ratio"] == pytest.approx(2.0)
    assert (
        row["adverse_ratio_ci_lower"],
        row["adverse_ratio_ci_upper"],
    ) == pytest.approx((2 * np.exp(-Z * se_lc), 2 * np.exp(Z * se_lc)))
    # the plain ratio stays the ratio of the values (Katz SEs)
    assert row["ratio"] == pytest.approx(40 / 70)
    se_l = np.sqrt(0.6 / 40 + 0.3 / 280)
    assert row["ratio_ci_upper"] == pytest.approx(40 / 70 * np.exp(Z * se_l))
    # excess: 30 points below, x 100 pupils / 100 = 30 more not reading;
    # the CI is the difference's CI negated, so ordered low to high
    se_d = np.hypot(e, e0)
    assert row["difference"] == pytest.approx(-30.0)
    assert row["excess_cases"] == pytest.approx(30.0)
    assert (
        row["excess_cases_ci_lower"],
        row["excess_cases_ci_upper"],
    ) == pytest.approx((30 - Z * se_d, 30 + Z * se_d))
    assert row["direction"] == "worse" and not row["higher_is_worse"]
    # a group doing better: 10% vs 30% not proficient, 1/3 as likely
    better = g.loc["Asian"]
    assert better["adverse_ratio"] == pytest.approx(1 / 3)
    assert better["direction"] == "better"
    assert better["excess_cases"] == pytest.approx(-20.0)
    assert better["excess_cases_ci_lower"] <= better["excess_cases_ci_upper"]


def test_score_indicator_inverse_ratio_with_swapped_bounds():
    # a grade-level score (higher is better, not a percentage): published CIs
    row = gaps(
        [published("Black", 2.0, 1.8, 2.2), published("White", 4.0, 3.6, 4.4)]
    ).loc["Black"]
    # SEs from the CIs: (hi - lo) / 2z; on the log scale (ln hi - ln lo) / 2z
    se_d = np.hypot(0.4 / (2 * Z), 0.8 / (2 * Z))
    se_l = np.hypot(np.log(2.2 / 1.8), np.log(4.4 / 3.6)) / (2 * Z)
    assert row["difference"] == pytest.approx(-2.0)
    assert row["difference_ci_upper"] == pytest.approx(-2 + Z * se_d)
    r_lo, r_hi = 0.5 * np.exp(-Z * se_l), 0.5 * np.exp(Z * se_l)
    assert (row["ratio_ci_lower"], row["ratio_ci_upper"]) == pytest.approx((r_lo, r_hi))
    # a score is compared by its difference: no "times as likely" (issue #10)
    assert np.isnan(row["adverse_ratio"])
    assert np.isnan(row["adverse_ratio_ci_lower"])
    assert row["note"].startswith("an average, score or income")
    # 2 grade levels lower, its CI below 0: worse, decided by the difference
    assert row["difference_ci_upper"] < 0
    assert row["direction"] == "worse"
    # no denominator: no excess cases, and no invented ones
    assert np.isnan(row["excess_cases"])


def test_rate_adverse_ratio_and_a_better_group():
    # infant mortality: Asian 4/2000 = 2.0, White 12/3000 = 4.0 per 1,000
    g = gaps([counts("Asian", 4, 2000), counts("White", 12, 3000)])
    row = g.loc["Asian"]
    se_l = np.sqrt(1 / 4 + 1 / 12)  # Katz, Poisson counts
    assert (row["ratio_ci_lower"], row["ratio_ci_upper"]) == pytest.approx(
        (0.5 * np.exp(-Z * se_l), 0.5 * np.exp(Z * se_l))
    )
    assert (
        row["adverse_ratio_ci_lower"],
        row["adverse_ratio_ci_upper"],
    ) == pytest.approx((row["ratio_ci_lower"], row["ratio_ci_upper"]))
    # Poisson SEs of the rates: sqrt(x)/n x 1,000
    se_d = np.hypot(np.sqrt(4) / 2, np.sqrt(12) / 3)
    assert row["difference_ci_lower"] == pytest.approx(-2 - Z * se_d)
    assert row["difference_ci_upper"] == pytest.approx(-2 + Z * se_d)
    # -2 +/- 2.63: the CI includes 0
    assert row["direction"] == "no clear difference" and not row["significant"]
    assert row["excess_cases"] == pytest.approx(-4.0)  # -2/1000 x 2000


@pytest.mark.parametrize(
    "alpha, z", [(0.05, 1.959964), (0.1, 1.644854)]
)  # normal table
def test_alpha_sets_every_interval(alpha, z):
    g = compute_gaps(
        prepare_observations(
            pd.DataFrame([counts("Black", 24, 2000), counts("White", 12, 3000)]),
            suppress_below=None,
        ),
        alpha=alpha,
    )
    row = g.iloc[0]
    se_d = np.hypot(np.sqrt(24) / 2, np.sqrt(12) / 3)
    assert row["difference_ci_lower"] == pytest.approx(8 - z * se_d, rel=1e-6)
    se_l = np.sqrt(1 / 24 + 1 / 12)
    assert row["ratio_ci_upper"] == pytest.approx(3 * np.exp(z * se_l), rel=1e-6)
    assert g.attrs["alpha"] == alpha


def test_best_reference_respects_direction():
    # higher is worse: the lowest rate is best; higher is better: the highest
    rows = [
        # 20+ events each: reliable, so each may be the "best" reference
        counts("Black", 300, 20000),
        counts("White", 100, 30000),
        counts("Asian", 40, 20000),  # 2.0 per 1,000: the best IMR
        counts("Total", 1, 6000),  # lower still, but a total is no group
        counts("Black", 40, 100, ind="third_grade_reading"),
        counts("White", 70, 100, ind="third_grade_reading"),  # best reading
        counts("Asian", 60, 100, ind="third_grade_reading"),
    ]
    g = compute_gaps(
        prepare_observations(pd.DataFrame(rows), suppress_below=None),
        reference="best",
    )
    by = g.set_index(["indicator", "group"])["reference_group"].astype(str)
    assert by["infant_mortality"].to_dict() == {"Black": "Asian", "White": "Asian"}
    assert by["third_grade_reading"].to_dict() == {"Black": "White", "Asian": "White"}
    assert (g.loc[g.indicator == "third_grade_reading", "difference"] <= 0).all()
    assert (g.loc[g.indicator == "infant_mortality", "difference"] >= 0).all()


def test_best_reference_skips_a_suppressed_group():
    # Asian's 2 deaths are hidden: the best shown group (White) is the reference
    rows = [counts("Black", 300, 20000), counts("White", 120, 30000)]
    rows.append(counts("Asian", 2, 1000))
    g = gaps(rows, suppress=10, reference="best")
    assert g.loc["Black", "reference_group"] == "White"
    assert g.loc["Asian", "direction"] == "not shown"


def test_a_county_with_no_reference_row_keeps_its_rows():
    rows = [
        counts("Black", 30, 2000),
        counts("White", 10, 3000),
        counts("Black", 25, 1000, geo="37001"),  # no White row here
        counts("Asian", 5, 500, geo="37001"),
    ]
    g = compute_gaps(prepare_observations(pd.DataFrame(rows), suppress_below=None))
    lone = g[g.geo_id == "37001"].set_index("group")
    assert sorted(lone.index) == ["Asian", "Black"]
    assert (lone["reference_group"] == "").all()
    assert (lone["note"] == "no reference value for this comparison").all()
    assert (lone["direction"] == "not shown").all()
    assert lone["value"].to_dict() == pytest.approx({"Black": 25.0, "Asian": 10.0})
    assert (
        lone[["difference", "ratio", "adverse_ratio", "excess_cases"]]
        .isna()
        .all(axis=None)
    )
    assert not lone["significant"].any()
    kept = g[g.geo_id == "37063"].set_index("group")
    assert kept.loc["Black", "direction"] == "worse"


def test_no_published_value_and_unreliable_reference_are_said():
    rows = [
        counts("Black", np.nan, 2000),  # no count: no value
        counts("Asian", 40, 1000),
        counts("White", 15, 3000),  # 15 events: unreliable reference
    ]
    g = gaps(rows)
    assert g.loc["Black", "note"] == "no value published for this comparison"
    assert g.loc["Black", "direction"] == "not shown"
    assert not g.loc["Black", "suppressed"]
    asian = g.loc["Asian"]
    assert asian["unreliable"]
    assert asian["note"] == "unreliable: based on small numbers, read with care"
    assert asian["ratio"] == pytest.approx(8.0)  # still shown, with the caution


def test_suppressed_group_note_and_flag():
    g = gaps([counts("Black", 4, 2000), counts("White", 30, 3000)], suppress=10)
    row = g.loc["Black"]
    assert row["suppressed"] and row["direction"] == "not shown"
    assert row["note"] == "not shown: small numbers in this group"
    assert np.isnan(
        row[["difference", "difference_ci_lower", "ratio"]].astype(float)
    ).all()


def test_zero_rate_has_a_difference_but_no_ratio():
    # 0 deaths: a ratio of 0 has no log-scale CI, so none is given
    row = gaps([counts("Asian", 0, 2000), counts("White", 30, 3000)]).loc["Asian"]
    assert row["difference"] == pytest.approx(-10.0)
    assert np.isnan(row["ratio"]) and np.isnan(row["adverse_ratio"])
    # 100% proficient: the complement is 0, no "times as likely"
    row = gaps(
        [
            counts("Asian", 100, 100, ind="third_grade_reading"),
            counts("White", 70, 100, ind="third_grade_reading"),
        ]
    ).loc["Asian"]
    assert row["ratio"] == pytest.approx(100 / 70)
    assert np.isnan(row["adverse_ratio"])


def test_state_and_total_references():
    rows = [
        counts("Black", 30, 2000),
        counts("Total", 60, 6000),
        counts("Black", 600, 50000, geo="37"),
        counts("Total", 900, 100000, geo="37"),
        counts("Black", 9000, 600000, geo="US"),
        counts("Total", 20000, 3000000, geo="US"),
    ]
    t = prepare_observations(pd.DataFrame(rows), suppress_below=None)
    state = compute_gaps(t, reference="state").set_index(["geo_id", "group"])
    # county -> its state (37063 -> 37), state -> the nation, nation -> none
    assert state.loc[("37063", "Black"), "reference_value"] == pytest.approx(12.0)
    assert state.loc[("37", "Total"), "reference_geo_id"] == "US"
    assert state.loc[("37", "Total"), "reference_value"] == pytest.approx(20 / 3)
    assert state.loc[("37", "Black"), "ratio"] == pytest.approx(12.0 / 15.0)
    assert (
        state.loc[("US", "Black"), "note"] == "no reference value for this comparison"
    )
    total = compute_gaps(t, reference="total").set_index(["geo_id", "group"])
    assert total.loc[("37063", "Black"), "ratio"] == pytest.approx(1.5)
    assert ("37063", "Total") not in total.index
    with_total = compute_gaps(t, reference="state", include_total=True)
    assert len(with_total) == len(state)


def test_income_default_reference_alongside_race():
    rows = [
        counts("Under 100% FPL", 90, 1000, ind="low_birthweight", dim="income"),
        counts("200-399% FPL", 40, 1000, ind="low_birthweight", dim="income"),
        counts("100-199% FPL", 60, 1000, ind="low_birthweight", dim="income"),
        counts("Black", 80, 1000, ind="low_birthweight"),
        counts("White", 50, 1000, ind="low_birthweight"),
    ]
    g = gaps(rows)
    # the highest income group present (200-399%) is the income reference
    assert g.loc["Under 100% FPL", "reference_group"] == "200-399% FPL"
    assert g.loc["100-199% FPL", "ratio"] == pytest.approx(1.5)
    assert g.loc["Black", "reference_group"] == "White"
    assert sorted(g.index) == ["100-199% FPL", "Black", "Under 100% FPL"]


def test_small_but_significant_differences_point_the_right_way():
    # large counts make a 0.5-point gap significant: the lower CI bound of the
    # difference is between 0 and 1 (Wald, independent samples)
    n = 200_000
    rows = [
        counts("Black", 0.055 * n, n, ind="low_birthweight"),  # 5.5% vs 5.0%
        counts("White", 0.050 * n, n, ind="low_birthweight"),
        counts("Black", 0.505 * n, n, ind="third_grade_reading"),  # 50.5 vs 50
        counts("Asian", 0.495 * n, n, ind="third_grade_reading"),  # 49.5 vs 50
        counts("White", 0.500 * n, n, ind="third_grade_reading"),
    ]
    g = compute_gaps(prepare_observations(pd.DataFrame(rows), suppress_below=None))
    g = g.set_index(["indicator", "group"])
    lbw = g.loc[("low_birthweight", "Black")]
    se = np.hypot(binomial_se(0.055 * n, n), binomial_se(0.05 * n, n))
    assert lbw["difference_ci_lower"] == pytest.approx(0.5 - Z * se)
    assert 0 < lbw["difference_ci_lower"] < 0.5
    assert lbw["direction"] == "worse" and lbw["significant"]
    read = g.loc["third_grade_reading"]
    assert read.loc["Black", "direction"] == "better"
    assert read.loc["Asian", "direction"] == "worse"
    assert -1 < read.loc["Asian", "difference_ci_upper"] < 0
    # "times as likely not to read": 50.5/50 and 49.5/50 not proficient
    assert read.loc["Black", "adverse_ratio"] == pytest.approx(49.5 / 50)
    assert read.loc["Asian", "adverse_ratio"] == pytest.approx(50.5 / 50)


def test_a_ci_of_zero_width_at_zero_difference_is_no_difference():
    # exact published values (no sampling error) that are equal: the
    # difference's CI is [0, 0], which does not exclude 0
    row = gaps(
        [published("Black", 5.0, 5.0, 5.0), published("White", 5.0, 5.0, 5.0)]
    ).loc["Black"]
    assert (row["difference_ci_lower"], row["difference_ci_upper"]) == (0.0, 0.0)
    assert row["direction"] == "no clear difference" and not row["significant"]


def test_values_below_one_and_near_one_hundred_percent():
    # rates under 1 per 1,000 still have ratios (0.5 vs 1.5: 1/3)
    row = gaps([counts("Asian", 1, 2000), counts("White", 3, 2000)]).loc["Asian"]
    assert row["ratio"] == pytest.approx(1 / 3)
    assert row["adverse_ratio"] == pytest.approx(1 / 3)
    # a reference rate of 0 gives no ratio (division by zero), but a difference
    row = gaps([counts("Black", 3, 2000), counts("White", 0, 2000)]).loc["Black"]
    assert np.isnan(row["ratio"]) and row["difference"] == pytest.approx(1.5)
    # 99.5% vs 99% proficient: not proficient 0.5% vs 1.0%, half as likely
    rows = [
        counts("Asian", 199, 200, ind="third_grade_reading"),
        counts("White", 990, 1000, ind="third_grade_reading"),
    ]
    assert gaps(rows).loc["Asian", "adverse_ratio"] == pytest.approx(0.5)
    # a reference at 100%: no complement ratio
    rows = [
        counts("Asian", 199, 200, ind="third_grade_reading"),
        counts("White", 1000, 1000, ind="third_grade_reading"),
    ]
    assert np.isnan(gaps(rows).loc["Asian", "adverse_ratio"])


def test_a_value_without_a_ci_is_said_so():
    # a published score with no CI and no margin: the gap cannot be tested
    rows = [
        published("Black", 2.0, np.nan, np.nan),
        published("White", 4.0, 3.6, 4.4),
    ]
    row = gaps(rows).loc["Black"]
    assert row["difference"] == pytest.approx(-2.0)
    assert row["direction"] == "no confidence interval published"
    assert row["note"] == (
        "the source publishes no confidence interval: the size of this gap "
        "cannot be tested"
    )
    assert not row["significant"]


def test_a_one_row_table_without_a_reference():
    row = gaps([counts("Black", 30, 2000)]).loc["Black"]
    assert row["note"] == "no reference value for this comparison"
    assert row["value"] == pytest.approx(15.0)
    assert np.isnan(row["reference_value"]) and np.isnan(row["difference"])


def test_a_reference_in_the_first_row():
    # the reference row first in the table (position 0) is still found
    g = gaps([counts("White", 12, 2000), counts("Black", 24, 2000)])
    assert list(g.index) == ["Black"]  # the reference is not compared with itself
    row = g.loc["Black"]
    assert row["reference_group"] == "White"
    assert row["ratio"] == pytest.approx(2.0)


def test_best_reference_when_every_group_is_hidden():
    # no group has a value, so there is no best group: both rows stay, each
    # saying there is no reference
    rows = [counts("Black", 4, 2000), counts("White", 3, 3000)]
    g = gaps(rows, suppress=10, reference="best")
    assert sorted(g.index) == ["Black", "White"]
    assert (g["note"] == "no reference value for this comparison").all()


def test_two_sources_of_one_observation_are_compared_within_their_source():
    # the same county, indicator, period and groups from two sources with
    # different numbers: each Black row is compared with its own source's White
    # row (15.0 vs 5.0 per 1,000 in A: ratio 3; 12.0 vs 8.0 in B: ratio 1.5),
    # and with its own source's state row for reference="state"
    rows = [
        counts("Black", 300, 20000, source="A"),
        counts("White", 100, 20000, source="A"),
        counts("Black", 240, 20000, source="B"),
        counts("White", 160, 20000, source="B"),
        counts("Black", 3000, 200000, geo="37", source="A"),
        counts("Black", 1000, 200000, geo="37", source="B"),
    ]
    t = prepare_observations(pd.DataFrame(rows), suppress_below=None)
    g = compute_gaps(t)
    county = g[(g.geo_id == "37063") & (g.group == "Black")].set_index("source")
    assert county.loc["A", "reference_value"] == pytest.approx(5.0)
    assert county.loc["B", "reference_value"] == pytest.approx(8.0)
    assert county.loc["A", "ratio"] == pytest.approx(3.0)
    assert county.loc["B", "ratio"] == pytest.approx(1.5)
    st = compute_gaps(t, reference="state")
    st = st[(st.geo_id == "37063") & (st.group == "Black")].set_index("source")
    assert st.loc["A", "reference_value"] == pytest.approx(15.0)  # 3000/200000
    assert st.loc["B", "reference_value"] == pytest.approx(5.0)  # 1000/200000
    # the total as reference: each source's own Total
    tot = rows + [
        counts("Total", 400, 40000, source="A"),
        counts("Total", 400, 40000, source="B"),
    ]
    tt = compute_gaps(
        prepare_observations(pd.DataFrame(tot), suppress_below=None),
        reference="total",
    )
    tt = tt[(tt.geo_id == "37063") & (tt.group == "White")].set_index("source")
    assert tt.loc["A", "ratio"] == pytest.approx(0.5)  # 5 vs 10 per 1,000
    assert tt.loc["B", "ratio"] == pytest.approx(0.8)  # 8 vs 10
