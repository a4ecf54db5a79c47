"""The audit trail of a return's period, as an auditor reads it: every run, correction,
explanation, decision, submission and refusal, in time order, with who, when, from where and
the checksum of the version concerned (sha256 of its JSON record of the figures, as the
board paper's sign-off block prints it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from statreturns.store.db import session
from statreturns.store.models import (
    Decision,
    Explanation,
    OutputFile,
    Refusal,
    Run,
    SourceFile,
    Submission,
)

COLUMNS = ("when", "event", "version", "who", "from where", "detail", "checksum")


@dataclass(frozen=True)
class Event:
    when: datetime
    event: str
    """run, correction, explanation, approved, rejected, submission or refused."""
    version: int | None
    who: str
    where: str
    detail: str
    checksum: str

    def row(self) -> tuple[str, ...]:
        return (f"{self.when:%Y-%m-%d %H:%M:%S}", self.event,
                "" if self.version is None else str(self.version), self.who, self.where,
                self.detail, self.checksum)


def trail(authority: str, return_id: str, period: str) -> list[Event]:
    """Everything on record for the period, oldest first."""
    with session() as s:
        runs = list(s.exec(select(Run).where(
            Run.authority == authority, Run.return_id == return_id, Run.period == period)
            .order_by(Run.id)))
        ids = [r.id for r in runs]
        by_id = {r.id: r for r in runs}
        checksums = {f.run_id: f.sha256 for f in s.exec(select(OutputFile).where(
            OutputFile.run_id.in_(ids), OutputFile.kind == "json"))}
        sources = {}
        for f in s.exec(select(SourceFile).where(SourceFile.run_id.in_(ids))):
            sources.setdefault(f.run_id, {})[f"{f.source}: {f.path.rsplit('/', 1)[-1]}"] = \
                f.sha256
        explanations = list(s.exec(select(Explanation).where(
            Explanation.authority == authority, Explanation.return_id == return_id,
            Explanation.period == period)))
        decisions = list(s.exec(select(Decision).where(Decision.run_id.in_(ids))))
        submissions = list(s.exec(select(Submission).where(Submission.run_id.in_(ids))))
        refusals = list(s.exec(select(Refusal).where(
            Refusal.authority == authority, Refusal.return_id == return_id,
            Refusal.period == period)))
    events = _runs(runs, checksums, sources)
    events += _explanations(explanations, runs, checksums)
    events += [Event(d.at, d.decision, by_id[d.run_id].version,
                     f"{d.approver} <{d.email}>" if d.email else d.approver, d.made_from,
                     "; ".join(x for x in (d.comment, f"four eyes {d.four_eyes}"
                                           if d.four_eyes else "") if x),
                     checksums.get(d.run_id, "")) for d in decisions]
    events += [Event(x.delivered_at, "submission", by_id[x.run_id].version, "", x.made_from,
                     f"to {x.destination} (package sha256 {x.package_sha256})",
                     checksums.get(x.run_id, "")) for x in submissions]
    of_version = {r.version: checksums.get(r.id, "") for r in runs if r.version}
    events += [Event(r.at, "refused", r.version, r.who, r.made_from,
                     f"{r.action}: {r.reason}", of_version.get(r.version, ""))
               for r in refusals]
    return sorted(events, key=lambda e: e.when)


def _runs(runs: list[Run], checksums: dict[int, str],
          sources: dict[int, dict[str, str]]) -> list[Event]:
    """A run; a correction where a version's sources differ from the version before."""
    events, before = [], None
    for run in runs:
        now = sources.get(run.id, {})
        changed = sorted(k for k, sha in now.items()
                         if before is not None and before.get(k) != sha)
        correction = run.version is not None and before is not None and bool(changed)
        detail = "; ".join(x for x in (
            run.status + (f" ({run.verdict})" if run.verdict else ""),
            f"trigger {run.trigger}", run.reason,
            f"sources changed: {', '.join(changed)}" if correction else "") if x)
        user, _, host = run.made_from.partition("@")
        events.append(Event(run.started_at, "correction" if correction else "run",
                            run.version, user, host, detail,
                            checksums.get(run.id, "")))
        if run.version is not None:
            before = now
    return events


def _explanations(explanations: list[Explanation], runs: list[Run],
                  checksums: dict[int, str]) -> list[Event]:
    """One event per explanation given (a query may have been raised by several rows)."""
    made = [r for r in runs if r.version is not None]
    seen, events = set(), []
    for e in sorted(explanations, key=lambda e: e.id):
        key = (e.code, e.text, e.author, e.at)
        if key in seen:
            continue
        seen.add(key)
        version = max((r for r in made if r.started_at <= e.at), key=lambda r: r.version,
                      default=None)
        events.append(Event(e.at, "explanation", version and version.version, e.author,
                            e.made_from, f"{e.code}: {e.text}",
                            checksums.get(version.id, "") if version else ""))
    return events
