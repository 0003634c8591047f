import numpy as np
import pandas as pd
import pytest

from disparities import paths
from disparities.demo import generate_demo_counts


@pytest.fixture(scope="module")
def counts():
    return generate_demo_counts()


def test_demo_is_seeded(counts):
    again = generate_demo_counts()
    pd.testing.assert_frame_equal(counts, again)
    other = generate_demo_counts(seed=1)
    assert not counts["numerator"].equals(other["numerator"])


def test_processed_file_rebuilds_from_the_generator(demo):
    from disparities.demo import generate_demo_observations

    fresh = generate_demo_observations().drop(columns="rse")
    assert len(fresh) == len(demo)
    a = fresh.sort_values(["geo_id", "indicator", "period", "dimension", "group"])
    b = demo.sort_values(["geo_id", "indicator", "period", "dimension", "group"])
    np.testing.assert_allclose(
        a["value"].to_numpy(float),
        b["value"].to_numpy(float),
        rtol=1e-5,
        equal_nan=True,
    )


def test_demo_shape_and_honesty(demo):
    assert paths.DEMO_PROCESSED_FILE.name.startswith("synthetic")
    assert demo["source"].str.contains("SYNTHETIC").all()
    counties = demo.loc[demo.geo_level.astype(str) == "county", "geo_id"].nunique()
    assert counties == 100
    assert {"37", "US"} <= set(demo["geo_id"].astype(str))
    assert demo["indicator"].nunique() >= 6
    assert demo["period_end"].nunique() >= 8
    race = set(
        demo.loc[demo.dimension.astype(str) == "race_ethnicity", "group"].astype(str)
    )
    assert {
        "Black",
        "White",
        "Hispanic or Latino",
        "American Indian or Alaska Native",
        "Asian",
        "Two or more races",
    } <= race
    fpl = set(demo.loc[demo.dimension.astype(str) == "income", "group"].astype(str))
    assert {
        "Under 100% FPL",
        "100-199% FPL",
        "200-399% FPL",
        "400% FPL and over",
    } <= fpl
    # small counties have suppressed and unreliable cells, big ones mostly not
    hyde = demo[demo.geo_id.astype(str) == "37095"]
    wake = demo[demo.geo_id.astype(str) == "37183"]
    assert hyde["suppressed"].mean() > wake["suppressed"].mean()
    assert demo["unreliable"].any()


def test_counts_consistent(counts):
    assert (counts["numerator"] <= counts["denominator"]).all()
    keys = ["geo_id", "indicator", "period"]
    counts = counts[counts.geo_id != "US"]  # the nation is nudged on purpose
    race = (
        counts[counts.dimension == "race_ethnicity"]
        .groupby(keys)[["numerator", "denominator"]]
        .sum()
    )
    total = counts[counts.dimension == "total"].set_index(keys)[
        ["numerator", "denominator"]
    ]
    pd.testing.assert_frame_equal(
        race.sort_index(), total.loc[race.index].sort_index(), check_dtype=False
    )


@pytest.mark.parametrize(
    "indicator, group, target, tol",
    [
        # County Health Rankings 2021, North Carolina (PROVENANCE.md / issue 2)
        ("infant_mortality", "Black", 11.97, 1.5),
        ("infant_mortality", "White", 5.41, 0.8),
        ("low_birthweight", "Black", 14.1, 1.0),
        ("low_birthweight", "White", 7.5, 0.6),
        ("teen_births", "Hispanic or Latino", 40.0, 4.0),
        # KIDS COUNT 2019: child poverty
        ("child_poverty", "Black", 32.0, 3.0),
        ("child_poverty", "White", 10.0, 1.5),
        ("child_poverty", "Total", 20.0, 2.5),
    ],
)
def test_state_rates_calibrated_to_published_nc(demo, indicator, group, target, tol):
    period = "2015-2019" if indicator == "child_poverty" else "2019"
    v = demo[
        (demo.geo_id.astype(str) == "37")
        & (demo.indicator.astype(str) == indicator)
        & (demo.group.astype(str) == group)
        & (demo.period.astype(str) == period)
    ]
    assert v["value"].item() == pytest.approx(target, abs=tol)
