import html as _html
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
    return re.sub(r"<[^>]+>", " ", _closed(html, keep_summary=True))


def _closed(html: str, keep_summary: bool = False) -> str:
    """The page with every closed ``<details>`` body removed (innermost first)."""
    inner = re.compile(
        r"<details[^>]*>\s*<summary>((?:(?!<details).)*?)</summary>"
        r"(?:(?!<details).)*?</details>",
        flags=re.S,
    )
    while True:
        new = inner.sub(r"\1" if keep_summary else "", html)
        if new == html:
            return html
        html = new


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
    # no negative children affected and no truncated labels
    table = _full_table(html)
    excess = [r["Children affected"] for r in table]
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


def _table_rows(html: str, start: int) -> list:
    """The rows of the HTML table starting at ``start``, as dicts (unescaped)."""
    import html as h

    table = html[start : html.index("</table>", start)]
    cols = [h.unescape(c) for c in re.findall(r"<th>(.*?)</th>", table)]
    return [
        dict(zip(cols, [h.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]))
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)[1:]
    ]


def _full_table(html: str) -> list:
    return _table_rows(html, html.index("<table>", html.index("Every comparison")))


def _shortlist(html: str) -> list:
    return _table_rows(html, html.index("<table>", html.index("Shortlist")))


def test_report_wording_and_one_name_for_children_affected(durham_report):
    import datetime
    import html as h

    html = durham_report["html_text"]
    text = h.unescape(re.sub(r"<[^>]+>", " ", html))
    profile = durham_report["profile"]
    # no doubled punctuation after a heading that ends in "?" or "."
    assert "?." not in text and ".." not in re.sub(r"\.\.\.|\u2026", "", text)
    assert "Is the gap changing?" in text
    # a chart whose title is only its heading says it once
    for heading, title in re.findall(
        r"<figcaption><strong>(.*?)</strong>(.*?)</figcaption>", html
    ):
        assert heading.rstrip(".?") not in title, (heading, title)
    # the choice's date as a person writes it (from the record's own timestamp)
    stamp = datetime.datetime.fromisoformat(str(profile.focus["chosen_at"]))
    assert f"Chosen by Test board on {stamp.day} {stamp:%B %Y}" in text
    assert not re.search(r"\d\d:\d\d:\d\d", text)
    # children affected in plain words, from the shortlist's own estimate
    row = profile.focus["current"]
    focus = text[text.index("Our focus") : text.index("What to watch")]
    assert (
        f"about {row['excess_cases']:,.0f} economically disadvantaged 3rd graders "
        f"(at least {row['conservative_excess']:,.0f}) would not have had this "
        "outcome if their rate matched that of not economically disadvantaged "
        "3rd graders, 2022." in focus
    )
    assert "beyond the reference group's rate" not in text.replace(": none", "")
    # the glossary names the default reference groups
    glossary = text[text.index("Words used on this page") :]
    assert "White non-Hispanic" in glossary and "highest income band" in glossary
    assert "most children" not in glossary
    # one name for one idea, in the shortlist, the full table and the glossary
    assert "Excess cases" not in text and "excess cases" not in text
    short, full = _shortlist(html), _full_table(html)
    assert "Children affected" in short[0] and "Children affected" in full[0]
    assert "Children affected" in glossary
    # every shortlisted comparison has the same children affected in the table
    by_key = {(r["Indicator"], r["Group"], r["Period"]): r for r in full}
    for c, srow in zip(profile.candidates.head(10).itertuples(), short, strict=True):
        from disparities.catalog import get_indicator

        key = (
            get_indicator(c.indicator).label,
            c.group,
            c.period.replace("-", "\u2013"),
        )
        assert by_key[key]["Children affected"] == srow["Children affected"] != ""


def test_report_bright_spots_end_with_a_summary(durham_report):
    import html as h

    html = h.unescape(durham_report["html_text"])
    b = durham_report["profile"].bright_spots
    peers = b[b["comparison"] != "the focus county"]
    smaller = int((peers["comparison"] == "smaller gap").sum())
    assert smaller == int(peers["smaller_gap"].sum())
    n = len(peers)
    assert n == 5  # find_peer_counties' default
    lead = (
        f"None of the {n} most similar counties has"
        if smaller == 0
        else f"{smaller} of the {n} most similar counties "
        + ("has" if smaller == 1 else "have")
    )
    i = html.index(lead + " a clearly smaller gap on this")
    # the summary follows the last peer sentence
    assert i > html.index(str(b["sentence"].iloc[-1]))


