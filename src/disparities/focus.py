"""Rank a county's disparities to help pick one focus.

Every disparity (indicator x dimension x group, latest period) gets a score
built from components that are all shown:

``size``
    How many times as likely, at the *conservative* end of the 95% CI (the CI
    bound nearest 1, so a wide interval from a tiny denominator counts for
    little); 0 when the CI includes 1. Scored as ln(ratio).
``children_affected``
    Excess cases at the conservative end of their CI: children who would not
    have the adverse outcome if their group had the reference group's rate.
    Scored as ln(1 + excess); an unknown number (no counts, nothing to
    estimate them from) and averages, scores and incomes (where no one is
    "affected") score 0 here but read "unknown" / "not applicable".
``trend``
    +1 widening, 0 no significant change or too few periods, -1 narrowing.
``versus_state``
    ln(county adverse ratio / state adverse ratio) for the same group: above 0
    when the county's gap is bigger than the state's.

Trend and versus-state count only for a *clear* gap (its conservative ratio is
above 1).

Each component is divided by its largest absolute value among the county's
candidates (so 1 = the largest), weighted (defaults: size 0.4, children
affected 0.3, trend 0.15, versus state 0.15), summed, and multiplied by 0.5 when
the estimate is unreliable or its source publishes no confidence interval (then
the point estimate stands in for the conservative end), and by 0.75 when its
interval was derived from estimated group sizes.

Evidence comes before score. Candidates are ranked in three tiers, by score
within each (``rank_tier`` and ``evidence``):

1. ``clear gap``: the CI (published or derived) shows the group is worse off;
2. ``no clear difference``: tested, but the CI includes no gap (or favours the
   group);
3. ``cannot be tested``: no CI is published and none can be derived.

So a clear gap never ranks below an unclear or untestable one, whatever the
sizes of their point estimates.

Where the source gives no CI, one is derived from the (estimated) group sizes,
and where it gives no counts, children affected are estimated from population
shares, both labelled (``interval_basis``, ``children_affected_basis``; see
:mod:`disparities.group_sizes`). Unknown stays NaN (never 0). Suppressed
comparisons are left out and listed in ``attrs["left_out"]`` (a list of
records); a place with no comparisons gets an empty ranking and
``attrs["coverage_note"]`` (see :func:`coverage_note`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.narrative import format_period, gap_sentence, group_noun

__all__ = [
    "DEFAULT_WEIGHTS",
    "EVIDENCE_TIERS",
    "rank_focus_candidates",
    "conservative_ratio",
    "coverage_note",
    "affected_phrase",
    "affected_cell",
]

DEFAULT_WEIGHTS = {
    "size": 0.4,
    "children_affected": 0.3,
    "trend": 0.15,
    "versus_state": 0.15,
}
UNRELIABLE_FACTOR = 0.5
DERIVED_FACTOR = 0.75
#: ``rank_tier`` -> ``evidence`` label
EVIDENCE_TIERS = {1: "clear gap", 2: "no clear difference", 3: "cannot be tested"}


def conservative_ratio(ratio_lower, ratio_upper) -> np.ndarray:
    """The CI bound nearest 1 (1 when the CI includes 1).

    Examples
    --------
    >>> conservative_ratio([1.4, 0.5, 0.4], [2.9, 1.3, 0.8]).tolist()
    [1.4, 1.0, 0.8]
    """
    lo = np.asarray(ratio_lower, dtype=float)
    hi = np.asarray(ratio_upper, dtype=float)
    return np.where(lo > 1, lo, np.where(hi < 1, hi, 1.0))


def _scale(x):
    x = np.asarray(x, dtype=float)
    m = np.nanmax(np.abs(x)) if np.isfinite(x).any() else 0
    return np.nan_to_num(x / m) if m > 0 else np.zeros_like(x)


def _weights(weights: dict | None) -> dict:
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = set(weights) - set(w)
        if unknown:
            raise ValueError(f"unknown weight(s) {sorted(unknown)}; use {sorted(w)}")
        w.update(weights)
    return w


def coverage_note(table: pd.DataFrame, geo_id: str) -> str:
    """Why a place has no candidates, in words ("" when it has some).

    Examples
    --------
    >>> t = pd.DataFrame({"geo_id": ["37"], "indicator": ["child_poverty"],
    ...     "dimension": ["total"], "group": ["Total"], "value": [20.0]})
    >>> coverage_note(t, "37063")
    'The data hold no rows for 37063.'
    >>> coverage_note(t, "37")
    'The data hold totals for 37 (children in poverty) but no values by group, so there are no gaps to rank.'
    """
    from disparities.catalog import get_indicator
    from disparities.select import outcome_rows

    geo_id = str(geo_id)
    rows = outcome_rows(table)
    here = rows[rows[s.GEO_ID].astype(str) == geo_id]
    if here.empty:
        return f"The data hold no rows for {geo_id}."
    names = here[s.GEO_NAME].astype(str) if s.GEO_NAME in here else pd.Series([])
    names = names[names.str.strip().ne("") & names.ne("nan")]
    place = f"{names.iloc[0]} ({geo_id})" if len(names) else geo_id
    grouped = here[here[s.DIMENSION].astype(str) != "total"]
    if grouped.empty:
        labels = []
        for ind in sorted(set(here[s.INDICATOR].astype(str))):
            try:
                labels.append(get_indicator(ind).label.lower())
            except KeyError:
                labels.append(ind)
        return (
            f"The data hold totals for {place} ({', '.join(labels)}) but no "
            "values by group, so there are no gaps to rank."
        )
    if grouped[s.VALUE].notna().sum() == 0:
        return (
            f"Every value by group for {place} is suppressed or missing, so there "
            "are no gaps to rank."
        )
    return ""


def _empty_ranking(table, geo_id, w) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS})
    out.attrs["weights"] = w
    out.attrs["left_out"] = []
    note = coverage_note(table, geo_id)
    out.attrs["coverage_note"] = note or (
        f"No comparison between groups can be made for {geo_id}."
    )
    return out


def rank_focus_candidates(
    table: pd.DataFrame,
    geo_id: str,
    *,
    gaps: pd.DataFrame | None = None,
    trends: pd.DataFrame | None = None,
    weights: dict | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rank every disparity of one county as a candidate focus.

    Parameters
    ----------
    table : pandas.DataFrame
        Prepared tidy table holding the county and its state (and their
        context rows, used to estimate group sizes).
    geo_id : str
        County (or state) FIPS.
    gaps, trends : pandas.DataFrame, optional
        Precomputed :func:`~disparities.gaps.compute_gaps` (default reference)
        and :func:`~disparities.trends.compute_gap_trends` results; computed here
        when omitted.
    weights : dict, optional
        Any of ``size``, ``children_affected``, ``trend``, ``versus_state``.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per candidate, best first (see the module notes for the tiers):
        ``rank, evidence, indicator, dimension, group, reference_group, period,
        value, reference_value, adverse_ratio`` (+ CI), ``interval_basis,
        conservative_ratio, excess_cases, conservative_excess,
        children_affected_basis, trend, state_adverse_ratio``, the four scored
        components, ``reliability_factor, score, needs_pooling, explanation``.
        When the place has no gaps (totals only, or absent) the frame is empty
        and ``attrs["coverage_note"]`` says why.
    """
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates
    from disparities.select import parent_geo_id
    from disparities.trends import compute_gap_trends

    geo_id = str(geo_id)
    w = _weights(weights)
    parent = parent_geo_id(geo_id)
    if gaps is None:
        sub = table[table[s.GEO_ID].astype(str).isin([geo_id, parent])]
        gaps = compute_gaps(sub, alpha=alpha)
    here = gaps[gaps[s.GEO_ID].astype(str) == geo_id]
    if here.empty:
        return _empty_ranking(table, geo_id, w)
    mine = table[s.GEO_ID].astype(str).isin([geo_id, parent])
    if trends is None:
        # intervals derived from group sizes first (where the source publishes
        # none), as the report and the batch do: one trend verdict everywhere
        trends = compute_gap_trends(here, alpha=alpha, table=table[mine])
    last = here.groupby(s.INDICATOR, observed=True)[s.PERIOD_END].transform("max")
    latest = here[here[s.PERIOD_END] == last]
    latest = add_size_estimates(latest, table[mine], alpha=alpha)
    # a score or income may carry only a difference (no ratio): keep it
    hidden = latest[s.SUPPRESSED] | (
        latest["adverse_ratio"].isna() & latest["difference"].isna()
    )
    left_out = latest[hidden]
    cand = latest[~hidden].copy()
    if cand.empty:
        out = _empty_ranking(table, geo_id, w)
        out.attrs["left_out"] = _records(left_out)
        out.attrs["coverage_note"] = (
            f"Every comparison between groups for {geo_id} is suppressed or "
            "missing, so there are no gaps to rank."
        )
        return out
    _add_context(cand, trends, gaps, geo_id, parent)
    _score(cand, w)
    cand = _rank_on_evidence(cand)
    cand["explanation"] = [_explain(r) for _, r in cand.iterrows()]
    cand["children_affected"] = [affected_cell(r) for _, r in cand.iterrows()]
    out = cand[_COLUMNS].reset_index(drop=True)
    out.attrs["weights"] = w
    # plain records: pandas compares attrs when frames are concatenated
    out.attrs["left_out"] = _records(left_out)
    out.attrs["coverage_note"] = ""
    return out


