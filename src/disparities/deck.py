"""A board deck (.pptx) for one county, laid out from its :class:`CountyProfile`.

Every slide is 16:9 (13.33 x 7.5 in) and built on the blank layout, so no
placeholder of a 4:3 template leaks in. A chart slide has a short title (at
most about 60 characters, written from the data), the chart's full sentence
as a subtitle, the chart (drawn without its own title, at the size it fills
on the slide, so 14-pt chart text stays 14 pt) and speaker notes with the
plain-language reading, the numbers and the caveats. With a recorded focus
(:func:`disparities.save_focus`) the deck is built around it; without one it
shows the ranked shortlist. The renderer lays out; it never recomputes.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s

__all__ = ["build_county_deck", "render_deck", "text_fits"]

SLIDE_W, SLIDE_H = 13.333, 7.5
MARGIN = 0.4
TITLE_PT, SUBTITLE_PT, BODY_PT, MIN_PT = 28, 16, 22, 14
FONT = "Arial"  # Liberation Sans (same metrics) where Arial is absent


def text_fits(
    text: str, width_in: float, height_in: float, pt: float, *, bold: bool = False
) -> bool:
    """Whether ``text`` at ``pt`` points fits a box (a conservative estimate).

    Assumes Arial (or its metric twin Liberation Sans): an average character
    width of 0.53 em (0.58 em bold) and a line height of 1.2 em, wrapping each
    paragraph on its own.

    Examples
    --------
    >>> text_fits("Short title", 12.0, 0.6, 30)
    True
    >>> text_fits("x" * 200, 12.0, 0.6, 30)
    False
    """
    em = 0.58 if bold else 0.53
    per_line = max(1, int(width_in * 72 / (em * pt)))
    lines = sum(max(1, math.ceil(len(p) / per_line)) for p in text.split("\n"))
    return lines * 1.2 * pt / 72 <= height_in


def _box(slide, text, left, top, width, height, pt, *, bold=False, colour=None):
    """A word-wrapped text box whose font shrinks (to 14 pt) until the text fits."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    size = pt
    while size > MIN_PT and not text_fits(
        text, width - 0.2, height - 0.1, size, bold=bold
    ):
        size -= 1
    tb = slide.shapes.add_textbox(
        Inches(left), Inches(top), Inches(width), Inches(height)
    )
    tf = tb.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = Inches(0.1)
    tf.margin_top = tf.margin_bottom = Inches(0.05)
    for i, para in enumerate(text.split("\n")):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = para
        p.font.size = Pt(size)
        p.font.bold = bold
        p.font.name = FONT
        if colour:
            p.font.color.rgb = RGBColor.from_string(colour)
    return tb


def _title(slide, title, subtitle="") -> bool:
    """Title (one line) and subtitle (two lines at most); False if the subtitle
    could not fit even at 14 pt and was left to the speaker notes."""
    width = SLIDE_W - 2 * MARGIN
    _box(slide, title, MARGIN, 0.2, width, 0.62, TITLE_PT, bold=True)
    if not subtitle:
        return True
    if not text_fits(subtitle, width - 0.2, 0.62 - 0.1, MIN_PT):
        return False
    _box(slide, subtitle, MARGIN, 0.8, width, 0.62, SUBTITLE_PT, colour="444444")
    return True


#: height of the red synthetic-data line at the foot of every slide (inches)
NOTICE_H = 0.34


def _synthetic_line(slide) -> None:
    """The small red "SYNTHETIC DEMO DATA" line at the foot of a slide."""
    from disparities.narrative import SYNTHETIC_NOTICE

    _box(
        slide,
        SYNTHETIC_NOTICE + ": do not quote these numbers.",
        MARGIN,
        SLIDE_H - NOTICE_H,
        SLIDE_W - 2 * MARGIN,
        NOTICE_H,
        MIN_PT,
        bold=True,
        colour="B00020",
    )


def _chart_slide(prs, chart, title, subtitle, notes, *, synthetic=False):
    from pptx.util import Emu, Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    if not _title(slide, title, subtitle):
        notes = f"{subtitle}\n\n{notes}"
    top = Inches(1.45)
    foot = Inches(NOTICE_H if synthetic else 0.05)
    max_h = prs.slide_height - top - foot
    fw, fh = chart.size_inches
    height = Emu(int(min(max_h, Inches(SLIDE_W - 2 * MARGIN) * fh / fw)))
    width = Emu(int(height * fw / fh))
    left = Emu(int((prs.slide_width - width) / 2))
    pic = slide.shapes.add_picture(
        io.BytesIO(chart.print_png), left, top, width=width, height=height
    )
    pic._element.nvPicPr.cNvPr.set("descr", chart.alt)
    if synthetic:
        _synthetic_line(slide)
    slide.notes_slide.notes_text_frame.text = notes
    return slide


