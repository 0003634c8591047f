"""The county disparity profile as one self-contained HTML file (plus PNGs, CSVs).

:func:`render_html` lays out a :class:`~disparities.profile.CountyProfile`
through the Jinja2 template ``templates/profile.html.j2`` (autoescaped). The
HTML embeds its images (screen-sized PNGs, base64) and its styles; it loads
nothing from the network, so it opens offline and can be emailed as one file.
"""

from __future__ import annotations

import base64
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator
from disparities.narrative import (
    SYNTHETIC_NOTICE,
    evidence_words,
    format_period,
    format_value,
)

__all__ = [
    "build_county_report",
    "render_html",
    "Progress",
    "affected_sentence",
    "bright_summary",
    "disparity_table_for_display",
    "human_date",
    "page_focus_command",
    "source_years",
]


class Progress:
    """Step messages on stderr, each with the time elapsed since the run began.

    One ``Progress`` follows a run from start to end (a profile keeps the one
    it was built with, and :func:`build_county_report` goes on with it), so
    the times only count up. ``quiet=True`` silences the messages; ``start``
    (a :func:`time.perf_counter` value) sets the clock.

    Examples
    --------
    >>> import time
    >>> p = Progress(quiet=True, start=time.perf_counter() - 5)
    >>> round(p.elapsed())
    5
    """

    def __init__(self, quiet: bool = False, prefix: str = "disparities", start=None):
        self.quiet, self.prefix = quiet, prefix
        self.t0 = time.perf_counter() if start is None else float(start)

    def elapsed(self) -> float:
        """Seconds since the run began."""
        return time.perf_counter() - self.t0

    def __call__(self, message: str) -> None:
        if not self.quiet:
            dt = self.elapsed()
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


def _table_view(df: pd.DataFrame, *, flag_col=None, hidden_col=None) -> dict:
    """Columns and formatted rows of a table, for the template."""
    rows = []
    for i, (_, r) in enumerate(df.iterrows()):
        cls = ""
        if hidden_col is not None and bool(hidden_col.iloc[i]):
            cls = "hidden"
        elif flag_col is not None and bool(flag_col.iloc[i]):
            cls = "flag"
        rows.append({"cls": cls, "cells": [_fmt(v) for v in r]})
    return {"columns": [str(c) for c in df.columns], "rows": rows}


def _fmt(v) -> str:
    if isinstance(v, float | np.floating):
        if not np.isfinite(v):
            return "not shown"
        return f"{v:,.2f}"
    return str(v)


def _ci(lo, hi, digits=1):
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no CI published"
    return f"{lo:.{digits}f} to {hi:.{digits}f}"


def _estimate_ci(est, lo, hi, fmt, digits):
    if not np.isfinite(est):
        return "not shown"
    return f"{fmt.format(est)} ({_ci(lo, hi, digits)})"


def _ratio_ci(est, lo, hi, digits=1):
    """A ratio and its CI; a bound near 1 keeps the digits that show its side."""
    from disparities.narrative import ratio_bounds

    if not np.isfinite(est):
        return "not shown"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{est:.{digits}f} (no CI published)"
    return f"{est:.{digits}f} ({ratio_bounds(lo, hi, digits=digits)})"


def signed_amount(d: float, info) -> str:
    """A difference in an average, score or income in its own unit, in words."""
    from disparities.narrative import _score_difference

    if round(abs(d), 1) == 0:
        return "no difference"
    return f"{_score_difference(abs(d), info)} {'higher' if d > 0 else 'lower'}"


def difference_text(r, info) -> str:
    """A gap's difference and its CI in words, in the indicator's unit."""
    d = r["difference"]
    # a candidate row carries no difference interval: the difference alone
    lo = float(r.get("difference_ci_lower", np.nan))
    hi = float(r.get("difference_ci_upper", np.nan))
    if not np.isfinite(d):
        return "not shown" if bool(r.get(s.SUPPRESSED, False)) else "not available"
    if info.measure_type == "score" or info.unit == "dollars":
        text = signed_amount(d, info)
        if np.isfinite(lo) and np.isfinite(hi):
            text += f" ({signed_amount(lo, info)} to {signed_amount(hi, info)})"
        return text
    unit = " points" if info.multiplier == 100 else ""
    return _estimate_ci(d, lo, hi, "{:+.1f}", 1).replace(" (", f"{unit} (", 1)


