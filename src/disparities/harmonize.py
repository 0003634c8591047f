"""Crosswalk from the group labels sources print to canonical groups.

Sources spell the same group many ways ("Black or African American", "Black
alone", "African American", "Non-Hispanic Black", "BL7", ACS table suffix "B").
Each label maps to one canonical group of :data:`disparities.schema.GROUP_INFO`.
Whether a group includes Hispanic people is kept by the canonical label: the
ACS "White alone" tables (suffix A) include Hispanic White people and map to
"White alone (incl. Hispanic)", while "non-Hispanic White" (suffix H, County
Health Rankings, KIDS COUNT) maps to "White". Other race groups are mapped
whatever the source's Hispanic rule, since sources do not publish them both ways;
the source's own label is kept in the ``source_label`` column.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["GROUP_CROSSWALK", "harmonize_group", "crosswalk_table", "UnknownGroupError"]

_R, _I, _T = "race_ethnicity", "income", "total"

GROUP_CROSSWALK: dict[str, tuple[str, str]] = {}


def _add(group: str, dimension: str, *labels: str) -> None:
    for lab in labels:
        GROUP_CROSSWALK[_key(lab)] = (dimension, group)


def _key(label: str) -> str:
    s = str(label).strip().lower()
    s = s.replace("\u2013", "-").replace("_", " ")
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r" students$", "", s)
    return s


_add(
    "Black",
    _R,
    "Black",
    "Black or African American",
    "African American",
    "Non-Hispanic Black",
    "Black non-Hispanic",
    "Black, non-Hispanic",
    "Black alone",
    "Black or African American alone",
    "BL7",
    "B",
    "black",
    "AfAm",
    "Black or African American, non-Hispanic",
)
_add(
    "White",
    _R,
    "White non-Hispanic",
    "Non-Hispanic White",
    "White, non-Hispanic",
    "White alone, not Hispanic or Latino",
    "White alone not Hispanic or Latino",
    "WH7",
    "H",
    "White",
    "NH White",
)
_add(
    "White alone (incl. Hispanic)",
    _R,
    "White alone",
    "A",
    "White alone (incl. Hispanic)",
    "White alone, including Hispanic",
)
_add(
    "Hispanic or Latino",
    _R,
    "Hispanic",
    "Hispanic or Latino",
    "Latino",
    "Latinx",
    "Hispanic/Latino",
    "Hispanic or Latino (of any race)",
    "HI7",
    "I",
)
_add(
    "American Indian or Alaska Native",
    _R,
    "American Indian",
    "American Indian or Alaska Native",
    "American Indian and Alaska Native",
    "American Indian and Alaska Native alone",
    "AIAN",
    "Native American",
    "AM7",
    "C",
    "American Indian/Alaska Native",
)
_add("Asian", _R, "Asian", "Asian alone", "AS7", "D", "Asian non-Hispanic")
_add(
    "Asian or Pacific Islander",
    _R,
    "Asian and Pacific Islander",
    "Asian or Pacific Islander",
    "API",
    "Asian/Pacific Islander",
)
_add(
    "Native Hawaiian or Pacific Islander",
    _R,
    "Native Hawaiian or Other Pacific Islander",
    "Hawaiian/Pacific Islander",
    "Native Hawaiian and Other Pacific Islander alone",
    "NHPI",
    "Pacific Islander",
    "E",
    "Native Hawaiian or Pacific Islander",
)
_add(
    "Two or more races",
    _R,
    "Two or more races",
    "Two or more",
    "Two or More Races",
    "Multiracial",
    "Multi",
    "MU7",
    "G",
    "Two or more races alone",
    "Multiple races",
)
_add(
    "Other race",
    _R,
    "Other",
    "Some other race",
    "Some other race alone",
    "F",
    "Other race",
)
_add(
    "Total",
    _T,
    "Total",
    "All",
    "All Students",
    "All races",
    "Overall",
    "ALL",
    "All children",
    "Total population",
)
_add(
    "Economically disadvantaged",
    _I,
    "EDS",
    "Economically disadvantaged",
    "Economically Disadvantaged",
    "Low income",
    "Free/reduced lunch",
)
_add(
    "Not economically disadvantaged",
    _I,
    "NEDS",
    "Not economically disadvantaged",
    "Non-economically disadvantaged",
    "Not low income",
)
_add(
    "Under 100% FPL",
    _I,
    "Under 100% FPL",
    "Below poverty",
    "Below 100% FPL",
    "<100% FPL",
    "0-99% FPL",
    "Under 1.00",
    "Below poverty level",
)
_add(
    "100-199% FPL",
    _I,
    "100-199% FPL",
    "100% to 199% FPL",
    "1.00 to 1.99",
    "100-199% of poverty",
)
_add("200-399% FPL", _I, "200-399% FPL", "200% to 399% FPL", "2.00 to 3.99")
_add(
    "400% FPL and over",
    _I,
    "400% FPL and over",
    "400%+ FPL",
    "400% FPL or more",
    "4.00 and over",
    "At or above 400% FPL",
)


class UnknownGroupError(KeyError):
    """A source label with no canonical group."""

    def __str__(self) -> str:
        return str(self.args[0])


def harmonize_group(label: str, *, overrides: dict | None = None) -> tuple[str, str]:
    """Map a source label to ``(dimension, canonical group)``.

    Parameters
    ----------
    label : str
        The label as printed by the source (any case; "Students" suffix ignored).
    overrides : dict, optional
        Source-specific labels, e.g. ``{"white": ("race_ethnicity",
        "White alone (incl. Hispanic)")}`` for a file built from ACS B17001A.

    Examples
    --------
    >>> harmonize_group("Black or African American")
    ('race_ethnicity', 'Black')
    >>> harmonize_group("Non-Hispanic White")
    ('race_ethnicity', 'White')
    >>> harmonize_group("Hispanic Students")
    ('race_ethnicity', 'Hispanic or Latino')
    >>> harmonize_group("EDS")
    ('income', 'Economically disadvantaged')
    """
    key = _key(label)
    if overrides:
        norm = {_key(k): v for k, v in overrides.items()}
        if key in norm:
            return norm[key]
    if key in GROUP_CROSSWALK:
        return GROUP_CROSSWALK[key]
    raise UnknownGroupError(
        f"no canonical group for the label {label!r}; add it with "
        "harmonize_group(..., overrides={...}) or see crosswalk_table()"
    )


def crosswalk_table() -> pd.DataFrame:
    """The whole crosswalk as a table: ``source_label, dimension, group``."""
    rows = [(k, d, g) for k, (d, g) in sorted(GROUP_CROSSWALK.items())]
    return pd.DataFrame(rows, columns=["source_label", "dimension", "group"])
