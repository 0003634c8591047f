"""A county profile assembled once, as data, for every rendering.

:func:`build_county_profile` computes the gaps, trends, summary measures,
ranked candidates, the recorded focus (if any), bright spots and notes, and
draws each chart once. The result, a :class:`CountyProfile`, is rendered to
the HTML report (:func:`disparities.report.render_html`), the board deck
(:func:`disparities.deck.render_deck`) and notebook displays
(``CountyProfile._repr_html_`` and :meth:`CountyProfile.show`). Renderers
decide layout only; they never recompute or re-rank.

Each chart is drawn once (:mod:`disparities.chart_drawing`), at 200 dpi; the
same pixels give the PNG file (print and slides) and, downsampled to screen
size, the image the HTML embeds.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.chart_drawing import (
    PRINT_DPI,
    SCREEN_DPI,
    Chart,
    ChartDrawing,
    PlannedChart,
    rasterise,
)
from disparities.focus_record import load_focus, output_file_name
from disparities.outputs import write_csv

__all__ = [
    "Chart",
    "CountyProfile",
    "build_county_profile",
    "short_title",
    "CHART_SIZE",
    "rasterise",
    "PRINT_DPI",
    "SCREEN_DPI",
]

#: Figure size (inches) of profile charts: drawn at the size they fill on a
#: 16:9 slide under a title, so 14-pt chart text is 14 pt on the slide.
CHART_SIZE = (12.5, 6.2)

_SHORT = {
    "Economically disadvantaged": "Econ. disadvantaged",
    "Not economically disadvantaged": "not disadvantaged",
    "American Indian or Alaska Native": "American Indian",
    "White alone (incl. Hispanic)": "White",
    "Native Hawaiian or Pacific Islander": "Pacific Islander",
    "400% FPL and over": "400%+ FPL",
}


def long_title(row) -> str:
    """Indicator and the two groups, in full (for headings with room)."""
    from disparities.catalog import get_indicator

    label = get_indicator(str(row["indicator"])).label
    return f"{label}: {row['group']} vs {row['reference_group']}"


def short_title(row, limit: int = 60) -> str:
    """A slide-length title for one gap: indicator, groups and ratio.

    Examples
    --------
    >>> short_title({"indicator": "child_poverty", "group": "Black",
    ...     "reference_group": "White", "adverse_ratio": 2.91})
    'Children in poverty: Black vs White, 2.9× as likely'
    """
    from disparities.catalog import get_indicator

    label = get_indicator(str(row["indicator"])).label
    g = _SHORT.get(str(row["group"]), str(row["group"]))
    ref = _SHORT.get(str(row["reference_group"]), str(row["reference_group"]))
    ar = row.get("adverse_ratio", np.nan)
    ratio = (
        f", {ar:.1f}\u00d7 as likely"
        if ar is not None and np.isfinite(ar) and ar >= 1
        else ""
    )
    # most complete first; the reference group is the first thing dropped (the
    # subtitle and the chart name it), then the ratio
    for text in (
        f"{label}: {g} vs {ref}{ratio}",
        f"{label}: {g} vs {ref}",
        f"{label}: {g}{ratio}",
        f"{label}: {g}",
    ):
        if len(text) <= limit:
            return text
    base = f"{label}: {g}"
    return textwrap.shorten(base, limit, placeholder="\u2026")


@dataclass
class CountyProfile:
    """Everything a county's report, deck and notebook show, computed once."""

    geo_id: str
    place: str
    state_abbr: str
    state_name: str
    synthetic: bool
    sources: list
    candidates: pd.DataFrame
    latest: pd.DataFrame
    gaps_here: pd.DataFrame
    measures: pd.DataFrame
    findings: list = field(default_factory=list)
    focus: dict | None = None
    charts: list = field(default_factory=list)
    bright_spots: pd.DataFrame | None = None
    bright_subject: dict | None = None
    peers: pd.DataFrame | None = None
    better_than_state: pd.DataFrame | None = None
    notes: list = field(default_factory=list)
    load_reports: tuple = ()
    files: dict = field(default_factory=dict)
    #: the step-message callable the profile was built with (its clock goes on)
    progress: object = None

    def chart(self, key: str) -> Chart | None:
        """The chart with this key, or None when it could not be drawn."""
        return next((c for c in self.charts if c.key == key), None)

    def chart_for(self, row, kind: str) -> Chart | None:
        """The ``kind`` chart (gap, groups, trend ...) of one comparison, wherever
        it was drawn (a chart shared by the focus and a candidate is drawn once)."""
        sig = (str(row[s.INDICATOR]), str(row[s.DIMENSION]), str(row[s.GROUP]))
        return next(
            (c for c in self.charts if c.subject == sig and c.key.endswith(f"_{kind}")),
            None,
        )

    def charts_in(self, section: str) -> list:
        """Charts of one section, in drawing order."""
        return [c for c in self.charts if c.section == section]

    def _repr_html_(self) -> str:
        from disparities.report import render_html

        return render_html(self, fragment=True)

    def show(self) -> None:
        """Display the profile in a notebook (falls back to printing text)."""
        try:
            from IPython.display import HTML, display
        except ImportError:  # pragma: no cover - notebooks have IPython
            for f in self.findings:
                print("-", f["sentence"])
            return
        display(HTML(self._repr_html_()))

    def close(self) -> None:
        """Free the charts' figures (their PNGs stay)."""
        import matplotlib.pyplot as plt

        for c in self.charts:
            if c.figure is not None:
                plt.close(c.figure)


