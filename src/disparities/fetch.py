"""The only module that touches the network: explicit downloads into data/raw.

County Health Rankings' funding ends in December 2026 and its files move to an
archive, so users should keep their own copies. Addresses follow the pattern
the program has used for its state data files; pass ``url=`` when it moves.
Each download's SHA-256 is recorded beside it (``<file>.sha256``).
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path

__all__ = ["CHR_URL_PATTERN", "ACS_API_PATTERN", "fetch_chr", "fetch_acs", "download"]

#: {year}, {state_name} (spaces as %20) and {state} (postal code) are filled in.
CHR_URL_PATTERN = (
    "https://www.countyhealthrankings.org/sites/default/files/media/"
    "document/{year}%20County%20Health%20Rankings%20{state_name}%20Data"
    "%20-%20v1.xlsx"
)
#: ACS 5-year detailed tables API; {year}, {table}, {state_fips}.
ACS_API_PATTERN = (
    "https://api.census.gov/data/{year}/acs/acs5?get=NAME,group({table})"
    "&for=county:*&in=state:{state_fips}"
)


def download(url: str, dest: Path, *, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest`` and write ``dest.sha256``; returns ``dest``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
        data = resp.read()
    dest.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    dest.with_name(dest.name + ".sha256").write_text(
        json.dumps({"url": url, "sha256": digest, "bytes": len(data)}) + "\n"
    )
    return dest


def fetch_chr(state: str, year: int, *, url: str | None = None, raw_dir=None) -> Path:
    """Download a County Health Rankings state workbook into ``data/raw``."""
    from disparities import paths
    from disparities.geography import resolve_state

    _, abbr, name = resolve_state(state)
    url = url or CHR_URL_PATTERN.format(
        year=year, state_name=name.replace(" ", "%20"), state=abbr
    )
    dest = (
        Path(raw_dir or paths.RAW_DATA_DIR)
        / f"chr{year}_{abbr.lower()}_county_health_rankings.xlsx"
    )
    return download(url, dest)


def fetch_acs(
    table: str, state: str, year: int, *, url: str | None = None, raw_dir=None
) -> Path:
    """Download an ACS table for a state's counties from the Census API (JSON)."""
    from disparities import paths
    from disparities.geography import resolve_state

    fips, abbr, _ = resolve_state(state)
    url = url or ACS_API_PATTERN.format(year=year, table=table, state_fips=fips)
    dest = (
        Path(raw_dir or paths.RAW_DATA_DIR)
        / f"acs{year}_5yr_{table}_{abbr.lower()}_counties.json"
    )
    return download(url, dest)
