import pytest

from disparities.catalog import (
    Indicator,
    get_indicator,
    indicator_catalog,
    register_indicator,
)
from disparities.geography import (
    UnknownPlaceError,
    county_geometries,
    county_table,
    find_county,
    match_county_names,
    resolve_state,
)


def test_catalog_ids_unique_and_complete():
    cat = indicator_catalog()
    assert cat["indicator"].is_unique
    assert set(cat["measure_type"]) <= {"proportion", "rate", "survey", "score"}
    assert not bool(
        cat.set_index("indicator").loc["third_grade_reading", "higher_is_worse"]
    )


def test_unknown_indicator_lists_known_ones():
    with pytest.raises(KeyError, match="known"):
        get_indicator("nope")


def test_register_indicator_validates_type():
    with pytest.raises(ValueError):
        register_indicator(
            Indicator(
                "x", "X", "%", 100, "weird", True, "p", "children", "to x", "t", "s"
            )
        )


def test_every_state_has_counties():
    # nothing hard-codes North Carolina: every state resolves and has counties
    from disparities.geography import state_table

    for abbr in state_table()["state"]:
        if abbr in ("PR", "AK"):  # the county file may miss these equivalents
            continue
        assert len(county_table(abbr)) > 0, abbr


def test_nc_counts_and_names():
    nc = county_table("NC")
    assert len(nc) == 100 and nc["geo_id"].str.len().eq(5).all()
    assert find_county("durham county", "north carolina") == ("37063", "Durham County")


def test_names_match_any_case_and_suffix_per_state():
    got = match_county_names(["  WAKE ", "Mecklenburg County", "wake county"], "NC")
    assert got.tolist() == ["37183", "37119", "37183"]
    # same name, other state
    assert (
        match_county_names(["Durham"], "NC").iloc[0]
        != match_county_names(["Jefferson"], "KY").iloc[0]
    )
    assert match_county_names(["Jefferson"], "KY").iloc[0] == "21111"


def test_virginia_city_and_county_kept_apart():
    city = match_county_names(["Charlottesville city"], "VA").iloc[0]
    county = match_county_names(["Albemarle"], "VA").iloc[0]
    assert (city, county) == ("51540", "51003")


def test_unknown_state_and_county_suggest():
    with pytest.raises(UnknownPlaceError, match="did you mean"):
        resolve_state("North Carolna")
    with pytest.raises(UnknownPlaceError, match="closest: Robeson"):
        find_county("Robeston", "NC")


def test_geometries_offline_and_valid():
    g = county_geometries("NC")
    assert len(g) == 100 and g.is_valid.all()
    assert g.crs.to_epsg() == 4326


def test_a_county_of_another_state_is_named_with_its_state():
    """--state VA with Durham: the message says Durham is in NC, not only
    'closest: Buckingham, ...' (a file of NC counties read with the wrong state)."""
    from disparities.geography import UnknownPlaceError, find_county

    with pytest.raises(UnknownPlaceError) as err:
        find_county("Durham", "VA")
    assert "a county of that name is in NC: check --state" in str(err.value)
    with pytest.raises(UnknownPlaceError) as err:
        find_county("Durhm", "NC")  # a misspelling: no other state
    assert "check --state" not in str(err.value)
