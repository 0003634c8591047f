"""Differencing attacks on suppressed tables: nothing hidden may be recovered.

Each attack is written here independently of :mod:`disparities.privacy`, from
the catalog's multipliers and plain pandas: it subtracts the shown cells from a
shown sum (total minus groups, state minus counties, pooled span minus years,
value x denominator) and reports every hidden count it can work out. Each
attack is first shown to *work* on a table with primary suppression only, so
the tests could fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disparities import schema as s
from disparities.catalog import indicator_catalog
from disparities.loaders import load_data
from disparities.privacy import (
    DEFAULT_THRESHOLD,
    implied_counts,
    protect_small_numbers,
)

COUNTED = ("proportion", "rate")


def _counts(table: pd.DataFrame) -> pd.Series:
    """What an attacker reads as each shown cell's count."""
    cat = indicator_catalog().set_index("indicator")
    mult = table[s.INDICATOR].astype(str).map(cat["multiplier"]).astype(float)
    implied = (table[s.VALUE] * table[s.DENOMINATOR] / mult).round()
    shown = ~table[s.SUPPRESSED].astype(bool)
    return table[s.NUMERATOR].where(table[s.NUMERATOR].notna(), implied).where(shown)


def _counted(table):
    cat = indicator_catalog().set_index("indicator")
    kind = table[s.INDICATOR].astype(str).map(cat["measure_type"])
    return table[kind.isin(COUNTED).to_numpy()].copy()


def _difference(members: pd.DataFrame, totals: pd.DataFrame, keys) -> pd.DataFrame:
    """Cells recovered as total minus the other members (one hidden member)."""
    m = members.assign(
        hidden=members[s.SUPPRESSED].astype(bool),
        known=members["x"].notna() | members[s.SUPPRESSED].astype(bool),
    )
    agg = m.groupby(keys, observed=True).agg(
        n_hidden=("hidden", "sum"), all_known=("known", "all"), shown=("x", "sum")
    )
    t = totals.dropna(subset=["x"]).set_index(keys)["x"].rename("total")
    j = agg.join(t, how="inner")
    hit = j[(j["n_hidden"] == 1) & j["all_known"]]
    return hit.assign(recovered=hit["total"] - hit["shown"]).reset_index()


def attack_total_minus_groups(table):
    t = _counted(table).assign(x=lambda d: _counts(d))
    keys = [s.GEO_ID, s.INDICATOR, s.PERIOD]
    for c in keys:
        t[c] = t[c].astype(str)
    out = []
    totals = t[t[s.DIMENSION].astype(str) == "total"]
    for _, members in t[t[s.DIMENSION].astype(str) != "total"].groupby(
        s.DIMENSION, observed=True
    ):
        out.append(_difference(members, totals, keys))
    # a hidden total recovered as the sum of its shown groups
    hid_tot = totals[totals[s.SUPPRESSED].astype(bool)].set_index(keys)
    for _, members in t[t[s.DIMENSION].astype(str) != "total"].groupby(
        s.DIMENSION, observed=True
    ):
        ok = members.groupby(keys).agg(any_hidden=(s.SUPPRESSED, "any"), x=("x", "sum"))
        ok = ok[~ok["any_hidden"]].join(hid_tot[[]], how="inner")
        out.append(ok.reset_index().assign(recovered=ok["x"].to_numpy()))
    return pd.concat(out, ignore_index=True)


def attack_state_minus_counties(table):
    t = _counted(table).assign(x=lambda d: _counts(d))
    for c in (s.GEO_ID, s.INDICATOR, s.PERIOD, s.DIMENSION, s.GROUP):
        t[c] = t[c].astype(str)
    level = t[s.GEO_LEVEL].astype(str)
    counties = t[level == "county"].assign(st=lambda d: d[s.GEO_ID].str[:2])
    states = t[level == "state"].assign(st=lambda d: d[s.GEO_ID])
    keys = ["st", s.INDICATOR, s.PERIOD, s.DIMENSION, s.GROUP]
    return _difference(counties, states, keys)


