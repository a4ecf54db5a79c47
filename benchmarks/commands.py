"""Where an officer or a worker waits: each command line as a person runs it (a new process,
from typing it to its answer), the cold start of a run's process (a new Python process
loading a return's flow: the worker's process does this before the first stage starts) and
``statreturns run`` of a demo-size return, end to end.

The store holds one version of the demo PSPO return, with its queries unexplained: `explain`
(of a rule that did not fail), `approve` and `submit` answer with their refusal, having done
everything a taken answer does up to keeping it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import (
    PERIOD,
    ROOT,
    demo_log,
    figure,
    median,
    new_home,
    pspo_context,
    timed,
)

WHERE = ["pspo-breaches", "--period", PERIOD]
COMMANDS = {  # name: (arguments, the exit code of its answer)
    "--help": (["--help"], 0), "status": (["status"], 0), "history": (["history", *WHERE], 0),
    "calendar": (["calendar"], 0), "rules": (["rules"], 0), "list": (["list"], 0),
    "diff": (["diff", *WHERE], 0), "audit": (["audit", *WHERE], 0),
    "explain": (["explain", *WHERE, "--rule", "PSPO-001", "--text", "x", "--author", "A"], 2),
    "approve": (["approve", *WHERE, "--name", "Chris Lee"], 4),  # queries unexplained
    "submit": (["submit", *WHERE], 4),  # not approved
}
COLD_START = ("from prefect.flows import load_flow_from_entrypoint; "
              "load_flow_from_entrypoint('flows/pspo_breaches.py:pspo_breaches')")
"""What a worker's new process does before the run's first stage: load Prefect and the
flow from its deployment's entrypoint."""


def _home() -> tuple[dict, Path]:
    """A home with two versions of the demo PSPO return, and its log (made here: not
    timed)."""
    home = new_home("commands-")
    env = {**os.environ, "STATRETURNS_HOME": str(home),
           "PREFECT_HOME": str(home / "var" / "prefect")}
    inbox = home / "var" / "inbox" / "demo" / "bench"  # runs read files only from there
    inbox.mkdir(parents=True)
    log = demo_log(inbox, pspo_context(), None)
    for force in ([], ["--force"]):
        _cli(env, "run", *WHERE, "--input", str(log), *force)
    return env, log


def _cli(env: dict, *args: str, codes: tuple[int, ...] = (0,)) -> None:
    done = subprocess.run([sys.executable, "-m", "statreturns.app.cli", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode not in codes:
        raise RuntimeError(f"statreturns {' '.join(args)} exited {done.returncode}: "
                           f"{done.stdout[-500:]}{done.stderr[-500:]}")


def measure(n: int) -> list[dict]:
    env, log = _home()
    found = [figure(f"statreturns {name}", round(median(
        [timed(lambda a=args, c=code: _cli(env, *a, codes=(c,))) for _ in range(n)]), 2),
        "s", 0.8, "<=", n) for name, (args, code) in COMMANDS.items()]
    cold = median([timed(lambda: subprocess.run([sys.executable, "-c", COLD_START], cwd=ROOT,
                                                env=env, check=True)) for _ in range(n)])
    found.append(figure("cold start of a run's process (to its flow loaded)", round(cold, 2),
                        "s", 2, "<=", n))
    def run() -> float:
        return median([timed(lambda: _cli(env, "run", *WHERE, "--input", str(log), "--force"))
                       for _ in range(n)])

    found.append(figure("statreturns run, demo-size PSPO, end to end", round(run(), 2), "s", 5,
                        "<=", n))
    with _served(env):
        found.append(figure("statreturns run, demo-size PSPO, with make server running",
                            round(run(), 2), "s", 5, "<=", n))
    return found


@contextmanager
def _served(env: dict) -> Iterator[None]:
    """The home's Prefect server running and announced, as `statreturns ops serve` leaves
    it (its worker and deployments are not needed here)."""
    from statreturns.app import ops, servers

    port = ops.free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server = ops.start_server(port, ops.server_environment(
        ops.environment(api_url, Path(env["PREFECT_HOME"])), None),
        Path(env["STATRETURNS_HOME"]) / "server.log")
    try:
        ops.wait_until_healthy(api_url)
        with _in(env):
            servers.announce(api_url)
        yield
    finally:
        with _in(env):
            servers.withdraw()
        ops.stop(server)


@contextmanager
def _in(env: dict) -> Iterator[None]:
    """This process's settings those of the home of `env`."""
    from statreturns.settings import get_settings

    before = os.environ.get("STATRETURNS_HOME")
    os.environ["STATRETURNS_HOME"] = env["STATRETURNS_HOME"]
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("STATRETURNS_HOME")
        else:
            os.environ["STATRETURNS_HOME"] = before
        get_settings.cache_clear()
