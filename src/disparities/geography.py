"""States and counties: FIPS codes, names and outlines, for every US state.

County names and outlines come from the ``bokeh-sampledata`` package, which
ships the Census Bureau's TIGER county boundaries offline (nothing is
downloaded at run time). Names match with or without "County"/"Parish", in
any case; an unknown name gets the closest names suggested.

Checking a name is fast: the county list (FIPS, names, state) is a small CSV in
the package data (``data/counties.csv``, written by
``scripts/make_county_list.py`` from the outlines), read with the standard
library, so :func:`find_county` and :func:`resolve_state` need neither pandas
nor the outlines. Outlines are read once per state and cached in memory
(:func:`county_outlines`).
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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
    "county_outlines",
    "CountyOutlines",
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


def state_table():
    """Return the states (and DC, Puerto Rico): ``state_fips, state, state_name``.

    Examples
    --------
    >>> state_table().set_index("state").loc["NC", "state_fips"]
    '37'
    """
    import pandas as pd

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


#: the shipped county list: ``geo_id, geo_name, short_name, state``
COUNTY_LIST_FILE = "data/counties.csv"
_COUNTY_FIELDS = ("geo_id", "geo_name", "short_name", "state")


def _county_rows_from_outlines() -> list[tuple[str, str, str, str]]:
    """The county list derived from the outlines (what the shipped CSV holds).

    Rows are ``(geo_id, geo_name, short_name, state)`` sorted by ``geo_id``;
    ``scripts/make_county_list.py`` writes them to :data:`COUNTY_LIST_FILE`.
    """
    rows = []
    for (sf, cf), rec in _county_records().items():
        detailed = rec["detailed_name"].rsplit(",", 1)[0]
        rows.append((f"{sf:02d}{cf:03d}", detailed, rec["name"], rec["state"].upper()))
    return sorted(rows)


@lru_cache(maxsize=1)
def _county_rows() -> tuple[tuple[str, str, str, str], ...]:
    """Every county, read from the shipped CSV (the outlines if it is missing)."""
    try:
        text = (
            resources.files("disparities")
            .joinpath(COUNTY_LIST_FILE)
            .read_text(encoding="utf-8")
        )
    except FileNotFoundError:  # a source tree without the generated file
        return tuple(_county_rows_from_outlines())
    reader = csv.reader(text.splitlines())
    header = tuple(next(reader))
    if header != _COUNTY_FIELDS:
        raise ValueError(
            f"{COUNTY_LIST_FILE}: header {header} is not {_COUNTY_FIELDS}; "
            "rebuild it with scripts/make_county_list.py"
        )
    return tuple(tuple(r) for r in reader)


@lru_cache(maxsize=64)
def _state_rows(state_fips: str | None) -> tuple[tuple[str, str, str, str], ...]:
    rows = _county_rows()
    if state_fips is None:
        return rows
    return tuple(r for r in rows if r[0][:2] == state_fips)


@lru_cache(maxsize=64)
def _name_lookup(state_fips: str) -> dict[str, str]:
    """Normalised name -> FIPS for one state (first county wins, FIPS order)."""
    lookup: dict[str, str] = {}
    for gid, full, short, _ in _state_rows(state_fips):
        lookup.setdefault(normalise_place_name(full), gid)
        lookup.setdefault(full.lower(), gid)
        lookup.setdefault(normalise_place_name(short), gid)
    return lookup


def county_table(state: str | None = None):
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
    import pandas as pd

    fips = None if state is None else resolve_state(state)[0]
    return pd.DataFrame(list(_state_rows(fips)), columns=list(_COUNTY_FIELDS))


def county_name_for_fips(geo_id: str) -> str:
    """ "Durham County" for ``"37063"`` ('' when unknown).

    Examples
    --------
    >>> county_name_for_fips("37063")
    'Durham County'
    """
    gid = str(geo_id)
    for row in _state_rows(gid[:2]):
        if row[0] == gid:
            return row[1]
    return ""


def match_county_names(names, state: str):
    """Map county names to 5-digit FIPS within one state (missing where unknown).

    Matching ignores case, extra spaces and a trailing "County"/"Parish"; a name
    that also matches "X city" (Virginia's independent cities) matches the county
    unless the word "city" is given.

    Examples
    --------
    >>> match_county_names(["durham", "WAKE COUNTY", "Nowhere"], "NC").tolist()
    ['37063', '37183', nan]
    """
    import numpy as np
    import pandas as pd

    lookup = _name_lookup(resolve_state(state)[0])
    values = pd.Series(list(names), dtype="object")
    return values.map(lambda n: lookup.get(normalise_place_name(n), np.nan))


def find_county(name: str, state: str) -> tuple[str, str]:
    """Return ``(geo_id, geo_name)`` for one county, or raise with suggestions.

    Needs only the small county list (no pandas, no outlines), so a misspelt
    name is answered at once.

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
    fips, abbr, _ = resolve_state(state)
    gid = _name_lookup(fips).get(normalise_place_name(name))
    if gid is not None:
        return gid, county_name_for_fips(gid)
    close = difflib.get_close_matches(
        normalise_place_name(name).title(),
        [row[2] for row in _state_rows(fips)],
        n=3,
        cutoff=0.4,
    )
    hint = f"; closest: {', '.join(close)}" if close else ""
    elsewhere = _states_with_county(name, but=fips)
    if elsewhere:
        hint += (
            f"; a county of that name is in {', '.join(elsewhere)}: check --state "
            "(with --data it must name the files' state)"
        )
    raise UnknownPlaceError(f"no county {name!r} in {abbr}{hint}")


def _states_with_county(name: str, *, but: str) -> list[str]:
    """States (abbreviations) other than ``but`` with a county of this name.

    >>> _states_with_county("Durham", but="51")
    ['NC']
    """
    key = normalise_place_name(name)
    found = []
    for fips, abbr, _ in _STATES:
        if fips != but and key in _name_lookup(fips):
            found.append(abbr)
    return found[:5]


@dataclass(frozen=True, eq=False)
class CountyOutlines:
    """One state's county outlines as plain coordinate arrays, read once.

    Coordinates are longitude/latitude degrees (NAD83, as the Census ships them);
    maps draw them with :attr:`aspect` so a degree of longitude is as long as it
    is on the ground at the state's latitude.

    Attributes
    ----------
    state_fips : str
        Two-digit state FIPS.
    geo_ids, geo_names : tuple of str
        The state's counties in FIPS order (as :func:`county_table`).
    rings : tuple of tuple of numpy.ndarray
        Per county, its polygon outlines, each an ``(n, 2)`` read-only array of
        ``(lon, lat)`` whose last point repeats the first.
    aspect : float
        ``1 / cos(latitude of the state's area centroid)``.
    bounds : tuple of float
        ``(min lon, min lat, max lon, max lat)``.
    """

    state_fips: str
    geo_ids: tuple
    geo_names: tuple
    rings: tuple
    aspect: float
    bounds: tuple

    def position(self, geo_id: str) -> int:
        """Index of ``geo_id`` in :attr:`geo_ids` (``-1`` when not in the state)."""
        try:
            return self.geo_ids.index(str(geo_id))
        except ValueError:
            return -1

    def label_point(self, geo_id: str) -> tuple[float, float]:
        """A point inside the county's largest part (for a label)."""
        from shapely.geometry import Polygon

        rings = self.rings[self.position(geo_id)]
        largest = max(rings, key=lambda r: abs(_ring_area(r)))
        pt = Polygon(largest).representative_point()
        return float(pt.x), float(pt.y)


def _ring_area(ring) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float((x[:-1] * y[1:] - x[1:] * y[:-1]).sum())


def _state_exteriors(abbr: str) -> dict[str, list]:
    """Polygon exteriors per county FIPS for one state, read from its rows only.

    ``bokeh_sampledata.us_counties.records(state)`` reads one state's rows from
    the package's SQLite file (about 0.02 s) where the legacy ``data`` dict
    decodes the whole country (about 0.3 s); the exteriors are the same
    coordinates the legacy arrays hold (holes omitted, duplicate FIPS rows: the
    last wins, as there).
    """
    from bokeh_sampledata.us_counties import records

    out: dict[str, list] = {}
    for rec in records(state=abbr):
        geom = rec["geometry"]
        polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
        out[rec["fips"]] = [p.exterior.coords for p in polys]
    return out


@lru_cache(maxsize=64)
def _outlines_cached(fips: str) -> CountyOutlines:
    import numpy as np

    rows = _state_rows(fips)
    exteriors = _state_exteriors(state_abbreviation_for_fips(fips))
    all_rings = []
    for gid, *_ in rows:
        rings = []
        for part in exteriors.get(gid, ()):
            part = np.asarray(part, dtype=float)
            if len(part) < 3 or np.isnan(part).any():
                continue
            if not np.array_equal(part[0], part[-1]):
                part = np.vstack([part, part[:1]])
            part.setflags(write=False)
            rings.append(part)
        all_rings.append(tuple(rings))
    # area centroid of the whole state (shoelace), for the map's aspect ratio
    area = cy = 0.0
    for rings in all_rings:
        for r in rings:
            x, y = r[:, 0], r[:, 1]
            cross = x[:-1] * y[1:] - x[1:] * y[:-1]
            area += cross.sum() / 2
            cy += ((y[:-1] + y[1:]) * cross).sum() / 6
    lat = cy / area if area else 0.0
    stacked = np.vstack([r for rings in all_rings for r in rings])
    lo, hi = stacked.min(axis=0), stacked.max(axis=0)
    return CountyOutlines(
        state_fips=fips,
        geo_ids=tuple(r[0] for r in rows),
        geo_names=tuple(r[1] for r in rows),
        rings=tuple(all_rings),
        aspect=float(1 / np.cos(np.deg2rad(lat))),
        bounds=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
    )


def county_outlines(state: str) -> CountyOutlines:
    """Return one state's county outlines, read and prepared once per process.

    The same (immutable) object is returned on every call, so charts that draw
    the state many times share one copy of the coordinates.

    Parameters
    ----------
    state : str
        Abbreviation, name or FIPS.

    Returns
    -------
    CountyOutlines

    Examples
    --------
    >>> nc = county_outlines("NC")
    >>> len(nc.geo_ids), nc.geo_ids[nc.position("37063")], nc is county_outlines("37")
    (100, '37063', True)
    """
    return _outlines_cached(resolve_state(state)[0])


@lru_cache(maxsize=16)
def _geometries_cached(fips: str):
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, Polygon

    out = _outlines_cached(fips)
    geoms = []
    for rings in out.rings:
        polys = [Polygon(r) for r in rings]
        geoms.append(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    table = county_table(fips)
    gdf = gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4326")
    gdf.attrs["state_fips"] = fips
    return gdf


def county_geometries(state: str):
    """Return county outlines for one state as a GeoDataFrame (EPSG:4326).

    The outlines are Census TIGER boundaries as shipped by ``bokeh-sampledata``;
    no network access is needed. Built once per state from
    :func:`county_outlines`; each call returns a copy.

    Returns
    -------
    geopandas.GeoDataFrame
        ``geo_id, geo_name, short_name, state, geometry``.
    """
    return _geometries_cached(resolve_state(state)[0]).copy()


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


def state_place_ids(names):
    """State FIPS for each name that is a state row (any spelling), else NaN.

    Examples
    --------
    >>> state_place_ids(["Commonwealth Of Virginia", "Albemarle County"]).tolist()
    ['51', nan]
    """
    import numpy as np
    import pandas as pd

    names = pd.Series(names)
    uniq = {n: state_from_place_name(n) for n in pd.unique(names.astype(str))}
    return (
        names.astype(str)
        .map(lambda n: uniq[n][0] if uniq[n] is not None else np.nan)
        .astype(object)
    )
