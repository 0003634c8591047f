import pandas as pd
import pytest

from disparities.focus import conservative_ratio, rank_focus_candidates
from disparities.peers import find_bright_spots, find_peer_counties
from disparities.reliability import prepare_observations


def test_tiny_denominator_never_tops_the_list():
    rows = []
    for geo in ("37001", "37"):
        big = 1 if geo == "37001" else 50
        rows += [
            # teen births: 3 of 20 vs 1 of 80 -> ratio 12, but 3 events
            {
                "geo_id": geo,
                "indicator": "teen_births",
                "period": "2021",
                "dimension": "race_ethnicity",
                "group": "Asian",
                "numerator": 3 * big,
                "denominator": 20 * big,
            },
            {
                "geo_id": geo,
                "indicator": "teen_births",
                "period": "2021",
                "dimension": "race_ethnicity",
                "group": "White",
                "numerator": 1 * big,
                "denominator": 80 * big,
            },
            # low birthweight: 2,000 of 10,000 vs 1,000 of 10,000 -> ratio 2, solid
            {
                "geo_id": geo,
                "indicator": "low_birthweight",
                "period": "2021",
                "dimension": "race_ethnicity",
                "group": "Black",
                "numerator": 2000 * big,
                "denominator": 10000 * big,
            },
            {
                "geo_id": geo,
                "indicator": "low_birthweight",
                "period": "2021",
                "dimension": "race_ethnicity",
                "group": "White",
                "numerator": 1000 * big,
                "denominator": 10000 * big,
            },
        ]
    t = prepare_observations(pd.DataFrame(rows), suppress_below=None)
    c = rank_focus_candidates(t, "37001")
    assert c.loc[0, "indicator"] == "low_birthweight"
    tiny = c[c["indicator"] == "teen_births"].iloc[0]
    assert tiny["adverse_ratio"] > 10  # the point estimate is huge...
    assert tiny["unreliable"] and tiny["needs_pooling"]  # ...and flagged
    assert "pool 3 or more years" in tiny["explanation"]
    for col in (
        "size_component",
        "children_affected_component",
        "trend_component",
        "versus_state_component",
        "reliability_factor",
        "score",
    ):
        assert col in c.columns
    # weights change the order only through the shown components
    only_state = rank_focus_candidates(
        t, "37001", weights={"size": 0, "children_affected": 0}
    )
    assert only_state["score"].abs().max() <= 0.15 + 1e-9
    with pytest.raises(ValueError, match="unknown weight"):
        rank_focus_candidates(t, "37001", weights={"fun": 1})


def test_conservative_ratio():
    assert conservative_ratio([2.0, 0.9], [3.0, 1.2]).tolist() == [2.0, 1.0]


def test_demo_candidates_have_explanations(demo):
    c = rank_focus_candidates(demo, "37063")
    assert c["rank"].tolist() == list(range(1, len(c) + 1))
    assert c["explanation"].str.len().gt(40).all()
    assert c["score"].is_monotonic_decreasing
    assert len(c.attrs["left_out"]) > 0  # suppressed comparisons are listed


def test_peers_and_bright_spots(demo, demo_gaps):
    peers = find_peer_counties(demo, "37063", n=4)
    assert len(peers) == 4 and "37063" not in set(peers["geo_id"])
    assert peers["distance"].is_monotonic_increasing
    spots = find_bright_spots(demo_gaps, peers, "37063", "child_poverty", "Black")
    assert spots.iloc[0]["is_focus"]
    focus_ratio = spots.iloc[0]["adverse_ratio"]
    assert (spots.loc[spots["smaller_gap"], "adverse_ratio"] < focus_ratio).all()


def test_unclear_gaps_never_outrank_clear_ones(demo):
    # Alleghany (37005) is tiny: most of its gaps cannot be told from none
    c = rank_focus_candidates(demo, "37005")
    unclear = c[~c["clear_gap"]]
    assert len(unclear) > 0
    assert (unclear["trend_component"] == 0).all()
    assert (unclear["versus_state_component"] == 0).all()
    if c["clear_gap"].any():
        assert c.loc[c["clear_gap"], "score"].min() >= unclear["score"].max()
    assert not unclear["explanation"].str.contains("state's gap").any()
