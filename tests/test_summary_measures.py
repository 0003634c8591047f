"""Summary measures checked against hand-worked values (derivations inline)."""

import numpy as np
import pandas as pd
import pytest

from disparities.reliability import prepare_observations
from disparities.summary_measures import (
    compute_summary_measures,
    slope_index_of_inequality,
)


def three_groups(total=True, scale=2):
    # low birthweight: 20/200, 40/200, 120/400 -> 10%, 20%, 30%; shares .25 .25 .5
    # (scale=1 halves the counts: the 10% group, 10 of 100, is then unreliable)
    rows = [
        {
            "geo_id": "37001",
            "indicator": "low_birthweight",
            "period": "2020",
            "dimension": "race_ethnicity",
            "group": g,
            "numerator": x * scale,
            "denominator": n * scale,
        }
        for g, x, n in [
            ("Black", 10, 100),
            ("Hispanic or Latino", 20, 100),
            ("White", 60, 200),
        ]
    ]
    if total:
        rows.append(
            {
                "geo_id": "37001",
                "indicator": "low_birthweight",
                "period": "2020",
                "dimension": "total",
                "group": "Total",
                "numerator": 90 * scale,
                "denominator": 400 * scale,
            }
        )
    return prepare_observations(pd.DataFrame(rows), suppress_below=None)


def measures(t, **kw):
    return compute_summary_measures(t, **kw).set_index("measure")["estimate"]


def test_unordered_measures_hand_worked():
    m = measures(three_groups())
    mu = 22.5  # .25*10 + .25*20 + .5*30
    assert m["range_difference"] == pytest.approx(20)
    assert m["range_ratio"] == pytest.approx(3)
    # best (lowest) group 10%: mean |gap| of the other two = 15 -> 150% of 10
    assert m["index_of_disparity"] == pytest.approx(150)
    assert m["between_group_variance"] == pytest.approx(
        0.25 * 12.5**2 + 0.25 * 2.5**2 + 0.5 * 7.5**2
    )  # 68.75
    assert m["between_group_variance_unweighted"] == pytest.approx(200 / 3)
    r = np.array([10, 20, 30]) / mu
    w = np.array([0.25, 0.25, 0.5])
    assert m["theil_index"] == pytest.approx(np.sum(w * r * np.log(r)))  # 0.07551
    assert m["theil_index"] == pytest.approx(0.075511, abs=1e-6)
    assert m["mean_log_deviation"] == pytest.approx(0.088337, abs=1e-6)
    # PAR: Total 22.5% minus best 10% = 12.5 points; PAF = 55.6%
    assert m["population_attributable_risk"] == pytest.approx(12.5)
    assert m["population_attributable_fraction"] == pytest.approx(100 * 12.5 / 22.5)
    assert "slope_index_of_inequality" not in m.index  # unordered groups


def test_two_groups_get_only_two_group_measures():
    t = three_groups()
    t = t[t["group"].astype(str) != "Hispanic or Latino"]
    got = set(measures(t).index)
    assert got == {
        "difference",
        "ratio",
        "population_attributable_risk",
        "population_attributable_fraction",
    }


def income(values, pops, ind="uninsured_children"):
    groups = ["Under 100% FPL", "100-199% FPL", "200-399% FPL", "400% FPL and over"]
    rows = [
        {
            "geo_id": "37001",
            "indicator": ind,
            "period": "2016-2020",
            "dimension": "income",
            "group": g,
            "value": v,
            "denominator": p,
            "moe": 1.0,
        }
        for g, v, p in zip(groups, values, pops, strict=False)
    ]
    return prepare_observations(pd.DataFrame(rows), suppress_below=None)


def test_slope_index_and_concentration_hand_worked():
    t = income([30, 20, 10], [100, 100, 100])
    m = measures(t)
    # ridits 1/6, 1/2, 5/6: the fitted line falls 30 points from bottom to top;
    # intercept at x=0 is 35, at x=1 is 5 -> RII 5/35
    assert m["slope_index_of_inequality"] == pytest.approx(-30)
    assert m["relative_index_of_inequality"] == pytest.approx(5 / 35)
    # C = 2/mu * sum(p y R) - 1 = 0.1 * (5 + 10 + 8.333)/3 - 1 = -0.2222
    assert m["concentration_index"] == pytest.approx(-2 / 9)
    # extremes: lowest income minus highest
    assert m["difference"] == pytest.approx(20)


