"""Many authorities: every return for one period for ten authorities, started through the
deployments and run by two process workers (one run at a time each) against a Prefect server
on PostgreSQL, with the store on PostgreSQL too. All must complete and none may fail on
database locking; the throughput is returns per minute, first start to last finish."""

from __future__ import annotations

import shutil
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg

from benchmarks.common import ROOT, figure, new_home
from flows import registry
from statreturns.app import ops
from statreturns.authorities import load_config
from statreturns.declaration import Context
from statreturns.periods import latest_complete

AUTHORITIES = 10
WORKERS = 2
POSTGRES = "postgres@127.0.0.1:5432"
LOCKING = ("database is locked", "deadlock detected", "could not obtain lock")


def _admin(*statements: str) -> None:
    with psycopg.connect(f"postgresql://{POSTGRES}/postgres", autocommit=True) as db:
        for statement in statements:
            db.execute(statement)


@contextmanager
def _new_databases():
    """A new Prefect database and store, named for this batch alone (so that two runs of
    the benchmark, or a test beside it, do not share them), dropped afterwards."""
    batch = uuid.uuid4().hex[:8]
    names = {use: f"statreturns_bench_{batch}_{use}" for use in ("prefect", "store")}
    _admin(*(f"CREATE DATABASE {name}" for name in names.values()))
    try:
        yield names
    finally:
        _admin(*(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in names.values()))


def _authorities(count: int) -> list[str]:
    return [f"bench-{i:02d}" for i in range(1, count + 1)]


def _returns(count: int | None) -> dict:
    """The first `count` returns by id, every one where `count` is None."""
    return dict(list(registry.declarations().items())[:count])


def _home(authorities: list[str], returns: dict) -> tuple[Path, dict[str, str]]:
    """The authorities set up as the demo one, with each return's inbox filled."""
    from tasks.collect import inbox_folder

    home = new_home("authorities-")
    periods = {}
    for rid, declaration in returns.items():
        period = latest_complete(declaration.default_period_type, date.today())
        periods[rid] = str(period)
        config = load_config(declaration, "demo")
        for authority in authorities:
            ctx = Context(authority, period, config)
            folder = inbox_folder(home / "var" / "inbox", rid, ctx)
            for name, frame in registry.demo_data(rid).generate(period, config).items():
                path = folder / f"{name}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                frame.to_csv(path, index=False)
    for authority in authorities:
        shutil.copytree(ROOT / "config" / "authorities" / "demo",
                        home / "config" / "authorities" / authority)
    return home, periods


def _start_all(flows: dict[str, str], authorities: list[str], url: str) -> list:
    from prefect.deployments import run_deployment
    from prefect.settings import temporary_settings

    with temporary_settings(updates={"api.url": url}):
        return [run_deployment(f"{rid}/{rid}", timeout=0, parameters={
                    "period": period, "authority": authority, "sign_off": False})
                for authority in authorities for rid, period in flows.items()]


def _wait(ids: list, url: str, limit: float = 1800) -> list:
    """The final state of each run, once every one has one."""
    from prefect.client.orchestration import get_client
    from prefect.settings import temporary_settings

    deadline = time.monotonic() + limit
    with temporary_settings(updates={"api.url": url}), get_client(sync_client=True) as client:
        while True:
            states = [client.read_flow_run(i).state for i in ids]
            if all(s and s.is_final() for s in states) or time.monotonic() > deadline:
                return states
            time.sleep(2)


def _run_all(home: Path, periods: dict[str, str], authorities: list[str],
             databases: dict[str, str]) -> tuple[list, float]:
    """Every run started on a new server with its workers: their final states, and the
    minutes from the first start to the last finish."""
    port = ops.free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = ops.environment(
        url, home / "var" / "prefect", STATRETURNS_HOME=str(home),
        STATRETURNS_CONFIG=str(home / "config"),
        STATRETURNS_DATABASE_URL=f"postgresql+psycopg://{POSTGRES}/{databases['store']}",
        PREFECT_API_DATABASE_CONNECTION_URL=
        f"postgresql+asyncpg://{POSTGRES}/{databases['prefect']}",
        PREFECT_LOGGING_LEVEL="WARNING")
    logs = home / "logs"
    logs.mkdir()
    server = ops.start_server(port, env, logs / "server.log")
    workers = []
    try:
        ops.wait_until_healthy(url)
        ops.set_up(env)
        workers = [ops.start_worker(env, logs / f"worker-{i}.log", limit=1)
                   for i in range(WORKERS)]
        started = time.monotonic()
        runs = _start_all(periods, authorities, url)
        states = _wait([r.id for r in runs], url)
        return states, (time.monotonic() - started) / 60
    finally:
        for process in workers + [server]:
            ops.stop(process)


def _one_batch(authorities: list[str], returns: dict) -> dict:
    with _new_databases() as databases:
        home, periods = _home(authorities, returns)
        states, minutes = _run_all(home, periods, authorities, databases)
    text = "\n".join(p.read_text(errors="replace")
                     for p in (home / "logs").iterdir()).lower()
    names = [s.name if s else "not started" for s in states]
    return {"runs": len(states), "completed": sum(bool(s and s.is_completed()) for s in states),
            "states": {name: names.count(name) for name in sorted(set(names))},
            "locking_errors": sum(text.count(word) for word in LOCKING),
            "per_minute": len(states) / minutes}


def measure(n: int, count: int = AUTHORITIES, returns: int | None = None) -> list[dict]:
    authorities, chosen = _authorities(count), _returns(returns)
    batches = [_one_batch(authorities, chosen) for _ in range(n)]
    middle = sorted(batches, key=lambda b: b["per_minute"])[len(batches) // 2]
    label = (f"{count} authorities x {len(chosen)} returns, "
             f"{WORKERS} workers, PostgreSQL")
    return [
        figure(f"many authorities, runs not completed or locked ({label})",
               sum(b["runs"] - b["completed"] + b["locking_errors"] for b in batches), "",
               0, "<=", n, states=middle["states"]),
        figure(f"many authorities, throughput ({label})", round(middle["per_minute"], 1),
               "/min", 15, ">=", n, runs_per_batch=middle["runs"]),
    ]