#: height of a text slide's source line (inches)
SOURCE_H = 0.36


def _text_slide(
    prs, title, lines, notes="", subtitle="", *, synthetic=False, source=""
):
    """Bullets under a title; ``source`` (the data and their years) as a
    footnote, as the charts carry theirs."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    if not _title(slide, title, subtitle):
        notes = f"{subtitle}\n\n{notes}"
    body = "\n".join(f"\u2022 {x}" for x in lines)
    foot = NOTICE_H + 0.05 if synthetic else 0.3
    if source:
        foot += SOURCE_H
        _box(
            slide,
            source,
            MARGIN,
            SLIDE_H - foot,
            SLIDE_W - 2 * MARGIN,
            SOURCE_H,
            MIN_PT,
            colour="444444",
        )
    _box(slide, body, MARGIN, 1.5, SLIDE_W - 2 * MARGIN, SLIDE_H - 1.5 - foot, BODY_PT)
    if synthetic:
        _synthetic_line(slide)
    slide.notes_slide.notes_text_frame.text = notes
    return slide


def _with_caveats(text: str, row, *, interval: bool = True) -> str:
    """A subtitle keeping the headline number's caveats (estimated interval,
    small numbers) that it does not already state; ``interval=False`` for a
    chart that shows the groups' values, not the ratio."""
    from disparities.narrative import caveat_notes

    notes = caveat_notes(row, already=text)
    if not interval:
        notes = [n for n in notes if n != "estimated interval"]
    if not notes:
        return text
    text = text.rstrip()
    stop = "." if text.endswith(".") else ""
    return f"{text.removesuffix('.')} ({'; '.join(notes)}){stop}"


def _caveats(row) -> list:
    out = []
    if bool(row.get(s.UNRELIABLE, False)):
        out.append("Small numbers: this estimate is unreliable; read with care.")
    if bool(row.get("needs_pooling", False)):
        out.append("Pool 3 or more years before relying on this gap.")
    if bool(row.get("uncertainty_unknown", False)):
        out.append("The source publishes no confidence interval for this gap.")
    return out


def _numbers(row) -> str:
    from disparities.catalog import get_indicator
    from disparities.focus import trend_words
    from disparities.narrative import ratio_bounds
    from disparities.report import difference_text, signed_amount

    def f(v, d=2):
        return "not available" if not np.isfinite(v) else f"{v:.{d}f}"

    tail = (
        f"trend: {trend_words(row)}; children affected: "
        + str(row.get("children_affected", "unknown"))
        + "."
    )
    info = get_indicator(str(row[s.INDICATOR]))
    if not np.isfinite(row["adverse_ratio"]):  # incomes, scores: the difference
        sd = float(row.get("state_difference", np.nan))
        state = signed_amount(sd, info) if np.isfinite(sd) else "not available"
        return (
            f"Difference (95% CI): {difference_text(row, info)}; state's "
            f"difference: {state}; " + tail
        )
    lo, hi = row["adverse_ratio_ci_lower"], row["adverse_ratio_ci_upper"]
    ci = ratio_bounds(lo, hi, digits=2) if np.isfinite(lo + hi) else "not available"
    return (
        f"Times as likely: {f(row['adverse_ratio'])} (95% CI {ci}); "
        f"state's gap: {f(row['state_adverse_ratio'])}; " + tail
    )


def _notes(row, chart, extra=(), synthetic=False) -> str:
    parts = [f"In plain words: {row['explanation']}", _numbers(row)]
    parts += _caveats(row)
    parts += list(extra)
    if synthetic:
        parts.append("SYNTHETIC DEMO DATA: do not quote these numbers.")
    if chart is not None:
        parts.append(f"What the chart shows: {chart.alt}")
    return "\n\n".join(parts)


