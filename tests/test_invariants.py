"""Properties every result must have, over the whole demo and a real CHR table.

* every interval holds its estimate (gap, ratio, adverse ratio, excess cases);
* the significance flag and direction agree with the difference's interval;
* intervals shrink as counts grow (property-based, hypothesis);
* flipping an indicator's direction mirrors its gaps;
* a suppressed cell's hidden count or value never changes any output.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import disparities.reliability
from disparities.gaps import compute_gaps
from disparities.reliability import prepare_observations
from disparities.uncertainty import (
    clopper_pearson_interval,
    rate_interval,
    wilson_interval,
)

INTERVALS = [
    ("value", "ci_lower", "ci_upper"),
    ("difference", "difference_ci_lower", "difference_ci_upper"),
    ("ratio", "ratio_ci_lower", "ratio_ci_upper"),
    ("adverse_ratio", "adverse_ratio_ci_lower", "adverse_ratio_ci_upper"),
    ("excess_cases", "excess_cases_ci_lower", "excess_cases_ci_upper"),
]


@pytest.fixture(scope="module")
def chr_gaps():
    import disparities as dp

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    path = shared / "chr2022_nc_county_health_rankings_v1.xlsx"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    table, _ = dp.load_data(path)
    return compute_gaps(table)


@pytest.fixture(scope="module")
def best_gaps(demo):
    return compute_gaps(demo, reference="best")


def assert_same(a, b):
    """Frame equality, fast (assert_frame_equal takes seconds on the demo)."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    differ = [c for c in a.columns if not a[c].equals(b[c])]
    assert not differ, differ


def check_intervals(g):
    checked = 0
    for est, lo, hi in INTERVALS:
        e, a, b = (g[c].to_numpy(float) for c in (est, lo, hi))
        both = ~np.isnan(a) & ~np.isnan(b)
        # an interval exists only where its estimate does
        assert not (both & np.isnan(e)).any(), est
        ok = both & ~np.isnan(e)
        tol = 1e-9 * np.maximum(1, np.abs(e[ok]))
        bad = ~((a[ok] <= e[ok] + tol) & (e[ok] <= b[ok] + tol))
        assert not bad.any(), (est, g.loc[ok].loc[bad].head())
        checked += ok.sum()
    return checked


def check_direction(g):
    d = g["difference"].to_numpy(float)
    lo = g["difference_ci_lower"].to_numpy(float)
    hi = g["difference_ci_upper"].to_numpy(float)
    sig = g["significant"].to_numpy(bool)
    shown = ~np.isnan(lo) & ~np.isnan(hi)
    assert (sig[shown] == ((lo[shown] > 0) | (hi[shown] < 0))).all()
    assert not sig[~shown].any()
    worse = np.where(g["higher_is_worse"], d > 0, d < 0)
    direction = g["direction"].astype(str).to_numpy()
    assert (direction[sig & worse] == "worse").all()
    assert (direction[sig & ~worse] == "better").all()
    assert (direction[shown & ~sig] == "no clear difference").all()
    hidden = g["suppressed"].to_numpy(bool) | np.isnan(d)
    assert (direction[hidden] == "not shown").all()
    # excess cases point the same way as "worse"
    ex = g["excess_cases"].to_numpy(float)
    has = ~np.isnan(ex) & (d != 0)
    assert ((ex[has] > 0) == worse[has]).all()


def test_demo_intervals_hold_their_estimates(demo_gaps, best_gaps):
    for g in (demo_gaps, best_gaps):
        assert check_intervals(g) > 10_000
        check_direction(g)


def test_chr_intervals_hold_their_estimates(chr_gaps):
    assert check_intervals(chr_gaps) > 500
    check_direction(chr_gaps)
    # higher-is-better scores are among them (CHR gives them no CI by race)
    scores = chr_gaps[chr_gaps.indicator == "reading_grade_performance"]
    assert scores["ratio"].notna().sum() > 10
    assert not scores["higher_is_worse"].any()


