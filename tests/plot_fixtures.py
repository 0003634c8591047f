"""A tiny hand-checkable table for the plot tests and the baseline image."""

import pandas as pd

from disparities.reliability import prepare_observations


def small_table() -> pd.DataFrame:
    """Durham and NC low birthweight: Asian 3 events (suppressed), Two or more races
    12 (hidden too, so Asian's count cannot be worked out from the total), Hispanic
    15 (shown, unreliable: fewer than 20 events)."""
    rows = []
    for geo, k in (("37063", 1), ("37", 40)):
        for g, x, n in (
            ("Black", 60, 400),
            ("White", 30, 600),
            ("Asian", 3, 50),
            ("Hispanic or Latino", 15, 40),
            ("Two or more races", 12, 60),
            ("Total", 120, 1150),
        ):
            rows.append(
                {
                    "geo_id": geo,
                    "indicator": "low_birthweight",
                    "period": "2021",
                    "dimension": "total" if g == "Total" else "race_ethnicity",
                    "group": g,
                    "numerator": x * k,
                    "denominator": n * k,
                    "source": "Test source",
                }
            )
    return prepare_observations(pd.DataFrame(rows))
