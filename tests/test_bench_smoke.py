"""`make bench` still runs: every figure at its smallest size (a few rows, one repetition,
one backfill period, one authority with one return) gives figures the report can read.

Each figure is measured by ``python -m benchmarks.run --only NAME`` in a home of its own,
its runs recorded on the session's Prefect test server (the many-authorities figure starts
a server of its own), its results written to a temporary file, never to
benchmarks/results.json. The table it prints says of each figure whether it met its target
(`met`); `markdown` reads the same fields.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from statreturns.settings import PROJECT_ROOT

pytestmark = [pytest.mark.subprocess, pytest.mark.one_pass]  # make bench runs on SQLite

SMALLEST = ["--repetitions", "1", "--rows", "50", "--periods", "1", "--batches", "1",
            "--authorities", "1", "--returns", "1"]
FIGURES = {  # how the names of each one's figures begin
    "overhead": ["orchestration overhead per run"],
    "validation": ["validation, Great Expectations / pandas (50 rows)"],
    "end-to-end": ["end to end, Prefect flow / plain pandas (50 rows)",
                   "end to end, peak memory / loaded frame (50 rows)"],
    "backfill": ["backfill, 1 monthly periods"],
    "authorities": ["many authorities, runs not completed or locked (1 authorities x 1 returns",
                    "many authorities, throughput (1 authorities x 1 returns"],
    "commands": [*(f"statreturns {c}" for c in (
        "--help", "status", "history", "calendar", "rules", "list", "diff", "audit", "explain",
        "approve", "submit")), "cold start of a run's process", "statreturns run, demo-size",
                 "statreturns run, demo-size PSPO, with make server running"],
}
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def measured(name: str, home: Path, results: Path) -> tuple[list[dict], str]:
    """The figures of ``python -m benchmarks.run --only NAME`` at its smallest size, and the
    table it printed."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "STATRETURNS_HOME": str(home),
           "PREFECT_HOME": str(home / "var" / "prefect"),
           "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PREFECT_WORKER_QUERY_SECONDS": "2"}  # workers poll often: the batch ends sooner
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--only", name, *SMALLEST,
                           "--results", str(results)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(results.read_text())["figures"], done.stdout


def check(figure: dict) -> None:
    """A figure as benchmarks.run writes it: a finite value beside its unit and target."""
    value, unit, target = figure["value"], figure["unit"], figure["target"]
    assert isinstance(value, int | float) and math.isfinite(value), figure
    assert isinstance(unit, str), figure
    if unit:
        assert value > 0, figure
    else:  # a count of runs gone wrong: there must be none
        assert value == target == 0, figure
    if target is None:
        assert figure["compare"] == "", figure
    else:
        assert isinstance(target, int | float) and figure["compare"] in ("<=", ">="), figure
    assert figure["repetitions"] == 1, figure


@pytest.mark.parametrize("name", FIGURES)
def test_figure_at_smallest_size(name, tmp_path, harness):
    if name == "authorities":
        try:
            psycopg.connect(POSTGRES, connect_timeout=5).close()
        except psycopg.OperationalError:
            pytest.skip(f"the many-authorities figure needs PostgreSQL at {POSTGRES}, which "
                        "is not reachable here (CI has it)")
    home = tmp_path / "home"
    (home / "var" / "prefect").mkdir(parents=True)
    figures, table = measured(name, home, tmp_path / "results.json")
    names, starts = [f["name"] for f in figures], FIGURES[name]
    assert len(names) == len(starts), names
    assert all(n.startswith(start) for n, start in zip(names, starts, strict=True)), names
    for figure in figures:
        check(figure)
        row = next(line for line in table.splitlines() if line.startswith(figure["name"]))
        assert row.endswith(("yes", "NO", "-")), row
