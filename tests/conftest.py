"""Shared fixtures. Every test session gets its own home: store, inbox, archive, outputs.

The store is the home's SQLite file; with ``STATRETURNS_TEST_STORE=postgresql`` (the
second pass of ``make test``) it is a new database on the local PostgreSQL instead.
"""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import Pool

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_HOME = Path(tempfile.mkdtemp(prefix="statreturns-test-"))
os.environ["STATRETURNS_HOME"] = str(_HOME)
os.environ["PREFECT_HOME"] = str(_HOME / "var" / "prefect")
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True)
os.environ.pop("STATRETURNS_DATABASE_URL", None)
os.environ.pop("PREFECT_API_URL", None)


def _postgres_reachable() -> bool:
    try:
        with sa.create_engine(PG_ADMIN).connect() as c:
            c.execute(sa.text("select 1"))
        return True
    except sa.exc.OperationalError:
        return False


def _database(action: str, name: str) -> str:
    """Create or drop a database on the local PostgreSQL; its URL."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'{action} database "{name}"'
                          + (" with (force)" if action == "drop" else "")))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


_ON_POSTGRES = os.environ.get("STATRETURNS_TEST_STORE") == "postgresql"
_NO_POSTGRES = _ON_POSTGRES and not _postgres_reachable()
_STORE = f"statreturns_suite_{uuid.uuid4().hex[:8]}"
if _ON_POSTGRES and not _NO_POSTGRES:
    os.environ["STATRETURNS_DATABASE_URL"] = _database("create", _STORE)

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from statreturns import authorities  # noqa: E402
from statreturns.declaration import Context  # noqa: E402
from statreturns.periods import parse_period  # noqa: E402

PERIOD = "R12-2026-10"
HEADER = ["breach_id", "breach_datetime", "order", "condition", "ward", "place", "outcome",
          "issuer_type", "fpn_issued_date", "fpn_amount", "outcome_date", "person_name",
          "person_dob"]


def pytest_collection_modifyitems(config, items):
    """A test that runs a flow under Prefect's test server records its run in the store. The
    PostgreSQL pass leaves out the tests that have already made stores of both kinds."""
    for item in items:
        if "harness" in item.fixturenames:
            item.add_marker(pytest.mark.prefect)
            item.add_marker(pytest.mark.store)
    if _ON_POSTGRES:
        once = [item for item in items if item.get_closest_marker("one_pass")]
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not item.get_closest_marker("one_pass")]
    if _NO_POSTGRES:
        skip = pytest.mark.skip(reason=f"the PostgreSQL pass needs PostgreSQL at {PG_ADMIN}, "
                                       "which is not reachable here (CI has it)")
        for item in items:
            item.add_marker(skip)


class Unmarked(AssertionError):
    """A test did what its tier markers say it does not (see pyproject's markers)."""


@pytest.fixture(autouse=True)
def _keeps_to_its_tier(request, monkeypatch):
    """A test not marked `store` must not touch the store, and one not marked `subprocess`,
    `prefect` or `server` must not start another process: the tiers (`make check`, the
    PostgreSQL pass) are chosen by these marks, so a wrong mark would leave a test out."""
    marks = {m.name for m in request.node.iter_markers()}
    if not marks & {"subprocess", "prefect", "server"}:
        def refuse(*args, **kwargs):
            raise Unmarked(f"{request.node.nodeid} starts a process: mark it subprocess")
        monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)
    if "store" in marks:
        yield
        return
    touched = []
    listen = (Pool, "checkout", lambda *_: touched.append(True))
    sa.event.listen(*listen)
    try:
        yield
    finally:
        sa.event.remove(*listen)
    if touched:
        raise Unmarked(f"{request.node.nodeid} touches the store: mark it store")


def pytest_sessionfinish(session, exitstatus):
    if _ON_POSTGRES and not _NO_POSTGRES:
        from statreturns.store import db

        db.forget_engines()
        _database("drop", _STORE)


def pytest_report_header(config):
    return f"store: {'PostgreSQL' if _ON_POSTGRES else 'SQLite'}"


def pytest_configure(config):
    """Runs read sources only from the authority's inbox, so the files tests hand them are
    there too: pytest's temporary folders are made in the demo authority's inbox (each
    parallel worker's in its own home's, whatever folder the controller would give it)."""
    if not config.option.basetemp or hasattr(config, "workerinput"):
        inbox = _HOME / "var" / "inbox" / "demo"
        inbox.mkdir(parents=True, exist_ok=True)
        config.option.basetemp = inbox / ".pytest"


