"""What the explorer does, without any web page: one plain class, one method per step.

The Panel page (:mod:`disparities.app.layout`) only wires widgets to these
methods, so every step can be tested without a browser. Every problem a person
can fix is raised as :class:`AppError` with a message in plain words.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.app import integration

__all__ = ["AppError", "Explorer", "LoadedFile"]


class AppError(Exception):
    """A problem the person using the app can act on (the message says how)."""


@dataclass
class LoadedFile:
    """One data file as the person knows it, with its load report."""

    name: str
    report: object = None
    rows: int = 0
    error: str = ""
    sentence: str = ""


_SOURCE_WORDS = {
    "kids_count": "KIDS COUNT Data Center export",
    "county_health_rankings": "County Health Rankings workbook",
    "chr": "County Health Rankings workbook",
    "chr_analytic": "County Health Rankings analytic file",
    "acs": "Census Bureau ACS table",
    "acs_api": "Census Bureau ACS table (API)",
    "saipe": "Census Bureau SAIPE file",
    "report_card": "school report card file",
    "tidy": "tidy table",
}

#: Columns of the candidate table shown to people, in order.
CANDIDATE_COLUMNS = [
    "Rank",
    "In plain words",
    "Times as likely",
    "95% CI",
    "Children affected",
    "Evidence",
    "Trend",
    "State's gap",
    "Score",
    "Size part",
    "Children part",
    "Trend part",
    "Versus state part",
    "Outcome",
    "Group",
    "Compared with",
    "Period",
]


def _safe_name(name: str) -> str:
    """A file name with no folders and only harmless characters."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    return base or "uploaded_file"


def _num(v, fmt="{:.2f}") -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return ""
    return fmt.format(v) if np.isfinite(v) else "not shown"


def _ci(lo, hi) -> str:
    lo, hi = _num(lo), _num(hi)
    if lo == "not shown" and hi == "not shown":
        return "not published"
    return f"{lo} to {hi}"


def _label(indicator: str) -> str:
    from disparities.catalog import get_indicator

    try:
        return get_indicator(str(indicator)).label
    except KeyError:
        return str(indicator)


