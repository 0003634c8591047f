"""A column-mapping file: how a tidy file's own column names map onto ours.

A small TOML (or JSON) file with up to three tables::

    # our column = your column
    [columns]
    geo_name = "locality"
    period = "year"
    group = "group"
    numerator = "number"
    value = "percent"

    # values for the whole file
    [constants]
    indicator = "low_birthweight"
    source = "Virginia Department of Health (via UVA Equity Center)"
    period_years = 1        # 5 when each year is the end of a 5-year estimate

    # your group label = our canonical group
    [groups]
    white = "White alone (incl. Hispanic)"

:func:`read_column_map` turns it into the options of
:func:`disparities.sources.tidy.load_tidy`.
"""

from __future__ import annotations

import json
from pathlib import Path

from disparities import schema as s
from disparities.schema import DataValidationError

__all__ = ["read_column_map", "MAP_COLUMNS", "MAP_CONSTANTS"]

#: Our columns a mapping may name (the tidy table's columns).
MAP_COLUMNS = [
    s.GEO_ID,
    s.GEO_NAME,
    s.INDICATOR,
    s.PERIOD,
    s.GROUP,
    s.NUMERATOR,
    s.DENOMINATOR,
    s.VALUE,
    s.CI_LOWER,
    s.CI_UPPER,
    s.MOE,
]
#: Constants a mapping may set for the whole file.
MAP_CONSTANTS = ["indicator", "source", "period", "period_years", "state"]


def _read(path: Path) -> dict:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataValidationError(
                f"not valid JSON: {exc.msg}", file=path, row=exc.lineno
            ) from exc
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(f"not a valid TOML file: {exc}", file=path) from exc


def read_column_map(path) -> dict:
    """Read a column-mapping file into ``load_tidy`` options.

    Parameters
    ----------
    path : str or Path
        A ``.toml`` (or ``.json``) file with tables ``columns`` (our column =
        your column), optional ``constants`` (``indicator``, ``source``,
        ``period``, ``period_years``, ``state``) and optional ``groups`` (your
        label = our canonical group).

    Returns
    -------
    dict
        ``mapping``, and when given ``indicator``, ``source_name``,
        ``constants`` (``period``), ``period_years``, ``state`` and
        ``group_overrides`` (label -> ``(dimension, group)``).

    Raises
    ------
    DataValidationError
        For an unknown column, constant or group, naming the file and the key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
    >>> _ = p.write_text('[columns]\\nvalue = "Rate"\\n[groups]\\nwhite = "White"\\n')
    >>> read_column_map(p)
    {'mapping': {'value': 'Rate'}, 'group_overrides': {'white': ('race_ethnicity', 'White')}}
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such mapping file: {p}")
    raw = _read(p)
    unknown = sorted(set(raw) - {"columns", "constants", "groups"})
    if unknown:
        raise DataValidationError(
            f"unknown section(s) {unknown}; use [columns], [constants], [groups]",
            file=p,
            column=unknown[0],
        )
    columns = {str(k): str(v) for k, v in raw.get("columns", {}).items()}
    bad = [k for k in columns if k not in MAP_COLUMNS]
    if bad:
        raise DataValidationError(
            f"[columns] names {bad}, which are not our columns; use {MAP_COLUMNS}",
            file=p,
            column=bad[0],
        )
    options: dict = {"mapping": columns}
    constants = dict(raw.get("constants", {}))
    bad = [k for k in constants if k not in MAP_CONSTANTS]
    if bad:
        raise DataValidationError(
            f"[constants] has {bad}; known constants are {MAP_CONSTANTS}",
            file=p,
            column=bad[0],
        )
    if "indicator" in constants:
        options["indicator"] = str(constants["indicator"])
    if "source" in constants:
        options["source_name"] = str(constants["source"])
    if "period" in constants:
        options["constants"] = {s.PERIOD: str(constants["period"])}
    if "period_years" in constants:
        years = constants["period_years"]
        if not isinstance(years, int) or years < 1:
            raise DataValidationError(
                f"period_years must be a whole number of years, not {years!r}",
                file=p,
                column="period_years",
            )
        options["period_years"] = years
    if "state" in constants:
        options["state"] = str(constants["state"])
    groups = raw.get("groups", {})
    if groups:
        dim_of = {g.label: g.dimension for g in s.GROUP_INFO}
        bad = [v for v in groups.values() if v not in dim_of]
        if bad:
            raise DataValidationError(
                f"[groups] maps to {bad!r}, not a canonical group; use one of "
                f"{s.GROUP_ORDER}",
                file=p,
                column=str(bad[0]),
            )
        options["group_overrides"] = {str(k): (dim_of[v], v) for k, v in groups.items()}
    return options
