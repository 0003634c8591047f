"""The explorer's page: Panel widgets wired to :class:`~disparities.app.explorer.Explorer`.

Layout only: every step's work is a method of ``Explorer``. Every message that
can carry text from a data file or from the person is escaped before it is put
on the page, and every table cell is shown as plain text.
"""

from __future__ import annotations

import html
import logging
import re

import panel as pn

from disparities.app.explorer import AppError, Explorer

__all__ = ["ExplorerPage", "escape_text"]

log = logging.getLogger("disparities.app")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")

# inline styles: each Bokeh widget lives in its own shadow root, out of a page sheet's reach
_TITLE_STYLE = "font-size:22px;font-weight:700;color:#0b3d66;margin:0"
_HINT_STYLE = "font-size:16px;color:#333;margin:2px 0 6px 0"
_BANNER = (
    "<div style='background:#B00020;color:#fff;padding:8px 14px;font-weight:700;"
    "font-size:17px'>SYNTHETIC DEMO DATA: made-up numbers for practice, not real.</div>"
)


def escape_text(text) -> str:
    """Text safe to put in a Markdown or HTML pane: no tags, no markup.

    Examples
    --------
    >>> escape_text("<b>x</b> *y*")
    '&lt;b&gt;x&lt;/b&gt; \\\\*y\\\\*'
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def _indicator_label(indicator: str) -> str:
    from disparities.app.explorer import _label

    return _label(indicator)


def _plain_formatters(columns):
    return {c: {"type": "plaintext"} for c in columns}


def _title(number: str, text: str, hint: str = "") -> pn.pane.HTML:
    body = f'<p style="{_TITLE_STYLE}">{html.escape(f"{number} {text}".strip())}</p>'
    if hint:
        body += f'<p style="{_HINT_STYLE}">{html.escape(hint)}</p>'
    return pn.pane.HTML(body, sizing_mode="stretch_width", margin=(4, 10))


class ExplorerPage:
    """The page for one browser session.

    Parameters
    ----------
    explorer : Explorer
        The session's state and steps.
    """

    def __init__(self, explorer: Explorer):
        self.ex = explorer
        self.message = pn.pane.Alert(
            "Start with step 1: choose your data.",
            alert_type="info",
            sizing_mode="stretch_width",
            name="message",
            styles={"font-size": "17px"},
        )
        self._build_data_step()
        self._build_county_step()
        self._build_candidates_step()
        self._build_detail_step()
        self._build_focus_step()
        self._build_cohort()
        explore = pn.Column(
            self.data_card,
            self.county_card,
            self.candidates_card,
            self.detail_card,
            self.focus_card,
            sizing_mode="stretch_width",
        )
        self.tabs = pn.Tabs(
            ("Explore one county", explore),
            ("Compare counties (for facilitators)", self.cohort_card),
            sizing_mode="stretch_width",
        )
        self.view = pn.Column(
            pn.pane.HTML(
                "<h1 style='margin:4px 0;color:#0b3d66;font-size:30px'>Child outcome "
                f"disparities: choose a focus</h1><p style='{_HINT_STYLE}'>Pick your county, look at its "
                "biggest gaps between groups of children, choose one to work on, "
                "and take a board deck and a report away. Nothing leaves this "
                "computer.</p>",
                sizing_mode="stretch_width",
            ),
            self.message,
            self.tabs,
            sizing_mode="stretch_width",
            max_width=1400,
        )

    # ------------------------------------------------------------ helpers
    def say(self, text: str, kind: str = "info") -> None:
        """Show a message (escaped) at the top of the page."""
        self.message.alert_type = kind
        self.message.object = escape_text(text)

    def _run(self, what, step, *args):
        """Run one step; an AppError or any failure becomes a message."""
        try:
            return step(*args)
        except AppError as exc:
            self.say(str(exc), "warning")
        except Exception as exc:  # never a traceback in the page
            log.exception("%s failed", what)
            self.say(
                f"Something went wrong while {what}: {exc}. Nothing was changed; "
                "check the data and try again.",
                "danger",
            )
        return None

    # -------------------------------------------------------- step 1: data
    def _build_data_step(self):
        self.state_input = pn.widgets.TextInput(
            name="State (abbreviation or name)", value=self.ex.state, width=220
        )
        self.source_choice = pn.widgets.RadioButtonGroup(
            name="Data",
            options=[
                "Demo data (made up, for practice)",
                "Files on this computer",
                "Upload files",
            ],
            value="Demo data (made up, for practice)",
            button_type="primary",
            button_style="outline",
        )
        self.paths_input = pn.widgets.TextAreaInput(
            name="File paths, one per line",
            placeholder="/home/me/data/chr2022_nc.xlsx",
            height=90,
            sizing_mode="stretch_width",
            visible=False,
        )
        self.upload = pn.widgets.FileInput(
            multiple=True,
            accept=".csv,.xlsx,.xls,.json,.txt",
            visible=False,
            name="Your files (CSV or Excel, several at once is fine)",
        )
        self.load_button = pn.widgets.Button(
            name="Load the data", button_type="primary", width=200
        )
        self.load_words = pn.Column(sizing_mode="stretch_width")
        self.source_choice.param.watch(self._on_source_choice, "value")
        self.load_button.on_click(self.on_load)
        self.data_card = pn.Card(
            _title(
                "1.",
                "Your data",
                "Start with the demo to practise, or use files downloaded from "
                "KIDS COUNT, County Health Rankings, the Census Bureau (ACS, SAIPE) "
                "or school report cards.",
            ),
            pn.Row(self.state_input, self.source_choice),
            self.paths_input,
            self.upload,
            self.load_button,
            self.load_words,
            title="1. Your data",
            collapsible=False,
            hide_header=True,
            sizing_mode="stretch_width",
        )

    def _on_source_choice(self, event):
        self.paths_input.visible = event.new.startswith("Files")
        self.upload.visible = event.new.startswith("Upload")

    def on_load(self, event=None):
        """Load the chosen data and show the load report in words."""
        choice = self.source_choice.value
        if self.state_input.value.strip().upper() != self.ex.state:
            if (
                self._run(
                    "reading the state", self.ex.set_state, self.state_input.value
                )
                is None
            ):
                return
        if choice.startswith("Demo"):
            files = self._run("loading the demo", self.ex.use_demo)
        elif choice.startswith("Files"):
            paths = [p for p in self.paths_input.value.splitlines() if p.strip()]
            files = self._run("reading the files", self.ex.use_files, paths)
        else:
            names = self.upload.filename or []
            data = self.upload.value or []
            if isinstance(names, str):
                names, data = [names], [data]
            files = self._run(
                "reading the uploaded files",
                self.ex.use_uploads,
                list(zip(names, data)),
            )
        self._show_load_words()
        if files is None:
            return
        self.state_input.value = self.ex.state
        options = self.ex.county_options()
        self.county_input.options = options
        self.cohort_input.options = options
        self._clear_after_county()
        self.say(
            f"Data loaded: {len(options)} counties of {self.ex.state}. "
            "Now step 2: type your county's name.",
            "success",
        )

    def _show_load_words(self):
        items = []
        for f in self.ex.files:
            kind = "danger" if f.error else "light"
            if f.report is not None and f.report.rows_rejected:
                kind = "warning"
            items.append(
                pn.pane.Alert(
                    escape_text(f.sentence),
                    alert_type=kind,
                    sizing_mode="stretch_width",
                    styles={"font-size": "16px"},
                )
            )
            if f.report is not None and f.report.rejected:
                rej = f.report.rejected_frame().astype(str)
                items.append(
                    pn.widgets.Tabulator(
                        rej,
                        show_index=False,
                        disabled=True,
                        formatters=_plain_formatters(rej.columns),
                        sizing_mode="stretch_width",
                        max_height=200,
                        name="rejected rows",
                    )
                )
        if self.ex.table is not None and any(
            "SYNTHETIC" in str(x).upper() for x in self.ex.data_sources()
        ):
            items.append(pn.pane.HTML(_BANNER, sizing_mode="stretch_width"))
        self.load_words.objects = items

    # ------------------------------------------------------ step 2: county
    def _build_county_step(self):
        self.county_input = pn.widgets.AutocompleteInput(
            name="County",
            options=[],
            placeholder="Start typing, e.g. Durham",
            case_sensitive=False,
            search_strategy="includes",
            min_characters=1,
            restrict=False,
            width=320,
        )
        self.county_button = pn.widgets.Button(
            name="Show this county", button_type="primary", width=200, align="end"
        )
        self.county_button.on_click(self.on_county)
        self.county_card = pn.Card(
            _title(
                "2.",
                "Your county",
                "Type a few letters and pick your county from the list.",
            ),
            pn.Row(self.county_input, self.county_button),
            title="2. Your county",
            collapsible=False,
            hide_header=True,
            sizing_mode="stretch_width",
        )

    def on_county(self, event=None):
        """Rank the county's candidate disparities."""
        place = self._run(
            "ranking the candidates", self.ex.choose_county, self.county_input.value
        )
        if place is None:
            return
        table = self.ex.candidate_table()
        self.candidates.value = table
        self.candidates.visible = True
        self.left_out.object = escape_text(self.ex.left_out_sentence())
        self._clear_detail()
        focus = self.ex.focus
        self._show_focus_status()
        self.say(
            f"{place}: {len(table)} candidate disparities, best first. Step 3: "
            "click a row to see its charts."
            + (" A focus was already chosen; see step 5." if focus else "")
            + (
                " A focus chosen earlier from other data is noted in step 5."
                if self.ex.earlier_focus
                else ""
            ),
            "success",
        )

    # -------------------------------------------------- step 3: candidates
    def _build_candidates_step(self):
        from disparities.app.explorer import CANDIDATE_COLUMNS

        text_cols = [
            "Outcome", "Group", "Compared with", "Period", "95% CI", "Trend",
            "State's gap", "In plain words",
        ]  # fmt: skip
        self.candidates = pn.widgets.Tabulator(
            None,
            show_index=False,
            disabled=True,
            selectable=1,
            pagination=None,
            layout="fit_data_table",
            formatters={
                **_plain_formatters(text_cols),
                "Outcome": {"type": "textarea"},  # wraps; escapes like plaintext
                "In plain words": {"type": "textarea"},
            },
            widths={"In plain words": 430, "Outcome": 190, "Group": 170},
            header_filters=False,
            frozen_columns=["Rank"],
            sizing_mode="stretch_width",
            max_height=520,
            visible=False,
            name="candidates",
            configuration={"columnDefaults": {"headerWordWrap": True}},
        )
        assert set(text_cols) <= set(CANDIDATE_COLUMNS)
        self.candidates.param.watch(self._on_select, "selection")
        self.left_out = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.candidates_card = pn.Card(
            _title(
                "3.",
                "Candidate disparities",
                "Each row compares one group of children with a reference group. "
                "'Times as likely' above 1 means the group fares worse. The score "
                "adds four parts (size of the gap, children affected, trend, gap "
                "versus the state's); click a column name to sort, click a row to "
                "look closer.",
            ),
            self.candidates,
            self.left_out,
            title="3. Candidate disparities",
            collapsible=False,
            hide_header=True,
            sizing_mode="stretch_width",
        )

    def _on_select(self, event):
        if not event.new:
            return
        table = self.candidates.value
        rank = int(table.iloc[event.new[0]]["Rank"])
        self.on_candidate(rank)

    # ------------------------------------------------------ step 4: detail
    def _build_detail_step(self):
        self.detail_title = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.charts = pn.GridBox(ncols=2, sizing_mode="stretch_width")
        self.bright_words = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.bright_table = pn.widgets.Tabulator(
            None,
            show_index=False,
            disabled=True,
            layout="fit_data_table",
            formatters=_plain_formatters(
                ["County", "Smaller gap than yours", "In plain words"]
            ),
            sizing_mode="stretch_width",
            visible=False,
            name="bright spots",
        )
        self.detail_card = pn.Card(
            _title("4.", "Look closer", "Click a candidate in step 3 to see it here."),
            self.detail_title,
            self.charts,
            pn.pane.HTML(
                f"<p style='{_TITLE_STYLE};font-size:19px'>Bright spots: similar "
                "counties</p>"
            ),
            self.bright_words,
            self.bright_table,
            title="4. Look closer",
            collapsible=False,
            hide_header=True,
            sizing_mode="stretch_width",
        )

    def on_candidate(self, rank: int):
        """Show one candidate's charts and bright spots."""
        r = self._run("picking the candidate", self.ex.pick_candidate, rank)
        if r is None:
            return
        self.detail_title.object = f"**{escape_text(r['explanation'])}**"
        charts = self._run("drawing the charts", self.ex.candidate_charts) or {}
        panes = []
        for title, fig in charts.items():
            if isinstance(fig, str):
                panes.append(pn.pane.Alert(escape_text(fig), alert_type="light"))
            else:
                panes.append(
                    pn.pane.Matplotlib(
                        fig,
                        dpi=90,
                        tight=True,
                        format="png",
                        sizing_mode="scale_width",
                        name=title,
                    )
                )
        self.charts.objects = panes
        spots = self._run("finding bright spots", self.ex.bright_spots)
        if spots is not None:
            table, words = spots
            self.bright_words.object = escape_text(words)
            self.bright_table.value = table if len(table) else None
            self.bright_table.visible = bool(len(table))
        self.focus_button.disabled = False
        self.say(
            f"Candidate {rank} shown in step 4. If this is the one, write why in "
            "step 5 and save it as your focus.",
            "success",
        )

    def _clear_detail(self):
        self.detail_title.object = ""
        self.charts.objects = []
        self.bright_words.object = ""
        self.bright_table.visible = False
        self.focus_button.disabled = True

    def _clear_after_county(self):
        self.candidates.value = None
        self.candidates.visible = False
        self.left_out.object = ""
        self._clear_detail()
        self._show_focus_status()

    # ------------------------------------------------------- step 5: focus
    def _build_focus_step(self):
        self.reason_input = pn.widgets.TextAreaInput(
            name="Why this one? (saved with your choice)",
            placeholder="e.g. Big gap, many children affected, and our partners "
            "can act on it.",
            height=80,
            sizing_mode="stretch_width",
        )
        self.chosen_by_input = pn.widgets.TextInput(
            name="Chosen by (your name or your team's)", width=320
        )
        self.focus_button = pn.widgets.Button(
            name="Choose this as our focus",
            button_type="success",
            width=260,
            disabled=True,
        )
        self.focus_button.on_click(self.on_choose)
        self.focus_status = pn.pane.Markdown("No focus chosen yet.")
        self.deck_download = pn.widgets.FileDownload(
            callback=self._deck_callback,
            filename="board_deck.pptx",
            label="Download board deck (PowerPoint)",
            button_type="primary",
            disabled=True,
            width=300,
            name="deck",
        )
        self.report_download = pn.widgets.FileDownload(
            callback=self._report_callback,
            filename="county_profile.html",
            label="Download report (web page)",
            button_type="primary",
            disabled=True,
            width=300,
            name="report",
        )
        self.focus_card = pn.Card(
            _title(
                "5.",
                "Choose your focus and share it",
                "Saving writes a small record of your choice (what, why, who, when "
                "and the numbers you saw) beside your reports. Making the deck or "
                "the report takes 10 to 20 seconds.",
            ),
            self.reason_input,
            pn.Row(self.chosen_by_input, self.focus_button),
            self.focus_status,
            pn.Row(self.deck_download, self.report_download),
            title="5. Choose your focus",
            collapsible=False,
            hide_header=True,
            sizing_mode="stretch_width",
        )

    def on_choose(self, event=None):
        """Save the selected candidate as the focus."""
        path = self._run(
            "saving your focus",
            self.ex.choose_focus,
            self.reason_input.value,
            self.chosen_by_input.value,
        )
        if path is None:
            return
        self._show_focus_status()
        self.say(
            f"Focus saved in {path}. Download the deck or the report below.", "success"
        )

    def _show_focus_status(self):
        f = self.ex.focus
        has = f is not None
        self.deck_download.disabled = not has
        self.report_download.disabled = not has
        if not has:
            e = self.ex.earlier_focus
            self.focus_status.object = (
                "No focus chosen yet."
                if not e
                else escape_text(
                    f"No focus chosen with these data yet. A focus was saved earlier from "
                    f"other data ({'; '.join(e.get('data_sources', []))}): "
                    f"{e['group']} compared with {e['reference_group']}, "
                    f"{_indicator_label(e['indicator'])}, "
                    f"{e['period']}. Choose again here to replace it."
                )
            )
            return
        from disparities.catalog import get_indicator

        who = f" by {f['chosen_by']}" if f.get("chosen_by") else ""
        self.focus_status.object = escape_text(
            f"Our focus: {get_indicator(f['indicator']).label}, {f['group']} "
            f"compared with {f['reference_group']} ({f['period']}). Chosen{who} on "
            f"{f['chosen_at'][:10]}. Why: {f['reason']}"
        )

    def _deck_callback(self):
        path = self._run("making the board deck", self.ex.deck_file)
        if path is None:
            raise RuntimeError("no deck")  # the message is already on the page
        self.deck_download.filename = path.name
        self.say(f"Board deck saved as {path} and sent to your browser.", "success")
        return str(path)

    def _report_callback(self):
        path = self._run("making the report", self.ex.report_file)
        if path is None:
            raise RuntimeError("no report")
        self.report_download.filename = path.name
        self.say(f"Report saved as {path} and sent to your browser.", "success")
        return str(path)

    # ---------------------------------------------------------- cohort view
    def _build_cohort(self):
        self.cohort_input = pn.widgets.MultiChoice(
            name="Counties to compare", options=[], sizing_mode="stretch_width"
        )
        self.cohort_button = pn.widgets.Button(
            name="Compare", button_type="primary", width=160
        )
        self.cohort_button.on_click(self.on_cohort)
        self.cohort_table = pn.widgets.Tabulator(
            None,
            show_index=False,
            disabled=True,
            layout="fit_data_table",
            sizing_mode="stretch_width",
            visible=False,
            name="cohort",
        )
        self.cohort_card = pn.Column(
            _title(
                "",
                "Counties side by side",
                "For facilitators: each county's top three candidates and the "
                "focus it chose (saved in step 5). Load data in the first tab first.",
            ),
            self.cohort_input,
            self.cohort_button,
            self.cohort_table,
            sizing_mode="stretch_width",
        )

    def on_cohort(self, event=None):
        """Show the chosen counties side by side."""
        table = self._run("comparing counties", self.ex.cohort, self.cohort_input.value)
        if table is None:
            return
        self.cohort_table.formatters = {  # wrapped, escaped
            c: {"type": "textarea"} for c in table.columns
        }
        self.cohort_table.widths = {c: 300 for c in table.columns if c != "County"}
        self.cohort_table.value = table
        self.cohort_table.visible = True
        n = len(table)
        self.say(f"{n} {'county' if n == 1 else 'counties'} compared.", "success")