def test_closed_form_sii_equals_statsmodels_wls():
    vals, pops = [12.0, 9.5, 6.1, 2.2], [220, 260, 300, 180]
    sm = slope_index_of_inequality(vals, pops)
    m = measures(income(vals, pops))
    assert m["slope_index_of_inequality"] == pytest.approx(sm["sii"], rel=1e-10)
    assert m["relative_index_of_inequality"] == pytest.approx(sm["rii"], rel=1e-10)
    logistic = slope_index_of_inequality(vals, pops, method="logistic")
    assert logistic["sii"] < 0 and abs(logistic["sii"] - sm["sii"]) < 3


def test_delta_intervals_agree_with_simulation(demo):
    t = demo[
        (demo.geo_id.astype(str) == "37063")
        & (demo.indicator.astype(str).isin(["child_poverty", "uninsured_children"]))
        & (demo.period.astype(str) == "2018-2022")
    ]
    d = compute_summary_measures(t).set_index(["indicator", "dimension", "measure"])
    s = compute_summary_measures(
        t, ci_method="simulation", n_simulations=2000, seed=1
    ).set_index(["indicator", "dimension", "measure"])
    for key in [
        ("child_poverty", "race_ethnicity", "between_group_variance"),
        ("child_poverty", "race_ethnicity", "theil_index"),
        ("uninsured_children", "income", "slope_index_of_inequality"),
        ("uninsured_children", "income", "concentration_index"),
    ]:
        wd = d.loc[key, "ci_upper"] - d.loc[key, "ci_lower"]
        ws = s.loc[key, "ci_upper"] - s.loc[key, "ci_lower"]
        assert wd == pytest.approx(ws, rel=0.25), key


def test_suppressed_groups_left_out_and_counted():
    t = three_groups()
    t.loc[t["group"].astype(str) == "Black", ["value", "numerator"]] = np.nan
    t.loc[t["group"].astype(str) == "Black", "suppressed"] = True
    m = compute_summary_measures(t)
    assert (m["groups_left_out"] == 1).all()
    assert m["note"].str.contains("left out").all()


@pytest.mark.parametrize("key_space_limit", [50_000_000, 0])  # dense and sorted paths
def test_hidden_comparison_not_counted_in_the_next(monkeypatch, key_space_limit):
    # 2019: every group suppressed, so no comparison; 2020: all three groups
    # shown. The 2019 rows must not be counted as "left out" of 2020.
    import disparities.gaps

    monkeypatch.setattr(disparities.gaps, "_KEY_SPACE_LIMIT", key_space_limit)
    hidden = three_groups(total=False)
    hidden["period"] = "2019"
    hidden[["value", "numerator"]] = np.nan
    hidden["suppressed"] = True
    t = pd.concat([hidden, three_groups(total=False)], ignore_index=True)
    m = compute_summary_measures(t)
    assert set(m["period"].astype(str)) == {"2020"}
    assert (m["groups_left_out"] == 0).all()
    assert (m["n_groups"] == 3).all()


def test_delta_intervals_cut_at_the_possible_range():
    # 10, 11, 12% of 200, 200 and 400 children: the index of disparity is small and very
    # uncertain, so a plain Wald interval would reach below 0
    t = three_groups(total=False)
    t["numerator"] = [20.0, 22.0, 48.0]
    t["value"] = t["numerator"] / t["denominator"] * 100
    m = compute_summary_measures(t).set_index("measure")
    idx = m.loc["index_of_disparity"]
    half = idx["ci_upper"] - idx["estimate"]
    assert idx["estimate"] - half < 0  # what the uncut interval would say
    assert idx["ci_lower"] == 0.0
    for name in ("between_group_variance", "theil_index", "mean_log_deviation"):
        assert m.loc[name, "ci_lower"] >= 0.0
    # PAF of a higher-is-worse outcome: never above 100%
    assert m.loc["population_attributable_fraction", "ci_upper"] <= 100.0


def few_counties(demo, n=12):
    """Demo rows of a dozen counties, shuffled: race and income comparisons,
    with groups hidden by small numbers (so two-group ones too)."""
    geos = sorted(demo["geo_id"].astype(str).unique())[:n]
    t = demo[demo["geo_id"].astype(str).isin(geos)]
    return t.sample(frac=1.0, random_state=3).reset_index(drop=True)


