"""Backfill: ``statreturns backfill pspo-breaches`` over 60 monthly periods at demo size (the
60 months that have ended, as a backfill runs only those), each period its own recorded run
with its versions and artifacts. The demo authority's first order starts in August 2022:
the months before it have no breaches to count, so their empty logs block (the backfill
says how many), and the figure says so. The periods run at once, as many as the machine has
cores (the command's default), on one temporary server. Every repetition starts from a new
home (store, inbox, outputs), so the figure includes starting the temporary server and the
worker processes, as an officer's backfill would. Prefect's database is made beforehand, as
it is on any machine after its first command (making it takes about 8 s more, once)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

from benchmarks.common import ROOT, figure, median, new_home, pspo_context, timed
from statreturns.periods import PeriodType, latest_complete

PERIODS = 60


def _home(periods: list) -> dict:
    """A new home whose inbox holds every period's demo log (written here: not timed)."""
    from flows.demo_data.pspo_breaches import generate
    from tasks.collect import inbox_folder

    home = new_home("backfill-")
    for period in periods:
        ctx = pspo_context(str(period))
        folder = inbox_folder(home / "var" / "inbox", "pspo-breaches", ctx)
        folder.mkdir(parents=True)
        log = generate(ctx.period, ctx.config)["enforcement-log"]
        log.to_csv(folder / "enforcement-log.csv", index=False)
    env = {**os.environ, "STATRETURNS_HOME": str(home),
           "PREFECT_HOME": str(home / "var" / "prefect")}
    subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                   env=env, check=True, capture_output=True)
    return env


def _backfill(env: dict, periods: list, blocked: list[int]) -> None:
    """The backfill, which exits 1 where a period blocked; every period must have run."""
    done = subprocess.run([sys.executable, "-m", "statreturns.app.cli", "backfill",
                           "pspo-breaches", "--from", str(periods[0]), "--to",
                           str(periods[-1])], cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"(\d+) of (\d+) periods run: (\d+) produced or unchanged", done.stdout)
    if done.returncode not in (0, 1) or not found \
            or not found[1] == found[2] == str(len(periods)):
        raise RuntimeError(f"backfill failed ({done.returncode}): {done.stdout[-500:]}"
                           f"{done.stderr[-500:]}")
    blocked.append(len(periods) - int(found[3]))


def measure(n: int, count: int = PERIODS) -> dict:
    last = latest_complete(PeriodType.MONTH, date.today())  # a backfill runs ended periods
    periods = [last.step(i - count + 1) for i in range(count)]
    seconds, blocked = [], []
    for _ in range(n):
        env = _home(periods)
        seconds.append(timed(lambda env=env: _backfill(env, periods, blocked)))
    total = median(seconds)
    return figure(f"backfill, {len(periods)} monthly periods (PSPO, demo size)",
                  round(total, 1), "s", 25, "<=", n,
                  per_period_s=round(total / len(periods), 2),
                  blocked_before_the_first_order=max(blocked))
