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
    Scored as ln(1 + excess).
``trend``
    +1 widening, 0 no significant change or too few periods, -1 narrowing.
``versus_state``
    ln(county adverse ratio / state adverse ratio) for the same group: above 0
    when the county's gap is bigger than the state's.

Trend and versus-state count only for a *clear* gap (its conservative ratio is
above 1), so a gap the data cannot tell from none never outranks one they can.

Each component is divided by its largest absolute value among the county's
candidates (so 1 = the largest), weighted (defaults: size 0.4, children
affected 0.3, trend 0.15, versus state 0.15), summed, and multiplied by 0.5 when
the estimate is unreliable or its source publishes no confidence interval (then
the point estimate stands in for the conservative end). Suppressed comparisons are left out and listed in
``attrs["left_out"]`` (a list of records).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.narrative import format_period, gap_sentence

__all__ = ["DEFAULT_WEIGHTS", "rank_focus_candidates", "conservative_ratio"]

DEFAULT_WEIGHTS = {
    "size": 0.4,
    "children_affected": 0.3,
    "trend": 0.15,
    "versus_state": 0.15,
}
UNRELIABLE_FACTOR = 0.5


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
        Prepared tidy table holding the county and its state.
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
        One row per candidate, best first: ``rank, indicator, dimension, group,
        reference_group, period, value, reference_value, adverse_ratio`` (+ CI),
        ``conservative_ratio, excess_cases, conservative_excess, trend,
        state_adverse_ratio``, the four scored components, ``reliability_factor,
        score, needs_pooling, explanation``.
    """
    from disparities.gaps import compute_gaps
    from disparities.select import parent_geo_id
    from disparities.trends import compute_gap_trends

    geo_id = str(geo_id)
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = set(weights) - set(w)
        if unknown:
            raise ValueError(f"unknown weight(s) {sorted(unknown)}; use {sorted(w)}")
        w.update(weights)
    parent = parent_geo_id(geo_id)
    if gaps is None:
        sub = table[table[s.GEO_ID].astype(str).isin([geo_id, parent])]
        gaps = compute_gaps(sub, alpha=alpha)
    here = gaps[gaps[s.GEO_ID].astype(str) == geo_id]
    if here.empty:
        raise KeyError(f"no gaps for {geo_id}")
    if trends is None:
        trends = compute_gap_trends(here, alpha=alpha)
    last = here.groupby(s.INDICATOR, observed=True)[s.PERIOD_END].transform("max")
    latest = here[here[s.PERIOD_END] == last].copy()
    left_out = latest[latest[s.SUPPRESSED] | latest["adverse_ratio"].isna()]
    cand = latest[~latest.index.isin(left_out.index)].copy()
    keys = [s.INDICATOR, s.DIMENSION, s.GROUP]
    tr = trends[trends[s.GEO_ID].astype(str) == geo_id].set_index(keys)["verdict"]
    cand["trend"] = [
        tr.get(tuple(k), "too few periods")
        for k in cand[keys].astype(str).itertuples(index=False)
    ]
    state = gaps[gaps[s.GEO_ID].astype(str) == parent]
    st = state.set_index(keys + [s.PERIOD])["adverse_ratio"]
    st = st[~st.index.duplicated()]
    cand["state_adverse_ratio"] = [
        st.get(tuple(k), np.nan)
        for k in cand[keys + [s.PERIOD]].astype(str).itertuples(index=False)
    ]
    no_ci = (
        cand["adverse_ratio_ci_lower"].isna() | cand["adverse_ratio_ci_upper"].isna()
    )
    cand["uncertainty_unknown"] = no_ci.to_numpy()
    cand["conservative_ratio"] = np.where(
        no_ci,
        cand["adverse_ratio"],
        conservative_ratio(
            cand["adverse_ratio_ci_lower"], cand["adverse_ratio_ci_upper"]
        ),
    )
    excess_low = cand["excess_cases_ci_lower"].where(~no_ci, cand["excess_cases"])
    cons_excess = np.where(
        cand["conservative_ratio"] > 1, excess_low.clip(lower=0), 0.0
    )
    cand["conservative_excess"] = np.nan_to_num(cons_excess)
    size = np.log(cand["conservative_ratio"].clip(lower=1))
    affected = np.log1p(cand["conservative_excess"])
    trend = cand["trend"].map({"widening": 1.0, "narrowing": -1.0}).fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        vs_state = np.log(cand["adverse_ratio"] / cand["state_adverse_ratio"])
    vs_state = vs_state.where(np.isfinite(vs_state), 0.0)
    # trend and the state comparison only count for a gap the data support
    clear = (cand["conservative_ratio"] > 1).to_numpy()
    trend = trend.where(clear, 0.0)
    vs_state = vs_state.where(clear, 0.0)
    cand["clear_gap"] = clear
    cand["size_component"] = _scale(size)
    cand["children_affected_component"] = _scale(affected)
    cand["trend_component"] = trend.to_numpy()
    cand["versus_state_component"] = _scale(vs_state)
    cand["reliability_factor"] = np.where(
        cand[s.UNRELIABLE] | cand["uncertainty_unknown"], UNRELIABLE_FACTOR, 1.0
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
    cand = cand.sort_values(["score", "adverse_ratio"], ascending=False)
    cand["rank"] = np.arange(1, len(cand) + 1)
    cand["explanation"] = [_explain(r) for _, r in cand.iterrows()]
    cols = [
        "rank",
        s.GEO_ID,
        s.GEO_NAME,
        s.INDICATOR,
        s.DIMENSION,
        s.GROUP,
        "reference_group",
        s.PERIOD,
        s.VALUE,
        "reference_value",
        "adverse_ratio",
        "adverse_ratio_ci_lower",
        "adverse_ratio_ci_upper",
        "conservative_ratio",
        "excess_cases",
        "conservative_excess",
        "trend",
        "state_adverse_ratio",
        "size_component",
        "children_affected_component",
        "trend_component",
        "versus_state_component",
        "reliability_factor",
        "score",
        "needs_pooling",
        "uncertainty_unknown",
        "clear_gap",
        s.UNRELIABLE,
        "direction",
        "explanation",
        s.SOURCE,
    ]
    out = cand[cols].reset_index(drop=True)
    out.attrs["weights"] = w
    # plain records: pandas compares attrs when frames are concatenated
    out.attrs["left_out"] = (
        left_out[[s.INDICATOR, s.DIMENSION, s.GROUP, s.PERIOD, s.NOTE]]
        .astype(str)
        .to_dict("records")
    )
    return out


def _explain(r) -> str:
    parts = [gap_sentence(r).rstrip(".")]
    if r["conservative_excess"] >= 1:
        parts.append(
            f"at least {r['conservative_excess']:,.0f} {_subject(r)} affected beyond "
            "the reference group's rate"
        )
    if r["trend"] in ("widening", "narrowing") and r["clear_gap"]:
        parts.append(f"the gap is {r['trend']}")
    sr = r["state_adverse_ratio"]
    if r["clear_gap"] and np.isfinite(sr) and np.isfinite(r["adverse_ratio"]):
        if r["adverse_ratio"] > sr * 1.1:
            parts.append(f"bigger than the state's gap ({sr:.1f} times)")
        elif r["adverse_ratio"] < sr / 1.1:
            parts.append(f"smaller than the state's gap ({sr:.1f} times)")
    if r["needs_pooling"]:
        parts.append(
            f"small numbers in {format_period(r[s.PERIOD])}: pool 3 or more years "
            "before relying on it"
        )
    if r["uncertainty_unknown"]:
        parts.append(
            "the source publishes no confidence interval, so this gap cannot "
            "be tested and counts half"
        )
    return "; ".join(parts) + "."


def _subject(r) -> str:
    from disparities.narrative import group_noun

    return group_noun(str(r[s.GROUP]), str(r[s.INDICATOR]))
