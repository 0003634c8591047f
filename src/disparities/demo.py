"""Synthetic demo data: real counties, made-up numbers, calibrated to real rates.

**Every number this module makes is synthetic.** It exists so a newcomer can run
the tool offline and see realistic patterns: the counties and their FIPS codes
are real (from the Census county list), county sizes span tiny to large, and
the statewide rates by group are set near published North Carolina figures so
the demo teaches true proportions:

* County Health Rankings 2021 (NCHS natality 2013-2019): infant mortality 11.97
  (Black) vs 5.41 (White) per 1,000 births; low birthweight 14.1% vs 7.5%; teen
  births per 1,000 girls 29.1 (Black), 40.0 (Hispanic), 15.9 (White).
* KIDS COUNT Data Center (ACS 2019): child poverty 32% (Black), 30% (Hispanic),
  10% (non-Hispanic White), 20% overall.

The other indicators use round values near NC's published levels. Counties
differ around the state figures through a seeded county effect, and counts are
drawn (binomial and Poisson) so small counties have noisy, unreliable and
suppressed cells, as real data do. Rebuild the files with ``disparities demo``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = [
    "DEMO_SEED",
    "DEMO_SOURCE",
    "DEMO_YEARS",
    "generate_demo_counts",
    "generate_demo_observations",
    "write_demo_data",
    "load_demo",
]

DEMO_SEED = 20261126
DEMO_SOURCE = "SYNTHETIC demo data (not real): disparities.demo"
DEMO_YEARS = tuple(range(2013, 2023))

RACE_GROUPS = [
    "Black",
    "Hispanic or Latino",
    "American Indian or Alaska Native",
    "Asian",
    "Two or more races",
    "White",
]
# share of young children by race/ethnicity, near NC's ACS profile
RACE_SHARES = np.array([0.22, 0.18, 0.013, 0.035, 0.07, 0.482])
FPL_GROUPS = ["Under 100% FPL", "100-199% FPL", "200-399% FPL", "400% FPL and over"]
FPL_SHARES = np.array([0.20, 0.23, 0.30, 0.27])
SCHOOL_GROUPS = ["Economically disadvantaged", "Not economically disadvantaged"]
SCHOOL_SHARES = np.array([0.48, 0.52])

# indicator -> (denominator per annual birth, race rates, income rates, annual trend,
#               income scheme)
# Rates are in the indicator's unit, in the calibration year 2019.
_SPECS: dict[str, dict] = {
    "low_birthweight": dict(
        per_birth=1.0,
        race=[14.1, 7.3, 10.5, 8.6, 9.5, 7.5],
        trend=[0.0, 0.005, 0.0, 0.0, 0.0, 0.0],
    ),
    "infant_mortality": dict(
        per_birth=1.0,
        race=[11.97, 5.8, 9.0, 4.0, 7.0, 5.41],
        trend=[-0.01, 0.0, 0.0, 0.0, 0.0, -0.02],
    ),
    "teen_births": dict(
        per_birth=2.75,
        race=[29.1, 40.0, 33.0, 4.5, 22.0, 15.9],
        trend=[-0.07, -0.05, -0.05, -0.05, -0.06, -0.06],
    ),
    "child_poverty": dict(
        per_birth=22.5,
        race=[32.0, 30.0, 30.0, 8.0, 22.0, 10.0],
        trend=[-0.03, -0.035, -0.02, -0.02, -0.03, -0.03],
    ),
    "uninsured_children": dict(
        per_birth=23.5,
        race=[4.3, 11.5, 8.5, 4.0, 4.6, 4.2],
        income=[7.5, 7.8, 5.0, 2.3],
        scheme="fpl",
        trend=[-0.02, -0.03, -0.02, -0.02, -0.02, -0.01],
    ),
    "prek_enrollment": dict(
        per_birth=2.0,
        race=[48.0, 34.0, 40.0, 55.0, 45.0, 46.0],
        income=[36.0, 38.0, 45.0, 62.0],
        scheme="fpl",
        trend=[0.0, 0.01, 0.0, 0.0, 0.0, 0.0],
    ),
    "third_grade_reading": dict(
        per_birth=0.95,
        race=[34.0, 38.0, 36.0, 76.0, 53.0, 66.0],
        income=[35.0, 68.0],
        scheme="school",
        trend=[-0.01, 0.0, -0.01, 0.0, -0.005, 0.0],
        skip_years=(2020,),  # no end-of-grade tests in spring 2020
    ),
    "foster_care_entries": dict(
        per_birth=22.5,
        race=[4.5, 1.6, 8.5, 0.6, 4.8, 3.6],
        trend=[-0.03, 0.0, 0.02, 0.0, 0.0, 0.02],
    ),
}

# Rough annual births of NC's largest and smallest counties, so the synthetic
# counties have realistic sizes; every other county draws a size at random.
_NC_BIRTH_ANCHORS = {
    "Mecklenburg": 15000,
    "Wake": 13000,
    "Guilford": 5800,
    "Cumberland": 5300,
    "Forsyth": 4300,
    "Durham": 4200,
    "Onslow": 4000,
    "Buncombe": 2600,
    "Union": 2600,
    "Gaston": 2600,
    "Johnston": 2500,
    "Cabarrus": 2400,
    "New Hanover": 2300,
    "Pitt": 2000,
    "Tyrrell": 30,
    "Hyde": 35,
    "Graham": 80,
    "Clay": 80,
    "Camden": 90,
    "Gates": 90,
    "Jones": 90,
    "Alleghany": 90,
}
# NC counties home to large American Indian communities (Lumbee, Eastern Band of
# Cherokee), so the AIAN share is realistic where it matters.
_NC_AIAN_SHARE = {
    "Robeson": 0.38,
    "Swain": 0.30,
    "Jackson": 0.12,
    "Hoke": 0.10,
    "Scotland": 0.10,
    "Graham": 0.07,
}
_SURVEY_EFFECTIVE_SAMPLE = 0.06  # ACS 5-year: ~1 in 8 sampled, design effect ~2


def _county_frame(state: str, rng: np.random.Generator) -> pd.DataFrame:
    from disparities.geography import county_table

    counties = county_table(state)
    n = len(counties)
    births = np.exp(rng.normal(np.log(550), 0.85, n)).clip(40, 20000)
    if state.upper() in ("NC", "37", "NORTH CAROLINA"):
        anchor = counties["short_name"].map(_NC_BIRTH_ANCHORS)
        births = np.where(anchor.notna(), anchor, births.clip(120, 1900))
    counties["births"] = np.round(births)
    shares = rng.dirichlet(RACE_SHARES * 25, n)
    if state.upper() in ("NC", "37", "NORTH CAROLINA"):
        aian = counties["short_name"].map(_NC_AIAN_SHARE).fillna(0).to_numpy()
        i_aian = RACE_GROUPS.index("American Indian or Alaska Native")
        has = aian > 0
        shares[has, i_aian] = aian[has]
    shares = np.maximum(shares, 0.002)
    shares /= shares.sum(axis=1, keepdims=True)
    counties["race_shares"] = list(shares)
    counties["deprivation"] = rng.normal(0, 1, n)
    return counties


def _draw(rng, denom, rate, mult, mtype):
    p = np.clip(rate / mult, 0, 1)
    if mtype == "survey":
        n_eff = np.maximum(denom * _SURVEY_EFFECTIVE_SAMPLE, 2)
        se = np.sqrt(np.maximum(p * (1 - p), 0.0025) / n_eff)
        est = np.clip(rng.normal(p, se), 0, 1)
        num = np.round(est * denom)
        moe = 1.645 * se * mult
        return num, moe
    if mtype == "rate":
        return rng.poisson(denom * p).astype(float), np.full(len(denom), np.nan)
    return rng.binomial(denom.astype(np.int64), p).astype(float), np.full(
        len(denom), np.nan
    )


def _periods(indicator: str, mtype: str, years):
    if mtype == "survey":
        return [(f"{y - 4}-{y}", y) for y in years]
    skip = _SPECS[indicator].get("skip_years", ())
    return [(str(y), y) for y in years if y not in skip]


def generate_demo_counts(
    *, state: str = "NC", years=DEMO_YEARS, seed: int = DEMO_SEED
) -> pd.DataFrame:
    """Generate the raw synthetic counts: counties, state and nation.

    Parameters
    ----------
    state : str
        Any US state; North Carolina gets realistic county sizes.
    years : sequence of int
        Calendar years (survey indicators get 5-year spans ending in each).
    seed : int
        Random seed; the same seed gives the same data.

    Returns
    -------
    pandas.DataFrame
        One row per geography x indicator x period x group, with ``numerator``,
        ``denominator`` and, for survey indicators, ``moe`` of the percentage.
    """
    from disparities.catalog import get_indicator
    from disparities.geography import resolve_state

    rng = np.random.default_rng(seed)
    st_fips, st_abbr, st_name = resolve_state(state)
    counties = _county_frame(st_abbr, rng)
    n_c = len(counties)
    births = counties["births"].to_numpy()
    race_shares = np.vstack(counties["race_shares"].to_numpy())
    depriv = counties["deprivation"].to_numpy()
    frames = []
    for ind, spec in _SPECS.items():
        info = get_indicator(ind)
        mult, mtype = float(info.multiplier), info.measure_type
        sign = 1.0 if info.higher_is_worse else -0.6
        county_effect = np.exp(sign * 0.12 * depriv)
        group_noise = np.exp(rng.normal(0, 0.12, (n_c, len(RACE_GROUPS))))
        dims = [("race_ethnicity", RACE_GROUPS, np.array(spec["race"]), race_shares)]
        if "income" in spec:
            groups = FPL_GROUPS if spec["scheme"] == "fpl" else SCHOOL_GROUPS
            shares = FPL_SHARES if spec["scheme"] == "fpl" else SCHOOL_SHARES
            inc_shares = rng.dirichlet(shares * 40, n_c)
            dims.append(("income", groups, np.array(spec["income"]), inc_shares))
        trend = np.array(spec["trend"])
        for period, year in _periods(ind, mtype, years):
            growth = np.exp(trend * (year - 2019))
            year_births = births * np.exp(rng.normal(0, 0.02, n_c))
            pop = year_births * spec["per_birth"]
            for dim, groups, rates, shares in dims:
                g_trend = (
                    growth
                    if dim == "race_ethnicity"
                    else np.exp(trend.mean() * (year - 2019))
                )
                noise = (
                    group_noise[:, : len(groups)]
                    if dim == "race_ethnicity"
                    else (np.exp(rng.normal(0, 0.08, (n_c, len(groups)))))
                )
                rate = rates[None, :] * g_trend * county_effect[:, None] * noise
                if mult == 100:
                    rate = np.minimum(rate, 97.0)
                denom = np.round(pop[:, None] * shares)
                num, moe = _draw(rng, denom.ravel(), rate.ravel(), mult, mtype)
                frames.append(
                    pd.DataFrame(
                        {
                            s.GEO_ID: np.repeat(
                                counties["geo_id"].to_numpy(), len(groups)
                            ),
                            s.INDICATOR: ind,
                            s.PERIOD: period,
                            s.DIMENSION: dim,
                            s.GROUP: np.tile(groups, n_c),
                            s.NUMERATOR: num,
                            s.DENOMINATOR: denom.ravel(),
                            s.MOE: moe,
                        }
                    )
                )
    counts = pd.concat(frames, ignore_index=True)
    counts = _add_totals_and_state(counts, st_fips, rng)
    names = dict(zip(counties["geo_id"], counties["geo_name"], strict=True))
    names[st_fips] = st_name
    names["US"] = "United States"
    counts[s.GEO_NAME] = counts[s.GEO_ID].map(names)
    counts[s.SOURCE] = DEMO_SOURCE
    return counts.sort_values(
        [s.GEO_ID, s.INDICATOR, s.PERIOD, s.DIMENSION, s.GROUP]
    ).reset_index(drop=True)


def _moe_sum(moe, denom):
    """MOE of a summed count, from per-group MOEs of percentages."""
    return np.sqrt(np.nansum(np.square(moe / 100 * denom)))


def _add_totals_and_state(counts: pd.DataFrame, st_fips: str, rng) -> pd.DataFrame:
    from disparities.catalog import get_indicator

    counts = counts.copy()
    counts["moe_count"] = counts[s.MOE] / 100 * counts[s.DENOMINATOR]
    race = counts[counts[s.DIMENSION] == "race_ethnicity"]
    keys = [s.GEO_ID, s.INDICATOR, s.PERIOD]
    totals = race.groupby(keys, sort=False).agg(
        numerator=(s.NUMERATOR, "sum"),
        denominator=(s.DENOMINATOR, "sum"),
        moe_count=("moe_count", lambda m: np.sqrt(np.sum(np.square(m)))),
    )
    totals = totals.reset_index()
    totals[s.DIMENSION], totals[s.GROUP] = "total", s.TOTAL
    county_all = pd.concat([counts, totals], ignore_index=True)
    gkeys = [s.INDICATOR, s.PERIOD, s.DIMENSION, s.GROUP]
    state = county_all.groupby(gkeys, sort=False).agg(
        numerator=(s.NUMERATOR, "sum"),
        denominator=(s.DENOMINATOR, "sum"),
        moe_count=("moe_count", lambda m: np.sqrt(np.sum(np.square(m)))),
    )
    state = state.reset_index()
    state[s.GEO_ID] = st_fips
    # The nation: about 30 times the state, with the state's rates nudged.
    nation = state.copy()
    nation[s.GEO_ID] = "US"
    scale = 30.0
    ratio = np.exp(rng.normal(-0.03, 0.05, len(nation)))
    nation[s.DENOMINATOR] = np.round(nation[s.DENOMINATOR] * scale)
    nation[s.NUMERATOR] = np.minimum(
        np.round(nation[s.NUMERATOR] * scale * ratio), nation[s.DENOMINATOR]
    )
    nation["moe_count"] = nation["moe_count"] * np.sqrt(scale)
    out = pd.concat([county_all, state, nation], ignore_index=True)
    is_survey = out[s.INDICATOR].map(
        lambda i: get_indicator(i).measure_type == "survey"
    )
    out[s.MOE] = np.where(
        is_survey, out["moe_count"] / out[s.DENOMINATOR] * 100, np.nan
    ).round(2)
    return out.drop(columns="moe_count")


def generate_demo_observations(
    *, state: str = "NC", years=DEMO_YEARS, seed: int = DEMO_SEED
) -> pd.DataFrame:
    """Return the synthetic demo as a prepared tidy table (CIs, flags, suppression)."""
    from disparities.reliability import prepare_observations

    counts = generate_demo_counts(state=state, years=years, seed=seed)
    return prepare_observations(counts)


def write_demo_data(
    *, state: str = "NC", seed: int = DEMO_SEED, raw_dir=None, processed_dir=None
) -> dict:
    """Write the demo files under ``data/raw`` and ``data/processed``.

    Returns
    -------
    dict
        Paths written, by kind.
    """
    from disparities import paths

    raw_dir = paths.RAW_DATA_DIR if raw_dir is None else raw_dir
    processed_dir = paths.PROCESSED_DATA_DIR if processed_dir is None else processed_dir
    raw_dir.mkdir(parents=True, exist_ok=True)
    processed_dir.mkdir(parents=True, exist_ok=True)
    counts = generate_demo_counts(state=state, seed=seed)
    raw_path = raw_dir / paths.DEMO_RAW_FILE.name
    counts.to_csv(raw_path, index=False, compression={"method": "gzip", "mtime": 0})
    from disparities.reliability import prepare_observations

    obs = prepare_observations(counts)
    proc_path = processed_dir / paths.DEMO_PROCESSED_FILE.name
    obs.drop(columns="rse").to_csv(
        proc_path,
        index=False,
        float_format="%.6g",
        compression={"method": "gzip", "mtime": 0},
    )
    written = {"raw_counts": raw_path, "processed": proc_path}
    try:
        from disparities.sources.demo_layouts import write_demo_layouts

        written.update(write_demo_layouts(obs, raw_dir=raw_dir))
    except ImportError:  # pragma: no cover - layouts module is optional
        pass
    return written


def load_demo() -> pd.DataFrame:
    """Load the processed synthetic demo table (rebuilding it in memory if absent).

    Examples
    --------
    >>> demo = load_demo()
    >>> demo["source"].str.contains("SYNTHETIC").all()
    np.True_
    """
    from disparities import paths

    if paths.DEMO_PROCESSED_FILE.exists():
        raw = pd.read_csv(
            paths.DEMO_PROCESSED_FILE,
            dtype={s.GEO_ID: str, s.PERIOD: str},
            keep_default_na=False,
            na_values=[""],
        )
        for c in (s.NOTE, s.SOURCE_LABEL, s.GEO_NAME):
            raw[c] = raw[c].astype(object).where(raw[c].notna(), "")
        return s.validate_observations(raw, file=str(paths.DEMO_PROCESSED_FILE))
    return generate_demo_observations().drop(columns="rse")