# ---------------------------------------------------------------- steps


def resolve_place(table: pd.DataFrame, county: str, state: str):
    """Step 1: ``(geo_id, place, state_abbr, state_name)``, checked against the data.

    Raises
    ------
    UnknownPlaceError
        An unknown name, or a real county the data hold no rows for.
    """
    from disparities.geography import UnknownPlaceError, find_county, resolve_state

    _, st_abbr, st_name = resolve_state(state)
    if str(county).isdigit() and len(str(county)) == 5:
        geo_id = str(county)
        names = table.loc[table[s.GEO_ID].astype(str) == geo_id, s.GEO_NAME]
        place = str(names.iloc[0]) if len(names) else geo_id
    else:
        geo_id, place = find_county(county, st_abbr)
    if not (table[s.GEO_ID].astype(str) == geo_id).any():
        raise UnknownPlaceError(
            f"{place} ({geo_id}) is a real county but the data hold no rows for it; "
            "run 'disparities counties' to list what the data hold"
        )
    return geo_id, place, st_abbr, st_name


def compute_analysis(table: pd.DataFrame, geo_id: str, shared: dict | None = None):
    """Step 2: gaps, trends and ranked candidates of one county (what the charts need).

    ``shared`` may hold state-wide ``gaps``, ``trends`` and ``measures``
    computed once for many counties (see :mod:`disparities.batch`).
    """
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates
    from disparities.plots.overview import latest_gaps
    from disparities.select import parent_geo_id
    from disparities.trends import compute_gap_trends

    parent = parent_geo_id(geo_id)
    ids = [geo_id, parent, "US"]
    local = table[table[s.GEO_ID].astype(str).isin(ids)]
    if shared and "gaps" in shared:
        g = shared["gaps"]
        gaps = g[g[s.GEO_ID].astype(str).isin(ids)]
    else:
        gaps = compute_gaps(local)
    # derived intervals and children affected (where a source publishes none)
    # are filled in once, so the page, charts, deck and CSVs say the same
    gaps = add_size_estimates(gaps, local)
    here = gaps[gaps[s.GEO_ID].astype(str) == geo_id]
    if shared and "trends" in shared:
        t = shared["trends"]
        trends = t[t[s.GEO_ID].astype(str) == geo_id]
    else:
        trends = compute_gap_trends(here)
    cands = rank_focus_candidates(local, geo_id, gaps=gaps, trends=trends)
    return {
        "local": local,
        "gaps": gaps,
        "here": here,
        "trends": trends,
        "candidates": cands,
        "latest": latest_gaps(gaps, geo_id),
        "state_gaps": shared["gaps"] if shared and "gaps" in shared else None,
    }


def compute_measures(an: dict, geo_id: str, shared: dict | None = None):
    """Step 2b: the county's summary measures (the page's technical section only,
    so they can be computed while the charts are drawn)."""
    if shared and "measures" in shared:
        m = shared["measures"]
        return m[m[s.GEO_ID].astype(str) == geo_id]
    from disparities.group_sizes import summary_measures_with_sizes

    local = an["local"]
    return summary_measures_with_sizes(local[local[s.GEO_ID].astype(str) == geo_id])


