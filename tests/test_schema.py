import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from disparities import schema as s
from disparities.schema import DataValidationError, parse_period, validate_observations


def row(**kw):
    base = {
        "geo_id": "37063",
        "indicator": "low_birthweight",
        "period": "2021",
        "dimension": "race_ethnicity",
        "group": "Black",
        "numerator": 10.0,
        "denominator": 100.0,
        "value": 10.0,
    }
    base.update(kw)
    return base


def test_valid_table_gets_every_column_and_categorical_groups():
    t = validate_observations(pd.DataFrame([row(), row(group="White")]))
    assert list(t.columns) == s.OBSERVATION_COLUMNS
    assert t["group"].cat.ordered
    assert t["state"].tolist() == ["NC", "NC"]
    assert t["geo_level"].astype(str).tolist() == ["county", "county"]


def test_input_is_not_mutated():
    df = pd.DataFrame([row(geo_id="1001")])
    before = df.copy()
    validate_observations(df)
    pd.testing.assert_frame_equal(df, before)


def test_leading_zeros_restored():
    t = validate_observations(
        pd.DataFrame([row(geo_id="1001"), row(geo_id=1001.0, group="White")])
    )
    assert set(t["geo_id"].astype(str)) == {"01001"}


@pytest.mark.parametrize(
    "change, column, words",
    [
        ({"indicator": "nonsense"}, "indicator", "unknown indicator"),
        ({"group": "Martian"}, "group", "unknown group"),
        ({"group": "EDS"}, "group", "unknown group"),
        ({"dimension": "income"}, "group", "does not belong"),
        ({"numerator": 150.0}, "numerator", "greater than denominator"),
        ({"numerator": -1.0}, "numerator", "negative count"),
        ({"geo_id": "ABC"}, "geo_id", "not 'US'"),
        ({"period": "last year"}, "period", "cannot read period"),
        ({"value": "twelve"}, "value", "not a number"),
    ],
)
def test_bad_rows_name_row_and_column(change, column, words):
    df = pd.DataFrame([row(group="White"), row(**change)])
    with pytest.raises(DataValidationError) as err:
        validate_observations(df, file="my.csv")
    assert err.value.row == 1
    assert err.value.column == column
    assert words in str(err.value)
    assert "my.csv" in str(err.value)


def test_missing_column_is_named():
    with pytest.raises(
        DataValidationError, match=r"missing required column\(s\) \['group'\]"
    ):
        validate_observations(pd.DataFrame([row()]).drop(columns="group"))


def test_duplicate_keys_with_different_values_name_both_rows():
    df = pd.DataFrame([row(), row(numerator=20.0, value=20.0)])
    with pytest.raises(DataValidationError, match=r"different values in rows \[0, 1\]"):
        validate_observations(df)


def test_exact_duplicates_are_an_error_not_a_silent_drop():
    with pytest.raises(DataValidationError, match="exact duplicate"):
        validate_observations(pd.DataFrame([row(), row()]))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2021", ("2021", 2021, 2021)),
        ("2017-2021", ("2017-2021", 2017, 2021)),
        ("2017 \u2013 2021", ("2017-2021", 2017, 2021)),
        ("2018-19", ("2019", 2019, 2019)),
        ("2015-17", ("2015-2017", 2015, 2017)),
        (2020.0, ("2020", 2020, 2020)),
    ],
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@given(st.integers(1990, 2040), st.integers(0, 10))
def test_parse_period_roundtrip(start, length):
    label, a, b = parse_period(f"{start}-{start + length}")
    assert (a, b) == (start, start + length)
    assert parse_period(label) == (label, a, b)


def test_empty_observations_has_schema():
    e = s.empty_observations()
    assert list(e.columns) == s.OBSERVATION_COLUMNS and len(e) == 0
    assert e["numerator"].dtype == np.float64


def test_same_key_from_two_sources_is_two_series_not_an_error():
    a, b = row(source="CHR"), row(numerator=20.0, value=20.0, source="KIDS COUNT")
    t = validate_observations(pd.DataFrame([a, b]))
    assert sorted(t["value"]) == [10.0, 20.0]
    assert set(t["source"].astype(str)) == {"CHR", "KIDS COUNT"}
    with pytest.raises(DataValidationError, match="different values"):
        validate_observations(pd.DataFrame([a, {**b, "source": "CHR"}]))