def _records(rows: pd.DataFrame) -> list:
    return (
        rows[[s.INDICATOR, s.DIMENSION, s.GROUP, s.PERIOD, s.NOTE]]
        .astype(str)
        .to_dict("records")
    )


def _add_context(cand, trends, gaps, geo_id, parent) -> None:
    """The trend verdict and the state's gap for each candidate (in place)."""
    keys = [s.INDICATOR, s.DIMENSION, s.GROUP]
    if all(s.SOURCE in f.columns for f in (cand, trends, gaps)):
        keys.append(s.SOURCE)  # two sources of one gap are separate series
    here = trends[trends[s.GEO_ID].astype(str) == geo_id].set_index(keys)
    here = here[~here.index.duplicated()]
    tr = here["verdict"]
    series = list(cand[keys].astype(str).itertuples(index=False))
    cand["trend"] = [tr.get(tuple(k), "too few periods") for k in series]
    # a change between overlapping spans (ACS 2015-2019 then 2016-2020) is a
    # change in multi-year averages: the words say so wherever they are shown
    if "overlapping_periods" in here.columns:
        ov = here["overlapping_periods"].fillna(False).astype(bool)
        cand["trend_overlapping"] = [bool(ov.get(tuple(k), False)) for k in series]
    else:
        cand["trend_overlapping"] = False
    state = gaps[gaps[s.GEO_ID].astype(str) == parent]
    st = state.set_index(keys + [s.PERIOD])["adverse_ratio"]
    st = st[~st.index.duplicated()]
    sd = state.set_index(keys + [s.PERIOD])["difference"]
    sd = sd[~sd.index.duplicated()]
    at = list(cand[keys + [s.PERIOD]].astype(str).itertuples(index=False))
    cand["state_adverse_ratio"] = [st.get(tuple(k), np.nan) for k in at]
    cand["state_difference"] = [sd.get(tuple(k), np.nan) for k in at]