def match_focus(
    record: dict | None, cands: pd.DataFrame, geo_id: str, *, synthetic=None
):
    """Step 3: the recorded focus beside today's numbers for the same comparison.

    A choice made on the synthetic demo data does not carry over to real data,
    nor the other way round (``synthetic``: whether today's data are the demo):
    its comparison is then "not in the current data" and ``other_data`` says
    on what it was chosen.
    """
    if record is None:
        return None
    if str(record["geo_id"]) != geo_id:
        from disparities.focus_record import FocusRecordError

        raise FocusRecordError(
            f"{record.get('path', 'focus record')}: recorded for "
            f"{record['geo_id']}, not {geo_id}"
        )
    keys = ("indicator", "dimension", "group")
    hit = cands
    for k in keys:
        hit = hit[hit[k].astype(str) == str(record[k])]
    focus = dict(record)
    from disparities.narrative import is_synthetic

    chosen_on = [str(x) for x in record.get("sources") or []]
    focus["other_data"] = None
    if synthetic is not None and chosen_on and is_synthetic(chosen_on) != synthetic:
        focus["other_data"] = "; ".join(chosen_on)
        hit = hit.iloc[0:0]  # made-up numbers never stand in for real ones
    focus["current"] = hit.iloc[0] if len(hit) else None
    subject = hit.iloc[0] if len(hit) else {**record, "adverse_ratio": np.nan}
    focus["short_title"] = short_title(subject)
    focus["long_title"] = long_title(subject)
    return focus


def _axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=CHART_SIZE, layout="constrained")
    return ax


class _ChartList(list):
    """The drawn charts, plus ``skipped``: the charts not drawn and why."""

    def __init__(self, *args):
        super().__init__(*args)
        self.skipped = []


def plan_charts(table, an, geo_id, st_abbr, subjects) -> list:
    """Step 4a: the charts a profile shows, as :class:`PlannedChart` (nothing drawn).

    The overview; for each subject (the focus, then the shortlisted
    candidates) its gap beside the state's, every group and the gap over
    time, each comparison once however many sections show it; for the first
    subject, every group over time, the state map and the two groups' maps.
    """
    from disparities import plots

    plan, seen = [], set()

    def add(key, section, heading, make, subject=(), cost=1.0):
        plan.append(PlannedChart(key, section, heading, make, subject, cost))

    from functools import cache

    from disparities.group_sizes import flag_unreliable_by_size

    gaps, trends = an["gaps"], an["trends"]
    # values resting on too few (estimated) children are marked unreliable in
    # every chart of values, as the gap charts mark their gaps
    local = flag_unreliable_by_size(an["local"])  # county, state, nation only

    @cache
    def state_table():  # for the maps, flagged once where first needed
        return flag_unreliable_by_size(table)

    # the overview shows the intervals derived from group sizes (filled in
    # once in compute_analysis, marked as estimated): it agrees with the shortlist
    latest = an["latest"]
    add(
        "overview",
        "overview",
        "Where the gaps are",
        # 8 rows keep the two-line labels apart at slide size
        lambda: plots.plot_disparity_overview(latest, geo_id, max_rows=8, ax=_axes()),
        cost=1.5,
    )
    for section, row in subjects:
        ind, dim, grp = str(row[s.INDICATOR]), str(row[s.DIMENSION]), str(row[s.GROUP])
        sig = (ind, dim, grp)
        if sig in seen:  # drawn already for another section: no second drawing
            continue
        seen.add(sig)
        add(
            f"{section}_gap",
            section,
            "The gap, beside the state's",
            lambda ind=ind, dim=dim, grp=grp: plots.plot_gap_dumbbell(
                gaps,
                geo_id,
                ind,
                dimension=dim,
                highlight_group=grp,
                values=local,  # each dot flagged as the every-group chart's bar
                ax=_axes(),
            ),
            sig,
        )
        add(
            f"{section}_groups",
            section,
            "Every group",
            lambda ind=ind, dim=dim: plots.plot_group_comparison(
                local, geo_id, ind, dimension=dim, ax=_axes()
            ),
            sig,
        )
        add(
            f"{section}_trend",
            section,
            "Is the gap changing?",
            lambda ind=ind, grp=grp: plots.plot_gap_trend(
                gaps, trends, geo_id, ind, grp, ax=_axes()
            ),
            sig,
        )
    if subjects:
        section, row = subjects[0]
        ind, dim = str(row[s.INDICATOR]), str(row[s.DIMENSION])
        grp, ref = str(row[s.GROUP]), str(row["reference_group"])
        add(
            f"{section}_trend_by_group",
            section,
            "Every group over time",
            lambda: plots.plot_group_trend(
                local, geo_id, ind, dimension=dim, ax=_axes()
            ),
        )
        add(
            f"{section}_map",
            section,
            "Across the state's counties",
            lambda: plots.plot_county_map(
                state_table(), st_abbr, ind, focus_geo_id=geo_id, ax=_axes()
            ),
            cost=1.5,
        )
        add(
            f"{section}_maps_by_group",
            section,
            "The two groups across the state",
            lambda: plots.plot_map_small_multiples(
                state_table(),
                st_abbr,
                ind,
                groups=[grp, ref],
                focus_geo_ids=[geo_id],
            ),
            cost=2.0,
        )
    return plan


