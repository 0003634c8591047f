"""State school report-card datasets: school rows aggregated to districts and counties.

The model is North Carolina DPI's researcher file ``rcd_acc_cgr`` (cohort
graduation rate): ``year, agency_code, cgr_type, subgroup, den, pct, masking``.
``agency_code`` is a school: its first three characters are the district
(LEA). Subgroups: ``ALL``, race codes ``BL7 WH7 HI7 AS7 AM7 MU7 (PI7)`` and
``EDS``/``NEDS`` (economically disadvantaged or not); others (``SWD``, ``ELS``,
``FEM``...) are not compared here and are counted as rejected with that reason.

Masking: ``masking`` 1 means ``pct`` 95.0 stands for "above 95%", 2 means 5.0
stands for "below 5%". Aggregates keep that honest: a masked school counts at
the middle of its range (97.5% or 2.5%), the aggregate's CI runs from the
Wilson lower bound with every masked school at its range's bottom to the Wilson
upper bound with each at its top, and the note says so. An aggregate whose
masked range is wider than 1 point is flagged unreliable.

Counties: in North Carolina a district code ``kk0`` (and city districts
``kk1``-``kk9``) lies in the county that is k-th alphabetically, whose FIPS is
``2k - 1`` (Durham Public Schools, 320: county 063). Charter schools (codes
with letters) have no county and are kept at district level only. For other
states pass ``county_of`` (district code -> county FIPS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.sources.common import (
    district_id,
    finish_table,
    harmonize_groups,
    read_source_csv,
)
from disparities.sources.load_report import LoadReport
from disparities.uncertainty import wilson_interval

__all__ = ["load_report_card", "looks_like_report_card", "nc_district_county"]

REQUIRED = ["year", "agency_code", "subgroup", "den", "pct", "masking"]
_MASK_RANGE = {"1": (95.0, 100.0), "2": (0.0, 5.0)}


def looks_like_report_card(columns) -> bool:
    """True when the header is a school report-card subgroup file's."""
    return {"agency_code", "subgroup", "den", "pct"} <= {
        str(c).strip() for c in columns
    }


def nc_district_county(code: str) -> str | None:
    """County FIPS of a North Carolina district (LEA) code, or None (charters).

    Examples
    --------
    >>> nc_district_county("320"), nc_district_county("111"), nc_district_county("01B")
    ('37063', '37021', None)
    """
    c = str(code)[:3]
    if not c.isdigit():
        return None
    k = int(c[:2])
    if not 1 <= k <= 100:
        return None
    return f"37{2 * k - 1:03d}"


def _masked_words(over: int, under: int) -> str:
    """ "over 95%" / "2 schools over 95%, 1 under 5%" for a masking note.

    Examples
    --------
    >>> _masked_words(1, 0), _masked_words(2, 1)
    ('over 95%', '2 school values over 95%, 1 under 5%')
    """
    over, under = int(over), int(under)
    if over + under == 1:
        return "over 95%" if over else "under 5%"
    parts = []
    if over:
        parts.append(f"{over} school values over 95%")
    if under:
        parts.append(f"{under} under 5%" if over else f"{under} school values under 5%")
    return ", ".join(parts)


