import re
import subprocess
import sys

import pytest

from disparities.cli import main


@pytest.fixture(scope="module")
def durham_report(tmp_path_factory, demo):
    from disparities.report import build_county_report

    out = tmp_path_factory.mktemp("report")
    return build_county_report(demo, "Durham", state="NC", out_dir=out, quiet=True)


def test_report_writes_html_pngs_csv(durham_report):
    assert durham_report["html"].exists() and durham_report["csv"].exists()
    assert len(durham_report["pngs"]) >= 5
    html = durham_report["html"].read_text()
    # self-contained: no link, script, stylesheet or image from anywhere else
    assert not re.search(r"(src|href)=['\"](?!data:)", html)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "<script" not in text and "@import" not in text and "http" not in text
    assert html.count("data:image/png;base64,") == len(durham_report["pngs"])
    assert "SYNTHETIC DEMO DATA" in html
    for section in (
        "Key findings",
        "Candidate focus disparities",
        "Bright spots",
        "All disparities, latest period",
        "Summary measures",
    ):
        assert section in html
    assert 'alt="' in html and "95%" in html


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


def test_cli_report_and_errors(tmp_path, capsys):
    assert main(["report", "--county", "Hyde", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "hyde_county_profile.html").exists()
    assert main(["report", "--county", "Durhm", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "closest: Durham" in err
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
        demo, counties=["Durham", "Hyde"], out_dir=tmp_path, quiet=True
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
