"""Facilitator batch: the same profile for many counties, and a cohort overview."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path

import pandas as pd

from disparities import schema as s

__all__ = ["build_batch_reports", "cohort_overview"]


def cohort_overview(table: pd.DataFrame, geo_ids, *, n_top: int = 3) -> pd.DataFrame:
    """The chosen counties side by side on their top candidate disparities.

    Returns
    -------
    pandas.DataFrame
        One row per county x rank (1..n_top): ``geo_id, geo_name, rank,
        indicator, group, adverse_ratio, conservative_ratio, trend, score,
        explanation``.
    """
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps
    from disparities.select import parent_geo_id

    ids = [str(g) for g in geo_ids]
    states = {parent_geo_id(g) for g in ids}
    sub = table[table[s.GEO_ID].astype(str).isin(ids + list(states))]
    gaps = compute_gaps(sub)
    rows = []
    for g in ids:
        cands = rank_focus_candidates(sub, g, gaps=gaps).head(n_top)
        rows.append(cands)
    out = pd.concat(rows, ignore_index=True)
    return out[
        [
            "geo_id",
            "geo_name",
            "rank",
            "indicator",
            "dimension",
            "group",
            "adverse_ratio",
            "conservative_ratio",
            "trend",
            "score",
            "unreliable",
            "explanation",
        ]
    ]


def _one_profile(args):
    """Make one county profile (run in a worker process)."""
    table, geo_id, state, out_dir, load_reports = args
    from disparities.report import build_county_report

    paths = build_county_report(
        table,
        geo_id,
        state=state,
        out_dir=out_dir,
        load_reports=load_reports,
        quiet=True,
    )
    return geo_id, paths["html"]


def build_batch_reports(
    table: pd.DataFrame,
    *,
    state: str = "NC",
    counties=None,
    out_dir="reports/batch",
    load_reports=(),
    quiet: bool = False,
    jobs: int = 1,
) -> dict:
    """Write a profile per county and a cohort overview page.

    Parameters
    ----------
    table : pandas.DataFrame
        Prepared tidy table.
    state : str
        The state whose counties are profiled.
    counties : list of str, optional
        Names or FIPS; default: every county of ``state`` in the table.
    out_dir : str or Path
        One sub-folder per county plus the overview page.
    load_reports : sequence of LoadReport
        Shown in each profile's data notes.
    quiet : bool
        No progress messages.
    jobs : int
        Profiles made at once (one process each); 0 means one per CPU core.

    Returns
    -------
    dict
        ``profiles`` (county -> html path), ``overview_html``, ``overview_csv``,
        ``seconds``.
    """
    from disparities.geography import find_county, resolve_state
    from disparities.report import Progress

    progress = Progress(quiet, prefix="batch")
    st_fips, st_abbr, st_name = resolve_state(state)
    if counties:
        ids = [
            c if (str(c).isdigit() and len(str(c)) == 5) else find_county(c, st_abbr)[0]
            for c in counties
        ]
    else:
        geo = table[s.GEO_ID].astype(str)
        ids = sorted(g for g in geo.unique() if len(g) == 5 and g.startswith(st_fips))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    profiles = {}
    if jobs == 0:
        jobs = os.cpu_count() or 1
    # each worker gets only the state's rows (and the nation's)
    geo = table[s.GEO_ID].astype(str)
    local = table[geo.str.startswith(st_fips) | (geo == "US")]
    work = [(local, g, st_abbr, out / g, tuple(load_reports)) for g in ids]
    if jobs > 1 and len(ids) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = pool.map(_one_profile, work)
            for i, (g, html_path) in enumerate(done, start=1):
                progress(f"county {i} of {len(ids)} done: {g}")
                profiles[g] = html_path
    else:
        for i, item in enumerate(work, start=1):
            progress(f"county {i} of {len(ids)}: {item[1]}")
            g, html_path = _one_profile(item)
            profiles[g] = html_path
    progress("cohort overview")
    overview = cohort_overview(table, ids)
    csv_path = out / "cohort_overview.csv"
    overview.to_csv(csv_path, index=False)
    rows = []
    for g, sub in overview.groupby("geo_id", sort=False):
        link = Path(profiles[g]).relative_to(out)
        items = "".join(f"<li>{html.escape(e)}</li>" for e in sub["explanation"])
        rows.append(
            f"<section><h2><a href='{html.escape(str(link))}'>"
            f"{html.escape(str(sub['geo_name'].iloc[0]))}</a></h2>"
            f"<ol>{items}</ol></section>"
        )
    from disparities.narrative import SYNTHETIC_NOTICE, is_synthetic

    banner = (
        f"<p style='background:#B00020;color:#fff;padding:10px'>{SYNTHETIC_NOTICE}</p>"
        if is_synthetic(table[s.SOURCE])
        else ""
    )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Cohort "
        f"overview</title><style>body{{font-family:system-ui,Arial,sans-serif;"
        f"max-width:1000px;margin:auto;padding:20px;font-size:18px}}</style></head>"
        f"<body>{banner}<h1>Cohort overview: top candidate disparities, "
        f"{html.escape(st_name)}</h1>{''.join(rows)}</body></html>"
    )
    html_path = out / "cohort_overview.html"
    html_path.write_text(page, encoding="utf-8")
    seconds = time.perf_counter() - t0
    progress(f"done: {len(ids)} profiles in {seconds:.0f} s")
    return {
        "profiles": profiles,
        "overview_html": html_path,
        "overview_csv": csv_path,
        "seconds": seconds,
    }