def render_deck(profile, path, *, n_candidates: int = 3) -> Path:
    """Lay out a county profile as a 16:9 board deck.

    Parameters
    ----------
    profile : CountyProfile
        From :func:`disparities.profile.build_county_profile` (charts drawn).
    path : str or Path
        The .pptx file to write.
    n_candidates : int
        Shortlisted candidates shown when no focus is recorded.

    Returns
    -------
    Path
    """
    from pptx import Presentation
    from pptx.util import Inches

    from disparities.narrative import SYNTHETIC_NOTICE, format_period
    from disparities.profile import short_title
    from disparities.report import human_date, source_years

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    synthetic = profile.synthetic
    cover = prs.slides.add_slide(prs.slide_layouts[6])
    _box(
        cover, f"{profile.place}", MARGIN, 2.0, SLIDE_W - 2 * MARGIN, 1.0, 44, bold=True
    )
    in_data = profile.focus is not None and profile.focus.get("current") is not None
    sub = (
        f"Our focus: {profile.focus['short_title']}"
        if in_data
        else "Choosing a focus disparity affecting children"
    )
    if in_data:
        from disparities.narrative import caveat_notes

        notes = caveat_notes(profile.focus["current"])
        if notes:  # the ratio in the title keeps its caveats
            sub += "\n(" + "; ".join(notes) + ")"
    _box(cover, sub, MARGIN, 3.1, SLIDE_W - 2 * MARGIN, 1.0, 26)
    source = "Source: " + "; ".join(source_years(profile))
    _box(
        cover,
        source,
        MARGIN,
        4.3,
        SLIDE_W - 2 * MARGIN,
        0.9,
        16,
        colour="444444",
    )
    if synthetic:
        _box(
            cover,
            SYNTHETIC_NOTICE,
            MARGIN,
            5.4,
            SLIDE_W - 2 * MARGIN,
            0.8,
            20,
            bold=True,
            colour="B00020",
        )
    cover.notes_slide.notes_text_frame.text = (
        "Gaps between groups of children in "
        f"{profile.place}, ranked on what the data can support."
    )
    _text_slide(
        prs,
        "Key findings",
        [f["sentence"] for f in profile.findings],
        notes="The first three gaps of the shortlist, in its order (clear gaps "
        "first); each sentence says how sure the data are.",
        synthetic=synthetic,
        source=source,
    )
    focus = profile.focus
    if in_data:
        row = focus["current"]
        reason = [f"Why we chose it: {focus['reason']}"] if focus.get("reason") else []
        who = [
            f"Chosen by {focus.get('chosen_by', 'unknown')} on "
            f"{human_date(focus.get('chosen_at', ''))}."
        ]
        gap = profile.chart("focus_gap")
        if gap is not None:
            _chart_slide(
                prs,
                gap,
                short_title(row),
                _with_caveats(f"Our focus. {gap.title}", row),
                _notes(row, gap, reason + who, synthetic),
                synthetic=synthetic,
            )
        trend = profile.chart("focus_trend")
        if trend is not None:
            _chart_slide(
                prs,
                trend,
                "Is the gap changing? " + str(row["trend"]).split(" (")[0].capitalize(),
                trend.title,
                _notes(row, trend, synthetic=synthetic),
                synthetic=synthetic,
            )
        _peers_slide(prs, profile, "Counties like ours on this gap", source=source)
        _text_slide(
            prs,
            "What to watch",
            focus.get("what_to_watch", []),
            notes=_notes(row, None, synthetic=synthetic),
            synthetic=synthetic,
            source=source,
        )
        others = _other_candidates(profile.candidates, row).head(5)
        if len(others):
            _text_slide(
                prs,
                "The other gaps we considered",
                [
                    _with_caveats(
                        f"{short_title(r, 80)} ({format_period(r[s.PERIOD])})", r
                    )
                    for _, r in others.iterrows()
                ],
                notes="\n\n".join(
                    ["The shortlist without our focus, best supported first:"]
                    + list(others["explanation"])
                ),
                synthetic=synthetic,
                source=source,
            )
        overview = profile.chart("overview")
        if overview is not None:
            _chart_slide(
                prs,
                overview,
                "Every gap at a glance, our focus among them",
                overview.title,
                f"What the chart shows: {overview.alt}",
                synthetic=synthetic,
            )
        _words_slide(prs, synthetic)
        return _save(prs, path)
    overview = profile.chart("overview")
    if overview is not None:
        _chart_slide(
            prs,
            overview,
            "The shortlist at a glance",
            overview.title,
            "\n\n".join(
                ["The shortlist, best supported first:"]
                + list(profile.candidates.head(5)["explanation"])
                + [f"What the chart shows: {overview.alt}"]
            ),
            synthetic=synthetic,
        )
    # a measure's charts show every group, whichever group a candidate compares:
    # each picture goes on one slide; a later candidate on the same measure gets
    # its sentence and a pointer to that slide
    shown = {}  # (measure, kind) -> slide number
    for i, (_, row) in enumerate(
        profile.candidates.head(n_candidates).iterrows(), start=1
    ):
        measure = (str(row[s.INDICATOR]), str(row[s.DIMENSION]))
        for kind in ("gap", "groups"):
            chart = profile.chart_for(row, kind)
            if chart is None:
                continue
            if (measure, kind) in shown:
                if kind == "gap":
                    _text_slide(
                        prs,
                        f"{i}. {short_title(row, 57)}",
                        [
                            _with_caveats(chart.title, row),
                            f"Its chart is on slide {shown[(measure, kind)]}: the "
                            "same chart shows every group beside the state.",
                        ],
                        notes=_notes(row, chart, synthetic=synthetic),
                        synthetic=synthetic,
                        source=source,
                    )
                continue
            _chart_slide(
                prs,
                chart,
                f"{i}. {short_title(row, 57)}",
                _with_caveats(chart.title, row, interval=kind == "gap"),
                _notes(row, chart, synthetic=synthetic),
                synthetic=synthetic,
            )
            shown[(measure, kind)] = len(prs.slides)
    if profile.bright_subject is not None:
        _peers_slide(
            prs,
            profile,
            "Counties like ours on gap 1",
            short_title(profile.bright_subject, 80),
            source=source,
        )
    _words_slide(prs, synthetic)
    return _save(prs, path)


