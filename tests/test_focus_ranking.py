"""Ranking on evidence: clear gaps, then unclear ones, then untestable ones.

Small hand-made tables; expected orders and numbers are worked in comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_focus_group_sizes import context, row, table

from disparities.focus import coverage_note, rank_focus_candidates
from disparities.reliability import prepare_observations


def county_and_state(extra_county=(), with_context=False):
    rows = []
    for geo, k in (("37001", 1), ("37", 40)):
        rows += [
            # child poverty 60% vs 6% (10 times) with no CI and no counts
            row(geo, "child_poverty", "Black", 60.0),
            row(geo, "child_poverty", "White", 6.0),
            # low birthweight 150/1,000 vs 100/1,000: 1.5 times, CI 1.18-1.91
            row(geo, "low_birthweight", "Black", None, num=150 * k, den=1000 * k),
            row(geo, "low_birthweight", "White", None, num=100 * k, den=1000 * k),
            # Asian 50/1,000: better off than White, so no one is "affected"
            row(geo, "low_birthweight", "Asian", None, num=50 * k, den=1000 * k),
            # infant deaths 6 vs 4 per 1,000 births: 1.5 times, CI includes 1
            row(geo, "infant_mortality", "Black", None, num=6, den=1000),
            row(geo, "infant_mortality", "White", None, num=4, den=1000),
        ]
        if with_context:
            rows += context(geo, population=20_000.0 * k)
    rows += list(extra_county)
    return prepare_observations(table(rows), suppress_below=None)


def test_clear_gap_outranks_unclear_and_untestable():
    c = rank_focus_candidates(county_and_state(), "37001")
    order = c[["indicator", "group", "evidence"]].values.tolist()
    assert order == [
        ["low_birthweight", "Black", "clear gap"],
        ["infant_mortality", "Black", "no clear difference"],
        # 50 vs 100 per 1,000 (CI 0.36-0.70): clearly better, not a gap against
        # Asian babies, and not "no clear difference" either
        ["low_birthweight", "Asian", "clearly better"],
        ["child_poverty", "Black", "cannot be tested"],
    ]
    # the 10-times child-poverty ratio is the biggest point estimate...
    assert c["adverse_ratio"].idxmax() == 3
    # ...but nothing can be said about its uncertainty or the children affected
    untested = c.iloc[3]
    assert math.isnan(untested["excess_cases"])
    assert math.isnan(untested["conservative_excess"])
    assert untested["children_affected_basis"] == "unknown"
    assert "is unknown" in untested["explanation"]
    assert "cannot be tested" in untested["explanation"]
    # a group better off than the reference: "none" affected, never "-50"
    asian = c[c["group"] == "Asian"].iloc[0]
    assert asian["excess_cases"] == pytest.approx(-50)
    assert "affected beyond the reference group's rate: none" in asian["explanation"]
    # counted excess: (0.15 - 0.10) x 1,000 births = 50, CI lower bound > 0
    lbw = c.iloc[0]
    assert lbw["excess_cases"] == pytest.approx(50)
    assert lbw["children_affected_basis"] == "counted"
    assert (
        f"about 50 Black babies (at least {lbw['conservative_excess']:,.0f}) would "
        "not have had this outcome if their rate matched that of White babies"
        in (lbw["explanation"])
    )


def test_a_narrowing_clear_gap_still_outranks_an_unclear_one():
    t = county_and_state()
    trends = pd.DataFrame(
        {
            "geo_id": ["37001"],
            "indicator": ["low_birthweight"],
            "dimension": ["race_ethnicity"],
            "group": ["Black"],
            "verdict": ["narrowing"],
        }
    )
    c = rank_focus_candidates(
        t,
        "37001",
        trends=trends,
        weights={"size": 0, "children_affected": 0, "versus_state": 0, "trend": 1},
    )
    assert c.iloc[0]["score"] < 0  # only the (narrowing) trend scores
    assert c.iloc[0]["evidence"] == "clear gap"
    assert (c.iloc[1:]["score"] >= c.iloc[0]["score"]).all()


def test_population_shares_make_the_untestable_testable():
    c = rank_focus_candidates(county_and_state(with_context=True), "37001")
    pov = c[c["indicator"] == "child_poverty"].iloc[0]
    # 20,000 residents x 20% under 18 x 20% Black = 800 Black children;
    # excess = (60 - 6)/100 x 800 = 432, estimated
    assert pov["group_size"] == pytest.approx(800)
    assert pov["excess_cases"] == pytest.approx(432)
    assert pov["children_affected_basis"] == "estimated from population shares"
    assert pov["interval_basis"] == "derived from group sizes"
    assert pov["evidence"] == "clear gap"
    assert "an estimated 432 Black children" in pov["explanation"]
    assert "not counted" in pov["explanation"]
    assert "approximate one was derived" in pov["explanation"]
    # a derived interval counts three quarters, unless it is too wide to rely
    # on: White's 6% among n children has a survey SE of
    # 100 sqrt(19 x 0.06 x 0.94 / n) (PUMS factor 19 = 95/5), an RSE over 30%
    n_white = 20_000 * 0.20 * 0.45  # residents x under 18 x White share = 1,800
    rse_white = 100 * np.sqrt(19 * 0.06 * 0.94 / n_white) / 6.0
    assert rse_white > 0.30  # 2.44 points on 6%: 41%
    assert pov["unreliable"] and pov["reliability_factor"] == 0.5


def test_totals_without_groups_give_an_empty_ranking_with_a_note():
    t = prepare_observations(
        table(
            [
                row("37001", "poverty_all_ages", "Total", 15.0, lo=13.0, hi=17.0),
                row("37", "poverty_all_ages", "Total", 13.0, lo=12.5, hi=13.5),
            ]
        ),
        suppress_below=None,
    )
    c = rank_focus_candidates(t, "37001")
    assert c.empty and "rank" in c.columns
    assert "no values by group" in c.attrs["coverage_note"]
    assert "people in poverty (all ages)" in c.attrs["coverage_note"]
    absent = rank_focus_candidates(t, "37063")
    assert absent.empty
    assert absent.attrs["coverage_note"] == "The data hold no rows for 37063."
    assert coverage_note(t, "37063") == absent.attrs["coverage_note"]


def test_no_zero_children_in_any_demo_explanation(demo):
    c = rank_focus_candidates(demo, "37063")
    assert not c["explanation"].str.contains(r"\bat least 0\b|\b-\d").any()
    assert np.isfinite(c["excess_cases"]).all()  # the demo counts everyone
    assert (c["children_affected_basis"] == "counted").all()
    assert c["rank_tier"].is_monotonic_increasing


def test_children_affected_cells_never_show_zero_for_unknown():
    c = rank_focus_candidates(county_and_state(with_context=True), "37001")
    keys = c["indicator"].astype(str) + "/" + c["group"].astype(str)
    cells = dict(zip(keys, c["children_affected"], strict=True))
    # counted: 50 excess, CI lower bound (0.05 - 1.96 x SE) x 1,000 > 0
    assert cells["low_birthweight/Black"].startswith("at least ")
    assert cells["low_birthweight/Asian"] == "none"
    assert cells["child_poverty/Black"].startswith("about 432 (estimated; ")
    bare = rank_focus_candidates(county_and_state(), "37001")
    pov = bare[bare["indicator"] == "child_poverty"].iloc[0]
    assert pov["children_affected"] == "unknown"


def test_a_score_given_only_as_a_difference_still_ranks_on_its_ci():
    # if the engine stops computing ratios for incomes, the difference's CI
    # decides: $39,108 vs $62,036 with CIs +-4,000 and +-2,000 -> clear
    from disparities.gaps import compute_gaps

    rows = []
    for geo in ("37001", "37"):
        rows += [
            row(
                geo, "median_household_income", "Black", 39108.0, lo=35108.0, hi=43108.0
            ),
            row(
                geo, "median_household_income", "White", 62036.0, lo=60036.0, hi=64036.0
            ),
        ]
    t = prepare_observations(table(rows), suppress_below=None)
    gaps = compute_gaps(t)
    ratio_cols = [c for c in gaps.columns if c.startswith(("ratio", "adverse_ratio"))]
    gaps[ratio_cols] = np.nan
    c = rank_focus_candidates(t, "37001", gaps=gaps)
    assert len(c) == 1
    top = c.iloc[0]
    assert top["evidence"] == "clear gap"
    assert top["children_affected"] == "not applicable"
    assert "$39,108 vs $62,036" in top["explanation"]


def test_a_clear_gap_with_a_low_end_under_one_child_says_at_least_1():
    """Durham's Hispanic child deaths (CHR): a clear gap, 8 children, low end
    0.4 of a child, read 'the data cannot rule out none' beside 'clear gap'."""
    from disparities.focus import affected_cell, affected_phrase
    from disparities.report import affected_sentence

    r = pd.Series(
        {
            "indicator": "child_mortality",
            "group": "Hispanic or Latino",
            "reference_group": "White",
            "period": "2017-2020",
            "period_start": 2017,
            "period_end": 2020,
            "excess_cases": 8.0,
            "conservative_excess": 0.4,
            "children_affected_basis": "estimated from the total count and "
            "population shares",
        }
    )
    assert "at least 1;" in affected_phrase(r)
    assert "cannot rule out none" not in affected_phrase(r)
    assert affected_cell(r) == "about 8 (estimated; at least 1)"
    assert "(at least 1;" in affected_sentence(r)
    # an unclear gap's low end of 0 still says so
    r["conservative_excess"] = 0.0
    assert "cannot rule out none" in affected_phrase(r)
    assert affected_cell(r) == "about 8 (estimated; could be none)"
