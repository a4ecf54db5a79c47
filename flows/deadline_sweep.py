"""The deadline sweep: run daily, it starts what falls due and raises what is overdue.

For each authority's calendar (``deployments/calendar.toml``):

- a return and period within its lead time with no good version, never run or run on
  inputs that have changed since, is started through its deployment (trigger ``deadline``);
- one with a good version whose inputs have changed since (content hashes) is rerun;
- one past its deadline and not submitted raises a ``statreturns.return.overdue`` event.

Each action is recorded once a day, so a sweep run twice in a day does nothing twice. The
sweep then refreshes the returns board, a markdown artifact the ops team reads first.

Run on its own: ``python flows/deadline_sweep.py [YYYY-MM-DD]``.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.deployments import run_deployment
from prefect.events import emit_event
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from flows import registry
from flows.skeleton import RunRefused, prepare, signed_off_state, source_paths
from statreturns import authorities, calendar
from statreturns.store.db import session
from statreturns.store.models import Run, SourceFile, SweepAction
from tasks.collect import sha256_of
from tasks.record import fingerprint
from tasks.recover import recover_crashed
from tasks.versions import good_versions

LONDON = ZoneInfo("Europe/London")
OVERDUE_EVENT = "statreturns.return.overdue"
"""The event the sweep emits for a return past its deadline; an alert listens for it."""


def board_key(authority: str) -> str:
    return f"{authority}-returns-board"


def inbox_fingerprint(return_id: str, period: str, authority: str) -> str | None:
    """The fingerprint a run would record for the inputs now in the inbox."""
    declaration = registry.get(return_id).DECLARATION
    try:
        paths = source_paths(declaration, prepare(declaration, period, authority), None)
    except RunRefused:
        return None
    files = [p for s in declaration.sources for p in paths[s.name]]
    return fingerprint([sha256_of(p) if p.is_file() else None for p in files])


def _runs(authority: str, return_id: str, period: str) -> list[Run]:
    with session() as s:
        return list(s.exec(select(Run).where(
            Run.authority == authority, Run.return_id == return_id, Run.period == period)
            .order_by(Run.id)))


def _from_the_inbox(run: Run) -> bool:
    """Whether the run read the sources the inbox holds for its period (not files given
    with --input, which lie elsewhere in the inbox)."""
    declaration = registry.get(run.return_id).DECLARATION
    try:
        found = source_paths(declaration, prepare(declaration, run.period, run.authority),
                             None)
    except RunRefused:
        return False
    expected = {p.resolve() for paths in found.values() for p in paths}
    with session() as s:
        paths = [Path(f.path) for f in s.exec(select(SourceFile).where(
            SourceFile.run_id == run.id))]
    return all(p.resolve() in expected for p in paths)


def action_for(line: calendar.Line, today: date, authority: str) -> tuple[str, str] | None:
    """(action, why) for one calendar line, or None when nothing is to be done."""
    due = line.due
    runs = _runs(authority, due.return_id, str(due.period))
    good = good_versions(authority, due.return_id, str(due.period))
    if due.planned > today or line.state == "submitted":
        return None
    if runs and runs[-1].status == "running":
        return None
    current = inbox_fingerprint(due.return_id, str(due.period), authority)
    if good:
        if signed_off_state(good[-1]):  # replaced only by an officer's rerun, with a reason
            return None
        if (current and current != good[-1].input_fingerprint
                and _from_the_inbox(good[-1])):
            return "rerun", f"inputs changed since version {good[-1].version}"
        return None
    if not runs:
        return "run", f"due {due.deadline.isoformat()}"
    if current and current != runs[-1].input_fingerprint:
        return "run", "inputs changed since the last run"
    return None


def _record(today: date, authority: str, line: calendar.Line, action: str,
            detail: str) -> SweepAction | None:
    """Note an action for today, before doing it; None when it was already done today."""
    with session() as s:
        noted = SweepAction(day=today, authority=authority, return_id=line.due.return_id,
                            period=str(line.due.period), action=action, detail=detail,
                            at=datetime.now(UTC))
        s.add(noted)
        try:
            s.commit()
            return noted
        except IntegrityError:
            s.rollback()
            return None


@task(name="start run", cache_policy=NO_CACHE)
def start_run(line: calendar.Line, authority: str, action: str, why: str) -> str:
    """Start the return's deployment without waiting for it; the flow run's id. A rerun is
    recorded as one (trigger ``rerun``), a first run as the deadline's (``deadline``)."""
    trigger = "rerun" if action == "rerun" else "deadline"
    flow_run = run_deployment(
        name=f"{line.due.return_id}/{line.due.return_id}", timeout=0,
        parameters={"period": str(line.due.period), "authority": authority,
                    "trigger": trigger, "reason": f"deadline sweep: {why}"},
        tags=[f"trigger:{trigger}"])
    return str(flow_run.id)


