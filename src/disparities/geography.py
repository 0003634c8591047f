"""States and counties: FIPS codes, names and outlines, for every US state.

County names and outlines come from the ``bokeh-sampledata`` package, which
ships the Census Bureau's TIGER county boundaries offline (nothing is
downloaded at run time). Names match with or without "County"/"Parish", in
any case; an unknown name gets the closest names suggested.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = [
    "UnknownPlaceError",
    "state_table",
    "resolve_state",
    "state_abbreviation_for_fips",
    "county_table",
    "find_county",
    "county_name_for_fips",
    "match_county_names",
    "normalise_place_name",
    "county_geometries",
]

_STATES = [
    ("01", "AL", "Alabama"),
    ("02", "AK", "Alaska"),
    ("04", "AZ", "Arizona"),
    ("05", "AR", "Arkansas"),
    ("06", "CA", "California"),
    ("08", "CO", "Colorado"),
    ("09", "CT", "Connecticut"),
    ("10", "DE", "Delaware"),
    ("11", "DC", "District of Columbia"),
    ("12", "FL", "Florida"),
    ("13", "GA", "Georgia"),
    ("15", "HI", "Hawaii"),
    ("16", "ID", "Idaho"),
    ("17", "IL", "Illinois"),
    ("18", "IN", "Indiana"),
    ("19", "IA", "Iowa"),
    ("20", "KS", "Kansas"),
    ("21", "KY", "Kentucky"),
    ("22", "LA", "Louisiana"),
    ("23", "ME", "Maine"),
    ("24", "MD", "Maryland"),
    ("25", "MA", "Massachusetts"),
    ("26", "MI", "Michigan"),
    ("27", "MN", "Minnesota"),
    ("28", "MS", "Mississippi"),
    ("29", "MO", "Missouri"),
    ("30", "MT", "Montana"),
    ("31", "NE", "Nebraska"),
    ("32", "NV", "Nevada"),
    ("33", "NH", "New Hampshire"),
    ("34", "NJ", "New Jersey"),
    ("35", "NM", "New Mexico"),
    ("36", "NY", "New York"),
    ("37", "NC", "North Carolina"),
    ("38", "ND", "North Dakota"),
    ("39", "OH", "Ohio"),
    ("40", "OK", "Oklahoma"),
    ("41", "OR", "Oregon"),
    ("42", "PA", "Pennsylvania"),
    ("44", "RI", "Rhode Island"),
    ("45", "SC", "South Carolina"),
    ("46", "SD", "South Dakota"),
    ("47", "TN", "Tennessee"),
    ("48", "TX", "Texas"),
    ("49", "UT", "Utah"),
    ("50", "VT", "Vermont"),
    ("51", "VA", "Virginia"),
    ("53", "WA", "Washington"),
    ("54", "WV", "West Virginia"),
    ("55", "WI", "Wisconsin"),
    ("56", "WY", "Wyoming"),
    ("72", "PR", "Puerto Rico"),
]


class UnknownPlaceError(KeyError):
    """A state or county name that matches nothing; the message suggests names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def state_table() -> pd.DataFrame:
    """Return the states (and DC, Puerto Rico): ``state_fips, state, state_name``.

    Examples
    --------
    >>> state_table().set_index("state").loc["NC", "state_fips"]
    '37'
    """
    return pd.DataFrame(_STATES, columns=["state_fips", "state", "state_name"])


