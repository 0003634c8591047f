"""The facilitator's cohort overview: counties side by side, sources, honest words."""

import html
import re

import pandas as pd

from disparities.batch import build_batch_reports, overview_page


def _row(geo, name, rank, **kw):
    row = {
        "geo_id": geo,
        "geo_name": name,
        "rank": rank,
        "evidence": "clear gap",
        "indicator": "child_poverty",
        "dimension": "race_ethnicity",
        "group": "Black",
        "reference_group": "White",
        "period": "2016-2020",
        "value": 82.8,
        "reference_value": 11.7,
        "adverse_ratio": 7.07,
        "conservative_ratio": 2.0,
        "trend": "can't tell yet (the periods share years)",
        "score": 0.4,
        "unreliable": True,
        "explanation": f"{name}: sentence {rank}.",
    }
    row.update(kw)
    return row


def test_overview_page_sets_counties_side_by_side_with_sources(tmp_path):
    overview = pd.DataFrame(
        [
            _row("37177", "Tyrrell County", 1),
            _row(
                "37177",
                "Tyrrell County",
                2,
                evidence="no clear difference",
                indicator="median_household_income",
                group="Hispanic or Latino",
                value=54135.0,
                reference_value=50088.0,
                adverse_ratio=float("nan"),
                unreliable=False,
            ),
            _row("37063", "Durham County", 1, unreliable=False),
        ]
    )
    table = pd.DataFrame({"source": ["County Health Rankings 2022"]})
    profiles = {
        "37177": tmp_path / "37177" / "tyrrell_county_profile.html",
        "37063": tmp_path / "37063" / "durham_county_profile.html",
    }
    page = overview_page(overview, profiles, tmp_path, table, "North Carolina")
    body = html.unescape(page)
    rows = re.findall(r"<tr><th><a href='([^']+)'>([^<]+)</a></th>(.*?)</tr>", page)
    assert [(r[0], r[1]) for r in rows] == [
        ("37177/tyrrell_county_profile.html", "Tyrrell County"),
        ("37063/durham_county_profile.html", "Durham County"),
    ]
    assert rows[0][2].count("<td>") == 2 and rows[1][2].count("<td>") == 2
    assert "Children in poverty: Black vs White, 7.1× as likely (small numbers)" in body
    # a row where the group is better off says so, in the table
    assert "no clear difference; Hispanic or Latino better off here" in body
    assert "Source: County Health Rankings 2022. Periods shown: 2016–2020" in body
    assert "SYNTHETIC" not in body
    assert "Tyrrell County: sentence 2." in body  # the explanations follow


def test_demo_batch_overview_is_marked_synthetic(demo, tmp_path):
    res = build_batch_reports(
        demo, counties=["Durham", "Hyde"], out_dir=tmp_path, quiet=True, jobs=1
    )
    page = html.unescape(res["overview_html"].read_text())
    assert "SYNTHETIC" in page and "Source: SYNTHETIC" in page
    assert page.count("<tr><th><a href=") == 2