@task(name="raise overdue", cache_policy=NO_CACHE)
def raise_overdue(line: calendar.Line, authority: str, today: date) -> int:
    days = (today - line.due.deadline).days
    emit_event(
        event=OVERDUE_EVENT,
        resource={
            "prefect.resource.id": f"statreturns.return.{authority}.{line.due.return_id}."
                                   f"{line.due.period.folder}",
            "prefect.resource.name": f"{line.due.return_id} {line.due.period}",
            "statreturns.return": line.due.return_id,
            "statreturns.period": str(line.due.period),
            "statreturns.authority": authority,
            "statreturns.days-overdue": str(days),
            "statreturns.deadline": line.due.deadline.isoformat(),
        })
    return days


def board_markdown(authority: str, lines: list[calendar.Line], today: date) -> str:
    overdue = [line for line in lines if line.state == "overdue"]
    rows = ["| Deadline | Planned run | Return | Period | State |", "|---|---|---|---|---|"]
    rows += [f"| {line.due.deadline.isoformat()} | {line.due.planned.isoformat()} | "
             f"{line.due.return_id} | {line.due.period} | "
             + (f"**{line.state}**" if line.state == "overdue" else line.state) + " |"
             for line in lines]
    return "\n".join([
        f"# Returns board: {authority}, {today.isoformat()}", "",
        f"**{len(overdue)} overdue**: "
        + (", ".join(f"{line.due.return_id} {line.due.period}" for line in overdue) or "none"),
        "", "Everything overdue, then everything due in the next 60 days.", "", *rows])


def _sweep_line(line: calendar.Line, today: date, authority: str, done: dict) -> None:
    label = f"{line.due.return_id} {line.due.period}"
    found = action_for(line, today, authority)
    if found:
        action, why = found
        if noted := _record(today, authority, line, action, why):
            try:
                noted.flow_run_id = start_run(line, authority, action, why)
            except Exception:
                with session() as s:  # not started: the next sweep tries again
                    s.delete(s.get(SweepAction, noted.id))
                    s.commit()
                raise
            with session() as s:
                s.add(noted)
                s.commit()
            done[action].append(label)
            get_run_logger().info("%s: started (%s, %s)", label, action, why)
    if line.state == "overdue" and _record(today, authority, line, "overdue",
                                           f"deadline {line.due.deadline.isoformat()}"):
        days = raise_overdue(line, authority, today)
        done["overdue"].append(label)
        get_run_logger().warning("%s: overdue by %s days", label, days)


def _sweep_name() -> str:
    return f"{runtime.flow_run.parameters.get('authority') or authorities.default()} sweep"


@flow(name="deadline-sweep", flow_run_name=_sweep_name, persist_result=False)
def deadline_sweep(authority: str = "", today: date | None = None) -> dict:
    """Start what is due, rerun what changed, raise what is overdue; refresh the board.
    The authority defaults to `authorities.default` where the sweep runs."""
    authority = authority or authorities.default()
    logger = get_run_logger()
    recover_crashed()
    today = today or datetime.now(LONDON).date()
    lines = calendar.board(registry.declarations(), authority, today)
    done = {"run": [], "rerun": [], "overdue": []}
    for line in lines:
        label = f"{line.due.return_id} {line.due.period}"
        try:
            _sweep_line(line, today, authority, done)
        except Exception as exc:  # one return's trouble must not stop the others
            logger.error("%s: the sweep could not act (%s)", label, type(exc).__name__)
    create_markdown_artifact(key=board_key(authority), markdown=board_markdown(
        authority, calendar.board(registry.declarations(), authority, today), today),
        description=f"Returns due and overdue, {today.isoformat()}")
    return done


if __name__ == "__main__":
    deadline_sweep(today=date.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else None)