def test_report_opens_the_first_candidates_charts(durham_report):
    import dataclasses

    from disparities.report import render_html

    # with a focus: its two main charts and the overview are open, the rest closed
    with_focus = durham_report["html_text"]
    shown = _closed(with_focus)
    assert shown.count("<img") == 3
    focus_charts = durham_report["profile"].charts_in("focus")
    shown_text = __import__("html").unescape(shown)
    assert focus_charts[0].heading in shown_text
    assert focus_charts[1].heading in shown_text
    # without one: the first candidate's two main charts open, under its heading
    profile = dataclasses.replace(durham_report["profile"], focus=None)
    html = render_html(profile)
    shown = _closed(html)
    assert shown.count("<img") == 3
    assert '<section class="candidate" id="candidate1">' in shown
    assert "<details><summary>More charts for candidate 1" in html
    # nothing lost: every candidate chart is on the page, open or one click away
    n = sum(len(profile.charts_in(f"candidate{i}")) for i in (1, 2, 3))
    assert html.count("<img") == 1 + n


def test_deck_marks_every_slide_and_leaves_the_focus_out_of_the_others(
    durham_report, tmp_path
):
    from pptx import Presentation

    from disparities.deck import render_deck
    from disparities.profile import short_title

    profile = durham_report["profile"]
    prs = Presentation(render_deck(profile, tmp_path / "deck.pptx"))
    texts = [
        " ".join(sh.text_frame.text for sh in sl.shapes if sh.has_text_frame)
        for sl in prs.slides
    ]
    assert all("SYNTHETIC DEMO DATA" in x for x in texts), texts
    titles = [x.split("  ")[0] for x in texts]
    others = next(x for x in texts if x.startswith("The other gaps we considered"))
    row = profile.focus["current"]
    assert short_title(row, 80) not in others
    assert short_title(row, 80).split(",")[0] not in others
    # the other top candidates are all there
    cands = profile.candidates
    rest = cands[cands["rank"] != row["rank"]].head(5)
    for _, r in rest.iterrows():
        assert short_title(r, 80) in others
    # the focus's date in words, in the speaker notes
    notes = " ".join(sl.notes_slide.notes_text_frame.text for sl in prs.slides)
    assert "Chosen by Test board on " in notes and "+00:00" not in notes
    assert titles


def test_deck_without_a_focus_shows_the_shortlist(durham_report, tmp_path):
    import dataclasses

    from pptx import Presentation

    from disparities.deck import render_deck

    profile = dataclasses.replace(durham_report["profile"], focus=None)
    prs = Presentation(render_deck(profile, tmp_path / "deck.pptx"))
    slides = list(prs.slides)
    # cover, key findings, overview, then each of 3 candidates' gap, and the
    # groups of each measure once (two candidates may share one measure), then
    # the bright spots for the first, then the words the slides use
    top3 = profile.candidates.head(3)
    measures = len(set(zip(top3["indicator"], top3["dimension"], strict=True)))
    assert len(slides) == 1 + 1 + 1 + 3 + measures + 1 + 1
    # no picture shown twice
    blobs = [sh.image.sha1 for sl in slides for sh in sl.shapes if sh.shape_type == 13]
    assert len(blobs) == len(set(blobs))
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
    # then the peers' gaps for candidate 1, as the page's bright spots
    assert texts[-2].startswith("Counties like ours on gap 1")
    for sentence in profile.bright_spots["sentence"]:
        assert sentence in texts[-2]
    assert "most similar counties" in texts[-2]
    # the last explains the slides' words; the text slides name their source
    assert texts[-1].startswith("Words on these slides")
    assert "Times as likely:" in texts[-1] and "Unreliable:" in texts[-1]
    findings = next(x for x in texts if x.startswith("Key findings"))
    assert "Source: " in findings and "data years" in findings
    assert "data years" in texts[0]  # the cover: the years, not only the releases


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
    capsys.readouterr()
    # a second choice says which one it replaces
    assert (
        main(["focus", *args, "--choose", "2", "--reason", "Then", "--by", "Al"]) == 0
    )
    err = capsys.readouterr().err
    assert "replacing the earlier choice: " in err and "chosen by Me on " in err
    assert (
        main(["focus", *args, "--choose", "1", "--reason", "Our pick", "--by", "Me"])
        == 0
    )
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