def collect_charts(results, progress) -> list:
    """Step 4b: drawn charts in order; each one not drawn said, with its reason.

    Returns a list of :class:`Chart`; its ``skipped`` attribute lists the charts
    not drawn as ``(key, section, heading, reason)``, the reason in plain words
    (e.g. "only one period (2014–2020) of teen births: a chart over time needs
    at least two"), for a renderer that wants to say why a chart is missing.
    """
    charts = _ChartList()
    for result in results:
        if isinstance(result, Chart):
            charts.append(result)
            continue
        charts.skipped.append(result)
        _, section, heading, reason = result
        where = section.replace("candidate", "candidate ")
        progress(f'no chart "{heading}" for {where}: {reason}')
    return charts


def draw_charts(
    table, an, geo_id, st_abbr, subjects, progress, *, print_dpi=PRINT_DPI, jobs=1
) -> list:
    """Step 4: draw every chart once (in-figure titles removed; renderers show them).

    ``print_dpi=None`` renders screen-resolution images only (see
    :func:`~disparities.chart_drawing.rasterise`); ``jobs`` processes draw
    (see :class:`~disparities.chart_drawing.ChartDrawing`). Returns what
    :func:`collect_charts` returns.
    """
    plan = plan_charts(table, an, geo_id, st_abbr, subjects)
    with ChartDrawing(plan, print_dpi=print_dpi, jobs=jobs) as drawing:
        return collect_charts(drawing.finish(), progress)


def find_bright(table, an, geo_id, subject, progress):
    """Step 5: peers, bright spots on the lead disparity, and better-than-state."""
    from disparities.gaps import compute_gaps
    from disparities.peers import (
        better_than_state,
        find_bright_spots,
        find_peer_counties,
    )

    out = {"peers": None, "bright_spots": None}
    try:
        peers = find_peer_counties(table, geo_id)
        out["peers"] = peers
        ids = peers[s.GEO_ID].astype(str).tolist()
        if an.get("state_gaps") is not None:  # batch: computed once per state
            sg = an["state_gaps"]
            peer_gaps = sg[sg[s.GEO_ID].astype(str).isin(ids)]
        else:
            peer_gaps = compute_gaps(table[table[s.GEO_ID].astype(str).isin(ids)])
        if subject is not None:
            out["bright_spots"] = find_bright_spots(
                pd.concat([an["gaps"], peer_gaps]),
                peers,
                geo_id,
                str(subject[s.INDICATOR]),
                str(subject[s.GROUP]),
                table=table,
            )
    except KeyError as exc:
        progress(f"no bright spots: {exc}")
    out["better_than_state"] = better_than_state(table, geo_id)
    return out


_CHART_KINDS = {
    "gap": "the gap beside the state's",
    "groups": "every group",
    "trend": "the gap over time",
    "trend_by_group": "every group over time",
    "map": "the state map",
    "maps_by_group": "the two groups' maps",
}


