"""The indicator catalog: what each indicator measures and how to read it.

Each indicator has a plain-language label, a unit and multiplier (a value of
14.1 with multiplier 100 is 14.1%), a direction (is a higher value worse or
better), the population it counts, the kind of estimate (which decides how
its uncertainty is computed) and a phrase for generated sentences.

``measure_type`` is one of

``proportion``
    events out of a population, counted in full (low birthweight births out of
    live births): Wilson intervals.
``rate``
    events per population where the events are rare or can repeat (infant deaths
    per 1,000 births, teen births per 1,000 girls): exact Poisson intervals.
``survey``
    a sample estimate with a margin of error (ACS): SE = MOE / 1.645.
``score``
    an average or a median (grade-level score, median income): differences are
    meaningful, "times as likely" is not for scores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

__all__ = [
    "MEASURE_TYPES",
    "ROLES",
    "CONTEXT_INDICATORS",
    "context_indicator_ids",
    "Indicator",
    "INDICATORS",
    "indicator_catalog",
    "get_indicator",
    "register_indicator",
]


#: the kinds of value an indicator can hold (see ``measure_type`` above)
MEASURE_TYPES = ["proportion", "rate", "survey", "score"]

#: what an indicator is for: compared between groups, or describing the place
ROLES = ["outcome", "context"]


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalog (see the module docstring for the fields)."""

    indicator: str
    label: str
    unit: str
    multiplier: float
    measure_type: str
    higher_is_worse: bool
    population: str
    subject: str
    adverse_phrase: str
    topic: str
    source: str
    #: ``"outcome"`` (compared between groups, ranked as a candidate) or
    #: ``"context"`` (describes the place: population, age and race make-up,
    #: rurality; used to estimate group sizes and to match peers, never compared)
    role: str = "outcome"


INDICATORS: list[Indicator] = [
    Indicator(
        "child_poverty",
        "Children in poverty",
        "% of children",
        100,
        "survey",
        True,
        "children under 18",
        "children",
        "to live in poverty",
        "Economic security",
        "ACS 5-year (B17001, B17020); KIDS COUNT; SAIPE",
    ),
    Indicator(
        "low_birthweight",
        "Low birthweight",
        "% of live births",
        100,
        "proportion",
        True,
        "live births",
        "babies",
        "to be born at a low birthweight (under 2,500 g)",
        "Birth outcomes",
        "State vital statistics; County Health Rankings (NCHS natality)",
    ),
    Indicator(
        "infant_mortality",
        "Infant mortality",
        "per 1,000 live births",
        1000,
        "rate",
        True,
        "live births",
        "babies",
        "to die before their first birthday",
        "Birth outcomes",
        "State vital statistics; County Health Rankings",
    ),
    Indicator(
        "teen_births",
        "Teen births",
        "per 1,000 girls aged 15-19",
        1000,
        "rate",
        True,
        "females aged 15-19",
        "teen girls",
        "to give birth",
        "Birth outcomes",
        "State vital statistics; County Health Rankings",
    ),
    Indicator(
        "child_mortality",
        "Child deaths",
        "per 100,000 children",
        100000,
        "rate",
        True,
        "children under 18",
        "children",
        "to die",
        "Health",
        "County Health Rankings (CDC WONDER mortality)",
    ),
    Indicator(
        "uninsured_children",
        "Children without health insurance",
        "% of children",
        100,
        "survey",
        True,
        "children under 19",
        "children",
        "to have no health insurance",
        "Health",
        "ACS 5-year (B27001, C27016)",
    ),
    Indicator(
        "prek_enrollment",
        "Young children enrolled in preschool",
        "% of 3- and 4-year-olds",
        100,
        "survey",
        False,
        "children aged 3-4",
        "children",
        "to not be enrolled in preschool",
        "Early education",
        "ACS 5-year (B14003)",
    ),
    Indicator(
        "third_grade_reading",
        "3rd graders reading at grade level",
        "% of 3rd graders tested",
        100,
        "proportion",
        False,
        "3rd graders tested",
        "3rd graders",
        "to not read at grade level",
        "School readiness and reading",
        "State school report cards (end-of-grade tests)",
    ),
    Indicator(
        "foster_care_entries",
        "Children entering foster care",
        "per 1,000 children",
        1000,
        "rate",
        True,
        "children under 18",
        "children",
        "to enter foster care",
        "Child welfare",
        "State child welfare agency (AFCARS)",
    ),
    Indicator(
        "kindergarten_readiness",
        "Kindergartners ready for school",
        "% of kindergartners assessed",
        100,
        "proportion",
        False,
        "kindergartners assessed",
        "kindergartners",
        "to start kindergarten not yet ready",
        "School readiness and reading",
        "State kindergarten entry assessment",
    ),
    Indicator(
        "graduation_rate",
        "On-time high school graduation",
        "% of the 4-year cohort",
        100,
        "proportion",
        False,
        "4-year cohort",
        "students",
        "to not graduate on time",
        "Education",
        "State school report cards (cohort graduation rate)",
    ),
    Indicator(
        "math_proficiency",
        "Students proficient in math",
        "% of students tested",
        100,
        "proportion",
        False,
        "students tested",
        "students",
        "to not be proficient in math",
        "Education",
        "State assessments",
    ),
    Indicator(
        "dropout_rate",
        "High school dropout",
        "% of students",
        100,
        "proportion",
        True,
        "students in grades 7-12",
        "students",
        "to drop out",
        "Education",
        "State education agency",
    ),
    Indicator(
        "reading_grade_performance",
        "Average reading score (grade levels)",
        "grade levels vs. U.S. average",
        1,
        "score",
        False,
        "3rd graders",
        "3rd graders",
        "to score lower in reading",
        "School readiness and reading",
        "County Health Rankings (Stanford Education Data Archive)",
    ),
    Indicator(
        "math_grade_performance",
        "Average math score (grade levels)",
        "grade levels vs. U.S. average",
        1,
        "score",
        False,
        "3rd graders",
        "3rd graders",
        "to score lower in math",
        "Education",
        "County Health Rankings (Stanford Education Data Archive)",
    ),
    Indicator(
        "median_household_income",
        "Median household income",
        "dollars",
        1,
        "score",
        False,
        "households",
        "households",
        "to have lower incomes",
        "Economic security",
        "ACS 5-year (B19013A-I); SAIPE",
    ),
    Indicator(
        "children_below_200fpl",
        "Children in low-income families",
        "% of children below 200% of poverty",
        100,
        "survey",
        True,
        "children under 18",
        "children",
        "to live in a low-income family (under 2 times the poverty line)",
        "Economic security",
        "ACS 5-year (B17024)",
    ),
    Indicator(
        "poverty_all_ages",
        "People in poverty (all ages)",
        "% of people",
        100,
        "survey",
        True,
        "people of all ages",
        "people",
        "to live in poverty",
        "Economic security",
        "Census SAIPE",
    ),
]