class Explorer:
    """The explorer's state and steps, for one person's session.

    Parameters
    ----------
    out_dir : str or Path
        Where focus records, reports and decks are written.
    state : str
        The starting state (abbreviation or name).

    Examples
    --------
    >>> import tempfile
    >>> ex = Explorer(tempfile.mkdtemp())
    >>> ex.use_demo()[0].name
    'Synthetic demo data'
    >>> ex.choose_county("durham")
    'Durham County'
    >>> int(ex.candidate_table()["Rank"].iloc[0])
    1
    """

    def __init__(self, out_dir="reports", *, state: str = "NC"):
        from disparities.geography import resolve_state

        self.out_dir = Path(out_dir)
        self.state = resolve_state(state)[1]
        self.table: pd.DataFrame | None = None
        self._flagged: pd.DataFrame | None = None  # the table, small values flagged
        self.files: list[LoadedFile] = []
        self.geo_id: str | None = None
        self.geo_name: str | None = None
        self.gaps: pd.DataFrame | None = None
        self.trends: pd.DataFrame | None = None
        self.candidates: pd.DataFrame | None = None
        self.selected: pd.Series | None = None
        self.focus: dict | None = None
        self.focus_path: Path | None = None
        self.earlier_focus: dict | None = None
        self.timings: dict[str, float] = {}
        self._uploads = Path(tempfile.mkdtemp(prefix="disparities_uploads_"))

    def close(self) -> None:
        """Remove the uploaded files' temporary copies."""
        shutil.rmtree(self._uploads, ignore_errors=True)

    # ------------------------------------------------------------ step 1: data
    def set_state(self, state: str) -> str:
        """Choose the state; forgets the county. Returns its abbreviation."""
        from disparities.geography import UnknownPlaceError, resolve_state

        try:
            self.state = resolve_state(state)[1]
        except (UnknownPlaceError, KeyError, ValueError) as exc:
            raise AppError(f"We do not know the state {state!r}: {exc}") from None
        self._forget_county()
        return self.state

    def use_demo(self) -> list[LoadedFile]:
        """Use the embedded synthetic demo data (North Carolina)."""
        from disparities.demo import load_demo

        t = time.perf_counter()
        table = load_demo()
        self.state = "NC"
        self._set_table(table)
        self.files = [
            LoadedFile(
                "Synthetic demo data",
                rows=len(table),
                sentence=(
                    f"The synthetic demo data: {len(table):,} rows for North "
                    "Carolina's 100 counties. The numbers are MADE UP for practice; "
                    "every chart says so."
                ),
            )
        ]
        self.timings["load"] = time.perf_counter() - t
        return self.files

    def use_files(self, paths) -> list[LoadedFile]:
        """Read data files from disk (paths, one or more)."""
        items = [(Path(str(p).strip()), Path(str(p).strip()).name) for p in paths]
        items = [(p, n) for p, n in items if str(p) not in ("", ".")]
        if not items:
            raise AppError("Type the path of at least one data file.")
        for p, _ in items:
            if not p.is_file():
                raise AppError(
                    f"There is no file at {str(p)!r}. Check the spelling and the "
                    "folder, or upload the file instead."
                )
        return self._load_files(items)

    def use_uploads(self, files) -> list[LoadedFile]:
        """Read files uploaded in the browser: ``{file name: bytes}`` or pairs.

        The bytes are written to a private temporary folder and read with
        :func:`~disparities.loaders.load_data`; nothing in them is run.
        """
        pairs = list(files.items()) if isinstance(files, dict) else list(files)
        if not pairs:
            raise AppError("Choose one or more files to upload first.")
        items = []
        for i, (name, data) in enumerate(pairs):
            folder = self._uploads / f"{len(list(self._uploads.iterdir()))}_{i}"
            folder.mkdir(parents=True)
            path = folder / _safe_name(name)
            path.write_bytes(bytes(data))
            items.append((path, str(name)))
        return self._load_files(items)

    def _load_files(self, items) -> list[LoadedFile]:
        from disparities.loaders import combine_tables, load_data

        t = time.perf_counter()
        loaded, tables = [], []
        for path, name in items:
            lf = LoadedFile(name)
            try:
                table, report = load_data(path, state=self.state)
            except (ValueError, KeyError, OSError, UnicodeDecodeError) as exc:
                lf.error = str(exc).replace(str(path), name)
                if "which indicator" in lf.error:  # say it without code
                    lf.error += (
                        ". In plain words: rename the file so its name says what "
                        "it measures, as the KIDS COUNT Data Center names its "
                        "downloads (for example 'Children in poverty by race and "
                        "ethnicity.csv' or 'Low birthweight babies.csv'), then "
                        "load it again"
                    )
                lf.sentence = f"{name}: could not be used. {lf.error}"
                loaded.append(lf)
                continue
            report.file = name
            lf.report, lf.rows = report, len(table)
            lf.sentence = self._report_words(report, str(path), name)
            loaded.append(lf)
            if len(table):
                tables.append(table)
        self.files = loaded
        if not tables:
            why = " ".join(f.sentence for f in loaded)
            raise AppError(
                "None of these files has rows we can use, so nothing was loaded. " + why
            )
        try:
            table = combine_tables(tables)
        except ValueError as exc:
            raise AppError(f"These files disagree with each other: {exc}") from None
        self._set_table(table)
        self.timings["load"] = time.perf_counter() - t
        return loaded

    @staticmethod
    def _report_words(report, path: str, name: str) -> str:
        """The load report as sentences a person can read."""
        kind = _SOURCE_WORDS.get(report.source, report.source)
        text = (
            f"{name} (read as a {kind}): {report.rows_read:,} rows read, "
            f"{report.rows_kept:,} kept"
        )
        if report.rows_suppressed:
            marks = ", ".join(
                f"{v:,} marked {k}" for k, v in report.suppression_markers.items()
            )
            text += (
                f", of which {report.rows_suppressed:,} values are hidden by the "
                f"source because the numbers are small ({marks})"
            )
        text += f"; {report.rows_rejected:,} rejected"
        if report.rejected:
            reasons = "; ".join(
                f"row {r['row']}, column {r['column']}: {r['reason']}"
                for r in report.rejected[:5]
            )
            more = len(report.rejected) - 5
            text += f" ({reasons}{f'; and {more} more' if more > 0 else ''})"
        text += "."
        for w in report.warnings[:3]:
            text += f" Warning: {w}"
        for n in report.notes:
            text += f" {n}"
        return text.replace(path, name)

    def _set_table(self, table: pd.DataFrame) -> None:
        self.table = table
        self._flagged = None
        self._forget_county()

    def _flagged_table(self) -> pd.DataFrame:
        """The table with values on too few (estimated) children flagged, as
        the report's charts show them (computed once per loaded table)."""
        from disparities.group_sizes import flag_unreliable_by_size

        if self._flagged is None:
            self._flagged = flag_unreliable_by_size(self.table)
        return self._flagged

    def _forget_county(self) -> None:
        self.geo_id = self.geo_name = None
        self.gaps = self.trends = self.candidates = self.selected = None
        self.focus = self.focus_path = self.earlier_focus = None

    def data_sources(self) -> list[str]:
        """The sources named in the loaded data."""
        if self.table is None:
            return []
        return sorted(self.table[s.SOURCE].astype(str).unique())

    def county_options(self) -> list[str]:
        """Names of the chosen state's counties that the data hold, A to Z."""
        from disparities.geography import county_table, resolve_state

        if self.table is None:
            return []
        fips = resolve_state(self.state)[0]
        have = set(self.table[s.GEO_ID].astype(str))
        ct = county_table(self.state)
        return sorted(ct.loc[ct["geo_id"].isin(have), "geo_name"].tolist()) or [
            g for g in sorted(have) if g.startswith(fips) and len(g) == 5
        ]

    # ---------------------------------------------------------- step 2: county
    def choose_county(self, name: str) -> str:
        """Choose the county and rank its candidate disparities; returns its name."""
        from disparities.focus import rank_focus_candidates
        from disparities.gaps import compute_gaps
        from disparities.geography import UnknownPlaceError, find_county
        from disparities.select import parent_geo_id
        from disparities.trends import compute_gap_trends

        if self.table is None:
            raise AppError("Load data first (step 1).")
        name = str(name or "").strip()
        if not name:
            raise AppError("Type the county's name, then pick it from the list.")
        t = time.perf_counter()
        try:
            geo_id, place = find_county(name, self.state)
        except UnknownPlaceError as exc:
            raise AppError(f"We could not find that county: {exc}.") from None
        local = self.table[
            self.table[s.GEO_ID].astype(str).isin([geo_id, parent_geo_id(geo_id)])
        ]
        if not (local[s.GEO_ID].astype(str) == geo_id).any():
            raise AppError(
                f"{place} is a real county, but the data you loaded have no rows "
                "for it. Pick a county from the list, or load data that cover it."
            )
        self._forget_county()
        gaps = compute_gaps(local)
        here = gaps[gaps[s.GEO_ID].astype(str) == geo_id]
        if here.empty:
            raise AppError(
                f"The data for {place} have no comparisons between groups (they "
                "need at least two groups for one outcome). Load a file with "
                "values by race/ethnicity or by income."
            )
        trends = compute_gap_trends(here, table=local)  # as the report's
        try:
            cands = rank_focus_candidates(local, geo_id, gaps=gaps, trends=trends)
        except KeyError as exc:
            raise AppError(f"No candidates for {place}: {exc}") from None
        if cands.empty:
            raise AppError(
                f"Every comparison for {place} is hidden because the numbers are "
                "small; pool several years of data and try again."
            )
        self.geo_id, self.geo_name = geo_id, place
        self.gaps, self.trends, self.candidates = gaps, trends, cands
        saved = integration.read_focus(self.out_dir, geo_id, place)
        if saved and saved.get("sources") == self.data_sources():
            self.focus = saved
            self.focus_path = integration.focus_record_path(self.out_dir, geo_id, place)
        else:  # chosen from other data: shown, but not used for the downloads
            self.earlier_focus = saved
        self.timings["county"] = time.perf_counter() - t
        return place

    def candidate_table(self) -> pd.DataFrame:
        """The ranked candidates in plain columns (one row per candidate)."""
        from disparities.catalog import get_indicator
        from disparities.focus import trend_words
        from disparities.narrative import format_period

        c = self._need_candidates()
        rows = []
        for _, r in c.iterrows():
            rows.append(
                {
                    "Rank": int(r["rank"]),
                    "Outcome": get_indicator(str(r[s.INDICATOR])).label,
                    "Group": str(r[s.GROUP]),
                    "Compared with": str(r["reference_group"]),
                    "Period": format_period(str(r[s.PERIOD])),
                    "Times as likely": round(float(r["adverse_ratio"]), 2),
                    "95% CI": _ci(
                        r["adverse_ratio_ci_lower"], r["adverse_ratio_ci_upper"]
                    )
                    + (
                        " (estimated)"
                        if str(r.get("interval_basis", "")).startswith("derived")
                        else ""
                    ),
                    # counted, estimated from population figures, or "unknown"
                    "Children affected": str(r.get("children_affected", "unknown")),
                    "Evidence": str(r.get("evidence", "")),
                    "Trend": trend_words(r),
                    "State's gap": _num(r["state_adverse_ratio"]),
                    "Score": round(float(r["score"]), 3),
                    "Size part": round(float(r["size_component"]), 2),
                    "Children part": round(float(r["children_affected_component"]), 2),
                    "Trend part": round(float(r["trend_component"]), 2),
                    "Versus state part": round(float(r["versus_state_component"]), 2),
                    "In plain words": str(r["explanation"]),
                }
            )
        return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)

    def left_out_sentence(self) -> str:
        """Which comparisons were left out of the ranking (small numbers)."""
        from disparities.narrative import format_period

        c = self._need_candidates()
        left = c.attrs.get("left_out", [])
        if not left:
            return ""
        return (
            f"{len(left)} comparison(s) are not ranked because the source hid the "
            "numbers (too few children or events): "
            + "; ".join(
                f"{d['group']}, {_label(d['indicator']).lower()}, "
                f"{format_period(d['period'])}"
                for d in left[:6]
            )
            + ("; ..." if len(left) > 6 else "")
            + "."
        )

    def _need_candidates(self) -> pd.DataFrame:
        if self.candidates is None:
            raise AppError("Choose a county first (step 2).")
        return self.candidates

    # ------------------------------------------------------- step 3: candidate
    def pick_candidate(self, rank: int) -> pd.Series:
        """Select the candidate with this rank (1 = top)."""
        c = self._need_candidates()
        hit = c[c["rank"] == int(rank)]
        if hit.empty:
            raise AppError(f"There is no candidate number {rank}.")
        self.selected = hit.iloc[0]
        return self.selected

    def _need_selected(self) -> pd.Series:
        if self.selected is None:
            raise AppError("Click a candidate in the table first (step 3).")
        return self.selected

    def candidate_charts(self) -> dict:
        """The selected candidate's charts: ``{title: Figure or error text}``.

        Group comparison, gap county vs state, gap trend, and the state map.
        A chart the data cannot support comes back as a sentence saying why.
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from disparities import plots

        r = self._need_selected()
        t = time.perf_counter()
        ind, dim, grp = str(r[s.INDICATOR]), str(r[s.DIMENSION]), str(r[s.GROUP])
        gid = self.geo_id
        values = self._flagged_table()  # the report's flags, in every chart
        makers = {
            "Every group": lambda: plots.plot_group_comparison(
                values, gid, ind, dimension=dim
            ),
            "The gap, county beside state": lambda: plots.plot_gap_dumbbell(
                self.gaps, gid, ind, dimension=dim, highlight_group=grp, values=values
            ),
            "Is the gap changing?": lambda: plots.plot_gap_trend(
                self.gaps, self.trends, gid, ind, grp
            ),
            "Across the state's counties": lambda: plots.plot_county_map(
                values, self.state, ind, focus_geo_id=gid
            ),
        }
        out = {}
        for title, make in makers.items():
            try:
                obj = make()
            except (KeyError, ValueError) as exc:
                out[title] = f"This chart cannot be drawn from these data: {exc}"
                continue
            fig = obj if isinstance(obj, matplotlib.figure.Figure) else obj.get_figure()
            plt.close(fig)  # the page keeps the Figure; pyplot forgets it
            out[title] = fig
        self.timings["charts"] = time.perf_counter() - t
        return out

    def bright_spots(self) -> tuple[pd.DataFrame, str]:
        """Peer counties on the selected disparity: a table and a sentence."""
        from disparities.gaps import compute_gaps
        from disparities.peers import find_bright_spots, find_peer_counties
        from disparities.select import parent_geo_id

        r = self._need_selected()
        t = time.perf_counter()
        ind, grp = str(r[s.INDICATOR]), str(r[s.GROUP])
        try:
            peers = find_peer_counties(self.table, self.geo_id)
        except KeyError as exc:  # e.g. too few features to match counties on
            return pd.DataFrame(), str(exc.args[0] if exc.args else exc)
        ids = [self.geo_id, parent_geo_id(self.geo_id)] + peers[s.GEO_ID].tolist()
        sub = self.table[
            self.table[s.GEO_ID].astype(str).isin(ids)
            & (self.table[s.INDICATOR].astype(str) == ind)
        ]
        try:
            spots = find_bright_spots(
                compute_gaps(sub), peers, self.geo_id, ind, grp, table=self.table
            )
        except KeyError as exc:
            return pd.DataFrame(), f"No bright spots to show: {exc}."
        shown = pd.DataFrame(
            {
                "County": spots[s.GEO_NAME].astype(str),
                "Times as likely": spots["adverse_ratio"].round(2),
                # "smaller gap" only where the two gaps' uncertainty supports it
                "Compared with yours": np.where(
                    spots["is_focus"], "(your county)", spots["comparison"].astype(str)
                ),
                "In plain words": spots["sentence"].astype(str),
            }
        )
        n = int(spots["smaller_gap"].sum())
        words = (
            f"{n} of the {len(peers)} counties most like {self.geo_name} "
            f"({', '.join(peers.attrs.get('labels', [])) or 'similar counties'}) "
            "have a clearly smaller gap on this: ask them what they do."
            if n
            else f"None of the {len(peers)} counties most like {self.geo_name} has "
            "a clearly smaller gap on this (a gap counts as smaller only when the "
            "two gaps' margins of error allow it)."
        )
        self.timings["bright_spots"] = time.perf_counter() - t
        return shown, words

    # ---------------------------------------------------- step 4: choose, share
    def choose_focus(self, reason: str, chosen_by: str = "") -> Path:
        """Record the selected candidate as the county's focus (a JSON file)."""
        r = self._need_selected()
        if not str(reason or "").strip():
            raise AppError("Write in a sentence why you chose this focus, then save.")
        self.focus_path = integration.record_focus(
            r,
            out_dir=self.out_dir,
            reason=reason,
            chosen_by=chosen_by,
            data_sources=self.data_sources(),
        )
        self.focus = integration.read_focus(self.out_dir, self.geo_id, self.geo_name)
        return self.focus_path

    def _need_focus(self) -> dict:
        if self.focus is None:
            raise AppError("Choose a focus first (step 4).")
        return self.focus

    def deck_file(self) -> Path:
        """Build the board deck for the chosen focus; returns the .pptx path."""
        focus = self._need_focus()
        t = time.perf_counter()
        path = integration.build_deck_file(
            self.table,
            self.geo_id,
            geo_name=self.geo_name,
            state=self.state,
            out_dir=self.out_dir,
            focus=focus,
        )
        self.timings["deck"] = time.perf_counter() - t
        return path

    def report_file(self) -> Path:
        """Build the county profile for the chosen focus; returns the HTML path."""
        focus = self._need_focus()
        t = time.perf_counter()
        path = integration.build_report_file(
            self.table,
            self.geo_id,
            state=self.state,
            out_dir=self.out_dir,
            load_reports=[f.report for f in self.files if f.report is not None],
            focus=focus,
        )
        self.timings["report"] = time.perf_counter() - t
        return path

    # ------------------------------------------------------------ cohort view
    def cohort(self, names, *, n_top: int = 3) -> pd.DataFrame:
        """Several counties side by side: top candidates and chosen focus."""
        from disparities.catalog import get_indicator
        from disparities.focus import rank_focus_candidates
        from disparities.gaps import compute_gaps
        from disparities.geography import UnknownPlaceError, find_county, resolve_state

        if self.table is None:
            raise AppError("Load data first (step 1).")
        names = [n for n in names if str(n).strip()]
        if not names:
            raise AppError("Pick two or more counties to compare.")
        t = time.perf_counter()
        places = []
        for n in names:
            try:
                places.append(find_county(n, self.state))
            except UnknownPlaceError as exc:
                raise AppError(f"We could not find that county: {exc}.") from None
        ids = [g for g, _ in places] + [resolve_state(self.state)[0]]
        local = self.table[self.table[s.GEO_ID].astype(str).isin(ids)]
        gaps = compute_gaps(local)
        rows = []
        for geo_id, place in places:
            row = {"County": place, "Chosen focus": "not chosen yet", "Why": ""}
            try:
                c = rank_focus_candidates(local, geo_id, gaps=gaps)
            except KeyError:
                c = pd.DataFrame()
            for i in range(n_top):
                key = f"Candidate {i + 1}"
                if i < len(c):
                    r = c.iloc[i]
                    row[key] = (
                        f"{get_indicator(str(r[s.INDICATOR])).label}: {r[s.GROUP]} vs "
                        f"{r['reference_group']}, {float(r['adverse_ratio']):.1f} times"
                    )
                else:
                    row[key] = "no data"
            focus = integration.read_focus(self.out_dir, geo_id, place)
            if focus:
                row["Chosen focus"] = (
                    f"{get_indicator(focus['indicator']).label}: {focus['group']} vs "
                    f"{focus['reference_group']} ({focus['period']})"
                )
                row["Why"] = focus["reason"]
            rows.append(row)
        self.timings["cohort"] = time.perf_counter() - t
        return pd.DataFrame(rows)
