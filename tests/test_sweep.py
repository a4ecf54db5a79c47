"""The deadline sweep: starts what is due once, reruns what changed, raises what is overdue."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from conftest import breach, write_log

from flows import deadline_sweep as sweep
from flows import registry
from statreturns import calendar
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import Run, SweepAction

pytestmark = pytest.mark.usefixtures("harness")
DAY = date(2026, 11, 16)  # after the 13 November deadlines, within prevent's lead time


@pytest.fixture
def home(tmp_path, monkeypatch, own_store):
    """A store and inbox of its own, so what the sweep finds is only what the test puts."""
    monkeypatch.setenv("STATRETURNS_HOME", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def started(monkeypatch) -> list[dict]:
    """The deployments the sweep starts (recorded here instead of on a server)."""
    calls = []

    def fake_run_deployment(name, timeout, parameters, tags):
        calls.append({"name": name, **parameters, "tags": tags, "timeout": timeout})
        return SimpleNamespace(id=f"flow-run-{len(calls)}")

    monkeypatch.setattr(sweep, "run_deployment", fake_run_deployment)
    return calls


def test_the_first_sweep_starts_whatever_is_due_and_raises_the_overdue(home, started):
    done = sweep.deadline_sweep(authority="demo", today=DAY)
    assert done == {
        "run": ["pspo-breaches R12-2026-10", "savings-tracker 2026-10",
                "prevent-benchmarks 2025/26"],
        "rerun": [],
        "overdue": ["pspo-breaches R12-2026-10", "savings-tracker 2026-10"],
    }
    assert [(c["name"], c["period"], c["trigger"], c["timeout"]) for c in started] == [
        ("pspo-breaches/pspo-breaches", "R12-2026-10", "deadline", 0),
        ("savings-tracker/savings-tracker", "2026-10", "deadline", 0),
        ("prevent-benchmarks/prevent-benchmarks", "2025/26", "deadline", 0)]
    assert started[0]["reason"] == "deadline sweep: due 2026-11-13"
    with session() as s:
        actions = s.exec(SweepAction.__table__.select().order_by(SweepAction.id)).all()
    assert [(a.action, a.return_id, a.flow_run_id) for a in actions][:2] == [
        ("run", "pspo-breaches", "flow-run-1"), ("overdue", "pspo-breaches", None)]


def test_a_second_sweep_the_same_day_does_nothing_twice(home, started):
    sweep.deadline_sweep(authority="demo", today=DAY)
    again = sweep.deadline_sweep(authority="demo", today=DAY)
    assert again == {"run": [], "rerun": [], "overdue": []}
    assert len(started) == 3
    next_day = sweep.deadline_sweep(authority="demo", today=date(2026, 11, 17))
    assert next_day["overdue"] == ["pspo-breaches R12-2026-10", "savings-tracker 2026-10"]


def _produced(period: str, fingerprint: str) -> None:
    with session() as s:
        s.add(Run(authority="demo", return_id="pspo-breaches", period=period, version=1,
                  status="produced", verdict="pass", started_at=datetime.now(UTC),
                  input_fingerprint=fingerprint))
        s.commit()


def test_a_produced_return_is_rerun_only_when_its_inputs_change(home, started):
    inbox = home / "var" / "inbox" / "demo" / "pspo-breaches" / "R12-2026-10"
    write_log(inbox / "enforcement-log.csv", [breach()])
    current = sweep.inbox_fingerprint("pspo-breaches", "R12-2026-10", "demo")
    assert current and len(current) == 64
    _produced("R12-2026-10", current)
    line = next(x for x in calendar.board(registry.declarations(), "demo", DAY)
                if x.due.return_id == "pspo-breaches")
    assert sweep.action_for(line, DAY, "demo") is None

    write_log(inbox / "enforcement-log.csv", [breach(), breach(breach_id="B2")])
    assert sweep.action_for(line, DAY, "demo") == ("rerun", "inputs changed since version 1")
    done = sweep.deadline_sweep(authority="demo", today=DAY)
    assert done["rerun"] == ["pspo-breaches R12-2026-10"]
    [rerun] = [c for c in started if c["name"] == "pspo-breaches/pspo-breaches"]
    assert (rerun["trigger"], rerun["tags"]) == ("rerun", ["trigger:rerun"])
    assert "pspo-breaches R12-2026-10" not in done["run"]


def test_nothing_is_started_before_its_planned_day(home, started):
    done = sweep.deadline_sweep(authority="demo", today=date(2026, 11, 2))
    assert done["run"] == ["prevent-benchmarks 2025/26"]  # planned 2 November
    assert done["overdue"] == []


def test_the_board_lists_what_the_calendar_command_lists(home, started):
    lines = calendar.board(registry.declarations(), "demo", DAY)
    text = sweep.board_markdown("demo", lines, DAY)
    assert "**2 overdue**: pspo-breaches R12-2026-10, savings-tracker 2026-10" in text
    table = [row.split(" | ") for row in text.splitlines() if row.startswith("| 20")]
    assert [(r[0].lstrip("| "), r[2], r[3], r[4].rstrip(" |").strip("*")) for r in table] == [
        (x.due.deadline.isoformat(), x.due.return_id, str(x.due.period), x.state)
        for x in lines]


def test_a_version_made_from_files_given_by_hand_is_not_rerun_from_the_inbox(home, started):
    from statreturns.store.models import SourceFile

    inbox = home / "var" / "inbox" / "demo" / "pspo-breaches" / "R12-2026-10"
    write_log(inbox / "enforcement-log.csv", [breach()])
    _produced("R12-2026-10", "fingerprint of the corrected file")
    with session() as s:
        run = s.exec(Run.__table__.select()).first()
        s.add(SourceFile(run_id=run.id, source="enforcement-log", sha256="0" * 64,
                         path=str(home / "var" / "inbox" / "demo" / "corrected.csv")))
        s.commit()
    line = next(x for x in calendar.board(registry.declarations(), "demo", DAY)
                if x.due.return_id == "pspo-breaches")
    assert sweep.action_for(line, DAY, "demo") is None
