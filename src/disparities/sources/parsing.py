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
    "CENSUS_SENTINELS",
    "marker_note",
    "repeated_rows",
    "read_text",
    "read_csv_strings",
    "read_csv_head",
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

#: Census Bureau API placeholders ("annotation values") and what they mean
#: (Census Bureau, "Notes on ACS Estimate and Annotation Values").
CENSUS_SENTINELS = {
    "-666666666": "no estimate: too few sample observations (Census code -666666666)",
    "-999999999": "not shown: too few sample cases (Census code -999999999)",
    "-888888888": "not applicable or not available (Census code -888888888)",
    "-555555555": "no margin of error: the estimate is controlled to a population "
    "total (Census code -555555555)",
    "-333333333": "no margin of error: the median falls in an open-ended interval "
    "(Census code -333333333)",
    "-222222222": "no margin of error: too few sample observations "
    "(Census code -222222222)",
}
_UNKNOWN_MARKER = re.compile(r"^(?=.*[/.+*()?\-])[A-Za-z/.+*()?\s-]{1,6}$|^[A-Z]{1,3}$")

_NUM = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def read_text(path) -> tuple[str, str]:
    """Read a text file as UTF-8 (BOM removed), UTF-16 (with a BOM), or cp1252.

    Only regular files are read, up to a size limit
    (:func:`disparities.sources.files.check_input_file`).

    Returns
    -------
    tuple of str
        ``(text, encoding)``.

    Raises
    ------
    DataValidationError
        For an empty file, a workbook, or a file with a NUL byte (the message
        names its line and column).
    """
    from disparities.sources.files import read_file_bytes

    p = Path(path)
    raw = read_file_bytes(p)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _non_empty(raw.decode("utf-16"), p), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataValidationError(
                f"the file says it is UTF-16 but cannot be decoded ({exc.reason} at "
                f"byte {exc.start})",
                file=p,
            ) from exc
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataValidationError(
            "this is an Excel workbook, not a text file; give it a .xlsx name "
            "or save it as CSV",
            file=p,
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        even = raw[: min(len(raw), 2000)]
        if even[1::2].count(0) > 0.4 * len(even[1::2]) or even[0::2].count(
            0
        ) > 0.4 * len(even[0::2]):
            enc = (
                "utf-16-le"
                if even[1::2].count(0) > even[0::2].count(0)
                else "utf-16-be"
            )
            try:
                return _non_empty(raw.decode(enc), p), enc
            except UnicodeDecodeError:
                pass
        line = raw.count(b"\n", 0, nul) + 1
        col = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise DataValidationError(
            f"a NUL byte at line {line}, character {col}: this is not a plain text "
            "file (damaged, or a binary file)",
            file=p,
            row=line,
        )
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return _non_empty(raw.decode(enc), p), enc
        except UnicodeDecodeError:
            continue
    raise DataValidationError("cannot decode the file", file=p)  # pragma: no cover


def _non_empty(text: str, path) -> str:
    if not text.strip():
        raise DataValidationError("the file is empty", file=path)
    return text


def _header_names(first_line: str, delim: str) -> list[str]:
    """The header's column names, as read by the csv module."""
    return [c.strip() for c in next(csv.reader([first_line], delimiter=delim), [])]


def _check_header(names: list[str], path, read_columns) -> None:
    """A column the loader reads, named twice, is an error (one of the two
    would be ignored). Other repeated names (SAIPE repeats "90% Confidence
    Interval") are numbered by pandas ("name.1") and left to the loader."""
    from disparities.schema import OBSERVATION_COLUMNS

    watched = set(read_columns or ()) | set(OBSERVATION_COLUMNS)
    seen = {}
    for i, name in enumerate(names):
        if name == "":
            continue
        if name in seen and name in watched:
            raise DataValidationError(
                f"the header names column {name!r} twice (columns {seen[name] + 1} and "
                f"{i + 1}); rename one",
                file=path,
                row=1,
                column=name,
            )
        seen[name] = i


_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,(\d{1,2}|\d{4,})\s*%?$")


def _check_decimal_commas(df: pd.DataFrame, path) -> None:
    """Refuse numbers written with a decimal comma ("12,5"): read as thousands
    they would be 1,000 times too large."""
    for c in df.columns:
        col = df[c]
        uniq = pd.Series(pd.unique(col.dropna()))
        if uniq.empty:
            continue
        hit = uniq[uniq.str.contains(",", regex=False)]
        if hit.empty:
            continue
        hit = hit[hit.str.match(_DECIMAL_COMMA)]
        if len(hit):
            first = col.index[col.eq(hit.iloc[0])][0]
            raise DataValidationError(
                f"{hit.iloc[0]!r} looks like a number with a decimal comma; "
                "write decimals with a point (12.5), or save the file with "
                "English number settings",
                file=path,
                row=int(first),
                column=c,
            )


def read_csv_strings(
    path, *, expected_columns=None, allow_repeats: bool = False
) -> tuple[pd.DataFrame, dict]:
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
    allow_repeats : bool
        Let rows that repeat an earlier row exactly through (the caller
        rejects and counts them); by default they are an error, because a
        loader that sums rows would count them twice.

    Returns
    -------
    tuple
        The frame and ``{"encoding": ..., "delimiter": ...}``.

    Raises
    ------
    DataValidationError
        Naming file, row and column: a duplicate header (of a tidy column or
        one of ``expected_columns``), a row with more or
        fewer cells than the header (also a last row cut short), or numbers
        with decimal commas.
    """
    text, enc = read_text(path)
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    try:
        dialect = csv.Sniffer().sniff(first_line + "\n", delimiters=",;\t|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    names = _header_names(first_line, delim)
    _check_header(names, path, expected_columns)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skipinitialspace=False,
            engine="c",
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        msg = (
            f"row has {m.group(2)} cells but the header has {len(names)}"
            if m
            else f"the rows do not line up with the header: {exc}"
        )
        raise DataValidationError(
            msg, file=path, row=int(m.group(1)) if m else None
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError("the file has no header row", file=path) from exc
    if len(df.columns) == 1 and expected_columns:
        raise DataValidationError(
            f"found one column {df.columns[0]!r}: the delimiter is not one of , ; tab |"
            f" or the file is not a table; expected columns {expected_columns}",
            file=path,
            row=1,
        )
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise DataValidationError("the file has a header but no data rows", file=path)
    df.index = np.arange(2, len(df) + 2)  # line numbers: header is line 1
    _check_short_rows(text, delim, len(df.columns), path)
    unnamed = [c for c in df.columns if c.startswith("Unnamed") or c == ""]
    for c in unnamed:
        if (df[c].str.strip() == "").all():
            df = df.drop(columns=c)
    _check_decimal_commas(df, path)
    if not allow_repeats:
        dup, first = repeated_rows(df)
        if dup.any():
            raise DataValidationError(
                f"repeats row {first[0]} exactly ({int(dup.sum())} repeated rows in "
                "all): was the file exported twice? Remove the repeats",
                file=path,
                row=int(df.index[dup][0]),
            )
    return df, {"encoding": enc, "delimiter": delim}


def _field_counts(text: str, delim: str) -> tuple[np.ndarray, np.ndarray]:
    """Line number and number of cells of every non-blank line.

    Files without quotes are counted with numpy (fast on millions of lines);
    others with the csv module, which knows quoted delimiters and newlines.
    """
    if '"' not in text:
        arr = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        if not len(ends) or ends[-1] != len(arr) - 1:
            ends = np.r_[ends, len(arr)]
        seps = np.flatnonzero(arr == ord(delim))
        starts = np.r_[0, ends[:-1] + 1]
        counts = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
        length = ends - starts
        cr = np.zeros(len(ends), bool)
        inside = ends < len(arr)
        cr[inside] = (length[inside] > 0) & (arr[np.maximum(ends[inside] - 1, 0)] == 13)
        blank = (length - cr) <= 0
        lines = np.arange(1, len(ends) + 1)
        return lines[~blank], counts[~blank]
    lines, counts = [], []
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    for row in reader:
        if row:
            lines.append(reader.line_num)
            counts.append(len(row))
    return np.asarray(lines), np.asarray(counts)


def _check_short_rows(text: str, delim: str, n_columns: int, path) -> None:
    """A row with fewer cells than the header is an error naming the row and
    the first missing column (pandas would silently fill it with blanks)."""
    lines, counts = _field_counts(text, delim)
    if len(counts) < 2:
        return
    short = counts[1:] < counts[0]
    if not short.any():
        return
    at = int(np.flatnonzero(short)[0]) + 1
    last = at == len(counts) - 1 and not text.endswith(("\n", "\r"))
    why = " (the last row is cut off: the file may be truncated)" if last else ""
    more = int(short.sum()) - 1
    names = _header_names(text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r"), delim)
    col = names[counts[at]] if counts[at] < len(names) else None
    raise DataValidationError(
        f"row has {counts[at]} cells but the header has {counts[0]}{why}"
        + (f"; {more} more short rows" if more else ""),
        file=path,
        row=int(lines[at]),
        column=col,
    )


def marker_note(marker: str) -> str:
    """A plain-language note for a missing-value marker or Census placeholder.

    Examples
    --------
    >>> marker_note("-666666666")
    'no estimate: too few sample observations (Census code -666666666)'
    >>> marker_note("N/A+")
    "missing: the source wrote 'N/A+' (an unknown marker, read as missing)"
    """
    m = str(marker).strip()
    if m in CENSUS_SENTINELS:
        return CENSUS_SENTINELS[m]
    if m in SUPPRESSION_MARKERS:
        return SUPPRESSION_MARKERS[m]
    if m in MISSING_MARKERS:
        return f"missing: the source wrote {m!r}" if m else "missing"
    return f"missing: the source wrote {m!r} (an unknown marker, read as missing)"


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

    Census placeholders (``-666666666``...) and short marker-like text with no
    digits (``"N/A+"``, ``"--"``, ``"ND"``) are missing, never values; see
    :func:`marker_note` for the note to give them.

    Examples
    --------
    >>> parse_cell("0.32"), parse_cell("S"), parse_cell("N.A."), parse_cell("abc")
    (('value', 0.32), ('suppressed', 'S'), ('missing', 'N.A.'), ('bad', 'abc'))
    >>> parse_cell("-666666666"), parse_cell("N/A+"), parse_cell("12,5")
    (('missing', '-666666666'), ('missing', 'N/A+'), ('bad', '12,5'))
    """
    s = "" if text is None else str(text).strip()
    if s in SUPPRESSION_MARKERS:
        return "suppressed", s
    if s in MISSING_MARKERS or s in CENSUS_SENTINELS:
        return "missing", s
    if s.replace(".0", "", 1) in CENSUS_SENTINELS:
        return "missing", s.replace(".0", "", 1)
    if _UNKNOWN_MARKER.match(s):
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
    codes, uniq = pd.factorize(values.astype(str), use_na_sentinel=False)
    parsed = [parse_cell(u) for u in uniq]  # once per distinct text
    kind = np.array([p[0] for p in parsed] or [""], dtype=object)
    value = np.array(
        [p[1] if p[0] == "value" else np.nan for p in parsed] or [np.nan], dtype=float
    )
    marker = np.array(
        ["" if p[0] == "value" else str(p[1]) for p in parsed] or [""], dtype=object
    )
    return pd.DataFrame(
        {"kind": kind[codes], "value": value[codes], "marker": marker[codes]},
        index=values.index,
    )


def repeated_rows(frame: pd.DataFrame) -> tuple[np.ndarray, list]:
    """Rows identical, cell for cell, to an earlier row.

    Returns
    -------
    tuple
        A boolean mask of the repeats and, for each repeat in order, the
        index label of the row it repeats.

    Examples
    --------
    >>> f = pd.DataFrame({"a": ["1", "2", "1"], "b": ["x", "y", "x"]}, index=[2, 3, 4])
    >>> mask, first = repeated_rows(f)
    >>> mask.tolist(), first
    ([False, False, True], [2])
    """
    if frame.empty:
        return np.zeros(0, bool), []
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    dup = pd.Series(h).duplicated().to_numpy()
    if not dup.any():
        return dup, []
    first_at = pd.Series(frame.index, index=h)
    first_at = first_at[~first_at.index.duplicated()]
    return dup, [first_at[v].item() for v in h[dup]]


def read_csv_head(path, *, rows: int = 50) -> pd.DataFrame:
    """The header and first ``rows`` data rows of a delimited file, as text
    cells (for telling a file's format without parsing all of it)."""
    text, _ = read_text(path)
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    try:
        delim = csv.Sniffer().sniff(first_line + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        delim = ","
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            nrows=rows,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise DataValidationError(
                f"row has {m.group(3)} cells but the header has {m.group(1)}",
                file=path,
                row=int(m.group(2)),
            ) from exc
        raise DataValidationError(
            f"cannot read the file as a table: {' '.join(str(exc).split())}", file=path
        ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df
