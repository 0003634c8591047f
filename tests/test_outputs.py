"""Outputs stay where they are put; CSVs cannot run formulas in a spreadsheet."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from disparities.outputs import safe_output_path, safe_slug, write_csv

HOSTILE = [
    "../../../tmp/evil",
    "..",
    ".",
    "/etc/passwd",
    "Lewis and Clark/Helena",
    "a\\b\\..\\c",
    '=HYPERLINK("http://x")',
    "\x00\x1b[31mred",
    "",
    "   ",
    "/",
    "東京",
    "Doña Ana County",
    "-rf",
    "x" * 500,
]


@pytest.mark.parametrize("name", HOSTILE)
def test_slug_is_a_plain_file_name(name, tmp_path):
    slug = safe_slug(name, "37063")
    assert slug and slug not in {".", ".."}
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert slug.isascii() and len(slug) <= 80
    assert not slug.startswith(("-", "."))
    path = safe_output_path(tmp_path, name, "37063", ".html")
    assert path.parent == tmp_path.resolve()


def test_slug_examples():
    assert safe_slug("Lewis and Clark/Helena", "30049") == "Lewis_and_Clark_Helena"
    assert safe_slug("../..", "37063") == "37063"
    assert safe_slug("東京", "") == "place"


def test_write_csv_neutralises_formulas(tmp_path):
    df = pd.DataFrame(
        {
            "geo_name": ["=1+1", "+SUM(A1)", "-cmd", "@x", "\tTab", "\rCR", "Wake"],
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
            "label": pd.Categorical(["-3.5", "a", "b", "c", "d", "e", "=f"]),
        }
    )
    p = write_csv(df, tmp_path / "out.csv")
    with open(p, newline="") as fh:
        rows = list(csv.reader(fh))
    names = [r[0] for r in rows[1:]]
    assert names == ["'=1+1", "'+SUM(A1)", "'-cmd", "'@x", "'\tTab", "'\rCR", "Wake"]
    assert [r[1] for r in rows[1:]] == [
        "-1.5",
        "2.0",
        "-3.0",
        "4.0",
        "5.0",
        "6.0",
        "7.0",
    ]
    assert rows[1][2] == "-3.5" and rows[7][2] == "'=f"
    assert df.loc[0, "geo_name"] == "=1+1"  # the caller's frame is unchanged
