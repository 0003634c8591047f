"""A county's trend verdicts are the same in its own report and in a batch.

The batch computes the state's gaps and trends once
(:func:`disparities.batch.state_results`) and each profile takes its rows; a
single report computes them for the county alone
(:func:`disparities.profile.compute_analysis`). A trend's test needs every
period's standard error; for a source that publishes no CI they exist only once
:func:`~disparities.group_sizes.add_size_estimates` has derived them from group
sizes. The batch used to fit its trends on the raw gaps, so CHR child poverty
by race read "cannot be tested" in a batch and "can't tell yet (the periods
share years)" in the county's own report.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disparities import schema as s

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CHR = [
    DATA / "chr2021_nc_county_health_rankings_v1.xlsx",
    DATA / "chr2022_nc_county_health_rankings_v1.xlsx",
]
DURHAM, TYRRELL = "37063", "37177"


def _row(geo, ind, group, value, period="2020"):
    return {
        "geo_id": geo,
        "geo_name": "Test County",
        "indicator": ind,
        "period": period,
        "dimension": "total" if group == "Total" else "race_ethnicity",
        "group": group,
        "numerator": np.nan,
        "denominator": np.nan,
        "value": value,
        "ci_lower": np.nan,
        "ci_upper": np.nan,
        "source": "hand-made",
    }


@pytest.fixture
def no_ci_table():
    """Child poverty by race in two single years, no CI published; context rows
    give 10,000 people, 20% under 18 (2,000 children), 20% Black (400
    children) and 45% White (900 children)."""
    from disparities.reliability import prepare_observations
    from disparities.schema import validate_observations

    g = "37001"
    rows = [
        _row(g, "population", "Total", 10_000.0),
        _row(g, "pct_under_18", "Total", 20.0),
        _row(g, "population_share", "Black", 20.0),
        _row(g, "population_share", "White", 45.0),
        _row(g, "population_share", "Hispanic or Latino", 30.0),
        _row(g, "child_poverty", "Black", 30.0, "2019"),
        _row(g, "child_poverty", "White", 10.0, "2019"),
        _row(g, "child_poverty", "Black", 20.0, "2020"),
        _row(g, "child_poverty", "White", 10.0, "2020"),
    ]
    t = validate_observations(pd.DataFrame(rows))
    return prepare_observations(t, suppress_below=None)


def _black(trends):
    sel = (trends[s.INDICATOR] == "child_poverty") & (trends[s.GROUP] == "Black")
    assert sel.sum() == 1
    return trends[sel].iloc[0]


def test_trend_needs_the_derived_intervals_the_cause(no_ci_table):
    """The cause: on raw gaps (no published CI) the series cannot be tested;
    after add_size_estimates it can, and state_results now fits on those."""
    from disparities.batch import state_results
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates
    from disparities.profile import compute_analysis
    from disparities.trends import compute_gap_trends

    raw = compute_gaps(no_ci_table)
    assert _black(compute_gap_trends(raw))["verdict"] == "cannot be tested"
    filled = add_size_estimates(raw, no_ci_table)
    tr = _black(compute_gap_trends(filled))
    # by hand (survey SE 100 sqrt(19 p (1 - p) / n), group_sizes module notes):
    # 2019: Black 30% of 400 -> 9.987, White 10% of 900 -> 4.359, gap 20,
    #       SE sqrt(9.987^2 + 4.359^2) = 10.897
    # 2020: Black 20% of 400 -> 8.718, gap 10, SE sqrt(8.718^2 + 4.359^2) = 9.747
    # slope -10 per year, SE sqrt(10.897^2 + 9.747^2) = 14.62, z = -0.684
    se19 = math.hypot(
        100 * math.sqrt(19 * 0.3 * 0.7 / 400), 100 * math.sqrt(19 * 0.1 * 0.9 / 900)
    )
    se20 = math.hypot(
        100 * math.sqrt(19 * 0.2 * 0.8 / 400), 100 * math.sqrt(19 * 0.1 * 0.9 / 900)
    )
    z = -10 / math.hypot(se19, se20)
    assert se19 == pytest.approx(10.897, abs=1e-3)
    assert z == pytest.approx(-0.684, abs=1e-3)
    assert tr["slope_per_year"] == pytest.approx(-10.0)
    assert tr["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert tr["verdict"] == "no significant change"

    shared = state_results(no_ci_table, "37")
    assert (shared["gaps"]["interval_basis"] == "derived from group sizes").all()
    batch = _black(shared["trends"])
    single = _black(compute_analysis(no_ci_table, "37001")["trends"])
    for col in ("verdict", "slope_per_year", "p_value", "model"):
        assert batch[col] == single[col] == tr[col]


def test_compute_gap_trends_table_derives_the_intervals(no_ci_table):
    """``table=`` fills the derived intervals first: the same trend as the
    profile's, whoever calls it (the focus command and the app can use it)."""
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates
    from disparities.trends import compute_gap_trends

    raw = compute_gaps(no_ci_table)
    via_table = compute_gap_trends(raw, table=no_ci_table)
    filled = compute_gap_trends(add_size_estimates(raw, no_ci_table))
    pd.testing.assert_frame_equal(via_table, filled)
    assert _black(via_table)["verdict"] == "no significant change"
    # gaps already filled keep their intervals (nothing derived twice)
    again = compute_gap_trends(add_size_estimates(raw, no_ci_table), table=no_ci_table)
    pd.testing.assert_frame_equal(again, filled)


