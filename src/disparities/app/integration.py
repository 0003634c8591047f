"""The app's one doorway to the focus record and the report and deck builders.

Every use the explorer makes of the recorded focus and of the report and deck
goes through the four functions here, so they can be pointed at the profile
model and ``focus_record`` module (issue #12) without touching the app:

``record_focus``
    Writes the focus record, a small JSON file beside the outputs.
``read_focus``
    Reads it back (``None`` when there is none).
``build_report_file``
    The county profile (HTML) through :func:`disparities.report.build_county_report`.
``build_deck_file``
    The board deck (.pptx) through :func:`disparities.deck.build_county_deck`.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from disparities import schema as s

__all__ = [
    "FOCUS_RECORD_FIELDS",
    "focus_record_path",
    "record_focus",
    "read_focus",
    "build_report_file",
    "build_deck_file",
]

#: Keys of the focus record, in the order written.
FOCUS_RECORD_FIELDS = (
    "geo_id",
    "geo_name",
    "indicator",
    "dimension",
    "group",
    "reference_group",
    "period",
    "chosen_by",
    "chosen_at",
    "reason",
    "numbers",
    "data_sources",
)

#: Candidate columns copied into ``numbers`` (the figures seen when choosing).
_NUMBER_COLUMNS = (
    "rank",
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
    "score",
    "explanation",
)


def _slug(geo_name: str) -> str:
    text = "".join(c if c.isalnum() else "_" for c in str(geo_name).lower())
    return re.sub("_+", "_", text).strip("_")


def focus_record_path(out_dir, geo_id: str, geo_name: str) -> Path:
    """Where the focus record of one county is written in ``out_dir``.

    Examples
    --------
    >>> focus_record_path("reports", "37063", "Durham County").as_posix()
    'reports/durham_county_37063_focus.json'
    """
    return Path(out_dir) / f"{_slug(geo_name)}_{geo_id}_focus.json"


def _plain(v):
    """A JSON-safe scalar (NaN becomes null)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    return str(v)


def record_focus(
    candidate: pd.Series | dict,
    *,
    out_dir,
    reason: str,
    chosen_by: str = "",
    data_sources=(),
    chosen_at: datetime | None = None,
) -> Path:
    """Write the chosen focus disparity as a JSON record beside the outputs.

    Parameters
    ----------
    candidate : pandas.Series or dict
        One row of :func:`~disparities.focus.rank_focus_candidates`.
    out_dir : str or Path
        Folder of the county's outputs (created if needed).
    reason : str
        Why the group chose it, in their words (required, not blank).
    chosen_by : str
        Who chose it (a name or a group's name).
    data_sources : sequence of str
        The sources of the data behind the numbers.
    chosen_at : datetime, optional
        Defaults to now (UTC).

    Returns
    -------
    Path
        The JSON file; an earlier record of the same county is replaced.

    Raises
    ------
    ValueError
        When ``reason`` is blank.
    """
    reason = str(reason or "").strip()
    if not reason:
        raise ValueError("write a reason for choosing this focus before saving it")
    c = dict(candidate)
    when = (chosen_at or datetime.now(UTC)).isoformat(timespec="seconds")
    record = {
        "geo_id": str(c[s.GEO_ID]),
        "geo_name": str(c.get(s.GEO_NAME, "")),
        "indicator": str(c[s.INDICATOR]),
        "dimension": str(c[s.DIMENSION]),
        "group": str(c[s.GROUP]),
        "reference_group": str(c["reference_group"]),
        "period": str(c[s.PERIOD]),
        "chosen_by": str(chosen_by or "").strip(),
        "chosen_at": when,
        "reason": reason,
        "numbers": {k: _plain(c[k]) for k in _NUMBER_COLUMNS if k in c},
        "data_sources": sorted({str(x) for x in data_sources}),
    }
    path = focus_record_path(out_dir, record["geo_id"], record["geo_name"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), "utf-8")
    return path


def read_focus(out_dir, geo_id: str, geo_name: str) -> dict | None:
    """The county's focus record in ``out_dir``, or ``None`` when none was saved."""
    path = focus_record_path(out_dir, geo_id, geo_name)
    if not path.exists():
        return None
    return json.loads(path.read_text("utf-8"))


def build_report_file(
    table: pd.DataFrame,
    geo_id: str,
    *,
    state: str,
    out_dir,
    load_reports=(),
    focus: dict | None = None,
) -> Path:
    """Write the county profile and return its HTML file.

    ``focus`` is accepted for the profile model of issue #12; the current
    builder profiles the county's top candidates, and the focus record sits
    beside the HTML in ``out_dir``.
    """
    from disparities.report import build_county_report

    paths = build_county_report(
        table,
        geo_id,
        state=state,
        out_dir=out_dir,
        load_reports=list(load_reports),
        quiet=True,
    )
    return Path(paths["html"])


def build_deck_file(
    table: pd.DataFrame,
    geo_id: str,
    *,
    geo_name: str,
    state: str,
    out_dir,
    focus: dict | None = None,
) -> Path:
    """Write the county's board deck (.pptx) and return its path.

    ``geo_name`` is the county's name (the current deck builder looks the
    county up by name). ``focus`` is accepted for the profile model of issue
    #12; the current builder shows the overview and the top candidates.
    """
    from disparities.deck import build_county_deck

    name = f"{geo_id}_board_deck.pptx"
    if focus:
        name = f"{geo_id}_{_slug(focus['indicator'])}_{_slug(focus['group'])}_board_deck.pptx"
    path = build_county_deck(
        table, geo_name, state=state, out_path=Path(out_dir) / name
    )
    return Path(path)
