"""End to end at a million rows: the whole PSPO return as a Prefect flow (collect, validate,
assemble, render every output, record), against a plain pandas pipeline that reads the same
file, checks the same rules in pandas and writes the same tables as CSV and XLSX. Each run is
its own process, so that its peak memory is its own.

Run as ``python -m benchmarks.end_to_end ours|plain FILE``: one run, one line of JSON.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

from benchmarks.common import PERIOD, child, demo_log, figure, median, pspo_context, scratch, timed


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


DATES = {"breach_datetime": "%Y-%m-%d %H:%M", "fpn_issued_date": "%d/%m/%Y",
         "outcome_date": "%Y-%m-%d", "person_dob": "%Y-%m-%d"}  # as the demo log writes them


def plain(path: Path, out: Path) -> None:
    """What a hand-written script would do: read, type, check, count, write."""
    import pandas as pd

    from benchmarks.pandas_rules import unexpected
    from flows.pspo_breaches import DECLARATION
    from tasks.validate import suite_path

    ctx = pspo_context()
    source = DECLARATION.sources[0]
    log = pd.read_csv(path, dtype=str)
    for name, written in DATES.items():
        log[name] = pd.to_datetime(log[name], format=written, errors="coerce")
    log["fpn_amount"] = pd.to_numeric(log["fpn_amount"], errors="coerce")
    log = source.derive(log, ctx)
    rules = json.loads(suite_path(DECLARATION.id, source.suite).read_text())["expectations"]
    [unexpected(log, rule, source.parameters(ctx)) for rule in rules]
    for name, table in DECLARATION.assemble({source.name: log}, ctx).items():
        table.to_csv(out / f"{name}.csv", index=False)
        table.to_excel(out / f"{name}.xlsx", index=False)


def ours(path: Path) -> None:
    from flows.pspo_breaches import pspo_breaches

    pspo_breaches(period=PERIOD, authority="demo", inputs=[str(path)], force=True)


def _one_run(kind: str, path: Path) -> dict:
    import flows.pspo_breaches  # noqa: F401  (imports are not part of either figure)
    from statreturns import heartbeats

    with heartbeats.only_where_watched():
        if kind == "ours":  # Prefect's temporary server starts with the first run: not counted
            ours(demo_log(scratch(), pspo_context(), None))
        with tempfile.TemporaryDirectory() as out:
            before = _rss_mb()
            seconds = timed(lambda: ours(path) if kind == "ours" else plain(path, Path(out)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "rss_before_mb": before, "peak_mb": peak}


def measure(n: int, rows: int, folder: Path) -> list[dict]:
    from flows.pspo_breaches import DECLARATION
    from tasks.collect import collect

    ctx = pspo_context()
    path = demo_log(folder, ctx, rows)
    loaded = collect.fn(DECLARATION.sources[0], [path], folder / "archive", ctx).frame
    frame_mb = loaded.memory_usage(deep=True).sum() / 2**20
    del loaded
    pairs = [(child("benchmarks.end_to_end", "ours", str(path)),
              child("benchmarks.end_to_end", "plain", str(path))) for _ in range(n)]
    extra = median(o["peak_mb"] - o["rss_before_mb"] for o, _ in pairs)
    return [
        figure(f"end to end, Prefect flow / plain pandas ({rows:,} rows)",
               round(median(o["seconds"] / p["seconds"] for o, p in pairs), 2), "x", 2, "<=",
               n, flow_s=round(median(o["seconds"] for o, _ in pairs), 2),
               plain_s=round(median(p["seconds"] for _, p in pairs), 2)),
        figure(f"end to end, peak memory / loaded frame ({rows:,} rows)",
               round(extra / frame_mb, 2), "x", 3.5, "<=", n, frame_mb=round(frame_mb),
               peak_extra_mb=round(extra),
               plain_peak_extra_mb=round(median(p["peak_mb"] - p["rss_before_mb"]
                                                for _, p in pairs))),
    ]


if __name__ == "__main__":
    print(json.dumps(_one_run(sys.argv[1], Path(sys.argv[2]))))