def test_cohort_overview_uses_the_profiles_trends(no_ci_table):
    from disparities.batch import cohort_overview, state_results

    alone = cohort_overview(no_ci_table, ["37001"])
    shared = cohort_overview(
        no_ci_table, ["37001"], shared=state_results(no_ci_table, "37")
    )
    assert list(alone["trend"]) == list(shared["trend"]) == ["no significant change"]


@pytest.fixture(scope="module")
def chr_table():
    if not all(p.exists() for p in CHR):
        pytest.skip("CHR workbooks not in ../shared/data")
    from disparities.loaders import combine_loads, load_data

    tables = [load_data(p, source="chr", state="NC")[0] for p in CHR]
    return combine_loads(tables)[0]


@pytest.mark.parametrize("geo_id", [DURHAM, TYRRELL])
def test_single_report_and_batch_candidates_agree_on_real_chr(chr_table, geo_id):
    from disparities.batch import cohort_overview, state_results
    from disparities.profile import build_county_profile

    geo = chr_table[s.GEO_ID].astype(str)
    local = chr_table[geo.str.startswith("37") | (geo == "US")]
    shared = state_results(local, "37")
    alone = build_county_profile(chr_table, geo_id, state="NC", n_detail=1)
    batch = build_county_profile(local, geo_id, state="NC", n_detail=1, shared=shared)
    alone.close()
    batch.close()
    keys = [s.INDICATOR, s.DIMENSION, s.GROUP, s.PERIOD]
    a = alone.candidates[keys + ["trend"]]
    b = batch.candidates[keys + ["trend"]]
    both = a.merge(b, on=keys, how="outer", suffixes=("_single", "_batch"))
    assert len(both) == len(a) == len(b)
    differ = both[both["trend_single"] != both["trend_batch"]]
    assert differ.empty, differ.to_string()
    # the rows the reviewer found: child poverty by race is testable in both
    pov = both[both[s.INDICATOR] == "child_poverty"]
    assert len(pov) > 0
    assert (pov["trend_batch"] != "cannot be tested").all()
    # and the cohort overview says what the profile says
    over = cohort_overview(local, [geo_id], n_top=len(a), shared=shared)
    m = over[keys[:3] + ["trend"]].merge(
        a[keys[:3] + ["trend"]], on=keys[:3], suffixes=("_overview", "_single")
    )
    assert len(m) == len(over)
    assert (m["trend_overview"] == m["trend_single"]).all()


