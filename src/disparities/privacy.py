"""Small-number protection: primary and complementary cell suppression.

A count of fewer than :data:`DEFAULT_THRESHOLD` (10) events is hidden
("primary suppression", the common rule of state vital-statistics offices and of
the CDC WONDER data use agreement). Hiding one cell is not enough when the
table also holds a sum it belongs to: the hidden count is then the sum minus
the cells that are shown. :func:`protect_small_numbers` finds every such
*additive relation* in a tidy table and hides further cells
("complementary suppression") until no relation has exactly one hidden cell:

* **groups**: the total of a place x indicator x period and the groups of one
  dimension (``total = sum of groups``);
* **geographies**: a state and its counties, the nation and its states, for the
  same indicator x period x group (``state = sum of counties``);
* **periods**: a pooled span and the single years inside it, for the same place
  x indicator x group (``2013-2015 = 2013 + 2014 + 2015``).

A cell's count is its numerator or, when only a value and a denominator are
given, the count they imply (``value x denominator / multiplier``); a value with
a denominator is therefore protected like a count.

The rules are conservative: relations are assumed to add up exactly even where
groups overlap, and the complement hidden is the smallest shown count of the
relation (a total only when no member can be hidden). A source's own suppression
is respected and never undone. See also: Federal Committee on Statistical
Methodology, *Statistical Policy Working Paper 22: Report on Statistical
Disclosure Limitation Methodology* (2005), ch. 4 (cell suppression).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = [
    "DEFAULT_THRESHOLD",
    "COUNTED_MEASURE_TYPES",
    "implied_counts",
    "suppression_relations",
    "protect_small_numbers",
]

#: Counts below this are hidden unless the caller chooses another threshold.
DEFAULT_THRESHOLD = 10
#: Measure types whose values rest on counted events (surveys are judged by
#: their relative standard error instead, see :mod:`disparities.reliability`).
COUNTED_MEASURE_TYPES = ("proportion", "rate")

_PRIMARY = "suppressed: fewer than {t:g} events"
_COMPLEMENT = {
    "groups": "suppressed: hidden so a small group's count cannot be worked out "
    "from the total",
    "geography": "suppressed: hidden so a small count cannot be worked out from "
    "the state (or national) total",
    "periods": "suppressed: hidden so a small count cannot be worked out from the "
    "pooled years",
}


def implied_counts(table: pd.DataFrame) -> np.ndarray:
    """Return each row's event count: the numerator, else value x denominator.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table with ``indicator``, ``numerator``, ``denominator``, ``value``.

    Returns
    -------
    numpy.ndarray
        Counts (float, rounded when implied), NaN where none can be worked out.

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["low_birthweight"] * 2,
    ...     "numerator": [np.nan, 12.0], "denominator": [80.0, 100.0],
    ...     "value": [5.0, 12.0]})
    >>> implied_counts(t).tolist()
    [4.0, 12.0]
    """
    from disparities.reliability import indicator_properties

    mult = indicator_properties(table)["multiplier"].to_numpy(float)
    x = table[s.NUMERATOR].to_numpy(float)
    n = table[s.DENOMINATOR].to_numpy(float)
    v = table[s.VALUE].to_numpy(float)
    with np.errstate(invalid="ignore"):
        implied = np.round(v * n / mult)
    return np.where(np.isnan(x), implied, x)


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """A group number per row for the given key columns (NaN-safe)."""
    return (
        frame.groupby(list(frame.columns), sort=False, observed=True)
        .ngroup()
        .to_numpy()
    )


def suppression_relations(table: pd.DataFrame) -> pd.DataFrame:
    """List the additive relations among the rows of a tidy table.

    Returns
    -------
    pandas.DataFrame
        One row per (relation, member): ``relation`` (an id), ``pos`` (row
        position in ``table``), ``is_total`` and ``kind`` (``groups``,
        ``geography`` or ``periods``). Only relations that have a total row and
        at least one member are listed.
    """
    geo = table[s.GEO_ID].astype(str).to_numpy()
    level = _levels(table, geo)
    ind = table[s.INDICATOR].astype(str).to_numpy()
    period = table[s.PERIOD].astype(str).to_numpy()
    dim = table[s.DIMENSION].astype(str).to_numpy()
    grp = table[s.GROUP].astype(str).to_numpy()
    start, end = _years(table, period)
    pos = np.arange(len(table))
    parts = []

    # groups: total of a place x indicator x period, and each dimension's groups
    is_total = dim == "total"
    dims = sorted(set(dim[~is_total]))
    for d in dims:
        rows = (dim == d) | is_total
        kf = pd.DataFrame({"g": geo[rows], "i": ind[rows], "p": period[rows]})
        _append(parts, "groups", _codes(kf), pos[rows], is_total[rows])
    # geography: state = sum of its counties; nation = sum of states
    parent = np.full(len(table), "", dtype=object)
    county = level == "county"
    parent[county] = [g[:2] for g in geo[county]]
    state = level == "state"
    parent[state] = "US"
    for child, total_level in ((county, "state"), (state, "nation")):
        rows = child | (level == total_level)
        top = np.where(child[rows], parent[rows], geo[rows])
        kf = pd.DataFrame(
            {
                "t": top,
                "i": ind[rows],
                "p": period[rows],
                "d": dim[rows],
                "g": grp[rows],
            }
        )
        _append(parts, "geography", _codes(kf), pos[rows], ~child[rows])
    # periods: a pooled span and the single years inside it
    span = start < end
    single = start == end
    if span.any() and single.any():
        frame = pd.DataFrame(
            {"g": geo, "i": ind, "d": dim, "r": grp, "s": start, "e": end, "pos": pos}
        )
        spans = frame[span]
        singles = frame[single]
        joined = spans.merge(singles, on=["g", "i", "d", "r"], suffixes=("", "_y"))
        joined = joined[(joined["s_y"] >= joined["s"]) & (joined["s_y"] <= joined["e"])]
        n_years = joined.groupby("pos")["s_y"].nunique()
        span_at = spans.set_index("pos").loc[n_years.index]
        width = (span_at["e"] - span_at["s"] + 1).to_numpy()
        complete = n_years.index[n_years.to_numpy() == width]
        joined = joined[joined["pos"].isin(complete)]
        if len(joined):
            members = joined[["pos", "pos_y"]]
            rel = pd.factorize(members["pos"])[0]
            totals = np.unique(rel)
            tot_pos = members.drop_duplicates("pos")["pos"].to_numpy()
            key = np.r_[rel, totals]
            p = np.r_[members["pos_y"].to_numpy(), tot_pos]
            flag = np.r_[np.zeros(len(rel), bool), np.ones(len(totals), bool)]
            _append(parts, "periods", key, p, flag)
    if not parts:
        return pd.DataFrame(
            {"relation": [], "pos": [], "is_total": [], "kind": []}
        ).astype({"relation": int, "pos": int, "is_total": bool})
    return pd.concat(parts, ignore_index=True)


def _levels(table, geo):
    """Geography levels, inferred from the ids when the column is absent."""
    if s.GEO_LEVEL in table:
        return table[s.GEO_LEVEL].astype(str).to_numpy()
    lengths = np.array([len(g) for g in geo])
    is_us = geo == "US"
    return np.where(
        is_us,
        "nation",
        np.where(lengths == 2, "state", np.where(lengths == 5, "county", "")),
    )


def _years(table, period):
    """First and last year of each period, parsed when the columns are absent."""
    if s.PERIOD_START in table and s.PERIOD_END in table:
        return table[s.PERIOD_START].to_numpy(), table[s.PERIOD_END].to_numpy()
    parsed = {}
    for lab in set(period):
        try:
            parsed[lab] = s.parse_period(lab)[1:]
        except ValueError:
            parsed[lab] = (-1, -1)
    return (
        np.array([parsed[p][0] for p in period]),
        np.array([parsed[p][1] for p in period]),
    )


def _append(parts, kind, key, positions, is_total):
    """Add the relations ``key`` (with a total and a member) to ``parts``."""
    if not len(key):
        return
    size = key.max() + 1
    has_total = np.bincount(key, weights=is_total.astype(float), minlength=size) > 0
    has_member = np.bincount(key, weights=(~is_total).astype(float), minlength=size) > 0
    ok = has_total[key] & has_member[key]
    base = max((int(p["relation"].max()) + 1 for p in parts if len(p)), default=0)
    parts.append(
        pd.DataFrame(
            {
                "relation": key[ok] + base,
                "pos": positions[ok],
                "is_total": is_total[ok],
                "kind": kind,
            }
        )
    )


def protect_small_numbers(
    table: pd.DataFrame,
    *,
    threshold: float | None = DEFAULT_THRESHOLD,
    complementary: bool = True,
    measure_types: tuple[str, ...] = COUNTED_MEASURE_TYPES,
    max_rounds: int = 100,
) -> pd.DataFrame:
    """Hide small counts and every cell that would give one away.

    Parameters
    ----------
    table : pandas.DataFrame
        A validated tidy table (see :func:`disparities.schema.validate_observations`).
    threshold : float or None
        Counts below this are hidden (default 10). ``None`` or 0 hides nothing
        new, but the source's own suppression is still protected by
        complementary suppression.
    complementary : bool
        Also hide cells so no hidden count can be recovered by subtraction
        from a total, a state or a pooled span (see the module notes).
    measure_types : tuple of str
        Catalog measure types whose values rest on counted events.
    max_rounds : int
        Complementary passes (each hides at least one more cell; a table
        settles in a few).

    Returns
    -------
    pandas.DataFrame
        A copy: hidden rows keep their key and denominator, their numerator,
        value, CIs and margin become missing, ``suppressed`` is True and
        ``note`` says why (and only that: an earlier note could repeat the
        hidden number). ``attrs["suppression"]`` counts the cells hidden
        (``primary`` and per relation kind).

    Examples
    --------
    >>> from disparities.demo import load_demo
    >>> t = protect_small_numbers(load_demo())
    >>> int(t["suppressed"].sum()) >= int(load_demo()["suppressed"].sum())
    True
    """
    from disparities.reliability import indicator_properties

    df = table.copy()
    counted = (
        indicator_properties(df)["measure_type"].isin(measure_types).to_numpy(bool)
    )
    count = implied_counts(df)
    hidden = df[s.SUPPRESSED].to_numpy(bool).copy()
    was_hidden = hidden.copy()
    reason = np.full(len(df), "", dtype=object)
    primary = np.zeros(len(df), bool)
    if threshold:
        primary = counted & ~hidden & ~np.isnan(count) & (count < threshold)
        reason[primary] = _PRIMARY.format(t=threshold)
        hidden |= primary
    stats = {"primary": int(primary.sum())}
    if complementary and hidden.any():
        rel = suppression_relations(df.reset_index(drop=True))
        rel = rel[counted[rel["pos"].to_numpy()]]
        _complement(rel, hidden, count, reason, stats, max_rounds)
    new = hidden & ~was_hidden
    if new.any():
        # the note is replaced, not extended: earlier notes can carry the very
        # numbers hidden ("fewer than 20 events (9)", "true rate 79.1%-79.8%")
        notes = df[s.NOTE].astype(str).to_numpy().copy()
        notes[new] = reason[new]
        at = df.index[new]
        cols = [s.NUMERATOR, s.VALUE, s.CI_LOWER, s.CI_UPPER]
        cols += [s.MOE] if s.MOE in df else []
        df.loc[at, cols] = np.nan
        df[s.SUPPRESSED] = hidden
        if s.UNRELIABLE in df:
            df[s.UNRELIABLE] = df[s.UNRELIABLE].to_numpy(bool) & ~new
        is_cat = isinstance(df[s.NOTE].dtype, pd.CategoricalDtype)
        df[s.NOTE] = pd.Categorical(notes) if is_cat else notes
    df.attrs["suppression"] = stats
    return df


def _complement(rel, hidden, count, reason, stats, max_rounds):
    """Hide cells in place until no relation has exactly one hidden cell whose
    partners are all known."""
    if rel.empty:
        return
    key = rel["relation"].to_numpy()
    pos = rel["pos"].to_numpy()
    is_total = rel["is_total"].to_numpy(bool)
    kinds = rel["kind"].to_numpy()
    size = key.max() + 1
    known = ~np.isnan(count)
    for _ in range(max_rounds):
        h = hidden[pos]
        n_hidden = np.bincount(key, weights=h, minlength=size)
        unknown = np.bincount(key, weights=~h & ~known[pos], minlength=size)
        leak = (n_hidden == 1) & (unknown == 0)
        if not leak.any():
            return
        cand = np.flatnonzero(leak[key] & ~h)
        # hide the smallest shown member; a total only if no member is left
        order = cand[np.lexsort((count[pos[cand]], is_total[cand], key[cand]))]
        _, first = np.unique(key[order], return_index=True)
        for j in order[first]:
            p = pos[j]
            if not hidden[p]:
                hidden[p] = True
                reason[p] = _COMPLEMENT[kinds[j]]
                stats[kinds[j]] = stats.get(kinds[j], 0) + 1
