"""Facilitator batch: the same profile for many counties, and a cohort overview."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path

import pandas as pd

from disparities import schema as s
from disparities.outputs import write_csv

__all__ = ["build_batch_reports", "cohort_overview", "state_results"]


def state_results(table: pd.DataFrame, state_fips: str) -> dict:
    """Gaps, trends and summary measures for a whole state, computed once.

    Each county's profile then takes its own rows from these instead of
    recomputing them (see :func:`disparities.profile.build_county_profile`).

    The gaps get their derived intervals and children affected
    (:func:`~disparities.group_sizes.add_size_estimates`) *before* the trends
    are fitted, exactly as a single county's profile does
    (:func:`disparities.profile.compute_analysis`): a trend's test needs every
    period's standard error, and for a source that publishes no CI (CHR's
    child poverty by race) that error exists only once it is derived from the
    group sizes. Fitting the raw gaps called those series "cannot be tested"
    in a batch while the same county's own report tested them.

    Returns
    -------
    dict
        ``gaps`` (every county, the state and the nation, with size
        estimates), ``trends`` and ``measures`` (the state's counties).
    """
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates, summary_measures_with_sizes
    from disparities.trends import compute_gap_trends

    geo = table[s.GEO_ID].astype(str)
    local = table[geo.str.startswith(state_fips) | (geo == "US")]
    gaps = add_size_estimates(compute_gaps(local), local)
    gid = gaps[s.GEO_ID].astype(str)
    counties = gaps[(gid.str.len() == 5) & gid.str.startswith(state_fips)]
    lgid = local[s.GEO_ID].astype(str)
    return {
        "gaps": gaps,
        "trends": compute_gap_trends(counties),
        "measures": summary_measures_with_sizes(
            local[(lgid.str.len() == 5) & lgid.str.startswith(state_fips)]
        ),
    }


def _progress_bar(total: int, quiet: bool):
    """tqdm bar on a terminal; disabled (silent) when quiet or writing to a log."""
    import sys

    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        unit="county",
        disable=quiet or not sys.stderr.isatty(),
        file=sys.stderr,
    )


def cohort_overview(
    table: pd.DataFrame, geo_ids, *, n_top: int = 3, shared: dict | None = None
) -> pd.DataFrame:
    """The chosen counties side by side on their top candidate disparities.

    Returns
    -------
    pandas.DataFrame
        One row per county x rank (1..n_top): ``geo_id, geo_name, rank,
        indicator, group, adverse_ratio, conservative_ratio, trend, score,
        explanation``. ``shared`` (from :func:`state_results`) saves
        recomputing the gaps and trends.
    """
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates
    from disparities.select import parent_geo_id
    from disparities.trends import compute_gap_trends

    ids = [str(g) for g in geo_ids]
    states = {parent_geo_id(g) for g in ids}
    sub = table[table[s.GEO_ID].astype(str).isin(ids + list(states))]
    if shared and "gaps" in shared:
        gaps = shared["gaps"]
        gaps = gaps[gaps[s.GEO_ID].astype(str).isin(ids + list(states))]
    else:
        # derived intervals first, as in each county's profile: the trends
        # below must be the ones the profiles show
        gaps = add_size_estimates(compute_gaps(sub), sub)
    if shared and "trends" in shared:
        trends = shared["trends"]
    else:
        gid = gaps[s.GEO_ID].astype(str)
        trends = compute_gap_trends(gaps[gid.isin(ids)])
    rows = []
    for g in ids:
        tr = trends[trends[s.GEO_ID].astype(str) == g]
        cands = rank_focus_candidates(sub, g, gaps=gaps, trends=tr).head(n_top)
        rows.append(cands)
    out = pd.concat(rows, ignore_index=True)
    return out[
        [
            "geo_id",
            "geo_name",
            "rank",
            "evidence",
            "indicator",
            "dimension",
            "group",
            "reference_group",
            "period",
            "value",
            "reference_value",
            "adverse_ratio",
            "conservative_ratio",
            "trend",
            "score",
            "unreliable",
            "explanation",
        ]
    ]


def overview_page(overview, profiles, out, table, state_name) -> str:
    """The cohort overview page: one row per county, its top candidates side
    by side (each in a few words, with what the data show), the counties'
    explanations below, the sources and periods in a footnote.

    ``profiles`` maps geo_id to each profile's HTML path (linked relative to
    ``out``); ``table`` gives the sources and periods.
    """
    from disparities.narrative import (
        SYNTHETIC_NOTICE,
        evidence_words,
        format_period,
        is_synthetic,
    )
    from disparities.profile import short_title

    esc = html.escape
    n_top = int(overview["rank"].max()) if len(overview) else 0
    head = "".join(f"<th>#{k}</th>" for k in range(1, n_top + 1))
    table_rows, details = [], []
    for g, sub in overview.groupby("geo_id", sort=False):
        link = esc(str(Path(profiles[g]).relative_to(out)))
        name = esc(str(sub["geo_name"].iloc[0]))
        cells = []
        for _, r in sub.sort_values("rank").iterrows():
            words = short_title(r, limit=70)
            caveat = " (small numbers)" if bool(r["unreliable"]) else ""
            cells.append(
                f"<td>{esc(words)}{esc(caveat)}<br><small>{esc(evidence_words(r))}"
                f", {esc(format_period(str(r['period'])))}</small></td>"
            )
        cells += ["<td></td>"] * (n_top - len(cells))
        table_rows.append(
            f"<tr><th><a href='{link}'>{name}</a></th>{''.join(cells)}</tr>"
        )
        items = "".join(f"<li>{esc(e)}</li>" for e in sub["explanation"])
        details.append(f"<section><h3>{name}</h3><ol>{items}</ol></section>")
    sources = sorted(set(table[s.SOURCE].astype(str)) - {"", "nan"})
    periods = sorted(set(overview["period"].astype(str)))
    foot = (
        f"Source: {esc(', '.join(sources))}. Periods shown: "
        f"{esc(', '.join(format_period(p) for p in periods))}. Each county's "
        "profile (linked; its folder is named by the county's FIPS code) gives "
        "the intervals, the children affected and the caveats."
    )
    banner = (
        f"<p class='synthetic'>{esc(SYNTHETIC_NOTICE)}</p>"
        if is_synthetic(table[s.SOURCE])
        else ""
    )
    style = (
        "body{font-family:system-ui,Arial,sans-serif;max-width:1200px;margin:auto;"
        "padding:20px;font-size:18px;line-height:1.4}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;"
        "padding:6px 8px;text-align:left;vertical-align:top}"
        "thead th{background:#eef2f6}small{color:#444}"
        ".synthetic{background:#B00020;color:#fff;padding:10px;font-weight:bold}"
        "footer{color:#333;font-size:15px;margin-top:24px}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Cohort overview, {esc(state_name)}</title><style>{style}</style>"
        f"</head><body>{banner}<h1>Cohort overview: top candidate disparities, "
        f"{esc(state_name)}</h1><p>Each county's shortlist, best supported first "
        "(clear gaps, then gaps the data cannot tell from chance, then gaps that "
        "cannot be tested).</p><table><thead><tr><th>County</th>"
        f"{head}</tr></thead><tbody>{''.join(table_rows)}</tbody></table>"
        f"<h2>In words</h2>{''.join(details)}<footer>{foot}</footer></body></html>"
    )


_WORKER: dict = {}


def _init_worker(table, shared, state, load_reports):
    """Give each worker process the state's rows and results once."""
    _WORKER.update(table=table, shared=shared, state=state, load_reports=load_reports)


