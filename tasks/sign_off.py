"""Sign-off: explanations of queries, and the decision to approve or reject a version.

A query is answered once: its explanation is kept with the content of the rows that raised
it, so it holds for every later version in which those rows are unchanged and is asked for
again when they change. A version with an unexplained query cannot be approved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal

from prefect.input import RunInput
from pydantic import Field
from sqlmodel import select

from statreturns.arguments import MAX_NAME, MAX_TEXT, ArgumentRefused, check_code, check_text
from statreturns.store.db import session
from statreturns.store.models import Decision, Explanation, QualityResult, Run
from statreturns.summary import RunSummary


class SignOffRefused(ValueError):
    """A decision that cannot be taken: queries unexplained, or no such query."""


class SignOff(RunInput):
    """The sign-off form in the Prefect UI."""

    decision: Literal["approve", "reject"]
    approver: str = Field(min_length=1, max_length=MAX_NAME, description="Your name")
    comment: str = Field(default="", max_length=MAX_TEXT)
    explanations: dict[str, str] = Field(
        default_factory=dict, description="An explanation for each open query, by its code")


def failed_queries(run: Run) -> list[QualityResult]:
    with session() as s:
        return list(s.exec(select(QualityResult).where(
            QualityResult.run_id == run.id, QualityResult.severity == "query",
            QualityResult.success.is_(False)).order_by(QualityResult.id)))


def _explanations(run: Run) -> set[tuple[str, str]]:
    with session() as s:
        found = s.exec(select(Explanation).where(
            Explanation.authority == run.authority, Explanation.return_id == run.return_id,
            Explanation.period == run.period))
        return {(e.code, e.rows_key) for e in found}


def open_queries(run: Run) -> list[QualityResult]:
    """The run's failed queries that no explanation answers."""
    explained = _explanations(run)
    return [q for q in failed_queries(run) if (q.code, q.rows_key) not in explained]


def _checked(kind: str, value: str, limit: int, lines: bool = False) -> str:
    try:
        return check_text(kind, value, limit, lines).strip()
    except ArgumentRefused as exc:
        raise SignOffRefused(str(exc)) from None


def _explanation(code: str, text: str) -> str:
    """The explanation's text, once it and the rule's code are found acceptable."""
    try:
        check_code(code)
    except ArgumentRefused as exc:
        raise SignOffRefused(str(exc)) from None
    return _checked("an explanation", text, MAX_TEXT, lines=True)


def explain(run: Run, code: str, text: str, author: str) -> int:
    """Record an explanation of every failed query `code` of this version; how many."""
    text = _explanation(code, text)
    author = _checked("the name", author, MAX_NAME)
    if not text or not author:
        raise SignOffRefused("an explanation needs its text and its author")
    queries = [q for q in failed_queries(run) if q.code == code]
    if not queries:
        raise SignOffRefused(f"version {run.version} has no failed query {code}")
    with session() as s:
        for q in queries:
            s.add(Explanation(authority=run.authority, return_id=run.return_id,
                              period=run.period, code=code, rows_key=q.rows_key,
                              text=text, author=author, at=datetime.now(UTC)))
        s.commit()
    return len(queries)


def decide(run: Run, decision: str, approver: str, comment: str = "",
           explanations: dict[str, str] | None = None) -> str:
    """Record the decision (after any explanations given with it): approved or rejected.
    Only the latest version, once fully made, can be decided on."""
    from tasks.versions import good_versions

    approver = _checked("the name", approver, MAX_NAME)
    comment = _checked("the comment", comment, MAX_TEXT, lines=True)
    if decision not in ("approve", "reject") or not approver:
        raise SignOffRefused("a decision is approve or reject, with the name of who takes it")
    for code, text in (explanations or {}).items():  # all found acceptable before any is kept
        _explanation(code, text)
    made = good_versions(run.authority, run.return_id, run.period)
    if run.status != "produced" or not made or made[-1].id != run.id:
        raise SignOffRefused(f"version {run.version} is not the latest version made")
    for code, text in (explanations or {}).items():
        explain(run, code, text, approver)
    if decision == "approve":
        unexplained = sorted({q.code for q in open_queries(run)})
        if unexplained:
            raise SignOffRefused(f"version {run.version} cannot be approved: "
                                 f"{', '.join(unexplained)} need an explanation")
    outcome = "approved" if decision == "approve" else "rejected"
    with session() as s:
        s.add(Decision(run_id=run.id, decision=outcome, approver=approver,
                       comment=comment, at=datetime.now(UTC)))
        s.commit()
    return outcome


def latest_decision(run: Run) -> Decision | None:
    with session() as s:
        return s.exec(select(Decision).where(Decision.run_id == run.id)
                      .order_by(Decision.id.desc())).first()


def await_sign_off(summary: RunSummary) -> RunSummary:
    """Pause the flow run for the sign-off form, until a decision that can be taken is
    given or the wait times out; the run's summary with the outcome."""
    from prefect import get_run_logger
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import pause_flow_run

    from statreturns.settings import get_settings

    with session() as s:
        run = s.get(Run, summary.run_id)
    note = ""
    for attempt in range(1, 21):
        queries = sorted({q.code for q in open_queries(run)})
        form = SignOff.with_initial_data(
            description=f"{note}Sign off version {run.version} of {summary.title}, "
                        f"{run.period}. Open queries needing an explanation: "
                        f"{', '.join(queries) or 'none'}.",
            decision="approve", approver="")
        try:
            answer = pause_flow_run(
                wait_for_input=form, key=f"sign-off-{attempt}", poll_interval=2,
                timeout=int(get_settings().sign_off_timeout_hours * 3600))
        except FlowPauseTimeout:
            _carry_on()  # still Paused on the server, which would fail the run at its end
            get_run_logger().warning("no sign-off decision in time: version %s awaits "
                                     "approval (statreturns approve)", run.version)
            return replace(summary, sign_off="awaiting approval")
        try:
            outcome = decide(run, answer.decision, answer.approver, answer.comment,
                             answer.explanations)
            return replace(summary, sign_off=outcome, approver=answer.approver)
        except SignOffRefused as exc:
            note = f"Not taken: {exc}. "
    return replace(summary, sign_off="awaiting approval")


def _carry_on() -> None:
    """Put the paused flow run back to Running, so that it can end as it should."""
    from prefect import runtime
    from prefect.client.orchestration import get_client
    from prefect.states import Running

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(runtime.flow_run.id, Running(), force=True)
