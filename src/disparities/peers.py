"""Peer counties and bright spots: a strengths-based view.

Peers are the counties most like the focus county, by Euclidean distance
between standardised (z-score) features. The features are whatever the loaded
data hold, at least three of them:

* context rows (e.g. the County Health Rankings "Additional Measure Data"
  sheet): population (log scale), % of residents under 18, % rural, and the
  share of residents in each racial/ethnic group;
* otherwise an indicator with child denominators by race (the demo's child
  poverty): number of children (log), child poverty, the children's racial /
  ethnic composition and children per square kilometre (log, from the county
  outline).

:func:`county_features` lists the features it used (``attrs["features"]``)
and raises :class:`PeerFeaturesError` when fewer than three are available.

Bright spots are peers whose gap on the chosen disparity is smaller *by a
margin its uncertainty supports*: the difference between the two log adverse
ratios (or, for averages and incomes, between the two differences) is tested
with a z-test using both standard errors, read off the CIs (Altman & Bland,
"Interaction revisited: the difference between two estimates", BMJ
2003;326:219). Otherwise the peer's gap is "not clearly different" (which
is not the same as equal: small counties' gaps are hard to tell apart).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = [
    "PeerFeaturesError",
    "county_features",
    "describe_peer",
    "find_peer_counties",
    "find_bright_spots",
    "gap_difference_z",
    "better_than_state",
]

_COMPOSITION_GROUPS = [
    "Black",
    "Hispanic or Latino",
    "American Indian or Alaska Native",
    "Asian",
    "White",
]
_SHORT_GROUP = {
    "Hispanic or Latino": "Hispanic",
    "American Indian or Alaska Native": "American Indian",
}

#: feature column -> plain label
FEATURE_LABELS = {
    "population": "population",
    "pct_under_18": "% of residents under 18",
    "pct_rural": "% rural",
    "children": "number of children",
    "child_poverty": "child poverty",
    "children_per_km2": "children per square km",
    **{f"share_{g}": f"% {_SHORT_GROUP.get(g, g)}" for g in _COMPOSITION_GROUPS},
}
#: features compared on the log scale
LOG_FEATURES = ("population", "children", "children_per_km2")
MIN_FEATURES = 3


class PeerFeaturesError(KeyError):
    """Too few features describe the counties to find peers."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _state_counties(table: pd.DataFrame, fips: str) -> pd.DataFrame:
    g = table[s.GEO_ID].astype(str)
    return table[(g.str.len() == 5) & (g.str[:2] == fips)]


def _latest_values(sub: pd.DataFrame, by) -> pd.Series:
    sub = sub[sub[s.VALUE].notna()]
    if sub.empty:
        return pd.Series(dtype=float)
    last = sub.groupby(s.GEO_ID, observed=True)[s.PERIOD_END].transform("max")
    sub = sub[sub[s.PERIOD_END] == last]
    keys = [sub[c].astype(str) for c in by]
    return sub.groupby(keys)[s.VALUE].last()


def _context_features(rows: pd.DataFrame) -> pd.DataFrame:
    """Population, % under 18, % rural and race shares from context rows."""
    feats = {}
    ind = rows[s.INDICATOR].astype(str)
    for name in ("population", "pct_under_18", "pct_rural"):
        sub = rows[(ind == name) & (rows[s.DIMENSION].astype(str) == "total")]
        if len(sub):
            feats[name] = _latest_values(sub, [s.GEO_ID])
    shares = rows[(ind == "population_share")]
    if len(shares):
        wide = _latest_values(shares, [s.GEO_ID, s.GROUP]).unstack()
        for g in _COMPOSITION_GROUPS:
            if g in wide.columns:
                feats[f"share_{g}"] = wide[g]
    return pd.DataFrame(feats)


