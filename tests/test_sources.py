"""Loaders on the real samples in ../shared/data (values read off the files, see
PROVENANCE.md there) and on broken copies of them."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from disparities.loaders import combine_tables, detect_source, load_data
from disparities.schema import DataValidationError
from disparities.sources.parsing import parse_cell, parse_number
from disparities.sources.saipe import parse_interval

pytestmark = pytest.mark.filterwarnings(
    "ignore::disparities.sources.load_report.DataWarning"
)


def val(t, geo, ind=None, group="Total", period=None):
    m = (t.geo_id.astype(str) == geo) & (t.group.astype(str) == group)
    if ind:
        m &= t.indicator.astype(str) == ind
    if period:
        m &= t.period.astype(str) == period
    return t.loc[m, "value"].item()


# ---- KIDS COUNT -------------------------------------------------------------------


def test_kids_count_states_by_race(shared):
    t, rep = load_data(
        shared("kidscount_children_in_poverty_by_race_states_2000plus.csv")
    )
    assert rep.source == "kids_count" and rep.rows_read == 12490
    assert rep.rows_kept + rep.rows_rejected == rep.rows_read
    assert rep.suppression_markers["S"] == 3180
    assert val(t, "37", group="Black", period="2019") == pytest.approx(32.0)
    assert val(t, "37", group="White", period="2019") == pytest.approx(10.0)
    assert val(t, "37", group="Hispanic or Latino", period="2010") == pytest.approx(
        43.0
    )
    assert val(t, "US", group="Total", period="2019") == pytest.approx(17.0)
    nc19 = t[(t.geo_id.astype(str) == "37") & (t.period.astype(str) == "2019")]
    assert nc19.loc[nc19.group.astype(str) == "Black", "numerator"].item() == 167000
    aian = nc19[nc19.group.astype(str) == "American Indian or Alaska Native"].iloc[0]
    assert aian["suppressed"] and np.isnan(aian["value"])
    assert val(t, "11", group="Total", period="2019") > 0  # DC ("City")


def test_kids_count_county_export(shared):
    t, rep = load_data(shared("kidscount_ky_low_birthweight_by_county_2008-2017.csv"))
    assert t.indicator.astype(str).unique().tolist() == ["low_birthweight"]
    assert val(t, "21", period="2015-2017") == pytest.approx(8.8)
    assert val(t, "21101", period="2015-2017") == pytest.approx(11.0)  # Henderson
    assert val(t, "21111", period="2015-2017") == pytest.approx(9.3)  # Jefferson
    assert val(t, "21067", period="2015-2017") == pytest.approx(8.3)  # Fayette
    assert rep.suppression_markers["*"] == 2
    assert t.loc[t.geo_id.astype(str) == "21201", "suppressed"].sum() == 2  # Robertson


def test_kids_count_districts_and_mixed_category(shared):
    t, rep = load_data(
        shared("kidscount_co_districts_dropout_rates_by_race_2011-2012.csv")
    )
    assert val(t, "08", group="Black", period="2012") == pytest.approx(4.4)
    assert val(
        t, "08DDENVER_COUNTY_1", group="Hispanic or Latino", period="2012"
    ) == pytest.approx(6.2)
    # sex categories are not compared here: rejected, with the reason, never silently
    reasons = " ".join(r["reason"] for r in rep.rejected)
    assert "Female Students" in reasons and "Male Students" in reasons
    assert rep.rows_rejected == 724
    m, rep2 = load_data(
        shared(
            "kidscount_co_districts_csap_tcap_math_proficiency_by_race_2011-2014.csv"
        )
    )
    assert val(m, "08", group="Black", period="2014") == pytest.approx(34.65)
    assert val(m, "08DDENVER_COUNTY_1", group="White", period="2014") == pytest.approx(
        78.22
    )
    assert rep2.suppression_markers["LNE"] == 2064


# ---- County Health Rankings ------------------------------------------------------


@pytest.mark.parametrize(
    "year, durham_black, durham_white", [(2021, 29.62, 6.40), (2022, 24.31, 4.03)]
)
def test_chr_workbooks(shared, year, durham_black, durham_white):
    t, rep = load_data(shared(f"chr{year}_nc_county_health_rankings_v1.xlsx"))
    assert rep.rows_read == 101 and rep.rows_rejected == 0
    assert val(t, "37063", "child_poverty", "Black") == pytest.approx(
        durham_black, abs=0.005
    )
    assert val(t, "37063", "child_poverty", "White") == pytest.approx(
        durham_white, abs=0.005
    )
    imr = t[
        (t.geo_id.astype(str) == "37")
        & (t.indicator.astype(str) == "infant_mortality")
        & (t.group.astype(str) == "Black")
    ].iloc[0]
    assert (round(imr.value, 2), round(imr.ci_lower, 2)) in [
        ((11.97, 11.51)),
        ((12.02, 11.55)),
    ]
    # the Unreliable marker becomes the flag (Hyde and Tyrrell, LBW)
    lbw = t[
        (t.indicator.astype(str) == "low_birthweight")
        & (t.group.astype(str) == "Total")
    ]
    flagged = set(lbw.loc[lbw.unreliable, "geo_name"])
    assert {"Hyde County", "Tyrrell County"} <= flagged
    # lowercase "(white)" in 2022 is still White
    assert "White" in set(t.group.astype(str))


def test_chr_missing_group_is_a_kept_suppressed_row(shared):
    t, _ = load_data(shared("chr2022_nc_county_health_rankings_v1.xlsx"))
    r = t[
        (t.geo_id.astype(str) == "37155")
        & (t.indicator.astype(str) == "infant_mortality")
        & (t.group.astype(str) == "White")
    ]
    assert len(r) == 1 and r.suppressed.item() and np.isnan(r.value.item())
    assert val(t, "37155", "infant_mortality", "Black") == pytest.approx(
        13.13, abs=0.005
    )


def test_chr_workbook_without_expected_sheet(tmp_path):
    p = tmp_path / "not_chr.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(p, sheet_name="Other", index=False)
    with pytest.raises(DataValidationError, match="missing sheet"):
        load_data(p, source="chr")


# ---- ACS --------------------------------------------------------------------------


def test_acs_csv_real_sample(shared):
    b, rep = load_data(shared("acs2019_5yr_B19013B_median_hh_income_NY_zcta.csv"))
    h, _ = load_data(shared("acs2019_5yr_B19013H_median_hh_income_NY_zcta.csv"))
    assert rep.rows_read == 1794 and rep.suppression_markers["-"] == 1267
    assert val(b, "Z10027", group="Black") == 38418
    assert b.loc[b.geo_id.astype(str) == "Z10027", "moe"].item() == 3364
    assert val(h, "Z10027", group="White") == 107746
    z = h[h.geo_id.astype(str) == "Z10451"].iloc[0]
    assert z.unreliable  # CV 42%
    both = combine_tables([b, h])
    from disparities.gaps import compute_gaps

    g = compute_gaps(both)
    assert g.loc[g.geo_id.astype(str) == "Z10027", "ratio"].item() == pytest.approx(
        0.36, abs=0.005
    )


B17020_HEADER = ["GEO_ID", "NAME"] + [
    f"B17020{r}_{i:03d}{k}" for r in "BH" for i in range(1, 18) for k in ("E", "M")
]


def _b17020_row(geo, name, below, above, moe=50):
    cells = [geo, name]
    for r in "BH":
        b = below[r]
        a = above[r]
        lines = [sum(b) + sum(a), sum(b), *b, 0, 0, 0, 0, sum(a), *a, 0, 0, 0, 0]
        for v in lines:
            cells += [str(v), str(moe)]
    return cells


def test_acs_b17020_poverty_by_race_fixture(tmp_path):
    # hand-built in the data.census.gov layout: Durham, Black children 300+200+100
    # below poverty of 1,000 + 1,000 + 1,000 -> 600/3,600 = 16.7%
    rows = [
        B17020_HEADER,
        ["Geography", "Geographic Area Name"] + ["x"] * (len(B17020_HEADER) - 2),
        _b17020_row(
            "0500000US37063",
            "Durham County, North Carolina",
            {"B": [300, 200, 100], "H": [50, 40, 30]},
            {"B": [1000, 1000, 1000], "H": [2000, 2000, 2000]},
        ),
    ]
    p = tmp_path / "ACSDT5Y2022.B17020-Data.csv"
    p.write_text("\n".join(",".join(f'"{c}"' for c in r) + "," for r in rows))
    t, rep = load_data(p)
    black = t[t.group.astype(str) == "Black"].iloc[0]
    assert black.period == "2018-2022"
    assert black.value == pytest.approx(600 / 3600 * 100)
    # MOE: numerator sqrt(3*50^2), denominator sqrt(6*50^2), proportion formula
    from disparities.uncertainty import moe_of_proportion

    exp = moe_of_proportion(600, 3600, np.sqrt(3) * 50, np.sqrt(6) * 50) * 100
    assert black.moe == pytest.approx(float(exp))
    white = t[t.group.astype(str) == "White"].iloc[0]
    assert white.value == pytest.approx(120 / 6120 * 100)


def test_acs_api_json_fixture(tmp_path):
    header = ["NAME", "B19013B_001E", "B19013B_001M", "state", "county"]
    rows = [
        header,
        ["Durham County, North Carolina", "45000", "2500", "37", "063"],
        ["Tyrrell County, North Carolina", "-", "**", "37", "177"],
    ]
    import json

    p = tmp_path / "acs2021_5yr_B19013B_nc_counties.json"
    p.write_text(json.dumps(rows))
    t, rep = load_data(p)
    assert rep.source == "acs_api"
    assert val(t, "37063", group="Black") == 45000
    assert t.loc[t.geo_id.astype(str) == "37177", "suppressed"].item()


# ---- SAIPE, report cards, tidy ----------------------------------------------------


def test_saipe(shared):
    t, rep = load_data(shared("saipe_nc_counties_all_ages_poverty_1989-2023.csv"))
    assert rep.rows_read == 3100
    assert val(t, "37063", period="2023") == pytest.approx(10.6)
    d = t[(t.geo_id.astype(str) == "37063") & (t.period.astype(str) == "2023")].iloc[0]
    assert d.moe == pytest.approx(1.5)  # 90% CI 9.1 to 12.1
    assert d.numerator == 33994 and d.denominator == 320369
    assert val(t, "37155", period="2019") == pytest.approx(31.5)
    assert np.isnan(val(t, "37063", period="1996"))  # the "--" year is kept


def test_report_card_aggregation(shared):
    t, rep = load_data(shared("ncdpi_src_rcd_acc_cgr_grad_rate_by_subgroup_2019.csv"))
    assert rep.rows_read == 12602
    assert rep.rows_kept + rep.rows_rejected == rep.rows_read
    d = t[t.geo_id.astype(str) == "37063"]
    assert set(d.group.astype(str)) >= {"Black", "White", "Economically disadvantaged"}
    # district 320 = Durham Public Schools = Durham County (063)
    assert val(t, "37D320", group="Total") == pytest.approx(
        val(t, "37063", group="Total")
    )
    masked = t[t.note.str.contains("masked")]
    assert len(masked) > 0
    assert ((masked.ci_upper - masked.ci_lower) > 0).all()


def test_tidy_file_with_mapping_real_sample(shared):
    p = shared("va_equitycenter_child_poverty_by_race_acs_B17001_2010-2021.csv")
    t, rep = load_data(
        p,
        source="tidy",
        mapping={
            "geo_id": "GEOID",
            "period": "year",
            "group": "race",
            "numerator": "pov_count",
            "denominator": "pop_count",
        },
        indicator="child_poverty",
        group_overrides={"white": ("race_ethnicity", "White alone (incl. Hispanic)")},
    )
    # Charlottesville 2021 Black 983/1,889 = 52.04%; white (B17001A) 604/4,332 = 13.94%
    assert val(t, "51540", group="Black", period="2021") == pytest.approx(
        52.04, abs=0.005
    )
    assert val(
        t, "51540", group="White alone (incl. Hispanic)", period="2021"
    ) == pytest.approx(13.94, abs=0.005)
    # hispanic rows have no denominator ("NA"): kept, with no value, not dropped
    hisp = t[t.group.astype(str) == "Hispanic or Latino"]
    assert len(hisp) > 0 and hisp["value"].isna().all()
    assert rep.rows_kept == rep.rows_read == 288


# ---- broken copies ----------------------------------------------------------------


def test_ragged_rows_named(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text(
        "LocationType,Location,TimeFrame,DataFormat,Data\n"
        "State,Kentucky,2010,Percent,0.1\nState,Kentucky,2011,Percent,0.1,9,9\n"
    )
    with pytest.raises(DataValidationError) as err:
        load_data(p, source="kids_count", indicator="low_birthweight")
    assert err.value.row == 3


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(DataValidationError, match="empty"):
        load_data(p, source="kids_count")


def test_other_delimiters_read_and_nonsense_rejected(shared, tmp_path):
    src = shared("kidscount_ky_low_birthweight_by_county_2008-2017.csv")
    semi = tmp_path / "ky lbw semicolon.csv"
    semi.write_text(src.read_text(encoding="utf-8-sig").replace(",", ";"))
    t, rep = load_data(semi, source="kids_count", indicator="low_birthweight")
    assert rep.rows_read == 968
    bad = tmp_path / "bad.csv"
    bad.write_text("LocationType Location TimeFrame\nState Kentucky 2010\n")
    with pytest.raises(DataValidationError, match="delimiter"):
        load_data(bad, source="kids_count", indicator="low_birthweight")


def test_cp1252_and_bom(tmp_path):
    text = (
        "county,year,race,rate\nDo\u00f1a Ana,2020,Black,12.5%\n"
        "Do\u00f1a Ana,2020,White,6.0%\n"
    )
    for enc in ("cp1252", "utf-8-sig"):
        p = tmp_path / f"nm_{enc}.csv"
        p.write_bytes(text.encode(enc))
        t, _ = load_data(
            p,
            source="tidy",
            state="NM",
            indicator="low_birthweight",
            mapping={
                "geo_name": "county",
                "period": "year",
                "group": "race",
                "value": "rate",
            },
        )
        assert set(t.geo_id.astype(str)) == {"35013"}
        assert val(t, "35013", group="Black") == pytest.approx(12.5)


def test_missing_required_column(shared, tmp_path):
    df = pd.read_csv(
        shared("kidscount_ky_low_birthweight_by_county_2008-2017.csv"),
        encoding="utf-8-sig",
    ).drop(columns="Data")
    p = tmp_path / "lbw.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataValidationError) as err:
        load_data(p, source="kids_count")
    assert err.value.column == "Data" and "lbw.csv" in str(err.value)


def test_unknown_county_rejected_or_strict(shared, tmp_path):
    text = shared("kidscount_ky_low_birthweight_by_county_2008-2017.csv").read_text(
        encoding="utf-8-sig"
    )
    p = tmp_path / "ky lbw.csv"
    p.write_text(text.rstrip("\r\n") + "\r\nCounty,Atlantis,2015-2017,Percent,0.1\r\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, rep = load_data(p)
    assert rep.rows_rejected == 1
    assert rep.rejected[0]["row"] == 970 and "Atlantis" in rep.rejected[0]["reason"]
    with pytest.raises(DataValidationError, match="Atlantis"):
        load_data(p, strict=True)


def test_duplicate_conflicting_rows_named(shared, tmp_path):
    text = shared("kidscount_ky_low_birthweight_by_county_2008-2017.csv").read_text(
        encoding="utf-8-sig"
    )
    p = tmp_path / "ky lbw dup.csv"
    p.write_text(text.rstrip("\r\n") + "\r\nState,Kentucky,2008-2010,Percent,0.5\r\n")
    with pytest.raises(
        DataValidationError,
        match=r"duplicate rows .* different values \(lines \[2, 970\]\)",
    ):
        load_data(p)


def test_tidy_markers_numbers_and_bad_counts(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text(
        "fips,year,group,events,births,rate\n"
        '37063,2020,Black,"1,234","10,000",12.3%\n'
        "37063,2020,White,*,5000,*\n"
        "37063,2020,Hispanic,<10,800,LNE\n"
        "37063,2020,Asian,NR,300,N/A\n"
        "37063,2020,Two or more races,--,200,--\n"
        "37001,2020,Black,600,500,\n"
        "37001,2020,White,-5,500,\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, rep = load_data(
            p,
            source="tidy",
            indicator="low_birthweight",
            mapping={
                "geo_id": "fips",
                "period": "year",
                "group": "group",
                "numerator": "events",
                "denominator": "births",
                "value": "rate",
            },
        )
    assert val(t, "37063", group="Black") == pytest.approx(12.3)
    assert t.loc[t.group.astype(str) == "Black", "numerator"].iloc[0] == 1234
    sup = t[t.geo_id.astype(str) == "37063"].set_index("group")["suppressed"]
    assert sup["White"] and sup["Hispanic or Latino"] and sup["Asian"]
    reasons = [r["reason"] for r in rep.rejected]
    assert any("greater than denominator" in r for r in reasons)
    assert any("negative count" in r for r in reasons)
    assert rep.rows_kept + rep.rows_rejected == rep.rows_read == 7


def test_detects_every_real_format(shared):
    expected = {
        "chr2021_nc_county_health_rankings_v1.xlsx": "chr",
        "kidscount_ky_low_birthweight_by_county_2008-2017.csv": "kids_count",
        "acs2019_5yr_B19013I_median_hh_income_NY_zcta.csv": "acs",
        "saipe_nc_counties_all_ages_poverty_1989-2023.csv": "saipe",
        "ncdpi_src_rcd_acc_cgr_grad_rate_by_subgroup_2019.csv": "report_card",
    }
    for name, src in expected.items():
        assert detect_source(shared(name)) == src


# ---- property-based parser tests --------------------------------------------------


@given(st.integers(-(10**9), 10**9))
def test_parse_number_thousands(n):
    assert parse_number(f"{n:,}") == n


@given(st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)))
def test_parse_number_percent(x):
    assert parse_number(f"{x}%") == pytest.approx(x)


@given(st.text(max_size=12))
def test_parse_cell_never_raises(text):
    kind, _ = parse_cell(text)
    assert kind in {"value", "suppressed", "missing", "bad"}


@given(st.integers(0, 10**7), st.integers(0, 10**7))
def test_parse_interval_roundtrip(a, b):
    lo, hi = sorted((a, b))
    assert parse_interval(f"{lo:,} to {hi:,}") == (lo, hi)


@pytest.mark.parametrize("marker", ["*", "S", "LNE", "NR", "<10", "<5", "<500"])
def test_suppression_markers(marker):
    assert parse_cell(marker)[0] == "suppressed"


@pytest.mark.parametrize("marker", ["N/A", "N.A.", "--", "", "NA"])
def test_missing_markers(marker):
    assert parse_cell(marker)[0] == "missing"


def test_fetch_records_checksum_offline(tmp_path, shared):
    # the download code path, exercised with a local file:// address (no network)
    import hashlib
    import json

    from disparities.fetch import fetch_chr

    src = shared("chr2022_nc_county_health_rankings_v1.xlsx")
    out = fetch_chr("NC", 2022, url=src.resolve().as_uri(), raw_dir=tmp_path)
    assert out.name == "chr2022_nc_county_health_rankings.xlsx"
    meta = json.loads(out.with_name(out.name + ".sha256").read_text())
    assert meta["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    t, _ = load_data(out)
    assert val(t, "37063", "child_poverty", "Black") == pytest.approx(24.31, abs=0.005)


def test_fetch_address_pattern_is_documented():
    from disparities.fetch import ACS_API_PATTERN, CHR_URL_PATTERN

    assert "{year}" in CHR_URL_PATTERN and "{state_name}" in CHR_URL_PATTERN
    assert "group({table})" in ACS_API_PATTERN


def test_unknown_state_is_named(tmp_path):
    from disparities.geography import UnknownPlaceError

    p = tmp_path / "x.csv"
    p.write_text("county,year,race,rate\nDurham,2020,Black,12\n")
    with pytest.raises(UnknownPlaceError, match="unknown state 'Carolina del Norte'"):
        load_data(
            p,
            source="tidy",
            state="Carolina del Norte",
            indicator="low_birthweight",
            mapping={
                "geo_name": "county",
                "period": "year",
                "group": "race",
                "value": "rate",
            },
        )


ANALYTIC = (
    '"State FIPS Code","County FIPS Code","5-digit FIPS Code","State Abbreviation",'
    '"Name","Release Year","Low birthweight raw value","Low birthweight numerator",'
    '"Low birthweight CI low","Low birthweight CI high","LBW (Black)","LBW (White)",'
    '"Children in poverty raw value","Poverty (Black)","Poverty (White)"\n'
    "statecode,countycode,fipscode,state,county,year,v037_rawvalue,v037_numerator,"
    "v037_cilow,v037_cihigh,v037_race_black,v037_race_white,v024_rawvalue,"
    "v024_race_black,v024_race_white\n"
    "00,000,00000,US,United States,2021,0.08,300000,0.079,0.081,0.139,0.069,0.17,,\n"
    "37,000,37000,NC,North Carolina,2021,0.091,70000,0.090,0.092,0.1412,0.0747,0.193,"
    "0.33,0.118\n"
    "37,063,37063,NC,Durham County,2021,0.087,2600,0.084,0.091,0.131,0.061,0.206,"
    "0.2962,0.064\n"
)


def test_chr_analytic_csv_layout(tmp_path):
    # hand-made in the documented analytic layout (no real copy was available)
    p = tmp_path / "analytic_data2021.csv"
    p.write_text(ANALYTIC)
    assert detect_source(p) == "chr_analytic"
    t, rep = load_data(p)
    assert rep.rows_read == 3 and rep.rows_rejected == 0
    assert val(t, "37063", "low_birthweight", "Black") == pytest.approx(13.1)
    assert val(t, "37", "low_birthweight", "White") == pytest.approx(7.47)
    assert val(t, "37063", "child_poverty", "Black") == pytest.approx(29.62)
    d = t[
        (t.geo_id.astype(str) == "37063")
        & (t.indicator.astype(str) == "low_birthweight")
        & (t.group.astype(str) == "Total")
    ].iloc[0]
    assert (d.ci_lower, d.ci_upper) == (pytest.approx(8.4), pytest.approx(9.1))
    us_black = t[
        (t.geo_id.astype(str) == "US")
        & (t.indicator.astype(str) == "child_poverty")
        & (t.group.astype(str) == "Black")
    ].iloc[0]
    assert us_black.suppressed  # blank cell kept, flagged
    assert (t.period.astype(str) == "2021").all()


# ---- combining loads --------------------------------------------------------------


def _obs(value, source, period="2019", group="Black", label="x"):
    from disparities.schema import validate_observations

    return validate_observations(
        pd.DataFrame(
            {
                "geo_id": ["37063"],
                "indicator": ["child_poverty"],
                "period": [period],
                "dimension": ["race_ethnicity"],
                "group": [group],
                "value": [value],
                "source": [source],
                "source_label": [label],
            }
        )
    )


def test_combine_rules_identical_newest_release_and_separate_sources():
    from disparities.loaders import combine_loads

    old = _obs(30.0, "County Health Rankings 2021", label="a")
    old2 = _obs(7.0, "County Health Rankings 2021", period="2018")
    new = _obs(25.0, "County Health Rankings 2022", label="b")
    new2 = _obs(7.0, "County Health Rankings 2022", period="2018")
    only_old = _obs(40.0, "County Health Rankings 2021", period="2017", label="c")
    other = _obs(31.0, "KIDS COUNT")
    t, rep = combine_loads([old, old2, only_old, new, new2, other])
    # 6 in: the 2018 pair is identical (1 merged); 2019 CHR differs (2021 superseded)
    assert rep.rows_read == 6 and rep.rows_kept == 4
    assert [d["rows"] for d in rep.dropped] == [1, 1]
    assert "superseded" in rep.dropped[1]["rule"]
    assert (
        "County Health Rankings 2021: child_poverty 2019 x1" in rep.dropped[1]["where"]
    )
    chr_ = t[t.source.astype(str) == "County Health Rankings 2021, 2022"]
    assert sorted(chr_.value) == [7.0, 25.0, 40.0]
    assert chr_.loc[chr_.period.astype(str) == "2019", "source_label"].item() == (
        "2022 release: b"
    )
    assert chr_.loc[chr_.period.astype(str) == "2017", "source_label"].item() == (
        "2021 release: c"
    )
    # a different source for the same key stays, as its own series
    assert t.loc[t.source.astype(str) == "KIDS COUNT", "value"].item() == 31.0
    assert "more than one source" in " ".join(rep.notes)
    # one release of one source cannot give two values for one key
    with pytest.raises(DataValidationError, match="different values"):
        combine_loads([old, _obs(99.0, "County Health Rankings 2021")])


# ---- column-mapping files ---------------------------------------------------------


def test_column_map_file_reads_and_names_mistakes(tmp_path):
    from disparities.sources.column_map import read_column_map

    p = tmp_path / "m.toml"
    p.write_text(
        '[columns]\ngeo_id = "FIPS"\nvalue = "Rate"\n'
        '[constants]\nindicator = "child_poverty"\nperiod_years = 5\nstate = "VA"\n'
        '[groups]\nwhite = "White alone (incl. Hispanic)"\n'
    )
    opts = read_column_map(p)
    assert opts == {
        "mapping": {"geo_id": "FIPS", "value": "Rate"},
        "indicator": "child_poverty",
        "period_years": 5,
        "state": "VA",
        "group_overrides": {
            "white": ("race_ethnicity", "White alone (incl. Hispanic)")
        },
    }
    p.write_text('[columns]\nrate = "Rate"\n')
    with pytest.raises(DataValidationError, match="rate"):
        read_column_map(p)
    p.write_text('[groups]\nwhite = "Whites"\n')
    with pytest.raises(DataValidationError, match="canonical group"):
        read_column_map(p)


def test_tidy_period_spans_and_constants(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("FIPS,yr,race,rate\n51540,2021,Black,52.0\n51540,2021,all,20.0\n")
    t, _ = load_data(
        p,
        source="tidy",
        mapping={"geo_id": "FIPS", "period": "yr", "group": "race", "value": "rate"},
        indicator="child_poverty",
        period_years=5,
    )
    assert set(t.period.astype(str)) == {"2017-2021"}
    assert set(t.period_start) == {2017} and set(t.period_end) == {2021}
    q = tmp_path / "y.csv"
    q.write_text("FIPS,race,rate\n51540,Black,52.0\n")
    t, _ = load_data(
        q,
        source="tidy",
        mapping={"geo_id": "FIPS", "group": "race", "value": "rate"},
        indicator="child_poverty",
        constants={"period": "2019"},
    )
    assert t.period.astype(str).tolist() == ["2019"]


@given(
    st.integers(min_value=0, max_value=49),
    st.sampled_from(
        ["{}", "State of {}", "Commonwealth of {}", "{} State", "the State of {}"]
    ),
    st.sampled_from([str.upper, str.lower, str.title, lambda x: x]),
)
def test_state_names_found_in_any_spelling(i, pattern, case):
    from disparities.geography import state_from_place_name, state_table

    states = state_table()
    fips, name = states["state_fips"].iloc[i], states["state_name"].iloc[i]
    found = state_from_place_name(case(pattern.format(name)))
    assert found is not None and found[0] == fips
