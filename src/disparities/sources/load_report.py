"""What a load did: rows read, kept, suppressed and rejected, and why."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from disparities.schema import DataValidationError

__all__ = ["LoadReport", "DataWarning"]


class DataWarning(UserWarning):
    """A problem in a data file that did not stop the load."""


@dataclass
class LoadReport:
    """The account of one load: nothing is dropped without being counted here.

    Attributes
    ----------
    file : str
        The file read.
    source : str
        The detected or given format.
    rows_read : int
        Data rows in the file (header rows not counted).
    rows_kept : int
        Rows that became observations (suppressed ones included).
    rows_suppressed : int
        Kept rows whose value the source hid; ``suppression_markers`` counts them
        by the marker the source used (``"S"``, ``"*"``, ``"<10"``...).
    rows_rejected : int
        Rows that could not be used; ``rejected`` lists each with its reason.
    warnings : list of str
    """

    file: str
    source: str
    rows_read: int = 0
    rows_kept: int = 0
    rows_suppressed: int = 0
    rows_rejected: int = 0
    suppression_markers: Counter = field(default_factory=Counter)
    rejected: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    strict: bool = False
    #: observations a combine step removed, one dict per rule: ``rule``, ``rows``
    #: and ``where`` (which sources, indicators and periods)
    dropped: list = field(default_factory=list)
    #: the reports of the files a combined load was built from
    parts: list = field(default_factory=list)

    def reject(self, row, column, reason: str, count: int = 1) -> None:
        """Record a rejected row; raise instead when ``strict``."""
        if self.strict:
            raise DataValidationError(reason, file=self.file, row=row, column=column)
        self.rows_rejected += count
        self.rejected.append(
            {"row": row, "column": column, "reason": reason, "rows": count}
        )

    def warn(self, message: str, *, row=None, column=None) -> None:
        """Record (and emit) a warning; raise instead when ``strict``."""
        if self.strict:
            raise DataValidationError(message, file=self.file, row=row, column=column)
        where = ""
        if row is not None:
            where += f" row {row}"
        if column is not None:
            where += f" column {column!r}"
        text = f"{self.file}{where}: {message}"
        self.warnings.append(text)
        warnings.warn(text, DataWarning, stacklevel=3)

    def suppressed(self, marker: str, count: int = 1) -> None:
        """Count rows the source suppressed, by marker."""
        self.rows_suppressed += count
        self.suppression_markers[str(marker)] += count

    def drop(self, rule: str, count: int, where: str) -> None:
        """Record observations removed by a combine rule (never silently)."""
        if count:
            self.dropped.append({"rule": rule, "rows": int(count), "where": where})

    @property
    def rows_dropped(self) -> int:
        """Observations removed by combine rules (merged or superseded)."""
        return sum(d["rows"] for d in self.dropped)

    def rejected_frame(self) -> pd.DataFrame:
        """The rejected rows as a table."""
        return pd.DataFrame(self.rejected, columns=["row", "column", "reason", "rows"])

    def check_balance(self) -> None:
        """Every row read is kept or rejected (a row may become several observations,
        so kept counts source rows, not observations)."""
        if self.rows_kept + self.rows_rejected + self.rows_dropped != self.rows_read:
            raise AssertionError(
                f"{self.file}: {self.rows_read} rows read but {self.rows_kept} kept + "
                f"{self.rows_rejected} rejected + {self.rows_dropped} dropped"
            )

    def summary(self) -> str:
        """One paragraph a person can read.

        Rows are counted as rows (read = kept + rejected + dropped); values the
        source hid are counted as cells, since one row may hold many of them.

        Examples
        --------
        >>> r = LoadReport("x.csv", "kids_count", rows_read=10, rows_kept=9)
        >>> r.suppressed("S", 2); r.reject(7, "Data", "not a number: 'abc'")
        >>> print(r.summary())
        x.csv (kids_count): read 10 rows; kept 9; rejected 1 (row 7, column 'Data': not a number: 'abc'). 2 cells in the 9 kept rows were suppressed by the source (marked 'S').
        >>> w = LoadReport("chr.xlsx", "chr", rows_read=101, rows_kept=101)
        >>> w.suppressed("(blank)", 1911)
        >>> print(w.summary())
        chr.xlsx (chr): read 101 rows; kept 101; rejected 0. 1,911 blank cells in the 101 kept rows were suppressed by the source.
        """
        text = (
            f"{self.file} ({self.source}): read {self.rows_read:,} rows; "
            f"kept {self.rows_kept:,}"
        )
        text += f"; rejected {self.rows_rejected:,}"
        if self.rejected:
            shown = "; ".join(
                f"row {r['row']}, column {r['column']!r}: {r['reason']}"
                + (f" (x{r['rows']})" if r["rows"] > 1 else "")
                for r in self.rejected[:5]
            )
            more = (
                f"; and {len(self.rejected) - 5} more" if len(self.rejected) > 5 else ""
            )
            text += f" ({shown}{more})"
        for d in self.dropped:
            text += f"; {d['rule']}: {d['rows']:,} ({d['where']})"
        text += "."
        if self.rows_suppressed:
            marks = self.suppression_markers
            blank = set(marks) == {"(blank)"}
            cells = "cell" if self.rows_suppressed == 1 else "cells"
            verb = "was" if self.rows_suppressed == 1 else "were"
            text += (
                f" {self.rows_suppressed:,} {'blank ' if blank else ''}{cells} in the "
                f"{self.rows_kept:,} kept rows {verb} suppressed by the source"
            )
            if not blank:
                text += (
                    " (marked "
                    + ", ".join(
                        f"'{k}'" if len(marks) == 1 else f"'{k}' {v:,}"
                        for k, v in marks.items()
                    )
                    + ")"
                )
            text += "."
        if self.warnings:
            text += f" {len(self.warnings)} warning(s): " + " | ".join(
                self.warnings[:3]
            )
        for n in self.notes:
            text += f" {n}"
        for part in self.parts:
            text += "\n  " + part.summary()
        return text
