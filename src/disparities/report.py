"""The county disparity profile: one self-contained HTML file, PNGs and a CSV.

The HTML embeds its images (base64) and its styles; it loads nothing from the
network, so it opens offline and can be emailed as one file.
"""

from __future__ import annotations

import base64
import html
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.narrative import (
    SYNTHETIC_NOTICE,
    format_period,
    format_value,
    is_synthetic,
)

__all__ = ["build_county_report", "Progress"]


class Progress:
    """Step messages on stderr (``quiet=True`` silences them)."""

    def __init__(self, quiet: bool = False, prefix: str = "disparities"):
        self.quiet, self.prefix, self.t0 = quiet, prefix, time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            dt = time.perf_counter() - self.t0
            print(f"[{self.prefix} {dt:5.1f}s] {message}", file=sys.stderr, flush=True)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;
color:#1a1a1a;background:#fff;font-size:18px;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:2.1em;margin:.2em 0}h2{font-size:1.5em;border-bottom:3px solid #0072B2;
padding-bottom:4px;margin-top:2em}h3{font-size:1.2em}
.banner{background:#B00020;color:#fff;padding:12px 24px;font-weight:700;font-size:1.1em}
.lead{font-size:1.15em}.finding{background:#F2F7FB;border-left:6px solid #0072B2;
padding:10px 16px;margin:10px 0}
img{max-width:100%;height:auto;border:1px solid #ddd;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:8px 0}
th,td{border:1px solid #ccc;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#EEF2F5}tr.flag td{background:#FFF8E5}tr.hidden td{color:#666;
font-style:italic}.small{font-size:.85em;color:#444}
.caption{font-size:.9em;color:#333}
"""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(df: pd.DataFrame, *, flag_col=None, hidden_col=None) -> str:
    rows = []
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    for i, (_, r) in enumerate(df.iterrows()):
        cls = ""
        if hidden_col is not None and bool(hidden_col.iloc[i]):
            cls = ' class="hidden"'
        elif flag_col is not None and bool(flag_col.iloc[i]):
            cls = ' class="flag"'
        cells = "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r)
        rows.append(f"<tr{cls}>{cells}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _fmt(v) -> str:
    if isinstance(v, float | np.floating):
        if not np.isfinite(v):
            return "not shown"
        return f"{v:,.2f}"
    return str(v)


def _ci(lo, hi, digits=1):
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "not shown"
    return f"{lo:.{digits}f} to {hi:.{digits}f}"


def _estimate_ci(est, lo, hi, fmt, digits):
    if not np.isfinite(est):
        return "not shown"
    return f"{fmt.format(est)} ({_ci(lo, hi, digits)})"


def disparity_table_for_display(gaps: pd.DataFrame) -> pd.DataFrame:
    """Plain-language columns of a county's latest gaps, for HTML and people."""
    rows = []
    for _, r in gaps.iterrows():
        ind = str(r[s.INDICATOR])
        info = get_indicator(ind)
        rows.append(
            {
                "Indicator": info.label,
                "Period": format_period(r[s.PERIOD]),
                "Group": str(r[s.GROUP]),
                "Value": format_value(r[s.VALUE], ind).split(" per ")[0],
                "Reference": f"{r['reference_group']}: "
                f"{format_value(r['reference_value'], ind).split(' per ')[0]}",
                "Times as likely (95% CI)": _estimate_ci(
                    r["adverse_ratio"],
                    r["adverse_ratio_ci_lower"],
                    r["adverse_ratio_ci_upper"],
                    "{:.2f}",
                    2,
                ),
                "Difference (95% CI)": _estimate_ci(
                    r["difference"],
                    r["difference_ci_lower"],
                    r["difference_ci_upper"],
                    "{:+.1f}",
                    1,
                ),
                "Excess cases": ""
                if not np.isfinite(r["excess_cases"])
                else f"{r['excess_cases']:,.0f}",
                "Reading": r["direction"],
                "Note": r[s.NOTE],
            }
        )
    return pd.DataFrame(rows)


def build_county_report(
    table: pd.DataFrame,
    county: str,
    *,
    state: str = "NC",
    out_dir="reports",
    load_reports=(),
    n_detail: int = 3,
    quiet: bool = False,
) -> dict:
    """Write a county disparity profile: HTML, PNG charts and the CSV table.

    Parameters
    ----------
    table : pandas.DataFrame
        Prepared tidy table holding the county, its state and (for the map)
        the state's other counties.
    county : str
        County name (any case, with or without "County") or 5-digit FIPS.
    state : str
        State abbreviation, name or FIPS.
    out_dir : str or Path
        Folder to write into (created if needed).
    load_reports : sequence of LoadReport
        Shown in the data-notes section.
    n_detail : int
        How many top candidates get their own charts.
    quiet : bool
        No progress messages on stderr.

    Returns
    -------
    dict
        Paths by kind: ``html``, ``csv``, ``pngs`` (list), ``candidates_csv``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from disparities import plots
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps
    from disparities.geography import find_county, resolve_state
    from disparities.peers import (
        better_than_state,
        find_bright_spots,
        find_peer_counties,
    )
    from disparities.plots.export import save_chart
    from disparities.plots.overview import latest_gaps
    from disparities.select import parent_geo_id
    from disparities.summary_measures import compute_summary_measures
    from disparities.trends import compute_gap_trends

    progress = Progress(quiet)
    st_fips, st_abbr, st_name = resolve_state(state)
    if str(county).isdigit() and len(str(county)) == 5:
        geo_id = str(county)
        names = table.loc[table[s.GEO_ID].astype(str) == geo_id, s.GEO_NAME]
        place = names.iloc[0] if len(names) else geo_id
    else:
        geo_id, place = find_county(county, st_abbr)
    have = set(table[s.GEO_ID].astype(str))
    if geo_id not in have:
        from disparities.geography import UnknownPlaceError

        raise UnknownPlaceError(
            f"{place} ({geo_id}) is a real county but the data hold no rows for it; "
            "run 'disparities counties' to list what the data hold"
        )
    out = Path(out_dir)
    slug = place.lower().replace(" ", "_")
    out.mkdir(parents=True, exist_ok=True)
    progress(f"profile of {place}, {st_name}: computing gaps")
    parent = parent_geo_id(geo_id)
    local = table[table[s.GEO_ID].astype(str).isin([geo_id, parent, "US"])]
    gaps = compute_gaps(local)
    here = gaps[gaps[s.GEO_ID].astype(str) == geo_id]
    progress("trends and summary measures")
    trends = compute_gap_trends(here)
    measures = compute_summary_measures(local[local[s.GEO_ID].astype(str) == geo_id])
    progress("ranking candidate focus disparities")
    cands = rank_focus_candidates(local, geo_id, gaps=gaps, trends=trends)
    latest = latest_gaps(gaps, geo_id)
    csv_path = out / f"{slug}_disparities.csv"
    here.to_csv(csv_path, index=False)
    cand_path = out / f"{slug}_focus_candidates.csv"
    cands.to_csv(cand_path, index=False)
    measures.to_csv(out / f"{slug}_summary_measures.csv", index=False)

    charts = []  # (key, ax_or_fig, caption)

    def add(key, make, caption):
        try:
            obj = make()
        except (KeyError, ValueError) as exc:
            progress(f"skipped chart {key}: {exc}")
            return
        charts.append((key, obj, caption))

    progress("drawing charts")
    add(
        "overview",
        lambda: plots.plot_disparity_overview(gaps, geo_id),
        "Where the biggest gaps are (each dot: how many times as likely).",
    )
    top = cands.head(n_detail)
    for i, (_, c) in enumerate(top.iterrows(), start=1):
        ind, dim, grp = str(c[s.INDICATOR]), str(c[s.DIMENSION]), str(c[s.GROUP])
        add(
            f"candidate{i}_groups",
            lambda ind=ind, dim=dim: plots.plot_group_comparison(
                table, geo_id, ind, dimension=dim
            ),
            f"Candidate {i}: every group.",
        )
        add(
            f"candidate{i}_gap",
            lambda ind=ind, dim=dim, grp=grp: plots.plot_gap_dumbbell(
                gaps, geo_id, ind, dimension=dim, highlight_group=grp
            ),
            f"Candidate {i}: the gaps, beside the state's.",
        )
        add(
            f"candidate{i}_trend",
            lambda ind=ind, grp=grp: plots.plot_gap_trend(
                gaps, trends, geo_id, ind, grp
            ),
            f"Candidate {i}: is the gap changing?",
        )
    if len(top):
        ind0 = str(top.iloc[0][s.INDICATOR])
        add(
            "map",
            lambda: plots.plot_county_map(table, st_abbr, ind0, focus_geo_id=geo_id),
            "The top candidate's indicator across the state's counties.",
        )
        dim0 = str(top.iloc[0][s.DIMENSION])
        grp0 = str(top.iloc[0][s.GROUP])
        ref0 = str(top.iloc[0]["reference_group"])
        add(
            "trend_by_group",
            lambda: plots.plot_group_trend(table, geo_id, ind0, dimension=dim0),
            "The top candidate's indicator over time, every group.",
        )
        add(
            "maps_by_group",
            lambda: plots.plot_map_small_multiples(
                table, st_abbr, ind0, groups=[grp0, ref0], focus_geo_ids=[geo_id]
            ),
            "The top candidate's two groups across the state, on one colour scale.",
        )
    pngs, png_of = [], {}
    for key, obj, _ in charts:
        written = save_chart(obj, out / f"{slug}_{key}", formats=("png",))
        pngs += written
        png_of[key] = written[0].read_bytes()

    progress("bright spots")
    bright_html = ""
    try:
        peers = find_peer_counties(table, geo_id)
        peer_ids = peers[s.GEO_ID].tolist()
        peer_tab = table[table[s.GEO_ID].astype(str).isin(peer_ids)]
        peer_gaps = compute_gaps(peer_tab)
        if len(top):
            c0 = top.iloc[0]
            spots = find_bright_spots(
                pd.concat([gaps, peer_gaps]),
                peers,
                geo_id,
                str(c0[s.INDICATOR]),
                str(c0[s.GROUP]),
                table=table,
            )
            bright_html += (
                f"<h3>Counties like {html.escape(place)}: the gap for the "
                "top candidate</h3><ul>"
                + "".join(f"<li>{html.escape(x)}</li>" for x in spots["sentence"])
                + "</ul>"
            )
        bright_html += (
            "<p class='small'>Peers: the counties most like this one in "
            + html.escape(", ".join(peers.attrs.get("labels", [])))
            + ". "
            + html.escape(
                "; ".join(
                    f"{n} ({w})"
                    for n, w in zip(peers["geo_name"], peers["similarity"], strict=True)
                )
            )
            + ".</p>"
        )
    except KeyError as exc:
        bright_html += f"<p>Peers could not be found: {html.escape(str(exc))}</p>"
    better = better_than_state(table, geo_id)
    if len(better):
        items = "".join(
            f"<li>{html.escape(get_indicator(str(r[s.INDICATOR])).label)}, "
            f"{html.escape(str(r[s.GROUP]))}: "
            f"{format_value(r[s.VALUE], str(r[s.INDICATOR]))} vs the state's "
            f"{format_value(r['reference_value'], str(r[s.INDICATOR]))} "
            f"({format_period(r[s.PERIOD])})</li>"
            for _, r in better.iterrows()
        )
        bright_html += (
            f"<h3>Where {html.escape(place)} already does better than "
            f"{html.escape(st_name)}</h3><ul>{items}</ul>"
        )

    progress("writing HTML")
    synthetic = is_synthetic(table[s.SOURCE])
    sources = sorted(set(table[s.SOURCE].astype(str)) - {""})
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Disparity profile: {html.escape(place)}</title>"
        f"<style>{_CSS}</style></head><body>"
    ]
    if synthetic:
        parts.append(
            f"<div class='banner' role='alert'>{SYNTHETIC_NOTICE}. Use it to "
            "learn the tool; do not quote these numbers.</div>"
        )
    parts.append(
        f"<main><h1>Child disparities in {html.escape(place)}, "
        f"{html.escape(st_name)}</h1>"
    )
    parts.append(
        f"<p class='lead'>A profile of gaps between groups of children, to help "
        f"choose one disparity to focus on. Source: "
        f"{html.escape('; '.join(sources))}.</p>"
    )
    parts.append("<h2>Key findings</h2>")
    for _, c in top.iterrows():
        parts.append(f"<div class='finding'>{html.escape(c['explanation'])}</div>")
    parts.append(
        "<h2>Candidate focus disparities</h2><p>Ranked on what the data can "
        "support: the conservative end of each gap's 95% confidence interval, "
        "the children affected, the trend, and how the gap compares with the "
        "state's. Every component is shown; unreliable estimates count half. "
        "Comparisons hidden for small numbers are left out.</p>"
    )
    show = cands.head(10).copy()
    disp = pd.DataFrame(
        {
            "Rank": show["rank"],
            "Disparity": [
                f"{get_indicator(str(r[s.INDICATOR])).label}: {r[s.GROUP]} vs "
                f"{r['reference_group']}"
                for _, r in show.iterrows()
            ],
            "Times as likely": show["adverse_ratio"].map("{:.1f}".format),
            "At least (95% CI)": show["conservative_ratio"].map("{:.1f}".format),
            "Children affected": show["children_affected"],
            "Trend": show["trend"],
            "State's gap": show["state_adverse_ratio"].map(
                lambda v: "not available" if not np.isfinite(v) else f"{v:.1f}"
            ),
            "Score": show["score"].map("{:.2f}".format),
            "Why": show["explanation"],
        }
    )
    parts.append(_table(disp, flag_col=show[s.UNRELIABLE].reset_index(drop=True)))
    for key, obj, caption in charts:
        alt = plots.get_alt_text(obj)
        parts.append(
            f"<h3>{html.escape(caption)}</h3>{_img(png_of[key], alt)}"
            f"<p class='caption'>{html.escape(alt)}</p>"
        )
        if key == "overview":
            parts.append("<h2>The top candidates, one by one</h2>")
    parts.append("<h2>Bright spots</h2>" + bright_html)
    parts.append(
        "<h2>All disparities, latest period</h2><p>Shaded rows rest on small "
        "numbers (unreliable); grey rows are not shown to protect privacy and "
        "because small counts are too unstable to read.</p>"
    )
    lat = latest.sort_values([s.INDICATOR, s.DIMENSION, s.GROUP])
    parts.append(
        _table(
            disparity_table_for_display(lat),
            flag_col=lat[s.UNRELIABLE].reset_index(drop=True),
            hidden_col=lat[s.SUPPRESSED].reset_index(drop=True),
        )
    )
    parts.append(
        "<h2>Summary measures</h2><p class='small'>Across all groups at once "
        "(latest period; WHO HEAT / NCI HD*Calc definitions, 95% CIs).</p>"
    )
    lm = measures[
        measures[s.PERIOD_END]
        == measures.groupby(s.INDICATOR, observed=True)[s.PERIOD_END].transform("max")
    ]
    lm = lm[
        lm["measure"].isin(
            [
                "index_of_disparity",
                "slope_index_of_inequality",
                "population_attributable_fraction",
            ]
        )
    ]
    parts.append(
        _table(
            pd.DataFrame(
                {
                    "Indicator": [get_indicator(str(i)).label for i in lm[s.INDICATOR]],
                    "Groups": lm[s.DIMENSION]
                    .astype(str)
                    .replace({"race_ethnicity": "race/ethnicity"}),
                    "Measure": lm["measure"].astype(str).str.replace("_", " "),
                    "Estimate": [
                        f"{v:.2f}" if np.isfinite(v) else "—" for v in lm["estimate"]
                    ],
                    "95% CI": [
                        _ci(a, b, 2)
                        for a, b in zip(lm[s.CI_LOWER], lm[s.CI_UPPER], strict=True)
                    ],
                    "Note": lm["note"],
                }
            )
        )
    )
    parts.append("<h2>About the data</h2><ul class='small'>")
    parts.append(
        "<li>Values built on fewer than 10 events are not shown; values with a "
        "relative standard error above 30% or fewer than 20 events are marked "
        "unreliable.</li><li>Confidence intervals: Wilson (proportions), exact "
        "Poisson (rates), ACS margins of error (survey estimates); gaps by "
        "combined standard errors, ratios on the log scale.</li>"
    )
    for rep in load_reports:
        parts.append(f"<li>{html.escape(rep.summary())}</li>")
    parts.append(
        f"<li>Files: {html.escape(csv_path.name)} (every gap), "
        f"{html.escape(cand_path.name)} (candidates).</li></ul>"
    )
    parts.append("</main></body></html>")
    html_path = out / f"{slug}_profile.html"
    html_path.write_text("".join(parts), encoding="utf-8")
    for _, obj, _ in charts:
        plt.close(obj if hasattr(obj, "savefig") else obj.get_figure())
    progress(f"done: {html_path}")
    return {
        "html": html_path,
        "csv": csv_path,
        "candidates_csv": cand_path,
        "pngs": pngs,
    }