def resolve_state(state: str) -> tuple[str, str, str]:
    """Return ``(fips, abbreviation, name)`` for a state given any of the three.

    Examples
    --------
    >>> resolve_state("north carolina")
    ('37', 'NC', 'North Carolina')
    >>> resolve_state("37")[1]
    'NC'
    """
    s = str(state).strip()
    for fips, abbr, name in _STATES:
        if s.upper() == abbr or s.zfill(2) == fips or s.lower() == name.lower():
            return fips, abbr, name
    names = [n for _, _, n in _STATES] + [a for _, a, _ in _STATES]
    close = difflib.get_close_matches(s, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownPlaceError(f"unknown state {state!r}{hint}")


def state_abbreviation_for_fips(fips: str) -> str:
    """Return the postal abbreviation for a 2-digit state FIPS (``''`` if unknown)."""
    for f, abbr, _ in _STATES:
        if f == fips:
            return abbr
    return ""


_SUFFIX = re.compile(
    r"\s+(county|parish|borough|census area|city and borough|municipality|municipio)$"
)


def normalise_place_name(name: str) -> str:
    """Lower-case a place name and drop a trailing "County"/"Parish"/... word.

    Examples
    --------
    >>> normalise_place_name("  DURHAM County ")
    'durham'
    >>> normalise_place_name("St. Louis city")
    'saint louis city'
    >>> normalise_place_name("Do\u00f1a Ana County")
    'dona ana'
    """
    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"\s+", " ", s.strip().lower())
    s = s.replace("st. ", "saint ").replace("ste. ", "sainte ")
    s = _SUFFIX.sub("", s)
    return s


@lru_cache(maxsize=1)
def _county_records():
    from bokeh_sampledata.us_counties import data

    return data


@lru_cache(maxsize=64)
def _county_table_cached(state_fips: str | None) -> pd.DataFrame:
    rows = []
    for (sf, cf), rec in _county_records().items():
        sfips = f"{sf:02d}"
        if state_fips is not None and sfips != state_fips:
            continue
        detailed = rec["detailed_name"].rsplit(",", 1)[0]
        rows.append((f"{sfips}{cf:03d}", detailed, rec["name"], rec["state"].upper()))
    df = pd.DataFrame(rows, columns=["geo_id", "geo_name", "short_name", "state"])
    return df.sort_values("geo_id").reset_index(drop=True)


def county_table(state: str | None = None) -> pd.DataFrame:
    """Return counties (and county equivalents) with FIPS and names.

    Parameters
    ----------
    state : str, optional
        Limit to one state (abbreviation, name or FIPS).

    Returns
    -------
    pandas.DataFrame
        ``geo_id`` (5-character FIPS), ``geo_name`` ("Durham County"),
        ``short_name`` ("Durham"), ``state`` ("NC").

    Examples
    --------
    >>> nc = county_table("NC")
    >>> len(nc), nc.loc[nc.short_name == "Durham", "geo_id"].item()
    (100, '37063')
    """
    fips = None if state is None else resolve_state(state)[0]
    return _county_table_cached(fips).copy()


def county_name_for_fips(geo_id: str) -> str:
    """ "Durham County" for ``"37063"`` ('' when unknown).

    Examples
    --------
    >>> county_name_for_fips("37063")
    'Durham County'
    """
    table = _county_table_cached(str(geo_id)[:2])
    hit = table.loc[table["geo_id"] == str(geo_id), "geo_name"]
    return str(hit.iloc[0]) if len(hit) else ""


def match_county_names(names, state: str) -> pd.Series:
    """Map county names to 5-digit FIPS within one state (missing where unknown).

    Matching ignores case, extra spaces and a trailing "County"/"Parish"; a name
    that also matches "X city" (Virginia's independent cities) matches the county
    unless the word "city" is given.

    Examples
    --------
    >>> match_county_names(["durham", "WAKE COUNTY", "Nowhere"], "NC").tolist()
    ['37063', '37183', nan]
    """
    table = county_table(state)
    lookup: dict[str, str] = {}
    for gid, full, short in table[["geo_id", "geo_name", "short_name"]].itertuples(
        index=False
    ):
        lookup.setdefault(normalise_place_name(full), gid)
        lookup.setdefault(full.lower(), gid)
        lookup.setdefault(normalise_place_name(short), gid)
    values = pd.Series(list(names), dtype="object")
    return values.map(lambda n: lookup.get(normalise_place_name(n), np.nan))


