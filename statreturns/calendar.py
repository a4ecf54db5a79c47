"""The statutory calendar: which period of each return is due when, and how it stands."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from statreturns.deadlines import add_working_days, check_rule, deadline
from statreturns.declaration import ReturnDeclaration
from statreturns.periods import Period, PeriodType, latest_complete
from statreturns.settings import PROJECT_ROOT

CALENDAR = PROJECT_ROOT / "deployments" / "calendar.toml"
DONE = ("submitted",)


@dataclass(frozen=True)
class Entry:
    return_id: str
    period_type: PeriodType
    lead_days: int
    """Working days before the deadline that the run is planned."""
    deadline: str | None = None
    """The authority's deadline rule for the return; None keeps the return's own."""


@dataclass(frozen=True)
class Due:
    return_id: str
    period: Period
    deadline: date
    planned: date
    """The day the run is planned: `lead_days` working days before the deadline, and never
    before the period has ended."""


def _calendar() -> dict:
    return tomllib.loads(CALENDAR.read_text(encoding="utf-8"))


def entries() -> dict[str, Entry]:
    found = {rid: Entry(rid, PeriodType(e["period"]), int(e["lead_days"]), e.get("deadline"))
             for rid, e in _calendar().items() if isinstance(e, dict)}
    for entry in found.values():
        if entry.deadline is not None:
            check_rule(entry.deadline)
    return found


def deadline_rule(declaration: ReturnDeclaration) -> str:
    """The return's deadline rule: the calendar's setting, else the return's default."""
    entry = entries().get(declaration.id)
    return entry.deadline if entry and entry.deadline else declaration.deadline


def first_day() -> date:
    """The first deadline the product is responsible for."""
    return _calendar()["from"]


def period_due(declaration: ReturnDeclaration, today: date) -> Period:
    """The period a run started without one is for: the latest complete period of the type
    the calendar schedules (else the return's default type)."""
    entry = entries().get(declaration.id)
    kind = entry.period_type if entry else declaration.default_period_type
    return latest_complete(kind, today)


def _periods(kind: PeriodType, start: date, end: date) -> list[Period]:
    """Every period of `kind` ending between 18 months before `start` and `end`."""
    found, day = set(), start - timedelta(days=550)
    while day <= end + timedelta(days=31):
        found.add(latest_complete(kind, day))
        day += timedelta(days=28)
    return sorted(p for p in found if p.end <= end)


Declarations = Mapping[str, ReturnDeclaration]
"""The declared returns by id, whose deadline rules the calendar applies."""


def due_between(returns: Declarations, start: date, end: date) -> list[Due]:
    """Each return and period whose deadline falls from `start` to `end`, by deadline."""
    rules = {rid: deadline_rule(d) for rid, d in returns.items()}
    out = []
    for entry in entries().values():
        for period in _periods(entry.period_type, start, end):
            due = deadline(rules[entry.return_id], period)
            if start <= due <= end:
                planned = max(add_working_days(due, -entry.lead_days),
                              period.end + timedelta(days=1))
                out.append(Due(entry.return_id, period, due, planned))
    return sorted(out, key=lambda d: (d.deadline, d.return_id, d.period))


def standing(authority: str) -> dict[tuple[str, str], str]:
    """(return, period) -> how it stands: submitted (a version was), approved (the latest
    version is), produced (a version exists), else the latest run's status."""
    from sqlmodel import select

    from statreturns.store.db import session
    from statreturns.store.models import Decision, Run, Submission

    with session() as s:
        submitted = set(s.exec(select(Submission.run_id)))
        decided = {d.run_id: d.decision for d in s.exec(select(Decision).order_by(Decision.id))}
        runs: dict[tuple[str, str], list[Run]] = {}
        for run in s.exec(select(Run).where(Run.authority == authority).order_by(Run.id)):
            runs.setdefault((run.return_id, run.period), []).append(run)
    out = {}
    for key, found in runs.items():
        made = [r for r in found if r.status == "produced"]
        if any(r.id in submitted for r in made):
            out[key] = "submitted"
        elif made:
            out[key] = "approved" if decided.get(made[-1].id) == "approved" else "produced"
        else:
            out[key] = found[-1].status
    return out


def state(due: Due, status: str | None, today: date) -> str:
    """not started, running, blocked, failed, produced, or overdue (past its deadline and
    not submitted)."""
    status = {None: "not started", "refused": "not started"}.get(status, status)
    if due.deadline < today and status not in DONE:
        return "overdue"
    return status


@dataclass(frozen=True)
class Line:
    due: Due
    state: str


def lines(returns: Declarations, authority: str, start: date, end: date,
          today: date) -> list[Line]:
    stands = standing(authority)
    return [Line(d, state(d, stands.get((d.return_id, str(d.period))), today))
            for d in due_between(returns, start, end)]


def board(returns: Declarations, authority: str, today: date, days: int = 60) -> list[Line]:
    """What the ops team looks at first: everything overdue (deadlines in the past year,
    from the calendar's first day), then everything due in the next `days` days."""
    since = max(today - timedelta(days=365), first_day())
    past = [line for line in lines(returns, authority, since, today - timedelta(days=1), today)
            if line.state == "overdue"]
    return past + lines(returns, authority, today, today + timedelta(days=days), today)