def test_every_demo_row_has_a_gap_row(demo, demo_gaps):
    # one gap row per non-total group row, except the reference rows
    # themselves: White for race, and one top income group per county x
    # indicator x period (counted here without the code under test)
    groups = demo[demo.dimension != "total"]
    white = ((groups.dimension == "race_ethnicity") & (groups.group == "White")).sum()
    income = groups[groups.dimension == "income"]
    n_income_refs = income.groupby(
        ["geo_id", "indicator", "period"], observed=True
    ).ngroups
    assert len(demo_gaps) == len(groups) - white - n_income_refs
    keys = ["geo_id", "indicator", "period", "dimension", "group"]
    assert not demo_gaps.duplicated(keys).any()
    same = demo_gaps["group"].astype(str) == demo_gaps["reference_group"].astype(str)
    assert not same.any()


# --- intervals shrink as counts grow -----------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(1, 400),
    extra=st.integers(1, 4000),
    k=st.integers(2, 20),
)
def test_intervals_shrink_as_counts_grow(x, extra, k):
    n = x + extra
    for f in (wilson_interval, clopper_pearson_interval):
        lo1, hi1 = f(x, n)
        lo2, hi2 = f(k * x, k * n)
        assert hi2 - lo2 < hi1 - lo1
    lo1, hi1 = rate_interval(x, n)
    lo2, hi2 = rate_interval(k * x, k * n)
    assert hi2 - lo2 < hi1 - lo1


def two_counties(x1, x0, k):
    """Black vs White in two counties, the second with k times the counts."""
    rows = [
        {
            "geo_id": geo,
            "indicator": "infant_mortality",
            "period": "2019",
            "dimension": "race_ethnicity",
            "group": g,
            "numerator": x * m,
            "denominator": n * m,
        }
        for geo, m in (("37001", 1), ("37063", k))
        for g, x, n in (("Black", x1, 1000), ("White", x0, 1500))
    ]
    return prepare_observations(pd.DataFrame(rows), suppress_below=None)


@settings(max_examples=8, deadline=None)
@given(
    x1=st.integers(1, 300),
    x0=st.integers(1, 300),
    k=st.integers(2, 10),
)
def test_gap_intervals_shrink_as_counts_grow(x1, x0, k):
    small, big = (row for _, row in compute_gaps(two_counties(x1, x0, k)).iterrows())
    assert (small["geo_id"], big["geo_id"]) == ("37001", "37063")
    for _, lo, hi in INTERVALS[1:4]:
        assert big[hi] - big[lo] < small[hi] - small[lo]
    # same rates, so the same point estimates
    assert big["ratio"] == pytest.approx(small["ratio"])


# --- flipping a direction mirrors the gaps ------------------------------------


def flipped_catalog(names):
    from disparities.catalog import indicator_catalog

    def catalog():
        cat = indicator_catalog()
        hit = cat["indicator"].isin(names)
        cat.loc[hit, "higher_is_worse"] = ~cat.loc[hit, "higher_is_worse"]
        return cat

    return catalog


