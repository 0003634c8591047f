"""Execute every notebook top to bottom, offline, on the demo data."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # outputs go to a temporary copy of the reports folder
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []) and "OUT_DIR" in cell.source:
            cell.source = cell.source.replace('"../reports/board"', repr(str(tmp_path)))
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
    assert not errors
    assert os.environ.get("MPLBACKEND") == "Agg"


def test_there_are_four_notebooks():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_explore_county",
        "02_pick_focus_disparity",
        "03_board_charts",
        "04_bring_your_own_data",
    ]
