"""Write ``src/disparities/data/counties.csv``: the county list for fast name checks.

The list (``geo_id, geo_name, short_name, state``, one row per county, FIPS
order) is derived from the county outlines shipped by ``bokeh-sampledata``, so
it names exactly the counties the maps can draw. Rerun after upgrading
``bokeh-sampledata``; ``tests/test_geography_fast.py`` fails when the shipped
file and the outlines disagree.

Usage: ``python scripts/make_county_list.py``
"""

from __future__ import annotations

import csv
from pathlib import Path

from disparities.geography import (
    _COUNTY_FIELDS,
    COUNTY_LIST_FILE,
    _county_rows_from_outlines,
)

OUT = Path(__file__).resolve().parents[1] / "src" / "disparities" / COUNTY_LIST_FILE


def main() -> Path:
    """Write the CSV and return its path."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(_COUNTY_FIELDS)
        writer.writerows(_county_rows_from_outlines())
    return OUT


if __name__ == "__main__":
    print(main())
