"""Execute every notebook top to bottom, offline, on the demo data."""

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
NB_DIR = NOTEBOOKS[0].parent


def run_notebook(path, **params):
    """Run a notebook with papermill-style parameters (a cell injected after
    the one tagged ``parameters``); return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    at = next(
        i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])
    )
    if params:
        injected = nbformat.v4.new_code_cell(
            "\n".join(f"{k} = {v!r}" for k, v in params.items())
        )
        injected.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(at + 1, injected)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, errors
    return nb


def outputs(nb, kind):
    """All outputs of one MIME type (``text`` = printed text) of a notebook."""
    found = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            if kind == "text" and o.get("output_type") == "stream":
                found.append(o["text"])
            elif kind in o.get("data", {}):
                found.append(o["data"][kind])
    return found


def takes_out_dir(path):
    nb = nbformat.read(path, as_version=4)
    return any(
        "parameters" in c.metadata.get("tags", []) and "OUT_DIR" in c.source
        for c in nb.cells
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # outputs go to a temporary folder, never the project's reports folder
    params = {"OUT_DIR": str(tmp_path)} if takes_out_dir(path) else {}
    nb = run_notebook(path, **params)
    assert os.environ.get("MPLBACKEND") == "Agg"
    text = "".join(outputs(nb, "text"))
    if path.stem.startswith("02"):
        # Run All with an empty REASON saves nothing and says how to save
        assert list(tmp_path.glob("*_focus.json")) == []
        assert "type why you chose it in REASON" in text
    if path.stem.startswith("03"):
        # the headline chart is an image, not "<Figure size ...>"
        assert outputs(nb, "image/png")
        assert not any(t.startswith("<Figure size") for t in outputs(nb, "text/plain"))
        # same file name as `disparities deck`
        assert (tmp_path / "durham_county_board_deck.pptx").exists()


def test_notebook_2_saves_the_chosen_rank_and_notebook_3_uses_it(tmp_path, monkeypatch):
    import disparities as dp

    monkeypatch.setenv("MPLBACKEND", "Agg")
    reason = "Largest gap our partners can act on"
    run_notebook(
        NB_DIR / "02_pick_focus_disparity.ipynb",
        CHOICE=2,
        REASON=reason,
        CHOSEN_BY="Test Director",
        OUT_DIR=str(tmp_path),
    )
    record = json.loads((tmp_path / "durham_county_focus.json").read_text("utf-8"))
    # the rank-2 candidate, computed here outside the notebook
    table = dp.load_demo()
    cands = dp.rank_focus_candidates(table, "37063")
    second = cands[cands["rank"] == 2].iloc[0]
    first = cands[cands["rank"] == 1].iloc[0]
    assert record["rank_when_chosen"] == 2
    assert (record["indicator"], record["dimension"], record["group"]) == (
        second["indicator"],
        second["dimension"],
        second["group"],
    )
    assert (record["indicator"], record["group"]) != (
        first["indicator"],
        first["group"],
    )
    assert record["reason"] == reason
    assert record["chosen_by"] == "Test Director"

    # notebook 3 reads the same record from the same folder
    nb3 = run_notebook(NB_DIR / "03_board_charts.ipynb", OUT_DIR=str(tmp_path))
    text = "".join(outputs(nb3, "text"))
    assert "Our focus, chosen by Test Director" in text
    assert f"{second['group']} vs {second['reference_group']}" in text
    assert (tmp_path / "durham_county_board_deck.pptx").exists()


def test_notebooks_and_cli_share_the_reports_folder():
    from disparities import paths
    from disparities.cli import build_parser

    # the CLI's default --out, resolved from the project root, is REPORTS_DIR
    args = build_parser().parse_args(["report", "--county", "Durham"])
    assert paths.PROJ_ROOT / args.out == paths.REPORTS_DIR
    for nb in ("02_pick_focus_disparity", "03_board_charts"):
        assert "REPORTS_DIR" in (NB_DIR / f"{nb}.ipynb").read_text()


def test_there_are_four_notebooks():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_explore_county",
        "02_pick_focus_disparity",
        "03_board_charts",
        "04_bring_your_own_data",
    ]


def test_shortlist_table_has_plain_columns():
    import pandas as pd

    from disparities.narrative import shortlist_table

    cands = pd.DataFrame(
        {
            "rank": [1, 2],
            "evidence": ["clear gap", "cannot be tested"],
            "indicator": ["child_poverty", "third_grade_reading"],
            "group": ["Black", "Economically disadvantaged"],
            "reference_group": ["White", "Not economically disadvantaged"],
            "period": ["2018-2022", "2023"],
            "adverse_ratio": [3.14, float("nan")],
            "conservative_ratio": [2.66, float("nan")],
            "children_affected": ["at least 4,872", "unknown"],
            "trend": ["narrowing", "one period only"],
            "state_adverse_ratio": [3.3, float("nan")],
            "size_component": [1.0, 0.5],
            "children_affected_component": [1.0, 0.0],
            "trend_component": [-1.0, 0.0],
            "versus_state_component": [-0.126, 0.0],
            "reliability_factor": [1.0, 0.5],
            "score": [0.53, 0.1],
            "needs_pooling": [False, True],
        }
    )
    t = shortlist_table(cands)
    assert not any("_" in c for c in t.columns)
    assert t.index.name == "Rank"
    assert t.loc[1, "Disparity"] == "Children in poverty: Black vs White (2018–2022)"
    assert (t.loc[1, "Times as likely"], t.loc[1, "Cautious end"]) == ("3.1", "2.7")
    assert t.loc[2, "Times as likely"] == "—"  # a ratio does not apply to a score
    assert t.loc[1, "Versus-state part"] == -0.13
    assert list(t["Pool more years first"]) == ["", "yes"]
    assert len(shortlist_table(cands, n=1)) == 1