def load_report_card(
    path,
    *,
    state: str = "NC",
    cgr_type: str = "STD",
    indicator: str = "graduation_rate",
    county_of=None,
    strict: bool = False,
):
    """Load a school-level subgroup file and aggregate it to districts, counties, state.

    Parameters
    ----------
    path : str or Path
        The file.
    state : str
        The state of the schools.
    cgr_type : str
        ``"STD"`` (4-year cohort) or ``"EXT"`` (5-year); rows of the other type
        are counted as rejected with that reason.
    indicator : str
        Catalog id of the rate.
    county_of : callable or dict, optional
        District code -> county FIPS; North Carolina's rule by default.
    strict : bool
        Raise on the first bad row.

    Returns
    -------
    tuple
        ``(table, LoadReport)``.
    """
    from disparities.geography import county_table, resolve_state

    path = str(path)
    report = LoadReport(path, "report_card", strict=strict)
    raw = read_source_csv(path, report, REQUIRED)
    st_fips, st_abbr, st_name = resolve_state(state)
    if county_of is None:
        county_of = nc_district_county if st_abbr == "NC" else (lambda c: None)
    elif isinstance(county_of, dict):
        mapping = county_of
        county_of = mapping.get
    keep = pd.Series(True, index=raw.index)
    if "cgr_type" in raw.columns:
        other = raw["cgr_type"].str.strip() != cgr_type
        if other.any():
            report.reject(
                int(raw.index[other][0]),
                "cgr_type",
                f"cohort type other than {cgr_type!r} not selected",
                count=int(other.sum()),
            )
        keep &= ~other
    labels = raw.loc[keep, "subgroup"].str.strip()
    groups = harmonize_groups(labels, report, column="subgroup")
    keep &= groups["group"].reindex(raw.index).notna()
    den = pd.to_numeric(raw["den"].str.replace(",", ""), errors="coerce")
    pct = pd.to_numeric(raw["pct"].str.replace("%", ""), errors="coerce")
    badnum = keep & (den.isna() | pct.isna() | (den < 0) | (pct < 0) | (pct > 100))
    for line in raw.index[badnum]:
        col = "den" if pd.isna(den[line]) or den[line] < 0 else "pct"
        report.reject(
            int(line),
            col,
            f"not a valid count or percent: "
            f"den={raw.loc[line, 'den']!r}, pct={raw.loc[line, 'pct']!r}",
        )
    keep &= ~badnum
    w = raw[keep].copy()
    g = groups.loc[w.index]
    mask = w["masking"].str.strip().str.replace(r"\.0$", "", regex=True)
    lo_pct = np.where(mask.eq("1"), 95.0, np.where(mask.eq("2"), 0.0, pct[w.index]))
    hi_pct = np.where(mask.eq("1"), 100.0, np.where(mask.eq("2"), 5.0, pct[w.index]))
    mid_pct = (lo_pct + hi_pct) / 2
    d = den[w.index].to_numpy(float)
    lea = w["agency_code"].str.strip().str[:3].str.upper()
    n_masked = int(mask.isin(["1", "2"]).sum())
    if n_masked:
        report.notes.append(
            f"{n_masked} school rows were masked (>95% or <5%): counted "
            "at the middle of their range, with the range carried into "
            "the confidence interval."
        )
    parts = pd.DataFrame(
        {
            "lea": lea.to_numpy(),
            "county": [county_of(c) for c in lea],
            s.DIMENSION: g["dimension"].to_numpy(),
            s.GROUP: g["group"].to_numpy(),
            "den": d,
            "num_mid": mid_pct / 100 * d,
            "num_lo": lo_pct / 100 * d,
            "num_hi": hi_pct / 100 * d,
            "masked": mask.isin(["1", "2"]).to_numpy(),
            "masked_hi": mask.eq("1").to_numpy(),
            "masked_lo": mask.eq("2").to_numpy(),
            "year": w["year"].str.strip().to_numpy(),
        }
    )
    no_county = parts["county"].isna()
    if no_county.any():
        report.notes.append(
            f"{parts.loc[no_county, 'lea'].nunique()} districts (charter "
            "schools and others) have no county: kept at district level."
        )
    names = county_table(st_abbr).set_index("geo_id")["geo_name"]
    frames = []
    for key in ("lea", "county", None):
        sub = parts if key is None else parts[parts[key].notna()]
        by = ["year", s.DIMENSION, s.GROUP] + ([key] if key else [])
        agg = (
            sub.groupby(by, dropna=False)
            .agg(
                den=("den", "sum"),
                num_mid=("num_mid", "sum"),
                num_lo=("num_lo", "sum"),
                num_hi=("num_hi", "sum"),
                masked=("masked", "sum"),
                masked_hi=("masked_hi", "sum"),
                masked_lo=("masked_lo", "sum"),
            )
            .reset_index()
        )
        if key == "lea":
            agg[s.GEO_ID] = [district_id(st_fips, c) for c in agg["lea"]]
            agg[s.GEO_NAME] = "District " + agg["lea"]
        elif key == "county":
            agg[s.GEO_ID] = agg["county"]
            agg[s.GEO_NAME] = agg["county"].map(names)
        else:
            agg[s.GEO_ID] = st_fips
            agg[s.GEO_NAME] = st_name
        frames.append(agg)
    a = pd.concat(frames, ignore_index=True)
    a = a[a["den"] > 0]
    lo, _ = wilson_interval(a["num_lo"], a["den"])
    _, hi = wilson_interval(a["num_hi"], a["den"])
    span = (a["num_hi"] - a["num_lo"]) / a["den"] * 100
    note = np.where(
        a["masked"] > 0,
        "masked by the source ("
        + pd.Series(
            [
                _masked_words(h, lo)
                for h, lo in zip(a["masked_hi"], a["masked_lo"], strict=True)
            ],
            index=a.index,
        )
        + "): true rate between "
        + (a["num_lo"] / a["den"] * 100).round(1).astype(str)
        + "% and "
        + (a["num_hi"] / a["den"] * 100).round(1).astype(str)
        + "%",
        "",
    )
    t = pd.DataFrame(
        {
            s.GEO_ID: a[s.GEO_ID],
            s.GEO_NAME: a[s.GEO_NAME],
            s.INDICATOR: indicator,
            s.PERIOD: a["year"],
            s.DIMENSION: a[s.DIMENSION],
            s.GROUP: a[s.GROUP],
            s.NUMERATOR: a["num_mid"].round(1),
            s.DENOMINATOR: a["den"],
            s.CI_LOWER: lo * 100,
            s.CI_UPPER: hi * 100,
            s.UNRELIABLE: span > 1.0,
            s.NOTE: np.where(
                span > 1.0,
                pd.Series(note, index=a.index)
                + "; unreliable: the masked range is wider than 1 point",
                note,
            ),
            s.SOURCE: f"{st_abbr} school report cards",
            s.SOURCE_LABEL: cgr_type,
        }
    )
    report.rows_kept = int(keep.sum())
    table = finish_table(t.reset_index(drop=True), report)
    report.check_balance()
    return table, report