def test_blocks_of_any_size_give_the_same_table(demo, monkeypatch):
    import disparities.summary_measures as sm

    t = few_counties(demo)
    whole = compute_summary_measures(t)
    monkeypatch.setattr(sm, "_ROWS_PER_BLOCK", 7)  # hundreds of blocks
    pd.testing.assert_frame_equal(compute_summary_measures(t), whole)


def test_every_comparison_matches_a_one_at_a_time_reference(demo):
    # the layout (kinds, blocks, buffers) checked against the core applied to
    # each comparison on its own, with the delta method written out
    from disparities import schema as sc
    from disparities.catalog import get_indicator
    from disparities.reliability import standard_errors
    from disparities.summary_measures import summary_measures_core

    t = few_counties(demo)
    got = compute_summary_measures(t)
    se = standard_errors(t)["se"]
    kinds = {
        0: [
            "difference",
            "ratio",
            "population_attributable_risk",
            "population_attributable_fraction",
        ],
    }
    keys = ["geo_id", "indicator", "period"]
    checked = set()
    for (geo, ind, period, dim), rows in t.groupby(keys + ["dimension"], observed=True):
        if str(dim) == "total":
            continue
        shown = rows[~rows["suppressed"] & rows["value"].notna()].copy()
        shown["rank"] = [sc.income_rank(str(g)) or 0 for g in shown["group"]]
        shown = shown.sort_values("rank", kind="stable")
        mine = got[
            (got["geo_id"].astype(str) == str(geo))
            & (got["indicator"].astype(str) == str(ind))
            & (got["period"].astype(str) == str(period))
            & (got["dimension"].astype(str) == str(dim))
        ].set_index("measure")
        if len(shown) < 2:
            assert mine.empty
            continue
        total = t[
            (t["geo_id"] == geo)
            & (t["indicator"] == ind)
            & (t["period"] == period)
            & (t["dimension"].astype(str) == "total")
            & ~t["suppressed"]
        ]
        tv = total["value"].iloc[0] if len(total) else np.nan
        tse = se[total.index[0]] if len(total) else np.nan
        worse = np.array([get_indicator(str(ind)).higher_is_worse])
        est, grad, tgrad = summary_measures_core(
            shown["value"].to_numpy(float),
            shown["denominator"].to_numpy(float),
            np.array([0]),
            np.array([tv]),
            worse,
            gradients=True,
            best_ok=~shown["unreliable"].to_numpy(bool),
        )
        if len(shown) == 2:
            assert list(mine.index) == kinds[0]
        elif str(dim) == "income":
            assert "slope_index_of_inequality" in mine.index
        else:
            assert "theil_index" in mine.index
        assert (mine["n_groups"] == len(shown)).all()
        e = se[shown.index].to_numpy()
        for m in mine.index:
            if not np.isfinite(est[m][0]):
                # undefined, e.g. MLD or the index of disparity with a group at 0%
                assert mine.loc[m, ["estimate", "ci_lower", "ci_upper"]].isna().all()
                assert "cannot be computed" in mine.loc[m, "note"]
                assert "income" not in mine.loc[m, "note"]  # no reading of a NaN
                continue
            assert "cannot be computed" not in mine.loc[m, "note"]
            assert mine.loc[m, "estimate"] == pytest.approx(est[m][0])
            terms = (grad[m] * e) ** 2
            var = terms[np.isfinite(terms)].sum()
            if m in tgrad and np.isfinite(tgrad[m][0] * tse):
                var += (tgrad[m][0] * tse) ** 2
            note = mine.loc[m, "note"]
            if "sampling noise" in note:  # interval from 0 (tested elsewhere)
                assert mine.loc[m, "ci_lower"] == 0.0
                continue
            if m not in ("ratio", "range_ratio", "relative_index_of_inequality"):
                width = mine.loc[m, "ci_upper"] - mine.loc[m, "estimate"]
                if mine.loc[m, "ci_upper"] != 100.0:  # not cut at 100%
                    assert width == pytest.approx(1.959964 * np.sqrt(var), rel=1e-5)
        checked.add(len(shown) == 2)
    assert checked == {True, False}  # both two-group and larger comparisons seen
