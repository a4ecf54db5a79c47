"""What the figures share: the demo authority's PSPO context, timing, and child processes."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if "STATRETURNS_HOME" not in os.environ:  # a new home, made only where none is given
    os.environ["STATRETURNS_HOME"] = tempfile.mkdtemp(prefix="statreturns-bench-")
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

from statreturns import authorities  # noqa: E402
from statreturns.declaration import Context  # noqa: E402
from statreturns.periods import parse_period  # noqa: E402
from statreturns.settings import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "R12-2026-10"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values) -> float:
    return statistics.median(values)


def pspo_context(period: str = PERIOD) -> Context:
    from flows.pspo_breaches import DECLARATION

    return Context("demo", parse_period(period), authorities.load_config(DECLARATION, "demo"))


def scratch(prefix: str = "bench-") -> Path:
    """A new folder in the demo authority's inbox, the only place runs read files from."""
    inbox = get_settings().inbox / "demo"
    inbox.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=inbox))


def new_home(prefix: str) -> Path:
    """An empty home for a figure that starts from nothing, kept in this one's ``var/``."""
    var = get_settings().var
    var.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=var))


def demo_log(folder: Path, ctx: Context, rows: int | None) -> Path:
    """The PSPO enforcement log, realistic size or `rows` rows, with its planted problems."""
    from flows.demo_data.pspo_breaches import generate

    path = folder / f"enforcement-log-{rows or 'demo'}.csv"
    if not path.exists():
        generate(ctx.period, ctx.config, rows, True)["enforcement-log"].to_csv(path, index=False)
    return path


def child(module: str, *args: str, env: dict | None = None) -> dict:
    """Run ``python -m module args`` from the checkout; it prints one JSON object last."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, check=True,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})
    return json.loads(done.stdout.strip().splitlines()[-1])


def figure(name: str, value: float, unit: str, target: float, compare: str, repetitions: int,
           **detail) -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "compare": compare,
            "repetitions": repetitions, "detail": detail}
