"""Plain-language sentences built from the numbers, for titles and explanations.

Nothing here is typed by hand per chart: every sentence is generated from a row
of a results table and the indicator catalog, so a title always matches its
data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from disparities import schema as s
from disparities.catalog import get_indicator

__all__ = [
    "evidence_words",
    "ratio_bounds",
    "format_value",
    "format_period",
    "format_count",
    "group_noun",
    "gap_sentence",
    "caveat_notes",
    "finding_sentence",
    "shortlist_table",
    "source_footnote",
    "is_synthetic",
    "SYNTHETIC_NOTICE",
]

SYNTHETIC_NOTICE = "SYNTHETIC DEMO DATA: made-up numbers for practice, not real"


def format_period(period: str) -> str:
    """Period with an en dash: ``'2018-2022'`` -> ``'2018–2022'``."""
    return str(period).replace("-", "\u2013")


def ratio_bounds(lo: float, hi: float, sep: str = " to ", digits: int = 1) -> str:
    """A ratio's 95% CI bounds to one decimal, with more where a bound would
    read 1.0 without being 1, so the reader sees which side of 1 it is on.

    Examples
    --------
    >>> ratio_bounds(2.04, 24.6)
    '2.0 to 24.6'
    >>> ratio_bounds(1.012, 1.3)
    '1.01 to 1.3'
    >>> ratio_bounds(0.96, 21.0)
    '0.96 to 21.0'
    >>> ratio_bounds(0.9975, 3.29)
    '0.998 to 3.3'
    >>> ratio_bounds(1.0, 4.0)
    '1.0 to 4.0'
    >>> ratio_bounds(0.997, 3.29, digits=2)
    '0.997 to 3.29'
    """

    def one(v: float) -> str:
        for d in range(digits, max(digits, 3) + 1):
            text = f"{v:.{d}f}"
            if v == 1.0 or float(text) != 1.0:
                break
        return text

    return f"{one(float(lo))}{sep}{one(float(hi))}"


def format_value(value: float, indicator: str) -> str:
    """A value with its unit, e.g. ``'14.1%'`` or ``'12.0 per 1,000 live births'``.

    Examples
    --------
    >>> format_value(14.123, "low_birthweight")
    '14.1%'
    >>> format_value(11.97, "infant_mortality")
    '12.0 per 1,000 live births'
    >>> format_value(39108, "median_household_income")
    '$39,108'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not shown"
    info = get_indicator(indicator)
    if info.multiplier == 100:
        return f"{value:.1f}%"
    if info.unit == "dollars":
        return f"${value:,.0f}"
    if "grade level" in info.unit:
        return f"grade level {value:.1f}"
    if info.measure_type == "score":
        return f"{value:.2f} {info.unit}"
    return f"{value:.1f} {info.unit}"


