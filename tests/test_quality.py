"""House rules that can be checked: lint, notebooks clean, no shared data copied."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    r = subprocess.run(
        [ruff, "check", "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_shared_data_copied(shared):
    shared("PROVENANCE.md")
    sums = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (ROOT.parent / "shared" / "data").iterdir()
    }
    for p in ROOT.rglob("*"):
        if p.is_file() and ".git" not in p.parts and ".venv" not in p.parts:
            assert hashlib.sha256(p.read_bytes()).hexdigest() not in sums, p


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebooks_clean_and_thin(nb):
    data = json.loads(nb.read_text())
    code = [c for c in data["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    src = ["".join(c["source"]) for c in code]
    assert not any("def " in s or "class " in s for s in src)
    assert "parameters" in code[0].get("metadata", {}).get("tags", [])