def _score(cand, w) -> None:
    """Conservative ratio and excess, the four components and the score."""
    ratio_ci = (
        cand["adverse_ratio_ci_lower"].notna() & cand["adverse_ratio_ci_upper"].notna()
    )
    diff_ci = cand["difference_ci_lower"].notna() & cand["difference_ci_upper"].notna()
    # without a ratio (a score given as a difference only) the difference's CI
    # tests the gap
    only_diff = cand["adverse_ratio"].isna() & diff_ci
    no_ci = ~ratio_ci & ~only_diff
    cand["uncertainty_unknown"] = no_ci.to_numpy()
    cand["conservative_ratio"] = np.where(
        no_ci,
        cand["adverse_ratio"],
        conservative_ratio(
            cand["adverse_ratio_ci_lower"], cand["adverse_ratio_ci_upper"]
        ),
    )
    excess_low = cand["excess_cases_ci_lower"].where(~no_ci, cand["excess_cases"])
    known = excess_low.notna().to_numpy()
    # unknown stays unknown (NaN); a gap the data cannot show affects "none"
    cand["conservative_excess"] = np.where(
        known,
        np.where(cand["conservative_ratio"] > 1, excess_low.clip(lower=0), 0.0),
        np.nan,
    )
    size = np.log(cand["conservative_ratio"].clip(lower=1))
    affected = np.log1p(cand["conservative_excess"].fillna(0))
    trend = cand["trend"].map({"widening": 1.0, "narrowing": -1.0}).fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        vs_state = np.log(cand["adverse_ratio"] / cand["state_adverse_ratio"])
    vs_state = vs_state.where(np.isfinite(vs_state), 0.0)
    # ... and only where the county's interval excludes the state's gap, as
    # the explanation says
    sr = cand["state_adverse_ratio"]
    within = (cand["adverse_ratio_ci_lower"] <= sr) & (
        sr <= cand["adverse_ratio_ci_upper"]
    )
    vs_state = vs_state.where(~within, 0.0)
    # trend and the state comparison only count for a gap the data support;
    # one decision per gap, the gaps' own (both intervals agree: gaps.py)
    clear = (
        cand["significant"].astype(bool)
        & (cand["direction"].astype(str) == "worse")
        & (ratio_ci | only_diff)
    ).to_numpy()
    trend = trend.where(clear, 0.0)
    vs_state = vs_state.where(clear, 0.0)
    cand["clear_gap"] = clear
    cand["size_component"] = _scale(size)
    cand["children_affected_component"] = _scale(affected)
    cand["trend_component"] = trend.to_numpy()
    cand["versus_state_component"] = _scale(vs_state)
    derived = (cand["interval_basis"] == "derived from group sizes").to_numpy()
    cand["reliability_factor"] = np.where(
        cand[s.UNRELIABLE] | cand["uncertainty_unknown"],
        UNRELIABLE_FACTOR,
        np.where(derived, DERIVED_FACTOR, 1.0),
    )
    raw = (
        w["size"] * cand["size_component"]
        + w["children_affected"] * cand["children_affected_component"]
        + w["trend"] * cand["trend_component"]
        + w["versus_state"] * cand["versus_state_component"]
    )
    cand["score"] = raw * cand["reliability_factor"]
    single_year = cand[s.PERIOD_START] == cand[s.PERIOD_END]
    cand["needs_pooling"] = single_year & (
        cand[s.UNRELIABLE]
        | ((cand["adverse_ratio"] >= 1.5) & (cand["conservative_ratio"] <= 1))
    )


