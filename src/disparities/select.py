"""Picking rows from a tidy table: a place, an indicator, the latest period."""

from __future__ import annotations

import pandas as pd

from disparities import schema as s

__all__ = ["latest_period", "outcome_rows", "parent_geo_id", "rows_for"]


def outcome_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of outcome indicators (context rows such as population left out).

    Context indicators (catalog ``role="context"``) describe a place; the
    engine compares only outcomes. Returns ``table`` itself when it has no
    context rows.

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["population", "low_birthweight"]})
    >>> outcome_rows(t)["indicator"].tolist()
    ['low_birthweight']
    """
    from disparities.catalog import context_indicator_ids

    is_context = table[s.INDICATOR].astype(str).isin(context_indicator_ids())
    return table if not is_context.any() else table[~is_context]


def parent_geo_id(geo_id: str) -> str:
    """The geography one level up: a county's state, a state's nation.

    Examples
    --------
    >>> parent_geo_id("37063"), parent_geo_id("37")
    ('37', 'US')
    """
    g = str(geo_id)
    return g[:2] if len(g) == 5 else "US"


def latest_period(
    table: pd.DataFrame, indicator: str, geo_id: str | None = None
) -> str:
    """The most recent period with any shown value for an indicator (and place).

    Raises
    ------
    KeyError
        When the table has no value for the indicator there.
    """
    sub = table[table[s.INDICATOR].astype(str) == indicator]
    if geo_id is not None:
        sub = sub[sub[s.GEO_ID].astype(str) == str(geo_id)]
    sub = sub[sub[s.VALUE].notna()]
    if sub.empty:
        raise KeyError(
            f"no values for {indicator!r}" + (f" in {geo_id}" if geo_id else "")
        )
    last = sub.sort_values([s.PERIOD_END, s.PERIOD_START]).iloc[-1]
    return str(last[s.PERIOD])


def rows_for(
    table: pd.DataFrame,
    *,
    geo_id=None,
    indicator=None,
    period=None,
    dimension=None,
) -> pd.DataFrame:
    """Rows matching every given key (``geo_id`` may be a list)."""
    m = pd.Series(True, index=table.index)
    if geo_id is not None:
        ids = [geo_id] if isinstance(geo_id, str) else list(geo_id)
        m &= table[s.GEO_ID].astype(str).isin([str(g) for g in ids])
    if indicator is not None:
        m &= table[s.INDICATOR].astype(str) == indicator
    if period is not None:
        m &= table[s.PERIOD].astype(str) == str(period)
    if dimension is not None:
        m &= table[s.DIMENSION].astype(str) == dimension
    return table[m]
