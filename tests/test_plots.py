"""What the charts draw: bars, colours, hatches, lines, titles, footnotes, alt text."""

import matplotlib.colors as mcolors
import numpy as np
import pytest

from disparities import plots
from disparities.plots.style import GROUP_COLOURS, get_footnote, get_title


@pytest.fixture
def small():
    from plot_fixtures import small_table

    return small_table()


def test_group_comparison_draws_what_it_says(small):
    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    # Asian (3 events) and Two or more races (its complement) get no bar, words instead
    assert len(ax.patches) == 4
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("not shown: small numbers") == 2
    colours = {
        p.get_gid().split(":")[1]: mcolors.to_hex(p.get_facecolor()).upper()
        for p in ax.patches
    }
    assert colours["Black"] == GROUP_COLOURS["Black"].upper()
    assert colours["White"] == GROUP_COLOURS["White"].upper()
    # Hispanic (15 events) is unreliable: hatched
    hatched = {p.get_gid() for p in ax.patches if p.get_hatch()}
    assert hatched == {"group:Hispanic or Latino"}
    # the state's overall value is a reference line
    vlines = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(vlines) == 1 and vlines[0].get_xdata()[0] == pytest.approx(
        100 * 120 / 1150
    )
    assert "Low birthweight in" in get_title(ax)
    assert "Test source" in get_footnote(ax)
    assert "Hispanic or Latino" in plots.get_alt_text(ax)


def test_synthetic_footnote_on_demo_charts(demo, demo_gaps):
    ax = plots.plot_group_comparison(demo, "37063", "child_poverty")
    assert get_footnote(ax).startswith("SYNTHETIC DEMO DATA")
    ax = plots.plot_disparity_overview(demo_gaps, "37063")
    assert "SYNTHETIC" in get_footnote(ax)
    # sorted by the conservative end of the CI, log scale, line at 1
    assert ax.get_xscale() == "log"
    assert any(np.allclose(ln.get_xdata(), 1) for ln in ax.lines)


def test_dumbbell_has_county_and_state_rows(small):
    from disparities.gaps import compute_gaps

    g = compute_gaps(small)
    ax = plots.plot_gap_dumbbell(g, "37063", "low_birthweight")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Black" in labels and any("(Black)" in lab for lab in labels)
    assert get_title(ax).startswith("Black babies in Durham County were")
    hollow = [
        c for c in ax.collections if mcolors.to_hex(c.get_facecolor()[0]) == "#ffffff"
    ]
    assert hollow  # the state's dots are hollow


def test_trend_charts(demo, demo_gaps):
    from disparities.trends import compute_gap_trends

    ax = plots.plot_group_trend(demo, "37063", "teen_births")
    assert len(ax.get_legend().get_texts()) >= 3
    assert len(ax.collections) > 0  # CI bands
    tr = compute_gap_trends(demo_gaps[demo_gaps.geo_id.astype(str) == "37063"])
    ax = plots.plot_gap_trend(demo_gaps, tr, "37063", "child_poverty", "Black")
    verdict = tr[
        (tr.indicator.astype(str) == "child_poverty")
        & (tr.group.astype(str) == "Black")
    ]["verdict"].item()
    assert verdict in get_title(ax)


def test_county_map_hatches_flagged_counties(demo):
    ax = plots.plot_county_map(
        demo, "NC", "infant_mortality", group="Black", focus_geo_id="37063"
    )
    hatches = {c.get_hatch() for c in ax.collections if c.get_hatch()}
    assert "//" in hatches  # suppressed counties
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "not shown: small numbers" in legend
    assert any(t.get_text() == "Durham County" for t in ax.texts)
    fig = plots.plot_map_small_multiples(
        demo, "NC", "low_birthweight", groups=["Black", "White"]
    )
    assert len([a for a in fig.axes if a.has_data()]) == 2


def test_export_png_svg_with_alt_text(small, tmp_path):
    from PIL import Image

    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    paths = plots.save_chart(ax, tmp_path / "chart")
    png = [p for p in paths if p.suffix == ".png"][0]
    im = Image.open(png)
    assert im.info.get("dpi", (0, 0))[0] >= 199
    assert im.size[0] >= 2600  # 13.33 in x 200 dpi
    assert "Bar chart" in im.info.get("Description", "")
    svg = [p for p in paths if p.suffix == ".svg"][0].read_text()
    assert "Bar chart" in svg
    with pytest.raises(ValueError):
        plots.save_chart(ax, tmp_path / "low", dpi=100)