def find_county(name: str, state: str) -> tuple[str, str]:
    """Return ``(geo_id, geo_name)`` for one county, or raise with suggestions.

    Raises
    ------
    UnknownPlaceError
        When nothing matches; the message lists the closest county names.

    Examples
    --------
    >>> find_county("durham", "NC")
    ('37063', 'Durham County')
    >>> try:
    ...     find_county("Durhm", "NC")
    ... except UnknownPlaceError as err:
    ...     print(err)
    no county 'Durhm' in NC; closest: Durham, Graham, Dare
    """
    fips = match_county_names([name], state).iloc[0]
    table = county_table(state)
    if isinstance(fips, str):
        return fips, table.loc[table.geo_id == fips, "geo_name"].item()
    abbr = resolve_state(state)[1]
    close = difflib.get_close_matches(
        normalise_place_name(name).title(),
        table["short_name"].tolist(),
        n=3,
        cutoff=0.4,
    )
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise UnknownPlaceError(f"no county {name!r} in {abbr}{hint}")


def county_geometries(state: str):
    """Return county outlines for one state as a GeoDataFrame (EPSG:4326).

    The outlines are Census TIGER boundaries as shipped by ``bokeh-sampledata``;
    no network access is needed.

    Returns
    -------
    geopandas.GeoDataFrame
        ``geo_id, geo_name, short_name, state, geometry``.
    """
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, Polygon

    fips = resolve_state(state)[0]
    records = _county_records()
    table = county_table(state)
    geoms = []
    for gid in table["geo_id"]:
        rec = records[(int(gid[:2]), int(gid[2:]))]
        lons = np.asarray(rec["lons"], dtype=float)
        lats = np.asarray(rec["lats"], dtype=float)
        breaks = np.flatnonzero(np.isnan(lons))
        parts = np.split(np.arange(len(lons)), breaks)
        polys = []
        for idx in parts:
            idx = idx[~np.isnan(lons[idx])]
            if len(idx) >= 3:
                polys.append(Polygon(zip(lons[idx], lats[idx], strict=True)))
        geoms.append(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    gdf = gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4326")
    gdf.attrs["state_fips"] = fips
    return gdf


_STATE_WORDS = re.compile(
    r"^(?:the\s+)?(?:(?:commonwealth|state)\s+of\s+(?:the\s+)?)?(?P<name>.+?)"
    r"(?:\s+state)?(?:\s*\(state\))?$",
    re.I,
)


def state_from_place_name(name) -> tuple[str, str, str] | None:
    """Return ``(fips, abbreviation, name)`` when a place name is a state, else None.

    Accepts the spellings sources use for a state row: any case, "Commonwealth
    of ...", "State of ...", a trailing "State" or "(state)", the postal
    abbreviation. "Washington" alone is the state; a county-like name
    ("Durham County") is not a state.

    Examples
    --------
    >>> state_from_place_name("Commonwealth Of Virginia")
    ('51', 'VA', 'Virginia')
    >>> state_from_place_name("STATE OF NORTH CAROLINA")[1]
    'NC'
    >>> state_from_place_name("Albemarle County") is None
    True
    """
    text = re.sub(r"\s+", " ", str(name).strip())
    if not text:
        return None
    candidates = [text]
    m = _STATE_WORDS.match(text)
    if m:
        candidates.append(m.group("name").strip())
    for cand in candidates:
        for fips, abbr, full in _STATES:
            if cand.lower() == full.lower() or (
                len(cand) == 2 and cand.upper() == abbr
            ):
                return fips, abbr, full
    return None


def state_place_ids(names) -> pd.Series:
    """State FIPS for each name that is a state row (any spelling), else NaN.

    Examples
    --------
    >>> state_place_ids(["Commonwealth Of Virginia", "Albemarle County"]).tolist()
    ['51', nan]
    """
    names = pd.Series(names)
    uniq = {n: state_from_place_name(n) for n in pd.unique(names.astype(str))}
    return (
        names.astype(str)
        .map(lambda n: uniq[n][0] if uniq[n] is not None else np.nan)
        .astype(object)
    )
