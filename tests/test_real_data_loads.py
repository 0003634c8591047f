"""Loading, combining and describing the real files in ../shared/data.

Expected values are read off the files themselves (with openpyxl / the csv
module, not the loaders) or quoted from ../shared/data/PROVENANCE.md.
Every test skips only where ../shared/data is absent.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from disparities.loaders import load_data

pytestmark = pytest.mark.filterwarnings(
    "ignore::disparities.sources.load_report.DataWarning"
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHR = {y: SHARED / f"chr{y}_nc_county_health_rankings_v1.xlsx" for y in (2021, 2022)}
VA_LBW = SHARED / "va_equitycenter_low_birthweight_by_race_vdh_2000-2020.csv"
VA_POV = SHARED / "va_equitycenter_child_poverty_by_race_acs_B17001_2010-2021.csv"
MAP_EXAMPLE = (
    Path(__file__).resolve().parents[1] / "docs/examples/va_low_birthweight.map.toml"
)


def need(*paths):
    for p in paths:
        if not p.exists():
            pytest.skip(f"{p} is not here (a user's clone has no ../shared/data)")


def cell(path, sheet, fips, label):
    """A value read straight from the workbook: the row whose FIPS is ``fips``,
    the first column whose second header row is ``label``."""
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True, data_only=True)[sheet]
    rows = ws.iter_rows(values_only=True)
    next(rows)
    header = [str(h).strip() if h is not None else "" for h in next(rows)]
    col = header.index(label)
    for r in rows:
        if str(r[0]).strip() == fips:
            return r[col]
    raise KeyError(fips)


def rows(t, geo=None, ind=None, group=None, period=None, dim=None):
    m = np.ones(len(t), dtype=bool)
    for col, want in (
        ("geo_id", geo),
        ("indicator", ind),
        ("group", group),
        ("period", period),
        ("dimension", dim),
    ):
        if want is not None:
            m &= (t[col].astype(str) == want).to_numpy()
    return t[m]


@pytest.fixture(scope="module")
def chr_both():
    need(*CHR.values())
    return load_data([CHR[2021], CHR[2022]])


# ---- CHR 2021 + 2022 ----------------------------------------------------------------


def test_chr_releases_combine_into_two_periods_per_measure(chr_both):
    t, report = chr_both
    durham = rows(t, geo="37063")
    # each measure keeps its own data years (Sources & Years sheets, PROVENANCE.md)
    expected = {
        "low_birthweight": {"2013-2019", "2014-2020"},
        "teen_births": {"2013-2019", "2014-2020"},
        "infant_mortality": {"2013-2019", "2014-2020"},
        "child_mortality": {"2016-2019", "2017-2020"},
    }
    for ind, periods in expected.items():
        for dim in ("total", "race_ethnicity"):
            got = set(rows(durham, ind=ind, dim=dim).period.astype(str))
            assert got == periods, (ind, dim, got)
    # race values from ACS 5-year carry the span; the SAIPE total its single year
    for ind in ("child_poverty", "median_household_income"):
        assert set(rows(durham, ind=ind, dim="race_ethnicity").period.astype(str)) == {
            "2015-2019",
            "2016-2020",
        }
        assert set(rows(durham, ind=ind, dim="total").period.astype(str)) == {
            "2019",
            "2020",
        }
    # PROVENANCE.md: Durham % children in poverty, Black 29.62 (2021), 24.31 (2022)
    black = rows(durham, ind="child_poverty", group="Black")
    by_period = dict(zip(black.period.astype(str), black.value, strict=True))
    assert by_period["2015-2019"] == pytest.approx(29.62, abs=0.005)
    assert by_period["2016-2020"] == pytest.approx(24.31, abs=0.005)
    note = rows(durham, ind="child_poverty", group="Black", period="2015-2019")
    assert "ACS 5-year estimate 2015-2019" in note.note.item()
    total = rows(durham, ind="child_poverty", group="Total", period="2019")
    assert "SAIPE single-year estimate 2019" in total.note.item()
    # both releases repeat the 2018 reading and math scores: kept once, counted
    assert set(rows(durham, ind="reading_grade_performance").period.astype(str)) == {
        "2018"
    }
    merged = [d for d in report.dropped if d["rule"].startswith("identical")]
    assert merged and "reading_grade_performance 2018" in merged[0]["where"]
    assert "math_grade_performance 2018" in merged[0]["where"]
    # one series: one source label naming both releases; the release per row
    assert set(t.source.astype(str)) == {"County Health Rankings 2021, 2022"}
    lab = rows(durham, ind="low_birthweight", group="Black", period="2013-2019")
    assert lab.source_label.item().startswith("2021 release: ")


def test_load_report_arithmetic_holds(chr_both):
    t, report = chr_both
    for part in report.parts:
        # source rows: every row read is kept or rejected
        assert part.rows_read == part.rows_kept + part.rows_rejected == 101
        assert part.rows_rejected == 0
    # observations: read = kept + merged/superseded + rejected
    n_in = sum(len(load_data(p)[0]) for p in CHR.values())
    assert report.rows_read == n_in
    assert report.rows_read == (
        report.rows_kept + report.rows_dropped + report.rows_rejected
    )
    assert report.rows_kept == len(t)
    # the suppressed count is the blank cells kept as suppressed rows
    assert sum(p.rows_suppressed for p in report.parts) >= t.suppressed.sum() > 0


def test_context_rows_for_every_county(chr_both):
    t, _ = chr_both
    ctx = ["population", "pct_under_18", "children_under_18", "pct_rural"]
    for period in ("2019", "2020"):
        for ind in ctx[:3]:
            got = rows(t, ind=ind, period=period)
            assert got.geo_id.nunique() == 101, (ind, period)  # 100 counties + NC
        shares = rows(t, ind="population_share", period=period)
        assert shares.groupby("geo_id", observed=True).size().eq(6).all()
        assert shares.geo_id.nunique() == 101
    assert rows(t, ind="pct_rural").geo_id.nunique() == 101  # Census 2010, merged
    # Durham, read straight off the workbook cells
    pop = cell(CHR[2021], "Additional Measure Data", "37063", "Population")
    u18 = cell(
        CHR[2021], "Additional Measure Data", "37063", "% Less Than 18 Years of Age"
    )
    black = cell(CHR[2021], "Additional Measure Data", "37063", "# Black")
    assert pop == 321488
    d = rows(t, geo="37063", period="2019")
    assert rows(d, ind="population").value.item() == pop
    assert rows(d, ind="pct_under_18").value.item() == pytest.approx(u18)
    child = rows(d, ind="children_under_18")
    assert child.value.item() == round(pop * u18 / 100)
    assert "derived" in child.note.item()
    share = rows(d, ind="population_share", group="Black")
    assert share.numerator.item() == black and share.denominator.item() == pop
    assert share.value.item() == pytest.approx(black / pop * 100, rel=1e-6)
    # census counts are not "small numbers": no reliability flag on context rows
    from disparities.catalog import context_indicator_ids

    assert not t[t.indicator.astype(str).isin(context_indicator_ids())].unreliable.any()


def test_context_rows_never_reach_the_comparisons(chr_both):
    from disparities.gaps import compute_gaps

    t, _ = chr_both
    g = compute_gaps(rows(t, geo="37063"))
    assert not set(g.indicator.astype(str)) & {"population_share", "population"}


# ---- places, groups and reasons -----------------------------------------------------


@pytest.mark.parametrize(
    "name, fips",
    [
        ("Commonwealth Of Virginia", "51"),
        ("COMMONWEALTH OF VIRGINIA", "51"),
        ("State of North Carolina", "37"),
        ("north carolina", "37"),
        ("NC", "37"),
        ("Kentucky State", "21"),
        ("Albemarle County", None),
    ],
)
def test_state_rows_recognised_in_any_spelling(name, fips):
    from disparities.geography import state_from_place_name

    found = state_from_place_name(name)
    assert (found[0] if found else None) == fips


def test_mapping_file_end_to_end_through_the_cli(capsys):
    need(VA_LBW)
    from disparities.cli import main

    assert main(["counties", "--data", str(VA_LBW), "--map", str(MAP_EXAMPLE)]) == 0
    out = capsys.readouterr().out
    # the state row is spelled "Commonwealth Of Virginia" in the file
    assert "51  Commonwealth Of Virginia" in out and "state" in out
    assert "51540" in out and "51003" in out
    # values as published: Charlottesville City 2020, all births (read with csv)
    from disparities.sources.column_map import read_column_map

    opts = read_column_map(MAP_EXAMPLE)
    state = opts.pop("state")
    t, rep = load_data(VA_LBW, source="tidy", state=state, **opts)
    with VA_LBW.open(encoding="utf-8-sig") as f:
        src = [
            r
            for r in csv.DictReader(f)
            if r["locality"] == "Charlottesville City" and r["year"] == "2020"
        ]
    want = {r["group"]: float(r["percent"]) for r in src}
    got = rows(t, geo="51540", period="2020")
    assert rows(got, group="Total").value.item() == want["all"]
    # "other" has 0 events (under 10): hidden, and Black (15) with it, since
    # total - white - black would give "other" away (complementary suppression)
    black = rows(got, group="Black")
    assert black.suppressed.item() and np.isnan(black.value.item())
    assert "cannot be worked out from the total" in black.note.item()
    white = rows(got, group="White alone (incl. Hispanic)")
    assert white.value.item() == want["white"]
    assert rep.rows_read == rep.rows_kept == 252


def test_white_alone_kept_distinct_and_never_the_reference():
    need(VA_POV)
    from disparities.gaps import compute_gaps
    from disparities.sources.column_map import read_column_map

    opts = read_column_map(MAP_EXAMPLE.with_name("va_child_poverty.map.toml"))
    t, _ = load_data(VA_POV, source="tidy", **opts)
    wa = rows(t, group="White alone (incl. Hispanic)")
    assert len(wa) > 0 and not rows(t, group="White").size
    assert wa.note.astype(str).str.contains("includes Hispanic").all()
    # ACS 5-year: "2021" is 2017-2021; Charlottesville 2021 Black 983/1,889 = 52.04%
    # and white alone 604/4,332 = 13.94% (PROVENANCE.md)
    c = rows(t, geo="51540", period="2017-2021")
    assert rows(c, group="Black").value.item() == pytest.approx(52.04, abs=0.005)
    assert rows(c, group="White alone (incl. Hispanic)").value.item() == pytest.approx(
        13.94, abs=0.005
    )
    g = compute_gaps(t)
    assert "White alone (incl. Hispanic)" not in set(g.reference_group.astype(str))
    # without the override, a bare "white" label is read as White but reported
    _, rep = load_data(
        VA_POV, source="tidy", mapping=opts["mapping"], indicator="child_poverty"
    )
    assert any("'white'" in n and "White alone" in n for n in rep.notes)


def test_school_masking_reason_is_masking():
    p = SHARED / "ncdpi_src_rcd_acc_cgr_grad_rate_by_subgroup_2019.csv"
    need(p)
    t, _ = load_data(p)
    masked = t[t.note.astype(str).str.contains("masked")]
    assert len(masked) > 0
    assert masked.note.astype(str).str.startswith("masked by the source (").all()
    assert not masked.note.astype(str).str.contains("small numbers").any()
    # the state rows count every masked school value the file holds (read with csv)
    import re

    from disparities.harmonize import GROUP_CROSSWALK

    with p.open() as f:
        kept = [
            r
            for r in csv.DictReader(f)
            if r["cgr_type"] == "STD" and r["subgroup"].lower() in GROUP_CROSSWALK
        ]
    over = sum(r["masking"].strip() == "1.0" for r in kept)
    under = sum(r["masking"].strip() == "2.0" for r in kept)
    notes = rows(t, geo="37").note.astype(str)
    said_over = sum(
        int(m.group(1) or 1)
        for n in notes
        for m in re.finditer(r"(?:(\d+) school values )?over 95%", n)
    )
    said_under = sum(
        int(m.group(1) or m.group(2) or 1)
        for n in notes
        for m in re.finditer(r"(?:(\d+) school values |, (\d+) )?under 5%", n)
    )
    assert over > 0 and (said_over, said_under) == (over, under)


# ---- notebook 04 on any subset of files ---------------------------------------------


@pytest.mark.parametrize(
    "files",
    [[], ["kidscount_children_in_poverty_by_race_states_2000plus.csv"]],
    ids=["none", "state-only"],
)
def test_notebook_04_runs_with_a_subset(files, monkeypatch):
    for f in files:
        need(SHARED / f)
    import nbformat
    from nbclient import NotebookClient

    path = (
        Path(__file__).resolve().parents[1] / "notebooks/04_bring_your_own_data.ipynb"
    )
    nb = nbformat.read(path, as_version=4)
    params = nb.cells[1]
    params.source = params.source.replace(
        "FILES = [paths.DEMO_CHR_FILE]", f"FILES = {[str(SHARED / f) for f in files]!r}"
    )
    assert "FILES = [paths" not in params.source
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    if not files:
        assert "No data loaded" in text
    else:
        assert "state rows only" in text and "shown instead: its state (37)" in text
    assert os.environ.get("MPLBACKEND") == "Agg"


def test_describe_coverage_on_saipe_says_no_groups():
    p = SHARED / "saipe_nc_counties_all_ages_poverty_1989-2023.csv"
    need(p)
    from disparities.coverage import describe_coverage

    t, _ = load_data(p)
    lines = describe_coverage(t, "37063")
    assert any("no group breakdown" in x for x in lines)
    assert any("1989 to 2023 (31 periods)" in x for x in lines)
    assert any(x.startswith("No context rows") for x in lines)


def test_chr_workbook_reads_the_same_with_either_excel_reader(monkeypatch):
    """calamine (the fast reader) and openpyxl give the same table, cell for cell."""
    need(CHR[2022])
    import pandas as pd

    from disparities.sources import files

    fast, fast_report = load_data(CHR[2022])
    monkeypatch.setattr(files, "excel_engine", lambda: "openpyxl")
    slow, slow_report = load_data(CHR[2022])
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_report.summary() == slow_report.summary()


def _rewritten(src: Path, dest: Path, change) -> Path:
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
    return dest


@pytest.mark.parametrize(
    "damage, words",
    [
        # a data sheet's XML cut in half
        (lambda n, d: d[: len(d) // 2] if n.endswith("sheet4.xml") else d, "cannot"),
        # the workbook lists a data sheet whose part is gone
        (lambda n, d: None if n.endswith("sheet4.xml") else d, "Ranked Measure Data"),
    ],
    ids=["sheet_xml_cut", "sheet_part_missing"],
)
def test_a_damaged_chr_workbook_is_one_sentence_naming_the_file(
    tmp_path, damage, words
):
    need(CHR[2022])
    from disparities.schema import DataValidationError

    broken = _rewritten(CHR[2022], tmp_path / "chr2022_damaged.xlsx", damage)
    with pytest.raises(DataValidationError) as info:
        load_data(broken)
    message = str(info.value)
    assert "chr2022_damaged.xlsx" in message and words in message
    assert "\n" not in message.strip()
