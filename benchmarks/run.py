"""`make bench`: figures measured side by side in one run, the median of several
repetitions, beside their targets. Writes benchmarks/results.json (or --results FILE) and
prints a table.

Run from the checkout: ``.venv/bin/python -m benchmarks.run [--repetitions N] [--rows N]
[--periods N] [--batches N] [--authorities N] [--returns N] [--only NAME ...]
[--results FILE]``, NAME one of overhead, validation, end-to-end, backfill, authorities,
commands;
``--markdown`` prints the last results as the README's table instead. The files handed to
runs are written in the demo authority's inbox under STATRETURNS_HOME (a new temporary home
unless it is set).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

from benchmarks import backfill, commands, end_to_end, many_authorities, overhead, validation
from benchmarks.common import scratch

HERE = Path(__file__).resolve().parent
FIGURES = ("overhead", "validation", "end-to-end", "backfill", "authorities", "commands")


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cores": os.cpu_count(), "memory_gb": round(memory / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            **{name: version(name) for name in ("prefect", "great-expectations", "pandas",
                                                "pyarrow")}}


def met(f: dict) -> str:
    if f["target"] is None:
        return "-"  # recorded, no target
    held = f["value"] <= f["target"] if f["compare"] == "<=" else f["value"] >= f["target"]
    return "yes" if held else "NO"


def markdown(results: dict) -> str:
    rows = ["| figure | measured | target | met |", "|---|---|---|---|"]
    for f in results["figures"]:
        target = f"{f['compare']} {f['target']} {f['unit']}" if f["target"] is not None else "-"
        rows.append(f"| {f['name']} | {f['value']} {f['unit']} | {target} | {met(f)} |")
    return "\n".join(rows)


def measure(name: str, args, folder: Path) -> list[dict]:
    n = args.repetitions
    if name == "overhead":
        return [overhead.measure(n)]
    if name == "validation":
        return [validation.measure(n, args.rows, folder)]
    if name == "end-to-end":
        return end_to_end.measure(n, args.rows, folder)
    if name == "backfill":
        return [backfill.measure(n, args.periods)]
    if name == "commands":
        return commands.measure(n)
    return many_authorities.measure(args.batches, args.authorities, args.returns)


def _kept(results: dict, path: Path) -> dict:
    """The new figures, and the earlier ones of those not measured this time (--only)."""
    earlier = json.loads(path.read_text())["figures"] if path.exists() else []
    measured = {f["name"] for f in results["figures"]}
    return {**results, "figures": [f for f in earlier if f["name"] not in measured]
            + results["figures"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=backfill.PERIODS,
                        help="monthly periods of the backfill figure")
    parser.add_argument("--batches", type=int, default=1,
                        help="batches of runs (every return for each authority) for the "
                             "many-authorities figure")
    parser.add_argument("--authorities", type=int, default=many_authorities.AUTHORITIES,
                        help="authorities of the many-authorities figure")
    parser.add_argument("--returns", type=int,
                        help="returns of the many-authorities figure (default: every one)")
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=list(FIGURES))
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(args.results.read_text())))
        return 0
    folder = scratch("bench-data-")
    results = {"measured_on": time.strftime("%Y-%m-%d"), "machine": machine(), "figures": []}
    for name in args.only:  # written after each, so that one that fails loses no other
        started = time.perf_counter()
        results["figures"] += measure(name, args, folder)
        args.results.write_text(json.dumps(_kept(results, args.results), indent=2) + "\n")
        print(f"measured {name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    figures = results["figures"]
    width = max(len(f["name"]) for f in figures)
    print(f"{'figure':<{width}}  {'value':>10}  {'target':>10}  met")
    for f in figures:
        print(f"{f['name']:<{width}}  {f['value']:>8} {f['unit']:<1}  "
              f"{f['compare']:>2} {f['target'] if f['target'] is not None else '':>5} "
              f"{f['unit']:<1}  {met(f)}")
    print(f"machine: {results['machine']}")
    print(f"details: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