def format_count(value: float) -> str:
    """A count of people for a sentence: ``'1,234'``, ``'none'`` or ``'unknown'``.

    Unknown is never shown as 0, and a negative excess reads "none".

    Examples
    --------
    >>> format_count(1234.4), format_count(-3.0), format_count(float("nan"))
    ('1,234', 'none', 'unknown')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if float(value) < 0.5:
        return "none"
    return f"{float(value):,.0f}"


def _short_label(label: str) -> str:
    """``'Average reading score (grade levels)'`` -> ``'average reading score'``."""
    return label.split(" (")[0].lower()


def _score_difference(d: float, info) -> str:
    if info.unit == "dollars":
        return f"${d:,.0f}"
    if "grade level" in info.unit:
        return f"{d:.1f} grade level" + ("" if round(d, 1) == 1 else "s")
    return f"{d:.2f} {info.unit}"


def _score_sentence(r: dict, info, who, ref, where_txt, period, caveat) -> str:
    """Averages, scores and incomes: both values and their difference in words."""
    ind = str(r["indicator"])
    label = _short_label(info.label)
    v = format_value(r.get("value", math.nan), ind)
    v0 = format_value(r.get("reference_value", math.nan), ind)
    if r.get("direction") == "no clear difference":
        return (
            f"No clear difference in {label} between {who} ({v}) and {ref} ({v0})"
            f"{where_txt}, {period}{caveat}."
        )
    diff = r.get("difference", math.nan)
    if diff is None or (isinstance(diff, float) and math.isnan(diff)):
        amount = ""
    else:
        more = "higher" if float(diff) > 0 else "lower"
        amount = f" ({_score_difference(abs(float(diff)), info)} {more})"
    if v0.startswith("grade level "):
        v0 = v0[len("grade level ") :]  # "grade level 2.6 vs 3.4"
    return (
        f"{label[0].upper() + label[1:]}, {who}{where_txt}: {v} vs {v0} for {ref}"
        f"{amount}, {period}{caveat}."
    )


_FPL_PHRASES = {
    "Under 100% FPL": "below the poverty line",
    "100-199% FPL": "at 1 to 2 times the poverty line",
    "200-399% FPL": "at 2 to 4 times the poverty line",
    "400% FPL and over": "at 4 or more times the poverty line",
}


def group_noun(group: str, indicator: str) -> str:
    """``'Black children'``, ``'Hispanic or Latino teen girls'``, ``'lowest-income children'``.

    Examples
    --------
    >>> group_noun("Under 100% FPL", "uninsured_children")
    'children in families below the poverty line'
    """
    subject = get_indicator(indicator).subject
    g = str(group)
    if g in _FPL_PHRASES:
        return f"{subject} in families {_FPL_PHRASES[g]}"
    if g in ("Economically disadvantaged", "Not economically disadvantaged"):
        return f"{g.lower()} {subject}"
    if g == "Total":
        return f"all {subject}"
    if g == "Two or more races":
        return f"{subject} of two or more races"
    if g == "Other race":
        return f"{subject} of another race"
    return f"{g} {subject}"


def gap_sentence(row: pd.Series | dict, *, place: str | None = None) -> str:
    """One sentence for one gap row of :func:`disparities.gaps.compute_gaps`.

    Examples
    --------
    >>> row = {"indicator": "child_poverty", "group": "Black",
    ...     "reference_group": "White", "adverse_ratio": 2.91, "direction": "worse",
    ...     "period": "2016-2020", "geo_name": "Durham County", "unreliable": False,
    ...     "difference": 19.5}
    >>> gap_sentence(row)
    'Black children in Durham County were 2.9 times as likely as White children to live in poverty, 2016–2020.'

    Averages, scores and incomes get both values and their difference, never
    "times as likely":

    >>> gap_sentence({"indicator": "median_household_income", "group": "Black",
    ...     "reference_group": "White", "value": 39108.0, "reference_value": 62036.0,
    ...     "difference": -22928.0, "direction": "worse", "period": "2015-2019",
    ...     "geo_name": "North Carolina"})
    'Median household income, Black households in North Carolina: $39,108 vs $62,036 for White households ($22,928 lower), 2015–2019.'
    """
    r = dict(row)
    ind = str(r["indicator"])
    info = get_indicator(ind)
    where = place or r.get("geo_name") or ""
    where_txt = f" in {where}" if where else ""
    period = format_period(r.get("period", ""))
    who = group_noun(r["group"], ind)
    ref_geo = r.get("reference_geo_id")
    same_geo = not ref_geo or ref_geo == r.get("geo_id")
    if same_geo:
        ref = group_noun(r["reference_group"], ind)
    else:
        ref = f"{r['group']} {info.subject} statewide"
    direction = r.get("direction", "")
    caveat = " (small numbers: read with care)" if r.get("unreliable") else ""
    if direction == "not shown":
        return f"{who.capitalize()}{where_txt}: not shown, small numbers, {period}."
    if direction == "no confidence interval published":
        caveat += " (no confidence interval published)"
    if info.measure_type == "score":
        return _score_sentence(r, info, who, ref, where_txt, period, caveat)
    ar0 = float(r.get("adverse_ratio", np.nan))
    lo0 = float(r.get("adverse_ratio_ci_lower", np.nan))
    hi0 = float(r.get("adverse_ratio_ci_upper", np.nan))
    if direction == "no clear difference" and ar0 >= 1.5 and np.isfinite(lo0 + hi0):
        # a large ratio the interval cannot confirm: too few to tell, not "equal"
        return (
            f"{who[0].upper() + who[1:]}{where_txt} were {ar0:.1f} times as likely "
            f"as {ref} {info.adverse_phrase}, {period}, but with so few "
            f"{info.subject} this could be chance (95% CI {ratio_bounds(lo0, hi0)})"
            f"{caveat}."
        )
    if direction == "no clear difference":
        return (
            f"No clear difference between {who} and {ref}{where_txt} in "
            f"{_short_label(info.label)}, {period}{caveat}."
        )
    ar = float(r["adverse_ratio"])
    if ar >= 1:
        amount = f"{ar:.1f} times as likely as"
    else:
        amount = f"{(1 - ar) * 100:.0f}% less likely than"
    return (
        f"{who[0].upper() + who[1:]}{where_txt} were {amount} {ref} "
        f"{info.adverse_phrase}, {period}{caveat}."
    )


def _is_derived(row) -> bool:
    return str(_get(row, "interval_basis", "")).startswith("derived")


def _get(row, key, default=None):
    try:
        v = row[key]
    except (KeyError, IndexError):
        return default
    return default if v is None else v


def caveat_notes(row, *, already: str = "") -> list:
    """The caveats a headline number must keep, short, for titles and sentences.

    ``"estimated interval"`` when the tool derived the confidence interval
    (the source publishes none), ``"small numbers: read with care"`` when the
    estimate is unreliable. A caveat ``already`` says is left out.

    Examples
    --------
    >>> caveat_notes({"interval_basis": "derived from group sizes",
    ...     "unreliable": True, "adverse_ratio": 7.07})
    ['estimated interval', 'small numbers: read with care']
    >>> caveat_notes({"interval_basis": "published", "unreliable": True},
    ...     already="... (small numbers: read with care).")
    []
    """
    out = []
    ratio = _get(row, "adverse_ratio", np.nan)
    try:
        has_ratio = np.isfinite(float(ratio))
    except (TypeError, ValueError):
        has_ratio = False
    if _is_derived(row) and has_ratio and "estimated interval" not in already:
        out.append("estimated interval")
    if bool(_get(row, s.UNRELIABLE, False)) and "small numbers" not in already:
        out.append("small numbers: read with care")
    return out


def finding_sentence(row) -> str:
    """A key finding: the candidate's headline with its caveats kept.

    The headline is the first clause of the shortlist's ``explanation``; a
    ratio whose confidence interval the tool derived (the source publishes
    none) says so and gives the interval, and a gap on small numbers says so.

    Examples
    --------
    >>> finding_sentence({"explanation": "Black children in Durham County were "
    ...     "8.0 times as likely as White children to live in poverty, 2016–2020; "
    ...     "about 900 more", "adverse_ratio": 8.04, "adverse_ratio_ci_lower": 6.1,
    ...     "adverse_ratio_ci_upper": 10.6,
    ...     "interval_basis": "derived from group sizes", "unreliable": False})
    'Black children in Durham County were 8.0 times as likely as White children to live in poverty, 2016–2020 (estimated interval 6.1 to 10.6, derived from group sizes because the source publishes none).'
    """
    text = str(row["explanation"]).split("; ")[0].rstrip(".")
    notes = []
    small = " (small numbers: read with care)"
    if text.endswith(small):  # one parenthesis for all the caveats
        text, notes = text[: -len(small)], [small[2:-1]]
    for note in caveat_notes(row, already=text + " ".join(notes)):
        if note == "estimated interval":
            lo = float(_get(row, "adverse_ratio_ci_lower", np.nan))
            hi = float(_get(row, "adverse_ratio_ci_upper", np.nan))
            span = f" {ratio_bounds(lo, hi)}" if np.isfinite(lo + hi) else ""
            if "95% CI" in text:
                span = ""  # the sentence already gives the interval
            note = (
                f"estimated interval{span}, derived from group sizes because the "
                "source publishes none"
            )
        notes.append(note)
    return text + (f" ({'; '.join(notes)})" if notes else "") + "."


def is_synthetic(sources) -> bool:
    """True when any source label says the data are synthetic."""
    return any("SYNTHETIC" in str(x).upper() for x in pd.Series(sources).unique())


def source_footnote(sources, periods, *, extra: str = "") -> str:
    """Footnote text: sources, periods, and the synthetic-data warning if needed.

    Examples
    --------
    >>> source_footnote(["County Health Rankings 2022"], ["2014-2020"])
    'Source: County Health Rankings 2022. Period: 2014–2020.'
    """
    src = sorted({str(x) for x in pd.Series(sources).dropna() if str(x)})
    pers = sorted({format_period(p) for p in pd.Series(periods).dropna()})
    text = f"Source: {'; '.join(src) or 'not stated'}."
    if pers:
        if len(pers) > 3:
            text += f" Periods: {pers[0]} to {pers[-1]}."
        else:
            text += f" Period: {', '.join(pers)}."
    if extra:
        text += f" {extra}"
    if is_synthetic(src):
        text = f"{SYNTHETIC_NOTICE}. " + text
    return text


def _times(v) -> str:
    return f"{v:.1f}" if isinstance(v, int | float) and np.isfinite(v) else "—"


def shortlist_table(candidates: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ranked shortlist with plain column names, for people to read.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Output of :func:`disparities.focus.rank_focus_candidates`.
    n : int
        How many rows to show (the first ``n`` ranks).

    Returns
    -------
    pandas.DataFrame
        One row per candidate, indexed by rank: the comparison in words, the
        evidence, how many times as likely (and the cautious end of its
        confidence interval), children affected, trend, the state's gap, the
        four parts of the score, the small-numbers factor and the score.
        "—" marks a number that does not apply (e.g. a ratio for an average
        score).
    """
    from disparities.focus import trend_words

    show = candidates.head(n)
    rows = []
    for _, r in show.iterrows():
        rows.append(
            {
                "Rank": int(r["rank"]),
                "Disparity": f"{get_indicator(str(r[s.INDICATOR])).label}: "
                f"{r[s.GROUP]} vs {r['reference_group']} "
                f"({format_period(str(r[s.PERIOD]))})",
                "Evidence": str(r.get("evidence", "")),
                "Times as likely": _times(r["adverse_ratio"]),
                "Cautious end": _times(r["conservative_ratio"]),
                "Children affected": str(r["children_affected"]),
                "Trend": trend_words(r),
                "State's gap": _times(r["state_adverse_ratio"]),
                "Size part": round(float(r["size_component"]), 2),
                "Children part": round(float(r["children_affected_component"]), 2),
                "Trend part": round(float(r["trend_component"]), 2),
                "Versus-state part": round(float(r["versus_state_component"]), 2),
                "Small-numbers factor": round(float(r["reliability_factor"]), 2),
                "Score": round(float(r["score"]), 2),
                "Pool more years first": "yes" if bool(r["needs_pooling"]) else "",
            }
        )
    return pd.DataFrame(rows).set_index("Rank")


def evidence_words(r) -> str:
    """The candidate's evidence tier, and when the group's own value is the
    better one, that it is: a shortlisted row is not always a gap against it.

    Examples
    --------
    >>> evidence_words({"evidence": "no clear difference", "group": "Hispanic",
    ...     "indicator": "median_household_income", "value": 54135.0,
    ...     "reference_value": 50088.0})
    'no clear difference; Hispanic better off here'
    """
    text = str(r.get("evidence", "") or "")
    info = get_indicator(str(r[s.INDICATOR]))
    diff = float(r[s.VALUE]) - float(r["reference_value"])
    better = diff > 0 if not info.higher_is_worse else diff < 0
    if np.isfinite(diff) and better and text != "clearly better":
        text += f"; {r[s.GROUP]} better off here"
    return text
