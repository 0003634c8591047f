"""Group sizes estimated from context rows, and intervals derived from them.

Every expected value is worked by hand in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from disparities.group_sizes import (
    NOT_APPLICABLE,
    add_size_estimates,
    derived_standard_error,
    estimate_group_sizes,
)

Z = 1.959963984540054


def row(
    geo,
    ind,
    group,
    value,
    *,
    period="2020",
    dim=None,
    num=np.nan,
    den=np.nan,
    lo=np.nan,
    hi=np.nan,
):
    """One tidy input row (validation fills in the period's start and end)."""
    return {
        "geo_id": geo,
        "geo_name": "Test County" if len(geo) == 5 else "Test State",
        "indicator": ind,
        "period": period,
        "dimension": dim or ("total" if group == "Total" else "race_ethnicity"),
        "group": group,
        "numerator": num,
        "denominator": den,
        "value": value,
        "ci_lower": lo,
        "ci_upper": hi,
        "source": "hand-made",
    }


def table(rows) -> pd.DataFrame:
    from disparities.schema import validate_observations

    return validate_observations(pd.DataFrame(rows))


def context(geo="37001", population=10_000.0, pct_under_18=20.0, shares=None):
    shares = shares or {"Black": 20.0, "White": 45.0, "Hispanic or Latino": 30.0}
    rows = [
        row(geo, "population", "Total", population),
        row(geo, "pct_under_18", "Total", pct_under_18),
    ]
    rows += [row(geo, "population_share", g, v) for g, v in shares.items()]
    return rows


def test_children_from_population_shares():
    # 10,000 residents x 20% under 18 = 2,000 children; Black 20% -> 400,
    # White 45% -> 900; the Total row gets all 2,000
    t = table(
        context()
        + [
            row("37001", "child_poverty", "Black", 30.0),
            row("37001", "child_poverty", "White", 10.0),
            row("37001", "child_poverty", "Total", 16.0),
        ]
    )
    sizes = estimate_group_sizes(t).set_index("group")
    assert sizes.loc["Black", "group_size"] == pytest.approx(400)
    assert sizes.loc["White", "group_size"] == pytest.approx(900)
    assert sizes.loc["Total", "group_size"] == pytest.approx(2000)
    assert (sizes["group_size_basis"] == "estimated from population shares").all()
    # context rows themselves are not sized (they are not outcomes)
    assert set(sizes.index) == {"Black", "White", "Total"}


def test_births_and_teen_girls_count_every_year_of_a_span():
    t = table(
        context()
        + [
            row("37001", "low_birthweight", "Black", 14.0, period="2014-2020"),
            row("37001", "teen_births", "Black", 30.0, period="2014-2020"),
            row("37001", "child_mortality", "Black", 50.0, period="2017-2020"),
        ]
    )
    sizes = estimate_group_sizes(t).set_index("indicator")["group_size"]
    # births: 400 Black children / 18 a year x 7 years = 155.56
    assert sizes["low_birthweight"] == pytest.approx(400 / 18 * 7)
    # girls 15-19: 400 x 5/18 x 0.488 = 54.2 a year, x 7 years = 379.6 girl-years
    assert sizes["teen_births"] == pytest.approx(400 * 5 / 18 * 0.488 * 7)
    # child deaths per 100,000 children a year: 400 x 4 years = 1,600 child-years
    assert sizes["child_mortality"] == pytest.approx(1600)


def test_counted_and_total_count_bases_and_unknowns():
    t = table(
        context()
        + [
            # the source counted the Black births: kept as they are
            row("37001", "low_birthweight", "Black", 14.0, num=14, den=100),
            # infant deaths: the Total row has 20 deaths at 8 per 1,000, so
            # 20 x 1,000 / 8 = 2,500 births; White 45% of residents -> 1,125
            row("37001", "infant_mortality", "Total", 8.0, num=20),
            row("37001", "infant_mortality", "White", 5.0),
            # income groups have no population shares: unknown
            row("37001", "child_poverty", "Under 100% FPL", 40.0, dim="income"),
            # a county without context rows: unknown
            row("37003", "child_poverty", "Black", 30.0),
        ]
    )
    sizes = estimate_group_sizes(t)
    get = sizes.set_index(["geo_id", "indicator", "group"])
    assert get.loc[("37001", "low_birthweight", "Black"), "group_size"] == 100
    assert get.loc[("37001", "low_birthweight", "Black"), "group_size_basis"] == (
        "counted"
    )
    white = get.loc[("37001", "infant_mortality", "White")]
    assert white["group_size"] == pytest.approx(1125)
    assert white["group_size_basis"] == (
        "estimated from the total count and population shares"
    )
    for key in [
        ("37001", "child_poverty", "Under 100% FPL"),
        ("37003", "child_poverty", "Black"),
    ]:
        assert math.isnan(get.loc[key, "group_size"])
        assert get.loc[key, "group_size_basis"] == "unknown"


def test_derived_standard_errors_by_measure_type():
    # survey: 100 x sqrt(19 x 0.2 x 0.8 / 400) = 100 x sqrt(0.0076) = 8.718
    assert derived_standard_error(20.0, 400, "child_poverty") == pytest.approx(
        8.7178, abs=1e-4
    )
    # proportion counted in full: 100 x sqrt(0.1 x 0.9 / 900) = 1.0
    assert derived_standard_error(10.0, 900, "low_birthweight") == pytest.approx(1.0)
    # rate: 10 per 1,000 of 2,500 births = 25 deaths; 10 / sqrt(25) = 2.0
    assert derived_standard_error(10.0, 2500, "infant_mortality") == pytest.approx(2)
    # averages and incomes: no interval; unknown size: none
    assert np.isnan(derived_standard_error(50000.0, 900, "median_household_income"))
    assert np.isnan(derived_standard_error(20.0, np.nan, "child_poverty"))


def test_derived_interval_and_estimated_excess_on_a_gap():
    from disparities.gaps import compute_gaps
    from disparities.reliability import prepare_observations

    t = table(
        context()
        + [
            row("37001", "child_poverty", "Black", 30.0),
            row("37001", "child_poverty", "White", 10.0),
        ]
    )
    obs = prepare_observations(t, suppress_below=None)
    g = compute_gaps(obs)
    assert g["adverse_ratio_ci_lower"].isna().all()  # nothing published
    out = add_size_estimates(g, obs).iloc[0]
    # SEs: Black 100 sqrt(19 x .3 x .7 / 400) = 9.987; White 100 sqrt(19 x .1 x
    # .9 / 900) = 4.359. Log scale: 9.987/30 = .3329, 4.359/10 = .4359;
    # SE ln ratio = sqrt(.3329^2 + .4359^2) = .5485
    se_b = 100 * math.sqrt(19 * 0.3 * 0.7 / 400)
    se_w = 100 * math.sqrt(19 * 0.1 * 0.9 / 900)
    se_lr = math.sqrt((se_b / 30) ** 2 + (se_w / 10) ** 2)
    assert se_lr == pytest.approx(0.5485, abs=1e-4)
    assert out["adverse_ratio"] == pytest.approx(3.0)
    assert out["adverse_ratio_ci_upper"] == pytest.approx(3 * math.exp(Z * se_lr))
    assert out["interval_basis"] == "derived from group sizes"
    # difference 20 points, SE sqrt(9.987^2 + 4.359^2) = 10.897: CI -1.36 to 41.36
    assert out["difference_ci_lower"] == pytest.approx(20 - Z * 10.897, abs=1e-2)
    # the ratio's own lower end, 3 / exp(1.96 x .5485) = 1.024, excludes 1 while
    # the difference's includes 0: the tests disagree, so the gap is not called
    # clear and the ratio's interval is extended to 1 (one decision, gaps.py)
    assert 3 / math.exp(Z * se_lr) == pytest.approx(1.024, abs=1e-3)
    assert out["adverse_ratio_ci_lower"] == 1.0
    assert not out["significant"] and out["direction"] == "no clear difference"
    assert "borderline: the difference's and the ratio's intervals" in out["note"]
    # excess: (30 - 10) / 100 x 400 Black children = 80, estimated
    assert out["excess_cases"] == pytest.approx(80)
    assert out["children_affected_basis"] == "estimated from population shares"
    assert out["group_size"] == pytest.approx(400)
    assert out["reference_size"] == pytest.approx(900)


def test_incomes_get_no_children_affected():
    from disparities.gaps import compute_gaps
    from disparities.reliability import prepare_observations

    t = table(
        context()
        + [
            row(
                "37001",
                "median_household_income",
                "Black",
                39108.0,
                lo=35000.0,
                hi=43216.0,
            ),
            row(
                "37001",
                "median_household_income",
                "White",
                62036.0,
                lo=60000.0,
                hi=64072.0,
            ),
        ]
    )
    obs = prepare_observations(t, suppress_below=None)
    out = add_size_estimates(compute_gaps(obs), obs).iloc[0]
    assert out["children_affected_basis"] == NOT_APPLICABLE
    assert math.isnan(out["excess_cases"])
    assert out["interval_basis"] == "published"


def test_sizes_from_the_same_groups_counts_in_other_data():
    t = table(
        context()
        + [
            # a vital-statistics file counted 1,000 Black births in 2019
            row(
                "37001",
                "low_birthweight",
                "Black",
                None,
                period="2019",
                num=90,
                den=1000,
            ),
            # CHR gives infant deaths per 1,000 births for 2014-2020, no counts:
            # 1,000 births a year x 7 years = 7,000 births (not 400/18 x 7 = 156
            # from population shares)
            row("37001", "infant_mortality", "Black", 9.0, period="2014-2020"),
            # child poverty counts children, not births: nothing to borrow
            row("37001", "child_poverty", "Black", 30.0),
        ]
    )
    sizes = estimate_group_sizes(t).set_index("indicator")
    imr = sizes.loc["infant_mortality"]
    assert imr["group_size"] == pytest.approx(7000)
    assert imr["group_size_basis"] == "estimated from the group's counts in other data"
    assert sizes.loc["child_poverty", "group_size_basis"] == (
        "estimated from population shares"
    )


def test_values_on_too_few_estimated_children_are_flagged_like_their_gaps():
    import pandas as pd

    from disparities.group_sizes import flag_unreliable_by_size

    nan = float("nan")
    ctx = {  # 1,000 residents, 20% children: 200 children; shares below
        "indicator": ["population", "pct_under_18"]
        + ["population_share"] * 3
        + ["child_poverty"] * 4,
        "dimension": ["total", "total"] + ["race_ethnicity"] * 7,
        "group": ["Total", "Total", "Black", "White", "Asian"]
        + ["Black", "White", "Asian", "Hispanic or Latino"],
        "value": [1000.0, 20.0, 20.0, 75.0, 5.0, 82.8, 11.7, 30.0, 40.0],
    }
    t = pd.DataFrame(ctx).assign(
        geo_id="37177",
        period="2020",
        period_start=2020,
        period_end=2020,
        numerator=nan,
        denominator=nan,
        ci_lower=nan,
        ci_upper=nan,
        unreliable=False,
    )
    # Asian has a published interval: its flag is the source's, left alone
    t.loc[t["group"].eq("Asian") & t["indicator"].eq("child_poverty"), "ci_lower"] = 1.0
    out = flag_unreliable_by_size(t).set_index(["indicator", "group"])["unreliable"]
    # Black: 40 children, SE = 100 sqrt(19 x .828 x .172 / 40) = 26.0 pp, 31% > 30%
    assert bool(out[("child_poverty", "Black")])
    # White: 150 children, SE = 100 sqrt(19 x .117 x .883 / 150) = 11.4 pp, 98%
    assert bool(out[("child_poverty", "White")])
    assert not bool(out[("child_poverty", "Asian")])  # published interval
    assert not bool(out[("child_poverty", "Hispanic or Latino")])  # size unknown
    assert not out.loc["population_share"].any()  # context rows untouched
    assert not t["unreliable"].any()  # the input is not modified
