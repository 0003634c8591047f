"""Shared steps of the loaders: places to FIPS, groups, and finishing a table."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.geography import (
    match_county_names,
    resolve_state,
    state_from_place_name,
    state_place_ids,
)
from disparities.harmonize import UnknownGroupError, harmonize_group
from disparities.schema import DataValidationError
from disparities.sources.load_report import LoadReport

__all__ = [
    "read_source_csv",
    "resolve_places",
    "harmonize_groups",
    "finish_table",
    "guess_indicator",
    "district_id",
    "place_ids",
    "span_periods",
]

_INDICATOR_WORDS = [
    (r"infant.?mortality|infant.?death", "infant_mortality"),
    (r"low.?birth.?weight|\blbw\b", "low_birthweight"),
    (r"teen.?birth", "teen_births"),
    (r"child.*poverty|poverty.*child|children.?in.?poverty", "child_poverty"),
    (r"uninsured|health.?insurance", "uninsured_children"),
    (r"pre.?k|preschool", "prek_enrollment"),
    (r"math", "math_proficiency"),
    (r"dropout", "dropout_rate"),
    (r"graduat", "graduation_rate"),
    (r"third.?grade|3rd.?grade|reading", "third_grade_reading"),
    (r"foster", "foster_care_entries"),
]


def read_source_csv(path, report: LoadReport, required) -> pd.DataFrame:
    """Read a source's CSV as text cells, count its rows, check required columns.

    Raises
    ------
    DataValidationError
        Naming the first missing column (header row 1) and the columns found.
    """
    from disparities.sources.parsing import read_csv_strings

    raw, _ = read_csv_strings(path, expected_columns=list(required))
    report.rows_read = len(raw)
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing required column(s) {missing}; found {list(raw.columns)}",
            file=path,
            row=1,
            column=missing[0],
        )
    return raw


def guess_indicator(path) -> str | None:
    """Guess an indicator id from a file name, or None.

    Examples
    --------
    >>> guess_indicator("Children in poverty by race and ethnicity.csv")
    'child_poverty'
    """
    name = str(path).lower().replace("_", " ")
    name = name.rsplit("/", 1)[-1]
    for pattern, ind in _INDICATOR_WORDS:
        if re.search(pattern, name):
            return ind
    return None


def district_id(state_fips: str, code: str) -> str:
    """A district geography id: state FIPS + ``D`` + the code, uppercase.

    Examples
    --------
    >>> district_id("08", "Denver County 1")
    '08DDENVER_COUNTY_1'
    """
    clean = re.sub(r"[^0-9A-Z]+", "_", str(code).upper()).strip("_")
    return f"{state_fips}D{clean}"


def resolve_places(
    locations: pd.Series,
    levels: pd.Series | None,
    report: LoadReport,
    *,
    state: str | None,
    location_column: str = "Location",
) -> pd.DataFrame:
    """Map place names (and their level) to ``geo_id, geo_name, geo_level``.

    Unknown places are rejected in ``report`` and come back with a missing id.
    """
    loc = locations.astype(str).str.strip()
    lev = (
        levels.astype(str).str.strip().str.lower()
        if levels is not None
        else pd.Series("", index=loc.index)
    )
    out = pd.DataFrame(
        {
            "geo_id": pd.Series(np.nan, index=loc.index, dtype=object),
            "geo_name": loc,
            "geo_level": "",
        },
        index=loc.index,
    )
    nation = lev.eq("nation") | loc.str.lower().isin(["united states", "us", "u.s."])
    out.loc[nation, ["geo_id", "geo_level"]] = ["US", "nation"]
    state_like = ~nation & (lev.isin(["state", "city", "territory"]) | lev.eq(""))
    for name in loc[state_like].unique():
        found = state_from_place_name(name)
        if found is None:
            continue
        fips, _, full = found
        m = state_like & loc.eq(name)
        out.loc[m, ["geo_id", "geo_name", "geo_level"]] = [fips, full, "state"]
    st = state
    if st is None:
        found = out.loc[out["geo_level"] == "state", "geo_id"].unique()
        if len(found) == 1:
            st = found[0]
    county = lev.eq("county") | (
        out["geo_id"].isna() & ~lev.isin(["school district", "district", ""])
    )
    if county.any():
        if st is None:
            for idx in loc[county].index[:1]:
                report.reject(
                    idx,
                    location_column,
                    "county rows but no state: pass state=...",
                    count=int(county.sum()),
                )
        else:
            fips = match_county_names(loc[county], st)
            fips.index = loc[county].index
            out.loc[county, "geo_id"] = fips
            out.loc[county, "geo_level"] = "county"
            st_abbr = resolve_state(st)[1]
            bad = county & out["geo_id"].isna()
            for name, grp in loc[bad].groupby(loc[bad]):
                report.reject(
                    grp.index[0],
                    location_column,
                    f"unknown county {name!r} in {st_abbr}",
                    count=len(grp),
                )
    district = out["geo_id"].isna() & (lev.isin(["school district", "district", ""]))
    if district.any():
        if st is None:
            for idx in loc[district].index[:1]:
                report.reject(
                    idx,
                    location_column,
                    f"unknown place {loc[idx]!r} (no state to look it up in)",
                    count=int(district.sum()),
                )
        else:
            sf = resolve_state(st)[0]
            out.loc[district, "geo_id"] = [district_id(sf, x) for x in loc[district]]
            out.loc[district, "geo_level"] = "district"
            report.notes.append(
                f"{loc[district].nunique()} places that are not counties or states were "
                "read as school districts."
            )
    return out


def place_ids(names: pd.Series, state: str) -> pd.Series:
    """Geography ids for place names in one state: county FIPS for county names,
    the state FIPS for the state row whatever its spelling ("Commonwealth Of
    Virginia", "STATE OF NORTH CAROLINA"); missing when neither.

    A name that is both a county of ``state`` and a state ("Washington" in NC)
    is the county.
    """
    names = pd.Series(names).astype(str)
    ids = pd.Series(
        match_county_names(names, state).to_numpy(), index=names.index, dtype=object
    )
    states = state_place_ids(names)
    states.index = names.index
    return ids.where(ids.notna(), states)


def span_periods(periods: pd.Series, years: int) -> pd.Series:
    """Turn end years into spans of ``years`` years ("2021", 5 -> "2017-2021");
    labels that are already spans, or ``years`` 1, are left as they are.

    Examples
    --------
    >>> span_periods(pd.Series(["2021", "2015-2019"]), 5).tolist()
    ['2017-2021', '2015-2019']
    """
    if years <= 1:
        return periods
    single = periods.astype(str).str.fullmatch(r"\d{4}")
    end = pd.to_numeric(periods.where(single), errors="coerce")
    spans = (end - years + 1).astype("Int64").astype(str) + "-" + periods.astype(str)
    return periods.where(~single, spans)


def harmonize_groups(
    labels: pd.Series, report: LoadReport, *, column: str, overrides: dict | None = None
) -> pd.DataFrame:
    """Canonical ``dimension`` and ``group`` per row; unknown labels are rejected."""
    out = pd.DataFrame(
        {
            "dimension": pd.Series(np.nan, index=labels.index, dtype=object),
            "group": pd.Series(np.nan, index=labels.index, dtype=object),
            "source_label": labels.astype(str),
        },
        index=labels.index,
    )
    for lab, grp in labels.groupby(labels.astype(str)):
        try:
            dim, g = harmonize_group(lab, overrides=overrides)
        except UnknownGroupError:
            report.reject(
                grp.index[0],
                column,
                f"{lab!r} is not a race/ethnicity or income group this tool compares",
                count=len(grp),
            )
            continue
        out.loc[grp.index, ["dimension", "group"]] = [dim, g]
        if g == "White" and _key_is_bare_white(lab):
            report.notes.append(
                f"{len(grp)} rows labelled {lab!r} were read as White, not "
                "Hispanic. If this source counts White alone including Hispanic "
                "people (ACS tables with suffix A such as B17001A, or vital "
                "statistics by race only), map the label to 'White alone (incl. "
                "Hispanic)' with group overrides: it is then never used as the "
                "non-Hispanic White reference."
            )
    return out


def _key_is_bare_white(label) -> bool:
    """True for a label that just says "White" (its Hispanic rule unstated)."""
    return str(label).strip().lower() in {"white", "white students"}


def finish_table(
    records: pd.DataFrame, report: LoadReport, *, suppress_below=None
) -> pd.DataFrame:
    """Validate, add intervals and reliability flags; index kept as source rows.

    Suppression by count is applied only when ``suppress_below`` is given (the
    source usually suppressed already).
    """
    from disparities.reliability import prepare_observations
    from disparities.sources.checks import check_plausibility

    records = check_plausibility(records, report)
    table = s.validate_observations(records, file=report.file)
    prepared = prepare_observations(table, suppress_below=suppress_below)
    return _note_white_alone(prepared.drop(columns="rse"))


#: The note every "White alone (incl. Hispanic)" row carries.
WHITE_ALONE_NOTE = (
    "White alone: includes Hispanic White people, so it is not the "
    "non-Hispanic White group"
)


def _note_white_alone(table: pd.DataFrame) -> pd.DataFrame:
    """Say on each "White alone (incl. Hispanic)" row what the group includes."""
    m = table[s.GROUP].astype(str).eq("White alone (incl. Hispanic)").to_numpy()
    if not m.any():
        return table
    out = table.copy()
    note = out[s.NOTE].astype(str).to_numpy().copy()
    note[m] = [
        WHITE_ALONE_NOTE if not n else f"{WHITE_ALONE_NOTE}; {n}" for n in note[m]
    ]
    out[s.NOTE] = pd.Series(note, index=out.index).astype("category")
    return out