def readable_message(message: str) -> str:
    """A step message with indicator ids and chart keys in words.

    Examples
    --------
    >>> readable_message("skipped chart candidate1_trend_by_group: only one "
    ...     "period of 'teen_births' for Black: a trend needs at least two")
    "skipped chart 'every group over time' (candidate 1): only one period of Teen births for Black: a trend needs at least two"
    """
    import re

    from disparities.catalog import get_indicator

    def label(m):
        try:
            return get_indicator(m.group(1)).label
        except (KeyError, ValueError):
            return m.group(0)

    def chart(m):
        section, kind = m.group(1), m.group(2)
        what = _CHART_KINDS.get(kind, kind.replace("_", " "))
        where = section.replace("candidate", "candidate ")
        return f"skipped chart '{what}' ({where})"

    message = re.sub(
        r"skipped chart (focus|candidate\d+)_([a-z_]+)", chart, str(message)
    )
    message = message.replace("skipped chart overview", "skipped the overview chart")
    return re.sub(r"'([a-z0-9_]+)'", label, message)


def what_to_watch(focus: dict, state_name: str) -> list:
    """Plain-language things to watch for a recorded focus (from its numbers)."""
    from disparities.narrative import format_period, format_value

    row = focus.get("current")
    if row is None and focus.get("other_data"):
        return [
            f"This focus was chosen on other data ({focus['other_data']}), not on "
            "the data of this report: record the choice again on these data "
            "(the command is in the shortlist section)."
        ]
    if row is None:
        return [
            "This comparison is not in the current data (hidden for small numbers "
            "or no longer published); check the data notes."
        ]
    ind = str(row[s.INDICATOR])
    out = [
        f"The next release of this indicator: does the {row[s.GROUP]} value "
        f"({format_value(row[s.VALUE], ind)}) move toward the {row['reference_group']}"
        f" value ({format_value(row['reference_value'], ind)})?"
    ]
    from disparities.focus import trend_words

    trend = str(row["trend"])
    if trend in ("widening", "narrowing"):
        out.append(
            f"The gap has been {trend_words(row)}; watch whether that continues."
        )
    else:
        out.append(f"Trend so far: {trend}.")
    sr = row["state_adverse_ratio"]
    if np.isfinite(sr):
        out.append(f"{state_name}'s gap ({sr:.1f} times as likely) as a yardstick.")
    if bool(row[s.UNRELIABLE]) or bool(row.get("needs_pooling", False)):
        out.append(
            f"Small numbers in {format_period(row[s.PERIOD])}: pool 3 or more years "
            "before relying on a change."
        )
    then = (focus.get("numbers_when_chosen") or {}).get("adverse_ratio")
    now = row["adverse_ratio"]
    if then is not None and np.isfinite(now) and abs(now - then) >= 0.05:
        out.append(
            f"The numbers have changed since the choice: {then:.1f} times then, "
            f"{now:.1f} now ({format_period(row[s.PERIOD])})."
        )
    return out


def headline(row) -> str:
    """The first clause of a candidate's explanation: its gap in one sentence."""
    return str(row["explanation"]).split("; ")[0].rstrip(".") + "."


def build_findings(cands: pd.DataFrame, n: int = 3) -> list:
    """Step 6: key findings, short (one sentence each, no repetition of the table)."""
    from disparities.narrative import finding_sentence  # keeps the caveats

    return [
        {
            "rank": int(r["rank"]),
            "short": short_title(r),
            "sentence": finding_sentence(r),
        }
        for _, r in cands.head(n).iterrows()
    ]


