"""Benchmark: the everyday jobs (a county profile, a batch) against a matplotlib floor.

Times, in one run, each job in its own fresh Python process (so imports, caches
and memory are what a user gets from the command line):

a. ``demo``: the demo Durham profile, ``disparities report --county Durham``;
b. ``chr``: a real County Health Rankings profile (Durham, the 2022 NC
   workbook in ``../shared/data``; skipped where that file is absent);
c. ``batch``: a batch of N demo counties (default 20), ``disparities batch``;
d. ``floor``: bare matplotlib drawing and saving the same number of figures, of
   the same sizes, formats and dpi, as the demo profile wrote (read off the
   image files in its output folder), each a simple bar chart with a title,
   labels and a footnote on a constrained-layout figure, as the charts are.

Jobs go through ``disparities.cli.main`` so the benchmark does not depend on
how the report is built inside; every child (jobs and floors alike) then ends
as the ``disparities`` command does (``disparities.cli.exit_now``). For every job it prints the wall time (process
start to exit), its ratio to a floor that writes the same images (the demo
floor is run once; another job whose images differ gets its own floor, or for
the batch, the demo floor's time per image times the batch's image count,
marked "scaled"), the CPU time (process and workers) and its ratio to the
floor's (steadier than wall time on a shared machine), the HTML size, the
number of images written and the peak memory (maximum resident set of the
job's process and of any worker processes, from ``getrusage``). Each floor runs
right after its job, so both see the same load; ``--repeat N`` keeps the
fastest of N runs.

Run: ``python benchmarks/bench_report.py [--only demo,chr,batch] [--batch-size N]
[--jobs N] [--repeat N] [--keep DIR]``. Timings are printed, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
CHR_FILE = "chr2022_nc_county_health_rankings_v1.xlsx"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg"}
JOBS = ("demo", "chr", "batch")


def parse_args(argv=None) -> argparse.Namespace:
    """The command line (exposed for the smoke test)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--only",
        default=",".join(JOBS),
        help=f"comma-separated jobs to run (of {', '.join(JOBS)}); the floor always runs",
    )
    p.add_argument("--county", default="Durham", help="county of the profiles")
    p.add_argument("--batch-size", type=int, default=20, help="counties in the batch")
    p.add_argument(
        "--jobs", type=int, default=0, help="--jobs for the batch (0: its default)"
    )
    p.add_argument(
        "--shared-data",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="folder holding the real CHR workbook",
    )
    p.add_argument(
        "--repeat", type=int, default=1, help="runs per job; the fastest is shown"
    )
    p.add_argument("--keep", type=Path, default=None, help="keep outputs here")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    unknown = set(args.only.split(",")) - set(JOBS)
    if unknown:
        p.error(f"unknown job(s) {sorted(unknown)}; choose from {JOBS}")
    return args


# --------------------------------------------------------------------------- files


def image_signature(folder: Path) -> list[tuple[str, float, float, float]]:
    """Every image under ``folder`` as ``(format, width_in, height_in, dpi)``.

    PNG/JPEG sizes come from the pixels and the dpi stored in the file; SVG
    from its ``width``/``height`` in points (72 per inch, dpi reported as 72).
    Sorted, so two folders with the same images give the same list.
    """
    from PIL import Image

    out = []
    for path in sorted(Path(folder).rglob("*")):
        suffix = path.suffix.lower()
        if suffix not in IMAGE_SUFFIXES:
            continue
        if suffix == ".svg":
            head = path.read_text(encoding="utf-8", errors="replace")[:2000]
            w = re.search(r'<svg[^>]*\bwidth="([\d.]+)(pt)?"', head, re.S)
            h = re.search(r'<svg[^>]*\bheight="([\d.]+)(pt)?"', head, re.S)
            if not (w and h):
                raise ValueError(f"{path}: no width/height on the <svg> element")
            out.append(("svg", float(w.group(1)) / 72, float(h.group(1)) / 72, 72.0))
            continue
        with Image.open(path) as im:
            dpi = float(im.info.get("dpi", (100, 100))[0])
            fmt = "png" if suffix == ".png" else "jpg"
            out.append((fmt, im.size[0] / dpi, im.size[1] / dpi, round(dpi, 1)))
    return sorted((f, round(w, 2), round(h, 2), d) for f, w, h, d in out)


def html_sizes(folder: Path) -> list[int]:
    """Sizes in bytes of every ``.html`` file under ``folder``."""
    return [p.stat().st_size for p in sorted(Path(folder).rglob("*.html"))]


# --------------------------------------------------------------------- child work