def _ratio_cell(r, info) -> str:
    if bool(r.get(s.SUPPRESSED, False)):
        return "not shown"
    if _no_ratio(info):
        return "not applicable"  # compared by the difference
    if not np.isfinite(r["adverse_ratio"]):
        return "not available"
    text = _ratio_ci(
        r["adverse_ratio"],
        r["adverse_ratio_ci_lower"],
        r["adverse_ratio_ci_upper"],
        digits=2,
    )
    if str(r.get("interval_basis", "")).startswith("derived"):
        text += " estimated"  # as the shortlist says: not the source's interval
    return text


def _affected_cell(r, info, shortlist: dict) -> str:
    key = tuple(str(r[k]) for k in (s.INDICATOR, s.DIMENSION, s.GROUP, s.PERIOD))
    if key in shortlist:  # the shortlist's own estimate, word for word
        return str(shortlist[key])
    if bool(r.get(s.SUPPRESSED, False)):
        return "not shown"
    if info.measure_type == "score" or info.unit == "dollars":
        return "not applicable"
    ex = r.get("excess_cases", np.nan)
    if not np.isfinite(ex):
        return "unknown"
    return "none" if round(ex) <= 0 else f"about {ex:,.0f}"


def disparity_table_for_display(
    gaps: pd.DataFrame, candidates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Plain-language columns of a county's latest gaps, for HTML and people.

    Parameters
    ----------
    gaps : pandas.DataFrame
        The county's latest gaps.
    candidates : pandas.DataFrame, optional
        The ranked shortlist: its ``children_affected`` fills the rows it
        holds, so the table and the shortlist give the same number.

    Returns
    -------
    pandas.DataFrame
        ``"not shown"`` means hidden for privacy; ``"not applicable"`` means
        the measure does not apply (no ratio for averages, scores, incomes).
    """
    shortlist = {}
    if candidates is not None and "children_affected" in candidates:
        for _, c in candidates.iterrows():
            key = tuple(
                str(c[k]) for k in (s.INDICATOR, s.DIMENSION, s.GROUP, s.PERIOD)
            )
            shortlist[key] = c["children_affected"]
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
                "Times as likely (95% CI)": _ratio_cell(r, info),
                "Difference (95% CI)": difference_text(r, info),
                "Children affected": _affected_cell(r, info, shortlist),
                "Reading": r["direction"],
                "Note": r[s.NOTE],
            }
        )
    return pd.DataFrame(rows)


GLOSSARY = (
    (
        "Reference group",
        "The group every other group is compared with: White non-Hispanic "
        "children for race and ethnicity, and the highest income band for family "
        "income, unless the page says otherwise.",
    ),
    (
        "Times as likely",
        "How many times as often one group has the worse outcome as the reference "
        "group; 1 means no gap.",
    ),
    (
        "95% confidence interval (CI)",
        "The range the true value very likely lies in, given the numbers behind "
        "it; a wide range means an uncertain estimate.",
    ),
    (
        "Children affected",
        "How many children would not have had the worse outcome if their group's "
        "rate matched the reference group's ('none' when the group is not worse "
        "off; 'not applicable' for averages, scores and incomes). The shortlist "
        "and the full table give the same number.",
    ),
    (
        "Unreliable",
        "Built on few events (fewer than 20, or a relative standard error above "
        "30%): shown, but read with care.",
    ),
    (
        "Not shown",
        "Built on fewer than 10 events: hidden to protect privacy and because "
        "such small counts swing from year to year.",
    ),
    (
        "Not applicable",
        "The measure does not apply: averages, scores and incomes are compared "
        "by their difference, not by 'times as likely' or children affected.",
    ),
    (
        "FPL",
        "Federal poverty level: the income line the federal government uses to "
        "count poverty; '100-199% FPL' means one to two times that line.",
    ),
    (
        "Peer counties",
        "The counties most like this one on the features the data hold (such as "
        "population, age make-up, rurality and who lives there; the page lists "
        "them).",
    ),
    (
        "Bright spot",
        "A peer county whose gap on the same comparison is smaller by more than "
        "chance would explain.",
    ),
    (
        "Estimated",
        "Worked out from population figures because the source publishes no "
        "counts or no confidence interval: a rough guide, not a count.",
    ),
    (
        "Trend",
        "Whether the gap has been widening, narrowing or holding steady over the "
        "periods in the data.",
    ),
    (
        "The periods share years",
        "Some sources report five-year averages that overlap (2015-2019, then "
        "2016-2020): most of the years are the same, so the change between them "
        "rests on the few years they do not share. A small change cannot be told "
        "from chance ('can't tell yet'); a clear one is a change in multi-year "
        "averages, and the page says so.",
    ),
    (
        "Clear gap",
        "A gap the data can tell from chance: even the cautious end of its 95% "
        "confidence interval shows the group worse off than the reference group.",
    ),
    (
        "What the data show",
        "Whether the data can tell the gap from chance: a clear gap; no clear "
        "difference (it could be chance); clearly better (the group does better "
        'than the reference group); or cannot be tested (no interval). "Better '
        "off here\" marks a row where the group's own value is the better one.",
    ),
    (
        "State's gap",
        "The same comparison for the whole state, so a county can see whether "
        "its gap is bigger or smaller than usual: how many times as likely for "
        "rates, the difference between the two groups for averages, scores and "
        "incomes.",
    ),
    (
        "Score",
        "The shortlist's ranking number (1 at most): it weighs the gap's size "
        "(at the cautious end of its interval), the children affected, the trend "
        "and the state's gap, and counts half for small numbers. It only orders "
        "the shortlist (clear gaps always come first) and is not a measure of "
        "harm; 0.00 means none of these parts could be counted, as for an income "
        "or a score, or a gap the data cannot tell from chance.",
    ),
)

MEASURE_HELP = {
    "index_of_disparity": (
        "Index of disparity",
        "the average distance of each group's rate from the reference group's, "
        "as a percentage of the reference rate (unit: %).",
    ),
    "slope_index_of_inequality": (
        "Slope index of inequality",
        "the difference in the outcome between the bottom and the top of the "
        "ordered groups (income only), in the indicator's own unit.",
    ),
    "population_attributable_fraction": (
        "Population attributable fraction",
        "the share of the whole county's rate that would go away if every group "
        "had the best-off group's rate (unit: %).",
    ),
}

_CSS = (
    _CSS
    + """
figure{margin:12px 0}figcaption{font-size:.95em}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
.findings li{margin:4px 0}.focus{background:#F6FAF3;border-left:6px solid #009E73;
padding:4px 18px;margin:16px 0}
dl.glossary{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;font-size:.9em}
dl.glossary dt{font-weight:600}dl.glossary dd{margin:0}
code{background:#f3f3f3;padding:1px 4px}.cmd code{display:block;padding:8px 12px;
overflow-wrap:anywhere;font-size:.85em}
"""
)


def _chart_view(chart) -> dict:
    from PIL import Image

    with Image.open(io.BytesIO(chart.screen_png)) as im:
        w, h = im.size
    heading = str(chart.heading).strip()
    title = str(chart.title).strip()
    if title.rstrip(".?!") == heading.rstrip(".?!"):
        title = ""  # no sentence beyond the heading: say it once
    return {
        "heading": heading if heading[-1:] in (".", "?", "!") else heading + ".",
        "title": title,
        "alt": chart.alt,
        "data": base64.b64encode(chart.screen_png).decode("ascii"),
        "width": w,
        "height": h,
    }


def human_date(stamp) -> str:
    """A recorded time as a date a person reads: ``'26 November 2026'``.

    Examples
    --------
    >>> human_date("2026-11-26 15:58:37+00:00"), human_date("2026-11-26T09:00:00")
    ('26 November 2026', '26 November 2026')
    >>> human_date(""), human_date("sometime")
    ('an unrecorded date', 'sometime')
    """
    text = str(stamp or "").strip()
    if not text:
        return "an unrecorded date"
    try:
        d = pd.Timestamp(text)
    except (ValueError, TypeError):
        return text
    return f"{d.day} {d:%B %Y}"


def _no_ratio(info) -> bool:
    """Averages, scores and incomes: compared by a difference, never a ratio."""
    return info.measure_type == "score" or info.unit == "dollars"


def _shortlist_ratio_cell(r) -> str:
    """The shortlist's "Times as likely" cell; never "not shown" for a measure
    that has no ratio ("not shown" means hidden for privacy)."""
    info = get_indicator(str(r[s.INDICATOR]))
    if _no_ratio(info):
        d = r.get("difference", np.nan)
        kind = "a dollar difference" if info.unit == "dollars" else "a difference"
        if d is None or not np.isfinite(d):
            return "not applicable"
        return f"not applicable ({kind}: {signed_amount(d, info)})"
    if bool(r.get(s.SUPPRESSED, False)):
        return "not shown"
    if not np.isfinite(r["adverse_ratio"]):
        return "not available"
    text = _ratio_ci(
        r["adverse_ratio"], r["adverse_ratio_ci_lower"], r["adverse_ratio_ci_upper"]
    )
    if str(r.get("interval_basis", "")).startswith("derived"):
        text += " estimated"
    return text


def _shortlist_state_cell(r) -> str:
    """The state's gap: its ratio, or for an average, score or income the state's
    difference between the same two groups."""
    info = get_indicator(str(r[s.INDICATOR]))
    if _no_ratio(info):
        d = r.get("state_difference", np.nan)
        if d is None or not np.isfinite(d):
            return "not available"
        return signed_amount(d, info)
    v = r.get("state_adverse_ratio", np.nan)
    return "not available" if v is None or not np.isfinite(v) else f"{v:.1f}"


def _shortlist_view(cands: pd.DataFrame) -> dict:
    from disparities.focus import trend_words

    show = cands.head(10)
    disp = pd.DataFrame(
        {
            "Rank": show["rank"],
            "Disparity": [
                f"{get_indicator(str(r[s.INDICATOR])).label}: {r[s.GROUP]} vs "
                f"{r['reference_group']} ({format_period(r[s.PERIOD])})"
                + (" (unreliable)" if r[s.UNRELIABLE] else "")
                for _, r in show.iterrows()
            ],
            "What the data show": [evidence_words(r) for _, r in show.iterrows()],
            "Times as likely (95% CI)": [
                _shortlist_ratio_cell(r) for _, r in show.iterrows()
            ],
            # counted, estimated from population data, or unknown (never 0)
            "Children affected": show["children_affected"],
            "Trend": [trend_words(r) for _, r in show.iterrows()],
            "State's gap": [_shortlist_state_cell(r) for _, r in show.iterrows()],
            "Score": show["score"].map("{:.2f}".format),
        }
    )
    return _table_view(disp, flag_col=show[s.UNRELIABLE].reset_index(drop=True))


def affected_sentence(row) -> str:
    """Children affected by one gap, in plain words (from the shortlist's estimate).

    Examples
    --------
    >>> row = {"indicator": "child_poverty", "group": "Black",
    ...     "reference_group": "White", "period": "2018-2022",
    ...     "excess_cases": 1234.2, "conservative_excess": 993.0,
    ...     "children_affected_basis": "counted"}
    >>> affected_sentence(row)
    'about 1,234 Black children (at least 993) would not have had this outcome if their rate matched that of White children, 2018–2022.'
    """
    from disparities.focus import at_least_one
    from disparities.narrative import group_noun

    ind = str(row[s.INDICATOR])
    who = group_noun(str(row[s.GROUP]), ind)
    ref = group_noun(str(row["reference_group"]), ind)
    ex, cons = row["excess_cases"], row["conservative_excess"]
    basis = str(row.get("children_affected_basis", "counted"))
    when = format_period(row[s.PERIOD])
    tail = f"would not have had this outcome if their rate matched that of {ref}"
    if basis == "not applicable":
        return (
            "not applicable: an average, score or income is compared by its difference."
        )
    if not np.isfinite(ex):
        return (
            "unknown: the source publishes rates without counts of children, "
            "and the data hold no population figures to estimate them."
        )
    if ex < 0.5:
        return f"none: {who} do not fare worse than {ref}, {when}."
    cons = at_least_one(cons)
    sure = (
        f"at least {cons:,.0f}"
        if np.isfinite(cons) and cons >= 1
        else "the data cannot rule out none"
    )
    if basis.startswith("estimated") or basis.startswith("derived"):
        return f"an estimated {ex:,.0f} {who} ({sure}; {basis}) {tail}, {when}."
    return f"about {ex:,.0f} {who} ({sure}) {tail}, {when}."


def _focus_view(profile) -> dict | None:
    from disparities.narrative import finding_sentence

    f = profile.focus
    if f is None:
        return None
    row = f["current"]
    view = {
        "short_title": f["long_title"],
        "chosen_by": f.get("chosen_by", "unknown"),
        "chosen_at": human_date(f.get("chosen_at", "")),
        "reason": f.get("reason", ""),
        "rank_when_chosen": f.get("rank_when_chosen", ""),
        "watch": f.get("what_to_watch", []),
        "charts": [_chart_view(c) for c in profile.charts_in("focus")],
    }
    view["in_data"] = row is not None
    if row is None:
        view.update(
            sentence="This comparison is not in the current data."
            if not f.get("other_data")
            else f"This focus was chosen on other data ({f['other_data']}); "
            "it is not compared with the data of this report.",
            gap="not available",
            trend="not available",
            affected="not available",
        )
        return view
    ind = str(row[s.INDICATOR])
    view["sentence"] = finding_sentence(row)  # with its caveats
    values = (
        f"{row[s.GROUP]}: {format_value(row[s.VALUE], ind)}; "
        f"{row['reference_group']}: {format_value(row['reference_value'], ind)}"
    )
    if np.isfinite(row["adverse_ratio"]):
        ratio = _ratio_ci(
            row["adverse_ratio"],
            row["adverse_ratio_ci_lower"],
            row["adverse_ratio_ci_upper"],
        )
        derived = str(row.get("interval_basis", "")).startswith("derived")
        view["gap"] = (
            f"{values}; {ratio} times as likely "
            f"(95% CI{', estimated' if derived else ''})."
        )
    else:  # averages, scores, incomes: compared by their difference
        view["gap"] = f"{values}."
    from disparities.focus import trend_words

    view["trend"] = trend_words(row)
    view["affected"] = affected_sentence(row)
    return view


_COMPARISON_WORDS = {
    "not clearly different": "not clearly different",
    "larger gap": "larger",
    "smaller gap": "clearly smaller",
    "not shown": "not shown (small numbers)",
}


def bright_summary(bright) -> str:
    """One line closing the bright spots: how many peers do clearly better.

    Examples
    --------
    >>> b = pd.DataFrame({"geo_name": ["Here", "A", "B", "C"],
    ...     "comparison": ["the focus county"] + ["not clearly different"] * 3,
    ...     "smaller_gap": [False] * 4})
    >>> bright_summary(b)
    "None of the 3 most similar counties has a clearly smaller gap on this; with these numbers their gaps cannot be told apart from this county's."
    >>> b.loc[1, ["comparison", "smaller_gap"]] = ["smaller gap", True]
    >>> bright_summary(b)
    '1 of the 3 most similar counties has a clearly smaller gap on this (A); 2 not clearly different.'
    """
    if bright is None or not len(bright):
        return "No peer county has this comparison in the data."
    peers = bright[bright["comparison"].astype(str) != "the focus county"]
    n = len(peers)
    if n == 0:
        return "No peer county has this comparison in the data."
    smaller = peers[peers["smaller_gap"].astype(bool)]
    rest = peers[~peers["smaller_gap"].astype(bool)]
    counts = rest["comparison"].astype(str).value_counts()
    if (
        len(counts) == 1
        and counts.index[0] == "not clearly different"
        and len(smaller) == 0
    ):
        others = "with these numbers their gaps cannot be told apart from this county's"
    else:
        others = ", ".join(
            f"{k} {_COMPARISON_WORDS.get(c, c)}" for c, k in counts.items()
        )
    if len(smaller) == 0:
        return (
            f"None of the {n} most similar counties has a clearly smaller gap on "
            f"this; {others}."
        )
    names = ", ".join(smaller["geo_name"].astype(str))
    verb = "has" if len(smaller) == 1 else "have"
    text = f"{len(smaller)} of the {n} most similar counties {verb} a clearly "
    text += f"smaller gap on this ({names})"
    return text + (f"; {others}." if others else ".")


def _bright_view(profile) -> dict | None:
    if profile.peers is None:
        return None
    sentences = []
    if profile.bright_spots is not None:
        sentences = list(profile.bright_spots["sentence"])
    peers = profile.peers
    return {
        "sentences": sentences,
        "summary": bright_summary(profile.bright_spots),
        "peers": "Peer counties (most alike first, on "
        + ", ".join(peers.attrs.get("labels", []) or ["the data's features"])
        + "): "
        + "; ".join(
            f"{n} ({w})" if isinstance(w, str) and w else str(n)
            for n, w in zip(
                peers["geo_name"],
                peers["similarity"] if "similarity" in peers else [""] * len(peers),
                strict=True,
            )
        )
        + ".",
    }


def _measures_view(measures: pd.DataFrame) -> dict:
    lm = measures[
        measures[s.PERIOD_END]
        == measures.groupby(s.INDICATOR, observed=True)[s.PERIOD_END].transform("max")
    ]
    lm = lm[lm["measure"].isin(list(MEASURE_HELP))]
    return _table_view(
        pd.DataFrame(
            {
                "Indicator": [get_indicator(str(i)).label for i in lm[s.INDICATOR]],
                "Groups": lm[s.DIMENSION]
                .astype(str)
                .replace({"race_ethnicity": "race/ethnicity"}),
                "Measure": [MEASURE_HELP[str(m)][0] for m in lm["measure"]],
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


def _data_files(profile) -> list:
    """The data files the profile was loaded from, as they were given."""
    return [
        str(r.file)
        for r in profile.load_reports
        if str(r.source) not in ("combined", "none")
    ]


def page_focus_command(profile) -> str:
    """The ``disparities focus`` command the page prints to record a choice.

    It names the profile's data files (as given to the loader), its state and
    the folder its files were written to (when written), so the choice is made
    on the same numbers and saved where this report looks for it.

    Parameters
    ----------
    profile : CountyProfile
        The profile shown on the page (after its files were written).

    Returns
    -------
    str
        A command quoted for a POSIX shell (:func:`shlex.quote`).
    """
    from disparities.focus_record import focus_command

    out = None
    if profile.files.get("csv") is not None:
        out = Path(profile.files["csv"]).parent
    return focus_command(
        profile.place, data=_data_files(profile), state=profile.state_abbr, out=out
    )


def _size_notes(profile) -> list:
    """How group sizes were estimated and used, where the page uses them."""
    g = profile.gaps_here
    if g is None or not len(g):
        return []
    out = []
    sized = g.get("group_size_basis", pd.Series(dtype=str)).astype(str)
    if sized.str.startswith("estimated").any():
        out.append(
            "Group sizes the source does not count are estimated from the "
            "population figures in the data: the county's population, its share "
            "of children, and each group's share of the population (or the "
            "group's counts in other data). Children affected built on them say "
            "'estimated'."
        )
    if (
        g.get("interval_basis", pd.Series(dtype=str)).astype(str)
        == ("derived from group sizes")
    ).any():
        out.append(
            "Where the source publishes no confidence interval, an approximate "
            "one is derived from each group's (estimated) size: binomial for "
            "percentages (for ACS survey values a variance 19 times the simple "
            "binomial one, as for a 1-in-20 sample), Poisson for rates. Such intervals, and the summary "
            "measures built on them, are marked 'estimated'; one whose standard "
            "error is over 30% of the value marks it unreliable."
        )
    return out


def source_years(profile) -> list:
    """Each source and the years its numbers cover, in plain words.

    Examples
    --------
    ``['County Health Rankings 2021, 2022: data years 2013 to 2020']``
    """
    g = profile.gaps_here
    cols = {s.SOURCE, s.PERIOD_START, s.PERIOD_END}
    if g is None or not len(g) or not cols <= set(g.columns):
        return [str(x) for x in profile.sources]
    out = []
    for src, part in g.groupby(g[s.SOURCE].astype(str), sort=True):
        lo = pd.to_numeric(part[s.PERIOD_START], errors="coerce").min()
        hi = pd.to_numeric(part[s.PERIOD_END], errors="coerce").max()
        if not (np.isfinite(lo) and np.isfinite(hi)):
            out.append(src)
        elif lo == hi:
            out.append(f"{src}: data year {lo:.0f}")
        else:
            out.append(f"{src}: data years {lo:.0f} to {hi:.0f}")
    return out


def render_html(profile, *, fragment: bool = False, command: str | None = None) -> str:
    """Lay out a county profile as one self-contained HTML page.

    Parameters
    ----------
    profile : CountyProfile
        From :func:`disparities.profile.build_county_profile`.
    fragment : bool
        Leave out ``<html>``/``<head>`` (for notebook display).
    command : str, optional
        The command the page prints to record a choice (default:
        :func:`page_focus_command`, from the profile's own files).

    Returns
    -------
    str
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    focus = _focus_view(profile)
    focus_sig = None
    if profile.focus is not None:
        focus_sig = tuple(
            str(profile.focus[k]) for k in ("indicator", "dimension", "group")
        )
    cands = []
    for f, (_, r) in zip(
        profile.findings,
        profile.candidates.head(len(profile.findings)).iterrows(),
        strict=True,
    ):
        section = f"candidate{f['rank']}"
        sig = (str(r[s.INDICATOR]), str(r[s.DIMENSION]), str(r[s.GROUP]))
        cands.append(
            {
                "rank": f["rank"],
                "short": f["short"],
                "explanation": r["explanation"],
                "same_as_focus": sig == focus_sig,
                # the first candidate's main charts open when no focus is chosen
                # (the focus section shows its own); the rest stay one click away
                "open": (focus is None or not focus["charts"]) and not cands,
                "charts": [_chart_view(c) for c in profile.charts_in(section)],
            }
        )
    better = []
    # a reference group's better value is part of the county's gaps, not only
    # a strength: the line says so
    here = profile.gaps_here
    refs = set()
    if here is not None and len(here):
        refs = set(
            zip(
                here[s.DIMENSION].astype(str),
                here["reference_group"].astype(str),
                strict=True,
            )
        )
    if profile.better_than_state is not None:
        for _, r in profile.better_than_state.iterrows():
            ind = str(r[s.INDICATOR])
            line = (
                f"{get_indicator(ind).label}, {r[s.GROUP]}: "
                f"{format_value(r[s.VALUE], ind)} vs the state's "
                f"{format_value(r['reference_value'], ind)} "
                f"({format_period(r[s.PERIOD])})"
            )
            if bool(r.get(s.UNRELIABLE, False)):
                line += " (unreliable: small numbers)"
            if (str(r[s.DIMENSION]), str(r[s.GROUP])) in refs:
                line += (
                    f"; {r[s.GROUP]} is the reference group here, so this better "
                    "value is also part of the gaps above"
                )
            better.append(line)
    lat = profile.latest.sort_values([s.INDICATOR, s.DIMENSION, s.GROUP])
    notes = [
        "Values built on fewer than 10 events are not shown; values with a "
        "relative standard error above 30% or fewer than 20 events are marked "
        "unreliable.",
        "Confidence intervals: Wilson (proportions), exact Poisson (rates), ACS "
        "margins of error (survey estimates); gaps by combined standard errors, "
        "ratios on the log scale.",
        *_size_notes(profile),
        *profile.notes,
    ]
    # the loader's own lines (paths, row counts) are for whoever ran the report
    loading = [rep.summary() for rep in profile.load_reports]
    if profile.files:
        loading.append(
            "Files: "
            + ", ".join(
                Path(profile.files[k]).name
                for k in ("csv", "candidates_csv", "measures_csv")
                if k in profile.files
            )
            + "."
        )
    overview = profile.chart("overview")
    return env.get_template("profile.html.j2").render(
        fragment=fragment,
        # in a notebook the styles stay inside the profile, not the whole page
        css=_CSS.replace("body{", ".dp-profile{") if fragment else _CSS,
        place=profile.place,
        state_name=profile.state_name,
        synthetic=profile.synthetic,
        synthetic_notice=SYNTHETIC_NOTICE,
        sources="; ".join(profile.sources),
        findings=profile.findings,
        focus=focus,
        shortlist=_shortlist_view(profile.candidates),
        overview=_chart_view(overview) if overview else None,
        candidates=cands,
        bright=_bright_view(profile),
        bright_missing="Peer counties could not be found in these data.",
        better=better,
        all_table=_table_view(
            disparity_table_for_display(lat, profile.candidates),
            flag_col=lat[s.UNRELIABLE].reset_index(drop=True),
            hidden_col=lat[s.SUPPRESSED].reset_index(drop=True),
        ),
        glossary=GLOSSARY,
        measure_help=list(MEASURE_HELP.values()),
        measures=_measures_view(profile.measures),
        notes=notes,
        source_years=source_years(profile),
        loading=loading,
        record_command=command or page_focus_command(profile),
        command_relative=any(
            not Path(p).is_absolute()
            for p in [*_data_files(profile), *profile.files.values()]
            if isinstance(p, str | Path)
        ),
    )


def build_county_report(
    table: pd.DataFrame,
    county: str,
    *,
    state: str = "NC",
    out_dir="reports",
    load_reports=(),
    n_detail: int = 3,
    quiet: bool = False,
    focus=None,
    shared: dict | None = None,
    profile=None,
    command: str | None = None,
) -> dict:
    """Write a county disparity profile: HTML, PNG charts and the CSV tables.

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
        Folder to write into (created if needed). A focus record there
        (``<county>_focus.json``, see :func:`disparities.save_focus`) puts an
        "Our focus" section first.
    load_reports : sequence of LoadReport
        Shown in the data-notes section.
    n_detail : int
        How many top candidates get their own charts.
    quiet : bool
        No progress messages on stderr.
    focus : dict, str or Path, optional
        A focus record or its file (default: look in ``out_dir``).
    shared : dict, optional
        State-wide results computed once (used by the batch).
    profile : CountyProfile, optional
        An already assembled profile (then ``table`` may be None).
    command : str, optional
        The ``disparities focus`` command the page prints (the command line
        passes the one it was run with); default: :func:`page_focus_command`.

    Returns
    -------
    dict
        Paths by kind: ``html``, ``csv``, ``pngs`` (list), ``candidates_csv``,
        ``measures_csv``; and ``profile``.
    """
    from disparities.focus_record import output_file_name
    from disparities.profile import build_county_profile, write_profile_files

    progress = Progress(quiet)
    if profile is not None and isinstance(profile.progress, Progress) and not quiet:
        progress = profile.progress  # one clock for the whole run
    if profile is None:
        profile = build_county_profile(
            table,
            county,
            state=state,
            focus=focus if focus is not None else out_dir,
            n_detail=n_detail,
            load_reports=load_reports,
            shared=shared,
            progress=progress,
        )
    files = write_profile_files(profile, out_dir)
    progress("writing HTML")
    html_path = Path(out_dir) / output_file_name(profile.place, "profile.html")
    html_path.write_text(render_html(profile, command=command), encoding="utf-8")
    progress(f"done: {html_path}")
    return {"html": html_path, **files, "profile": profile}
