"""Peer counties and bright spots: a strengths-based view.

Peers are the counties most like the focus county on children's population
(log scale), rurality (children per square kilometre, log scale), child
poverty and racial/ethnic composition, by Euclidean distance between
standardised (z-score) features. Bright spots are peers whose gap on the chosen
disparity is smaller, and indicators where the county already does better than
its state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = [
    "county_features",
    "find_peer_counties",
    "find_bright_spots",
    "better_than_state",
]

_COMPOSITION_GROUPS = [
    "Black",
    "Hispanic or Latino",
    "American Indian or Alaska Native",
    "Asian",
    "White",
]


def county_features(
    table: pd.DataFrame, state: str, *, indicator: str = "child_poverty"
) -> pd.DataFrame:
    """Features used to find peers, one row per county of ``state``.

    Uses the latest period of ``indicator`` (a child-population indicator with
    denominators by race) for population, poverty and composition, and the
    county's land area from its outline for density.
    """
    from disparities.geography import county_geometries, resolve_state

    fips = resolve_state(state)[0]
    sub = table[
        (table[s.INDICATOR].astype(str) == indicator)
        & (table[s.GEO_ID].astype(str).str.len() == 5)
        & (table[s.GEO_ID].astype(str).str[:2] == fips)
    ]
    if sub.empty:
        raise KeyError(f"no county rows for {indicator!r} in {state}")
    last = sub[s.PERIOD_END].max()
    sub = sub[sub[s.PERIOD_END] == last]
    tot = sub[sub[s.DIMENSION].astype(str) == "total"].set_index(s.GEO_ID)
    feats = pd.DataFrame(index=tot.index.astype(str))
    feats["children"] = tot[s.DENOMINATOR].to_numpy()
    feats["child_poverty"] = tot[s.VALUE].to_numpy()
    race = sub[sub[s.DIMENSION].astype(str) == "race_ethnicity"]
    shares = race.pivot_table(
        index=s.GEO_ID,
        columns=s.GROUP,
        values=s.DENOMINATOR,
        observed=True,
        aggfunc="sum",
    )
    shares.index = shares.index.astype(str)
    shares = shares.div(feats["children"], axis=0)
    for g in _COMPOSITION_GROUPS:
        if g in shares.columns:
            feats[f"share_{g}"] = shares[g].reindex(feats.index)
    geo = county_geometries(state).to_crs("EPSG:5070").set_index("geo_id")
    area_km2 = geo.geometry.area.reindex(feats.index) / 1e6
    feats["children_per_km2"] = feats["children"] / area_km2
    names = geo["geo_name"].reindex(feats.index)
    feats.insert(0, "geo_name", names)
    feats.attrs["period"] = str(sub[s.PERIOD].iloc[0])
    return feats


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
        ``geo_id, geo_name, distance`` and the features, nearest first.
    """
    from disparities.geography import state_abbreviation_for_fips

    geo_id = str(geo_id)
    if features is None:
        features = county_features(table, state_abbreviation_for_fips(geo_id[:2]))
    if geo_id not in features.index:
        raise KeyError(f"{geo_id} has no features (is it a county in the table?)")
    num = features.drop(columns="geo_name").astype(float).copy()
    for c in ("children", "children_per_km2"):
        num[c] = np.log(num[c].clip(lower=1e-9))
    z = (num - num.mean()) / num.std(ddof=0).replace(0, 1)
    z = z.fillna(0)
    dist = np.sqrt(((z - z.loc[geo_id]) ** 2).sum(axis=1))
    out = features.assign(distance=dist).drop(index=geo_id)
    out = out.sort_values("distance").head(n)
    return out.reset_index(names=s.GEO_ID)


def find_bright_spots(
    gaps: pd.DataFrame,
    peers: pd.DataFrame,
    focus_geo_id: str,
    indicator: str,
    group: str,
) -> pd.DataFrame:
    """Peers with a smaller gap than the focus county on one disparity.

    Returns
    -------
    pandas.DataFrame
        The focus county's row first, then every peer with the same comparison,
        with ``smaller_gap`` (the peer's adverse ratio is below the focus
        county's and the peer's value is shown) and a sentence.
    """
    ids = [str(focus_geo_id)] + peers[s.GEO_ID].astype(str).tolist()
    sub = gaps[
        (gaps[s.INDICATOR].astype(str) == indicator)
        & (gaps[s.GROUP].astype(str) == group)
        & gaps[s.GEO_ID].astype(str).isin(ids)
    ]
    if sub.empty:
        raise KeyError(f"no gaps for {group} / {indicator!r} in these counties")
    last = sub[s.PERIOD_END].max()
    sub = sub[sub[s.PERIOD_END] == last].copy()
    focus = sub[sub[s.GEO_ID].astype(str) == str(focus_geo_id)]
    focus_ratio = float(focus["adverse_ratio"].iloc[0]) if len(focus) else np.nan
    sub["is_focus"] = sub[s.GEO_ID].astype(str) == str(focus_geo_id)
    sub["smaller_gap"] = (
        ~sub["is_focus"]
        & sub["adverse_ratio"].notna()
        & (sub["adverse_ratio"] < focus_ratio)
    )
    sub = sub.sort_values(["is_focus", "adverse_ratio"], ascending=[False, True])

    def say(r):
        if r[s.SUPPRESSED]:
            return f"{r[s.GEO_NAME]}: not shown (small numbers)."
        verb = (
            "smaller"
            if r["smaller_gap"]
            else ("the focus county" if r["is_focus"] else "not smaller")
        )
        return f"{r[s.GEO_NAME]}: {r['adverse_ratio']:.1f} times ({verb})."

    sub["sentence"] = [say(r) for _, r in sub.iterrows()]
    cols = [
        s.GEO_ID,
        s.GEO_NAME,
        s.PERIOD,
        s.VALUE,
        "reference_value",
        "adverse_ratio",
        "adverse_ratio_ci_lower",
        "adverse_ratio_ci_upper",
        "direction",
        s.UNRELIABLE,
        s.SUPPRESSED,
        "is_focus",
        "smaller_gap",
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