def _one_profile(item):
    """Make one county profile (in a worker process or in this one)."""
    geo_id, out_dir = item
    from disparities.report import build_county_report

    paths = build_county_report(
        _WORKER["table"],
        geo_id,
        state=_WORKER["state"],
        out_dir=out_dir,
        load_reports=_WORKER["load_reports"],
        quiet=True,
        shared=_WORKER["shared"],
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
    jobs: int = 0,
    print_images: bool = False,
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
        No progress messages. Otherwise a progress bar with an ETA on a
        terminal, and a line every tenth of the way in a log.
    jobs : int
        Profiles made at once (one process each); 0 (default) means one per
        CPU core.
    print_images : bool
        Also render every chart at print resolution (200 dpi) for slides and
        print; by default the batch renders screen-resolution images only
        (what the pages need; about twice as fast).

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
    if not jobs:
        jobs = os.cpu_count() or 1
    # each worker gets only the state's rows (and the nation's), and the
    # state-wide gaps, trends and summary measures computed here once
    geo = table[s.GEO_ID].astype(str)
    local = table[geo.str.startswith(st_fips) | (geo == "US")]
    shared = {"print_images": print_images}
    if len(ids) >= 4:  # below that, per-county work is cheaper than the state's
        progress(f"gaps, trends and summary measures for {st_name}, once")
        shared.update(state_results(local, st_fips))
    work = [(g, out / g) for g in ids]
    init = (local, shared, st_abbr, tuple(load_reports))
    bar = _progress_bar(len(ids), quiet)
    step = max(1, len(ids) // 10)

    def done(i, g, html_path):
        profiles[g] = html_path
        bar.update(1)
        if bar.disable and (i % step == 0 or i == len(ids)):
            progress(f"{i} of {len(ids)} profiles done")

    if jobs > 1 and len(ids) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            max_workers=min(jobs, len(ids)), initializer=_init_worker, initargs=init
        ) as pool:
            for i, (g, html_path) in enumerate(pool.map(_one_profile, work), start=1):
                done(i, g, html_path)
    else:
        _init_worker(*init)
        for i, item in enumerate(work, start=1):
            done(i, *_one_profile(item))
    bar.close()
    progress("cohort overview")
    overview = cohort_overview(local, ids, shared=shared)
    csv_path = out / "cohort_overview.csv"
    write_csv(overview, csv_path)
    page = overview_page(overview, profiles, out, table, st_name)
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
