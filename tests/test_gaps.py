import numpy as np
import pandas as pd
import pytest

from disparities.gaps import compute_gaps
from disparities.reliability import prepare_observations


def obs(rows, **kw):
    return prepare_observations(pd.DataFrame(rows), suppress_below=kw.get("sup"))


def r(
    group,
    x,
    n,
    *,
    ind="infant_mortality",
    dim="race_ethnicity",
    geo="37063",
    period="2019",
):
    return {
        "geo_id": geo,
        "indicator": ind,
        "period": period,
        "dimension": dim,
        "group": group,
        "numerator": x,
        "denominator": n,
    }


def test_rate_ratio_and_difference_hand_worked():
    # Black 24/2000 = 12.0, White 12/3000 = 4.0 per 1,000.
    g = compute_gaps(obs([r("Black", 24, 2000), r("White", 12, 3000)]))
    row = g.iloc[0]
    assert row["ratio"] == pytest.approx(3.0)
    assert row["difference"] == pytest.approx(8.0)
    # log-RR SE for Poisson counts (Katz): sqrt(1/24 + 1/12)
    se = np.sqrt(1 / 24 + 1 / 12)
    assert row["ratio_ci_lower"] == pytest.approx(3 * np.exp(-1.959964 * se), rel=1e-5)
    assert row["ratio_ci_upper"] == pytest.approx(3 * np.exp(1.959964 * se), rel=1e-5)
    # difference SE: sqrt(24)/2000*1000, sqrt(12)/3000*1000
    sd = np.sqrt((np.sqrt(24) / 2) ** 2 + (np.sqrt(12) / 3) ** 2)
    assert row["difference_ci_lower"] == pytest.approx(8 - 1.959964 * sd, rel=1e-5)
    assert row["difference_ci_upper"] == pytest.approx(8 + 1.959964 * sd, rel=1e-5)
    assert row["direction"] == "worse" and row["significant"]
    # higher is worse: "times as likely" is the ratio itself, same CI
    assert row["adverse_ratio"] == pytest.approx(3.0)
    assert row["adverse_ratio_ci_lower"] == pytest.approx(row["ratio_ci_lower"])
    assert row["adverse_ratio_ci_upper"] == pytest.approx(row["ratio_ci_upper"])
    # excess cases: (12 - 4)/1000 * 2000 = 16 babies; CI = difference CI x 2
    assert row["excess_cases"] == pytest.approx(16.0)
    assert row["excess_cases_ci_lower"] == pytest.approx(2 * (8 - 1.959964 * sd))
    assert row["excess_cases_ci_upper"] == pytest.approx(2 * (8 + 1.959964 * sd))


def test_published_chr_ratio_nc_infant_mortality(shared):
    # CHR 2021 (../shared/data/PROVENANCE.md): NC IMR Black 11.97 vs White 5.41 -> 2.21
    from disparities.sources.chr import load_chr_workbook

    t, _ = load_chr_workbook(shared("chr2021_nc_county_health_rankings_v1.xlsx"))
    g = compute_gaps(t)
    nc = g[
        (g.geo_id == "37") & (g.indicator == "infant_mortality") & (g.group == "Black")
    ]
    assert nc["ratio"].item() == pytest.approx(2.21, abs=0.005)
    wake = g[
        (g.geo_id == "37183")
        & (g.indicator == "infant_mortality")
        & (g.group == "Black")
    ]
    assert wake["ratio"].item() == pytest.approx(3.56, abs=0.005)
    assert wake["direction"].item() == "worse"
    durham = g[
        (g.geo_id == "37063") & (g.indicator == "child_poverty") & (g.group == "Black")
    ]
    assert durham["ratio"].item() == pytest.approx(4.63, abs=0.005)
    # CHR gives no CI for poverty by race: said so, not "no clear difference"
    assert durham["direction"].item() == "no confidence interval published"


