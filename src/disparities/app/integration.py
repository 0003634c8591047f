"""The app's one doorway to the focus record and the report and deck builders.

Every use the explorer makes of the recorded focus and of the report and deck
goes through the four functions here; they delegate to
:mod:`disparities.focus_record` (the same JSON record ``disparities focus
--choose`` writes) and to the county profile's renderers, so the app, the
command line and the notebooks share one record and one profile.

``record_focus``
    Writes the focus record, a small JSON file beside the outputs.
``read_focus``
    Reads it back (``None`` when there is none).
``build_report_file``
    The county profile (HTML), built around the recorded focus.
``build_deck_file``
    The board deck (.pptx), built around the recorded focus.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from disparities import schema as s

__all__ = [
    "focus_record_path",
    "record_focus",
    "read_focus",
    "build_report_file",
    "build_deck_file",
]


def focus_record_path(out_dir, geo_id: str, geo_name: str) -> Path:
    """Where the focus record of one county is written in ``out_dir``.

    The same file ``disparities focus --choose`` writes (``geo_id`` is kept
    for the app's calls; the name is made from the county's name).

    Examples
    --------
    >>> focus_record_path("reports", "37063", "Durham County").as_posix()
    'reports/durham_county_focus.json'
    """
    from disparities.focus_record import focus_path

    return focus_path(out_dir, geo_name)


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
        The JSON file (:func:`disparities.focus_record.save_focus`); an earlier
        record of the same county is replaced.

    Raises
    ------
    ValueError
        When ``reason`` is blank.
    """
    from disparities.focus_record import save_focus

    reason = str(reason or "").strip()
    if not reason:
        raise ValueError("write a reason for choosing this focus before saving it")
    row = pd.DataFrame([dict(candidate)])
    if "rank" not in row:
        row["rank"] = 1
    return save_focus(
        row,
        int(row["rank"].iloc[0]),
        out_dir,
        reason=reason,
        chosen_by=str(chosen_by or "").strip() or None,
        when=chosen_at,
        sources=list(data_sources),
    )


def read_focus(out_dir, geo_id: str, geo_name: str) -> dict | None:
    """The county's focus record in ``out_dir``, or ``None`` when none was saved."""
    from disparities.focus_record import load_focus

    record = load_focus(focus_record_path(out_dir, geo_id, geo_name))
    if record is not None and str(record.get(s.GEO_ID)) != str(geo_id):
        return None  # another county of the same name (another state)
    return record


def build_report_file(
    table: pd.DataFrame,
    geo_id: str,
    *,
    state: str,
    out_dir,
    load_reports=(),
    focus: dict | None = None,
) -> Path:
    """Write the county profile (built around ``focus``) and return its HTML file."""
    from disparities.report import build_county_report

    paths = build_county_report(
        table,
        geo_id,
        state=state,
        out_dir=out_dir,
        load_reports=list(load_reports),
        quiet=True,
        focus=focus if focus is not None else out_dir,
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
    """Write the county's board deck (built around ``focus``) and return its path."""
    from disparities.deck import build_county_deck
    from disparities.focus_record import output_file_name

    path = build_county_deck(
        table,
        geo_id,
        state=state,
        out_path=Path(out_dir) / output_file_name(geo_name, "board_deck.pptx"),
        focus=focus,
    )
    return Path(path)
