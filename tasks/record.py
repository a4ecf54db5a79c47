"""Record: the run's row in the store, from opening to its end."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from prefect import runtime, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from statreturns.approvers import here
from statreturns.quality import Check
from statreturns.store.db import session
from statreturns.store.models import Change, OutputFile, QualityResult, Run, SourceFile
from tasks.collect import Collected


def _now() -> datetime:
    return datetime.now(UTC)


def open_run(return_id: str, authority: str, period: str, trigger: str, reason: str,
             process: str | None = None) -> int:
    """The run's row; `process` names the process running it until `let_go` is called."""
    run = Run(authority=authority, return_id=return_id, period=period, trigger=trigger,
              reason=reason, flow_run_id=runtime.flow_run.id, started_at=_now(),
              process=process, made_from=str(here()))
    with session() as s:
        s.add(run)
        s.commit()
        return run.id


def let_go(run_id: int) -> None:
    """The run has ended, however it ended: no longer tied to its process."""
    with session() as s:
        s.exec(update(Run).where(Run.id == run_id).values(process=None))
        s.commit()


def allocate_version(run_id: int) -> int:
    """The next version number for this run's return and period; never given twice."""
    for _ in range(20):
        with session() as s:
            run = s.get(Run, run_id)
            latest = s.exec(select(func.max(Run.version)).where(
                Run.authority == run.authority, Run.return_id == run.return_id,
                Run.period == run.period)).one()
            run.version = (latest or 0) + 1
            s.add(run)
            try:
                s.commit()
                return run.version
            except IntegrityError:
                s.rollback()
    raise RuntimeError("could not allocate a version number: too many concurrent runs")


def fingerprint(shas: list[str | None]) -> str | None:
    """One hash over the sha256 of every input file, in source order; none if one is missing."""
    if not shas or any(sha is None for sha in shas):
        return None
    return hashlib.sha256("\n".join(shas).encode()).hexdigest()


@task(name="record", cache_policy=NO_CACHE)
def finish_run(run_id: int, *, status: str, verdict: str | None, message: str = "",
               collected: list[Collected] = (), checks: list[Check] = (),
               outputs: dict[str, tuple[Path, str, int]] | None = None,
               outputs_dir: Path | None = None, keep_version: bool = True,
               made_from: tuple[str | None, str, str] | None = None, since=None,
               same_as_version: int | None = None, provisional: bool = False,
               resubmits: int | None = None) -> None:
    """Store how the run ended, with its sources, data-quality results, outputs, what it
    was made from and what changed since the previous version."""
    with session() as s:
        run = s.get(Run, run_id)
        run.status, run.verdict, run.message = status, verdict, message
        run.same_as_version = same_as_version
        run.provisional, run.resubmits = provisional, resubmits
        if made_from:
            _, run.rules_fingerprint, run.code_version = made_from
        if not keep_version:
            run.version = None
        run.finished_at = _now()
        run.input_fingerprint = fingerprint([c.sha256 for c in collected])
        run.outputs_dir = str(outputs_dir) if outputs_dir else None
        s.add(run)
        for c in collected:
            s.add(SourceFile(run_id=run_id, source=c.source.name, path=str(c.path),
                             sha256=c.sha256, rows=c.rows,
                             archive_path=str(c.archive_path) if c.archive_path else None,
                             notes="; ".join(c.notes)))
        for check in checks:
            s.add(QualityResult(run_id=run_id, **check.as_dict()))
        for kind, (path, sha, size) in (outputs or {}).items():
            s.add(OutputFile(run_id=run_id, kind=kind, path=str(path), sha256=sha, bytes=size))
        if since:
            for c in since.cells:
                s.add(Change(run_id=run_id, kind="cell", table=c.table, row=c.row,
                             column=c.column, old=c.old, new=c.new))
            for kind, codes in since.quality.items():
                s.add_all(Change(run_id=run_id, kind=kind, table="", row="", column=code,
                                 old="", new="") for code in codes)
        s.commit()
