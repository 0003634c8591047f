import numpy as np
import pandas as pd
import pytest

from disparities.reliability import (
    add_intervals,
    flag_reliability,
    pool_periods,
    prepare_observations,
    suppress_small_counts,
)
from disparities.schema import validate_observations


def table(rows):
    return validate_observations(pd.DataFrame(rows))


def r(
    group,
    x,
    n,
    *,
    ind="infant_mortality",
    period="2021",
    dim="race_ethnicity",
    geo="37001",
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


def test_add_intervals_by_measure_type():
    t = add_intervals(
        table([r("Black", 10, 2000), r("White", 81, 263, ind="low_birthweight")])
    )
    imr = t.iloc[0]
    assert imr["value"] == pytest.approx(5.0)
    assert imr["ci_lower"] == pytest.approx(4.795 / 2, abs=1e-3)  # exact Poisson
    lbw = t.iloc[1]
    assert lbw["ci_lower"] == pytest.approx(25.53, abs=0.01)  # Wilson, Newcombe
    assert lbw["ci_upper"] == pytest.approx(36.62, abs=0.01)


def test_add_intervals_from_moe_and_keeps_published_cis():
    t = table(
        [
            {
                "geo_id": "37",
                "indicator": "child_poverty",
                "period": "2015-2019",
                "dimension": "total",
                "group": "Total",
                "value": 20.0,
                "moe": 1.645,
            },
            {
                "geo_id": "37",
                "indicator": "child_poverty",
                "period": "2014-2018",
                "dimension": "total",
                "group": "Total",
                "value": 20.0,
                "ci_lower": 1.0,
                "ci_upper": 2.0,
            },
        ]
    )
    out = add_intervals(t)
    assert out.loc[0, "ci_lower"] == pytest.approx(20 - 1.959964, abs=1e-5)
    assert (out.loc[1, "ci_lower"], out.loc[1, "ci_upper"]) == (1.0, 2.0)


def test_flag_rules():
    t = add_intervals(
        table([r("Black", 12, 1500), r("White", 300, 40000), r("Asian", 25, 2000)])
    )
    f = flag_reliability(t)
    assert f["unreliable"].tolist() == [True, False, False]
    # RSE of a Poisson count is 1/sqrt(x): 25 events -> 20%
    assert f.loc[2, "rse"] == pytest.approx(20.0)
    strict = flag_reliability(t, max_rse=15)
    assert strict.loc[2, "unreliable"]


def test_suppression_keeps_rows_and_protects_small_cells():
    t = add_intervals(
        table(
            [
                r("Black", 4, 500),
                r("White", 30, 4000),
                r("Asian", 200, 30000),
                r("Total", 234, 34500, dim="total"),
            ]
        )
    )
    out = suppress_small_counts(t)
    assert len(out) == 4
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert out.loc[0, "value"] != out.loc[0, "value"]  # NaN
    assert "fewer than 10" in out.loc[0, "note"]
    assert "worked out from the total" in out.loc[1, "note"]
    assert out.loc[0, "denominator"] == 500  # key and denominator stay
    # nothing to protect when two cells are already hidden
    t2 = add_intervals(
        table(
            [
                r("Black", 4, 500),
                r("White", 3, 400),
                r("Asian", 200, 30000),
                r("Total", 207, 30900, dim="total"),
            ]
        )
    )
    assert suppress_small_counts(t2)["suppressed"].tolist() == [
        True,
        True,
        False,
        False,
    ]


def test_survey_estimates_are_not_count_suppressed():
    t = prepare_observations(
        pd.DataFrame(
            [
                {
                    "geo_id": "37001",
                    "indicator": "child_poverty",
                    "period": "2017-2021",
                    "dimension": "race_ethnicity",
                    "group": "Asian",
                    "numerator": 5,
                    "denominator": 50,
                    "moe": 8.0,
                }
            ]
        )
    )
    assert not t.loc[0, "suppressed"]
    assert t.loc[0, "unreliable"]


def test_pool_periods_sums_counts():
    rows = [
        r("Black", x, 1000, period=str(y))
        for y, x in zip(range(2013, 2022), [3, 4, 5, 6, 7, 8, 9, 10, 11], strict=True)
    ]
    pooled = pool_periods(table(rows), years=3)
    assert pooled["period"].astype(str).tolist() == [
        "2013-2015",
        "2016-2018",
        "2019-2021",
    ]
    assert pooled["numerator"].tolist() == [12, 21, 30]
    assert pooled["denominator"].tolist() == [3000, 3000, 3000]
    assert pooled.loc[0, "value"] == pytest.approx(4.0)
    assert pooled.attrs == {"not_pooled": [], "left_out_years": []}
    assert np.isfinite(pooled["ci_lower"]).all()
    # without 2021 the windows end at 2020: 2018-2020, 2015-2017, and 2013-2014
    # cannot make a whole window, so those two years are left out and said so
    short = pool_periods(table(rows[:-1]), years=3)
    assert short["period"].astype(str).tolist() == ["2015-2017", "2018-2020"]
    assert short["numerator"].tolist() == [18, 27]
    assert short.attrs["left_out_years"] == [2013, 2014]
    assert short.attrs["not_pooled"] == []
    # a window missing a middle year: tests/test_boundaries_reliability.py


def standard_error_rows():
    base = {"geo_id": "37001", "period": "2021", "dimension": "race_ethnicity"}
    rows = [
        # proportion from counts: p = 81/263
        {
            "indicator": "low_birthweight",
            "group": "Black",
            "numerator": 81.0,
            "denominator": 263.0,
        },
        # rate from counts (Poisson): 24 deaths in 2,000 births, per 1,000
        {
            "indicator": "infant_mortality",
            "group": "Black",
            "numerator": 24.0,
            "denominator": 2000.0,
        },
        # survey estimate with a 90% margin of error of 3.29 points
        {"indicator": "child_poverty", "group": "Black", "value": 25.0, "moe": 3.29},
        # only a published 95% CI (10 to 20)
        {
            "indicator": "kindergarten_readiness",
            "group": "Black",
            "value": 15.0,
            "ci_lower": 10.0,
            "ci_upper": 20.0,
        },
    ]
    return validate_observations(pd.DataFrame([{**base, **r} for r in rows]))


def test_standard_errors_hand_worked():
    from disparities.reliability import standard_errors

    got = standard_errors(standard_error_rows()).round(6)
    p = 81 / 263
    z = 1.959964
    expected = [
        # binomial SE x 100; Katz log-scale SE sqrt((1 - p) / x)
        (np.sqrt(p * (1 - p) / 263) * 100, np.sqrt((1 - p) / 81)),  # 2.8468, 0.0924
        # Poisson: sqrt(x) / n x 1,000; log-scale 1 / sqrt(x)
        (np.sqrt(24) / 2000 * 1000, 1 / np.sqrt(24)),  # 2.4495, 0.2041
        # ACS: SE = MOE / 1.645 = 2.0; log-scale SE / value
        (2.0, 2.0 / 25.0),
        # from the CI: (20 - 10) / 2z, (ln 20 - ln 10) / 2z
        (10 / (2 * z), np.log(2) / (2 * z)),  # 2.5511, 0.1768
    ]
    assert got.to_numpy() == pytest.approx(np.array(expected), abs=2e-6)


def test_standard_errors_only_for_wanted_rows_and_in_blocks(monkeypatch):
    import disparities.reliability as rel

    t = standard_error_rows()
    full = rel.standard_errors(t)
    monkeypatch.setattr(rel, "_CHUNK", 3)  # blocks of 3 rows: 3 + 1
    wanted = np.array([True, False, True, True])
    part = rel.standard_errors(t, rows=wanted)
    assert part[wanted].to_numpy() == pytest.approx(full[wanted].to_numpy())
    assert part[~wanted].isna().all().all()