def _rank_on_evidence(cand: pd.DataFrame) -> pd.DataFrame:
    """Tiers first (clear gap, then tested but unclear, then untestable), then score."""
    tier = np.where(cand["clear_gap"], 1, np.where(cand["uncertainty_unknown"], 3, 2))
    cand["rank_tier"] = tier
    evidence = pd.Series(tier, index=cand.index).map(EVIDENCE_TIERS)
    # a clear difference in the group's favour is not a gap against it, but it is
    # clear: say so rather than "no clear difference"
    if "direction" in cand.columns:
        better = (cand["direction"].astype(str) == "better") & (tier != 1)
        evidence = evidence.mask(better, "clearly better")
    cand["evidence"] = evidence
    cand = cand.sort_values(
        ["rank_tier", "score", "adverse_ratio"], ascending=[True, False, False]
    )
    cand["rank"] = np.arange(1, len(cand) + 1)
    return cand


_COLUMNS = [
    "rank",
    "evidence",
    s.GEO_ID,
    s.GEO_NAME,
    s.INDICATOR,
    s.DIMENSION,
    s.GROUP,
    "reference_group",
    s.PERIOD,
    s.PERIOD_START,
    s.PERIOD_END,
    s.VALUE,
    "reference_value",
    "difference",
    "difference_ci_lower",
    "difference_ci_upper",
    "adverse_ratio",
    "adverse_ratio_ci_lower",
    "adverse_ratio_ci_upper",
    "interval_basis",
    "conservative_ratio",
    "excess_cases",
    "conservative_excess",
    "children_affected_basis",
    "children_affected",
    "group_size",
    "group_size_basis",
    "trend",
    "trend_overlapping",
    "state_adverse_ratio",
    "state_difference",
    "size_component",
    "children_affected_component",
    "trend_component",
    "versus_state_component",
    "reliability_factor",
    "score",
    "rank_tier",
    "needs_pooling",
    "uncertainty_unknown",
    "clear_gap",
    s.UNRELIABLE,
    "direction",
    "explanation",
    s.SOURCE,
]