def _denominator_features(rows: pd.DataFrame, indicator: str, state: str):
    """The demo's features: children, poverty, composition, density."""
    sub = rows[rows[s.INDICATOR].astype(str) == indicator]
    if sub.empty:
        return pd.DataFrame(), ""
    last = sub[s.PERIOD_END].max()
    sub = sub[sub[s.PERIOD_END] == last]
    tot = sub[sub[s.DIMENSION].astype(str) == "total"]
    tot = tot.groupby(tot[s.GEO_ID].astype(str))[[s.DENOMINATOR, s.VALUE]].last()
    feats = pd.DataFrame(index=tot.index)
    feats["children"] = tot[s.DENOMINATOR]
    feats[indicator] = tot[s.VALUE]
    race = sub[sub[s.DIMENSION].astype(str) == "race_ethnicity"]
    if len(race) and feats["children"].notna().any():
        shares = race.pivot_table(
            index=race[s.GEO_ID].astype(str),
            columns=race[s.GROUP].astype(str),
            values=s.DENOMINATOR,
            aggfunc="sum",
        )
        shares = shares.div(feats["children"], axis=0)
        for g in _COMPOSITION_GROUPS:
            if g in shares.columns:
                feats[f"share_{g}"] = shares[g].reindex(feats.index) * 100
    if feats["children"].notna().any():
        try:
            from disparities.geography import county_geometries

            geo = county_geometries(state).to_crs("EPSG:5070").set_index("geo_id")
            area_km2 = geo.geometry.area.reindex(feats.index) / 1e6
            feats["children_per_km2"] = feats["children"] / area_km2
        except (KeyError, ValueError, ImportError):
            pass
    return feats, str(sub[s.PERIOD].iloc[0])


def county_features(
    table: pd.DataFrame, state: str, *, indicator: str = "child_poverty"
) -> pd.DataFrame:
    """Features used to find peers, one row per county of ``state``.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table with the state's counties: context rows (population,
        % under 18, % rural, race shares) and/or ``indicator`` with child
        denominators by race.
    state : str
        State abbreviation, name or FIPS.
    indicator : str
        The child-population indicator used when there are no context rows.

    Returns
    -------
    pandas.DataFrame
        Indexed by county FIPS: ``geo_name`` and one column per feature used.
        ``attrs["features"]`` lists the feature columns, ``attrs["labels"]``
        their plain labels and ``attrs["period"]`` the period they describe.
        A feature missing for more than half the counties, or the same in
        every county, is not used.

    Raises
    ------
    PeerFeaturesError
        When fewer than three features are available (a subclass of
        ``KeyError`` with a plain message).
    """
    from disparities.geography import resolve_state

    fips = resolve_state(state)[0]
    rows = _state_counties(table, fips)
    if rows.empty:
        raise PeerFeaturesError(f"The data hold no county rows for {state}.")
    feats = _context_features(rows)
    period = ""
    if not {"population", "pct_under_18"} & set(feats.columns):
        demo, period = _denominator_features(rows, indicator, state)
        feats = feats.join(demo, how="outer") if len(feats) else demo
    usable = [
        c
        for c in feats.columns
        if feats[c].notna().mean() > 0.5 and feats[c].nunique(dropna=True) > 1
    ]
    if len(usable) < MIN_FEATURES:
        have = ", ".join(FEATURE_LABELS.get(c, c) for c in usable) or "none"
        raise PeerFeaturesError(
            f"Peers need at least {MIN_FEATURES} features describing the counties "
            f"of {state}; the data hold {len(usable)} ({have}). Load a file with "
            "population figures (for example the County Health Rankings workbook, "
            "whose 'Additional Measure Data' sheet has population, age, race "
            "and rurality) to find peers."
        )
    out = feats[usable].astype(float)
    out.index = out.index.astype(str)
    names = (
        rows.assign(_g=rows[s.GEO_ID].astype(str))
        .groupby("_g")[s.GEO_NAME]
        .first()
        .astype(str)
    )
    out.insert(0, "geo_name", names.reindex(out.index).to_numpy())
    out.attrs["features"] = usable
    out.attrs["labels"] = [FEATURE_LABELS.get(c, c) for c in usable]
    out.attrs["period"] = period
    return out


