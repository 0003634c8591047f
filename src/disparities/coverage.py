"""What a loaded table can and cannot say about a place, in plain sentences.

Real files rarely hold everything: KIDS COUNT state files have state rows
only, SAIPE has no group breakdown, County Health Rankings has no counts by
group. :func:`describe_coverage` says so in words, so a notebook or a report
can explain a missing chart instead of failing on it.
"""

from __future__ import annotations

import pandas as pd

from disparities import schema as s

__all__ = ["describe_coverage"]


def _periods(rows: pd.DataFrame) -> str:
    """ "2019", "2015-2019, 2016-2020" or "2000 to 2019 (20 periods)"."""
    order = rows.drop_duplicates(s.PERIOD).sort_values([s.PERIOD_START, s.PERIOD_END])
    labels = order[s.PERIOD].astype(str).tolist()
    if len(labels) > 4:
        return f"{labels[0]} to {labels[-1]} ({len(labels)} periods)"
    return ", ".join(labels)


_DIM_WORDS = {"race_ethnicity": "by race/ethnicity", "income": "by income"}


def _indicator_sentence(ind: str, rows: pd.DataFrame) -> str:
    """One sentence on one outcome indicator's rows for one place."""
    from disparities.catalog import get_indicator

    label = get_indicator(ind).label
    dims = rows[s.DIMENSION].astype(str)
    parts, most = [], 0
    for dim in ("race_ethnicity", "income", "total"):
        sub = rows[dims == dim]
        if len(sub):
            parts.append(f"{_DIM_WORDS.get(dim, 'overall')} {_periods(sub)}")
            most = max(most, sub[s.PERIOD].nunique())
    lacks = []
    if set(dims) <= {"total"}:
        lacks.append("no group breakdown (overall value only)")
    if rows[s.NUMERATOR].isna().all() and rows[s.DENOMINATOR].isna().all():
        lacks.append("no counts")
    if rows[s.CI_LOWER].isna().all() and rows[s.MOE].isna().all():
        lacks.append("no confidence intervals")
    if most == 1:
        lacks.append("one period only, so no trend")
    if rows[s.SUPPRESSED].astype(bool).all():
        lacks.append("every value hidden by the source")
    text = f"{label}: {'; '.join(parts)}"
    return text + (f". Lacks: {'; '.join(lacks)}." if lacks else ".")


def describe_coverage(table: pd.DataFrame, geo_id: str) -> list[str]:
    """Plain sentences on what ``table`` holds for one place, and what it lacks.

    Parameters
    ----------
    table : pandas.DataFrame
        A loaded tidy table (any subset of sources; may be empty).
    geo_id : str
        The place (a county FIPS, a state FIPS...).

    Returns
    -------
    list of str
        First what the whole table covers (levels, sources), then, for the
        place (or, when it has no rows, its state), one sentence per outcome
        indicator ("Low birthweight: by race/ethnicity 2014-2020; overall
        2014-2020. Lacks: no counts; ..."), and one on the context rows (population, age, race
        make-up) that group sizes and peers need.

    Examples
    --------
    >>> t = pd.DataFrame({"geo_id": ["37"], "indicator": ["child_poverty"],
    ...     "period": ["2019"], "dimension": ["race_ethnicity"], "group": ["Black"],
    ...     "value": [32.0]})
    >>> for line in describe_coverage(t, "37063"):
    ...     print(line)
    The data hold state rows only (no county rows).
    No rows for 37063; shown instead: its state (37).
    Children in poverty: by race/ethnicity 2019. Lacks: no counts; no confidence intervals; one period only, so no trend.
    No context rows (population, children, race make-up): group sizes and peers cannot be estimated from these data.
    """
    from disparities.catalog import context_indicator_ids
    from disparities.select import parent_geo_id

    if table is None or len(table) == 0:
        return ["No data loaded: give at least one file."]
    t = s.validate_observations(table) if s.PERIOD_START not in table else table
    lines = []
    levels = set(t[s.GEO_LEVEL].astype(str))
    if levels <= {"state", "nation"}:
        lines.append(
            "The data hold "
            + ("state rows only" if "state" in levels else "national rows only")
            + " (no county rows)."
        )
    sources = sorted(set(t[s.SOURCE].astype(str)) - {"", "nan"})
    if len(sources) > 1:
        lines.append(f"Sources: {'; '.join(sources)} (each kept as its own series).")
    gid = str(geo_id)
    here = t[t[s.GEO_ID].astype(str) == gid]
    if here.empty:
        parent = parent_geo_id(gid)
        here = t[t[s.GEO_ID].astype(str) == parent]
        if here.empty:
            lines.append(f"No rows for {gid} or its state ({parent}).")
            return lines
        lines.append(f"No rows for {gid}; shown instead: its state ({parent}).")
    context = here[s.INDICATOR].astype(str).isin(context_indicator_ids())
    outcomes = here[~context]
    for ind, rows in outcomes.groupby(outcomes[s.INDICATOR].astype(str)):
        lines.append(_indicator_sentence(ind, rows))
    if outcomes.empty:
        lines.append("No outcome indicators for this place.")
    ctx = sorted(set(here.loc[context, s.INDICATOR].astype(str)))
    if ctx:
        lines.append(f"Context rows: {', '.join(ctx)}.")
    else:
        lines.append(
            "No context rows (population, children, race make-up): group sizes "
            "and peers cannot be estimated from these data."
        )
    return lines
