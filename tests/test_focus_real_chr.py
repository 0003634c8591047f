"""End-to-end checks of the focus ranking, group sizes and peers on real CHR files.

The files are the County Health Rankings North Carolina workbooks in
../shared/data (see PROVENANCE.md); the tests skip only where they are absent.
Context rows (population, % under 18, race shares, % rural) come from the
loader when it emits them, else they are read here from the workbook's
"Additional Measure Data" sheet, as the loader is meant to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disparities import schema as s

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CHR = {
    2021: DATA / "chr2021_nc_county_health_rankings_v1.xlsx",
    2022: DATA / "chr2022_nc_county_health_rankings_v1.xlsx",
}
DURHAM, TYRRELL = "37063", "37177"

#: "Additional Measure Data" columns -> (indicator, dimension, group)
_CONTEXT_COLUMNS = {
    "Population": ("population", "total", "Total"),
    "% Less Than 18 Years of Age": ("pct_under_18", "total", "Total"),
    "% rural": ("pct_rural", "total", "Total"),
    "% Black": ("population_share", "race_ethnicity", "Black"),
    "% American Indian & Alaska Native": (
        "population_share",
        "race_ethnicity",
        "American Indian or Alaska Native",
    ),
    "% Asian": ("population_share", "race_ethnicity", "Asian"),
    "% Hispanic": ("population_share", "race_ethnicity", "Hispanic or Latino"),
    "% Non-Hispanic white": ("population_share", "race_ethnicity", "White"),
    "% Non-Hispanic White": ("population_share", "race_ethnicity", "White"),
}


def context_rows_from_workbook(path: Path, year: int) -> pd.DataFrame:
    """Context rows read straight off a CHR workbook (a stand-in for the loader)."""
    raw = pd.read_excel(path, sheet_name="Additional Measure Data", header=1)
    raw["FIPS"] = raw["FIPS"].astype(str).str.zfill(5)
    rows = []
    for col, (ind, dim, grp) in _CONTEXT_COLUMNS.items():
        if col not in raw.columns:
            continue
        period = year - 2 if ind != "pct_rural" else 2010
        for _, r in raw.iterrows():
            fips = r["FIPS"]
            geo = fips[:2] if fips.endswith("000") else fips
            rows.append(
                {
                    s.GEO_ID: geo,
                    s.GEO_NAME: r["County"] if isinstance(r["County"], str) else "",
                    s.GEO_LEVEL: "state" if len(geo) == 2 else "county",
                    s.STATE: "NC",
                    s.INDICATOR: ind,
                    s.PERIOD: str(period),
                    s.PERIOD_START: period,
                    s.PERIOD_END: period,
                    s.DIMENSION: dim,
                    s.GROUP: grp,
                    s.NUMERATOR: np.nan,
                    s.DENOMINATOR: np.nan,
                    s.VALUE: float(r[col]),
                    s.CI_LOWER: np.nan,
                    s.CI_UPPER: np.nan,
                    s.MOE: np.nan,
                    s.SUPPRESSED: False,
                    s.UNRELIABLE: False,
                    s.NOTE: "",
                    s.SOURCE: f"County Health Rankings {year}",
                }
            )
    return pd.DataFrame(rows)


def load_chr_with_context(year: int) -> pd.DataFrame:
    import disparities as dp

    path = CHR[year]
    if not path.exists():
        pytest.skip(f"{path.name} not in ../shared/data")
    table, _ = dp.load_data(path)
    if not table[s.INDICATOR].astype(str).eq("population").any():
        ctx = context_rows_from_workbook(path, year)
        dtypes = table.dtypes
        table = pd.concat(
            [table.astype({c: object for c in table.columns if c in ctx.columns}), ctx],
            ignore_index=True,
        )
        for col, dtype in dtypes.items():
            if isinstance(dtype, pd.CategoricalDtype):
                extra = set(table[col].dropna()) - set(dtype.categories)
                table[col] = table[col].astype(
                    pd.CategoricalDtype(
                        list(dtype.categories) + sorted(extra), ordered=dtype.ordered
                    )
                )
    return table
