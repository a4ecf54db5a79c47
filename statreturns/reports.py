"""What the store says about runs, as plain dicts for the CLI (and its --json)."""

from __future__ import annotations

from sqlmodel import select

from statreturns.store.db import session
from statreturns.store.models import (
    Decision,
    OutputFile,
    QualityResult,
    Run,
    SourceFile,
    Submission,
)


def _describe(s, run: Run) -> dict:
    results = s.exec(select(QualityResult).where(QualityResult.run_id == run.id)
                     .order_by(QualityResult.id)).all()
    failed = [r for r in results if not r.success]
    return {
        "run_id": run.id, "authority": run.authority, "return": run.return_id,
        "period": run.period, "version": run.version, "status": run.status,
        "verdict": run.verdict, "trigger": run.trigger, "reason": run.reason,
        "message": run.message, "flow_run_id": run.flow_run_id,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "input_fingerprint": run.input_fingerprint, "outputs_dir": run.outputs_dir,
        "same_as_version": run.same_as_version,
        "decisions": [{"decision": d.decision, "by": d.approver, "comment": d.comment,
                       "at": d.at} for d in s.exec(select(Decision).where(
                           Decision.run_id == run.id).order_by(Decision.id))],
        "submitted": next(({"at": x.delivered_at, "destination": x.destination,
                            "package_sha256": x.package_sha256} for x in s.exec(
                               select(Submission).where(Submission.run_id == run.id))), None),
        "sources": [{"source": f.source, "path": f.path, "sha256": f.sha256, "rows": f.rows,
                     "archive_path": f.archive_path, "notes": f.notes}
                    for f in s.exec(select(SourceFile).where(SourceFile.run_id == run.id))],
        "outputs": [{"kind": o.kind, "path": o.path, "sha256": o.sha256, "bytes": o.bytes}
                    for o in s.exec(select(OutputFile).where(OutputFile.run_id == run.id)
                                    .order_by(OutputFile.id))],
        "data_quality": {
            "checked": len(results),
            "errors": sum(r.severity == "error" for r in failed),
            "queries": sum(r.severity == "query" for r in failed),
            "results": [r.model_dump(exclude={"id", "run_id"}) for r in results],
        },
    }


def runs(return_id: str, period: str, authority: str) -> list[dict]:
    """Every run of one return for one authority and period, oldest first."""
    with session() as s:
        found = s.exec(select(Run).where(Run.return_id == return_id, Run.period == period,
                                         Run.authority == authority).order_by(Run.id)).all()
        return [_describe(s, r) for r in found]


def latest_runs() -> list[dict]:
    """The latest run of each authority, return and period, with its latest version."""
    with session() as s:
        latest: dict[tuple, Run] = {}
        versions: dict[tuple, int] = {}
        for run in s.exec(select(Run).order_by(Run.id)):
            key = (run.authority, run.return_id, run.period)
            latest[key] = run
            if run.version:
                versions[key] = max(versions.get(key, 0), run.version)
        out = []
        for key in sorted(latest):
            row = _describe(s, latest[key])
            row["latest_version"] = versions.get(key)
            out.append(row)
        return out
