"""Sentences read right for every measure type (issue #10 item 4)."""

from __future__ import annotations

from disparities.narrative import format_count, format_value, gap_sentence


def _row(indicator, value, ref, **kw):
    r = {
        "indicator": indicator,
        "group": "Black",
        "reference_group": "White",
        "value": value,
        "reference_value": ref,
        "difference": value - ref,
        "adverse_ratio": ref / value,
        "direction": "worse",
        "period": "2018",
        "geo_name": "Durham County",
        "unreliable": False,
    }
    r.update(kw)
    return r


def test_average_scores_read_as_two_values_and_a_difference():
    text = gap_sentence(_row("reading_grade_performance", 2.6, 3.4))
    assert text == (
        "Average reading score, Black 3rd graders in Durham County: grade level "
        "2.6 vs 3.4 for White 3rd graders (0.8 grade levels lower), 2018."
    )
    assert "times" not in text and "likely" not in text


def test_incomes_read_in_dollars():
    text = gap_sentence(
        _row("median_household_income", 39108.0, 62036.0, period="2015-2019")
    )
    assert "$39,108 vs $62,036" in text
    assert "($22,928 lower)" in text
    assert text.endswith("2015\u20132019.")
    assert "times" not in text


def test_unclear_score_gap_names_both_values():
    text = gap_sentence(
        _row(
            "median_household_income", 54135.0, 50088.0, direction="no clear difference"
        )
    )
    assert text.startswith("No clear difference in median household income between")
    assert "($54,135)" in text and "($50,088)" in text


def test_rates_keep_times_as_likely_and_spans():
    text = gap_sentence(
        _row("infant_mortality", 11.97, 5.41, adverse_ratio=2.21, period="2014-2020")
    )
    assert "2.2 times as likely as White babies to die before their first " in text
    assert "2014\u20132020" in text


def test_values_and_counts():
    assert format_value(2.64, "reading_grade_performance") == "grade level 2.6"
    assert format_count(float("nan")) == "unknown"
    assert format_count(-94.0) == "none"
    assert format_count(0.2) == "none"
    assert format_count(1234.0) == "1,234"