#: Context indicators: facts about a place (not outcomes). Loaders that find
#: them (e.g. the CHR "Additional Measure Data" sheet) add them as ordinary rows;
#: the engine (gaps, summary measures, trends, candidates) never compares them
#: (see :func:`disparities.select.outcome_rows`); group sizes and peers use them.
CONTEXT_INDICATORS: list[Indicator] = [
    Indicator(
        "population",
        "Population",
        "people",
        1,
        "score",
        False,
        "all residents",
        "people",
        "",
        "Place",
        "Census population estimates (via County Health Rankings)",
        role="context",
    ),
    Indicator(
        "children_under_18",
        "Children under 18",
        "children",
        1,
        "score",
        False,
        "children under 18",
        "children",
        "",
        "Place",
        "Census population estimates (via County Health Rankings)",
        role="context",
    ),
    Indicator(
        "pct_under_18",
        "Residents under 18",
        "% of residents",
        100,
        "score",
        False,
        "all residents",
        "people",
        "",
        "Place",
        "Census population estimates (via County Health Rankings)",
        role="context",
    ),
    Indicator(
        "population_share",
        "Share of residents (by race/ethnicity)",
        "% of residents",
        100,
        "score",
        False,
        "all residents",
        "people",
        "",
        "Place",
        "Census population estimates (via County Health Rankings)",
        role="context",
    ),
    Indicator(
        "pct_rural",
        "Residents living in rural areas",
        "% of residents",
        100,
        "score",
        False,
        "all residents",
        "people",
        "",
        "Place",
        "Census 2010 (via County Health Rankings)",
        role="context",
    ),
]

_REGISTRY: dict[str, Indicator] = {
    i.indicator: i for i in INDICATORS + CONTEXT_INDICATORS
}


def context_indicator_ids() -> list[str]:
    """Ids of the registered indicators whose role is ``"context"``.

    Examples
    --------
    >>> "population_share" in context_indicator_ids()
    True
    """
    return [i.indicator for i in _REGISTRY.values() if i.role == "context"]


def indicator_catalog() -> pd.DataFrame:
    """Return the catalog as a DataFrame, one row per indicator.

    Examples
    --------
    >>> cat = indicator_catalog()
    >>> cat.set_index("indicator").loc["infant_mortality", "unit"]
    'per 1,000 live births'
    """
    return pd.DataFrame([asdict(i) for i in _REGISTRY.values()])


def get_indicator(indicator: str) -> Indicator:
    """Return one catalog entry, with a clear error for an unknown id.

    Examples
    --------
    >>> get_indicator("low_birthweight").multiplier
    100
    """
    try:
        return _REGISTRY[indicator]
    except KeyError:
        raise KeyError(
            f"unknown indicator {indicator!r}; known: {sorted(_REGISTRY)}"
        ) from None


def register_indicator(indicator: Indicator) -> None:
    """Add (or replace) an indicator so tables using it validate.

    Parameters
    ----------
    indicator : Indicator
        The new entry. ``measure_type`` must be one of ``proportion``, ``rate``,
        ``survey`` or ``score``.
    """
    if indicator.measure_type not in MEASURE_TYPES:
        raise ValueError(f"unknown measure_type {indicator.measure_type!r}")
    if indicator.role not in ROLES:
        raise ValueError(f"unknown role {indicator.role!r}; one of {ROLES}")
    _REGISTRY[indicator.indicator] = indicator
