"""A corpus of broken and hostile input files, built from small real-format samples.

Each :class:`Case` writes one file (or names a special path) into a folder and
says what must happen when it is loaded: a clear error whose message matches
``match`` (and names the file), or a load whose table passes ``check``. The
samples below are typed in the layouts of the public files described in
../shared/data/PROVENANCE.md (KIDS COUNT, SAIPE, NC report cards, data.census.gov
ACS tables, tidy CSV, County Health Rankings workbook); none of those files is
copied.

Run ``python tests/bad_input_corpus.py OUTDIR`` to write the corpus to disk.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# --- small samples in the real layouts -------------------------------------

TIDY = (
    "geo_id,geo_name,indicator,period,dimension,group,numerator,denominator,value\n"
    "37063,Durham County,low_birthweight,2021,race_ethnicity,Black,150,1200,\n"
    "37063,Durham County,low_birthweight,2021,race_ethnicity,White,90,1500,\n"
    "37063,Durham County,low_birthweight,2021,total,Total,300,3600,\n"
    "37183,Wake County,low_birthweight,2021,race_ethnicity,Black,260,2400,\n"
    "37183,Wake County,low_birthweight,2021,race_ethnicity,White,310,6000,\n"
    "37183,Wake County,low_birthweight,2021,total,Total,700,10500,\n"
)
TIDY_VALUES = (
    "geo_id,geo_name,indicator,period,dimension,group,value\n"
    "37063,Durham County,child_poverty,2021,race_ethnicity,Black,28.1\n"
    "37063,Durham County,child_poverty,2021,race_ethnicity,White,7.5\n"
    "37063,Durham County,child_poverty,2021,total,Total,16.2\n"
    "37183,Wake County,child_poverty,2021,total,Total,9.9\n"
)
KIDS_COUNT = (
    "LocationType,Location,Race,TimeFrame,DataFormat,Data\n"
    "State,North Carolina,Total,2021,Percent,0.19\n"
    "County,Durham,Black or African American,2021,Percent,0.31\n"
    "County,Durham,Non-Hispanic White,2021,Percent,0.06\n"
    "County,Durham,Total,2021,Percent,0.17\n"
    "County,Wake,Black or African American,2021,Percent,0.22\n"
    "County,Wake,Total,2021,Percent,0.09\n"
)
KIDS_COUNT_KY = (
    "LocationType,Location,TimeFrame,DataFormat,Data\n"
    "State,Kentucky,2015-2017,Percent,0.088\n"
    "County,Henderson,2015-2017,Percent,0.094\n"
    "County,Fayette,2015-2017,Percent,0.087\n"
)
SAIPE = (
    '"Year","ID","Name","Poverty Universe","Number in Poverty",'
    '"90% Confidence Interval","Percent in Poverty","90% Confidence Interval"\n'
    '"2021","37063","Durham County","318,500","41,000","37,000 to 45,000","12.9",'
    '"11.6 to 14.2"\n'
    '"2021","37183","Wake County","1,110,000","80,100","73,000 to 87,000","7.2",'
    '"6.6 to 7.8"\n'
)
REPORT_CARD = (
    "year,agency_code,cgr_type,subgroup,den,pct,masking\n"
    "2019,320LEA,STD,ALL,2400,84.1,\n"
    "2019,320LEA,STD,BL7,1100,81.0,\n"
    "2019,320LEA,STD,WH7,600,90.2,\n"
)
ACS = (
    '"GEO_ID","NAME","B19013B_001E","B19013B_001EA","B19013B_001M","B19013B_001MA",\n'
    '"Geography","Geographic Area Name","Estimate!!Median household income",'
    '"Annotation of Estimate!!Median household income",'
    '"Margin of Error!!Median household income",'
    '"Annotation of Margin of Error!!Median household income",\n'
    '"8600000US10001","ZCTA5 10001","44952","null","30850","null",\n'
    '"8600000US10002","ZCTA5 10002","31250","null","4200","null",\n'
)


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _xlsx(parts: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


_CT = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxml'
    b'formats.org/package/2006/content-types"></Types>'
)
_WB = b'<?xml version="1.0"?><workbook xmlns="x"><sheets/></workbook>'


def _tidy_xlsx(path: Path) -> None:
    import pandas as pd

    pd.read_csv(io.StringIO(TIDY), dtype=str).to_excel(path, index=False)


# --- the cases --------------------------------------------------------------


@dataclass
class Case:
    """One kind of broken input and what loading it must do.

    ``expect`` is ``"error"`` (a DataValidationError/FileNotFoundError whose text
    matches ``match``) or ``"ok"`` (``check(table, report)`` must pass).
    """

    name: str
    make: Callable[[Path], Path]
    expect: str
    match: str = ""
    check: Callable | None = None
    options: dict = field(default_factory=dict)
    cli: list = field(default_factory=list)
    names_file: bool = True


def _text(name: str, content: str, *, encoding="utf-8"):
    def make(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(content.encode(encoding))
        return p

    return make


def _bytes(name: str, content: bytes):
    def make(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(content)
        return p

    return make


def _value(table, geo, group, column="value"):
    t = table[
        (table["geo_id"].astype(str) == geo) & (table["group"].astype(str) == group)
    ]
    assert len(t) == 1, (geo, group, len(t))
    return float(t[column].iloc[0])


def _ok_tidy(table, report):
    assert _value(table, "37063", "Black") == 12.5  # 150 / 1200 births
    assert _value(table, "37183", "Total") == 700 / 10500 * 100
    assert report.rows_read == 6 and report.rows_rejected == 0


def _rejected(n, word):
    def check(table, report):
        assert report.rows_rejected == n, report.summary()
        assert any(word in r["reason"] for r in report.rejected), report.summary()

    return check


def _note(word, geo="37063", group="Black"):
    def check(table, report):
        t = table[
            (table["geo_id"].astype(str) == geo) & (table["group"].astype(str) == group)
        ]
        assert t["value"].isna().all()
        assert t["note"].astype(str).str.contains(word, regex=False).all(), t["note"]

    return check


def _fifo(folder: Path) -> Path:
    p = folder / "pipe.csv"
    os.mkfifo(p)
    return p


def _folder(folder: Path) -> Path:
    p = folder / "a_folder.csv"
    p.mkdir()
    return p


def _zip_bomb(folder: Path) -> Path:
    p = folder / "bomb.xlsx"
    parts = {
        "[Content_Types].xml": _CT,
        "xl/workbook.xml": _WB,
        "xl/worksheets/sheet1.xml": b"<sheetData>" + b" " * (50 * 1024**2) + b"</x>",
    }
    p.write_bytes(_xlsx(parts))
    return p


def _xml_bomb(folder: Path) -> Path:
    p = folder / "laughs.xlsx"
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">'
            % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b"]><worksheet>&lol9;</worksheet>"
    )
    parts = {
        "[Content_Types].xml": _CT,
        "xl/workbook.xml": _WB,
        "xl/worksheets/sheet1.xml": lol,
    }
    p.write_bytes(_xlsx(parts))
    return p


def _nested_zip(folder: Path) -> Path:
    p = folder / "nested.xlsx"
    inner = _xlsx({"a.txt": b"x" * 1000})
    parts = {"[Content_Types].xml": _CT, "xl/workbook.xml": _WB, "xl/inner.xml": inner}
    p.write_bytes(_xlsx(parts))
    return p


def _truncated_xlsx(folder: Path) -> Path:
    full = folder / "full.xlsx"
    _tidy_xlsx(full)
    data = full.read_bytes()
    full.unlink()
    p = folder / "cut.xlsx"
    p.write_bytes(data[: len(data) // 2])
    return p


def _good_xlsx(folder: Path) -> Path:
    p = folder / "tidy.xlsx"
    _tidy_xlsx(p)
    return p


def _renamed_xlsx(folder: Path) -> Path:
    p = folder / "looks_like.csv"  # a workbook with a CSV name
    _tidy_xlsx(p)
    return p


def _csv_named_xlsx(folder: Path) -> Path:
    p = folder / "really_text.xlsx"
    p.write_text(TIDY)
    return p


def _nul_late(folder: Path) -> Path:
    body = TIDY + "".join(
        f"37{i:03d},X,low_birthweight,2021,total,Total,10,100,\n"
        for i in range(1, 199, 2)
    )
    at = body.index("\n", 4200) + 5
    p = folder / "nul.csv"
    p.write_bytes(body[:at].encode() + b"\x00" + body[at:].encode())
    return p


def _cp1252(folder: Path) -> Path:
    p = folder / "cp1252.csv"
    txt = TIDY.replace("Durham County", "Doña Ana County").replace("37063", "35013")
    p.write_bytes(txt.encode("cp1252"))
    return p


def _random_bytes(folder: Path) -> Path:
    p = folder / "random.csv"
    p.write_bytes(
        np.random.default_rng(1).integers(1, 256, 3000, dtype=np.uint8).tobytes()
    )
    return p


def _big_limit(folder: Path) -> Path:
    p = folder / "big.csv"
    p.write_text(TIDY)
    return p


def _ok_cp1252(table, report):
    assert "Doña Ana County" in set(table["geo_name"].astype(str))


def _ok_props(table, report):
    assert _value(table, "37063", "Black") == 28.1
    assert any("proportions" in w for w in report.warnings)


def _ok_name_kept(table, report):
    names = set(
        table.loc[table["geo_id"].astype(str) == "37063", "geo_name"].astype(str)
    )
    assert names == {"Wake County"}
    assert any("not the name of FIPS 37063" in w for w in report.warnings)


def _ok_dup(table, report):
    assert report.rows_rejected == 1 and "repeats row" in report.rejected[0]["reason"]
    assert _value(table, "37063", "Black", "numerator") == 150  # not doubled


def _ok_sentinel(table, report):
    assert np.isnan(_value(table, "37063", "Black"))
    note = table.loc[table["group"].astype(str) == "Black", "note"].astype(str)
    assert note.str.contains("Census code -666666666").any()


def _ok_kids_count(table, report):
    assert abs(_value(table, "37063", "Black") - 31.0) < 1e-9
    assert report.rows_read == 6


def _ok_totals_only(table, report):
    assert set(table["dimension"].astype(str)) == {"total"}
    assert len(table) == 3


def _ok_acs_marker(table, report):
    z = table[table["geo_id"].astype(str) == "Z10001"]
    assert z["value"].isna().all()


def _ok_crlf(table, report):
    _ok_tidy(table, report)


def _ok_formula(table, report):
    assert '=HYPERLINK("http://evil")' in set(table["geo_name"].astype(str))


def _ok_hidden_small(table, report):
    assert bool(table.loc[table["group"].astype(str) == "Black", "suppressed"].iloc[0])


def _tidy_line(i: int) -> str:
    return TIDY.splitlines()[i]


CASES: list[Case] = [
    Case("tidy_ok", _text("tidy.csv", TIDY), "ok", check=_ok_tidy),
    Case("empty_file", _text("empty.csv", ""), "error", "empty"),
    Case("whitespace_only", _text("blank.csv", " \n\n  \n"), "error", "empty"),
    Case(
        "header_only",
        _text("header.csv", TIDY.splitlines()[0] + "\n"),
        "error",
        "no data rows",
    ),
    Case("nul_byte_after_4k", _nul_late, "error", r"NUL byte at line \d+"),
    Case(
        "utf16_bom", _text("utf16.csv", TIDY, encoding="utf-16"), "ok", check=_ok_tidy
    ),
    Case(
        "utf16le_no_bom",
        _text("utf16le.csv", TIDY, encoding="utf-16-le"),
        "ok",
        check=_ok_tidy,
    ),
    Case("cp1252_names", _cp1252, "ok", check=_ok_cp1252),
    Case("random_bytes", _random_bytes, "error", "."),
    Case(
        "crlf_line_ends",
        _text("crlf.csv", TIDY.replace("\n", "\r\n")),
        "ok",
        check=_ok_crlf,
    ),
    Case(
        "semicolon_delimited",
        _text("semi.csv", TIDY.replace(",", ";")),
        "ok",
        check=_ok_tidy,
    ),
    Case("xlsx_ok", _good_xlsx, "ok", check=_ok_tidy),
    Case("xlsx_with_csv_name", _renamed_xlsx, "ok", check=_ok_tidy),
    Case("csv_with_xlsx_name", _csv_named_xlsx, "ok", check=_ok_tidy),
    Case(
        "xlsx_corrupt",
        _bytes("corrupt.xlsx", b"PK\x03\x04" + b"garbage" * 50),
        "error",
        "not a readable Excel workbook",
    ),
    Case("xlsx_truncated", _truncated_xlsx, "error", "not a readable Excel workbook"),
    Case(
        "zip_not_workbook",
        _bytes("plain.xlsx", _xlsx({"readme.txt": b"hello"})),
        "error",
        "not an Excel workbook",
    ),
    Case(
        "xls_old_binary",
        _bytes("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        "error",
        r"\.xls",
    ),
    Case("xml_bomb", _xml_bomb, "error", "XML bomb"),
    Case("zip_bomb", _zip_bomb, "error", "zip bomb"),
    Case("nested_zip", _nested_zip, "error", "nested"),
    Case("directory", _folder, "error", "folder"),
    Case("fifo", _fifo, "error", "pipe"),
    Case("dev_zero", lambda folder: Path("/dev/zero"), "error", "device"),
    Case("missing_file", lambda folder: folder / "nope.csv", "error", "no such file"),
    Case("too_large", _big_limit, "error", "over the", options={"_max_bytes": 100}),
    Case(
        "ragged_long_row",
        _text("long.csv", _replace(TIDY, ",90,1500,\n", ",90,1500,,7\n")),
        "error",
        r"row 3.*8 cells|has 10 cells",
    ),
    Case(
        "short_row",
        _text("short.csv", _replace(TIDY, ",White,90,1500,\n", ",White\n")),
        "error",
        r"row 3.*numerator",
    ),
    Case(
        "truncated_last_row",
        _text("cut.csv", TIDY[: TIDY.rindex("Total")]),
        "error",
        "cut off",
    ),
    Case(
        "duplicate_header",
        _text(
            "duphead.csv",
            _replace(TIDY, "value\n", "value,value\n").replace(",\n", ",,\n"),
        ),
        "error",
        "twice",
    ),
    Case(
        "percent_250",
        _text("p250.csv", _replace(TIDY_VALUES, "28.1", "250")),
        "ok",
        check=_rejected(1, "250 is not a percent"),
    ),
    Case(
        "percent_negative",
        _text("pneg.csv", _replace(TIDY_VALUES, "28.1", "-3")),
        "ok",
        check=_rejected(1, "-3 is not a percent"),
    ),
    Case(
        "saipe_1060",
        _text("saipe.csv", _replace(SAIPE, '"12.9"', '"1060"')),
        "ok",
        check=_rejected(1, "1060 is not a percent"),
    ),
    Case(
        "proportions_for_percents",
        _text(
            "props.csv",
            TIDY_VALUES.replace("28.1", "0.281")
            .replace("7.5", "0.075")
            .replace("16.2", "0.162")
            .replace("9.9", "0.099"),
        ),
        "ok",
        check=_ok_props,
    ),
    Case(
        "mixed_scales",
        _text(
            "mixed.csv", TIDY_VALUES.replace("28.1", "0.281").replace("7.5", "0.075")
        ),
        "error",
        "proportions",
    ),
    Case(
        "decimal_comma",
        _text("comma.csv", TIDY_VALUES.replace(",", ";").replace("28.1", "28,1")),
        "error",
        "decimal comma",
    ),
    Case(
        "reversed_interval",
        _text("rev.csv", _replace(SAIPE, "11.6 to 14.2", "15.5 to 12.5")),
        "ok",
        check=_rejected(1, "reversed"),
    ),
    Case(
        "census_sentinel",
        _text("sent.csv", _replace(TIDY_VALUES, "28.1", "-666666666")),
        "ok",
        check=_ok_sentinel,
    ),
    Case(
        "unknown_marker",
        _text("mark.csv", _replace(TIDY_VALUES, "28.1", "N/A+")),
        "ok",
        check=_note("N/A+"),
    ),
    Case(
        "acs_markers",
        _text(
            "ACSDT5Y2019.B19013B-Data.csv",
            _replace(ACS, '"44952","null"', '"-","N/A+"'),
        ),
        "ok",
        check=_ok_acs_marker,
    ),
    Case(
        "fips_not_a_county",
        _text("f999.csv", TIDY_VALUES.replace("37183", "37999")),
        "ok",
        check=_rejected(1, "37999 is not a county of North Carolina"),
    ),
    Case(
        "fips_not_a_state",
        _text("f99.csv", TIDY_VALUES.replace("37183", "99063")),
        "ok",
        check=_rejected(1, "99 is not a state"),
    ),
    Case(
        "name_disagrees_with_fips",
        _text("wake.csv", TIDY_VALUES.replace("Durham County", "Wake County")),
        "ok",
        check=_ok_name_kept,
    ),
    Case(
        "year_1018",
        _text(
            "y1018.csv",
            TIDY_VALUES.replace(",2021,total,Total,9.9", ",1018,total,Total,9.9"),
        ),
        "ok",
        check=_rejected(1, "1018"),
    ),
    Case(
        "year_2919",
        _text(
            "y2919.csv",
            TIDY_VALUES.replace(",2021,total,Total,9.9", ",2919,total,Total,9.9"),
        ),
        "ok",
        check=_rejected(1, "2919"),
    ),
    Case(
        "reversed_span",
        _text(
            "span.csv",
            TIDY_VALUES.replace(",2021,total,Total,9.9", ",2021-2019,total,Total,9.9"),
        ),
        "error",
        "ends before it starts",
    ),
    Case(
        "repeated_row_tidy",
        _text("dup.csv", TIDY + _tidy_line(1) + "\n"),
        "ok",
        check=_ok_dup,
    ),
    Case(
        "repeated_row_report_card",
        _text("rcdup.csv", REPORT_CARD + REPORT_CARD.splitlines()[2] + "\n"),
        "error",
        "repeats row 3",
    ),
    Case(
        "conflicting_duplicate_key",
        _text("conf.csv", TIDY + _tidy_line(1).replace(",150,", ",151,") + "\n"),
        "error",
        "duplicate key .* different values",
    ),
    Case(
        "unknown_indicator",
        _text("ind.csv", TIDY.replace("low_birthweight", "happiness")),
        "error",
        "unknown indicator",
    ),
    Case(
        "unknown_group",
        _text("grp.csv", _replace(TIDY, ",White,90", ",Martians,90")),
        "ok",
        check=_rejected(1, "Martians"),
    ),
    Case(
        "negative_count",
        _text("neg.csv", _replace(TIDY, ",150,1200", ",-150,1200")),
        "ok",
        check=_rejected(1, "negative"),
    ),
    Case(
        "numerator_over_denominator",
        _text("over.csv", _replace(TIDY, ",150,1200", ",1500,1200")),
        "ok",
        check=_rejected(1, "greater than"),
    ),
    Case(
        "not_a_number",
        _text("nan.csv", _replace(TIDY, ",150,1200", ",abc,1200")),
        "ok",
        check=_rejected(1, "not a number"),
    ),
    Case(
        "kids_count_ok",
        _text("children_in_poverty_kc.csv", KIDS_COUNT),
        "ok",
        check=_ok_kids_count,
    ),
    Case(
        "kids_count_short_row",
        _text(
            "children_in_poverty_short.csv",
            _replace(KIDS_COUNT, "2021,Percent,0.06\n", "2021\n"),
        ),
        "error",
        "cells but the header has",
    ),
    Case(
        "kids_count_swapped_columns",
        _text(
            "children_in_poverty_swap.csv",
            KIDS_COUNT.replace(
                "LocationType,Location,Race,TimeFrame,DataFormat,Data",
                "LocationType,Data,Race,TimeFrame,DataFormat,Location",
            ),
        ),
        "error",
        "none of the 6 rows could be used",
    ),
    Case(
        "kids_count_totals_only",
        _text("low_birthweight_ky.csv", KIDS_COUNT_KY),
        "ok",
        check=_ok_totals_only,
    ),
    Case(
        "kids_count_other_state_cli",
        _text("low_birthweight_ky2.csv", KIDS_COUNT_KY),
        "cli_error",
        "not NC",
        cli=["counties", "--state", "NC"],
    ),
    Case(
        "formula_in_name",
        _text(
            "formula.csv",
            TIDY.replace("Durham County", '"=HYPERLINK(""http://evil"")"'),
        ),
        "ok",
        check=_ok_formula,
    ),
    Case(
        "small_count_hidden",
        _text("small.csv", _replace(TIDY, ",150,1200", ",3,8")),
        "ok",
        check=_ok_hidden_small,
    ),
    Case("report_card_ok", _text("rc.csv", REPORT_CARD), "ok", check=lambda t, r: None),
]


def write_corpus(folder) -> dict[str, Path]:
    """Write every case that makes a file into ``folder``; return paths by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for case in CASES:
        sub = folder / case.name
        sub.mkdir(exist_ok=True)
        out[case.name] = case.make(sub)
    return out


if __name__ == "__main__":  # pragma: no cover
    for name, path in write_corpus(
        sys.argv[1] if len(sys.argv) > 1 else "corpus"
    ).items():
        print(f"{name}: {path}")
