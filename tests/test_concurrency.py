"""Eight runs and reruns at once, of the same return and period and of others, on each kind
of store: distinct version numbers, every row kept, and a version submitted only once."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import pytest
from conftest import breach, ran, write_log
from sqlalchemy import func
from sqlmodel import select

from flows import registry
from statreturns.app.cli import _generate
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import OutputFile, QualityResult, Run, SourceFile, Submission
from tasks.sign_off import decide
from tasks.submit import SubmitRefused, submit_version

pytestmark = [pytest.mark.usefixtures("harness"), pytest.mark.one_pass]  # both kinds of store
PSPO, SAVINGS = "pspo-breaches", "savings-tracker"
RUNS = [(PSPO, "R12-2026-10", "manual")] * 2 + [(PSPO, "R12-2026-10", "rerun")] * 2 \
    + [(PSPO, "R12-2026-09", "manual")] * 2 + [(SAVINGS, "2026-10", "manual")] * 2


@pytest.fixture(params=["sqlite", "postgresql"])
def store_home(request, tmp_path, monkeypatch):
    """A home of its own with a store of each kind, its inbox holding every run's sources."""
    monkeypatch.setenv("STATRETURNS_HOME", str(tmp_path / "home"))
    if request.param == "postgresql":
        monkeypatch.setenv("STATRETURNS_DATABASE_URL",
                           request.getfixturevalue("fresh_postgres_url"))
    else:
        monkeypatch.delenv("STATRETURNS_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    inbox = get_settings().inbox / "demo" / PSPO
    for period in ("R12-2026-10", "R12-2026-09"):
        write_log(inbox / period / "enforcement-log.csv",
                  [breach(breach_id=f"C{i}") for i in range(6)])
    _generate(SAVINGS, "2026-10", "demo", None, False, None)
    yield request.param
    get_settings.cache_clear()


def count(model, run_id: int) -> int:
    with session() as s:
        return s.exec(select(func.count()).select_from(model)
                      .where(model.run_id == run_id)).one()


def test_eight_runs_at_once_get_distinct_versions_and_keep_every_row(store_home):
    def run(job):
        return_id, period, trigger = job
        return ran(registry.flow_of(return_id), period=period, authority="demo", trigger=trigger,
                                           reason="at once" if trigger == "rerun" else "",
                                           force=True)

    with ThreadPoolExecutor(8) as pool:
        summaries = list(pool.map(run, RUNS))

    assert [s.status for s in summaries] == ["produced"] * 8, summaries
    versions: dict[tuple[str, str], list[int]] = {}
    for s in summaries:
        versions.setdefault((s.return_id, s.period), []).append(s.version)
    assert {k: sorted(v) for k, v in versions.items()} == {
        (PSPO, "R12-2026-10"): [1, 2, 3, 4], (PSPO, "R12-2026-09"): [1, 2],
        (SAVINGS, "2026-10"): [1, 2]}
    with session() as s:
        runs = s.exec(select(Run).order_by(Run.id)).all()
    assert len(runs) == 8 and all(r.process is None for r in runs)
    assert len({s.outputs_dir for s in summaries}) == 8
    for return_id in (PSPO, SAVINGS):
        mine = [s for s in summaries if s.return_id == return_id]
        results = {count(QualityResult, s.run_id) for s in mine}
        sources = {count(SourceFile, s.run_id) for s in mine}
        assert len(results) == 1 and results.pop() > 0 and len(sources) == 1
        for s in mine:
            files = [p for p in Path(s.outputs_dir).rglob("*") if p.is_file()]
            assert count(OutputFile, s.run_id) == len(files)  # every package's files

    latest = max((r for r in runs if r.period == "R12-2026-10"), key=lambda r: r.version)
    decide(latest, "approve", "Alex Morgan")

    def submit(_):
        try:
            return submit_version(latest, latest, get_settings().outbox)
        except SubmitRefused as exc:
            return exc

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(submit, range(8)))
    receipts = [o for o in outcomes if not isinstance(o, SubmitRefused)]
    assert len(receipts) == 1, outcomes
    with session() as s:
        assert len(s.exec(select(Submission)).all()) == 1
    delivered = get_settings().outbox / "demo" / PSPO / "R12-2026-10"
    assert [p.name for p in delivered.iterdir()] == [f"v{latest.version}"]
    [receipt] = receipts
    assert receipt.package == "publication"  # PSPO's recipient: the open-data portal
    package = Path(latest.outputs_dir) / "publication"
    assert sorted(p.name for p in (delivered / f"v{latest.version}").iterdir()) == sorted(
        [p.name for p in package.iterdir()] + ["receipt.json"])


def test_an_authoritys_runs_of_a_return_take_turns_and_other_authorities_do_not_wait(
        monkeypatch):
    """Deployment runs hold the limit of their return and authority: ten authorities' runs
    of one return are not queued behind each other."""
    import prefect.client.orchestration
    import prefect.concurrency.sync

    from flows import skeleton
    from flows.skeleton import one_at_a_time

    made, held = [], []

    class Client:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def upsert_global_concurrency_limit_by_name(self, name, limit):
            made.append((name, limit))

    class Slot:
        def __init__(self, name, occupy, strict):
            held.append((name, occupy, strict))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(prefect.client.orchestration, "get_client", lambda **_: Client())
    monkeypatch.setattr(prefect.concurrency.sync, "concurrency", Slot)
    for authority in ("demo", "other-council", "../not-a-name"):
        with one_at_a_time(PSPO, authority):
            pass
    assert held == []  # from the command line: no deployment, no turn
    monkeypatch.setattr(skeleton, "_flow_run", lambda: SimpleNamespace(deployment_id=uuid4()))
    for authority in ("demo", "other-council", "demo", "../not-a-name"):
        with one_at_a_time(PSPO, authority):
            pass
    assert held == [("statreturns-pspo-breaches-demo", 1, True),
                    ("statreturns-pspo-breaches-other-council", 1, True),
                    ("statreturns-pspo-breaches-demo", 1, True)]
    assert made == [(name, 1) for name, _, _ in held]


def test_a_run_from_a_deployments_schedule_is_recorded_as_scheduled(monkeypatch):
    from flows import skeleton

    for flow_run, started in [(None, "manual"),
                              (SimpleNamespace(deployment_id=None, auto_scheduled=False),
                               "manual"),
                              (SimpleNamespace(deployment_id=uuid4(), auto_scheduled=False),
                               "manual"),
                              (SimpleNamespace(deployment_id=uuid4(), auto_scheduled=True),
                               "schedule")]:
        monkeypatch.setattr(skeleton, "_flow_run", lambda f=flow_run: f)
        assert skeleton.how_started() == started


def test_a_runs_flow_run_is_the_one_the_engine_holds():
    from prefect import flow, runtime

    from flows import skeleton

    @flow
    def probe() -> tuple:
        found = skeleton._flow_run()
        return str(found.id) == runtime.flow_run.id, found.deployment_id

    assert probe() == (True, None)  # started by a call: no deployment
    assert skeleton._flow_run() is None  # outside any run