def describe_peer(peer: pd.Series, focus: pd.Series) -> str:
    """How a peer compares with the focus county, in words.

    Examples
    --------
    >>> focus = pd.Series({"population": 30000, "pct_rural": 40.0,
    ...     "child_poverty": 20.0})
    >>> peer = pd.Series({"population": 35000, "pct_rural": 75.0,
    ...     "child_poverty": 21.0})
    >>> describe_peer(peer, focus)
    'similar size and child poverty, more rural'
    """
    similar, other = [], []

    def have(c):
        return (
            c in peer.index
            and c in focus.index
            and pd.notna(peer[c])
            and pd.notna(focus[c])
        )

    for c, noun, bigger, smaller in (
        ("population", "size", "larger", "smaller"),
        ("children", "size", "larger", "smaller"),
        ("children_per_km2", "density", "denser", "less dense"),
    ):
        if have(c) and focus[c] > 0 and noun not in similar:
            r = peer[c] / focus[c]
            if 1 / 1.5 <= r <= 1.5:
                similar.append(noun)
            else:
                other.append(bigger if r > 1 else smaller)
    for c, noun, more, less, tol in (
        (
            "child_poverty",
            "child poverty",
            "more child poverty",
            "less child poverty",
            5,
        ),
        (
            "pct_under_18",
            "age make-up",
            "more children per resident",
            "fewer children per resident",
            2,
        ),
        ("pct_rural", "rurality", "more rural", "less rural", 10),
    ):
        if have(c):
            d = peer[c] - focus[c]
            if abs(d) < tol:
                similar.append(noun)
            else:
                other.append(more if d > 0 else less)
    shares = [c for c in peer.index if str(c).startswith("share_") and have(c)]
    if shares:
        diffs = [(peer[c] - focus[c], _SHORT_GROUP.get(c[6:], c[6:])) for c in shares]
        big = [(d, g) for d, g in diffs if abs(d) >= 5]
        if not big:
            similar.append("racial/ethnic make-up")
        for d, g in sorted(big, key=lambda x: -abs(x[0]))[:2]:
            other.append(f"a {'larger' if d > 0 else 'smaller'} {g} share")
    text = ""
    if similar:
        text = "similar " + (
            " and ".join(similar)
            if len(similar) <= 2
            else ", ".join(similar[:-1]) + " and " + similar[-1]
        )
    return ", ".join([x for x in [text, *other] if x]) or "no features to compare"