def test_image_stable_against_baseline(small, tmp_path):
    """One image comparison with tolerance (RMS), regenerated with
    ``python tests/make_baseline.py`` when the house style changes on purpose."""
    from pathlib import Path

    from matplotlib.testing.compare import compare_images

    baseline = Path(__file__).parent / "baseline" / "group_comparison.png"
    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    out = tmp_path / "group_comparison.png"
    ax.get_figure().savefig(out, dpi=50)
    assert compare_images(str(baseline), str(out), tol=8) is None


def test_dumbbell_labels_each_dot_with_its_own_value(small):
    """Every dot (group and reference, county and state) has its own value beside it."""
    from disparities.gaps import compute_gaps

    g = compute_gaps(small)
    ax = plots.plot_gap_dumbbell(g, "37063", "low_birthweight")
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    anns = [t for t in ax.texts if hasattr(t, "xy")]
    dots = np.vstack([c.get_offsets() for c in ax.collections])
    # values straight from the input table, not from the gaps engine
    v = small[(small["geo_id"] == "37063") & (small["indicator"] == "low_birthweight")]
    black = float(v.loc[v["group"] == "Black", "value"].iloc[0])
    white = float(v.loc[v["group"] == "White", "value"].iloc[0])
    texts = {round(a.xy[0], 6): a.get_text() for a in anns}
    assert texts[round(black, 6)].startswith(f"{black:.1f}")
    assert texts[round(white, 6)].startswith(f"{white:.1f}")
    width = fig.bbox.width
    for a in anns:
        # anchored on a drawn dot, and showing that dot's value
        assert np.isclose(dots, a.xy).all(axis=1).any()
        assert float(a.get_text().split("%")[0].split()[0]) == pytest.approx(
            a.xy[0], abs=0.051
        )
        box = a.get_window_extent(renderer)
        x, y = ax.transData.transform(a.xy)
        # beside its own dot (within ~30 px), vertically centred on it
        gap = box.x0 - x if box.x0 >= x else x - box.x1
        assert 0 <= gap < 30, a.get_text()
        assert box.y0 < y < box.y1
        # not over the other dot of its row
        row = dots[np.isclose(dots[:, 1], a.xy[1])]
        for ox, _ in row:
            if not np.isclose(ox, a.xy[0]):
                dx = ax.transData.transform((ox, a.xy[1]))[0]
                assert not (box.x0 <= dx <= box.x1), a.get_text()
        # inside the figure: nothing cut off
        assert 0 <= box.x0 and box.x1 <= width
    # every finite dot of the county and the state is labelled
    assert len(anns) == len(dots)


def test_overview_sorts_as_it_says_and_names_colours(demo_gaps):
    from disparities.plots.style import group_colours

    ax = plots.plot_disparity_overview(demo_gaps, "37063")
    title = get_title(ax)
    assert "support" in title and "largest" not in title
    # rows from the top: the low end of the CI never increases going down
    # (the chart's own y order, read back from what was drawn)
    segs = sorted(
        (
            (ln.get_ydata()[0], ln.get_xdata())
            for ln in ax.lines
            if len(ln.get_xdata()) == 2 and ln.get_xdata()[0] != ln.get_xdata()[1]
        ),
        key=lambda t: -t[0],
    )
    lows = [min(x) if min(x) > 1 else 1.0 for _, x in segs]
    assert lows == sorted(lows, reverse=True)
    # a legend names each colour drawn
    legend = ax.get_legend()
    assert legend is not None
    names = {t.get_text().replace("\n", " ") for t in legend.get_texts()}
    drawn = {mcolors.to_hex(c.get_edgecolor()[0]) for c in ax.collections}
    assert {mcolors.to_hex(group_colours(names)[n]) for n in names} == drawn
    # every dot lies inside the axis: no empty row
    lo, hi = ax.get_xlim()
    for c in ax.collections:
        x = c.get_offsets()[:, 0]
        assert ((x > lo) & (x < hi)).all()


def _two_periods(small):
    """The small table for 2020 and 2021 (same counts; Asian suppressed in both)."""
    import pandas as pd

    a = small.copy()
    b = small.copy()
    a["period"], a["period_start"], a["period_end"] = "2020", 2020, 2020
    return pd.concat([a, b], ignore_index=True)


