"""Write the synthetic demo in the layouts of real sources (KIDS COUNT, CHR).

So the "bring your own data" notebook can run offline, the demo generator also
writes its (synthetic) numbers as a KIDS COUNT Data Center export and as a
County Health Rankings state workbook. File names start with ``synthetic_demo``
and the CHR workbook's Introduction sheet says the data are made up.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = ["write_demo_layouts", "write_kids_count_layout", "write_chr_layout"]

_KC_RACE = {
    "Black": "Black or African American",
    "Hispanic or Latino": "Hispanic or Latino",
    "American Indian or Alaska Native": "American Indian",
    "Asian": "Asian",
    "Two or more races": "Two or more races",
    "White": "Non-Hispanic White",
    "Total": "Total",
}
_CHR_RACE = {
    "American Indian or Alaska Native": "AIAN",
    "Asian": "Asian",
    "Black": "Black",
    "Hispanic or Latino": "Hispanic",
    "White": "White",
}


def write_kids_count_layout(obs: pd.DataFrame, path: Path) -> Path:
    """Child poverty by race as a KIDS COUNT export (Number and Percent rows;
    unreliable values written as ``S``, as the Data Center does)."""
    sub = obs[
        (obs[s.INDICATOR].astype(str) == "child_poverty")
        & obs[s.DIMENSION].astype(str).isin(["race_ethnicity", "total"])
    ]
    rows = []
    for _, r in sub.iterrows():
        level = {"state": "State", "county": "County", "nation": "Nation"}[
            str(r[s.GEO_LEVEL])
        ]
        name = str(r[s.GEO_NAME]).removesuffix(" County")
        hide = bool(r[s.UNRELIABLE] or r[s.SUPPRESSED])
        pct = "S" if hide else f"{r[s.VALUE] / 100:.2f}"
        num = "S" if hide else f"{r[s.NUMERATOR]:.0f}"
        race = _KC_RACE[str(r[s.GROUP])]
        rows.append((level, name, race, str(r[s.PERIOD]), "Number", num))
        rows.append((level, name, race, str(r[s.PERIOD]), "Percent", pct))
    df = pd.DataFrame(
        rows,
        columns=["LocationType", "Location", "Race", "TimeFrame", "DataFormat", "Data"],
    )
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def _chr_block(obs, geo_ids, indicator, period, total_label, race_label, count=False):
    """Columns (group-header, label, values) of one CHR measure group."""
    cols = []
    sub = obs[
        (obs[s.INDICATOR].astype(str) == indicator)
        & (obs[s.PERIOD].astype(str) == period)
    ]

    def col(group, field):
        m = sub[sub[s.GROUP].astype(str) == group].set_index(s.GEO_ID)
        m.index = m.index.astype(str)
        v = m[field].reindex(geo_ids)
        hide = m[s.SUPPRESSED].reindex(geo_ids).fillna(True).astype(bool)
        return v.where(~hide).to_numpy()

    tot = sub[sub[s.GROUP].astype(str) == "Total"].set_index(s.GEO_ID)
    tot.index = tot.index.astype(str)
    unrel = tot[s.UNRELIABLE].reindex(geo_ids).fillna(False)
    cols.append(("Unreliable", np.where(unrel, "x", None)))
    if count:
        cols.append(("# Deaths", col("Total", s.NUMERATOR)))
    cols.append((total_label, col("Total", s.VALUE)))
    cols.append(("95% CI - Low", col("Total", s.CI_LOWER)))
    cols.append(("95% CI - High", col("Total", s.CI_UPPER)))
    cols.append(("Z-Score", np.full(len(geo_ids), None)))
    for g, code in _CHR_RACE.items():
        lab = f"{race_label} ({code})"
        cols.append((lab, col(g, s.VALUE)))
        if indicator != "child_poverty":
            cols.append((f"{lab} 95% CI - Low", col(g, s.CI_LOWER)))
            cols.append((f"{lab} 95% CI - High", col(g, s.CI_UPPER)))
    return cols


def write_chr_layout(obs: pd.DataFrame, path: Path) -> Path:
    """LBW, teen births, child poverty and infant mortality in a CHR-style workbook.

    Birth outcomes are pooled over 2016-2022 (CHR pools seven years); child
    poverty is the latest ACS span.
    """
    from disparities.reliability import pool_periods, prepare_observations

    births = obs[
        obs[s.INDICATOR]
        .astype(str)
        .isin(["low_birthweight", "teen_births", "infant_mortality"])
    ]
    raw_births = births.copy()
    pooled = pool_periods(raw_births[~raw_births[s.SUPPRESSED]], years=7)
    pooled = prepare_observations(pooled).drop(columns="rse")
    span = "2016-2022"
    pooled = pooled[pooled[s.PERIOD].astype(str) == span]
    pov_period = "2018-2022"
    geo = obs[[s.GEO_ID, s.GEO_NAME, s.GEO_LEVEL, s.STATE]].drop_duplicates(s.GEO_ID)
    geo = geo[geo[s.GEO_LEVEL].astype(str).isin(["state", "county"])]
    geo = geo.sort_values(s.GEO_ID)
    ids = geo[s.GEO_ID].astype(str).tolist()
    state_name = geo.loc[geo[s.GEO_LEVEL].astype(str) == "state", s.GEO_NAME].iloc[0]
    fips = [g + "000" if len(g) == 2 else g for g in ids]
    county = [
        None if len(g) == 2 else n.removesuffix(" County")
        for g, n in zip(ids, geo[s.GEO_NAME], strict=True)
    ]

    def sheet(blocks):
        head0, head1, data = (
            [None, None, None],
            ["FIPS", "State", "County"],
            [fips, [state_name] * len(ids), county],
        )
        for group, cols in blocks:
            for i, (lab, vals) in enumerate(cols):
                head0.append(group if i == 0 else None)
                head1.append(lab)
                data.append(vals)
        body = pd.DataFrame(dict(enumerate(data)))
        top = pd.DataFrame([head0, head1])
        return pd.concat([top, body], ignore_index=True)

    ranked = sheet(
        [
            (
                "Low birthweight",
                _chr_block(
                    pooled, ids, "low_birthweight", span, "% Low birthweight", "% LBW"
                ),
            ),
            (
                "Teen births",
                _chr_block(
                    pooled,
                    ids,
                    "teen_births",
                    span,
                    "Teen Birth Rate",
                    "Teen Birth Rate",
                ),
            ),
            (
                "Children in poverty",
                _chr_block(
                    obs,
                    ids,
                    "child_poverty",
                    pov_period,
                    "% Children in Poverty",
                    "% Children in Poverty",
                ),
            ),
        ]
    )
    additional = sheet(
        [
            (
                "Infant mortality",
                _chr_block(
                    pooled,
                    ids,
                    "infant_mortality",
                    span,
                    "Infant Mortality Rate",
                    "Infant Mortality Rate",
                    count=True,
                ),
            ),
        ]
    )
    years = pd.DataFrame(
        {
            "Focus Area": ["Length of Life", None, None, None],
            "Measure": [
                "Low birthweight*",
                "Teen births*",
                "Children in poverty*",
                "Infant mortality*",
            ],
            "Year(s)": [span, span, pov_period, span],
        }
    )
    intro = pd.DataFrame(
        {
            "Note": [
                "SYNTHETIC DEMO DATA: made-up numbers in the County Health Rankings layout.",
                "Generated by disparities.demo; not real County Health Rankings data.",
            ]
        }
    )
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        # fixed timestamps, so the same seed writes the same bytes
        fixed = datetime.datetime(2026, 1, 1)
        xw.book.properties.created = fixed
        xw.book.properties.modified = fixed
        intro.to_excel(xw, sheet_name="Introduction", index=False)
        ranked.to_excel(xw, sheet_name="Ranked Measure Data", index=False, header=False)
        additional.to_excel(
            xw, sheet_name="Additional Measure Data", index=False, header=False
        )
        years.to_excel(xw, sheet_name="Ranked Measure Sources & Years", index=False)
    return path


def write_demo_layouts(obs: pd.DataFrame, *, raw_dir) -> dict:
    """Write both layouts; returns their paths."""
    from disparities import paths

    raw_dir = Path(raw_dir)
    kc = write_kids_count_layout(obs, raw_dir / paths.DEMO_KIDS_COUNT_FILE.name)
    chr_path = write_chr_layout(obs, raw_dir / paths.DEMO_CHR_FILE.name)
    return {"kids_count_layout": kc, "chr_layout": chr_path}
