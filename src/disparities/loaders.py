"""Load any supported file, the format detected from its content.

Formats: ``kids_count``, ``chr`` (County Health Rankings state workbook),
``chr_analytic`` (CHR national analytic CSV), ``acs``
(data.census.gov CSV), ``acs_api`` (Census API JSON), ``saipe``,
``report_card`` and ``tidy`` (with a column mapping). :func:`load_data`
returns ``(table, LoadReport)``; :func:`combine_tables` stacks several loads.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from disparities import schema as s
from disparities.schema import DataValidationError

__all__ = ["SOURCES", "detect_source", "load_data", "combine_tables"]

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
    from disparities.sources.files import check_input_file, check_workbook, is_workbook
    from disparities.sources.kids_count import looks_like_kids_count
    from disparities.sources.parsing import read_csv_head, read_text
    from disparities.sources.report_card import looks_like_report_card
    from disparities.sources.saipe import looks_like_saipe
    from disparities.sources.tidy import looks_like_tidy

    p = check_input_file(path)
    if is_workbook(p):
        sheets = pd.ExcelFile(check_workbook(p)).sheet_names
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
    path : str or Path
        The file.
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
        ``(table, LoadReport)``.
    """
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


def combine_tables(tables) -> pd.DataFrame:
    """Stack several loaded tables into one, checking keys across them.

    Raises
    ------
    DataValidationError
        When two sources give different values for the same key.
    """
    tables = list(tables)
    if len(tables) == 1:
        return tables[0]
    stacked = pd.concat(
        [
            t.astype(
                {
                    c: "object"
                    for c in (
                        s.GEO_ID,
                        s.GEO_LEVEL,
                        s.INDICATOR,
                        s.PERIOD,
                        s.DIMENSION,
                        s.GROUP,
                    )
                }
            )
            for t in tables
        ],
        ignore_index=True,
    )
    from disparities.privacy import protect_small_numbers

    # a state from one file and its counties from another are a new relation
    table = s.validate_observations(stacked, file="combined tables")
    return protect_small_numbers(table, threshold=None)
