"""Record a chosen focus disparity in a small, human-readable JSON file.

The file sits beside the outputs (``<out>/<county>_focus.json``) so the
report, the board deck and the notebooks build around the same choice. It
says which comparison was chosen (place, indicator, groups, period), who chose
it, when, the reason they typed, the numbers at the time, and the data
sources, so a board can later see what the choice rested on.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = [
    "save_focus",
    "load_focus",
    "focus_path",
    "focus_command",
    "FocusRecordError",
    "FOCUS_FORMAT",
]

FOCUS_FORMAT = "disparities.focus/1"


class FocusRecordError(ValueError):
    """A focus record that cannot be read or does not fit the county."""


_NUMBERS = (
    s.VALUE,
    "reference_value",
    "adverse_ratio",
    "adverse_ratio_ci_lower",
    "adverse_ratio_ci_upper",
    "conservative_ratio",
    "excess_cases",
    "conservative_excess",
    "state_adverse_ratio",
    "score",
)
_TEXT = ("trend", "explanation", s.UNRELIABLE)


def output_file_name(place: str, kind: str) -> str:
    """File name of one output of a place (the one place names are made).

    Examples
    --------
    >>> output_file_name("Durham County", "focus.json")
    'durham_county_focus.json'
    >>> output_file_name("../../etc/x", "profile.html")
    'etc_x_profile.html'
    """
    from disparities.outputs import safe_slug

    # a safe slug: a place name from a data file can never lead outside --out
    return f"{safe_slug(place, 'place').lower()}_{kind}"


def focus_command(
    place: str,
    *,
    data=(),
    state: str | None = None,
    out=None,
    source: str | None = None,
    column_map=None,
    choose="1",
    reason: str = "why you chose it",
) -> str:
    """The ``disparities focus`` command that records a choice for this report.

    It names the same data files, state and output folder the report was
    built from, so the choice is ranked on the same numbers and saved where the
    report looks for it. Every value is quoted for a POSIX shell
    (:func:`shlex.quote`); no ``--data`` means the synthetic demo data.

    Examples
    --------
    >>> focus_command("Tyrrell County", data=["data/chr 2021.xlsx"], state="NC",
    ...     out="reports/tyrrell")
    "disparities focus --county 'Tyrrell County' --data 'data/chr 2021.xlsx' --state NC --out reports/tyrrell --choose 1 --reason 'why you chose it'"
    """
    import shlex

    q = shlex.quote
    parts = ["disparities", "focus", "--county", q(str(place))]
    files = [str(f) for f in data or ()]
    if files:
        parts += ["--data", *(q(f) for f in files)]
    if source:
        parts += ["--source", q(str(source))]
    if column_map:
        parts += ["--map", q(str(column_map))]
    if state:
        parts += ["--state", q(str(state))]
    if out is not None:
        parts += ["--out", q(str(out))]
    parts += ["--choose", str(choose), "--reason", q(reason)]
    return " ".join(parts)


def focus_path(out_dir, place: str) -> Path:
    """Where the focus record of ``place`` lives inside ``out_dir``."""
    return Path(out_dir) / output_file_name(place, "focus.json")


def _plain(v):
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if np.isfinite(v) else None
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def save_focus(
    candidates: pd.DataFrame,
    choose: int,
    out_dir,
    *,
    reason: str = "",
    chosen_by: str | None = None,
    when: _dt.datetime | None = None,
    sources=None,
) -> Path:
    """Save the candidate ranked ``choose`` as the county's focus disparity.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Output of :func:`disparities.focus.rank_focus_candidates` for one county.
    choose : int
        Rank in the shortlist (1 = first).
    out_dir : str or Path
        Folder of the county's outputs (created if needed).
    reason : str
        Why this disparity was chosen, in the chooser's words.
    chosen_by : str, optional
        Who chose it (default: the login name).
    when : datetime, optional
        Time of the choice (default: now, UTC).
    sources : sequence of str, optional
        The data sources behind the numbers (default: the candidates'
        ``source`` column).

    Returns
    -------
    Path
        The JSON file written.
    """
    ranks = candidates["rank"].astype(int).tolist()
    if int(choose) not in ranks:
        raise ValueError(
            f"--choose {choose}: the shortlist has ranks 1 to {max(ranks, default=0)}"
        )
    r = candidates[candidates["rank"].astype(int) == int(choose)].iloc[0]
    if chosen_by is None:
        try:
            chosen_by = getpass.getuser()
        except (KeyError, OSError):  # no login name in some containers
            chosen_by = "unknown"
    when = when or _dt.datetime.now(_dt.UTC)
    from disparities.catalog import get_indicator

    record = {
        "format": FOCUS_FORMAT,
        "geo_id": str(r[s.GEO_ID]),
        "geo_name": str(r[s.GEO_NAME]),
        "indicator": str(r[s.INDICATOR]),
        "indicator_label": get_indicator(str(r[s.INDICATOR])).label,
        "dimension": str(r[s.DIMENSION]),
        "group": str(r[s.GROUP]),
        "reference_group": str(r["reference_group"]),
        "period": str(r[s.PERIOD]),
        "chosen_by": chosen_by,
        "chosen_at": when.isoformat(timespec="seconds"),
        "reason": reason,
        "rank_when_chosen": int(choose),
        "numbers_when_chosen": {
            k: _plain(r[k]) for k in _NUMBERS + _TEXT if k in r.index
        },
        "sources": sorted(
            {
                str(x)
                for x in (
                    sources
                    if sources is not None
                    else candidates.get(s.SOURCE, pd.Series(dtype=str))
                )
            }
            - {""}
        ),
    }
    path = focus_path(out_dir, record["geo_name"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def load_focus(path_or_dir, place: str | None = None) -> dict | None:
    """Read a focus record; ``None`` when there is none.

    Parameters
    ----------
    path_or_dir : str or Path
        The JSON file, or the output folder (then ``place`` is needed).
    place : str, optional
        County name, to find the file inside a folder.

    Returns
    -------
    dict or None

    Raises
    ------
    FocusRecordError
        The file exists but is not a focus record (names the file and what is
        missing).
    """
    p = Path(path_or_dir)
    if p.is_dir() or (place is not None and p.suffix != ".json"):
        if place is None:
            raise ValueError("give the county name to find its focus record")
        p = focus_path(p, place)
    if not p.exists():
        return None
    try:
        record = json.loads(p.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise FocusRecordError(f"{p}: not a readable focus record ({exc})") from exc
    need = {"geo_id", "indicator", "dimension", "group", "period"}
    missing = sorted(need - set(record))
    if missing:
        raise FocusRecordError(f"{p}: focus record lacks {', '.join(missing)}")
    record["path"] = str(p)
    return record
