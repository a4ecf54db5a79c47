"""The store: schema from migrations, on SQLite and on PostgreSQL; versions never repeat."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from statreturns.store import db
from statreturns.store.models import QualityResult, Run
from tasks.record import allocate_version

pytestmark = [pytest.mark.store, pytest.mark.one_pass]  # each test makes both kinds


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, monkeypatch):
    """An engine on a new store of each kind, used by everything that opens a session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = db.engine_for(url)
    monkeypatch.setattr(db, "engine", lambda: engine)
    return engine


def _run(**kw) -> Run:
    values = dict(authority="demo", return_id="pspo-breaches", period="2026-Q1",
                  started_at=datetime.now(UTC))
    return Run(**{**values, **kw})


def test_migrations_make_every_table(store):
    tables = set(sa.inspect(store).get_table_names())
    assert {"run", "sourcefile", "qualityresult", "outputfile", "sweepaction",
            "alembic_version"} <= tables
    with store.connect() as c:
        assert c.execute(sa.text("select version_num from alembic_version")).scalar() == "0006"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path) -> str:
    """A new, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("fresh_postgres_url")


@pytest.mark.parametrize("earlier", ["0001", "0002", "0003", "0004", "0005"])
def test_upgrading_a_store_of_an_earlier_schema_keeps_its_rows(empty_url, earlier):
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(empty_url)
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, earlier)
    with engine.begin() as c:  # rows as the first schema had them, in every first table
        for i in range(1, 51):
            c.execute(sa.text(
                "insert into run (id, authority, return_id, period, version, trigger, reason, "
                "status, message, started_at) values (:i, 'demo', 'pspo-breaches', '2026-Q1', "
                ":i, 'manual', '', 'produced', '', '2026-04-02 09:00:00')"), {"i": i})
            c.execute(sa.text(
                "insert into qualityresult (run_id, suite, code, expectation_type, severity, "
                "success, message, unexpected_count, sample, location) values (:i, 'log', "
                "'PSPO-001', 'x', 'error', true, 'ok', 0, '', '')"), {"i": i})
    db.migrate(engine)
    with engine.connect() as c:
        assert c.execute(sa.text("select version_num from alembic_version")).scalar() == "0006"
    with Session(engine) as s:
        kept = s.exec(select(Run).order_by(Run.id)).all()
        results = s.exec(select(QualityResult)).all()
    assert [(r.id, r.version, r.status, r.process, r.provisional, r.resubmits, r.made_from)
            for r in kept] == [(i, i, "produced", None, False, None, "") for i in range(1, 51)]
    assert sorted(r.run_id for r in results) == list(range(1, 51))
    engine.dispose()


def test_migrating_twice_changes_nothing(store):
    db.migrate(store)
    assert "run" in sa.inspect(store).get_table_names()


def test_a_version_cannot_be_given_twice(store):
    with Session(store) as s:
        s.add(_run(version=1))
        s.commit()
        s.add(_run(version=1))
        with pytest.raises(IntegrityError):
            s.commit()


def test_results_round_trip(store):
    with Session(store) as s:
        run = _run()
        s.add(run)
        s.commit()
        s.add(QualityResult(run_id=run.id, suite="enforcement-log", code="PSPO-002",
                            expectation_type="expect_column_values_to_be_unique",
                            severity="error", success=False, unexpected_count=2,
                            sample="B1", location="log.csv, column A (breach_id), rows 2, 3",
                            message="Breach ids are unique."))
        s.commit()
        [result] = s.exec(select(QualityResult).where(QualityResult.run_id == run.id)).all()
    assert (result.code, result.success, result.unexpected_count) == ("PSPO-002", False, 2)
    assert result.location.endswith("rows 2, 3")


def test_concurrent_runs_get_distinct_versions(store):
    with Session(store) as s:
        period = uuid.uuid4().hex[:8]  # a period no other test has used
        runs = [_run(period=period) for _ in range(6)]
        s.add_all(runs)
        s.commit()
        ids = [r.id for r in runs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        versions = list(pool.map(allocate_version, ids))
    assert sorted(versions) == [1, 2, 3, 4, 5, 6]


@pytest.mark.subprocess
def test_threads_and_processes_opening_a_new_postgresql_store_together_migrate_it_once(
        postgres_url):
    """Workers that start at once against a new store: one migrates, the rest wait for it
    (two doing it together used to block each other for ever)."""
    import subprocess
    import sys

    from conftest import PG_ADMIN

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"statreturns_fresh_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'create database "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        code = f"from statreturns.store import db; db.engine_for({url!r})"
        others = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
        with ThreadPoolExecutor(4) as pool:
            engines = list(pool.map(lambda _: db.engine_for(url), range(4)))
        assert [p.wait(timeout=120) for p in others] == [0, 0]
        assert len({id(e) for e in engines}) == 1
        with engines[0].connect() as c:
            assert c.execute(sa.text("select version_num from alembic_version")).scalars(
                ).all() == ["0006"]
    finally:
        db.forget_engines()
        with admin.connect() as c:
            c.execute(sa.text(f'drop database "{name}" with (force)'))
        admin.dispose()
