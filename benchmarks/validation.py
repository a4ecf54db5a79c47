"""Validation: the enforcement-log suite through Great Expectations over a million rows,
against the same rules checked directly in pandas (`benchmarks.pandas_rules`)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.common import demo_log, figure, median, pspo_context, timed
from benchmarks.pandas_rules import unexpected


def measure(n: int, rows: int, folder: Path) -> dict:
    from flows.pspo_breaches import DECLARATION
    from tasks.collect import collect
    from tasks.validate import check_source, suite_path

    ctx = pspo_context()
    source = DECLARATION.sources[0]
    got = collect.fn(source, [demo_log(folder, ctx, rows)], folder / "archive", ctx)
    expectations = json.loads(suite_path(DECLARATION.id, source.suite).read_text())
    parameters = source.parameters(ctx)

    def great_expectations() -> float:
        return timed(lambda: check_source(DECLARATION.id, got, ctx))

    def plain() -> float:
        return timed(lambda: [unexpected(got.frame, e, parameters)
                              for e in expectations["expectations"]])

    great_expectations()  # builds the context once, as a long-lived worker would
    pairs = [(great_expectations(), plain()) for _ in range(n)]
    return figure(f"validation, Great Expectations / pandas ({rows:,} rows)",
                  round(median(g / p for g, p in pairs), 2), "x", 3, "<=", n,
                  great_expectations_s=round(median(g for g, _ in pairs), 3),
                  pandas_s=round(median(p for _, p in pairs), 3))
