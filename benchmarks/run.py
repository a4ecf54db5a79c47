"""`make bench`: figures measured side by side in one run, the median of several
repetitions, beside their targets. Writes benchmarks/results.json and prints a table.

Run from the checkout: ``.venv/bin/python -m benchmarks.run [--repetitions N] [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("STATRETURNS_HOME", tempfile.mkdtemp(prefix="statreturns-bench-"))
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

import pandas as pd  # noqa: E402

from statreturns import authorities  # noqa: E402
from statreturns.declaration import Context  # noqa: E402
from statreturns.periods import parse_period  # noqa: E402

PERIOD = "R12-2026-10"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(n: int, fn) -> float:
    return statistics.median(fn() for _ in range(n))


def demo_log(folder: Path, ctx: Context, rows: int | None) -> Path:
    from flows.demo_data.pspo_breaches import generate

    path = folder / f"enforcement-log-{rows or 'demo'}.csv"
    generate(ctx.period, ctx.config, rows, True)["enforcement-log"].to_csv(path, index=False)
    return path


def orchestration_overhead(ctx: Context, folder: Path, n: int) -> dict:
    """The PSPO return at demo size as a Prefect flow, against the same stages called
    directly (tasks as plain functions, a plain logger) in the same process."""
    from unittest import mock

    import flows.skeleton as skeleton
    from flows.pspo_breaches import DECLARATION, pspo_breaches

    path = demo_log(folder, ctx, None)
    inputs = [str(path)]
    stages = ("collect", "validate_source", "assemble", "validate_return", "render",
              "open_run", "allocate_version", "finish_run")
    plain = {name: getattr(skeleton, name).fn for name in stages}
    plain["publish"] = lambda *args: None  # artifacts are Prefect's alone

    def direct() -> float:
        with mock.patch.multiple(skeleton, **plain), mock.patch.object(
                skeleton, "get_run_logger", lambda: logging.getLogger("bench")):
            return timed(lambda: skeleton.run_return(DECLARATION, PERIOD, "demo", inputs,
                                                     force=True))

    def flow() -> float:
        return timed(lambda: pspo_breaches(period=PERIOD, authority="demo", inputs=inputs,
                                           force=True))

    flow()  # the first run starts Prefect's temporary server: not part of the figure
    pairs = [(flow(), direct()) for _ in range(n)]
    extra = statistics.median(f - d for f, d in pairs)
    return {"name": "orchestration overhead per run (PSPO, demo size)", "value": round(extra, 3),
            "unit": "s", "target": 0.3, "compare": "<=", "repetitions": n,
            "detail": {"flow_s": round(statistics.median(f for f, _ in pairs), 3),
                       "direct_s": round(statistics.median(d for _, d in pairs), 3)}}


def validation_ratio(ctx: Context, folder: Path, n: int, rows: int) -> dict:
    """The enforcement-log suite through Great Expectations over `rows` rows, against the
    same rules checked directly in pandas."""
    from benchmarks.pandas_rules import unexpected
    from flows.pspo_breaches import DECLARATION
    from tasks.collect import collect
    from tasks.validate import check_source, load_suite, suite_path

    source = DECLARATION.sources[0]
    got = collect.fn(source, [demo_log(folder, ctx, rows)], folder / "archive", ctx)
    suite_file = suite_path(DECLARATION.id, source.suite)
    expectations = json.loads(suite_file.read_text())["expectations"]
    parameters = source.parameters(ctx)
    load_suite(suite_file)

    def great_expectations() -> float:
        return timed(lambda: check_source(DECLARATION.id, got, ctx))

    def plain() -> float:
        return timed(lambda: [unexpected(got.frame, e, parameters) for e in expectations])

    great_expectations()  # builds the context once, as a long-lived worker would
    pairs = [(great_expectations(), plain()) for _ in range(n)]
    ratio = statistics.median(g / p for g, p in pairs)
    return {"name": f"validation, Great Expectations / pandas ({rows:,} rows)",
            "value": round(ratio, 2), "unit": "x", "target": 3, "compare": "<=",
            "repetitions": n,
            "detail": {"great_expectations_s": round(statistics.median(g for g, _ in pairs), 3),
                       "pandas_s": round(statistics.median(p for _, p in pairs), 3)}}


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cores": os.cpu_count(), "memory_gb": round(memory / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            **{name: version(name) for name in ("prefect", "great-expectations", "pandas")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    ctx_config = authorities.load_config(
        __import__("flows.pspo_breaches", fromlist=["DECLARATION"]).DECLARATION, "demo")
    ctx = Context("demo", parse_period(PERIOD), ctx_config)
    folder = Path(tempfile.mkdtemp(prefix="statreturns-bench-data-"))
    figures = [orchestration_overhead(ctx, folder, args.repetitions),
               validation_ratio(ctx, folder, args.repetitions, args.rows)]
    results = {"measured_on": time.strftime("%Y-%m-%d"), "machine": machine(),
               "figures": figures}
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = pd.DataFrame([{"figure": f["name"], "value": f"{f['value']} {f['unit']}",
                           "target": f"{f['compare']} {f['target']} {f['unit']}",
                           "met": "yes" if (f["value"] <= f["target"] if f["compare"] == "<="
                                            else f["value"] >= f["target"]) else "NO"}
                          for f in figures])
    print(table.to_string(index=False))
    print(f"machine: {results['machine']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
