"""Mutation testing for the statistical core: do the tests notice a wrong formula?

For each module the script parses the source with :mod:`ast`, makes *mutants*
(one small deliberate bug each), and runs that module's tests against every
mutant. A mutant is *killed* when a test fails (or the run times out); one that
survives points at a formula, threshold or branch no test pins down.

Mutations (one per mutant):

* comparisons: ``<`` <-> ``<=``, ``>`` <-> ``>=``, and each negated
  (``<`` -> ``>=``, ``==`` <-> ``!=``, ``is`` <-> ``is not``, ``in`` <-> ``not in``);
* arithmetic: ``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``, ``**`` -> ``*``,
  ``&`` <-> ``|`` (NumPy masks), also in augmented assignments;
* numbers: ``n`` -> ``n + 1`` and ``n - 1`` (``0`` -> ``1``, ``1`` -> ``0``, floats
  below 1 halved and doubled);
* booleans: ``True`` <-> ``False``; ``and`` <-> ``or``;
* unary: a leading ``-``, ``not`` or ``~`` dropped;
* calls: ``min`` <-> ``max``, ``np.minimum`` <-> ``np.maximum``, ``np.min`` <->
  ``np.max``, ``np.any`` <-> ``np.all``, ``np.floor`` <-> ``np.ceil``.

Docstrings, annotations, f-strings and error messages are not mutated.

The real files are never touched: ``src/``, ``tests/`` and ``pyproject.toml``
are copied to a temporary directory (next to a link to ``../shared`` so tests on
real samples still run), each mutant is written over the copy, and pytest runs
there with ``PYTHONPATH`` set to the copy and byte-code caching off.

Usage (from the repository root; not run in CI, it takes minutes)::

    python benchmarks/mutation.py                      # every mapped module
    python benchmarks/mutation.py gaps reliability     # some modules
    python benchmarks/mutation.py gaps --list          # print the mutants only
    python benchmarks/mutation.py gaps --json out.json # also save the results
    python benchmarks/mutation.py gaps --survivors-of out.json  # rerun survivors

Equivalent mutants (a change no test could ever detect, e.g. the size of a
processing block) are listed in ``benchmarks/equivalent_mutants.txt`` with a
reason, one per line::

    gaps.py || _CHUNK = 1 << 18 || col 14-16: 18 -> 19 || block size: same table

The key is the file, the stripped source line and the mutation (with its
column), so it survives edits elsewhere in the file. Excluded mutants are
counted apart and not in the kill rate.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "disparities"
EXCLUDE_FILE = ROOT / "benchmarks" / "equivalent_mutants.txt"

#: Module -> the test files that should catch its mutants. The module's own
#: doctests always run too.
TESTS = {
    "uncertainty": [
        "tests/test_uncertainty.py",
        "tests/test_boundaries_uncertainty.py",
    ],
    "reliability": [
        "tests/test_reliability.py",
        "tests/test_boundaries_reliability.py",
    ],
    "gaps": [
        "tests/test_gaps.py",
        "tests/test_boundaries_gaps.py",
        "tests/test_gap_significance.py",
        "tests/test_invariants.py",
    ],
    "trends": ["tests/test_trends.py", "tests/test_boundaries_trends.py"],
    "summary_measures": [
        "tests/test_summary_measures.py",
        "tests/test_boundaries_summary_measures.py",
    ],
}

#: Heavy third-party imports done once when forking (never the project itself).
PRELOAD = [
    "numpy",
    "pandas",
    "scipy.stats",
    "scipy.special",
    "statsmodels.stats.proportion",
    "hypothesis",
    "matplotlib",
    "_pytest.doctest",
    "pytest",
]

_CMP_SWAPS = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_BIN_SWAPS = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div,),
    ast.Div: (ast.Mult,),
    ast.FloorDiv: (ast.Div,),
    ast.Pow: (ast.Mult,),
    ast.BitAnd: (ast.BitOr,),
    ast.BitOr: (ast.BitAnd,),
}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Pow: "**",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.And: "and",
    ast.Or: "or",
    ast.USub: "-",
    ast.Not: "not",
    ast.Invert: "~",
}
_CALL_SWAPS = {
    "min": "max",
    "max": "min",
    "minimum": "maximum",
    "maximum": "minimum",
    "nanmin": "nanmax",
    "nanmax": "nanmin",
    "any": "all",
    "all": "any",
    "floor": "ceil",
    "ceil": "floor",
}


@dataclass
class Mutant:
    """One mutation: where it is and what it does."""

    module: str
    index: int  # position among the module's mutation sites
    choice: int  # which alternative at that site
    line: int
    col: int
    end_col: int
    description: str
    source_line: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (f"{self.module}.py", self.source_line, self.label)

    @property
    def label(self) -> str:
        return f"col {self.col}-{self.end_col}: {self.description}"


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, f-strings, raise."""
    skip: set[int] = set()

    def mark(node):
        for sub in ast.walk(node):
            skip.add(id(sub))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(
                body[0].value.value, str
            ):
                mark(body[0])
        if isinstance(node, (ast.JoinedStr, ast.Raise, ast.Import, ast.ImportFrom)):
            mark(node)
        if isinstance(node, ast.arg) and node.annotation is not None:
            mark(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            mark(node.returns)
        if isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            mark(node)
    return skip


def _number_alternatives(v):
    if isinstance(v, int):
        return [v + 1, v - 1] if v not in (0, 1) else [1 - v, v + 2]
    if 0 < abs(v) < 1:
        return [v / 2, v * 2]
    return [v + 1, v - 1]


def _alternatives(node: ast.AST) -> list[tuple[str, object]]:
    """The mutations possible at ``node``: (description, payload)."""
    out: list[tuple[str, object]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in _CMP_SWAPS.get(type(op), ()):
                out.append((f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}", ("cmp", i, new)))
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        for new in _BIN_SWAPS.get(type(node.op), ()):
            out.append((f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", ("bin", new)))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append((f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", ("bool", new)))
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _SYMBOL:
        out.append((f"drop unary {_SYMBOL[type(node.op)]}", ("unary",)))
    elif isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            out.append((f"{v} -> {not v}", ("const", not v)))
        elif isinstance(v, (int, float)):
            for new in _number_alternatives(v):
                out.append((f"{v!r} -> {new!r}", ("const", new)))
    elif isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
        if name in _CALL_SWAPS and not (
            isinstance(f, ast.Attribute)
            and not (isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy"))
            and name in ("any", "all")
        ):
            out.append((f"{name}() -> {_CALL_SWAPS[name]}()", ("call",)))
    return out


def _sites(tree: ast.AST) -> list[ast.AST]:
    skip = _skipped_nodes(tree)
    return [n for n in ast.walk(tree) if id(n) not in skip and _alternatives(n)]


def list_mutants(module: str) -> list[Mutant]:
    """Every mutant of ``src/disparities/<module>.py``."""
    path = PACKAGE / f"{module}.py"
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    out = []
    for index, node in enumerate(_sites(tree)):
        for choice, (desc, _) in enumerate(_alternatives(node)):
            out.append(
                Mutant(
                    module,
                    index,
                    choice,
                    node.lineno,
                    node.col_offset,
                    node.end_col_offset if node.end_lineno == node.lineno else -1,
                    desc,
                    lines[node.lineno - 1].strip(),
                )
            )
    return out


def mutate_source(text: str, mutant: Mutant) -> str:
    """The module's source with ``mutant`` applied."""
    tree = ast.parse(text)
    node = _sites(tree)[mutant.index]
    _, payload = _alternatives(node)[mutant.choice]
    kind = payload[0]
    if kind == "cmp":
        node.ops[payload[1]] = payload[2]()
    elif kind in ("bin", "bool"):
        node.op = payload[1]()
    elif kind == "const":
        node.value = payload[1]
    elif kind == "call":
        f = node.func
        if isinstance(f, ast.Name):
            f.id = _CALL_SWAPS[f.id]
        else:
            f.attr = _CALL_SWAPS[f.attr]
    elif kind == "unary":
        _replace(tree, node, node.operand)
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace(tree, old, new):
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def read_excluded(path: Path = EXCLUDE_FILE) -> dict[tuple[str, str, str], str]:
    """Equivalent mutants: key -> reason (``file || line || mutation || reason``)."""
    out = {}
    if not path.exists():
        return out
    for raw in path.read_text().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in raw.split(" || ")]
        if len(parts) != 4:
            raise SystemExit(
                f"{path}: expected 'file || line || mutation || reason': {raw}"
            )
        out[tuple(parts[:3])] = parts[3]
    return out


class Sandbox:
    """A temporary copy of the project where mutants are written and tested."""

    def __init__(self, fork: bool = False):
        self.fork = fork
        if fork:  # warm the interpreter once; children inherit the imports
            for name in PRELOAD:
                __import__(name)
        self.base = Path(tempfile.mkdtemp(prefix="mutation-"))
        self.repo = self.base / "repo"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
        for part in ("src", "tests"):
            shutil.copytree(ROOT / part, self.repo / part, ignore=ignore)
        shutil.copy2(ROOT / "pyproject.toml", self.repo / "pyproject.toml")
        shared = ROOT.parent / "shared"
        if shared.exists():
            (self.base / "shared").symlink_to(shared)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(self.repo / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
        }

    def run(self, module: str, source: str, timeout: float) -> tuple[str, float]:
        """Write ``source`` as the module and run its tests: status and seconds."""
        target = self.repo / "src" / "disparities" / f"{module}.py"
        target.write_text(source)
        tests = [t for t in TESTS[module] if (self.repo / t).exists()]
        args = [
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-header",
            "-o",
            "addopts=",
            "--doctest-modules",
            f"src/disparities/{module}.py",
            *tests,
        ]
        if self.fork:
            return self._run_forked(args, timeout)
        cmd = [sys.executable, "-m", "pytest", *args]
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.repo,
                env=self.env,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - start
        took = time.perf_counter() - start
        if proc.returncode == 0:
            return "survived", took
        if proc.returncode == 1:
            return "killed", took
        # 2-4: interrupted, internal or usage error, e.g. a mutant that breaks
        # import during collection: the tests noticed, so it counts as killed
        return "killed", took

    def _run_forked(self, args, timeout):
        """Run pytest in a forked child of this process, where NumPy, pandas,
        SciPy and pytest are already imported (saves ~2 s per mutant). The
        project itself is never imported here, so each child imports the
        mutant fresh."""
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # child
            code = 3
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                os.chdir(self.repo)
                os.environ.update(self.env)
                # as `python -m pytest` from the root: the root and src importable
                sys.path[:0] = [str(self.repo), str(self.repo / "src")]
                sys.dont_write_bytecode = True
                import pytest

                code = int(pytest.main(args))
            finally:
                os._exit(code)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            took = time.perf_counter() - start
            if done:
                code = os.waitstatus_to_exitcode(status)
                return ("survived" if code == 0 else "killed"), took
            if took > timeout:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                return "timeout", took
            time.sleep(0.05)

    def cleanup(self):
        shutil.rmtree(self.base, ignore_errors=True)


def run_module(
    module, sandbox, excluded, *, only=None, timeout=None, verbose=False, sample=None
):
    """Run every mutant of ``module``; return a list of result dicts."""
    original = (PACKAGE / f"{module}.py").read_text()
    # the baseline is the unparsed (comment-free) source, as every mutant is
    baseline = ast.unparse(ast.parse(original))
    status, took = sandbox.run(module, baseline, timeout=600)
    if status != "survived":
        print(f"{module}: the tests fail without any mutation ({status}); skipped")
        return []
    limit = timeout or max(30.0, 4 * took)
    print(f"{module}: baseline tests pass in {took:.1f}s (timeout {limit:.0f}s)")
    results = []
    mutants = list_mutants(module)
    if sample and sample < len(mutants):
        import random

        keep = set(random.Random(0).sample(range(len(mutants)), sample))
        mutants = [m for i, m in enumerate(mutants) if i in keep]
        print(f"  a random sample of {sample} mutants")
    for m in mutants:
        if only is not None and m.key not in only:
            continue
        if m.key in excluded:
            results.append({**asdict(m), "status": "equivalent"})
            continue
        status, took = sandbox.run(module, mutate_source(original, m), limit)
        results.append({**asdict(m), "status": status, "seconds": round(took, 1)})
        if verbose or status == "survived":
            print(f"  {status:9s} {module}.py:{m.line} {m.label}  [{m.source_line}]")
    sandbox.run(module, original, timeout=600)  # leave the copy as it was
    return results


def summarise(module, results):
    counted = [r for r in results if r["status"] != "equivalent"]
    killed = sum(r["status"] in ("killed", "timeout") for r in counted)
    eq = len(results) - len(counted)
    rate = killed / len(counted) if counted else float("nan")
    print(
        f"{module}: {killed}/{len(counted)} killed ({rate:.0%}), "
        f"{len(counted) - killed} survived, {eq} equivalent excluded"
    )
    return rate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=list(TESTS))
    parser.add_argument("--list", action="store_true", help="print mutants, run none")
    parser.add_argument("--exclude", type=Path, default=EXCLUDE_FILE)
    parser.add_argument("--timeout", type=float, help="seconds per mutant")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument(
        "--survivors-of", type=Path, help="rerun only the survivors in this JSON"
    )
    parser.add_argument(
        "--no-fork",
        action="store_true",
        help="start a fresh interpreter per mutant (slower; default on non-POSIX)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        help="test only a random sample of this many mutants per module (seed 0)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in TESTS]
    if unknown:
        parser.error(f"no test mapping for {unknown}; known: {list(TESTS)}")
    excluded = read_excluded(args.exclude)
    if args.list:
        for module in args.modules:
            for m in list_mutants(module):
                mark = " (equivalent)" if m.key in excluded else ""
                print(f"{module}.py:{m.line} {m.label}{mark}  [{m.source_line}]")
        return 0
    only = None
    if args.survivors_of:
        old = json.loads(args.survivors_of.read_text())
        only = {
            (
                f"{r['module']}.py",
                r["source_line"],
                f"col {r['col']}-{r['end_col']}: {r['description']}",
            )
            for rs in old.values()
            for r in rs
            if r["status"] == "survived"
        }
    os.environ.setdefault("MPLBACKEND", "Agg")
    sandbox = Sandbox(fork=hasattr(os, "fork") and not args.no_fork)
    # a plain `kill` still removes the temporary copy
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    all_results = {}
    try:
        for module in args.modules:
            all_results[module] = run_module(
                module,
                sandbox,
                excluded,
                only=only,
                timeout=args.timeout,
                verbose=args.verbose,
                sample=args.sample,
            )
            if args.json:  # after each module, so a long run keeps its results
                args.json.write_text(json.dumps(all_results, indent=1))
    finally:
        sandbox.cleanup()
    print()
    for module, results in all_results.items():
        summarise(module, results)
    if args.json:
        args.json.write_text(json.dumps(all_results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
