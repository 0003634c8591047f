"""Writing outputs safely: file names from data, and spreadsheet-safe CSVs.

Place names come from data files, so they may hold anything: ``../``, a
slash (a real name such as "Lewis and Clark/Helena"), control characters or a
formula. :func:`safe_slug` turns a name into a file name that stays in the
folder it is put in; :func:`write_csv` writes a table whose text cells cannot
run as formulas when the CSV is opened in a spreadsheet (OWASP, "CSV
Injection": prefix cells beginning with ``=``, ``+``, ``-``, ``@``, tab or
carriage return with a single quote).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

__all__ = ["safe_slug", "safe_output_path", "neutralise_formulas", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_SLUG = 80


def safe_slug(name, fallback: str) -> str:
    """Return a file-name-safe slug of ``name``, or of ``fallback`` when empty.

    Only ASCII letters, digits, ``_`` and ``-`` survive; accents are folded
    ("Doña Ana" -> ``Dona_Ana``); anything else becomes one ``_``; the slug never
    starts with ``.`` or ``-`` and is at most 80 characters.

    Parameters
    ----------
    name : str
        A place name from the data.
    fallback : str
        Used when the name leaves nothing (e.g. the FIPS code).

    Returns
    -------
    str
        Never empty, never ``.``/``..``, never containing ``/`` or ``\\``.

    Examples
    --------
    >>> safe_slug("../../etc/passwd", "37063")
    'etc_passwd'
    >>> safe_slug("Doña Ana County", "35013"), safe_slug("///", "35013")
    ('Dona_Ana_County', '35013')
    """
    slug = _slugify(name)
    if not slug:
        slug = _slugify(fallback)
    return slug or "place"


def _slugify(text) -> str:
    text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", text)
    text = re.sub(r"_+", "_", text).strip("_.-")
    return text[:_MAX_SLUG].rstrip("_.-")


def safe_output_path(out_dir, name, fallback: str, suffix: str) -> Path:
    """``out_dir / (safe_slug(name) + suffix)``, checked to lie inside ``out_dir``.

    Raises
    ------
    ValueError
        If the result would be outside ``out_dir`` (cannot happen with a
        slug; the check guards against later edits).
    """
    base = Path(out_dir).resolve()
    path = (base / f"{safe_slug(name, fallback)}{suffix}").resolve()
    if base not in path.parents:
        raise ValueError(f"refusing to write {path} outside {base}")
    return path


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot start a spreadsheet formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
    a leading single quote; numbers (numeric columns, and numbers in text such
    as ``-3.5``) are untouched. Column names are treated the same way.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["=HYPERLINK(1)", "Wake", "-3.5"], "v": [-1, 2, 3]})
    >>> neutralise_formulas(df)["name"].tolist()
    ["'=HYPERLINK(1)", 'Wake', '-3.5']
    """
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = [_neutral(v) for v in col.cat.categories]
            if len(set(cats)) == len(cats):
                out[c] = col.cat.rename_categories(cats)
                continue
            col = col.astype(object)
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[c] = col.map(_neutral)
    out.columns = [_neutral(c) for c in out.columns]
    return out


def _neutral(value):
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    try:
        float(value)
        return value  # a number written as text, e.g. "-3.5"
    except ValueError:
        return "'" + value


def write_csv(frame: pd.DataFrame, path, **kwargs) -> Path:
    """Write ``frame`` as a spreadsheet-safe CSV (see :func:`neutralise_formulas`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write (not modified).
    path : str or Path
        Where to write it.
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv` (``index=False`` and the
        RFC 4180 line end ``\r\n`` by default, so a cell holding a carriage
        return is quoted and cannot split its row).

    Returns
    -------
    pathlib.Path
    """
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\r\n")
    path = Path(path)
    neutralise_formulas(frame).to_csv(path, **kwargs)
    return path
