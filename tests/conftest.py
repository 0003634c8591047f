"""Shared fixtures: the demo table, the real samples in ../shared/data, Agg backend."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def demo():
    from disparities.demo import load_demo

    return load_demo()


@pytest.fixture(scope="session")
def demo_gaps(demo):
    from disparities.gaps import compute_gaps

    return compute_gaps(demo)


@pytest.fixture
def shared():
    """Path to a real sample in ../shared/data; skips only where it is absent."""

    def get(name: str) -> Path:
        p = SHARED / name
        if not p.exists():
            pytest.skip(f"{p} is not here (a user's clone has no ../shared/data)")
        return p

    return get


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