def test_group_trend_one_period_is_not_drawn(small):
    # one period (2021) only: no chart of dots on a century-wide axis
    with pytest.raises(ValueError, match="only one period \\(2021\\)"):
        plots.plot_group_trend(small, "37063", "low_birthweight")


def test_group_trend_alt_text_has_no_nan(small):
    ax = plots.plot_group_trend(_two_periods(small), "37063", "low_birthweight")
    alt = plots.get_alt_text(ax)
    assert "nan" not in alt.lower()
    # Asian is suppressed in both periods: said in words; Black's 2021 value is
    # 60 / 400 = 15.0%
    assert "Asian: not shown" in alt
    assert "Black: 2021 value 15.0" in alt
    lo, hi = ax.get_xlim()
    assert 2019 <= lo and hi <= 2022  # the axis spans the data, not a century


def _mixed_periods():
    """Groups for 2016-2020 (ACS-like), the Total only for 2020 (SAIPE-like)."""
    import pandas as pd

    from disparities.reliability import prepare_observations

    rows = []
    for geo in ("37063", "37"):
        for g, v, lo, hi, per in (
            ("Black", 24.3, 20.0, 28.6, "2016-2020"),
            ("White", 4.0, 3.0, 5.0, "2016-2020"),
            ("Total", 16.2, 11.6, 20.8, "2020"),
        ):
            rows.append(
                {
                    "geo_id": geo,
                    "indicator": "child_poverty",
                    "period": per,
                    "dimension": "total" if g == "Total" else "race_ethnicity",
                    "group": g,
                    "value": v,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "source": "Test source",
                }
            )
    return prepare_observations(pd.DataFrame(rows))