def attack_pooled_minus_years(table):
    t = _counted(table).assign(x=lambda d: _counts(d))
    for c in (s.GEO_ID, s.INDICATOR, s.DIMENSION, s.GROUP):
        t[c] = t[c].astype(str)
    keys = [s.GEO_ID, s.INDICATOR, s.DIMENSION, s.GROUP]
    spans = t[t[s.PERIOD_START] < t[s.PERIOD_END]]
    singles = t[t[s.PERIOD_START] == t[s.PERIOD_END]]
    found = []
    for _, sp in spans.iterrows():
        yrs = singles
        for k in keys:
            yrs = yrs[yrs[k] == sp[k]]
        yrs = yrs[yrs[s.PERIOD_START].between(sp[s.PERIOD_START], sp[s.PERIOD_END])]
        if len(yrs) != sp[s.PERIOD_END] - sp[s.PERIOD_START] + 1:
            continue
        cells = pd.concat([yrs, sp.to_frame().T])
        hidden = cells[s.SUPPRESSED].astype(bool)
        if hidden.sum() == 1 and cells.loc[~hidden.to_numpy(), "x"].notna().all():
            found.append(sp[s.PERIOD])
    return found


def attack_value_times_denominator(table):
    """Hidden rows that still show a value, and shown implied counts below 10."""
    t = _counted(table)
    hidden = t[s.SUPPRESSED].astype(bool)
    leaked = t[hidden & (t[s.VALUE].notna() | t[s.NUMERATOR].notna())]
    x = _counts(t)
    small_shown = t[~hidden & (x < DEFAULT_THRESHOLD)]
    return pd.concat([leaked, small_shown])


@pytest.fixture(scope="module")
def demo_primary_only():
    from disparities.demo import generate_demo_counts
    from disparities.reliability import prepare_observations

    raw = prepare_observations(generate_demo_counts(), suppress_below=None)
    return protect_small_numbers(raw, complementary=False)


def test_attacks_work_on_primary_suppression_only(demo_primary_only):
    # The example: the state's third-grade reading count for White
    # children in 2013, minus the 99 other counties, gives Tyrrell's 4.
    got = attack_state_minus_counties(demo_primary_only)
    assert len(got) >= 10
    tyrrell = got[
        (got[s.INDICATOR] == "third_grade_reading")
        & (got[s.PERIOD] == "2013")
        & (got[s.GROUP] == "White")
    ]
    assert tyrrell["recovered"].tolist() == [4.0]
    assert len(attack_total_minus_groups(demo_primary_only)) > 0


def test_demo_recovers_nothing(demo):
    assert attack_state_minus_counties(demo).empty
    assert attack_total_minus_groups(demo).empty
    assert attack_pooled_minus_years(demo) == []
    assert attack_value_times_denominator(demo).empty


def test_never_unsuppresses(demo_primary_only):
    out = protect_small_numbers(demo_primary_only)
    was = demo_primary_only[s.SUPPRESSED].to_numpy(bool)
    assert out[s.SUPPRESSED].to_numpy(bool)[was].all()
    assert out.loc[was, s.VALUE].isna().all()


HEADER = "geo_id,indicator,period,dimension,group,numerator,denominator,value\n"


def _write(tmp_path, rows, name="small.csv"):
    p = tmp_path / name
    p.write_text(HEADER + "\n".join(rows) + "\n")
    return p


def test_loaded_file_hides_small_counts(tmp_path):
    # 3 low-birthweight births out of 8: shown today, hidden from now on
    p = _write(
        tmp_path,
        [
            "37063,low_birthweight,2021,race_ethnicity,Black,3,8,",
            "37063,low_birthweight,2021,race_ethnicity,White,40,500,",
            "37063,low_birthweight,2021,race_ethnicity,Hispanic,25,300,",
            "37063,low_birthweight,2021,total,Total,68,808,",
        ],
    )
    table, report = load_data(p)
    assert report.rows_read == report.rows_kept + report.rows_rejected
    row = table.set_index(s.GROUP).loc["Black"]
    assert bool(row[s.SUPPRESSED]) and np.isnan(row[s.NUMERATOR])
    assert np.isnan(row[s.VALUE]) and row[s.DENOMINATOR] == 8
    # 68 - 40 - 25 = 3: the smallest other group (Hispanic, 25) is hidden too
    assert attack_total_minus_groups(table).empty
    assert bool(table.set_index(s.GROUP).loc["Hispanic or Latino", s.SUPPRESSED])
    assert "protect small numbers" in report.summary()


def test_loaded_file_threshold_is_configurable(tmp_path):
    p = _write(tmp_path, ["37063,low_birthweight,2021,total,Total,12,100,"])
    shown, _ = load_data(p)
    hidden, _ = load_data(p, suppress_below=20)
    assert not shown[s.SUPPRESSED].iloc[0] and hidden[s.SUPPRESSED].iloc[0]


