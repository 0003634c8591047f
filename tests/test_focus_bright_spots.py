"""Peers from the features the data hold, and bright spots that hold up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_focus_group_sizes import row, table

from disparities.peers import (
    PeerFeaturesError,
    county_features,
    describe_peer,
    find_bright_spots,
    find_peer_counties,
    gap_difference_z,
)

Z = 1.959963984540054


def context_table(counties, *, features=("population", "pct_under_18", "pct_rural")):
    rows = []
    for geo, (pop, young, rural, black) in counties.items():
        values = {"population": pop, "pct_under_18": young, "pct_rural": rural}
        rows += [row(geo, f, "Total", values[f]) for f in features if f in values]
        if "population_share" in features:
            rows += [
                row(geo, "population_share", "Black", black),
                row(geo, "population_share", "White", 100.0 - black),
            ]
    return table(rows)


COUNTIES = {
    "37001": (30_000.0, 22.0, 40.0, 20.0),
    "37003": (33_000.0, 21.0, 80.0, 22.0),
    "37005": (31_000.0, 22.5, 42.0, 19.0),
    "37007": (300_000.0, 24.0, 5.0, 35.0),
    "37009": (5_000.0, 16.0, 100.0, 2.0),
    "37011": (60_000.0, 20.0, 55.0, 30.0),
}


def test_features_are_the_ones_the_data_hold():
    t = context_table(
        COUNTIES,
        features=("population", "pct_under_18", "pct_rural", "population_share"),
    )
    f = county_features(t, "NC")
    assert f.attrs["features"] == [
        "population",
        "pct_under_18",
        "pct_rural",
        "share_Black",
        "share_White",
    ]
    assert "% rural" in f.attrs["labels"]
    peers = find_peer_counties(t, "37001", n=3, features=f)
    # 37005 is nearly identical on every feature; 37003 differs in rurality
    assert peers["geo_id"].tolist()[0] == "37005"
    assert (peers["distance"] > 0).all()
    assert peers.attrs["features"] == f.attrs["features"]
    first = peers.iloc[0]["similarity"]
    assert first.startswith("similar size")
    assert "rurality" in first


def test_fewer_than_three_features_are_refused_in_plain_words():
    t = context_table(COUNTIES, features=("population", "pct_rural"))
    with pytest.raises(PeerFeaturesError) as err:
        county_features(t, "NC")
    msg = str(err.value)
    assert "at least 3 features" in msg
    assert "population, % rural" in msg
    assert not msg.startswith("'")  # a plain sentence, not a KeyError repr
    # the report's "except KeyError" still catches it
    assert isinstance(err.value, KeyError)


def test_a_feature_missing_for_most_counties_is_not_used():
    t = context_table(COUNTIES)
    extra = table([row("37001", "population_share", "Black", 20.0)])
    both = pd.concat([t.astype(object), extra.astype(object)], ignore_index=True)
    f = county_features(both, "NC")
    assert "share_Black" not in f.attrs["features"]


def test_describe_peer_in_words():
    focus = pd.Series({"population": 30000.0, "pct_rural": 40.0, "pct_under_18": 22.0})
    peer = pd.Series({"population": 90000.0, "pct_rural": 41.0, "pct_under_18": 22.5})
    assert describe_peer(peer, focus) == "similar age make-up and rurality, larger"


def test_gap_difference_z_by_hand():
    # issue #12: 4.07 (3.16-5.23) vs 4.33 (2.60-7.22)
    se_a = (math.log(5.23) - math.log(3.16)) / (2 * Z)  # 0.1285
    se_b = (math.log(7.22) - math.log(2.60)) / (2 * Z)  # 0.2606
    expected = (math.log(4.07) - math.log(4.33)) / math.hypot(se_a, se_b)
    assert expected == pytest.approx(-0.213, abs=1e-3)
    got = gap_difference_z(4.07, 3.16, 5.23, 4.33, 2.60, 7.22)
    assert float(got) == pytest.approx(expected)


def _gap(geo, name, ratio, lo, hi):
    return {
        "geo_id": geo,
        "geo_name": name,
        "indicator": "child_poverty",
        "dimension": "race_ethnicity",
        "group": "Black",
        "reference_group": "White",
        "reference_geo_id": geo,
        "period": "2020",
        "period_start": 2020,
        "period_end": 2020,
        "value": 10.0 * ratio,
        "reference_value": 10.0,
        "difference": 10.0 * ratio - 10.0,
        "difference_ci_lower": np.nan,
        "difference_ci_upper": np.nan,
        "adverse_ratio": ratio,
        "adverse_ratio_ci_lower": lo,
        "adverse_ratio_ci_upper": hi,
        "direction": "worse",
        "higher_is_worse": True,
        "unreliable": False,
        "suppressed": False,
    }


def test_bright_spots_need_a_supported_margin():
    gaps = pd.DataFrame(
        [
            _gap("37001", "Focus County", 4.07, 3.16, 5.23),
            # overlapping almost entirely: z = 0.21 -> not clearly different
            _gap("37003", "Overlap County", 4.33, 2.60, 7.22),
            # 2.0 (1.70-2.35): z = (ln 4.07 - ln 2.0) / sqrt(0.1285^2 + 0.0826^2)
            #                    = 0.7105 / 0.1528 = 4.65 -> clearly smaller
            _gap("37005", "Smaller County", 2.0, 1.70, 2.35),
            # a smaller point estimate but no CI: cannot tell
            _gap("37007", "Untested County", 3.0, np.nan, np.nan),
            # 3.5 (3.2-3.8) is smaller, but SE = (ln 3.8 - ln 3.2) / 3.92 = 0.0438 and
            # z = (1.4036 - 1.2528) / sqrt(0.1285^2 + 0.0438^2) = 0.1509 / 0.1358 = 1.11
            _gap("37009", "Close County", 3.5, 3.2, 3.8),
        ]
    )
    peers = pd.DataFrame(
        {
            "geo_id": ["37003", "37005", "37007", "37009"],
            "similarity": ["similar size", "similar size, more rural", "", ""],
        }
    )
    b = find_bright_spots(gaps, peers, "37001", "child_poverty", "Black")
    got = dict(zip(b["geo_name"], b["comparison"], strict=True))
    assert got == {
        "Focus County": "the focus county",
        "Smaller County": "smaller gap",
        "Untested County": "cannot tell: no confidence interval",
        "Close County": "not clearly different",
        "Overlap County": "not clearly different",
    }
    z = dict(zip(b["geo_name"], b["z_difference"], strict=True))
    assert z["Smaller County"] == pytest.approx(4.65, abs=0.01)
    assert z["Close County"] == pytest.approx(1.11, abs=0.01)
    assert b["smaller_gap"].sum() == 1
    smaller = b[b["smaller_gap"]].iloc[0]["sentence"]
    assert smaller.startswith("Smaller County (similar size, more rural): 2.0 times")
    overlap = b[b["geo_name"] == "Overlap County"].iloc[0]["sentence"]
    assert "not clearly different from Focus County's" in overlap
    assert "distance" not in " ".join(b["sentence"])