def build_county_profile(
    table: pd.DataFrame,
    county: str,
    *,
    state: str = "NC",
    focus=None,
    n_detail: int = 3,
    load_reports=(),
    shared: dict | None = None,
    progress=None,
    jobs: int = 1,
) -> CountyProfile:
    """Assemble a county's profile once: numbers, ranked candidates, focus, charts.

    Parameters
    ----------
    table : pandas.DataFrame
        Prepared tidy table holding the county, its state and the state's
        other counties (for the map and the peers).
    county : str
        County name (any case, with or without "County") or 5-digit FIPS.
    state : str
        State abbreviation, name or FIPS.
    focus : dict, str or Path, optional
        A focus record (from :func:`disparities.load_focus`), its JSON file, or
        the output folder to look for ``<county>_focus.json`` in.
    n_detail : int
        How many shortlisted candidates get their own charts.
    load_reports : sequence of LoadReport
        Shown in the data notes.
    shared : dict, optional
        State-wide ``gaps``/``trends``/``measures`` computed once (batch);
        ``print_images=False`` in it renders screen-resolution images only.
    progress : callable, optional
        Called with step messages.
    jobs : int
        Processes drawing the charts (1, the default: this one only). With
        more, on Linux, forked workers draw while this process finds the
        bright spots and then draws too; their charts come back as pixels
        (``Chart.figure`` is None). The command line uses every core; keep 1
        where forking is unwelcome (some notebook kernels, a batch's workers).

    Returns
    -------
    CountyProfile
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from disparities.narrative import is_synthetic

    progress = progress or (lambda msg: None)
    geo_id, place, st_abbr, st_name = resolve_place(table, county, state)
    progress(f"profile of {place}, {st_name}: gaps and trends")
    an = compute_analysis(table, geo_id, shared)
    cands = an["candidates"]
    if focus is not None and not isinstance(focus, dict):
        focus = load_focus(focus, place)
    focus = match_focus(focus, cands, geo_id, synthetic=is_synthetic(table[s.SOURCE]))
    subjects = []
    if focus is not None and focus["current"] is not None:
        subjects.append(("focus", focus["current"]))
    for i, (_, c) in enumerate(cands.head(n_detail).iterrows(), start=1):
        subjects.append((f"candidate{i}", c))
    print_images = shared is None or shared.get("print_images", True)
    plan = plan_charts(table, an, geo_id, st_abbr, subjects)
    progress("drawing charts")
    lead = subjects[0][1] if subjects else None
    with ChartDrawing(
        plan, print_dpi=PRINT_DPI if print_images else None, jobs=jobs
    ) as drawing:
        # with workers drawing, this process computes the summary measures and
        # finds the bright spots first, then draws what is left; alone, it draws first
        if drawing.n_workers:
            progress("summary measures and bright spots (charts drawing meanwhile)")
            measures = compute_measures(an, geo_id, shared)
            bright = find_bright(table, an, geo_id, lead, progress)
        results = drawing.finish()
    charts = collect_charts(results, lambda m: progress(readable_message(m)))
    if not drawing.n_workers:
        progress("summary measures and bright spots")
        measures = compute_measures(an, geo_id, shared)
        bright = find_bright(table, an, geo_id, lead, progress)
    if focus is not None:
        focus["what_to_watch"] = what_to_watch(focus, st_name)
    sources = sorted(set(an["local"][s.SOURCE].astype(str)) - {""})
    return CountyProfile(
        geo_id=geo_id,
        place=place,
        state_abbr=st_abbr,
        state_name=st_name,
        synthetic=is_synthetic(table[s.SOURCE]),
        sources=sources,
        candidates=cands,
        latest=an["latest"],
        gaps_here=an["here"],
        measures=measures,
        findings=build_findings(cands),
        focus=focus,
        charts=charts,
        bright_spots=bright["bright_spots"],
        bright_subject=None if lead is None else dict(lead),
        peers=bright["peers"],
        better_than_state=bright["better_than_state"],
        load_reports=tuple(load_reports),
        progress=progress,
    )


def write_profile_files(profile: CountyProfile, out_dir) -> dict:
    """Write the CSV tables and each chart's 200-dpi PNG (with alt text) to ``out_dir``.

    Returns
    -------
    dict
        Paths by kind: ``csv``, ``candidates_csv``, ``measures_csv``, ``pngs``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def name(kind):
        return out / output_file_name(profile.place, kind)

    files = {
        "csv": name("disparities.csv"),
        "candidates_csv": name("focus_candidates.csv"),
        "measures_csv": name("summary_measures.csv"),
    }
    write_csv(profile.gaps_here, files["csv"])
    write_csv(profile.candidates, files["candidates_csv"])
    write_csv(profile.measures, files["measures_csv"])
    pngs = []
    for c in profile.charts:
        c.path = name(f"{c.key}.png")
        c.path.write_bytes(c.print_png)
        name(f"{c.key}.alt.txt").write_text(c.alt + "\n", encoding="utf-8")
        pngs.append(c.path)
    files["pngs"] = pngs
    profile.files.update(files)
    return files