#: the glossary entries the slides' words need, in this order
_SLIDE_WORDS = (
    "Times as likely",
    "95% confidence interval (CI)",
    "Estimated",
    "Unreliable",
    "Not shown",
    "Children affected",
)


def _words_slide(prs, synthetic: bool) -> None:
    """A last slide explaining the words the slides use (the page's glossary)."""
    from disparities.report import GLOSSARY

    words = dict(GLOSSARY)
    _text_slide(
        prs,
        "Words on these slides",
        [f"{w}: {words[w]}" for w in _SLIDE_WORDS if w in words],
        notes="The same words are explained in the glossary of the profile page.",
        synthetic=synthetic,
    )


def _peers_slide(prs, profile, title: str, subtitle: str = "", *, source="") -> None:
    """The bright spots: peers' gaps for the lead comparison, and how many are
    clearly smaller (no slide where the profile found no peers)."""
    from disparities.report import bright_summary

    if profile.bright_spots is None or not len(profile.bright_spots):
        return
    peers = list(profile.bright_spots["sentence"])
    peers.append(bright_summary(profile.bright_spots))
    # the features the peers were matched on, as the page lists them
    labels = []
    if profile.peers is not None:
        labels = list(profile.peers.attrs.get("labels", []))
    features = ", ".join(labels) or "the features the data hold"
    _text_slide(
        prs,
        title,
        peers,
        notes=f"Peers: the counties most like this one in {features}. A peer "
        "is a bright spot only where its gap is clearly smaller.",
        subtitle=subtitle,
        synthetic=profile.synthetic,
        source=source,
    )


def _other_candidates(cands: pd.DataFrame, focus_row) -> pd.DataFrame:
    """The shortlist without the chosen focus (same indicator, groups and period)."""
    keys = [s.INDICATOR, s.DIMENSION, s.GROUP, "reference_group", s.PERIOD]
    same = np.ones(len(cands), dtype=bool)
    for k in keys:
        same &= cands[k].astype(str).to_numpy() == str(focus_row[k])
    return cands[~same]


def _save(prs, path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    prs.save(out)
    return out


def build_county_deck(
    table: pd.DataFrame,
    county: str,
    *,
    state: str = "NC",
    out_path="reports/board_deck.pptx",
    n_candidates: int = 3,
    focus=None,
) -> Path:
    """Build a county's profile and lay it out as a board deck.

    Parameters
    ----------
    table : pandas.DataFrame
        Prepared tidy table (the county, its state and its state's counties).
    county, state : str
        The county (name or FIPS) and its state.
    out_path : str or Path
        The .pptx file; a focus record beside it is used when ``focus`` is None.
    n_candidates : int
        Candidates shown when no focus is recorded.
    focus : dict, str or Path, optional
        A focus record or its file.

    Returns
    -------
    Path
    """
    from disparities.profile import build_county_profile

    profile = build_county_profile(
        table,
        county,
        state=state,
        focus=focus if focus is not None else Path(out_path).parent,
        n_detail=n_candidates,
    )
    try:
        return render_deck(profile, out_path, n_candidates=n_candidates)
    finally:
        profile.close()
