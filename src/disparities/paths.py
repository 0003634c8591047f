"""Every path the project uses, in one place.

The package is meant to be installed from a clone (``pip install -e .``), so the
data folders sit beside ``src/``. Set the environment variable
``DISPARITIES_HOME`` to point the package at another project folder.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJ_ROOT",
    "DATA_DIR",
    "RAW_DATA_DIR",
    "PROCESSED_DATA_DIR",
    "DEMO_PROCESSED_FILE",
    "DEMO_RAW_FILE",
    "DEMO_KIDS_COUNT_FILE",
    "DEMO_CHR_FILE",
    "SHARED_DATA_DIR",
    "REPORTS_DIR",
]


def _find_project_root() -> Path:
    env = os.environ.get("DISPARITIES_HOME")
    if env:
        return Path(env).expanduser().resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "data").is_dir():
            return parent
    return Path.cwd()


PROJ_ROOT: Path = _find_project_root()
DATA_DIR: Path = PROJ_ROOT / "data"
RAW_DATA_DIR: Path = DATA_DIR / "raw"
PROCESSED_DATA_DIR: Path = DATA_DIR / "processed"
#: Default output folder of the command line and the notebooks (one focus record).
REPORTS_DIR: Path = PROJ_ROOT / "reports"

#: Synthetic demo data (see ``disparities.demo``); every name says "synthetic".
DEMO_RAW_FILE: Path = RAW_DATA_DIR / "synthetic_demo_nc_child_outcomes_counts.csv.gz"
DEMO_PROCESSED_FILE: Path = PROCESSED_DATA_DIR / "synthetic_demo_nc_observations.csv.gz"
DEMO_KIDS_COUNT_FILE: Path = (
    RAW_DATA_DIR / "synthetic_demo_nc_kidscount_children_in_poverty_by_race.csv"
)
DEMO_CHR_FILE: Path = RAW_DATA_DIR / "synthetic_demo_nc_county_health_rankings.xlsx"

#: Real public samples, read-only, beside the project (absent in a user's clone).
SHARED_DATA_DIR: Path = PROJ_ROOT.parent / "shared" / "data"
