"""The explorer's steps and callbacks, without a browser.

Expected values come from calling the engine directly (rank_focus_candidates,
find_peer_counties, load_data), never from the app's own code.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from disparities import schema as s
from disparities.app import integration
from disparities.app.explorer import CANDIDATE_COLUMNS, AppError, Explorer

KY = "kidscount_ky_low_birthweight_by_county_2008-2017.csv"
CHR = "chr2022_nc_county_health_rankings_v1.xlsx"


@pytest.fixture(scope="module")
def durham(tmp_path_factory):
    ex = Explorer(tmp_path_factory.mktemp("out"))
    ex.use_demo()
    ex.choose_county("durham")
    return ex


@pytest.fixture(scope="module")
def durham_direct():
    """Durham's candidates from the engine, computed without the app."""
    import disparities as dp

    return dp.rank_focus_candidates(dp.load_demo(), "37063")


# ------------------------------------------------------------------ the focus record
def _candidate():
    return pd.Series(
        {
            "rank": 2,
            s.GEO_ID: "37063",
            s.GEO_NAME: "Durham County",
            s.INDICATOR: "low_birthweight",
            s.DIMENSION: "race_ethnicity",
            s.GROUP: "Black",
            "reference_group": "White",
            s.PERIOD: "2018-2022",
            s.VALUE: 14.1,
            "reference_value": 6.5,
            "adverse_ratio": 2.17,
            "adverse_ratio_ci_lower": np.nan,
            "adverse_ratio_ci_upper": 2.9,
            "trend": "widening",
            "score": np.float64(0.5),
            "explanation": "Black babies ... 2.2 times as likely.",
        }
    )


def test_record_focus_writes_every_field(tmp_path):
    from datetime import UTC, datetime

    when = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    path = integration.record_focus(
        _candidate(),
        out_dir=tmp_path / "reports",
        reason="  Babies born small: our partners run home visits. ",
        chosen_by="Durham cohort",
        data_sources=["b", "a", "a"],
        chosen_at=when,
    )
    # the same record `disparities focus --choose` writes (focus_record)
    assert path == tmp_path / "reports" / "durham_county_focus.json"
    rec = json.loads(path.read_text("utf-8"))
    assert rec["geo_id"] == "37063" and rec["group"] == "Black"
    assert rec["reference_group"] == "White" and rec["period"] == "2018-2022"
    assert rec["indicator"] == "low_birthweight"
    assert rec["dimension"] == "race_ethnicity"
    assert rec["reason"] == "Babies born small: our partners run home visits."
    assert rec["chosen_by"] == "Durham cohort"
    assert rec["chosen_at"] == "2026-11-26T15:00:00+00:00"
    assert rec["sources"] == ["a", "b"]
    assert rec["rank_when_chosen"] == 2
    # the numbers seen when choosing; a missing CI bound is null, not NaN
    numbers = rec["numbers_when_chosen"]
    assert numbers["adverse_ratio"] == 2.17
    assert numbers["adverse_ratio_ci_lower"] is None
    assert numbers["score"] == 0.5
    back = integration.read_focus(tmp_path / "reports", "37063", "Durham County")
    assert {k: v for k, v in back.items() if k != "path"} == rec
    assert (
        integration.read_focus(tmp_path / "reports", "37001", "Durham County") is None
    )


def test_record_focus_needs_a_reason(tmp_path):
    with pytest.raises(ValueError, match="reason"):
        integration.record_focus(_candidate(), out_dir=tmp_path, reason="   ")
    assert list(tmp_path.iterdir()) == []
    assert integration.read_focus(tmp_path, "37063", "Durham County") is None


# ---------------------------------------------------------------------- step 1: data
def test_demo_loads_with_words(tmp_path):
    ex = Explorer(tmp_path)
    files = ex.use_demo()
    assert len(ex.table) == len(pd.DataFrame(ex.table)) > 60000
    assert ex.state == "NC" and "MADE UP" in files[0].sentence
    assert f"{len(ex.table):,} rows" in files[0].sentence
    options = ex.county_options()
    assert len(options) == 100 and "Durham County" in options
    assert options == sorted(options)


def test_a_missing_path_is_a_message_not_a_traceback(tmp_path):
    ex = Explorer(tmp_path)
    with pytest.raises(AppError, match="There is no file at"):
        ex.use_files([str(tmp_path / "nope.csv")])
    with pytest.raises(AppError, match="at least one"):
        ex.use_files(["  "])
    assert ex.table is None


