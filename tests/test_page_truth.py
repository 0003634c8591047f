"""The page tells the truth about itself: the command it prints records a choice
on the same data, its cells never say "not shown" for a measure that has no
ratio, its headline numbers keep their caveats, and its words are explained."""

from __future__ import annotations

import html as h
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disparities.cli import SYNTHETIC_WARNING, build_parser, main

CHR = (
    "chr2021_nc_county_health_rankings_v1.xlsx",
    "chr2022_nc_county_health_rankings_v1.xlsx",
)


def _command(page: str) -> list:
    """The page's "To record a choice" command, split as a POSIX shell would."""
    m = re.search(r'<p class="cmd"><code>(.*?)</code></p>', page, flags=re.S)
    assert m, "the page prints no command to record a choice"
    return shlex.split(h.unescape(m.group(1)))


def _rows(page: str, heading: str) -> list:
    """The rows of the first table after ``heading``, as dicts of cell text."""
    part = page[page.index(heading) :]
    table = part[part.index("<table>") : part.index("</table>")]
    cols = [h.unescape(c) for c in re.findall(r"<th>(.*?)</th>", table)]
    out = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>")[1]):
        cells = [h.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
        out.append(dict(zip(cols, cells, strict=True)))
    return out


@pytest.fixture(scope="module")
def tidy_page(tmp_path_factory):
    """A report built by the command line from a small tidy CSV, into a folder
    whose name needs quoting."""
    from disparities.demo import load_demo

    root = tmp_path_factory.mktemp("tidy")
    d = load_demo()
    keep = (d["geo_level"].astype(str) != "county") | d["geo_id"].astype(str).isin(
        ["37095", "37063", "37177", "37187", "37013"]
    )
    csv = root / "my data.csv"
    d[keep.to_numpy()].to_csv(csv, index=False)
    out = root / "board's report"
    rc = main(
        ["report", "--county", "Hyde", "--data", str(csv), "--state", "NC"]
        + ["--out", str(out), "--quiet", "--jobs", "1"]
    )
    assert rc == 0
    return {
        "csv": csv,
        "out": out,
        "page": (out / "hyde_county_profile.html").read_text(),
    }


def test_page_command_names_the_same_data_state_and_folder(tidy_page):
    argv = _command(tidy_page["page"])
    assert argv[:2] == ["disparities", "focus"]
    args = build_parser().parse_args(argv[1:])  # the CLI's own parser
    assert args.county == "Hyde County"
    assert args.data == [str(tidy_page["csv"])]
    assert args.state == "NC"
    assert Path(args.out) == tidy_page["out"]
    assert args.choose == 1 and args.reason


def test_page_command_from_the_profile_alone(tidy_page):
    """Without the command line (batch, notebook): the profile's load reports,
    state and written files give the same command."""
    from disparities.loaders import load_data
    from disparities.report import build_county_report

    table, report = load_data(tidy_page["csv"])
    out = tidy_page["out"].parent / "from the library"
    paths = build_county_report(
        table, "Hyde", state="NC", out_dir=out, load_reports=[report], quiet=True
    )
    args = build_parser().parse_args(_command(paths["html"].read_text())[1:])
    assert args.data == [str(tidy_page["csv"])]
    assert args.state == "NC" and Path(args.out) == out
    paths["profile"].close()


def test_focus_without_data_warns_it_is_synthetic(tmp_path, capsys):
    assert main(["focus", "--county", "Hyde", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert SYNTHETIC_WARNING in captured.err
    assert "SYNTHETIC" in captured.err and "--data" in captured.err
    # its own "to record a choice" line keeps the folder
    line = captured.out.strip().splitlines()[-1]
    assert "--choose N" in line  # the rank is the reader's to fill in
    line = line.replace("--choose N", "--choose 1")
    args = build_parser().parse_args(shlex.split(line.split(": ", 1)[1])[1:])
    assert Path(args.out) == tmp_path and args.data is None


def test_focus_with_data_does_not_warn(tidy_page, tmp_path, capsys):
    rc = main(
        ["focus", "--county", "Hyde", "--data", str(tidy_page["csv"])]
        + ["--out", str(tmp_path)]
    )
    assert rc == 0
    assert "SYNTHETIC demo data" not in capsys.readouterr().err


def test_loader_lines_are_tucked_away_and_sources_lead(tidy_page):
    page = tidy_page["page"]
    about = page[page.index("<summary>About the data</summary>") :]
    loading = about.index("Loading details (for the person who ran the report)")
    # the loader's own line (path, row count) is only inside the inner details
    line = "my data.csv (tidy): read 4,557 rows"
    assert about.index(line) > loading
    assert about.count(line) == 1 and page.count(line) == 1
    # a plain list of sources with their years comes first
    sources = about.index("Sources:")
    assert sources < loading
    assert re.search(r"<li>[^<]+: data years \d{4} to \d{4}</li>", about[:loading])


def test_glossary_explains_the_shortlist_words(tidy_page):
    gloss = tidy_page["page"].split('id="glossary"')[1]
    terms = [h.unescape(t) for t in re.findall(r"<dt>(.*?)</dt>", gloss)]
    for word in (
        "Score",
        "State's gap",
        "Clear gap",
        "The periods share years",
        "What the data show",
    ):
        assert word in terms


def _cand(**kw):
    row = {
        "rank": 1,
        "indicator": "median_household_income",
        "dimension": "race_ethnicity",
        "group": "Black",
        "reference_group": "White",
        "period": "2016-2020",
        "unreliable": False,
        "suppressed": False,
        "value": 25000.0,
        "reference_value": 50088.0,
        "difference": 25000.0 - 50088.0,
        "adverse_ratio": np.nan,
        "adverse_ratio_ci_lower": np.nan,
        "adverse_ratio_ci_upper": np.nan,
        "interval_basis": "published",
        "children_affected": "not applicable",
        "trend": "can't tell yet (the periods share years)",
        "state_adverse_ratio": np.nan,
        "state_difference": 40767.0 - 64050.0,
        "score": 0.0,
    }
    row.update(kw)
    return row


def test_shortlist_income_row_gives_the_differences_not_not_shown():
    from disparities.report import _shortlist_view

    rows = [
        _cand(),
        _cand(
            rank=2,
            indicator="child_poverty",
            value=82.8,
            reference_value=11.7,
            difference=71.1,
            adverse_ratio=7.07,
            adverse_ratio_ci_lower=2.03,
            adverse_ratio_ci_upper=24.6,
            interval_basis="derived from group sizes",
            state_adverse_ratio=2.83,
            state_difference=20.6,
            unreliable=True,
            score=0.42,
        ),
    ]
    view = _shortlist_view(pd.DataFrame(rows))
    cells = [dict(zip(view["columns"], r["cells"], strict=True)) for r in view["rows"]]
    # 25,000 - 50,088 = -25,088; the state's 40,767 - 64,050 = -23,283
    assert cells[0]["Times as likely (95% CI)"] == (
        "not applicable (a dollar difference: $25,088 lower)"
    )
    assert cells[0]["State's gap"] == "$23,283 lower"
    assert cells[1]["Times as likely (95% CI)"] == "7.1 (2.0 to 24.6) estimated"
    assert cells[1]["State's gap"] == "2.8"
    # a score compares by its difference in its own unit
    score = _shortlist_view(
        pd.DataFrame(
            [
                _cand(
                    indicator="reading_grade_performance",
                    value=2.6,
                    reference_value=3.4,
                    difference=-0.8,
                    state_difference=-0.5,
                )
            ]
        )
    )["rows"][0]["cells"]
    assert "not applicable (a difference: 0.8 grade levels lower)" in score
    assert "0.5 grade levels lower" in score


def test_finding_keeps_its_caveats():
    from disparities.narrative import finding_sentence

    base = {
        "explanation": "Black children in Tyrrell County were 7.1 times as likely "
        "as White children to live in poverty, 2016–2020 (small numbers: read with "
        "care); an estimated 173 Black children",
        "adverse_ratio": 7.07,
        "adverse_ratio_ci_lower": 2.03,
        "adverse_ratio_ci_upper": 24.6,
        "interval_basis": "derived from group sizes",
        "unreliable": True,
    }
    assert finding_sentence(base) == (
        "Black children in Tyrrell County were 7.1 times as likely as White "
        "children to live in poverty, 2016–2020 (small numbers: read with care; "
        "estimated interval 2.0 to 24.6, derived from group sizes because the "
        "source publishes none)."
    )
    published = {**base, "interval_basis": "published", "unreliable": False}
    published["explanation"] = "Black teen girls were 4.3 times as likely; more"
    assert finding_sentence(published) == "Black teen girls were 4.3 times as likely."
    # an income has no ratio, hence no interval to call estimated
    income = {
        **base,
        "adverse_ratio": np.nan,
        "unreliable": False,
        "explanation": "Median household income: $25,000 vs $50,088; more",
    }
    assert "estimated" not in finding_sentence(income)


def test_deck_subtitle_keeps_caveats():
    from disparities.deck import _with_caveats

    row = {"adverse_ratio": 7.07, "interval_basis": "derived from group sizes"}
    row["unreliable"] = True
    assert _with_caveats(
        "Our focus. Black children were 7.1 times as likely.", row
    ) == (
        "Our focus. Black children were 7.1 times as likely "
        "(estimated interval; small numbers: read with care)."
    )
    # a chart of the groups' values has no ratio, hence no interval to qualify
    assert _with_caveats("Children in poverty by race", row, interval=False) == (
        "Children in poverty by race (small numbers: read with care)"
    )
    said = "Black children were 7.1 times (small numbers: read with care)."
    assert _with_caveats(said, row) == (
        "Black children were 7.1 times (small numbers: read with care) "
        "(estimated interval)."
    )


def test_real_tyrrell_page_command_records_a_focus_the_page_and_deck_show(
    shared, tmp_path, capsys
):
    """County Health Rankings 2021 + 2022, Tyrrell: run the page's own command,
    then the report shows "Our focus" and the deck keeps the caveats."""
    import warnings

    from pptx import Presentation

    files = [str(shared(name)) for name in CHR]
    out = tmp_path / "tyrrell out"
    base = ["--county", "Tyrrell", "--state", "NC", "--data", *files]
    base += ["--out", str(out), "--quiet"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["report", *base]) == 0
        page = (out / "tyrrell_county_profile.html").read_text()
        argv = _command(page)
        args = build_parser().parse_args(argv[1:])
        assert args.data == files and args.state == "NC" and Path(args.out) == out
        # "About the data" says how sizes and estimated intervals were made
        assert "Group sizes the source does not count are estimated" in page
        assert "an approximate one is derived from each group" in page
        # the bright spots keep the caveats of the intervals they quote
        assert "7.1 times (95% CI 2.0–24.6, estimated) (small numbers" in (
            h.unescape(page)
        )
        # the key findings keep the caveats the shortlist gives
        findings = h.unescape(page.split('<ol class="findings">')[1].split("</ol>")[0])
        first = re.findall(r"<li>(.*?)</li>", findings)[0]
        assert "7.1 times as likely" in first
        assert "small numbers: read with care" in first
        assert "estimated interval 2.0 to 24.6" in first
        # CHR 2016-2020 median household income (Tyrrell): Black $25,000, White
        # $50,088; North Carolina: Black $40,767, White $64,050
        short = {r["Disparity"]: r for r in _rows(page, "<h2>Shortlist")}
        income = short["Median household income: Black vs White (2016–2020)"]
        assert income["Times as likely (95% CI)"] == (
            "not applicable (a dollar difference: $25,088 lower)"
        )
        assert income["State's gap"] == "$23,283 lower"
        assert "not shown" not in [
            r["Times as likely (95% CI)"] for r in short.values()
        ]
        # CHR 2016-2020: Hispanic households $54,135 vs White $50,088, a
        # difference CHR's intervals cannot tell from chance, and not against them
        hisp = short[
            "Median household income: Hispanic or Latino vs White (2016–2020) "
            "(unreliable)"
        ]
        assert hisp["What the data show"] == (
            "no clear difference; Hispanic or Latino better off here"
        )
        assert income["What the data show"] == "clear gap"
        # before a focus: candidates 1 and 3 compare two groups on one measure
        # (child poverty); its gap chart, showing every group, is on one slide
        # and candidate 3's slide points to it
        assert main(["deck", *base]) == 0
        first = Presentation(out / "tyrrell_county_board_deck.pptx").slides
        titles = [
            next(sh.text_frame.text for sh in sl.shapes if sh.has_text_frame)
            for sl in first
        ]
        n1 = titles.index("1. Children in poverty: Black vs White, 7.1× as likely")
        three = [i for i, t in enumerate(titles) if t.startswith("3. Children in pov")]
        assert len(three) == 1
        text3 = " ".join(
            sh.text_frame.text for sh in first[three[0]].shapes if sh.has_text_frame
        )
        assert f"Its chart is on slide {n1 + 1}" in text3
        # the peers' slide notes name the features the peers were matched on
        notes = " ".join(sl.notes_slide.notes_text_frame.text for sl in first)
        assert "density, child poverty" not in notes
        assert "counties most like this one in population" in notes
        # the income slide's notes give its difference with the interval
        assert "Difference (95% CI): $25,088 lower ($43,357 lower to $6,819 lower)" in (
            notes
        )
        assert not [sh for sh in first[three[0]].shapes if sh.shape_type == 13]
        argv[argv.index("--reason") + 1] = "Poverty is our board's goal"
        assert main(argv[1:]) == 0
        capsys.readouterr()
        assert (out / "tyrrell_county_focus.json").exists()
        assert main(["report", *base]) == 0
        page = h.unescape((out / "tyrrell_county_profile.html").read_text())
        assert "Our focus: Children in poverty: Black vs White" in page
        assert "Poverty is our board's goal" in page
        assert main(["deck", *base]) == 0
    slides = Presentation(out / "tyrrell_county_board_deck.pptx").slides
    texts = [
        [sh.text_frame.text for sh in s.shapes if sh.has_text_frame] for s in slides
    ]
    cover = " ".join(texts[0])
    assert "7.1× as likely" in cover
    assert "estimated interval" in cover and "small numbers" in cover
    assert any("estimated interval 2.0 to 24.6" in t for t in texts[1])
    focus_slide = texts[2]
    assert len(focus_slide[0]) <= 60
    assert "estimated interval" in focus_slide[1] and "small numbers" in focus_slide[1]


def test_relative_paths_say_where_to_run_the_command(tidy_page, tmp_path, monkeypatch):
    import shutil

    assert "Run it from the folder" not in tidy_page["page"]  # absolute paths
    shutil.copy(tidy_page["csv"], tmp_path / "data.csv")
    monkeypatch.chdir(tmp_path)
    rc = main(
        ["report", "--county", "Hyde", "--data", "data.csv", "--out", "out"]
        + ["--quiet", "--jobs", "1"]
    )
    assert rc == 0
    page = (tmp_path / "out" / "hyde_county_profile.html").read_text()
    args = build_parser().parse_args(_command(page)[1:])
    assert args.data == ["data.csv"] and args.out == "out"
    assert "Run it from the folder the report was made in" in page


def test_full_table_marks_an_estimated_interval_as_the_shortlist_does():
    from disparities.report import disparity_table_for_display

    row = _cand(
        indicator="child_poverty",
        value=82.8,
        reference_value=11.7,
        difference=71.1,
        difference_ci_lower=40.0,
        difference_ci_upper=100.0,
        adverse_ratio=7.07,
        adverse_ratio_ci_lower=2.03,
        adverse_ratio_ci_upper=24.6,
        interval_basis="derived from group sizes",
        direction="worse",
        note="",
    )
    published = dict(row, interval_basis="published")
    table = disparity_table_for_display(pd.DataFrame([row, published]))
    cells = table["Times as likely (95% CI)"].tolist()
    assert cells[0].endswith(" estimated") and "2.03" in cells[0]
    assert not cells[1].endswith("estimated")


def test_gap_chart_title_keeps_the_caveats_in_one_parenthesis():
    from disparities.plots.gaps import _with_caveats

    row = {
        "interval_basis": "derived from group sizes",
        "unreliable": True,
        "adverse_ratio": 7.07,
    }
    said = "Black children ... in poverty, 2016–2020 (small numbers: read with care)."
    assert _with_caveats(said, row) == (
        "Black children ... in poverty, 2016–2020 (small numbers: read with care; "
        "estimated interval)."
    )
    plain = "Hispanic children ... in poverty, 2016–2020."
    assert _with_caveats(plain, dict(row, unreliable=False)) == (
        "Hispanic children ... in poverty, 2016–2020 (estimated interval)."
    )
    published = dict(row, interval_basis="published", unreliable=False)
    assert _with_caveats(plain, published) == plain


def test_deck_notes_give_an_income_gap_as_its_difference():
    """Tyrrell's income slide notes read 'Times as likely: not available (95% CI
    not available to not available)'; an income is compared by its difference."""
    import pandas as pd

    from disparities.deck import _numbers

    row = pd.Series(
        {
            "indicator": "median_household_income",
            "adverse_ratio": float("nan"),
            "adverse_ratio_ci_lower": float("nan"),
            "adverse_ratio_ci_upper": float("nan"),
            "difference": -25088.0,
            "difference_ci_lower": -43357.0,
            "difference_ci_upper": -6819.0,
            "state_difference": -23283.0,
            "state_adverse_ratio": float("nan"),
            "trend": "can't tell yet",
            "children_affected": "not applicable",
        }
    )
    text = _numbers(row)
    assert "not available to not available" not in text
    assert "Difference (95% CI): $25,088 lower ($43,357 lower to $6,819 lower)" in text
    assert "state's difference: $23,283 lower" in text
    # a shortlist row has no difference interval: the difference alone
    short = row.drop(["difference_ci_lower", "difference_ci_upper"])
    assert "Difference (95% CI): $25,088 lower; state's" in _numbers(short)
    # a ratio near 1 keeps the digits that show its side of 1
    ratio = row.copy()
    ratio[["adverse_ratio", "adverse_ratio_ci_lower", "adverse_ratio_ci_upper"]] = [
        1.81,
        0.997,
        3.29,
    ]
    ratio["indicator"] = "child_mortality"
    assert "(95% CI 0.997 to 3.29)" in _numbers(ratio)
