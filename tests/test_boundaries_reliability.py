"""Reliability rules at their thresholds, with hand-worked expectations.

The rules (module docstring of :mod:`disparities.reliability`): suppress below
10 events (state vital-statistics rule), unreliable below 20 events or above a
30% relative standard error (NCHS / CDC WONDER). Each is tested at, just below
and just above its threshold.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from disparities.reliability import (
    add_intervals,
    flag_reliability,
    pool_periods,
    prepare_observations,
    standard_errors,
    suppress_small_counts,
)
from disparities.schema import validate_observations


def row(group, x, n, *, ind="infant_mortality", dim="race_ethnicity", **kw):
    out = {
        "geo_id": "37001",
        "indicator": ind,
        "period": "2021",
        "dimension": dim,
        "group": group,
        "numerator": x,
        "denominator": n,
    }
    return {**out, **kw}


def table(rows):
    return validate_observations(pd.DataFrame(rows))


def survey(value, moe, *, ind="child_poverty", group="Black"):
    return row(group, np.nan, np.nan, ind=ind, value=value, moe=moe)


# --- suppression: fewer than 10 events --------------------------------------


@pytest.mark.parametrize("x, hidden", [(9, True), (10, False), (11, False)])
def test_suppression_threshold_9_10_11(x, hidden):
    # no total row, so no complementary suppression: only the rule itself
    t = add_intervals(table([row("Black", x, 5000), row("White", 500, 50000)]))
    out = suppress_small_counts(t)
    assert out["suppressed"].tolist() == [hidden, False]
    assert np.isnan(out.loc[0, "value"]) == hidden
    assert np.isnan(out.loc[0, "numerator"]) == hidden
    assert out.loc[0, "denominator"] == 5000
    # the default of the one-call preparation is the same rule
    prepared = prepare_observations(
        pd.DataFrame([row("Black", x, 5000), row("White", 500, 50000)])
    )
    assert prepared["suppressed"].tolist() == [hidden, False]


@pytest.mark.parametrize("x, hidden", [(4, True), (5, False)])
def test_suppression_threshold_is_a_parameter(x, hidden):
    t = add_intervals(table([row("Black", x, 5000)]))
    out = suppress_small_counts(t, threshold=5)
    assert out["suppressed"].tolist() == [hidden]
    if hidden:
        assert out.loc[0, "note"] == "suppressed: fewer than 5 events"


def test_suppression_keeps_existing_notes_and_hides_moe():
    t = add_intervals(table([row("Black", 3, 500, note="provisional", moe=1.0)]))
    out = suppress_small_counts(t)
    # a hidden cell's note gives only the reason (an earlier note could carry
    # the hidden number, e.g. "fewer than 20 events (9.8)")
    assert out.loc[0, "note"] == "suppressed: fewer than 10 events"
    assert (
        out[["numerator", "value", "ci_lower", "ci_upper", "moe"]].isna().all(axis=1)[0]
    )


def test_complementary_suppression_only_where_a_total_gives_it_away():
    rows = [
        row("Black", 4, 500),
        row("White", 30, 4000),
        row("Asian", 25, 3000),
        row("Total", 59, 7500, dim="total"),
        # income has no small cell: nothing there may be hidden
        row("Under 100% FPL", 20, 1000, dim="income"),
        row("400% FPL and over", 39, 6500, dim="income"),
    ]
    out = suppress_small_counts(add_intervals(table(rows)))
    # the smallest other race group (Asian, 25) is hidden too, not White (30)
    assert out["suppressed"].tolist() == [True, False, True, False, False, False]
    assert "worked out from the total" in out.loc[2, "note"]
    # without a total row (or with its count hidden) nothing is recoverable
    no_total = suppress_small_counts(add_intervals(table(rows[:3])))
    assert no_total["suppressed"].tolist() == [True, False, False]
    # a total given as value and denominator implies its count (7.9 per 1,000
    # of 7,500 = 59.25): it gives the small cell away too, so Asian is hidden
    nan_total = rows[:3] + [row("Total", np.nan, 7500, dim="total", value=7.9)]
    out = suppress_small_counts(add_intervals(table(nan_total)))
    assert out["suppressed"].tolist() == [True, False, True, False]
    off = suppress_small_counts(add_intervals(table(rows)), complementary=False)
    assert off["suppressed"].tolist() == [True, False, False, False, False, False]


def test_a_cell_the_source_hid_plus_a_new_small_cell_need_no_third():
    # two cells hidden (one by the source, one here): neither can be recovered
    # from the total, so no other cell is hidden
    rows = [
        row("Black", np.nan, 500, suppressed=True),
        row("White", 30, 4000),
        row("Asian", 5, 3000),
        row("Total", 59, 7500, dim="total"),
    ]
    out = suppress_small_counts(add_intervals(table(rows)))
    assert out["suppressed"].tolist() == [True, False, True, False]
    assert out.loc[2, "note"] == "suppressed: fewer than 10 events"


def test_survey_rows_are_never_count_suppressed():
    t = add_intervals(table([survey(30.0, 3.0) | {"numerator": 3, "denominator": 10}]))
    assert not suppress_small_counts(t)["suppressed"].any()


# --- unreliable: fewer than 20 events, RSE above 30% ------------------------


@pytest.mark.parametrize("x, flagged", [(19, True), (20, False), (21, False)])
def test_min_events_19_20_21(x, flagged):
    # a Poisson count's RSE is 100/sqrt(x): 22.9% at 19, under 30%, so only the
    # event rule can flag these
    t = add_intervals(table([row("Black", x, 5000)]))
    out = flag_reliability(t)
    assert out.loc[0, "unreliable"] == flagged
    assert out.loc[0, "rse"] == pytest.approx(100 / np.sqrt(x))
    if flagged:
        assert out.loc[0, "note"] == (
            f"unreliable: relative standard error 23% and fewer than 20 events ({x})"
        )
    else:
        assert out.loc[0, "note"] == ""


@pytest.mark.parametrize("rse, flagged", [(29.9, False), (30.0, False), (30.1, True)])
def test_rse_29_9_30_30_1(rse, flagged):
    # survey value 50 with SE = rse% of 50; MOE = SE x 1.645 (ACS 90% margins)
    moe = rse / 100 * 50 * 1.645
    out = flag_reliability(add_intervals(table([survey(50.0, moe)])))
    assert out.loc[0, "rse"] == pytest.approx(rse)
    assert out.loc[0, "unreliable"] == flagged
    if flagged:
        assert out.loc[0, "note"] == "unreliable: relative standard error 30%"


def test_reliability_thresholds_are_parameters():
    # 30 events (RSE 18.3%) and a survey value with RSE 20%
    rows = [row("Black", 30, 5000), survey(50.0, 20 / 100 * 50 * 1.645)]
    t = add_intervals(table(rows)).set_index("indicator")
    flags = flag_reliability(t.reset_index()).set_index("indicator")["unreliable"]
    assert not flags.any()
    fewer = flag_reliability(t.reset_index(), min_events=31).set_index("indicator")
    assert fewer["unreliable"].to_dict() == {
        "infant_mortality": True,
        "child_poverty": False,
    }
    noisy = flag_reliability(t.reset_index(), max_rse=19.9).set_index("indicator")
    assert noisy["unreliable"].to_dict() == {
        "infant_mortality": False,
        "child_poverty": True,
    }


def test_flags_keep_the_source_flag_and_skip_suppressed_rows():
    t = add_intervals(
        table(
            [
                row("Black", 500, 5000, unreliable=True, note="source: caution"),
                row("White", 3, 500, suppressed=True),
                row("Asian", 5, 500, note="provisional"),
            ]
        )
    )
    out = flag_reliability(t)
    assert out["unreliable"].tolist() == [True, False, True]
    assert out.loc[0, "note"] == "source: caution"
    assert out.loc[2, "note"].startswith("provisional; unreliable: ")


def test_rse_of_a_negative_score_is_positive():
    # a score of -2.0 with SE 1.0: RSE = |1 / -2| = 50%
    t = add_intervals(table([survey(-2.0, 1.645, ind="reading_grade_performance")]))
    out = flag_reliability(t)
    assert out.loc[0, "rse"] == pytest.approx(50.0)
    assert out.loc[0, "unreliable"]


# --- intervals on a table ---------------------------------------------------


def test_survey_bounds_clamped_at_0_and_100_but_not_for_scores():
    z = stats.norm.ppf(0.975)
    t = add_intervals(
        table(
            [
                survey(2.0, 1.645 * 3, group="Black"),  # SE 3: 2 - 3z < 0
                survey(98.0, 1.645 * 3, group="White"),  # 98 + 3z > 100
                survey(50.0, 1.645 * 3, group="Asian"),
                # a score, SE 1
                survey(0.5, 1.645, ind="reading_grade_performance", group="Black"),
            ]
        )
    )
    t = (
        t.set_index(["indicator", "group"])
        .loc[
            [("child_poverty", g) for g in ("Black", "White", "Asian")]
            + [("reading_grade_performance", "Black")]
        ]
        .reset_index()
    )
    assert t["ci_lower"].tolist()[:3] == pytest.approx([0.0, 98 - 3 * z, 50 - 3 * z])
    assert t["ci_upper"].tolist()[:3] == pytest.approx([2 + 3 * z, 100.0, 50 + 3 * z])
    assert t.loc[3, "ci_lower"] == pytest.approx(0.5 - z)  # a score may be negative
    assert t.loc[3, "ci_upper"] == pytest.approx(0.5 + z)


def test_add_intervals_alpha_and_method():
    t = table([row("Black", 81, 263, ind="low_birthweight"), row("White", 10, 2000)])
    out = add_intervals(t, alpha=0.1, method="exact")
    # Clopper-Pearson 90% from scipy's beta quantiles, in percent
    lo = stats.beta.ppf(0.05, 81, 263 - 81 + 1) * 100
    hi = stats.beta.ppf(0.95, 82, 263 - 81) * 100
    assert (out.loc[0, "ci_lower"], out.loc[0, "ci_upper"]) == pytest.approx((lo, hi))
    # exact Poisson 90% for 10 events in 2,000, per 1,000 (chi-square form)
    lo = stats.chi2.ppf(0.05, 20) / 2 / 2000 * 1000
    hi = stats.chi2.ppf(0.95, 22) / 2 / 2000 * 1000
    assert (out.loc[1, "ci_lower"], out.loc[1, "ci_upper"]) == pytest.approx((lo, hi))
    assert out.loc[1, "value"] == pytest.approx(5.0)


def test_add_intervals_fills_a_half_missing_ci_and_keeps_values():
    t = table(
        [
            row("Black", 10, 2000, ci_lower=1.0),  # upper missing: recompute both
            row("White", 10, 2000, value=99.0),  # a published value is kept
            row("Asian", np.nan, 2000),  # no count: nothing to compute
            row("Hispanic or Latino", 10, 2000, suppressed=True),  # hidden: no CI
        ]
    )
    out = add_intervals(t).set_index("group")
    lo = stats.chi2.ppf(0.025, 20) / 2 / 2000 * 1000
    hi = stats.chi2.ppf(0.975, 22) / 2 / 2000 * 1000
    assert (
        out.loc["Black", "ci_lower"],
        out.loc["Black", "ci_upper"],
    ) == pytest.approx((lo, hi))
    assert out.loc["White", "value"] == 99.0
    assert out.loc["Asian", ["value", "ci_lower", "ci_upper"]].isna().all()
    assert out.loc["Hispanic or Latino", ["ci_lower", "ci_upper"]].isna().all()


def test_standard_errors_from_a_ci_touching_zero():
    # published CI 0 to 4 around 2.0: SE = 4 / 2z; a log-scale SE cannot come
    # from ln 0, so it falls back to SE / value (delta method)
    z = stats.norm.ppf(0.975)
    t = table(
        [
            row(
                "Black",
                np.nan,
                np.nan,
                ind="kindergarten_readiness",
                value=2.0,
                ci_lower=0.0,
                ci_upper=4.0,
            )
        ]
    )
    got = standard_errors(t)
    assert got.loc[0, "se"] == pytest.approx(4 / (2 * z))
    assert got.loc[0, "se_log"] == pytest.approx(4 / (2 * z) / 2.0)
    # a lower bound above 0 but below 1 still has a log: (ln 2 - ln 0.5) / 2z
    t.loc[0, ["value", "ci_lower", "ci_upper"]] = [1.0, 0.5, 2.0]
    assert standard_errors(t).loc[0, "se_log"] == pytest.approx(np.log(4) / (2 * z))


# --- pooling ----------------------------------------------------------------


def years(counts, first=2013, **kw):
    return [
        row("Black", x, 1000, period=str(first + i), **kw)
        for i, x in enumerate(counts)
        if x is not None
    ]


def test_pool_windows_align_to_the_last_year_and_list_left_out_years():
    pooled = pool_periods(table(years([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), years=3)
    assert pooled["period"].astype(str).tolist() == [
        "2014-2016",
        "2017-2019",
        "2020-2022",
    ]
    assert pooled["numerator"].tolist() == [15, 24, 33]
    assert pooled.attrs["left_out_years"] == [2013]
    assert pooled.attrs["not_pooled"] == []
    # exact Poisson CI of the pooled count (chi-square form), per 1,000
    lo = stats.chi2.ppf(0.025, 66) / 2 / 3000 * 1000
    hi = stats.chi2.ppf(0.975, 68) / 2 / 3000 * 1000
    assert (pooled.loc[2, "ci_lower"], pooled.loc[2, "ci_upper"]) == pytest.approx(
        (lo, hi)
    )
    assert pooled.loc[2, "value"] == pytest.approx(11.0)
    assert (pooled["note"] == "pooled over 3 years").all()


def test_a_window_missing_a_middle_year_is_not_pooled():
    # 2013-2021 with 2017 (the middle of 2016-2018) missing
    counts = [3, 4, 5, 6, None, 8, 9, 10, 11]
    pooled = pool_periods(table(years(counts)), years=3)
    assert pooled["period"].astype(str).tolist() == ["2013-2015", "2019-2021"]
    assert pooled["numerator"].tolist() == [12, 30]
    (gone,) = pooled.attrs["not_pooled"]
    assert (gone["window_start"], gone["window_end"]) == (2016, 2018)
    assert pooled.attrs["left_out_years"] == []


def test_a_window_with_a_hidden_count_is_not_pooled():
    rows = years([3, 4, 5, 6, 7, 8])
    rows[4]["numerator"] = np.nan  # 2017 hidden by the source
    pooled = pool_periods(table(rows), years=2)
    assert pooled["period"].astype(str).tolist() == ["2013-2014", "2015-2016"]
    assert [
        (d["window_start"], d["window_end"]) for d in pooled.attrs["not_pooled"]
    ] == [(2017, 2018)]


def test_pool_needs_single_years():
    t = table([row("Black", 30, 3000, period="2019-2021")])
    with pytest.raises(ValueError, match="single-year"):
        pool_periods(t)


def test_prepare_observations_defaults_are_the_stated_rules():
    # 19 and 20 events (RSE 22.9% and 22.4%); survey RSE 29.9% and 30.1%
    rows = [
        row("Black", 19, 5000),
        row("White", 20, 5000),
        survey(50.0, 0.299 * 50 * 1.645, group="Asian"),
        survey(50.0, 0.301 * 50 * 1.645, group="White"),
    ]
    out = prepare_observations(pd.DataFrame(rows)).set_index(["indicator", "group"])
    assert out["unreliable"].to_dict() == {
        ("child_poverty", "Asian"): False,
        ("child_poverty", "White"): True,
        ("infant_mortality", "Black"): True,
        ("infant_mortality", "White"): False,
    }
    # 95% intervals by default: exact Poisson for 20 events in 5,000
    lo = stats.chi2.ppf(0.025, 40) / 2 / 5000 * 1000
    assert out.loc[("infant_mortality", "White"), "ci_lower"] == pytest.approx(lo)


def test_few_events_without_an_rse_say_only_the_count():
    # a count with no denominator: no value, so no RSE, but 5 events is few
    t = add_intervals(table([row("Black", 5, np.nan)]))
    out = flag_reliability(t, min_events=20)
    assert out.loc[0, "unreliable"]
    assert out.loc[0, "note"] == "unreliable: fewer than 20 events (5)"


def test_indicator_codes_for_unknown_and_missing_indicators():
    from disparities.reliability import indicator_codes

    t = pd.DataFrame(
        {"indicator": pd.Categorical(["infant_mortality", "mystery", None])}
    )
    codes, per = indicator_codes(t)
    assert list(per.index) == ["infant_mortality", "mystery", ""]
    assert codes.tolist() == [0, 1, 2]
    # catalog: infant mortality is a rate (type 1) per 1,000, higher is worse;
    # unknown or missing indicators get no type (-1), no multiplier, and are
    # read as higher-is-worse
    assert per["type_code"].tolist() == [1, -1, -1]
    assert per["multiplier"].iloc[0] == 1000
    assert per["multiplier"].iloc[1:].isna().all()
    assert per["higher_is_worse"].tolist() == [True, True, True]
    # a plain string column works the same
    codes2, per2 = indicator_codes(pd.DataFrame({"indicator": ["third_grade_reading"]}))
    assert per2["higher_is_worse"].tolist() == [False, True]
    assert per2["type_code"].tolist() == [0, -1]


def test_a_proportion_with_a_margin_but_no_count_uses_the_margin():
    # value 8% +/- 1.645 (90%) with a denominator but no numerator: the CI and
    # SE come from the margin (SE 1.0), not from (missing) counts
    z = stats.norm.ppf(0.975)
    t = table([row("Black", np.nan, 1000, ind="low_birthweight", value=8.0, moe=1.645)])
    out = add_intervals(t)
    assert (out.loc[0, "ci_lower"], out.loc[0, "ci_upper"]) == pytest.approx(
        (8 - z, 8 + z)
    )
    assert standard_errors(out).loc[0, "se"] == pytest.approx(1.0)


def test_rse_from_a_published_95_percent_ci():
    # only a CI 40-60 around 50: SE = 20 / (2 x 1.959964) = 5.102, RSE 10.2%
    t = table(
        [
            row(
                "Black",
                np.nan,
                np.nan,
                ind="kindergarten_readiness",
                value=50.0,
                ci_lower=40.0,
                ci_upper=60.0,
            )
        ]
    )
    assert flag_reliability(t).loc[0, "rse"] == pytest.approx(
        100 * 20 / (2 * 1.959964) / 50, rel=1e-6
    )


def test_pool_periods_default_is_three_years():
    pooled = pool_periods(table(years([3, 4, 5, 6, 7, 8])))
    assert pooled["period"].astype(str).tolist() == ["2013-2015", "2016-2018"]
    assert pooled["note"].tolist() == ["pooled over 3 years"] * 2


def test_counts_come_first_and_published_cis_are_never_touched():
    z = stats.norm.ppf(0.975)
    t = table(
        [
            # counts and a margin: the counts decide (binomial SE, Wilson CI)
            row("Black", 81, 263, ind="low_birthweight", moe=5.0),
            # a published CI and a margin: the published CI stays, even a
            # rounded upper bound over 100
            survey(99.8, 1.0, group="White") | {"ci_lower": 98.9, "ci_upper": 100.2},
            survey(20.0, 1.645, group="Asian") | {"ci_lower": 15.0, "ci_upper": 25.0},
            # and one that needs its interval from the margin, in the same table
            survey(50.0, 1.645, group="Black"),
        ]
    ).set_index("group")
    out = add_intervals(t.reset_index())
    poverty = out[out.indicator == "child_poverty"].set_index("group")
    assert poverty.loc["Black", "ci_upper"] == pytest.approx(50 + z)
    out = (
        out[out.indicator == "low_birthweight"]
        .set_index("group")
        .combine_first(poverty)
    )
    lo, hi = proportion_confint(81, 263, method="wilson")
    assert (out.loc["Black", "ci_lower"], out.loc["Black", "ci_upper"]) == (
        pytest.approx((100 * lo, 100 * hi))
    )
    assert (out.loc["White", "ci_lower"], out.loc["White", "ci_upper"]) == (98.9, 100.2)
    assert (out.loc["Asian", "ci_lower"], out.loc["Asian", "ci_upper"]) == (15.0, 25.0)
    se = standard_errors(out.reset_index())
    se.index = out.index
    p = 81 / 263
    assert se.loc["Black", "se"] == pytest.approx(100 * np.sqrt(p * (1 - p) / 263))
    assert se.loc["Asian", "se"] == pytest.approx(1.0)  # the margin, not the CI
    assert z > 0


def test_zero_births_give_no_rate_no_interval_and_no_se():
    t = table([row("Black", 0, 0)])
    out = add_intervals(t)
    assert out[["value", "ci_lower", "ci_upper"]].isna().all(axis=None)
    se = standard_errors(out)
    assert se.isna().all(axis=None)


def test_add_intervals_without_a_suppressed_column():
    # a bare frame (not validated): nothing is taken as hidden
    t = pd.DataFrame(
        {
            "indicator": ["infant_mortality"],
            "numerator": [10.0],
            "denominator": [2000.0],
            "value": [np.nan],
            "ci_lower": [np.nan],
            "ci_upper": [np.nan],
            "moe": [np.nan],
        }
    )
    out = add_intervals(t)
    assert out.loc[0, "ci_lower"] == pytest.approx(stats.chi2.ppf(0.025, 20) / 4)


def test_x_equals_n_on_a_table_with_the_smallest_denominators():
    # 1 of 1 and 2 of 2: 100%, Wilson interval from statsmodels, upper bound 100
    t = add_intervals(
        table(
            [
                row("Black", 1, 1, ind="low_birthweight"),
                row("White", 2, 2, ind="low_birthweight"),
            ]
        )
    ).set_index("group")
    for g, n in (("Black", 1), ("White", 2)):
        lo, hi = proportion_confint(n, n, method="wilson")
        assert t.loc[g, "value"] == pytest.approx(100.0)
        assert (t.loc[g, "ci_lower"], t.loc[g, "ci_upper"]) == pytest.approx(
            (100 * lo, 100 * hi)
        )
    # p = 1: the binomial SE sqrt(p(1-p)/n) would be 0 and give zero-width gap
    # intervals; it is taken from the group's own Wilson interval instead,
    # (hi - lo) / 2z (issue #11)
    se = standard_errors(t.reset_index())
    for i, n in enumerate((1, 2)):
        lo, hi = proportion_confint(n, n, method="wilson")
        assert se["se"].iloc[i] == pytest.approx(100 * (hi - lo) / (2 * 1.959964))
    assert (se["se"] > 0).all()