def _count(x: float) -> str:
    return f"{x:,.0f}"


def at_least_one(low):
    """The low end of children affected as it is said: above 0 is at least
    one child (a clear gap's low end never reads "none").

    >>> at_least_one(0.4), at_least_one(0.0), at_least_one(32.0)
    (1.0, 0.0, 32.0)
    """
    return max(float(low), 1.0) if pd.notna(low) and low > 0 else low


def affected_phrase(r) -> str:
    """Children affected, in words: counted, estimated, none or unknown.

    ``""`` for averages, scores and incomes (no one is "affected" by a
    difference in an average).
    """
    from disparities.group_sizes import NOT_APPLICABLE

    basis = str(r.get("children_affected_basis", "counted"))
    if basis == NOT_APPLICABLE:
        return ""
    who = _subject(r)
    ref = group_noun(str(r["reference_group"]), str(r[s.INDICATOR]))
    when = format_period(r[s.PERIOD])
    if r.get(s.PERIOD_START) is not None and r.get(s.PERIOD_START) != r.get(
        s.PERIOD_END
    ):
        from disparities.catalog import get_indicator

        if get_indicator(str(r[s.INDICATOR])).measure_type == "survey":
            # a survey's span is an average over its years, not a running total
            when = f"on average in {when}"
        else:
            when = f"over {when}, all years together"
    # plain words: "about 1,234 Black children (at least 993) would not have had
    # this outcome if their rate matched that of White children, 2018–2022"
    tail = (
        f"would not have had this outcome if their rate matched that of {ref}, {when}"
    )
    point, low = r.get("excess_cases", np.nan), r.get("conservative_excess", np.nan)
    if pd.isna(point):
        return (
            f"how many {who} are affected is unknown (the source gives no counts "
            "and the data hold no population figures to estimate them)"
        )
    if point < 0.5:
        return f"{who} affected beyond the reference group's rate: none"
    low = at_least_one(low)
    if basis == "counted":
        if pd.notna(low) and low >= 1:
            return f"about {_count(point)} {who} (at least {_count(low)}) {tail}"
        return (
            f"about {_count(point)} {who} {tail}, though the data cannot rule out none"
        )
    sure = (
        f"at least {_count(low)}"
        if pd.notna(low) and low >= 1
        else "the data cannot rule out none"
    )
    return f"an estimated {_count(point)} {who} ({sure}; {basis}, not counted) {tail}"


def affected_cell(r) -> str:
    """Children affected for a table cell: ``'at least 1,234'``,
    ``'about 350 (estimated; at least 316)'``, ``'none'``, ``'unknown'`` or
    ``'not applicable'``; never "0" for an unknown number."""
    from disparities.group_sizes import NOT_APPLICABLE
    from disparities.narrative import format_count

    basis = str(r.get("children_affected_basis", "counted"))
    if basis == NOT_APPLICABLE:
        return "not applicable"
    point, low = r.get("excess_cases", np.nan), r.get("conservative_excess", np.nan)
    if pd.isna(point) or point < 0.5:
        return format_count(np.nan if pd.isna(point) else float(point))
    low = at_least_one(low)
    sure = f"at least {format_count(low)}" if pd.notna(low) and low >= 1 else None
    if basis == "counted":
        return sure or f"about {format_count(point)} (could be none)"
    return f"about {format_count(point)} (estimated; {sure or 'could be none'})"


