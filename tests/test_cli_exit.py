"""The `disparities` command ends its process at once, losing no output."""

import subprocess
import sys

SCRIPT = """
import atexit, sys
from disparities import cli
atexit.register(lambda: print("exit handler ran"))
sys.argv = ["disparities", *sys.argv[1:]]
cli.run()
"""


def _run(*args):
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_piped_output_and_exit_handlers_survive_the_quick_exit():
    done = _run("counties")
    assert done.returncode == 0, done.stderr
    # stdout is a pipe (block-buffered): every line must have been flushed
    lines = done.stdout.splitlines()
    assert any("Durham" in line for line in lines)
    assert lines[-1] == "exit handler ran"


def test_the_exit_code_is_the_commands():
    done = _run("report", "--county", "Durhm")
    assert done.returncode == 2
    assert "Durham" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip() == "exit handler ran"