def draw_floor(signature, out_dir: Path) -> int:
    """Draw and save one simple constrained-layout chart per signature entry."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rng = np.random.default_rng(0)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = ["Black", "Hispanic or Latino", "Asian", "White", "Two or more", "Total"]
    for i, (fmt, w, h, dpi) in enumerate(signature):
        fig, ax = plt.subplots(figsize=(w, h), layout="constrained")
        ax.barh(labels, rng.uniform(5, 40, len(labels)), color="#0072B2")
        ax.set_xlabel("% of children", fontsize=17)
        ax.tick_params(labelsize=15)
        fig.suptitle(
            f"Floor chart {i}: a title as long as a real one",
            x=0.01,
            ha="left",
            fontsize=21,
        )
        fig.text(0.01, 0.005, "Source: a footnote line under the chart.", fontsize=11.5)
        fig.savefig(out_dir / f"floor_{i}.{fmt}", dpi=dpi)
        plt.close(fig)
    return len(signature)


def _child(spec: dict) -> dict:
    if spec["kind"] == "floor":
        n = draw_floor([tuple(x) for x in spec["signature"]], Path(spec["out"]))
        code = 0 if n == len(spec["signature"]) else 1
    else:
        from disparities.cli import main

        code = main(spec["argv"])
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "exit": code,
        "rss_kb": me.ru_maxrss,
        "worker_rss_kb": kids.ru_maxrss,
        "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    }


def run_in_child(spec: dict, log: Path) -> dict:
    """Run one job in a fresh interpreter; wall time measured from outside."""
    cmd = [sys.executable, str(HERE), "--child", json.dumps(spec)]
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=fh, text=True)
    wall = time.perf_counter() - start
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = Path(log).read_text()[-2000:]
        raise RuntimeError(f"job {spec} failed ({proc.returncode}):\n{tail}")
    result = json.loads(lines[-1])
    if result["exit"] != 0:
        raise RuntimeError(f"job {spec} exited {result['exit']}: see {log}")
    result["wall"] = wall
    return result


# ---------------------------------------------------------------------- the run


def _batch_counties(n: int) -> list[str]:
    from disparities.geography import county_table

    names = county_table("NC")["short_name"].tolist()
    return names[:n]


def main(argv=None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(_child(json.loads(args.child))), flush=True)
        # every child, floor or job, ends as the `disparities` command does:
        # exit handlers, then no interpreter teardown (see cli.exit_now)
        from disparities.cli import exit_now

        exit_now(0)
    wanted = args.only.split(",")
    base = (
        Path(tempfile.mkdtemp(prefix="bench_report_"))
        if args.keep is None
        else args.keep
    )
    base.mkdir(parents=True, exist_ok=True)
    specs: dict[str, dict] = {}
    if "demo" in wanted:
        specs["demo"] = {"argv": ["report", "--county", args.county, "--quiet"]}
    if "chr" in wanted:
        chr_path = args.shared_data / CHR_FILE
        if chr_path.exists():
            specs["chr"] = {
                "argv": [
                    "report",
                    "--county",
                    args.county,
                    "--data",
                    str(chr_path),
                    "--quiet",
                ]
            }
        else:
            print(f"chr: skipped, {chr_path} not found", file=sys.stderr)
    if "batch" in wanted:
        argv = ["batch", "--counties", *_batch_counties(args.batch_size), "--quiet"]
        if args.jobs:
            argv += ["--jobs", str(args.jobs)]
        specs["batch"] = {"argv": argv}

    rows, floors = [], {}

    def best(runs):
        """Fastest of repeated runs (least disturbed by other load)."""
        out = dict(min(runs, key=lambda r: r["wall"]))
        out["cpu"] = min(r["cpu"] for r in runs)
        return out

    def run_floor(sig):
        i = len(floors)
        out = base / f"floor_{i}"
        spec = {"kind": "floor", "signature": sig, "out": str(out)}
        return run_in_child(spec, base / f"floor_{i}.log")

    demo_floor = None
    for name, spec in specs.items():
        out = base / name
        spec = {"kind": "cli", "argv": [*spec["argv"], "--out", str(out)]}
        runs, floor_runs, sig = [], [], []
        for _ in range(args.repeat):
            if out.exists():
                shutil.rmtree(out)
            runs.append(run_in_child(spec, base / f"{name}.log"))
            sig = image_signature(out)
            # the floor runs right after its job, so both see the same load
            if sig and not (name == "batch" and demo_floor is not None):
                floor_runs.append(run_floor(sig))
        res = best(runs)
        if floor_runs:
            floor = best(floor_runs)
            floor["n"] = len(sig)
            floors[json.dumps(sig)] = floor
            rows.append((f"floor ({len(sig)} images)", floor, len(sig), [], None))
            if name == "demo":
                demo_floor = floor
        elif sig and demo_floor is not None:
            k = len(sig) / max(1, demo_floor["n"])
            floor = {
                "wall": demo_floor["wall"] * k,
                "cpu": demo_floor["cpu"] * k,
                "scaled": True,
            }
        else:
            floor = None
        rows.append((name, res, len(sig), html_sizes(out), floor))

    print(f"\nbench_report: {len(specs)} job(s), best of {args.repeat}, in {base}")
    print(
        f"{'job':<22}{'wall s':>8}{'x floor':>9}{'cpu s':>8}{'x floor':>9}"
        f"{'images':>8}{'HTML MB':>11}{'peak MB':>9}"
    )
    for name, res, n_img, html, floor in rows:
        ratio = cpu_ratio = ""
        if floor:
            star = "*" if floor.get("scaled") else ""
            ratio = f"{res['wall'] / floor['wall']:.2f}{star}"
            cpu_ratio = f"{res['cpu'] / floor['cpu']:.2f}{star}"
        html_txt = ""
        if html:
            html_txt = (
                f"{html[0] / 1e6:.2f}"
                if len(html) == 1
                else f"{max(html) / 1e6:.2f}max"
            )
        peak = max(res["rss_kb"], res["worker_rss_kb"]) / 1024
        print(
            f"{name:<22}{res['wall']:>8.1f}{ratio:>9}{res['cpu']:>8.1f}"
            f"{cpu_ratio:>9}{n_img:>8}{html_txt:>11}{peak:>9.0f}"
        )
    if any(f and f.get("scaled") for *_, f in rows):
        print(
            "* scaled: the demo floor's time per image times the job's image count "
            "(one process; the batch may use several)"
        )
    formats = (
        sorted({s[0] for s in image_signature(base / "demo")})
        if "demo" in specs
        else []
    )
    if formats:
        print(f"demo images: {', '.join(formats)}; floor draws the same sizes/dpi")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
