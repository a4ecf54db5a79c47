"""Orchestration overhead: the PSPO return at demo size as a Prefect flow, against the same
stages called directly (tasks as plain functions, a plain logger) in the same process."""

from __future__ import annotations

import logging
from contextlib import ExitStack
from unittest import mock

from benchmarks.common import PERIOD, demo_log, figure, median, pspo_context, scratch, timed
from statreturns import heartbeats

STAGES = {"flows.skeleton": ("collect", "assemble", "finish_run"),
          "tasks.validate": ("validate_source", "validate_return"),  # loaded by the run
          "tasks.render": ("render",)}


def measure(n: int) -> dict:
    import importlib

    import flows.skeleton as skeleton
    import tasks.recover as recover
    from flows.pspo_breaches import DECLARATION, pspo_breaches

    inputs = [str(demo_log(scratch(), pspo_context(), None))]
    modules = {name: importlib.import_module(name) for name in STAGES}
    plain = {name: {stage: getattr(modules[name], stage).fn for stage in stages}
             for name, stages in STAGES.items()}
    plain["flows.skeleton"]["publish"] = lambda *args: None  # artifacts are Prefect's alone

    def direct() -> float:
        with ExitStack() as patched:
            for name, stages in plain.items():
                patched.enter_context(mock.patch.multiple(modules[name], **stages))
            for module in (skeleton, recover):  # what a run logs through Prefect's logger
                patched.enter_context(mock.patch.object(
                    module, "get_run_logger", lambda: logging.getLogger("bench")))
            return timed(lambda: skeleton.run_return(DECLARATION, PERIOD, "demo", inputs,
                                                     force=True))

    def flow() -> float:
        return timed(lambda: pspo_breaches(period=PERIOD, authority="demo", inputs=inputs,
                                           force=True))

    with heartbeats.only_where_watched():
        flow()  # the first run starts Prefect's temporary server: not part of the figure
        pairs = [(flow(), direct()) for _ in range(n)]
    return figure("orchestration overhead per run (PSPO, demo size)",
                  round(median(f - d for f, d in pairs), 3), "s", 0.25, "<=", n,
                  flow_s=round(median(f for f, _ in pairs), 3),
                  direct_s=round(median(d for _, d in pairs), 3))