def test_group_comparison_never_mixes_periods():
    t = _mixed_periods()
    ax = plots.plot_group_comparison(t, "37063", "child_poverty")
    labels = [lab.get_text() for lab in ax.get_yticklabels()]
    # the groups' period, without the Total of another period
    assert labels == ["White", "Black"]
    assert "2016–2020" in get_title(ax)
    foot = get_footnote(ax)
    assert "left out" in foot and "2020, not 2016–2020" in foot
    # no state line either: the state's Total is of 2020 too
    assert not [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    # asked for the Total's period: no chart of a lone Total bar
    with pytest.raises(ValueError, match="groups are published for 2016–2020"):
        plots.plot_group_comparison(t, "37063", "child_poverty", period="2020")


def test_overview_marks_estimated_intervals_and_explains_only_drawn_marks(small):
    from disparities.gaps import compute_gaps

    g = compute_gaps(small)
    g = g[g["geo_id"].astype(str) == "37063"].copy()
    g["interval_basis"] = np.where(
        g["group"].astype(str) == "Black", "derived from group sizes", "published"
    )
    ax = plots.plot_disparity_overview(g, "37063")
    styles = {ln.get_gid(): ln.get_linestyle() for ln in ax.lines if ln.get_gid()}
    assert styles["ci:estimated"] == "--"  # dashed, the only estimated row
    assert styles["ci:published"] == "-"
    legend = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    assert "dashed line: estimated interval" in legend
    foot = get_footnote(ax)
    assert "Dashed lines" in foot
    # Hispanic (15 events) is unreliable: a hollow dot is drawn and explained;
    # no diamond is drawn, so none is explained
    gids = [c.get_gid() for c in ax.collections]
    assert "point:unreliable" in gids and "point:no_ci" not in gids
    assert "Hollow dots" in foot and "diamond" not in foot
    assert "estimated" in plots.get_alt_text(ax)
    # without estimated intervals: neither dashed lines nor their explanation
    ax = plots.plot_disparity_overview(g.drop(columns="interval_basis"), "37063")
    assert "Dashed" not in get_footnote(ax)
    assert all(ln.get_linestyle() == "-" for ln in ax.lines if ln.get_gid())


def _hex_distance(a, b):
    ra, rb = (np.array(mcolors.to_rgb(c)) * 255 for c in (a, b))
    return float(np.sqrt(((ra - rb) ** 2).sum()))


def test_groups_drawn_together_get_distinct_colours(demo_gaps):
    from disparities.plots.style import group_colours

    # every canonical group at once (the overview may mix race and income)
    groups = [g for g in GROUP_COLOURS if g != "Total"]
    cols = group_colours(groups)
    assert len(cols) == len(groups)
    vals = list(cols.values())
    for i, a in enumerate(vals):
        for b in vals[i + 1 :]:
            assert _hex_distance(a, b) > 40, (a, b)
    # the reviewer's pair: distinct, and still from the fixed map when possible
    pair = group_colours(["Under 100% FPL", "Economically disadvantaged"])
    assert pair["Under 100% FPL"] == GROUP_COLOURS["Under 100% FPL"]
    assert _hex_distance(*pair.values()) > 100
    # drawn: the demo overview's legend colours are pairwise distinct
    ax = plots.plot_disparity_overview(demo_gaps, "37063")
    handles = ax.get_legend().legend_handles
    drawn = [mcolors.to_hex(h.get_color()) for h in handles]
    assert len(set(drawn)) == len(drawn)


def _gids(artists):
    return [a.get_gid() for a in artists]


def test_gap_trend_units_spans_and_plain_words(demo, demo_gaps):
    from disparities.trends import compute_gap_trends

    here = demo_gaps[demo_gaps.geo_id.astype(str) == "37063"]
    tr = compute_gap_trends(here)
    ax = plots.plot_gap_trend(here, tr, "37063", "child_poverty", "Black")
    legend = ax.get_legend().get_texts()[0].get_text()
    assert "percentage points per year" in legend
    foot = get_footnote(ax)
    # the demo's ACS periods are 5-year spans (2009-2013 ... 2018-2022)
    assert "5-year spans drawn at their middle year." in foot
    for jargon in ("I\u00b2", "i\u00b2", "random-effects", "sampling error"):
        assert jargon not in foot
    ax = plots.plot_gap_trend(here, tr, "37063", "infant_mortality", "Black")
    im = tr[(tr.indicator.astype(str) == "infant_mortality") & (tr.group == "Black")]
    text = ax.get_legend().get_texts()[0].get_text()
    if im["verdict"].item() in ("widening", "narrowing"):
        assert "per 1,000 live births per year" in text
    else:  # not a finding: no rate per year, and no fitted line
        assert "per year" not in text and "trend_line" not in _gids(ax.lines)
    # the group chart says where spans are drawn too
    ax = plots.plot_group_trend(demo, "37063", "child_poverty")
    assert "5-year spans drawn at their middle year." in get_footnote(ax)


def test_plain_trend_note_words():
    from disparities.plots.trends import plain_trend_note

    note = (
        "the periods scatter more than their sampling error allows (I\u00b2 = 52%): "
        "random-effects fit; periods overlap and share years: the change rests on "
        "the years they do not share and is a change in multi-year averages"
    )
    assert plain_trend_note(note) == (
        "The points vary more than their margins of error, so the trend's interval "
        "is widened. These periods share years, so the change rests on the years "
        "they do not share."
    )


def test_gap_trend_axis_label_inside_figure_and_clear_of_footnote(demo_gaps):
    from disparities.trends import compute_gap_trends

    here = demo_gaps[demo_gaps.geo_id.astype(str) == "37063"]
    tr = compute_gap_trends(here)
    for group in ("Black", "Under 100% FPL"):
        ind = "child_poverty" if group == "Black" else "uninsured_children"
        if not ((here.indicator.astype(str) == ind) & (here.group == group)).any():
            continue
        ax = plots.plot_gap_trend(here, tr, "37063", ind, group)
        fig = ax.get_figure()
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        label = ax.yaxis.label.get_window_extent(r)
        foot = [t for t in fig.texts if t.get_text().startswith("SYNTHETIC")][0]
        fbox = foot.get_window_extent(r)
        assert 0 <= label.y0 and label.y1 <= fig.bbox.height  # not cut off
        assert label.x0 >= 0
        assert label.y0 > fbox.y1  # above the footnote, never running into it


def test_gap_trend_note_and_legend_never_meet(demo_gaps):
    from disparities.trends import compute_gap_trends

    here = demo_gaps[demo_gaps.geo_id.astype(str) == "37063"]
    tr = compute_gap_trends(here)
    # the longest group name of the demo beside the trend legend
    charts = [
        plots.plot_gap_trend(
            here, tr, "37063", "third_grade_reading", "Economically disadvantaged"
        )
    ]
    # the longest race group name (Robeson's: it wrapped onto the statement)
    robeson = demo_gaps[demo_gaps.geo_id.astype(str) == "37155"]
    charts.append(
        plots.plot_gap_trend(
            robeson,
            compute_gap_trends(robeson),
            "37155",
            "child_poverty",
            "American Indian or Alaska Native",
        )
    )
    for ax in charts:
        fig = ax.get_figure()
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        note = [t for t in ax.texts if t.get_text().startswith("above 0")][0]
        nbox = note.get_window_extent(r)
        lbox = ax.get_legend().get_window_extent(r)
        assert not nbox.overlaps(lbox)
        abox = ax.get_window_extent(r)
        for box in (nbox, lbox):  # both inside the axes
            assert abox.x0 <= box.x0 and box.x1 <= abox.x1
            assert abox.y0 <= box.y0 and box.y1 <= abox.y1


def test_real_chr_overview_agrees_with_the_shortlist(shared):
    """CHR 2022 (../shared/data) publishes no CI for child poverty by race; the
    ranking derives one from group sizes, so the overview must draw it (dashed)
    instead of leaving the gap out, and the group chart must not show the SAIPE
    2020 Total beside the ACS 2016-2020 groups."""
    from disparities.focus import rank_focus_candidates
    from disparities.gaps import compute_gaps
    from disparities.group_sizes import add_size_estimates
    from disparities.loaders import load_data
    from disparities.plots.overview import latest_gaps

    table, _ = load_data(shared("chr2022_nc_county_health_rankings_v1.xlsx"))
    local = table[table["geo_id"].astype(str).isin(["37063", "37"])]
    gaps = compute_gaps(local)
    cands = rank_focus_candidates(local, "37063", gaps=gaps)
    est = add_size_estimates(latest_gaps(gaps, "37063"), local)
    ax = plots.plot_disparity_overview(est, "37063", max_rows=8)
    labels = [t.get_text().replace("\n", " | ") for t in ax.get_yticklabels()]
    hisp = "Children in poverty | Hispanic or Latino vs White"
    assert hisp in labels
    # the same interval as the shortlist's, drawn dashed
    row = cands[
        (cands["indicator"].astype(str) == "child_poverty")
        & (cands["group"].astype(str) == "Hispanic or Latino")
    ].iloc[0]
    assert row["interval_basis"] == "derived from group sizes"
    y = labels.index(hisp)
    line = [ln for ln in ax.lines if ln.get_gid() and ln.get_ydata()[0] == y][0]
    assert line.get_gid() == "ci:estimated" and line.get_linestyle() == "--"
    np.testing.assert_allclose(
        sorted(line.get_xdata()),
        [row["adverse_ratio_ci_lower"], row["adverse_ratio_ci_upper"]],
    )
    assert "Dashed lines" in get_footnote(ax)
    assert "diamond" not in get_footnote(ax)  # none drawn
    # the group chart: the ACS groups of 2016-2020 and no Total of 2020
    ax = plots.plot_group_comparison(table, "37063", "child_poverty")
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert "Hispanic or Latino" in names and not any("All (" in n for n in names)
    assert "2016–2020" in get_title(ax)
    assert "left out" in get_footnote(ax)


def test_profile_skips_one_period_charts_with_plain_reasons(small):
    from disparities.profile import compute_analysis, draw_charts

    an = compute_analysis(small, "37063")
    row = an["candidates"].iloc[0]
    said = []
    charts = draw_charts(small, an, "37063", "NC", [("candidate1", row)], said.append)
    drawn = {c.key for c in charts}
    skipped = {k: reason for k, _, _, reason in charts.skipped}
    # one period (2021): neither trend chart is drawn, each says why
    assert "candidate1_trend_by_group" in skipped
    assert "candidate1_trend" in skipped
    assert "candidate1_trend_by_group" not in drawn and "overview" in drawn
    assert skipped["candidate1_trend_by_group"] == (
        "only one period (2021) of low birthweight: a chart over time needs at least two"
    )
    lines = [m for m in said if m.startswith("no chart")]
    assert len(lines) == len(skipped)
    for m in lines:  # plain words: no internal ids, no quoted indicator ids
        assert "low_birthweight" not in m and "candidate1_" not in m
    for c in charts:
        assert "nan" not in c.alt.lower()


def _gap_series(values, periods, half=2.0):
    """Teen births, Hispanic or Latino vs White, in Durham: (hisp, white) per
    period, each with a published 95% CI of +/- ``half`` per 1,000."""
    import pandas as pd

    from disparities.reliability import prepare_observations

    rows = []
    for (hisp, white), per in zip(values, periods, strict=True):
        for g, v in (("Hispanic or Latino", hisp), ("White", white)):
            rows.append(
                {
                    "geo_id": "37063",
                    "indicator": "teen_births",
                    "period": per,
                    "dimension": "race_ethnicity",
                    "group": g,
                    "value": v,
                    "ci_lower": v - half,
                    "ci_upper": v + half,
                    "source": "Test source",
                }
            )
    return prepare_observations(pd.DataFrame(rows))


def _all_text(ax):
    fig = ax.get_figure()
    texts = [t.get_text() for t in ax.texts + fig.texts]
    if ax.get_legend():
        texts += [t.get_text() for t in ax.get_legend().get_texts()]
    texts += [ax.get_title(loc="left"), get_title(ax), plots.get_alt_text(ax)]
    return " ".join(texts).replace("\n", " ")


def test_gap_trend_states_no_rate_per_year_for_overlapping_spans():
    from disparities.gaps import compute_gaps
    from disparities.trends import OVERLAP_UNCLEAR, compute_gap_trends

    # two 7-year spans one year apart (CHR teen births): gap 51.5 - 4.8 = 46.7,
    # then 45.5 - 4.5 = 41.0; the change between them is -5.70 per 1,000, not a
    # yearly rate (the spans share six of their seven years). CIs +/- 4: SE of
    # each gap sqrt(2) x 4 / 1.96 = 2.89, of the change 4.08, z = -1.40
    t = _gap_series([(51.5, 4.8), (45.5, 4.5)], ["2013-2019", "2014-2020"], 4.0)
    g = compute_gaps(t)
    tr = compute_gap_trends(g)
    assert tr["verdict"].item() == OVERLAP_UNCLEAR
    ax = plots.plot_gap_trend(g, tr, "37063", "teen_births", "Hispanic or Latino")
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert legend == [
        "Change between the two overlapping periods: -5.7 per 1,000 girls aged "
        "15-19\nCan't tell yet whether the gap is changing (the periods share years)"
    ]
    words = _all_text(ax)
    assert "per year" not in words
    assert "-5.7 per 1,000 girls aged 15-19" in plots.get_alt_text(ax)
    assert "no change the data can confirm yet" in get_title(ax)
    assert "trend_line" not in _gids(ax.lines)  # no fitted line either


def test_gap_trend_rate_per_year_only_when_significant():
    from disparities.gaps import compute_gaps
    from disparities.plots.trends import trend_statement
    from disparities.trends import compute_gap_trends

    # single years, gap 45 then 35 (SE of each gap sqrt(2) x 2/1.96 = 1.44):
    # slope -10 per year, z = -10 / 2.04 = -4.9: narrowing
    t = _gap_series([(50.0, 5.0), (40.0, 5.0)], ["2019", "2020"])
    g = compute_gaps(t)
    tr = compute_gap_trends(g)
    assert tr["verdict"].item() == "narrowing"
    ax = plots.plot_gap_trend(g, tr, "37063", "teen_births", "Hispanic or Latino")
    legend = ax.get_legend().get_texts()[0].get_text()
    assert legend == "Trend: -10.0 per 1,000 girls aged 15-19 per year (narrowing)"
    assert "trend_line" in _gids(ax.lines)
    # three periods, no significant change: the verdict alone, no number
    t3 = _gap_series([(50.0, 5.0), (52.0, 5.0), (49.0, 5.0)], ["2018", "2019", "2020"])
    g3 = compute_gaps(t3)
    tr3 = compute_gap_trends(g3)
    assert tr3["verdict"].item() == "no significant change"
    from disparities.catalog import get_indicator

    info = get_indicator("teen_births")
    assert trend_statement(g3, tr3, info) == (
        "no significant change (it could be chance)"
    )
    # an untestable series: its words, no rate
    tr3u = tr3.assign(verdict="cannot be tested")
    assert trend_statement(g3, tr3u, info) == (
        "cannot be tested (a period has no margin of error)"
    )


def test_gap_trend_words_cover_the_trend_verdicts():
    from disparities.plots.trends import _NO_FINDING
    from disparities.trends import OVERLAP_UNCLEAR, UNTESTABLE

    assert OVERLAP_UNCLEAR in _NO_FINDING and UNTESTABLE in _NO_FINDING


def _tyrrell_like():
    """CHR-like child poverty: groups as 5-year averages without CIs (Asian
    suppressed), the Total as single years with CIs."""
    import pandas as pd

    from disparities.reliability import prepare_observations

    rows = []
    for g, per, v, lo, hi in (
        ("Black", "2015-2019", 72.1, np.nan, np.nan),
        ("Black", "2016-2020", 82.8, np.nan, np.nan),
        ("White", "2015-2019", 7.5, np.nan, np.nan),
        ("White", "2016-2020", 11.7, np.nan, np.nan),
        ("Asian", "2015-2019", np.nan, np.nan, np.nan),
        ("Asian", "2016-2020", np.nan, np.nan, np.nan),
        ("Total", "2019", 34.9, 23.3, 46.4),
        ("Total", "2020", 29.4, 18.3, 40.5),
    ):
        rows.append(
            {
                "geo_id": "37177",
                "geo_name": "Tyrrell County",
                "indicator": "child_poverty",
                "period": per,
                "dimension": "total" if g == "Total" else "race_ethnicity",
                "group": g,
                "value": v,
                "ci_lower": lo,
                "ci_upper": hi,
                "source": "Test source",
            }
        )
    t = prepare_observations(pd.DataFrame(rows))
    t.loc[t["group"].astype(str) == "Asian", "suppressed"] = True
    return t


def check_group_trend_time_axis(ax, table):
    """Shared checks of a group-trend chart with mixed spans (also on real CHR)."""
    from matplotlib.collections import PathCollection, PolyCollection

    # a real time axis: year ticks in order, no categorical period labels
    ticks = [x.get_text() for x in ax.get_xticklabels()]
    assert ticks and all(x.isdigit() and len(x) == 4 for x in ticks), ticks
    assert [int(x) for x in ticks] == sorted(int(x) for x in ticks)
    lines = {
        ln.get_gid(): ln for ln in ax.lines if str(ln.get_gid()).startswith("group:")
    }
    # each point at its period's middle year: spans 2017 and 2018, single years at
    # their own year, so 2019 is never drawn after the span 2016-2020 ends
    np.testing.assert_allclose(lines["group:Black"].get_xdata(), [2017, 2018])
    np.testing.assert_allclose(lines["group:Total"].get_xdata(), [2019, 2020])
    for ln in lines.values():
        assert list(ln.get_xdata()) == sorted(ln.get_xdata())
    # each span drawn across its years
    spans = [c for c in ax.collections if c.get_gid() == "span:Black"][0]
    ends = sorted((seg[0][0], seg[1][0]) for seg in spans.get_segments())
    assert ends == [(2015.0, 2019.0), (2016.0, 2020.0)]
    # the suppressed group: nothing drawn, never a mark at 0; said in the footnote
    assert not [a for a in ax.lines + ax.collections if "Asian" in str(a.get_gid())]
    marks = [c for c in ax.collections if isinstance(c, PathCollection)]
    ys = np.concatenate([np.asarray(c.get_offsets())[:, 1] for c in marks])
    assert len(ys) and (ys > 0).all()  # every mark is a drawn value
    assert "Not shown (small numbers): " in get_footnote(ax)
    assert "Asian (2015–2019, 2016–2020)" in get_footnote(ax)
    # legend: exactly the lines drawn, in their order
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert legend == [ln.get_label() for ln in lines.values()]
    assert "Asian" not in legend
    # one shaded band (the Total's), and the subtitle says so
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    assert ax.get_title(loc="left").replace("\n", " ") == (
        "Shaded band: 95% confidence interval of Total only (none published for "
        "the others)"
    )


def test_group_trend_real_time_axis_and_hidden_groups():
    t = _tyrrell_like()
    ax = plots.plot_group_trend(t, "37177", "child_poverty")
    check_group_trend_time_axis(ax, t)
    assert [x.get_text() for x in ax.get_legend().get_texts()] == [
        "Black",
        "White",
        "Total",
    ]
    assert "Asian: not shown" in plots.get_alt_text(ax)