def test_total_as_value_and_denominator_is_protected(tmp_path):
    # The total has no count, but 8.5% of 800 births implies 68.
    p = _write(
        tmp_path,
        [
            "37063,low_birthweight,2021,race_ethnicity,Black,3,8,",
            "37063,low_birthweight,2021,race_ethnicity,White,40,500,",
            "37063,low_birthweight,2021,race_ethnicity,Hispanic,25,292,",
            "37063,low_birthweight,2021,total,Total,,800,8.5",
        ],
    )
    table, _ = load_data(p)
    assert attack_total_minus_groups(table).empty
    assert table[s.SUPPRESSED].sum() == 2


def test_implied_small_count_is_hidden(tmp_path):
    # 5% of 60 births = 3 births, given without a numerator
    p = _write(tmp_path, ["37063,low_birthweight,2021,total,Total,,60,5"])
    table, _ = load_data(p)
    assert bool(table[s.SUPPRESSED].iloc[0]) and np.isnan(table[s.VALUE].iloc[0])
    assert attack_value_times_denominator(table).empty


def test_loaded_state_minus_counties(tmp_path):
    p = _write(
        tmp_path,
        [
            "37,infant_mortality,2021,total,Total,50,10000,",
            "37001,infant_mortality,2021,total,Total,4,1000,",
            "37003,infant_mortality,2021,total,Total,30,6000,",
            "37005,infant_mortality,2021,total,Total,16,3000,",
        ],
    )
    raw = primary_only(p)
    assert attack_state_minus_counties(raw)["recovered"].tolist() == [4.0]
    table, _ = load_data(p)
    assert attack_state_minus_counties(table).empty
    # the smallest other county (16) is the complement; the state stays shown
    hidden = set(table.loc[table[s.SUPPRESSED], s.GEO_ID].astype(str))
    assert hidden == {"37001", "37005"}


def test_loaded_pooled_minus_years(tmp_path):
    p = _write(
        tmp_path,
        [
            "37063,infant_mortality,2019-2021,total,Total,40,9000,",
            "37063,infant_mortality,2019,total,Total,12,3000,",
            "37063,infant_mortality,2020,total,Total,6,3000,",
            "37063,infant_mortality,2021,total,Total,22,3000,",
        ],
    )
    assert attack_pooled_minus_years(primary_only(p)) == ["2019-2021"]
    table, _ = load_data(p)
    assert attack_pooled_minus_years(table) == []
    hidden = set(table.loc[table[s.SUPPRESSED], s.PERIOD].astype(str))
    assert hidden == {"2020", "2019"}


def test_source_suppression_is_protected_too(tmp_path):
    # the source hid White ("*"); total minus Black would give it back
    p = _write(
        tmp_path,
        [
            "37063,low_birthweight,2021,race_ethnicity,Black,30,400,",
            "37063,low_birthweight,2021,race_ethnicity,White,*,500,",
            "37063,low_birthweight,2021,total,Total,68,900,",
        ],
    )
    table, _ = load_data(p)
    assert attack_total_minus_groups(table).empty
    assert bool(table.set_index(s.GROUP).loc["Black", s.SUPPRESSED])


def test_implied_counts_by_hand():
    t = pd.DataFrame(
        {
            s.INDICATOR: ["infant_mortality", "low_birthweight"],
            s.NUMERATOR: [np.nan, np.nan],
            s.DENOMINATOR: [2000.0, 300.0],
            s.VALUE: [3.5, 10.0],
        }
    )
    # 3.5 per 1,000 of 2,000 = 7; 10% of 300 = 30
    assert implied_counts(t).tolist() == [7.0, 30.0]


def primary_only(path):
    """The file loaded with today's primary rule only (to show the attack works)."""
    table, _ = load_data(path, suppress_below=None)
    return protect_small_numbers(table, complementary=False)


def test_state_and_counties_from_two_files(tmp_path):
    from disparities.loaders import combine_tables

    state = _write(
        tmp_path, ["37,infant_mortality,2021,total,Total,50,10000,"], "s.csv"
    )
    counties = _write(
        tmp_path,
        [
            "37001,infant_mortality,2021,total,Total,4,1000,",
            "37003,infant_mortality,2021,total,Total,30,6000,",
            "37005,infant_mortality,2021,total,Total,16,3000,",
        ],
        "c.csv",
    )
    both = combine_tables([load_data(state)[0], load_data(counties)[0]])
    assert attack_state_minus_counties(both).empty
    assert int(both[s.SUPPRESSED].sum()) == 2