def test_cli_report_on_real_chr_reads_plainly(shared, tmp_path, capsys):
    """CHR 2022, Durham: formatted incomes, 'not applicable', children affected
    filled from the shortlist, cells counted as cells, and messages in words."""
    import html as h
    import warnings

    from disparities.loaders import load_data

    path = shared("chr2022_nc_county_health_rankings_v1.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, report = load_data(path)
        rc = main(
            ["report", "--county", "Durham", "--data", str(path)]
            + ["--out", str(tmp_path)]
        )
    assert rc == 0
    err = capsys.readouterr().err
    # progress: one clock, counting up from the start of the run
    times = [float(x) for x in re.findall(r"\[disparities +([\d.]+)s\]", err)]
    assert len(times) >= 4 and times == sorted(times)
    # a skipped chart names the indicator by its label, never its id
    skipped = [line for line in err.splitlines() if "no chart" in line]
    assert skipped and all("teen_births" not in x for x in skipped)
    assert any("only one period (2014–2020) of teen births" in x for x in skipped)
    assert not re.search(r"candidate\d", err)
    page = h.unescape((tmp_path / "durham_county_profile.html").read_text())
    # the load report counts the blank cells as cells, and rows as rows
    blank = int(table["suppressed"].sum())
    assert blank > report.rows_read  # more hidden cells than rows in the file
    assert (
        f"read {report.rows_read} rows; kept {report.rows_kept}; rejected 0. "
        f"{blank:,} blank cells in the {report.rows_kept} kept rows were "
        "suppressed by the source." in page
    )
    assert report.rows_read == report.rows_kept + report.rows_rejected
    assert "['" not in page  # no raw Python list in the notes
    # incomes as money, with their direction; no ratio for an income
    full = {(r["Indicator"], r["Group"]): r for r in _full_table(page)}
    inc = table[
        (table["geo_id"] == "37063") & (table["indicator"] == "median_household_income")
    ].set_index("group")["value"]
    black = full[("Median household income", "Black")]
    gap = inc["White"] - inc["Black"]
    assert black["Difference (95% CI)"].startswith(f"${gap:,.0f} lower (")
    assert black["Times as likely (95% CI)"] == "not applicable"
    assert black["Children affected"] == "not applicable"
    assert "-37728" not in page and f"{-gap:.1f}" not in page
    # scores in grade levels
    math = full[("Average math score (grade levels)", "Black")]["Difference (95% CI)"]
    assert re.fullmatch(r"\d\.\d grade levels? (lower|higher)", math), math
    # where the shortlist gives a number, the table gives the same
    short = {
        r["Disparity"].split(" (")[0]: r["Children affected"] for r in _shortlist(page)
    }
    teen = full[("Teen births", "Hispanic or Latino")]["Children affected"]
    assert teen == short["Teen births: Hispanic or Latino vs White"]
    assert re.fullmatch(r"about [\d,]+ \(estimated; at least [\d,]+\)", teen)
    assert "Times as likely: not shown" not in page


def test_a_focus_chosen_on_other_data_is_not_compared_with_these(durham_report):
    """A choice recorded on real data, read with the demo (or the other way
    round: a newcomer who forgets --data), is said to come from other data: no
    numbers, the record command shown again, and the bright spots under their
    own heading (the top candidate's), not under the focus."""
    import dataclasses

    from disparities.deck import render_deck
    from disparities.profile import match_focus, what_to_watch
    from disparities.report import render_html

    profile = durham_report["profile"]
    record = {k: v for k, v in profile.focus.items() if k != "current"}
    record["sources"] = ["County Health Rankings 2022"]
    focus = match_focus(record, profile.candidates, profile.geo_id, synthetic=True)
    assert focus["current"] is None
    assert focus["other_data"] == "County Health Rankings 2022"
    watch = what_to_watch(focus, profile.state_name)
    assert watch[0].startswith("This focus was chosen on other data (County Health")
    focus["what_to_watch"] = watch
    other = dataclasses.replace(profile, focus=focus)
    html = render_html(other)
    assert "This focus was chosen on other data" in html
    assert "To record a choice, run this in a terminal" in html
    assert "Counties like Durham County: the gap for the top candidate" in html
    assert "Counties like Durham County on this gap" not in html
    # with no peers found either, the page does not point to peers "above"
    alone = render_html(dataclasses.replace(other, bright_spots=None, peers=None))
    assert "Peers on our focus are above" not in alone
    # the same record on the data it was chosen on is compared as before
    same = match_focus(record, profile.candidates, profile.geo_id, synthetic=False)
    assert same["other_data"] is None and same["current"] is not None
    # the deck does not announce it on its cover
    from pptx import Presentation

    prs = Presentation(render_deck(other, durham_report["html"].parent / "o.pptx"))
    cover = " ".join(
        sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame
    )
    assert "Our focus" not in cover


def test_better_than_state_says_when_the_group_is_the_reference(durham_report):
    """Durham's 'does better than the state' list called White teen births a
    strength without saying White is the reference of the gaps above."""
    profile = durham_report["profile"]
    better = profile.better_than_state
    html = _html.unescape(durham_report["html_text"])
    refs = set(profile.gaps_here["reference_group"].astype(str))
    checked = 0
    for _, r in better.iterrows():
        said = f"{r['group']} is the reference group here" in html
        if str(r["group"]) in refs:
            assert said, r["group"]
            checked += 1
    assert checked  # the demo's Durham has a reference group doing better
    assert not any(
        f"{g} is the reference group here" in html
        for g in set(better["group"].astype(str)) - refs
    )
