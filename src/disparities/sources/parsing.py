"""Reading raw text files and cells: encodings, delimiters, numbers, markers."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from disparities.schema import DataValidationError

__all__ = [
    "SUPPRESSION_MARKERS",
    "MISSING_MARKERS",
    "read_text",
    "read_csv_strings",
    "parse_number",
    "parse_cell",
    "parse_cells",
]

#: Markers sources use for a value hidden on purpose (small numbers, privacy).
SUPPRESSION_MARKERS = {
    "*": "suppressed by the source",
    "S": "suppressed by the source (KIDS COUNT)",
    "LNE": "low number of events (too few to report)",
    "NR": "not reported",
    "<10": "fewer than 10",
    "<5": "fewer than 5",
    "<500": "fewer than 500",
    "<.5%": "less than 0.5%",
    "<0.5%": "less than 0.5%",
    "**": "not applicable: sample too small (ACS)",
    "***": "top- or bottom-coded (ACS)",
    "-": "no estimate: sample too small (ACS)",
}
#: Markers for a value that simply does not exist (not a privacy rule).
MISSING_MARKERS = {"N/A", "N.A.", "NA", "--", "", "null", "(X)", "nan", "NaN", "."}

_NUM = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def read_text(path) -> tuple[str, str]:
    """Read a text file as UTF-8 (BOM removed), falling back to cp1252.

    Returns
    -------
    tuple of str
        ``(text, encoding)``.

    Raises
    ------
    DataValidationError
        For an empty file or one that is not text.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    raw = p.read_bytes()
    if not raw.strip():
        raise DataValidationError("the file is empty", file=p)
    if b"\x00" in raw[:4096]:
        raise DataValidationError(
            "this is not a text file (is it an Excel workbook?)", file=p
        )
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DataValidationError("cannot decode the file", file=p)  # pragma: no cover


def read_csv_strings(path, *, expected_columns=None) -> tuple[pd.DataFrame, dict]:
    """Read a delimited text file with every cell as a string.

    The delimiter is detected (comma, semicolon, tab or pipe), header names are
    stripped of spaces, a trailing empty column (lines ending in a comma) is
    dropped, and the index is the 1-based line number of each row in the file.

    Parameters
    ----------
    path : str or Path
        The file.
    expected_columns : list of str, optional
        Used to name the problem when the delimiter seems wrong.

    Returns
    -------
    tuple
        The frame and ``{"encoding": ..., "delimiter": ...}``.
    """
    text, enc = read_text(path)
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(
            sample.split("\n", 1)[0] + "\n", delimiters=",;\t|"
        )
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=False,
            engine="python",
        )
    except pd.errors.ParserError as exc:
        import re as _re

        m = _re.search(r"line (\d+)", str(exc))
        raise DataValidationError(
            f"the rows do not line up with the header: {exc}",
            file=path,
            row=int(m.group(1)) if m else None,
        ) from exc
    if len(df.columns) == 1 and expected_columns:
        raise DataValidationError(
            f"found one column {df.columns[0]!r}: the delimiter is not one of , ; tab |"
            f" or the file is not a table; expected columns {expected_columns}",
            file=path,
            row=1,
        )
    df.columns = [str(c).strip() for c in df.columns]
    unnamed = [c for c in df.columns if c.startswith("Unnamed") or c == ""]
    for c in unnamed:
        if (df[c].str.strip() == "").all():
            df = df.drop(columns=c)
    df.index = np.arange(2, len(df) + 2)  # line numbers: header is line 1
    return df, {"encoding": enc, "delimiter": delim}


def parse_number(text):
    """Parse a number written by people: ``"1,234"``, ``"12.5%"``, ``" 7 "``.

    Returns ``nan`` for blanks; raises ``ValueError`` for anything else.

    Examples
    --------
    >>> parse_number("1,234"), parse_number("12.5%"), parse_number("$39,108")
    (1234.0, 12.5, 39108.0)
    """
    if text is None:
        return np.nan
    if isinstance(text, int | float | np.integer | np.floating):
        return float(text)
    s = str(text).strip().replace("\u2212", "-")
    if s == "":
        return np.nan
    s = s.rstrip("%").lstrip("$").strip()
    if not _NUM.match(s) or s in {"", ".", "+", "-"}:
        raise ValueError(f"not a number: {text!r}")
    return float(s.replace(",", ""))


def parse_cell(text):
    """Classify one cell: ``("value", x)``, ``("suppressed", marker)``,
    ``("missing", marker)`` or ``("bad", text)``.

    Examples
    --------
    >>> parse_cell("0.32"), parse_cell("S"), parse_cell("N.A."), parse_cell("abc")
    (('value', 0.32), ('suppressed', 'S'), ('missing', 'N.A.'), ('bad', 'abc'))
    """
    s = "" if text is None else str(text).strip()
    if s in SUPPRESSION_MARKERS:
        return "suppressed", s
    if s in MISSING_MARKERS:
        return "missing", s
    if s.startswith("<") and s[1:].strip().replace(",", "").isdigit():
        return "suppressed", s
    try:
        return "value", parse_number(s)
    except ValueError:
        return "bad", s


def parse_cells(values: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`parse_cell` over unique values: ``kind`` and ``value``,
    plus ``marker`` (the text for non-values)."""
    uniq = pd.unique(values.astype(str))
    parsed = {u: parse_cell(u) for u in uniq}
    kinds = values.astype(str).map(lambda u: parsed[u][0])
    vals = values.astype(str).map(
        lambda u: parsed[u][1] if parsed[u][0] == "value" else np.nan
    )
    marker = values.astype(str).map(
        lambda u: "" if parsed[u][0] == "value" else str(parsed[u][1])
    )
    return pd.DataFrame(
        {"kind": kinds, "value": vals.astype(float), "marker": marker},
        index=values.index,
    )