def test_a_wrong_file_says_why_and_loads_nothing(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    ex = Explorer(tmp_path)
    with pytest.raises(AppError) as err:
        ex.use_files([bad])
    assert "None of these files has rows we can use" in str(err.value)
    assert "notes.csv: could not be used" in str(err.value)
    assert "cannot tell what kind of file" in str(err.value)
    assert ex.table is None
    assert ex.files[0].error and ex.files[0].name == "notes.csv"


def test_a_file_named_for_nothing_says_to_rename_it(tmp_path, shared):
    ex = Explorer(tmp_path, state="KY")
    with pytest.raises(AppError, match="rename the file so its name says what"):
        ex.use_uploads({"download (3).csv": shared(KY).read_bytes()})
    # renamed as the message says, the same bytes load
    files = ex.use_uploads({"Low birthweight babies.csv": shared(KY).read_bytes()})
    assert files[0].report.rows_read == 968


def test_upload_is_read_not_run_and_every_row_is_accounted(tmp_path, shared):
    from disparities.loaders import load_data

    real = shared(KY)
    raw = real.read_bytes()
    # one value spoiled: the load report must count the row as rejected
    lines = raw.decode("utf-8-sig").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",abc"
    spoiled = ("\n".join(lines) + "\n").encode()
    (tmp_path / "kidscount_ky_low_birthweight_x.csv").write_bytes(spoiled)
    direct_table, direct = load_data(
        tmp_path / "kidscount_ky_low_birthweight_x.csv", state="KY"
    )
    ex = Explorer(tmp_path / "out", state="KY")
    files = ex.use_uploads(
        {
            "../../etc/kidscount_ky_low_birthweight.csv": spoiled,
            "broken.csv": b"\x00\x01garbage",
        }
    )
    good, broken = files
    assert good.report.rows_read == direct.rows_read == 968
    assert good.report.rows_rejected == direct.rows_rejected == 1
    assert good.report.rows_kept == direct.rows_kept == 967
    assert "968 rows read, 967 kept" in good.sentence
    assert "1 rejected (row" in good.sentence
    assert (
        "../../etc/kidscount_ky_low_birthweight.csv (read as a KIDS COUNT"
        in good.sentence
    )
    assert str(ex._uploads) not in good.sentence  # the person's name, not ours
    # the other file is not lost silently: it is listed with its reason
    assert broken.error and "broken.csv: could not be used" in broken.sentence
    assert len(ex.table) == len(direct_table)
    # the upload's copy stays inside the private folder, whatever its name
    copies = list(ex._uploads.rglob("*.csv"))
    assert {p.name for p in copies} == {
        "kidscount_ky_low_birthweight.csv",
        "broken.csv",
    }
    assert all(ex._uploads in p.parents for p in copies)
    ex.close()
    assert not ex._uploads.exists()


# -------------------------------------------------------------------- step 2: county
def test_county_candidates_match_the_engine(durham, durham_direct):
    shown = durham.candidate_table()
    assert list(shown.columns) == CANDIDATE_COLUMNS
    assert len(shown) == len(durham_direct)
    assert shown["Rank"].tolist() == durham_direct["rank"].tolist()
    assert shown["Group"].tolist() == durham_direct[s.GROUP].astype(str).tolist()
    np.testing.assert_allclose(
        shown["Times as likely"], durham_direct["adverse_ratio"].round(2)
    )
    np.testing.assert_allclose(
        shown["Size part"], durham_direct["size_component"].round(2)
    )
    assert shown["In plain words"].tolist() == durham_direct["explanation"].tolist()
    top = durham_direct.iloc[0]
    lo, hi = top["adverse_ratio_ci_lower"], top["adverse_ratio_ci_upper"]
    assert shown.loc[0, "95% CI"] == f"{lo:.2f} to {hi:.2f}"
    assert shown.loc[0, "Children affected"] == top["children_affected"]
    assert shown.loc[0, "Evidence"] == top["evidence"]


def test_unknown_county_suggests_names(tmp_path):
    ex = Explorer(tmp_path)
    with pytest.raises(AppError, match="Load data first"):
        ex.choose_county("Durham")
    ex.use_demo()
    with pytest.raises(AppError, match="closest: Durham"):
        ex.choose_county("Durhm")
    with pytest.raises(AppError, match="Type the county"):
        ex.choose_county(" ")
    ex.set_state("KY")
    with pytest.raises(AppError, match="real county, but the data you loaded"):
        ex.choose_county("Jefferson")
    with pytest.raises(AppError, match="do not know the state"):
        ex.set_state("Atlantis")


def test_a_file_without_groups_says_so(tmp_path, shared):
    ex = Explorer(tmp_path, state="KY")
    ex.use_files([shared(KY)])
    assert "Jefferson County" in ex.county_options()
    with pytest.raises(AppError, match="no comparisons between groups"):
        ex.choose_county("Jefferson")


def test_real_workbook_candidates_have_no_invented_counts(tmp_path, shared):
    ex = Explorer(tmp_path)
    ex.use_files([shared(CHR)])
    ex.choose_county("Durham")
    shown = ex.candidate_table()
    # CHR publishes rates without counts: children affected is estimated from
    # the workbook's population figures, or unknown; never a counted 0
    affected = shown["Children affected"]
    assert not affected.isin(["0", "at least 0", "none"]).any()
    assert (
        affected.str.contains("estimated")
        | affected.isin(["unknown", "not applicable"])
    ).all()
    # % children in poverty by race has no published CI: it is estimated
    pov = shown[shown["Outcome"].str.contains("poverty")]
    assert pov["95% CI"].str.endswith("(estimated)").all()


# ----------------------------------------------------------------- step 3: candidate
def test_candidate_charts_and_bright_spots(durham, durham_direct):
    import matplotlib.figure

    import disparities as dp

    with pytest.raises(AppError, match="no candidate number 999"):
        durham.pick_candidate(999)
    r = durham.pick_candidate(1)
    assert r[s.INDICATOR] == durham_direct.loc[0, s.INDICATOR]
    charts = durham.candidate_charts()
    assert list(charts) == [
        "Every group",
        "The gap, county beside state",
        "Is the gap changing?",
        "Across the state's counties",
    ]
    assert all(isinstance(f, matplotlib.figure.Figure) for f in charts.values())
    label = dp.get_indicator(str(r[s.INDICATOR])).label
    title = dp.plots.style.get_title(charts["Every group"].axes[0])
    assert label in title and "Durham County" in title
    table, words = durham.bright_spots()
    peers = dp.find_peer_counties(durham.table, "37063")
    assert table["County"].iloc[0] == "Durham County"
    assert set(table["County"].iloc[1:]) <= set(peers["geo_name"])
    # a peer's gap is "smaller" only when the test of the two gaps supports it
    n_yes = int((table["Compared with yours"] == "smaller gap").sum())
    spots = dp.find_bright_spots(
        dp.compute_gaps(durham.table),
        peers,
        "37063",
        str(r[s.INDICATOR]),
        str(r[s.GROUP]),
        table=durham.table,
    )
    assert n_yes == int(spots["smaller_gap"].sum())
    if n_yes:
        assert words.startswith(f"{n_yes} of the {len(peers)} counties")
    else:
        assert words.startswith(f"None of the {len(peers)} counties")


# ---------------------------------------------------------- step 4: focus and files
def test_choose_focus_then_deck(tmp_path, durham_direct):
    from pptx import Presentation

    ex = Explorer(tmp_path)
    ex.use_demo()
    ex.choose_county("Durham County")
    with pytest.raises(AppError, match="Click a candidate"):
        ex.choose_focus("because")
    ex.pick_candidate(2)
    with pytest.raises(AppError, match="Choose a focus first"):
        ex.deck_file()
    with pytest.raises(AppError, match="why you chose"):
        ex.choose_focus("")
    path = ex.choose_focus("Reading by grade 3 matters", chosen_by="Ana")
    rec = json.loads(path.read_text())
    second = durham_direct.iloc[1]
    assert rec["indicator"] == second[s.INDICATOR]
    assert rec["group"] == second[s.GROUP]
    assert math.isclose(
        rec["numbers_when_chosen"]["adverse_ratio"], second["adverse_ratio"]
    )
    assert rec["sources"] == ex.data_sources() and rec["chosen_by"] == "Ana"
    deck = ex.deck_file()
    assert deck.suffix == ".pptx" and deck.parent == tmp_path
    slides = Presentation(deck).slides
    assert len(slides) >= 2
    # the deck is built around the recorded focus
    text = " ".join(
        sh.text_frame.text for sl in slides for sh in sl.shapes if sh.has_text_frame
    )
    assert "focus" in text.lower()
    # coming back to the county with the same data finds the focus again
    ex.choose_county("Durham")
    assert {k: v for k, v in ex.focus.items() if k != "path"} == rec
    # with other data it is noted, not reused for the downloads
    ex.table = ex.table.assign(**{s.SOURCE: "other source"})
    ex.choose_county("Durham")
    assert ex.focus is None
    assert {k: v for k, v in ex.earlier_focus.items() if k != "path"} == rec


def test_report_file_is_the_county_profile(tmp_path):
    ex = Explorer(tmp_path)
    ex.use_demo()
    ex.choose_county("Durham")
    ex.pick_candidate(1)
    ex.choose_focus("test")
    html = ex.report_file()
    assert html.suffix == ".html" and html.parent == tmp_path
    assert "Durham County" in html.read_text("utf-8")
    assert (tmp_path / "durham_county_focus.json").exists()


def test_cohort_side_by_side(tmp_path, durham_direct):
    import disparities as dp

    ex = Explorer(tmp_path)
    with pytest.raises(AppError, match="Load data first"):
        ex.cohort(["Durham"])
    ex.use_demo()
    ex.choose_county("Durham")
    ex.pick_candidate(1)
    ex.choose_focus("Insurance first")
    table = ex.cohort(["Durham", "Wake County"])
    assert table["County"].tolist() == ["Durham County", "Wake County"]
    assert table.loc[1, "Chosen focus"] == "not chosen yet"
    assert table.loc[0, "Why"] == "Insurance first"
    wake = dp.rank_focus_candidates(ex.table, "37183").iloc[0]
    assert table.loc[1, "Candidate 1"].startswith(
        dp.get_indicator(str(wake[s.INDICATOR])).label + f": {wake[s.GROUP]} vs"
    )
    top = durham_direct.iloc[0]
    assert f"{top['adverse_ratio']:.1f} times" in table.loc[0, "Candidate 1"]
    with pytest.raises(AppError, match="closest"):
        ex.cohort(["Durham", "Wakee"])


# ------------------------------------------------------------ the page's callbacks
pn = pytest.importorskip("panel")


def test_page_escapes_what_people_type(tmp_path):
    from disparities.app.layout import ExplorerPage, escape_text

    assert "<" not in escape_text("<script>alert(1)</script>")
    page = ExplorerPage(Explorer(tmp_path))
    page.on_load()
    assert page.message.alert_type == "success"
    assert "100 counties" in page.message.object
    page.county_input.value = "<img src=x onerror=alert(1)>"
    page.on_county()
    assert page.message.alert_type == "warning"
    assert "<img" not in page.message.object and "&lt;img" in page.message.object


def test_page_flow_and_wrong_upload(tmp_path):
    from disparities.app.layout import ExplorerPage

    page = ExplorerPage(Explorer(tmp_path))
    page.source_choice.value = "Upload files"
    assert page.upload.visible and not page.paths_input.visible
    page.upload.filename = ["x.csv"]
    page.upload.value = [b"hello,world\n1,2\n"]
    page.on_load()  # no exception: a message in the page
    assert page.message.alert_type == "warning"
    assert "x.csv" in page.message.object
    assert "x.csv" in page.load_words.objects[0].object
    page.source_choice.value = "Demo data (made up, for practice)"
    page.on_load()
    page.county_input.value = "Durham County"
    page.on_county()
    assert page.candidates.visible and len(page.candidates.value) > 5
    assert page.focus_button.disabled
    page.on_candidate(3)
    assert len(page.charts.objects) == 4 and not page.focus_button.disabled
    page.on_choose()  # no reason yet
    assert page.message.alert_type == "warning"
    page.reason_input.value = "Our reason"
    page.on_choose()
    assert page.message.alert_type == "success"
    assert not page.deck_download.disabled
    assert "Our reason" in page.focus_status.object
    page.cohort_input.value = ["Durham County", "Wake County"]
    page.on_cohort()
    assert page.cohort_table.visible
    assert page.cohort_table.value["County"].tolist() == [
        "Durham County",
        "Wake County",
    ]
    assert page.cohort_table.value.loc[0, "Why"] == "Our reason"


def test_cli_has_the_app_command():
    from disparities.cli import build_parser, cmd_app

    args = build_parser().parse_args(["app", "--no-browser", "--port", "8123"])
    assert args.func is cmd_app and args.no_browser and args.port == 8123


def test_free_port_is_on_loopback():
    import socket

    from disparities.app.server import LOOPBACK, free_port

    port = free_port()
    with socket.socket() as sock:
        sock.bind((LOOPBACK, port))  # nobody holds it
    assert LOOPBACK == "127.0.0.1"