def test_flipping_direction_mirrors_the_gaps(demo, demo_gaps, monkeypatch):
    # a rate (infant mortality) and a higher-is-better percentage (reading)
    names = ["infant_mortality", "third_grade_reading"]
    monkeypatch.setattr(
        disparities.reliability, "indicator_catalog", flipped_catalog(names)
    )
    flip = compute_gaps(demo[demo.indicator.isin(names)])
    base = demo_gaps[demo_gaps.indicator.isin(names)].reset_index(drop=True)
    assert len(flip) == len(base) > 1000
    same = ["difference", "difference_ci_lower", "difference_ci_upper", "ratio"]
    same += ["ratio_ci_lower", "ratio_ci_upper", "significant", "value"]
    # the decision reads the ratio the reader sees: for a higher-is-better
    # percentage (reading) the complements' ratio, for a higher-is-worse one
    # the plain ratio; so only reading rows where one of those ratio tests
    # disagrees with the difference's ("borderline") may change when the
    # direction flips: one side calls them clear, the other does not
    changed = (flip["significant"] != base["significant"]).to_numpy()
    rate = (base["indicator"] == "infant_mortality").to_numpy()
    assert not changed[rate].any()  # a rate's inverse ratio is the same test
    assert changed.sum() < 0.02 * len(base)
    assert_same(
        flip.loc[~changed, same].reset_index(drop=True),
        base.loc[~changed, same].reset_index(drop=True),
    )
    for side in (flip[changed], base[changed]):  # the unclear side reaches 0
        unclear = side[~side["significant"].astype(bool)]
        assert (unclear["difference_ci_lower"] <= 0).all()
        assert (unclear["difference_ci_upper"] >= 0).all()
    assert (flip["higher_is_worse"] != base["higher_is_worse"]).all()
    # excess cases change sign; their CI is mirrored
    assert flip["excess_cases"].to_numpy() == pytest.approx(
        -base["excess_cases"].to_numpy(), nan_ok=True
    )
    assert flip["excess_cases_ci_lower"].to_numpy()[~changed] == pytest.approx(
        -base["excess_cases_ci_upper"].to_numpy()[~changed], nan_ok=True
    )
    # worse <-> better; the rest unchanged
    swap = {"worse": "better", "better": "worse"}
    want = base["direction"].astype(str).map(lambda d: swap.get(d, d))
    assert (flip["direction"].astype(str) == want)[~changed].all()
    assert (flip["direction"] == "worse").sum() > 100
    # infant mortality, flipped to higher-is-better (not a percentage): the
    # adverse ratio becomes the inverse ratio with swapped bounds
    im = (flip.indicator == "infant_mortality").to_numpy()
    f, b = flip[im], base[im]
    assert f["adverse_ratio"].to_numpy() == pytest.approx(
        1 / b["adverse_ratio"].to_numpy(), nan_ok=True
    )
    assert f["adverse_ratio_ci_lower"].to_numpy() == pytest.approx(
        1 / b["adverse_ratio_ci_upper"].to_numpy(), nan_ok=True
    )
    # reading, flipped to higher-is-worse: the adverse ratio is the plain ratio
    rd = flip[~im]
    assert rd["adverse_ratio"].to_numpy() == pytest.approx(
        rd["ratio"].to_numpy(), nan_ok=True
    )


# --- suppressed cells never influence any output -----------------------------


def test_hidden_values_in_suppressed_cells_change_nothing(demo, demo_gaps):
    from disparities.summary_measures import compute_summary_measures

    planted = demo.copy()
    sup = planted["suppressed"].to_numpy(bool)
    assert sup.sum() > 1000
    rng = np.random.default_rng(3)
    planted.loc[sup, "numerator"] = rng.integers(0, 10, sup.sum()).astype(float)
    planted.loc[sup, "value"] = rng.uniform(0, 50, sup.sum())
    planted.loc[sup, "ci_lower"] = 0.0
    planted.loc[sup, "ci_upper"] = 99.0
    assert_same(compute_gaps(planted), demo_gaps)
    sub = demo.geo_id.isin(demo.geo_id.unique()[:8]).to_numpy()
    assert_same(
        compute_summary_measures(planted[sub]), compute_summary_measures(demo[sub])
    )


def small_count_rows(hidden):
    return pd.DataFrame(
        [
            {
                "geo_id": "37063",
                "indicator": "infant_mortality",
                "period": "2019",
                "dimension": dim,
                "group": g,
                "numerator": x,
                "denominator": n,
            }
            for dim, g, x, n in (
                ("race_ethnicity", "Asian", hidden, 800),
                ("race_ethnicity", "Black", 30, 2000),
                ("race_ethnicity", "White", 25, 3000),
                ("total", "Total", 64, 5800),  # the published total stays as is
            )
        ]
    )


def test_a_small_count_never_shows_through():
    # any hidden count 0-9 gives the very same output, with "best" reference
    # (which looks at every group's value) and the complementary cell hidden
    def run(hidden):
        return compute_gaps(
            prepare_observations(small_count_rows(hidden)), reference="best"
        )

    want = run(5)
    for hidden in (0, 1, 9):
        pd.testing.assert_frame_equal(run(hidden), want)
    assert want.loc[want.group == "Asian", "direction"].item() == "not shown"
    assert want["suppressed"].sum() == 2  # Asian, and White (the next smallest)