def find_peer_counties(
    table: pd.DataFrame,
    geo_id: str,
    *,
    n: int = 5,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``n`` counties most like ``geo_id`` (standardised Euclidean distance).

    Returns
    -------
    pandas.DataFrame
        ``geo_id, geo_name``, the features, ``distance`` and ``similarity``
        (how the peer compares, in words), nearest first.
        ``attrs["features"]`` and ``attrs["labels"]`` list the features used.

    Raises
    ------
    PeerFeaturesError
        When fewer than three features describe the counties, or the county
        has none of them.
    """
    from disparities.geography import state_abbreviation_for_fips

    geo_id = str(geo_id)
    if features is None:
        features = county_features(table, state_abbreviation_for_fips(geo_id[:2]))
    used = features.attrs.get("features") or [
        c for c in features.columns if c != "geo_name"
    ]
    if geo_id not in features.index or features.loc[geo_id, used].isna().all():
        raise PeerFeaturesError(
            f"{geo_id} has none of the peer features (is it a county in the table?)"
        )
    num = features[used].astype(float).copy()
    for c in LOG_FEATURES:
        if c in num.columns:
            num[c] = np.log(num[c].clip(lower=1e-9))
    z = (num - num.mean()) / num.std(ddof=0).replace(0, 1)
    # a county missing one feature is placed at the average on it
    z = z.fillna(0)
    dist = np.sqrt(((z - z.loc[geo_id]) ** 2).sum(axis=1))
    out = features.assign(distance=dist).drop(index=geo_id)
    out = out.sort_values("distance").head(n)
    focus = features.loc[geo_id]
    out["similarity"] = [describe_peer(r, focus) for _, r in out.iterrows()]
    out = out.reset_index(names=s.GEO_ID)
    out.attrs["features"] = list(used)
    out.attrs["labels"] = [FEATURE_LABELS.get(c, c) for c in used]
    return out


def gap_difference_z(
    estimate_a,
    lower_a,
    upper_a,
    estimate_b,
    lower_b,
    upper_b,
    *,
    log: bool = True,
    alpha: float = 0.05,
) -> np.ndarray:
    r"""z statistic for the difference between two independent gaps.

    .. math::
        z = \frac{\ln R_a - \ln R_b}{\sqrt{SE_a^2 + SE_b^2}},\quad
        SE = \frac{\ln U - \ln L}{2 z_{1-\alpha/2}}

    (on the value scale when ``log=False``, for differences). Altman & Bland,
    BMJ 2003;326:219.

    Examples
    --------
    Issue #12's peers: 4.33 (CI 2.60-7.22) vs 4.07 (3.16-5.23):
    :math:`SE_a = (\ln 7.22 - \ln 2.60)/3.92 = 0.2606`,
    :math:`SE_b = (\ln 5.23 - \ln 3.16)/3.92 = 0.1285`,
    :math:`z = (\ln 4.33 - \ln 4.07)/\sqrt{0.2606^2 + 0.1285^2} = 0.21`.

    >>> round(float(gap_difference_z(4.33, 2.60, 7.22, 4.07, 3.16, 5.23)), 2)
    0.21
    """
    from disparities.uncertainty import z_value

    zc = z_value(alpha)
    a, la, ua, b, lb, ub = (
        np.asarray(x, dtype=float)
        for x in (estimate_a, lower_a, upper_a, estimate_b, lower_b, upper_b)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        if log:
            a, la, ua, b, lb, ub = (np.log(x) for x in (a, la, ua, b, lb, ub))
        se = np.sqrt(((ua - la) / (2 * zc)) ** 2 + ((ub - lb) / (2 * zc)) ** 2)
        return (a - b) / se


def find_bright_spots(
    gaps: pd.DataFrame,
    peers: pd.DataFrame,
    focus_geo_id: str,
    indicator: str,
    group: str,
    *,
    table: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Peers whose gap on one disparity is clearly smaller than the focus county's.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`~disparities.gaps.compute_gaps` rows for the focus county and
        its peers.
    peers : pandas.DataFrame
        :func:`find_peer_counties` result (its ``similarity`` is carried over).
    focus_geo_id, indicator, group : str
        The disparity.
    table : pandas.DataFrame, optional
        The tidy table with context rows: gaps without a published CI get one
        derived from estimated group sizes
        (:func:`~disparities.group_sizes.add_size_estimates`).
    alpha : float
        Significance level of the test.

    Returns
    -------
    pandas.DataFrame
        The focus county's row first, then every peer with the same comparison:
        ``z_difference`` (positive when the peer's gap is smaller),
        ``comparison`` ("the focus county", "smaller gap", "not clearly different",
        "larger gap", "cannot tell: no confidence interval" or "not shown"),
        ``smaller_gap`` (True only for a clearly smaller gap), ``similarity``
        and a ``sentence``.
    """
    from disparities.catalog import get_indicator
    from disparities.narrative import format_value, ratio_bounds
    from disparities.uncertainty import z_value

    focus_geo_id = str(focus_geo_id)
    ids = [focus_geo_id] + peers[s.GEO_ID].astype(str).tolist()
    sub = gaps[
        (gaps[s.INDICATOR].astype(str) == indicator)
        & (gaps[s.GROUP].astype(str) == group)
        & gaps[s.GEO_ID].astype(str).isin(ids)
    ]
    if sub.empty:
        raise KeyError(f"no gaps for {group} / {indicator!r} in these counties")
    last = sub[s.PERIOD_END].max()
    sub = sub[sub[s.PERIOD_END] == last].copy()
    if table is not None:
        from disparities.group_sizes import add_size_estimates

        sub = add_size_estimates(sub, table, alpha=alpha)
    sub = sub.drop_duplicates(s.GEO_ID, keep="first")
    sub["is_focus"] = sub[s.GEO_ID].astype(str) == focus_geo_id
    focus = sub[sub["is_focus"]]
    score = get_indicator(indicator).measure_type == "score"
    # the adverse side's size: the adverse ratio, or the adverse difference
    if score:
        sign = np.where(sub["higher_is_worse"].astype(bool), 1.0, -1.0)
        est = sub["difference"].to_numpy(float) * sign
        lo_d = sub["difference_ci_lower"].to_numpy(float) * sign
        hi_d = sub["difference_ci_upper"].to_numpy(float) * sign
        lo, hi = np.fmin(lo_d, hi_d), np.fmax(lo_d, hi_d)
    else:
        est = sub["adverse_ratio"].to_numpy(float)
        lo = sub["adverse_ratio_ci_lower"].to_numpy(float)
        hi = sub["adverse_ratio_ci_upper"].to_numpy(float)
    if len(focus):
        i = int(np.flatnonzero(sub["is_focus"].to_numpy())[0])
        zdiff = gap_difference_z(
            est[i], lo[i], hi[i], est, lo, hi, log=not score, alpha=alpha
        )
    else:
        zdiff = np.full(len(sub), np.nan)
    zc = z_value(alpha)
    shown = ~sub[s.SUPPRESSED].to_numpy(bool) & np.isfinite(est)
    comparison = np.select(
        [
            sub["is_focus"].to_numpy(),
            ~shown,
            ~np.isfinite(zdiff),
            zdiff > zc,
            zdiff < -zc,
        ],
        [
            "the focus county",
            "not shown",
            "cannot tell: no confidence interval",
            "smaller gap",
            "larger gap",
        ],
        default="not clearly different",
    )
    sub["z_difference"] = np.where(sub["is_focus"], np.nan, zdiff)
    sub["comparison"] = comparison
    sub["smaller_gap"] = comparison == "smaller gap"
    sim = peers.assign(_g=peers[s.GEO_ID].astype(str)).set_index("_g")
    sim = sim["similarity"] if "similarity" in sim.columns else pd.Series(dtype=str)
    sub["similarity"] = [
        "" if f else str(sim.get(g, ""))
        for g, f in zip(sub[s.GEO_ID].astype(str), sub["is_focus"], strict=True)
    ]
    sub = sub.sort_values(["is_focus", "adverse_ratio"], ascending=[False, True])
    focus_name = str(focus[s.GEO_NAME].iloc[0]) if len(focus) else focus_geo_id

    def amount(r):
        if score:
            return (
                f"{format_value(r[s.VALUE], indicator)} vs "
                f"{format_value(r['reference_value'], indicator)}"
            )
        txt = f"{r['adverse_ratio']:.1f} times"
        if np.isfinite(r["adverse_ratio_ci_lower"]):
            bounds = ratio_bounds(
                r["adverse_ratio_ci_lower"], r["adverse_ratio_ci_upper"], "\u2013"
            )
            derived = str(r.get("interval_basis", "")).startswith("derived")
            txt += f" (95% CI {bounds}{', estimated' if derived else ''})"
        if bool(r.get(s.UNRELIABLE, False)):
            txt += " (small numbers: read with care)"
        return txt

    def say(r):
        name = str(r[s.GEO_NAME])
        like = f" ({r['similarity']})" if r["similarity"] else ""
        if r["comparison"] == "not shown":
            return f"{name}{like}: not shown (small numbers or no value)."
        if r["is_focus"]:
            return f"{name}: {amount(r)} (the focus county)."
        verdict = {
            "smaller gap": f"a smaller gap than {focus_name}'s, by more than "
            "chance would explain",
            "larger gap": f"a larger gap than {focus_name}'s",
            "not clearly different": f"not clearly different from {focus_name}'s "
            "(with these numbers the difference is within what chance would "
            "explain)",
            "cannot tell: no confidence interval": "cannot be compared: no "
            "confidence interval",
        }[r["comparison"]]
        return f"{name}{like}: {amount(r)}, {verdict}."

    sub["sentence"] = [say(r) for _, r in sub.iterrows()]
    cols = [
        s.GEO_ID,
        s.GEO_NAME,
        s.PERIOD,
        s.VALUE,
        "reference_value",
        "difference",
        "adverse_ratio",
        "adverse_ratio_ci_lower",
        "adverse_ratio_ci_upper",
        "direction",
        s.UNRELIABLE,
        s.SUPPRESSED,
        "is_focus",
        "z_difference",
        "comparison",
        "smaller_gap",
        "similarity",
        "sentence",
    ]
    return sub[cols].reset_index(drop=True)


def better_than_state(table: pd.DataFrame, geo_id: str) -> pd.DataFrame:
    """Indicators and groups where the county is clearly better than its state.

    Uses :func:`~disparities.gaps.compute_gaps` with ``reference="state"`` on the
    latest period of each indicator; keeps rows whose direction is "better".
    """
    from disparities.gaps import compute_gaps
    from disparities.select import parent_geo_id

    sub = table[table[s.GEO_ID].astype(str).isin([str(geo_id), parent_geo_id(geo_id)])]
    g = compute_gaps(sub, reference="state")
    g = g[g[s.GEO_ID].astype(str) == str(geo_id)]
    last = g.groupby(s.INDICATOR, observed=True)[s.PERIOD_END].transform("max")
    g = g[(g[s.PERIOD_END] == last) & (g["direction"] == "better")]
    return g.sort_values("adverse_ratio").reset_index(drop=True)
