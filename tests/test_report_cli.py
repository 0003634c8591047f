import re
import subprocess
import sys

import pytest

from disparities.cli import main


@pytest.fixture(scope="module")
def durham_report(tmp_path_factory, demo):
    """ONE rendered profile (with a recorded focus) shared by every report test."""
    from disparities.focus import rank_focus_candidates
    from disparities.focus_record import save_focus
    from disparities.report import build_county_report

    out = tmp_path_factory.mktemp("report")
    cands = rank_focus_candidates(demo, "37063")
    rank = int(cands.loc[cands["indicator"] == "third_grade_reading", "rank"].iloc[0])
    save_focus(cands, rank, out, reason="Reading is our goal", chosen_by="Test board")
    paths = build_county_report(demo, "Durham", state="NC", out_dir=out, quiet=True)
    paths["html_text"] = paths["html"].read_text()
    return paths


def _visible(html: str) -> str:
    """Text a reader sees without opening anything (details bodies removed)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    html = re.sub(
        r"<details[^>]*>\s*<summary>(.*?)</summary>.*?</details>",
        r"\1",
        html,
        flags=re.S,
    )
    return re.sub(r"<[^>]+>", " ", html)


def test_report_writes_html_pngs_csv(durham_report):
    assert durham_report["html"].exists() and durham_report["csv"].exists()
    assert len(durham_report["pngs"]) >= 5
    html = durham_report["html_text"]
    # self-contained: no link, script, stylesheet or image from anywhere else
    assert not re.search(r"(src|href)=['\"](?![#]|data:)", html)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "<script" not in text and "@import" not in text and "http" not in text
    # each chart drawn once: one file and one embedded image per chart
    charts = durham_report["profile"].charts
    assert html.count("data:image/png;base64,") == len(charts)
    assert len({c.key for c in charts}) == len(charts) == len(durham_report["pngs"])
    assert len(html.encode()) <= 2_000_000
    assert "SYNTHETIC DEMO DATA" in html
    for section in (
        "Key findings",
        "Our focus",
        "Shortlist",
        "Bright spots",
        "All disparities, latest period",
        "Summary measures",
        "Words used on this page",
    ):
        assert section in html
    # order a board member reads: findings, then the focus, then the shortlist
    assert (
        html.index("Key findings") < html.index("Our focus") < html.index("Shortlist")
    )


def test_report_screen_images_are_sharp_and_light(durham_report):
    from PIL import Image

    for c in durham_report["profile"].charts:
        full = Image.open(c.path)
        small = Image.open(__import__("io").BytesIO(c.screen_png))
        # print PNG at 200 dpi, screen PNG at 100 dpi (about 1250 px wide)
        assert full.info["dpi"][0] == pytest.approx(200, abs=0.01)
        assert small.width == round(full.width / 2) and small.width >= 1000
        assert full.info["Description"] == c.alt


def test_report_focus_section_shows_the_numbers(durham_report, demo):
    html = durham_report["html_text"]
    focus = html[html.index('id="our-focus"') : html.index("Shortlist")]
    assert "3rd graders reading at grade level" in focus
    assert "Reading is our goal" in focus and "Test board" in focus
    # the ratio, computed here from the demo's own values: not reading = 100 - %
    d = demo[
        (demo["geo_id"] == "37063")
        & (demo["indicator"] == "third_grade_reading")
        & (demo["period"] == "2022")
    ]
    v = float(d.loc[d["group"] == "Economically disadvantaged", "value"].iloc[0])
    v0 = float(d.loc[d["group"] == "Not economically disadvantaged", "value"].iloc[0])
    assert f"{(100 - v) / (100 - v0):.1f} (" in focus
    assert f"{v:.1f}%" in focus and f"{v0:.1f}%" in focus
    for part in ("Its trend", "Who is affected", "What to watch", "Counties like"):
        assert part in focus


def test_report_page_reads_plainly(durham_report):
    html = durham_report["html_text"]
    seen = _visible(html)
    # alt text lives in the alt attribute and a collapsed text version only
    for c in durham_report["profile"].charts:
        assert c.alt in __import__("html").unescape(html)
        assert c.alt not in seen
    # no negative excess cases and no truncated labels
    start = html.rindex("<table>", 0, html.index("<th>Excess cases</th>"))
    table = html[start : html.index("</table>", start)]
    cols = re.findall(r"<th>(.*?)</th>", table)
    col = cols.index("Excess cases")
    excess = [
        re.findall(r"<td>(.*?)</td>", row)[col]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)[1:]
    ]
    assert "none" in excess
    assert not [e for e in excess if e.startswith("-")]
    assert "\u2026</td>" not in html
    # every term of the page is in the glossary
    glossary = html[html.index('id="glossary"') :]
    body = html.split('id="glossary"')[0].lower()
    for term in ("FPL", "Reference group", "95% confidence interval", "Unreliable"):
        assert term.lower() in body  # the page uses it ...
        assert f"<dt>{term}" in glossary  # ... and explains it
    # long tables are collapsed
    assert "<details><summary>Every comparison" in html


def test_deck_without_a_focus_shows_the_shortlist(durham_report, tmp_path):
    import dataclasses

    from pptx import Presentation

    from disparities.deck import render_deck

    profile = dataclasses.replace(durham_report["profile"], focus=None)
    prs = Presentation(render_deck(profile, tmp_path / "deck.pptx"))
    slides = list(prs.slides)
    # cover, key findings, overview, then gap + groups for each of 3 candidates
    assert len(slides) == 1 + 1 + 1 + 2 * 3
    texts = [
        " ".join(sh.text_frame.text for sh in sl.shapes if sh.has_text_frame)
        for sl in slides
    ]
    assert "SYNTHETIC" in texts[0] and "Our focus" not in " ".join(texts)
    top = profile.candidates.iloc[0]
    assert texts[3].startswith("1. ")
    pics = [sh for sh in slides[3].shapes if sh.shape_type == 13]
    assert pics and pics[0]._element.nvPicPr.cNvPr.get("descr")
    notes = slides[3].notes_slide.notes_text_frame.text
    assert f"{top['adverse_ratio']:.2f}" in notes and "95% CI" in notes


def test_deck_survives_a_projector(durham_report, tmp_path):
    """16:9, short titles, text inside its boxes and the slide, rendered by LibreOffice."""
    import shutil

    from pptx import Presentation
    from pptx.util import Emu

    from disparities.deck import render_deck, text_fits

    profile = durham_report["profile"]
    path = render_deck(profile, tmp_path / "deck.pptx")
    prs = Presentation(path)
    W, H = prs.slide_width, prs.slide_height
    assert W / H == pytest.approx(16 / 9, rel=0.01)
    boxes = []
    titles = []
    for slide in prs.slides:
        rects = []
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0
            assert sh.left + sh.width <= W and sh.top + sh.height <= H
            if sh.has_text_frame and sh.text_frame.text:
                first = sh.text_frame.paragraphs[0]
                pt = first.font.size.pt
                assert pt >= 14
                bold = bool(first.font.bold)
                fits = text_fits(
                    sh.text_frame.text,
                    Emu(sh.width).inches - 0.2,
                    Emu(sh.height).inches - 0.1,
                    pt,
                    bold=bold,
                )
                assert fits, sh.text_frame.text
                rects.append(
                    [Emu(v).pt for v in (sh.left, sh.top, sh.width, sh.height)]
                )
        boxes.append(rects)
        top = min(
            (sh for sh in slide.shapes if sh.has_text_frame), key=lambda sh: sh.top
        )
        titles.append(top.text_frame.text)
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text
    assert all(len(t) <= 60 for t in titles)
    assert "3rd graders reading at grade level" in " ".join(titles)
    # charts carry no title of their own (the slide has it)
    for c in profile.charts:
        if len(c.figure.axes) == 1:
            assert c.figure._suptitle is None
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler not installed: rendered check skipped")
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    bbox = tmp_path / "deck.html"
    subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "deck.pdf"), str(bbox)], check=True
    )
    pages = re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>',
        bbox.read_text(),
        flags=re.S,
    )
    assert len(pages) == len(prs.slides)
    word = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    )
    for (w, h, body), rects in zip(pages, boxes, strict=True):
        for m in word.finditer(body):
            x0, y0, x1, y1 = map(float, m.groups())
            assert 0 <= x0 and x1 <= float(w) and 0 <= y0 and y1 <= float(h)
            # every word lies inside the text box it belongs to
            assert any(
                x0 >= bx - 2
                and y0 >= by - 2
                and x1 <= bx + bw + 2
                and y1 <= by + bh + 2
                for bx, by, bw, bh in rects
            ), m.group(0)


def test_report_table_has_cis_and_flags(durham_report):
    import pandas as pd

    t = pd.read_csv(durham_report["csv"])
    for col in (
        "difference_ci_lower",
        "ratio_ci_upper",
        "significant",
        "unreliable",
        "suppressed",
        "excess_cases",
    ):
        assert col in t.columns
    assert t["suppressed"].any() and t["unreliable"].any()


def test_cli_focus_then_report(tmp_path, capsys, monkeypatch):
    import json

    import disparities.cli as cli

    def no_loading(args):
        raise AssertionError("data loaded before the county name was checked")

    # the name is checked before any data is loaded (no timing assertion: the
    # speed is measured in benchmarks/bench_report.py)
    with monkeypatch.context() as m:
        m.setattr(cli, "_load", no_loading)
        assert main(["report", "--county", "Durhma", "--out", str(tmp_path)]) == 2
    assert "closest: Durham" in capsys.readouterr().err
    args = ["--county", "Hyde", "--out", str(tmp_path)]
    assert main(["focus", *args]) == 0
    shortlist = capsys.readouterr().out
    assert shortlist.lstrip().startswith("1. ")
    assert main(["focus", *args, "--choose", "99", "--reason", "x"]) == 2
    # a choice needs its reason
    assert main(["focus", *args, "--choose", "1"]) == 2
    assert "ranks 1 to" in capsys.readouterr().err
    assert (
        main(["focus", *args, "--choose", "1", "--reason", "Our pick", "--by", "Me"])
        == 0
    )
    record = json.loads((tmp_path / "hyde_county_focus.json").read_text())
    assert record["rank_when_chosen"] == 1 and record["reason"] == "Our pick"
    assert record["chosen_by"] == "Me" and record["geo_id"] == "37095"
    first = shortlist.split("\n")[0].split(". ", 1)[1]
    assert record["numbers_when_chosen"]["explanation"] == first
    assert main(["report", *args, "--quiet"]) == 0
    html = (tmp_path / "hyde_county_profile.html").read_text()
    assert "Our focus" in html and "Our pick" in html
    # a damaged record is named, not a traceback
    (tmp_path / "hyde_county_focus.json").write_text("{not json")
    assert main(["deck", *args, "--quiet"]) == 2
    assert "hyde_county_focus.json: not a readable focus record" in (
        capsys.readouterr().err
    )
    assert main(["counties"]) == 0
    assert "37063  Durham County" in capsys.readouterr().out


def test_cli_help():
    r = subprocess.run(
        [sys.executable, "-m", "disparities.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for word in ("report", "counties", "batch", "deck", "fetch", "demo"):
        assert word in r.stdout


def test_cli_report_on_real_chr_workbook(shared, tmp_path):
    path = shared("chr2022_nc_county_health_rankings_v1.xlsx")
    assert (
        main(
            [
                "report",
                "--county",
                "Robeson",
                "--data",
                str(path),
                "--out",
                str(tmp_path),
                "--quiet",
            ]
        )
        == 0
    )
    html = (tmp_path / "robeson_county_profile.html").read_text()
    assert "County Health Rankings 2022" in html and "SYNTHETIC" not in html


def test_batch_and_cohort_overview(demo, tmp_path):
    from disparities.batch import build_batch_reports

    res = build_batch_reports(
        demo, counties=["Durham", "Hyde"], out_dir=tmp_path, quiet=True, jobs=1
    )
    assert set(res["profiles"]) == {"37063", "37095"}
    page = res["overview_html"].read_text()
    assert "Durham County" in page and "Hyde County" in page


def test_import_is_light():
    code = (
        "import sys, time; t = time.perf_counter(); import disparities; "
        "heavy = [m for m in ('matplotlib', 'geopandas', 'statsmodels', 'scipy') "
        "if m in sys.modules]; print(heavy)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert r.stdout.strip() == "[]"


def test_profile_charts_keep_their_text_inside(durham_report):
    """No label, title or footnote of any profile chart runs off its figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    bad = []
    for c in durham_report["profile"].charts:
        fig = c.figure
        fig.set_dpi(40)  # text extents scale with dpi; a small draw is enough
        canvas = FigureCanvasAgg(fig)  # the figure was closed after rendering
        canvas.draw()
        renderer = canvas.get_renderer()
        w, h = fig.bbox.width, fig.bbox.height
        # what each Axes draws (ticks in view, labels, titles, legend) and the
        # figure's own texts (footnotes)
        boxes = [
            (ax.get_label() or "axes", ax.get_tightbbox(renderer)) for ax in fig.axes
        ]
        boxes += [
            (t.get_text()[:40], t.get_window_extent(renderer))
            for t in fig.texts
            if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
        ]
        for name, box in boxes:
            if box.x0 < -1 or box.x1 > w + 1 or box.y0 < -1 or box.y1 > h + 1:
                bad.append((c.key, name))
    assert not bad