def trend_words(r) -> str:
    """A candidate's trend verdict in words; a widening or narrowing seen only
    between overlapping periods says so.

    Examples
    --------
    >>> trend_words({"trend": "narrowing", "trend_overlapping": True})
    'narrowing (between overlapping periods: a change in multi-year averages)'
    >>> trend_words({"trend": "widening", "trend_overlapping": False})
    'widening'
    """
    trend = str(r["trend"])
    if trend in ("widening", "narrowing") and bool(r.get("trend_overlapping", False)):
        return f"{trend} (between overlapping periods: a change in multi-year averages)"
    return trend


def _explain(r) -> str:
    parts = [gap_sentence(r).rstrip(".")]
    affected = affected_phrase(r)
    if affected:
        parts.append(affected)
    if r["trend"] in ("widening", "narrowing") and r["clear_gap"]:
        parts.append(f"the gap is {trend_words(r)}")
    sr = r["state_adverse_ratio"]
    if _is_score(r):
        parts += _versus_state_difference(r)
    elif r["clear_gap"] and np.isfinite(sr) and np.isfinite(r["adverse_ratio"]):
        # bigger or smaller only where the county's own interval says so (the
        # state's gap, on far larger numbers, taken as known)
        lo, hi = r["adverse_ratio_ci_lower"], r["adverse_ratio_ci_upper"]
        if np.isfinite(lo) and np.isfinite(hi) and lo <= sr <= hi:
            parts.append(
                f"not clearly different from the state's gap ({sr:.1f} times, "
                "inside this gap's interval)"
            )
        elif r["adverse_ratio"] > sr * 1.1:
            parts.append(f"bigger than the state's gap ({sr:.1f} times)")
        elif r["adverse_ratio"] < sr / 1.1:
            parts.append(f"smaller than the state's gap ({sr:.1f} times)")
    if r["needs_pooling"]:
        parts.append(
            f"small numbers in {format_period(r[s.PERIOD])}: pool 3 or more years "
            "before relying on it"
        )
    if r["interval_basis"] == "derived from group sizes":
        parts.append(
            "the source publishes no confidence interval: an approximate one was "
            "derived from the estimated number of people in each group"
        )
    if r["uncertainty_unknown"]:
        parts.append(
            "no confidence interval is published and none can be derived, so this "
            "gap cannot be tested and ranks below every tested gap"
        )
    return "; ".join(parts) + "."


def _is_score(r) -> bool:
    from disparities.catalog import get_indicator

    return get_indicator(str(r[s.INDICATOR])).measure_type == "score"


def _versus_state_difference(r) -> list:
    """Averages and incomes: the county's difference beside the state's."""
    from disparities.narrative import format_value

    d, sd = r["difference"], r.get("state_difference", np.nan)
    if not (r["clear_gap"] and np.isfinite(d) and np.isfinite(sd)):
        return []
    ind = str(r[s.INDICATOR])
    state = format_value(abs(sd), ind)
    lo, hi = r["difference_ci_lower"], r["difference_ci_upper"]
    if np.isfinite(lo) and np.isfinite(hi) and lo <= sd <= hi:
        return [
            f"not clearly different from the state's difference ({state}, inside "
            "this difference's interval)"
        ]
    if abs(d) > abs(sd) * 1.1:
        return [f"a bigger difference than the state's ({state})"]
    if abs(d) < abs(sd) / 1.1:
        return [f"a smaller difference than the state's ({state})"]
    return []


def _subject(r) -> str:
    from disparities.narrative import group_noun

    return group_noun(str(r[s.GROUP]), str(r[s.INDICATOR]))