@pytest.fixture(scope="session")
def harness():
    """One Prefect test server for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def pspo():
    from flows.pspo_breaches import DECLARATION

    return DECLARATION


@pytest.fixture(scope="session")
def ctx(pspo) -> Context:
    """The demo authority's PSPO settings for the rolling year to October 2026."""
    return Context("demo", parse_period(PERIOD), authorities.load_config(pspo, "demo"))


def ran(flow, **parameters):
    """A flow's run summary, a blocked run's included (its flow run ends Failed, named
    Blocked); RunFailed where the run failed."""
    from flows.skeleton import outcome

    return outcome(flow(**parameters, return_state=True))


def breach(**values) -> dict:
    """One valid enforcement-log row (as text, as a file holds it); override any column."""
    row = {
        "breach_id": "B1", "breach_datetime": "2026-06-10 21:15", "order": "City Centre",
        "condition": "Groups causing anti-social behaviour", "ward": "Ladywood",
        "place": "New Street", "outcome": "Warning", "issuer_type": "Police",
        "fpn_issued_date": "", "fpn_amount": "", "outcome_date": "2026-06-10",
        "person_name": "Alex Example", "person_dob": "1990-01-02",
    }
    row.update(values)
    return row


def write_log(path: Path, rows: list[dict], **to_csv) -> Path:
    """An enforcement log file of these rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False, **to_csv)
    return path


def pdf_text(path: Path, layout: bool = True) -> str:
    """A PDF's text, read by poppler's pdftotext (`make test` installs poppler-utils where it
    can: as root, with apt)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed: run make test as "
                    "root, or install it, to read the PDF's text")
    return subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def by_code(checks) -> dict:
    """Checks by their rule's code; each code once."""
    found = {c.code: c for c in checks}
    assert len(found) == len(checks), "a rule's code is used twice"
    return found


def failed_codes(checks: dict) -> set[str]:
    return {code for code, c in checks.items() if not c.success}


def failed_results(summary: dict) -> dict:
    """A run's failed data-quality results, by code, from the store."""
    from sqlmodel import select

    from statreturns.store.db import session
    from statreturns.store.models import QualityResult

    with session() as s:
        found = s.exec(select(QualityResult).where(QualityResult.run_id == summary.run_id))
        return {r.code: r for r in found if not r.success}


def rules_by_suite(return_id: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A return's rules from its suites: severity by code, and the codes of each suite."""
    from statreturns.app.rules import catalogue

    rules = catalogue(return_id)
    suites: dict[str, list[str]] = {}
    for r in rules:
        suites.setdefault(r["suite"], []).append(r["code"])
    return {r["code"]: r["severity"] for r in rules}, suites


def assert_blocked(summary: dict, earlier: dict) -> dict:
    """A blocked run: recorded, without version or outputs, earlier versions untouched.
    Its failed results by code."""
    from statreturns.store.db import session
    from statreturns.store.models import Run

    assert (summary.status, summary.verdict) == ("blocked", "blocked")
    assert summary.version is None and summary.outputs_dir is None
    with session() as s:
        recorded = s.get(Run, summary.run_id)
    assert (recorded.status, recorded.version) == ("blocked", None)
    versions = Path(earlier.outputs_dir).parent
    assert sorted(p.name for p in versions.iterdir()) == [f"v{earlier.version}"]
    return failed_results(summary)


def _new_postgres():
    """A new database on the local PostgreSQL, dropped when the generator is closed."""
    from statreturns.store import db

    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}: the PostgreSQL store tests "
                    "run where it is (as in CI)")
    name = f"statreturns_test_{uuid.uuid4().hex[:8]}"
    yield _database("create", name)
    db.forget_engines()
    _database("drop", name)


@pytest.fixture
def fresh_postgres_url():
    """A new database on the local PostgreSQL for one test."""
    yield from _new_postgres()


@pytest.fixture
def own_store(monkeypatch, request):
    """Under the PostgreSQL pass, a new database for a test that keeps a home of its own
    (on SQLite the home's file is the test's own already)."""
    if _ON_POSTGRES:
        monkeypatch.setenv("STATRETURNS_DATABASE_URL",
                           request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture(scope="session")
def postgres_url():
    """A new database on the local PostgreSQL for the whole session."""
    yield from _new_postgres()
