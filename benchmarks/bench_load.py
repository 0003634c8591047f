"""Time and peak memory of loading a large tidy CSV with ``load_data``.

Usage::

    python benchmarks/bench_load.py            # 1,000,000 rows
    python benchmarks/bench_load.py --rows 200000 --profile

Writes a synthetic tidy file (real county FIPS, counted indicators, four
groups, twelve years) to a temporary folder, then loads it in a fresh process
and prints the load time, the process's peak resident memory (and the part
above the interpreter and libraries alone), the file's size and the loaded
table's in-memory size. No assertions: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

GROUPS = [
    ("race_ethnicity", "Black"),
    ("race_ethnicity", "White"),
    ("race_ethnicity", "Hispanic"),
    ("total", "Total"),
]
INDICATORS = [
    "low_birthweight",
    "infant_mortality",
    "teen_births",
    "third_grade_reading",
    "graduation_rate",
    "math_proficiency",
    "foster_care_entries",
]


def write_file(path: Path, rows: int, seed: int = 0) -> Path:
    """A tidy CSV of about ``rows`` rows."""
    from disparities.geography import county_table

    rng = np.random.default_rng(seed)
    counties = county_table()["geo_id"].to_numpy()
    years = np.arange(2010, 2022)
    per_county = len(years) * len(INDICATORS) * len(GROUPS)
    n_counties = min(len(counties), max(1, -(-rows // per_county)))
    geo = np.repeat(counties[:n_counties], per_county)
    rest = np.tile(np.arange(per_county), n_counties)
    year = years[rest % len(years)]
    ind = np.array(INDICATORS)[(rest // len(years)) % len(INDICATORS)]
    g = (rest // (len(years) * len(INDICATORS))) % len(GROUPS)
    dim = np.array([d for d, _ in GROUPS])[g]
    grp = np.array([x for _, x in GROUPS])[g]
    den = rng.integers(50, 5000, len(geo))
    num = rng.binomial(den, 0.08)
    df = pd.DataFrame(
        {
            "geo_id": geo,
            "indicator": ind,
            "period": year,
            "dimension": dim,
            "group": grp,
            "numerator": num,
            "denominator": den,
        }
    ).head(rows)
    df.to_csv(path, index=False)
    return path


def _child(path: str, profile: bool) -> None:
    import resource
    import warnings

    warnings.simplefilter("ignore")
    import disparities.reliability  # noqa: F401
    from disparities.loaders import load_data  # noqa: F401  (import cost apart)

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    c0 = time.process_time()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    table, report = load_data(path)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    if profile:
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "rows": len(table),
                "peak_rss_mb": round(peak / 1024, 1),
                "rss_above_baseline_mb": round((peak - base) / 1024, 1),
                "table_mb": round(table.memory_usage(deep=True).sum() / 1e6, 1),
                "balance": report.rows_read == report.rows_kept + report.rows_rejected,
            }
        )
    )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child, args.profile)
        return
    with tempfile.TemporaryDirectory() as d:
        path = write_file(Path(d) / "large_tidy.csv", args.rows)
        size = path.stat().st_size / 1e6
        cmd = [sys.executable, __file__, "--child", str(path)]
        if args.profile:
            cmd.append("--profile")
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if args.profile:
            print(out.stderr[-6000:])
        if out.returncode:
            print(out.stderr[-3000:])
            raise SystemExit(out.returncode)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["file_mb"] = round(size, 1)
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