def test_adverse_ratio_for_higher_is_better():
    # reading: group 40% proficient vs 70% -> 60/30 = 2.0 times as likely to not read
    g = compute_gaps(
        obs(
            [
                r("Black", 40, 100, ind="third_grade_reading"),
                r("White", 70, 100, ind="third_grade_reading"),
            ]
        )
    )
    row = g.iloc[0]
    assert row["ratio"] == pytest.approx(40 / 70)
    assert row["adverse_ratio"] == pytest.approx(2.0)
    # complement-ratio CI, delta method on ln(100 - y) with both groups' SEs:
    # SE(y) = 100 sqrt(p(1-p)/100) = 4.899 (40%) and 4.583 (70%)
    se = np.sqrt((4.898979 / 60) ** 2 + (4.582576 / 30) ** 2)
    assert row["adverse_ratio_ci_lower"] == pytest.approx(
        2 * np.exp(-1.959964 * se), rel=1e-5
    )
    assert row["adverse_ratio_ci_upper"] == pytest.approx(
        2 * np.exp(1.959964 * se), rel=1e-5
    )
    assert row["direction"] == "worse"
    assert row["excess_cases"] == pytest.approx(30.0)


def test_reference_options():
    t = obs(
        [
            r("Black", 30, 2000),
            r("White", 10, 3000),
            r("Asian", 2, 1000),
            r("Total", 42, 6000, dim="total"),
            r("Black", 600, 50000, geo="37"),
            r("White", 300, 70000, geo="37"),
            r("Asian", 20, 10000, geo="37"),
            r("Total", 920, 130000, dim="total", geo="37"),
        ]
    )
    best = compute_gaps(t, reference="best")
    # White (10 events) and Asian (2) are unreliable, so never the best
    # reference (issue #11): the best reliable group is Black
    assert set(best.loc[best.geo_id == "37063", "reference_group"]) == {"Black"}
    white = best[(best.geo_id == "37063") & (best.group == "White")]
    assert white["ratio"].item() == pytest.approx((10 / 3) / 15.0)
    total = compute_gaps(t, reference="total")
    assert set(total["reference_group"]) == {"Total"}
    county_black = total[(total.geo_id == "37063") & (total.group == "Black")]
    assert county_black["ratio"].item() == pytest.approx(15.0 / 7.0)  # 15 vs 42/6
    state = compute_gaps(t, reference="state")
    row = state[(state.geo_id == "37063") & (state.group == "Black")].iloc[0]
    assert row["reference_geo_id"] == "37" and row["reference_value"] == pytest.approx(
        12.0
    )
    named = compute_gaps(t, reference="Asian")
    assert "Asian" not in set(named["group"].astype(str))
    # county: Black 15.0 vs Asian 2.0 per 1,000
    black = named[(named.geo_id == "37063") & (named.group == "Black")]
    assert black["ratio"].item() == pytest.approx(7.5)
    with pytest.raises(ValueError, match="unknown reference"):
        compute_gaps(t, reference="nobody")


def test_income_reference_is_highest_income():
    t = obs(
        [
            r(g, x, 1000, ind="uninsured_children", dim="income")
            for g, x in [
                ("Under 100% FPL", 90),
                ("100-199% FPL", 70),
                ("400% FPL and over", 20),
            ]
        ]
    )
    g = compute_gaps(t)
    assert set(g["reference_group"]) == {"400% FPL and over"}
    assert len(g) == 2


def test_suppressed_reference_hides_every_derived_number():
    t = obs([r("Black", 24, 2000), r("White", 4, 3000)], sup=10)
    g = compute_gaps(t)
    row = g.iloc[0]
    assert row["direction"] == "not shown"
    assert np.isnan(
        row[["difference", "ratio", "adverse_ratio", "excess_cases"]].astype(float)
    ).all()
    assert "reference group" in row["note"]


def test_blocks_of_any_size_give_the_same_table(demo, monkeypatch):
    import disparities.gaps
    import disparities.reliability

    t = demo.sample(frac=0.05, random_state=7)  # shuffled, every kind of row
    whole = compute_gaps(t, reference="best")
    monkeypatch.setattr(disparities.gaps, "_CHUNK", 5)
    monkeypatch.setattr(disparities.reliability, "_CHUNK", 3)
    pd.testing.assert_frame_equal(compute_gaps(t, reference="best"), whole)
    # the lookup for key spaces too big for a dense table gives the same too
    monkeypatch.setattr(disparities.gaps, "_KEY_SPACE_LIMIT", 0)
    pd.testing.assert_frame_equal(compute_gaps(t, reference="best"), whole)
