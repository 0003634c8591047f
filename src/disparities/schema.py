"""The tidy observation table: column names, canonical groups and validation.

Every stage of ``disparities`` reads and writes one long table with one row per
geography x indicator x period x group dimension x group. Column names are the
constants below; groups are canonical labels from :data:`GROUP_INFO`.

Columns
-------
geo_id
    ``"US"``, a 2-digit state FIPS (``"37"``), a 5-digit county FIPS (``"37063"``)
    a school district: state FIPS + ``D`` + the source's code (``"37D320"``), or a
    ZIP Code Tabulation Area: ``Z`` + 5 digits (``"Z10027"``).
geo_name, geo_level, state
    Display name, one of ``nation``/``state``/``county``, and the state's postal
    abbreviation (``"NC"``; ``"US"`` for the nation).
indicator
    An id from :mod:`disparities.catalog`.
period, period_start, period_end
    ``"2021"`` or a span such as ``"2017-2021"``, with its first and last year.
dimension, group
    ``race_ethnicity``, ``income`` or ``total``, and the canonical group label.
numerator, denominator
    Event and population counts when the source gives them (else missing).
value
    The estimate in the indicator's unit (percent, per 1,000 ...).
ci_lower, ci_upper, moe
    95% confidence bounds and, for survey estimates, the 90% margin of error.
suppressed, unreliable, note
    Flags and the plain-language reason ("suppressed: fewer than 10 events").
source, source_label
    Where the row came from and the group label as the source printed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "GEO_ID",
    "GEO_NAME",
    "GEO_LEVEL",
    "STATE",
    "INDICATOR",
    "PERIOD",
    "PERIOD_START",
    "PERIOD_END",
    "DIMENSION",
    "GROUP",
    "NUMERATOR",
    "DENOMINATOR",
    "VALUE",
    "CI_LOWER",
    "CI_UPPER",
    "MOE",
    "SUPPRESSED",
    "UNRELIABLE",
    "NOTE",
    "SOURCE",
    "SOURCE_LABEL",
    "KEY_COLUMNS",
    "IDENTITY_COLUMNS",
    "CONTEXT_COLUMNS",
    "OBSERVATION_COLUMNS",
    "DIMENSIONS",
    "GroupInfo",
    "GROUP_INFO",
    "GROUP_ORDER",
    "TOTAL",
    "DataValidationError",
    "parse_period",
    "validate_observations",
    "empty_observations",
    "groups_for_dimension",
    "income_rank",
    "ORDERED_DIMENSIONS",
    "register_ordered_dimension",
    "is_ordered_dimension",
]

GEO_ID = "geo_id"
GEO_NAME = "geo_name"
GEO_LEVEL = "geo_level"
STATE = "state"
INDICATOR = "indicator"
PERIOD = "period"
PERIOD_START = "period_start"
PERIOD_END = "period_end"
DIMENSION = "dimension"
GROUP = "group"
NUMERATOR = "numerator"
DENOMINATOR = "denominator"
VALUE = "value"
CI_LOWER = "ci_lower"
CI_UPPER = "ci_upper"
MOE = "moe"
SUPPRESSED = "suppressed"
UNRELIABLE = "unreliable"
NOTE = "note"
SOURCE = "source"
SOURCE_LABEL = "source_label"

#: Columns that identify one observation of one source. Two sources may publish
#: the same key (CHR and KIDS COUNT child poverty): a table keeps both rows, told
#: apart by ``SOURCE``, so comparisons and series must also group by ``SOURCE``
#: (see :func:`disparities.loaders.combine_loads`).
KEY_COLUMNS = [GEO_ID, INDICATOR, PERIOD, DIMENSION, GROUP]

#: One observation of one source: the key plus ``SOURCE``. Group by these (and
#: not by ``KEY_COLUMNS`` alone) wherever two sources may meet in one table.
IDENTITY_COLUMNS = [*KEY_COLUMNS, SOURCE]

#: Columns that say where, what and when (shared by every result table).
CONTEXT_COLUMNS = [
    GEO_ID,
    GEO_NAME,
    GEO_LEVEL,
    STATE,
    INDICATOR,
    PERIOD,
    PERIOD_START,
    PERIOD_END,
    DIMENSION,
]

#: Every column of the tidy table, in order.
OBSERVATION_COLUMNS = [
    *CONTEXT_COLUMNS,
    GROUP,
    NUMERATOR,
    DENOMINATOR,
    VALUE,
    CI_LOWER,
    CI_UPPER,
    MOE,
    SUPPRESSED,
    UNRELIABLE,
    NOTE,
    SOURCE,
    SOURCE_LABEL,
]

DIMENSIONS = ["race_ethnicity", "income", "total"]
GEO_LEVELS = ["nation", "state", "county", "district", "zcta", "place"]
TOTAL = "Total"


@dataclass(frozen=True)
class GroupInfo:
    """A canonical group.

    Attributes
    ----------
    label : str
        The canonical label used in tables and charts.
    dimension : str
        ``race_ethnicity``, ``income`` or ``total``.
    includes_hispanic : bool or None
        For race groups: True when Hispanic people of that race are included
        ("White alone"), False when excluded ("non-Hispanic White"), None when
        sources differ or it does not apply.
    income_rank : int or None
        Position from the lowest income (1) upward, within its ``income_scheme``.
    income_scheme : str or None
        Groups are only ranked against groups of the same scheme.
    """

    label: str
    dimension: str
    includes_hispanic: bool | None = None
    income_rank: int | None = None
    income_scheme: str | None = None


GROUP_INFO: tuple[GroupInfo, ...] = (
    GroupInfo("Black", "race_ethnicity"),
    GroupInfo("Hispanic or Latino", "race_ethnicity", True),
    GroupInfo("American Indian or Alaska Native", "race_ethnicity"),
    GroupInfo("Asian", "race_ethnicity"),
    GroupInfo("Asian or Pacific Islander", "race_ethnicity"),
    GroupInfo("Native Hawaiian or Pacific Islander", "race_ethnicity"),
    GroupInfo("Two or more races", "race_ethnicity"),
    GroupInfo("Other race", "race_ethnicity"),
    GroupInfo("White", "race_ethnicity", False),
    GroupInfo("White alone (incl. Hispanic)", "race_ethnicity", True),
    GroupInfo("Under 100% FPL", "income", None, 1, "fpl"),
    GroupInfo("100-199% FPL", "income", None, 2, "fpl"),
    GroupInfo("200-399% FPL", "income", None, 3, "fpl"),
    GroupInfo("400% FPL and over", "income", None, 4, "fpl"),
    GroupInfo("Economically disadvantaged", "income", None, 1, "school"),
    GroupInfo("Not economically disadvantaged", "income", None, 2, "school"),
    GroupInfo(TOTAL, "total"),
)

#: Canonical group labels in display order (the categorical order).
GROUP_ORDER: list[str] = [g.label for g in GROUP_INFO]
_GROUP_BY_LABEL = {g.label: g for g in GROUP_INFO}


def groups_for_dimension(dimension: str) -> list[str]:
    """Return the canonical groups of one dimension, in display order.

    Examples
    --------
    >>> groups_for_dimension("income")[:2]
    ['Under 100% FPL', '100-199% FPL']
    """
    if dimension not in DIMENSIONS:
        raise ValueError(
            f"unknown dimension {dimension!r}; expected one of {DIMENSIONS}"
        )
    return [g.label for g in GROUP_INFO if g.dimension == dimension]


#: dimensions whose groups have an order (SII, RII and concentration indices
#: use it); extend with :func:`register_ordered_dimension`
ORDERED_DIMENSIONS: set[str] = {"income"}
#: the most groups an ordered dimension may have
MAX_ORDERED_GROUPS = 255


def register_ordered_dimension(name: str, groups) -> None:
    """Declare an ordered dimension (income quintiles, deciles, deprivation ranks).

    Parameters
    ----------
    name : str
        The dimension's name as it appears in the ``dimension`` column (e.g.
        ``"income_quintile"``). Must not be a built-in dimension.
    groups : sequence of str
        Its group labels **from the most disadvantaged to the most advantaged**
        (lowest income first, as for the built-in FPL bands). The slope and
        relative index of inequality and the concentration indices rank groups
        in this order; the default gap reference is the last group. Labels
        must be new (not already canonical groups).

    Registering the same name with the same groups again does nothing.

    Examples
    --------
    Registration changes the module's group list for the whole session, so it
    is shown here rather than run (tests/test_summary_measures.py runs it)::

        register_ordered_dimension("income_quintile", ["Q1", "Q2", "Q3", "Q4", "Q5"])
        income_rank("Q5")  # 5
    """
    global GROUP_INFO
    labels = [str(g) for g in groups]
    if name in DIMENSIONS:
        if name in ORDERED_DIMENSIONS and groups_for_dimension(name) == labels:
            return
        raise ValueError(f"dimension {name!r} already exists")
    if not 2 <= len(labels) <= MAX_ORDERED_GROUPS or len(set(labels)) < len(labels):
        raise ValueError(
            f"an ordered dimension needs 2 to {MAX_ORDERED_GROUPS} distinct groups"
        )
    taken = [g for g in labels if g in _GROUP_BY_LABEL]
    if taken:
        raise ValueError(f"group labels already in use: {taken}")
    new = tuple(GroupInfo(g, name, None, i + 1, name) for i, g in enumerate(labels))
    GROUP_INFO = GROUP_INFO + new
    GROUP_ORDER.extend(labels)
    _GROUP_BY_LABEL.update({g.label: g for g in new})
    DIMENSIONS.append(name)
    ORDERED_DIMENSIONS.add(name)


def is_ordered_dimension(name: str) -> bool:
    """Is ``name`` an ordered dimension (income or one registered)?"""
    return name in ORDERED_DIMENSIONS


def income_rank(group: str) -> int | None:
    """Return the rank of a group of an ordered dimension (1 = most disadvantaged).

    For the FPL bands and school groups, 1 is the lowest income; for a
    dimension declared with :func:`register_ordered_dimension`, the position in
    its declared order.

    Examples
    --------
    >>> income_rank("400% FPL and over")
    4
    """
    info = _GROUP_BY_LABEL.get(group)
    return None if info is None else info.income_rank


class DataValidationError(ValueError):
    """Bad input, with the file, row and column it was found in."""

    def __init__(self, message: str, *, file=None, row=None, column=None):
        self.file, self.row, self.column = file, row, column
        where = []
        if file is not None:
            where.append(f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


_SPAN = re.compile(r"^\s*(\d{4})\s*[-\u2013\u2014/]\s*(\d{2}|\d{4})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0)?\s*$")


def parse_period(text) -> tuple[str, int, int]:
    """Normalise a period label to ``(label, first_year, last_year)``.

    Accepts a year (``2021``), a span (``2017-2021``, ``2017 - 2021``, an en dash)
    and a school year (``2018-19``, meaning the year ending in 2019).

    Examples
    --------
    >>> parse_period("2017-2021")
    ('2017-2021', 2017, 2021)
    >>> parse_period(2020)
    ('2020', 2020, 2020)
    >>> parse_period("2018-19")
    ('2019', 2019, 2019)
    """
    s = str(text)
    m = _YEAR.match(s)
    if m:
        y = int(m.group(1))
        return str(y), y, y
    m = _SPAN.match(s)
    if m:
        start = int(m.group(1))
        end_txt = m.group(2)
        if len(end_txt) == 2:
            end = (start // 100) * 100 + int(end_txt)
            if end < start:
                end += 100
            if end == start + 1:  # a school year, "2018-19", ends in 2019
                return str(end), end, end
        else:
            end = int(end_txt)
        if end < start:
            raise ValueError(f"period {s!r} ends before it starts")
        if end == start:
            return str(start), start, start
        return f"{start}-{end}", start, end
    raise ValueError(
        f"cannot read period {s!r}: expected a year or a span like 2017-2021"
    )


def empty_observations() -> pd.DataFrame:
    """Return an empty tidy table with every column and dtype."""
    return _coerce_dtypes(pd.DataFrame({c: [] for c in OBSERVATION_COLUMNS}))


_GEO_RE = re.compile(r"^(US|\d{2}|\d{5}|\d{2}D[0-9A-Z_-]+|Z\d{5})$")


def _coerce_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    for c in (NUMERATOR, DENOMINATOR, VALUE, CI_LOWER, CI_UPPER, MOE):
        df[c] = pd.to_numeric(df[c], errors="raise").astype("float64")
    for c in (SUPPRESSED, UNRELIABLE):
        df[c] = df[c].astype(object).where(df[c].notna(), False).astype(bool)
    for c in (PERIOD_START, PERIOD_END):
        df[c] = pd.to_numeric(df[c]).astype("int64")
    # repeated text is stored once per distinct value (categorical): a national
    # table has millions of rows but only thousands of names and a few notes
    for c in (GEO_NAME, NOTE, SOURCE, SOURCE_LABEL, STATE):
        df[c] = df[c].astype("object").where(df[c].notna(), "")
        df[c] = df[c].astype(str).astype("category")
    df[GEO_ID] = df[GEO_ID].astype(str).astype("category")
    df[GEO_LEVEL] = pd.Categorical(df[GEO_LEVEL], categories=GEO_LEVELS)
    df[INDICATOR] = df[INDICATOR].astype(str).astype("category")
    df[PERIOD] = df[PERIOD].astype(str).astype("category")
    df[DIMENSION] = pd.Categorical(df[DIMENSION], categories=DIMENSIONS)
    df[GROUP] = pd.Categorical(df[GROUP], categories=GROUP_ORDER, ordered=True)
    return df


def _fail(msg, df, mask, column, file):
    idx = np.flatnonzero(np.asarray(mask))
    first = int(idx[0])
    row_label = df.index[first]
    more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
    raise DataValidationError(msg + more, file=file, row=row_label, column=column)


def _default_geo_name(geo_id: str) -> str:
    """The official name of a geography id, or '' (used to fill blank names)."""
    from disparities.geography import county_name_for_fips, state_table

    if geo_id == "US":
        return "United States"
    if len(geo_id) == 2:
        st = state_table().set_index("state_fips")["state_name"]
        return str(st.get(geo_id, ""))
    if len(geo_id) == 5 and geo_id.isdigit():
        return county_name_for_fips(geo_id)
    return ""


def validate_observations(
    table: pd.DataFrame,
    *,
    catalog=None,
    file: str = "observations table",
) -> pd.DataFrame:
    """Check a tidy table and return a normalised copy.

    Missing optional columns are added empty, dtypes are fixed (county FIPS as
    5-character strings, groups as ordered categoricals) and periods are
    normalised. The input is never modified.

    Parameters
    ----------
    table : pandas.DataFrame
        At least ``geo_id, indicator, period, dimension, group`` and ``value``
        (or ``numerator`` and ``denominator``).
    catalog : pandas.DataFrame, optional
        Indicator catalog; defaults to :func:`disparities.catalog.indicator_catalog`.
    file : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        The validated table, columns in :data:`OBSERVATION_COLUMNS` order.

    Raises
    ------
    DataValidationError
        For a missing column, unknown indicator/dimension/group, bad geography
        id, numerator above denominator, a negative count, or a key given twice
        by one source (the same key from two sources is allowed: two series);
        the message names the row and column.

    Examples
    --------
    >>> t = pd.DataFrame({"geo_id": ["37063"], "indicator": ["low_birthweight"],
    ...     "period": ["2021"], "dimension": ["total"], "group": ["Total"],
    ...     "numerator": [50], "denominator": [40], "value": [125.0]})
    >>> try:
    ...     validate_observations(t)
    ... except DataValidationError as err:
    ...     print(err)
    file observations table, row 0, column 'numerator': numerator 50 is greater than denominator 40
    """
    from disparities.catalog import indicator_catalog

    required = [GEO_ID, INDICATOR, PERIOD, DIMENSION, GROUP]
    if not {NUMERATOR, DENOMINATOR} <= set(table.columns):
        required.append(VALUE)  # else computed from the counts
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DataValidationError(
            f"missing required column(s) {missing}; found {list(table.columns)}",
            file=file,
        )
    df = table.copy()
    for c in OBSERVATION_COLUMNS:
        if c not in df.columns:
            df[c] = np.nan
    df = df[OBSERVATION_COLUMNS]

    # geography ids: restore leading zeros lost by spreadsheets
    # (worked on distinct ids, then spread: millions of rows, thousands of ids)
    codes, uniq = pd.factorize(df[GEO_ID].astype(str), use_na_sentinel=False)
    geo = pd.Series(uniq, dtype=object).str.strip().str.replace(r"\.0$", "", regex=True)
    geo = geo.where(~geo.str.fullmatch(r"\d{4}"), geo.str.zfill(5))
    geo = geo.where(~geo.str.fullmatch(r"\d"), geo.str.zfill(2))
    uniq_geo = geo.to_numpy(dtype=object)
    geo = pd.Series(uniq_geo[codes], index=df.index, dtype=object)
    # every check on the distinct ids, spread to the rows by their codes
    ok_uniq = pd.Series(uniq_geo, dtype=object).str.fullmatch(_GEO_RE.pattern)
    bad = pd.Series(~ok_uniq.fillna(False).to_numpy(bool)[codes], index=df.index)
    if bad.any():
        _fail(
            f"geography id {geo[bad].iloc[0]!r} is not 'US', a 2-digit state FIPS, "
            "a 5-digit county FIPS or a district id (state FIPS + 'D' + code)",
            df,
            bad,
            GEO_ID,
            file,
        )
    df[GEO_ID] = geo
    level = df[GEO_LEVEL].astype("object")
    ug = pd.Series(uniq_geo, dtype=object)
    inferred = np.select(
        [
            ug.eq("US"),
            ug.str.len().eq(2),
            ug.str.contains("D", regex=False),
            ug.str.startswith("Z"),
        ],
        ["nation", "state", "district", "zcta"],
        default="county",
    )[codes]
    df[GEO_LEVEL] = level.where(level.notna() & level.isin(GEO_LEVELS), inferred)
    if df[STATE].isna().any():
        from disparities.geography import state_abbreviation_for_fips

        st = geo.map(  # once per distinct id: millions of rows, thousands of ids
            {
                g: (
                    "US"
                    if g == "US"
                    else (
                        "" if g.startswith("Z") else state_abbreviation_for_fips(g[:2])
                    )
                )
                for g in pd.unique(geo)
            }
        )
        df[STATE] = df[STATE].astype("object").where(df[STATE].notna(), st)

    names = df[GEO_NAME].astype("object")
    blank = names.isna() | names.astype(str).str.strip().eq("")
    if blank.any():
        from disparities.geography import county_table

        official = county_table().set_index("geo_id")["geo_name"].to_dict()
        found = {
            g: official.get(g) or _default_geo_name(g) for g in pd.unique(geo[blank])
        }
        df[GEO_NAME] = names.where(~blank, geo.map(found))

    cat = indicator_catalog() if catalog is None else catalog
    known = set(cat["indicator"])
    bad = ~df[INDICATOR].astype(str).isin(known)
    if bad.any():
        _fail(
            f"unknown indicator {df.loc[bad, INDICATOR].iloc[0]!r}; known: "
            f"{sorted(known)} (register new ones with disparities.register_indicator)",
            df,
            bad,
            INDICATOR,
            file,
        )
    bad = ~df[DIMENSION].isin(DIMENSIONS)
    if bad.any():
        _fail(
            f"unknown dimension {df.loc[bad, DIMENSION].iloc[0]!r}; expected {DIMENSIONS}",
            df,
            bad,
            DIMENSION,
            file,
        )
    dim_of = {g.label: g.dimension for g in GROUP_INFO}
    grp_dim = df[GROUP].astype("object").map(dim_of)
    bad = grp_dim.isna()
    if bad.any():
        _fail(
            f"unknown group {df.loc[bad, GROUP].iloc[0]!r}; canonical groups are "
            f"{GROUP_ORDER} (see disparities.harmonize for source labels)",
            df,
            bad,
            GROUP,
            file,
        )
    bad = grp_dim.ne(df[DIMENSION].astype("object"))
    if bad.any():
        _fail(
            f"group {df.loc[bad, GROUP].iloc[0]!r} does not belong to dimension "
            f"{df.loc[bad, DIMENSION].iloc[0]!r}",
            df,
            bad,
            GROUP,
            file,
        )

    # periods
    labels = df[PERIOD].astype(str)
    parsed = {}
    for lab in labels.unique():
        try:
            parsed[lab] = parse_period(lab)
        except ValueError as exc:
            _fail(str(exc), df, labels.eq(lab), PERIOD, file)
    for k, col in enumerate((PERIOD, PERIOD_START, PERIOD_END)):
        df[col] = labels.map({lab: p[k] for lab, p in parsed.items()})

    for c in (NUMERATOR, DENOMINATOR, VALUE, CI_LOWER, CI_UPPER, MOE):
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna() & df[c].notna()
        if bad.any():
            _fail(f"{df.loc[bad, c].iloc[0]!r} is not a number", df, bad, c, file)
        df[c] = num.astype("float64")
    for c in (NUMERATOR, DENOMINATOR):
        bad = df[c] < 0
        if bad.any():
            _fail(f"negative count {df.loc[bad, c].iloc[0]:g}", df, bad, c, file)
    # rates (catalog measure_type "rate") count events that can repeat (visits,
    # teen births per 1,000 girls): only they may exceed their denominator
    from disparities.catalog import indicator_catalog

    cat = indicator_catalog()
    repeats = set(cat.loc[cat["measure_type"] == "rate", "indicator"])
    bad = (df[NUMERATOR] > df[DENOMINATOR]) & ~df[INDICATOR].astype(str).isin(repeats)
    if bad.any():
        r = df.loc[bad].iloc[0]
        _fail(
            f"numerator {r[NUMERATOR]:g} is greater than denominator {r[DENOMINATOR]:g}",
            df,
            bad,
            NUMERATOR,
            file,
        )
    bad = (df[CI_LOWER] > df[CI_UPPER]) & df[CI_LOWER].notna()
    if bad.any():
        _fail("ci_lower is above ci_upper", df, bad, CI_LOWER, file)

    # one observation per key *and source*: two sources may publish the same
    # key (kept as separate series); one source may not publish it twice
    ident = IDENTITY_COLUMNS
    keys = df[ident].astype(object).where(df[ident].notna(), "").astype(str)
    dup = keys.duplicated(keep=False)
    if dup.any():
        numbers = [VALUE, NUMERATOR, DENOMINATOR]  # counts differ, values not yet made
        sub = df.loc[dup, numbers].copy()
        sub[ident] = keys[dup]
        grouped = sub.groupby(ident, dropna=False)[numbers]
        nvals = grouped.nunique(dropna=False).max(axis=1)
        conflicting = nvals[nvals > 1]
        if len(conflicting):
            key = conflicting.index[0]
            m = (keys == pd.Series(key, index=ident)).all(axis=1)
            rows = list(df.index[m])
            raise DataValidationError(
                f"duplicate key {dict(zip(ident, key, strict=True))} has different "
                f"values in rows {rows}",
                file=file,
                row=rows[1],
                column=VALUE,
            )
        raise DataValidationError(
            f"{int(keys.duplicated().sum())} exact duplicate rows (first at row "
            f"{df.index[keys.duplicated()][0]}); remove them or load each source once",
            file=file,
            row=df.index[keys.duplicated()][0],
        )
    return _coerce_dtypes(df).reset_index(drop=True)
