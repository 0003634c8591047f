"""End-to-end checks of the focus ranking, group sizes and peers on real CHR files.

The files are the County Health Rankings North Carolina workbooks in
../shared/data (see PROVENANCE.md); the tests skip only where they are absent.
Context rows (population, % under 18, race shares, % rural) come from the
loader when it emits them, else they are read here from the workbook's
"Additional Measure Data" sheet, as the loader is meant to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disparities import schema as s

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CHR = {
    2021: DATA / "chr2021_nc_county_health_rankings_v1.xlsx",
    2022: DATA / "chr2022_nc_county_health_rankings_v1.xlsx",
}
DURHAM, TYRRELL = "37063", "37177"

#: "Additional Measure Data" columns -> (indicator, dimension, group)
_CONTEXT_COLUMNS = {
    "Population": ("population", "total", "Total"),
    "% Less Than 18 Years of Age": ("pct_under_18", "total", "Total"),
    "% rural": ("pct_rural", "total", "Total"),
    "% Rural": ("pct_rural", "total", "Total"),
    "% Black": ("population_share", "race_ethnicity", "Black"),
    "% American Indian & Alaska Native": (
        "population_share",
        "race_ethnicity",
        "American Indian or Alaska Native",
    ),
    "% Asian": ("population_share", "race_ethnicity", "Asian"),
    "% Hispanic": ("population_share", "race_ethnicity", "Hispanic or Latino"),
    "% Non-Hispanic white": ("population_share", "race_ethnicity", "White"),
    "% Non-Hispanic White": ("population_share", "race_ethnicity", "White"),
}


def context_rows_from_workbook(path: Path, year: int) -> pd.DataFrame:
    """Context rows read straight off a CHR workbook (a stand-in for the loader)."""
    raw = pd.read_excel(path, sheet_name="Additional Measure Data", header=1)
    raw["FIPS"] = raw["FIPS"].astype(str).str.zfill(5)
    rows = []
    for col, (ind, dim, grp) in _CONTEXT_COLUMNS.items():
        if col not in raw.columns:
            continue
        period = year - 2 if ind != "pct_rural" else 2010
        for _, r in raw.iterrows():
            fips = r["FIPS"]
            geo = fips[:2] if fips.endswith("000") else fips
            rows.append(
                {
                    s.GEO_ID: geo,
                    s.GEO_NAME: r["County"] if isinstance(r["County"], str) else "",
                    s.GEO_LEVEL: "state" if len(geo) == 2 else "county",
                    s.STATE: "NC",
                    s.INDICATOR: ind,
                    s.PERIOD: str(period),
                    s.PERIOD_START: period,
                    s.PERIOD_END: period,
                    s.DIMENSION: dim,
                    s.GROUP: grp,
                    s.NUMERATOR: np.nan,
                    s.DENOMINATOR: np.nan,
                    s.VALUE: float(r[col]),
                    s.CI_LOWER: np.nan,
                    s.CI_UPPER: np.nan,
                    s.MOE: np.nan,
                    s.SUPPRESSED: False,
                    s.UNRELIABLE: False,
                    s.NOTE: "",
                    s.SOURCE: f"County Health Rankings {year}",
                }
            )
    return pd.DataFrame(rows)


def load_chr_with_context(year: int) -> pd.DataFrame:
    import disparities as dp

    path = CHR[year]
    if not path.exists():
        pytest.skip(f"{path.name} not in ../shared/data")
    table, _ = dp.load_data(path)
    if not table[s.INDICATOR].astype(str).eq("population").any():
        ctx = context_rows_from_workbook(path, year)
        dtypes = table.dtypes
        table = pd.concat(
            [table.astype({c: object for c in table.columns if c in ctx.columns}), ctx],
            ignore_index=True,
        )
        for col, dtype in dtypes.items():
            if isinstance(dtype, pd.CategoricalDtype):
                extra = set(table[col].dropna()) - set(dtype.categories)
                table[col] = table[col].astype(
                    pd.CategoricalDtype(
                        list(dtype.categories) + sorted(extra), ordered=dtype.ordered
                    )
                )
    return table


@pytest.fixture(scope="module", params=[2022, 2021])
def chr_table(request):
    return load_chr_with_context(request.param)


@pytest.fixture(scope="module")
def chr_rankings(chr_table):
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps

    gaps = compute_gaps(chr_table)
    counties = sorted(g for g in set(chr_table[s.GEO_ID].astype(str)) if len(g) == 5)
    return {g: rank_focus_candidates(chr_table, g, gaps=gaps) for g in counties}


_ZERO_AFFECTED = (
    r"\bat least 0\b|(?<![\d,.])0 (?:[A-Z][a-z]+ )*(?:children|babies|teen girls)"
)


def test_every_county_ranks_evidence_first(chr_rankings):
    assert len(chr_rankings) == 100
    for geo, c in chr_rankings.items():
        if c.empty:
            assert c.attrs["coverage_note"], geo
            continue
        tiers = c["rank_tier"].to_numpy()
        # no untestable or unclear comparison above a clear gap
        assert (np.diff(tiers) >= 0).all(), geo
        clear = c["evidence"] == "clear gap"
        if clear.any() and (~clear).any():
            assert c.loc[clear, "rank"].max() < c.loc[~clear, "rank"].min(), geo


def test_no_zero_children_affected_where_counts_are_unknown(chr_rankings):
    checked = 0
    for geo, c in chr_rankings.items():
        if c.empty:
            continue
        assert not c["explanation"].str.contains(_ZERO_AFFECTED).any(), geo
        unknown = c["children_affected_basis"] == "unknown"
        assert c.loc[unknown, "excess_cases"].isna().all(), geo
        assert c.loc[unknown, "explanation"].str.contains("is unknown").all(), geo
        est = c["children_affected_basis"].str.startswith("estimated")
        shown = est & (c["excess_cases"] >= 0.5)
        assert c.loc[shown, "explanation"].str.contains("an estimated").all(), geo
        # CHR publishes no group counts: nothing here is "counted"
        assert not (c["children_affected_basis"] == "counted").any(), geo
        checked += est.sum()
    assert checked > 500  # the workbook's population data make estimates possible


def test_scores_and_incomes_read_as_values(chr_rankings):
    c = pd.concat([x for x in chr_rankings.values() if len(x)])
    scores = c[
        c["indicator"].isin(
            [
                "reading_grade_performance",
                "math_grade_performance",
                "median_household_income",
            ]
        )
    ]
    assert len(scores) > 50
    assert not scores["explanation"].str.contains("times as likely").any()
    income = scores[scores["indicator"] == "median_household_income"]
    both = r"\$[\d,]+ vs \$[\d,]+|\(\$[\d,]+\) and .+ \(\$[\d,]+\)"
    assert income["explanation"].str.contains(both).all()
    reading = scores[scores["indicator"] == "reading_grade_performance"]
    levels = r"grade level \d\.\d vs \d\.\d|\(grade level \d\.\d\) and"
    assert reading["explanation"].str.contains(levels).all()
    spans = c[c["period_start"] != c["period_end"]]
    assert spans["explanation"].str.contains("\u2013").all()


def test_tyrrell_does_not_headline_an_untestable_ratio(chr_rankings):
    c = chr_rankings[TYRRELL]
    top = c.iloc[0]
    assert top["interval_basis"] != "none" or top["evidence"] == "clear gap"
    assert top["evidence"] != "cannot be tested"
    assert np.isfinite(top["adverse_ratio_ci_lower"])


def test_durham_peers_use_the_workbook_features(chr_table):
    from disparities.peers import find_peer_counties

    peers = find_peer_counties(chr_table, DURHAM)
    assert len(peers.attrs["features"]) >= 3
    assert {"population", "pct_under_18", "pct_rural"} <= set(peers.attrs["features"])
    assert (peers["distance"] > 0.1).all()
    assert DURHAM not in set(peers[s.GEO_ID])
    assert peers["similarity"].str.len().gt(5).all()


def test_real_bright_spots_are_supported(chr_table, chr_rankings):
    from disparities.gaps import compute_gaps
    from disparities.peers import find_bright_spots, find_peer_counties

    for geo in (DURHAM, TYRRELL):
        top = chr_rankings[geo].iloc[0]
        peers = find_peer_counties(chr_table, geo)
        ids = [geo, *peers[s.GEO_ID]]
        gaps = compute_gaps(chr_table[chr_table[s.GEO_ID].astype(str).isin(ids)])
        b = find_bright_spots(
            gaps, peers, geo, top["indicator"], top["group"], table=chr_table
        )
        smaller = b[b["smaller_gap"]]
        assert (smaller["z_difference"] > 1.959).all()
        same = b[b["comparison"] == "not clearly different"]
        assert (same["z_difference"].abs() <= 1.96).all()
        assert b["sentence"].str.len().gt(10).all()


def test_without_population_rows_untestable_gaps_sink():
    """The loader's rows alone (no context): CHR child poverty by race has no CI
    and nothing to derive one from, so it ranks below every tested gap."""
    import disparities as dp
    from disparities.focus import rank_focus_candidates

    path = CHR[2022]
    if not path.exists():
        pytest.skip(f"{path.name} not in ../shared/data")
    from disparities.catalog import context_indicator_ids

    table, _ = dp.load_data(path)
    table = table[~table[s.INDICATOR].astype(str).isin(context_indicator_ids())]
    for geo in (DURHAM, TYRRELL):
        c = rank_focus_candidates(table, geo)
        tiers = c["rank_tier"].to_numpy()
        assert (np.diff(tiers) >= 0).all()
        assert c.iloc[0]["evidence"] != "cannot be tested"
        untested = c[c["evidence"] == "cannot be tested"]
        assert untested["children_affected"].isin(["unknown", "not applicable"]).all()


def test_bigger_than_the_state_only_where_the_interval_says_so(chr_rankings):
    """Tyrrell's child poverty, Black vs White, 7.1 times (2.0-24.6) beside the
    state's 2.8 read 'bigger than the state's gap': the interval holds 2.8."""
    checked = 0
    for geo, c in chr_rankings.items():
        if c.empty:
            continue
        lo, hi = c["adverse_ratio_ci_lower"], c["adverse_ratio_ci_upper"]
        sr = c["state_adverse_ratio"]
        inside = c["clear_gap"] & (lo <= sr) & (sr <= hi)
        said = c["explanation"].str.contains("than the state's gap")
        assert not (inside & said).any(), geo
        assert (c.loc[inside, "versus_state_component"] == 0).all(), geo
        assert (
            c.loc[inside, "explanation"]
            .str.contains("not clearly different from the state's gap")
            .all()
        ), geo
        checked += int(inside.sum())
    assert checked > 20


def test_summary_measures_take_the_gaps_size_derived_errors(chr_table):
    """CHR publishes no interval for child poverty by race; the gaps derive one
    from group sizes, and the summary measures now do too (they said 'interval
    cannot be estimated: a group has no standard error' beside estimated gaps)."""
    from disparities.group_sizes import summary_measures_with_sizes
    from disparities.summary_measures import compute_summary_measures

    durham = chr_table[chr_table[s.GEO_ID].astype(str) == DURHAM]
    plain = compute_summary_measures(durham)
    sized = summary_measures_with_sizes(durham)
    pick = (sized["indicator"] == "child_poverty") & (
        sized["measure"] == "range_difference"
    )
    before = plain[
        (plain["indicator"] == "child_poverty")
        & (plain["measure"] == "range_difference")
    ]
    assert before["ci_lower"].isna().all()
    assert "no standard error" in " ".join(before["note"].astype(str))
    row = sized[pick].iloc[-1]
    assert row["ci_lower"] < row["estimate"] < row["ci_upper"]
    assert "interval estimated from group sizes" in row["note"]
    # the estimates themselves do not change
    assert row["estimate"] == pytest.approx(before["estimate"].iloc[-1])
    # measures with published intervals keep theirs, without the note
    lbw = sized[(sized["indicator"] == "low_birthweight") & sized["ci_lower"].notna()]
    assert len(lbw) and not lbw["note"].astype(str).str.contains("group sizes").any()


def test_real_robeson_index_of_disparity_never_takes_an_unreliable_best_group():
    """CHR 2021 + 2022, Robeson child poverty 2016-2020: Asian 22.5% rests on
    so few children (size-derived SE 12.5, 56% of the value) that the charts
    call it unreliable; it was the index of disparity's 'best group', giving
    80.8 (0 to 278). Against White (24.7%, the best reliable group) by hand:
    (|36.48-24.70| + |22.54-24.70| + |50.76-24.70| + |51.06-24.70|) / 4 / 24.70
    = 67.2%."""
    from disparities.group_sizes import summary_measures_with_sizes
    from disparities.loaders import load_data

    if not all(p.exists() for p in CHR.values()):
        pytest.skip("../shared/data is not here")
    table, _ = load_data([CHR[2021], CHR[2022]])
    m = summary_measures_with_sizes(table[table[s.GEO_ID].astype(str) == "37155"])
    row = m[
        (m["indicator"] == "child_poverty")
        & (m["period"] == "2016-2020")
        & (m["measure"] == "index_of_disparity")
    ].iloc[0]
    assert row["estimate"] == pytest.approx(67.18, abs=0.05)
    assert 0 < row["ci_lower"] < row["estimate"] < row["ci_upper"] < 150
