"""Regenerate tests/baseline/ images (run by hand after a deliberate style change)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from plot_fixtures import small_table

    from disparities import plots

    small = small_table()
    out = Path(__file__).parent / "baseline"
    out.mkdir(exist_ok=True)
    ax = plots.plot_group_comparison(small, "37063", "low_birthweight")
    ax.get_figure().savefig(out / "group_comparison.png", dpi=50)
    print(out / "group_comparison.png")
