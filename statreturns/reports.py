"""What the store says about runs, as plain dicts for the CLI (and its --json)."""

from __future__ import annotations

from sqlmodel import select

from statreturns.commands import command
from statreturns.store.db import session
from statreturns.store.models import (
    Decision,
    Explanation,
    OutputFile,
    QualityResult,
    Run,
    SourceFile,
    Submission,
)


def _sign_off(s, run: Run) -> dict:
    """Where the version a run made (or found unchanged) stands in sign-off: not needed (no
    version), awaiting explanation, awaiting approval, approved, rejected, submitted, or
    superseded (a later version was made before any decision); with its explanations."""
    version = run.version or run.same_as_version
    made = s.exec(select(Run).where(
        Run.authority == run.authority, Run.return_id == run.return_id,
        Run.period == run.period, Run.status == "produced", Run.version.is_not(None))
        .order_by(Run.version)).all()
    of = next((r for r in made if r.version == version), None)
    if of is None:
        return {"sign_off": "not needed", "approved_by": None, "approved_at": None,
                "submitted_at": None, "unexplained": [], "explanations": []}
    queries = s.exec(select(QualityResult).where(
        QualityResult.run_id == of.id, QualityResult.severity == "query",
        QualityResult.success.is_(False))).all()
    asked = {(q.code, q.rows_key) for q in queries}
    given = [e for e in s.exec(select(Explanation).where(
        Explanation.authority == run.authority, Explanation.return_id == run.return_id,
        Explanation.period == run.period).order_by(Explanation.id))
        if (e.code, e.rows_key) in asked]
    answered = {(e.code, e.rows_key) for e in given}
    unexplained = sorted({code for code, key in asked - answered})
    decision = s.exec(select(Decision).where(Decision.run_id == of.id)
                      .order_by(Decision.id.desc())).first()
    sent = s.exec(select(Submission).where(Submission.run_id == of.id)).first()
    if sent:
        state = "submitted"
    elif decision:
        state = decision.decision
    elif of.id != made[-1].id:
        state = "superseded"
    else:
        state = "awaiting explanation" if unexplained else "awaiting approval"
    approved = decision if decision and decision.decision == "approved" else None
    return {"sign_off": state, "approved_by": approved and approved.approver,
            "approved_at": approved and approved.at, "submitted_at": sent and sent.delivered_at,
            "unexplained": unexplained,
            "explanations": [{"code": e.code, "text": e.text, "author": e.author, "at": e.at}
                             for e in given]}


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
        "same_as_version": run.same_as_version, "provisional": run.provisional,
        "resubmits": run.resubmits,
        "decisions": [{"decision": d.decision, "by": d.approver, "comment": d.comment,
                       "at": d.at} for d in s.exec(select(Decision).where(
                           Decision.run_id == run.id).order_by(Decision.id))],
        "submitted": next(({"at": x.delivered_at, "destination": x.destination,
                            "package_sha256": x.package_sha256} for x in s.exec(
                               select(Submission).where(Submission.run_id == run.id))), None),
        **_sign_off(s, run),
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


def next_command(row: dict) -> str | None:
    """The command that takes a run's return and period on: correct and rerun a blocked
    one, explain the first open query, approve, submit; None when nothing is left."""
    where = (row["return"], row["period"], row["authority"])
    if row["status"] in ("blocked", "failed"):
        return command("rerun", *where)
    return {"awaiting explanation": command("explain", *where, *row["unexplained"][:1]),
            "awaiting approval": command("approve", *where),
            "approved": command("submit", *where)}.get(row["sign_off"])


def sign_off_words(row: dict) -> str:
    """A run's sign-off in a few words, e.g. 'approved by A. Officer 2026-11-30'."""
    state = row["sign_off"]
    if state == "awaiting explanation":
        n = len(row["unexplained"])
        return f"{n} {'query' if n == 1 else 'queries'} to explain"
    if state == "approved":
        return f"approved by {row['approved_by']} {row['approved_at']:%Y-%m-%d}"
    if state == "submitted":
        return f"submitted {row['submitted_at']:%Y-%m-%d}"
    return state
