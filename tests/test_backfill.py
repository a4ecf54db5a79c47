"""Backfill runs periods at once on one temporary server: each its own run, version and flow
run; a period that blocks stops none of the others; Ctrl-C lets the periods running finish
and starts no more, leaving nothing half-made."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.demo_data.pspo_breaches import generate
from flows.pspo_breaches import DECLARATION
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.settings import PROJECT_ROOT
from tasks.collect import inbox_folder

pytestmark = pytest.mark.subprocess
CONFIG = authorities.load_config(DECLARATION, "demo")


def home_with_logs(root: Path, periods: list[str], empty: str = "") -> dict:
    """A home whose inbox holds each period's demo log (`empty`'s has no rows); its
    environment, with the store on SQLite in it."""
    for period in periods:
        ctx = Context("demo", parse_period(period), CONFIG)
        folder = inbox_folder(root / "var" / "inbox", "pspo-breaches", ctx)
        folder.mkdir(parents=True)
        log = generate(ctx.period, ctx.config)["enforcement-log"]
        (log.head(0) if period == empty else log).to_csv(folder / "enforcement-log.csv",
                                                         index=False)
    env = {**os.environ, "STATRETURNS_HOME": str(root),
           "PREFECT_HOME": str(root / "var" / "prefect")}
    for name in ("STATRETURNS_DATABASE_URL", "PREFECT_API_URL"):
        env.pop(name, None)
    return env


def runs(root: Path) -> list[dict]:
    """The backfill's store (its own SQLite file, read as any program may)."""
    store = sqlite3.connect(root / "var" / "statreturns.db", timeout=30)
    store.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in store.execute(
            "SELECT period, status, version, flow_run_id, outputs_dir FROM run "
            "ORDER BY period, id")]
    except sqlite3.OperationalError:  # not made yet
        return []
    finally:
        store.close()


def backfill(env: dict, first: str, last: str, *more: str) -> list[str]:
    return [sys.executable, "-m", "statreturns.app.cli", "backfill", "pspo-breaches",
            "--from", first, "--to", last, "--workers", "2", *more]


AT_A_TERMINAL = ["-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                 "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"]
"""Run the rest of a command as from a terminal, where Ctrl-C reaches it: a command started
in the background (as a test run may be) inherits SIGINT ignored, and rightly keeps it so."""


def test_periods_run_at_once_each_recorded_and_one_blocked_stops_none(tmp_path):
    periods = ["R12-2025-07", "R12-2025-08", "R12-2025-09", "R12-2025-10"]
    env = home_with_logs(tmp_path, periods, empty="R12-2025-08")
    done = subprocess.run(backfill(env, periods[0], periods[-1]), env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    said = " ".join(done.stdout.split())
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "4 of 4 periods run: 3 produced or unchanged, 1 not" in said
    assert "4/4 3 done, 1 blocked, 0 failed" in said
    assert "R12-2025-08: blocked:" in said
    found = runs(tmp_path)
    assert [(r["period"], r["status"], r["version"]) for r in found] == [
        ("R12-2025-07", "produced", 1), ("R12-2025-08", "blocked", None),
        ("R12-2025-09", "produced", 1), ("R12-2025-10", "produced", 1)]
    assert len({r["flow_run_id"] for r in found}) == 4 and all(r["flow_run_id"] for r in found)
    assert len({r["outputs_dir"] for r in found if r["version"]}) == 3

    again = subprocess.run(backfill(env, periods[2], periods[3], "--force"), env=env,
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-2000:]
    versions = [(r["period"], r["version"]) for r in runs(tmp_path) if r["version"]]
    assert sorted(versions) == [("R12-2025-07", 1), ("R12-2025-09", 1), ("R12-2025-09", 2),
                                ("R12-2025-10", 1), ("R12-2025-10", 2)]


def test_ctrl_c_lets_the_running_periods_finish_and_starts_no_more(tmp_path):
    # More periods than a fast machine runs between the first one ending and Ctrl-C.
    periods = [str(parse_period("R12-2025-10").step(-i)) for i in range(39, -1, -1)]
    env = home_with_logs(tmp_path, periods)
    [python, *rest] = backfill(env, periods[0], periods[-1])
    process = subprocess.Popen([python, *AT_A_TERMINAL, *rest], env=env,
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while not [r for r in runs(tmp_path) if r["status"] == "produced"]:
        assert time.monotonic() < deadline and process.poll() is None, "no period finished"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    out, _ = process.communicate(timeout=300)
    said = " ".join(out.split())
    assert process.returncode == 130, out[-2000:]
    assert "stopping: letting the" in said and "stopped before the rest (Ctrl-C)" in said
    found = runs(tmp_path)
    assert 0 < len(found) < len(periods)
    assert {r["status"] for r in found} == {"produced"}  # none left running or crashed
    for run in found:
        assert (Path(run["outputs_dir"]) / "manifest.json").is_file()
    outputs = tmp_path / "outputs" / "demo" / "pspo-breaches"
    assert sorted(p.name for p in outputs.iterdir()) == sorted(r["period"] for r in found)
