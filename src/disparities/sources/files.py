"""Opening input files safely: regular files only, size limits, workbook checks.

Every loader reads through here first, so a pipe, a device (``/dev/zero``), a
folder, a huge file, a damaged or hostile workbook each stop at once with one
sentence naming the file, instead of hanging, exhausting memory or ending in a
stack trace from a library.

Workbooks (``.xlsx``) are zip archives of XML. Before openpyxl parses one,
:func:`check_workbook` checks that it is a readable zip holding a workbook,
that no member unpacks to more than :data:`MAX_UNZIPPED_BYTES` in total or
expands more than :data:`MAX_COMPRESSION_RATIO` times (a "zip bomb"), that no
member is itself an archive, and that no XML part declares entities or a DTD
(the "billion laughs" XML bomb; Excel never writes them).
"""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
from pathlib import Path

from disparities.schema import DataValidationError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_COMPRESSION_RATIO",
    "check_input_file",
    "read_file_bytes",
    "check_workbook",
    "is_workbook",
    "read_errors",
    "excel_engine",
    "WORKBOOK_ERRORS",
]

#: Largest input file read (bytes); a national 10-million-row tidy CSV is ~1 GB.
MAX_FILE_BYTES = 2 * 1024**3
#: Largest total size of a workbook's unpacked parts (bytes).
MAX_UNZIPPED_BYTES = 1024**3
#: Largest unpacked/packed size ratio of a workbook part above 1 MB.
MAX_COMPRESSION_RATIO = 200
_ARCHIVE_SIGNATURES = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")


def check_input_file(path, *, max_bytes: int | None = None) -> Path:
    """Check that ``path`` is a regular, non-empty file of a sensible size.

    Never opens the file, so a FIFO cannot block and a device cannot be read.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        When nothing is there.
    DataValidationError
        For a folder, a pipe, a device or socket, an empty file or one over
        ``max_bytes``.
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {p}") from None
    except OSError as exc:
        raise DataValidationError(
            f"cannot open the file: {exc.strerror}", file=p
        ) from exc
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise DataValidationError("this is a folder, not a data file", file=p)
    if not stat.S_ISREG(mode):
        kind = (
            "a pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise DataValidationError(
            f"this is {kind}, not a regular file; only regular files are read", file=p
        )
    if st.st_size == 0:
        raise DataValidationError("the file is empty", file=p)
    if st.st_size > max_bytes:
        raise DataValidationError(
            f"the file is {_size(st.st_size)}, over the {_size(max_bytes)} limit "
            "(split it, or raise disparities.sources.files.MAX_FILE_BYTES)",
            file=p,
        )
    return p


def _size(n: int) -> str:
    """A byte count for people: ``"1.5 GB"``, ``"12 MB"``, ``"900 bytes"``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}".replace(".0 ", " ")
    return f"{n:,} bytes"


def read_file_bytes(path, *, max_bytes: int | None = None) -> bytes:
    """Read a checked regular file (see :func:`check_input_file`), never more
    than ``max_bytes`` even if it grows while being read."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    p = check_input_file(path, max_bytes=max_bytes)
    with open(p, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DataValidationError(
            "the file grew past the size limit while read", file=p
        )
    return data


def is_workbook(path) -> bool:
    """True when the file starts like a zip archive (an ``.xlsx``) or an old
    binary ``.xls`` (OLE2)."""
    with open(check_input_file(path), "rb") as fh:
        head = fh.read(8)
    return head.startswith(b"PK") or head.startswith(b"\xd0\xcf\x11\xe0")


def check_workbook(path) -> Path:
    """Refuse a damaged, non-workbook or hostile ``.xlsx`` before it is parsed.

    Raises
    ------
    DataValidationError
        One sentence naming the file (and the part of the archive at fault).
    """
    p = check_input_file(path)
    with open(p, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataValidationError(
            "this is an old binary Excel file (.xls); save it as .xlsx or .csv", file=p
        )
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataValidationError(
            f"not a readable Excel workbook: the file is damaged or not an .xlsx ({exc})",
            file=p,
        ) from exc
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise DataValidationError(
                "a zip archive but not an Excel workbook (no xl/workbook.xml inside)",
                file=p,
            )
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024**2 and ratio > MAX_COMPRESSION_RATIO:
                raise DataValidationError(
                    f"part {info.filename!r} unpacks {ratio:,.0f} times larger than "
                    "it is stored (a zip bomb?); refusing to open the workbook",
                    file=p,
                )
            if info.flag_bits & 0x1:
                raise DataValidationError(
                    "the workbook is encrypted (password-protected); save an "
                    "unprotected copy",
                    file=p,
                )
        if total > MAX_UNZIPPED_BYTES:
            raise DataValidationError(
                f"the workbook unpacks to {total / 1e6:,.0f} MB, over the "
                f"{MAX_UNZIPPED_BYTES / 1e6:,.0f} MB limit; refusing to open it",
                file=p,
            )
        for info in infos:
            try:
                with zf.open(info) as member:
                    head = member.read(4096)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise DataValidationError(
                    f"part {info.filename!r} of the workbook is damaged ({exc})", file=p
                ) from exc
            if head.startswith(_ARCHIVE_SIGNATURES) and not info.filename.endswith(
                (".bin", ".png", ".jpeg", ".jpg", ".emf", ".wmf", ".gif")
            ):
                raise DataValidationError(
                    f"part {info.filename!r} is itself an archive (nested zip); "
                    "refusing to open the workbook",
                    file=p,
                )
            if info.filename.endswith((".xml", ".rels", ".vml")):
                low = head.lower()
                if b"<!doctype" in low or b"<!entity" in low:
                    raise DataValidationError(
                        f"part {info.filename!r} declares XML entities (an 'XML "
                        "bomb'; Excel never writes these); refusing to open it",
                        file=p,
                    )
    return p


def excel_engine() -> str:
    """The pandas engine for reading big, known workbooks (CHR's).

    ``"calamine"`` (python-calamine, a Rust reader: a CHR workbook's data
    sheets in 0.06 s instead of openpyxl's 0.4 s, the same cell values) where
    installed, else ``"openpyxl"``. :func:`check_workbook` runs first either way.
    """
    try:
        import python_calamine  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency; kept for old installs
        return "openpyxl"
    return "calamine"


def _workbook_errors() -> tuple:
    try:
        from python_calamine import CalamineError
    except ImportError:  # pragma: no cover
        return ()
    return (CalamineError,)


#: Errors a workbook reader raises on a damaged file (besides zip/XML errors).
WORKBOOK_ERRORS = _workbook_errors()


@contextlib.contextmanager
def read_errors(path):
    """Turn a library's failure on a bad file into one sentence naming the file.

    Wraps a load: a file check runs first (regular file, size, workbook),
    and errors that only a malformed file can cause (a damaged zip, bad XML,
    undecodable text, a CSV parser error) become :class:`DataValidationError`
    with the original kept as ``__cause__`` (``--debug`` shows it).
    """
    import xml.etree.ElementTree as ET

    import pandas as pd

    check_input_file(path)
    if is_workbook(path):
        check_workbook(path)
    try:
        yield
    except (
        zipfile.BadZipFile,
        ET.ParseError,
        UnicodeError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        EOFError,
        *WORKBOOK_ERRORS,
    ) as exc:
        raise DataValidationError(
            f"the file cannot be read ({type(exc).__name__}: {exc})", file=path
        ) from exc
