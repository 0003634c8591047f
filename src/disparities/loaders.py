"""Load any supported file, the format detected from its content.

Formats: ``kids_count``, ``chr`` (County Health Rankings state workbook),
``chr_analytic`` (CHR national analytic CSV), ``acs``
(data.census.gov CSV), ``acs_api`` (Census API JSON), ``saipe``,
``report_card`` and ``tidy`` (with a column mapping). :func:`load_data`
returns ``(table, LoadReport)``; :func:`combine_tables` stacks several loads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError

__all__ = [
    "SOURCES",
    "detect_source",
    "load_data",
    "combine_tables",
    "combine_loads",
    "source_release",
]

SOURCES = (
    "kids_count",
    "chr",
    "chr_analytic",
    "acs",
    "acs_api",
    "saipe",
    "report_card",
    "tidy",
)


def detect_source(path) -> str:
    """Tell a file's format from its content (not its name).

    Raises
    ------
    DataValidationError
        When the content matches no supported format; the message lists them.
    """
    from disparities.sources.acs import looks_like_acs
    from disparities.sources.chr import looks_like_chr
    from disparities.sources.files import (
        check_input_file,
        check_workbook,
        excel_engine,
        is_workbook,
    )
    from disparities.sources.kids_count import looks_like_kids_count
    from disparities.sources.parsing import read_csv_head, read_text
    from disparities.sources.report_card import looks_like_report_card
    from disparities.sources.saipe import looks_like_saipe
    from disparities.sources.tidy import looks_like_tidy

    p = check_input_file(path)
    if is_workbook(p):
        with pd.ExcelFile(check_workbook(p), engine=excel_engine()) as book:
            sheets = book.sheet_names
        if looks_like_chr(sheets):
            return "chr"
        return "tidy"
    text, _ = read_text(p)
    if text.lstrip().startswith("["):
        return "acs_api"
    frame = read_csv_head(p)
    cols = list(frame.columns)
    from disparities.sources.chr_analytic import looks_like_chr_analytic

    if looks_like_chr_analytic(cols, frame.iloc[0].tolist() if len(frame) else None):
        return "chr_analytic"
    for name, test in (
        ("kids_count", looks_like_kids_count),
        ("acs", looks_like_acs),
        ("saipe", looks_like_saipe),
        ("report_card", looks_like_report_card),
        ("tidy", looks_like_tidy),
    ):
        if test(cols):
            return name
    raise DataValidationError(
        f"cannot tell what kind of file this is from its columns {cols[:8]}; supported: "
        f"{', '.join(SOURCES)}. For other tables use source='tidy' with a mapping.",
        file=p,
        row=1,
    )


def load_data(
    path,
    *,
    source: str | None = None,
    state: str | None = None,
    strict: bool = False,
    **options,
):
    """Load one file into the tidy table, detecting its format.

    Parameters
    ----------
    path : str, Path or list of them
        The file, or several files: each is loaded and the tables are combined
        with :func:`combine_loads` (identical rows merged, the newest release
        wins, different sources kept as separate series).
    source : str, optional
        Force a format (one of :data:`SOURCES`).
    state : str, optional
        For county or district names (KIDS COUNT, report cards, tidy).
    strict : bool
        Raise on the first bad row instead of rejecting it with a warning.
    **options
        Passed to the format's loader (``indicator=``, ``mapping=``, ``year=``...),
        except ``suppress_below`` (default 10, see :mod:`disparities.privacy`):
        values built on fewer events are hidden, with complementary cells.

    Returns
    -------
    tuple
        ``(table, LoadReport)``; for several files the report is the combined
        one, each file's report in its ``parts``.
    """
    if isinstance(path, list | tuple):
        if not path:
            from disparities.sources.load_report import LoadReport

            report = LoadReport("no files", "none")
            report.notes.append("No files were given: the table is empty.")
            return s.empty_observations(), report
        loads = [
            load_data(p, source=source, state=state, strict=strict, **options)
            for p in path
        ]
        if len(loads) == 1:
            return loads[0]
        return combine_loads([t for t, _ in loads], [r for _, r in loads])
    from disparities.privacy import DEFAULT_THRESHOLD, protect_small_numbers
    from disparities.sources.files import read_errors

    suppress_below = options.pop("suppress_below", DEFAULT_THRESHOLD)
    with read_errors(path):
        table, report = _load(
            path, source=source, state=state, strict=strict, **options
        )
    _require_rows(table, report, path)
    table = protect_small_numbers(table, threshold=suppress_below)
    _note_suppression(report, table.attrs.get("suppression", {}), suppress_below)
    if "synthetic" in Path(path).name.lower():
        from disparities.demo import DEMO_SOURCE

        table = table.copy()
        table[s.SOURCE] = f"{DEMO_SOURCE} (in {report.source} layout)"
        report.notes.append(
            "The file name says its data are SYNTHETIC: every chart "
            "made from it says so."
        )
    return table, report


def _require_rows(table, report, path) -> None:
    """A file none of whose rows could be used is an error, naming the first
    reason (swapped columns, a wrong layout...)."""
    if len(table) or not report.rows_read:
        return
    first = report.rejected[0] if report.rejected else {}
    raise DataValidationError(
        f"none of the {report.rows_read} rows could be used"
        + (f"; the first problem: {first['reason']}" if first else ""),
        file=path,
        row=first.get("row"),
        column=first.get("column"),
    )


def _note_suppression(report, stats, threshold) -> None:
    """Say in the load report how many cells were hidden to protect small counts."""
    extra = sum(v for k, v in stats.items() if k != "primary")
    if stats.get("primary") or extra:
        report.notes.append(
            f"To protect small numbers, {stats.get('primary', 0)} value(s) built on "
            f"fewer than {threshold:g} events and {extra} more that would give them "
            "away were hidden (rows kept, values blank)."
        )


def _load(path, *, source, state, strict, **options):
    src = source or detect_source(path)
    if src == "kids_count":
        from disparities.sources.kids_count import load_kids_count

        return load_kids_count(path, state=state, strict=strict, **options)
    if src == "chr":
        from disparities.sources.chr import load_chr_workbook

        return load_chr_workbook(path, strict=strict, **options)
    if src == "chr_analytic":
        from disparities.sources.chr_analytic import load_chr_analytic

        return load_chr_analytic(path, strict=strict, **options)
    if src == "acs":
        from disparities.sources.acs import load_acs_csv

        return load_acs_csv(path, strict=strict, **options)
    if src == "acs_api":
        from disparities.sources.acs import load_acs_api_json

        return load_acs_api_json(path, strict=strict, **options)
    if src == "saipe":
        from disparities.sources.saipe import load_saipe

        return load_saipe(path, strict=strict, **options)
    if src == "report_card":
        from disparities.sources.report_card import load_report_card

        return load_report_card(path, state=state or "NC", strict=strict, **options)
    if src == "tidy":
        from disparities.sources.tidy import load_tidy

        return load_tidy(path, state=state, strict=strict, **options)
    raise ValueError(f"unknown source {src!r}; use one of {SOURCES}")


def source_release(source: str) -> tuple[str, int | None]:
    """Split a source label into the source and its release year.

    Releases of one source (County Health Rankings 2021 and 2022) are one
    series; the release year only decides which value wins when both publish
    the same observation.

    Examples
    --------
    >>> source_release("County Health Rankings 2022")
    ('County Health Rankings', 2022)
    >>> source_release("County Health Rankings analytic data 2021/2022")
    ('County Health Rankings analytic data', 2022)
    >>> source_release("NC school report cards")
    ('NC school report cards', None)
    """
    m = _RELEASE.match(str(source))
    if not m:
        return str(source), None
    return m.group(1), max(int(y) for y in re.findall(r"\d{4}", m.group(2)))


_RELEASE = re.compile(r"^(.*?\S)\s+((?:19|20)\d\d(?:\s*[/,]\s*(?:19|20)\d\d)*)$")
_VALUE_COLUMNS = [
    s.VALUE,
    s.CI_LOWER,
    s.CI_UPPER,
    s.MOE,
    s.NUMERATOR,
    s.DENOMINATOR,
    s.SUPPRESSED,
]


def _where(rows: pd.DataFrame) -> str:
    """Which sources, indicators and periods a set of dropped rows came from."""
    counts = rows.groupby([s.SOURCE, s.INDICATOR, s.PERIOD], sort=True).size()
    return "; ".join(
        f"{src}: {ind} {per} x{n}" for (src, ind, per), n in counts.items()
    )


def combine_loads(tables, reports=None):
    """Combine several loaded tables, the way a person would expect.

    Rules, in order (every removed row is counted in the returned report):

    1. **identical rows are merged**: the same observation (geography x
       indicator x period x dimension x group) with the same numbers (value,
       interval, counts, suppression) is kept once, from the newest release
       or, between sources, the file given last;
    2. **the newest release wins**: the same observation with different numbers
       from two releases of one source (County Health Rankings 2021 and 2022)
       keeps the newer release's row;
    3. **different sources stay separate**: the same observation from two
       different sources (CHR and KIDS COUNT) keeps both rows, as two series
       told apart by the ``source`` column (every comparison stays within a
       source).

    Rows of several releases of one source get one ``source`` label (e.g.
    ``"County Health Rankings 2021, 2022"``), so ``source`` identifies a series
    in the combined table; the release of each row is the start of its
    ``source_label`` (``"2022 release: Ranked Measure Data: % LBW (Black)"``).

    Parameters
    ----------
    tables : iterable of pandas.DataFrame
        Loaded (validated) tables.
    reports : iterable of LoadReport, optional
        Their load reports, kept in the combined report's ``parts``.

    Returns
    -------
    tuple
        ``(table, LoadReport)``; the report's ``dropped`` lists each rule's
        removed rows and where they came from.

    Raises
    ------
    DataValidationError
        When one release of one source gives two values for the same key.
    """
    from disparities.sources.load_report import LoadReport

    tables = list(tables)
    report = LoadReport("combined tables", "combined")
    report.parts = list(reports or [])
    if not tables:
        raise ValueError("combine_loads needs at least one table")
    frames = []
    for i, t in enumerate(tables):
        f = t.copy()
        for c in f.columns:
            if isinstance(f[c].dtype, pd.CategoricalDtype):
                f[c] = f[c].astype(object)
        f["_part"] = i
        frames.append(f)
    stacked = pd.concat(frames, ignore_index=True)
    report.rows_read = len(stacked)
    split = stacked[s.SOURCE].astype(str).map(source_release)
    stacked["_family"] = split.str[0]
    stacked["_release"] = split.str[1].astype(float).fillna(-1)
    # newest release first, then the later file: "keep first" keeps the newest
    stacked = stacked.sort_values(["_release", "_part"], ascending=False, kind="stable")
    ident = [*s.KEY_COLUMNS, "_family"]
    # identical numbers for one observation: kept once, whatever the source
    same = stacked[[*s.KEY_COLUMNS, *_VALUE_COLUMNS]].astype(str)
    identical = same.duplicated()
    report.drop(
        "identical rows merged (kept once)",
        int(identical.sum()),
        _where(stacked[identical]),
    )
    stacked = stacked[~identical]
    older = stacked[ident].astype(str).duplicated()
    newest = stacked.groupby(ident)["_release"].transform("max")
    superseded = older & (stacked["_release"] < newest)
    report.drop(
        "superseded by a newer release of the same source",
        int(superseded.sum()),
        _where(stacked[superseded]),
    )
    stacked = stacked[~superseded]
    _label_releases(stacked)
    families = stacked.groupby([c for c in s.KEY_COLUMNS], observed=True, dropna=False)[
        "_family"
    ].nunique()
    shared = families[families > 1]
    if len(shared):
        report.notes.append(
            f"{len(shared):,} observations are published by more than one source "
            f"({', '.join(sorted(stacked['_family'].unique()))}): each is kept as "
            "its own series, marked by its source, and compared only within it."
        )
    out = stacked.sort_values("_part", kind="stable").drop(
        columns=["_part", "_family", "_release"]
    )
    table = s.validate_observations(out, file="combined tables")
    from disparities.privacy import protect_small_numbers

    # a state from one file and its counties from another are a new relation:
    # cells hidden in one file must not be recoverable through the other
    table = protect_small_numbers(table, threshold=None)
    report.rows_kept = len(table)
    report.check_balance()
    return table, report


def _label_releases(stacked: pd.DataFrame) -> None:
    """One source label per source with several releases (in place)."""
    for fam, sub in stacked.groupby("_family"):
        releases = sorted({int(r) for r in sub["_release"] if r >= 0})
        if len(releases) < 2:
            continue
        idx = sub.index
        stacked.loc[idx, s.SOURCE_LABEL] = [
            f"{int(r)} release: {lab}"
            for r, lab in zip(
                sub["_release"], sub[s.SOURCE_LABEL].astype(str), strict=True
            )
        ]
        stacked.loc[idx, s.SOURCE] = f"{fam} {', '.join(map(str, releases))}"


def combine_tables(tables) -> pd.DataFrame:
    """Stack several loaded tables into one (see :func:`combine_loads` for the
    rules: identical rows merged, newest release wins, sources kept apart).

    Raises
    ------
    DataValidationError
        When one release of one source gives two values for the same key.
    """
    tables = list(tables)
    if len(tables) == 1:
        return tables[0]
    return combine_loads(tables)[0]
