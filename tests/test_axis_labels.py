"""Value axes are numbered only where a value can be (0 to 100 for percentages)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from disparities import plots  # noqa: E402
from disparities.reliability import prepare_observations  # noqa: E402


def _tick_labels(ax):
    ax.figure.canvas.draw()
    return {
        float(t.get_position()[0]): t.get_text()
        for t in ax.get_xticklabels()
        if t.get_visible()
    }


def _table(values):
    rows = [("37177", "Tyrrell County", g, v) for g, v in values.items()] + [
        ("37", "North Carolina", g, v / 2) for g, v in values.items()
    ]
    return prepare_observations(
        pd.DataFrame(
            {
                "geo_id": [r[0] for r in rows],
                "geo_name": [r[1] for r in rows],
                "indicator": "child_poverty",
                "period": "2016-2020",
                "dimension": "race_ethnicity",
                "group": [r[2] for r in rows],
                "value": [r[3] for r in rows],
            }
        )
    )


def test_a_percentage_axis_past_100_has_no_label_past_100():
    t = _table({"Black": 95.0, "White": 11.7})
    ax = plots.plot_group_comparison(t, "37177", "child_poverty")
    labels = _tick_labels(ax)
    assert ax.get_xlim()[1] > 100  # room for the value labels
    assert all(text == "" for x, text in labels.items() if x > 100)
    assert labels.get(100.0) == "100" or 100.0 not in labels
    assert any(text for x, text in labels.items() if 0 <= x <= 100)
    plt.close(ax.figure)