def test_real_chr_trend_charts_tyrrell_and_durham(chr_table):
    """The reviewer's charts: Tyrrell's child poverty by group (5-year spans
    beside single-year Totals, two groups suppressed) and Durham's teen-birth
    gap (two overlapping 7-year spans: no rate per year)."""
    from test_plots import check_group_trend_time_axis  # tests/ is on the path

    from disparities import plots
    from disparities.profile import compute_analysis
    from disparities.trends import OVERLAP_UNCLEAR

    ax = plots.plot_group_trend(chr_table, TYRRELL, "child_poverty")
    check_group_trend_time_axis(ax, chr_table)
    an = compute_analysis(chr_table, DURHAM)
    tr = an["trends"]
    row = tr[
        (tr[s.INDICATOR].astype(str) == "teen_births")
        & (tr[s.GROUP].astype(str) == "Hispanic or Latino")
    ]
    assert row["verdict"].item() == OVERLAP_UNCLEAR
    g = an["here"]
    g = g[
        (g[s.INDICATOR].astype(str) == "teen_births")
        & (g[s.GROUP].astype(str) == "Hispanic or Latino")
    ].sort_values(s.PERIOD_END)
    # the change between the two spans, from the gaps themselves
    change = g["difference"].iloc[-1] - g["difference"].iloc[0]
    ax = plots.plot_gap_trend(
        an["gaps"], tr, DURHAM, "teen_births", "Hispanic or Latino"
    )
    legend = ax.get_legend().get_texts()[0].get_text()
    assert f"{change:+.1f} per 1,000 girls aged 15-19" in legend
    assert "per year" not in legend + plots.get_alt_text(ax)


@pytest.mark.parametrize("geo_id", [DURHAM, TYRRELL])
def test_focus_ranking_alone_gives_the_reports_trends_on_real_chr(chr_table, geo_id):
    # `disparities focus` and the app rank without the profile's trends: the
    # ranking must fit them as the report does (derived intervals first)
    from disparities.focus import rank_focus_candidates
    from disparities.profile import compute_analysis

    report = compute_analysis(chr_table, geo_id)["candidates"]
    alone = rank_focus_candidates(chr_table, geo_id)
    keys = [s.INDICATOR, s.DIMENSION, s.GROUP, s.PERIOD]
    both = report[keys + ["trend"]].merge(
        alone[keys + ["trend"]], on=keys, suffixes=("_report", "_focus")
    )
    assert len(both) == len(report) == len(alone)
    differ = both[both["trend_report"] != both["trend_focus"]]
    assert differ.empty, differ.to_string()


def test_real_wake_overlapping_trend_says_it_is_between_overlapping_periods(shared):
    """CHR 2021 + 2022, Wake: child poverty 2015-2019 then 2016-2020 read plain
    'narrowing' on the shortlist and in the deck notes, while the glossary says
    overlapping periods cannot tell a trend from chance. A clear change between
    overlapping spans now says it is a change in multi-year averages."""
    from disparities.focus import rank_focus_candidates
    from disparities.loaders import load_data
    from disparities.narrative import shortlist_table

    table, _ = load_data(
        [
            shared("chr2021_nc_county_health_rankings_v1.xlsx"),
            shared("chr2022_nc_county_health_rankings_v1.xlsx"),
        ]
    )
    c = rank_focus_candidates(table, "37183")
    moving = c[c["trend"].isin(["widening", "narrowing"]) & c["trend_overlapping"]]
    assert len(moving)  # Wake has such rows (child poverty, Hispanic and Black)
    shown = moving[moving["clear_gap"]]
    assert (
        shown["explanation"]
        .str.contains("between overlapping periods: a change in multi-year averages")
        .all()
    )
    table_words = shortlist_table(c, n=len(c))["Trend"]
    assert not table_words.isin(["widening", "narrowing"])[
        c["trend_overlapping"].to_numpy()
    ].any()
