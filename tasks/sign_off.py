"""Sign-off: explanations of queries, and the decision to approve or reject a version.

A query is answered once: its explanation is kept with the content of the rows that raised
it, so it holds for every later version in which those rows are unchanged and is asked for
again when they change. A version with an unexplained query cannot be approved.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from statreturns.approvers import Here, Person, SignOffRules, sign_off_rules
from statreturns.arguments import (
    MAX_NAME,
    MAX_TEXT,
    ArgumentRefused,
    check_code,
    check_text,
)
from statreturns.commands import command
from statreturns.refusals import keep_refusal
from statreturns.store.db import session
from statreturns.store.models import Decision, Explanation, QualityResult, Run

FORM = "sign-off form"
"""Where a decision or an explanation given in the Prefect UI was made from."""


class SignOffRefused(ValueError):
    """A decision that cannot be taken: queries unexplained, or no such query."""


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


def explain_command(run: Run, code: str) -> str:
    """The command that explains query `code` of this run's version."""
    return command("explain", run.return_id, run.period, run.authority, code)


def _checked(kind: str, value: str, limit: int, lines: bool = False) -> str:
    try:
        return check_text(kind, value, limit, lines).strip()
    except ArgumentRefused as exc:
        raise SignOffRefused(str(exc)) from None


def checked_explanation(code: str, text: str) -> str:
    """The explanation's text, once it and the rule's code are found acceptable."""
    try:
        check_code(code)
    except ArgumentRefused as exc:
        raise SignOffRefused(str(exc)) from None
    return _checked("an explanation", text, MAX_TEXT, lines=True)


def explain(run: Run, code: str, text: str, author: str, made_from: str = FORM) -> int:
    """Record an explanation of every failed query `code` of this version; how many.
    `made_from` is the command line's ``user@host``, or the sign-off form."""
    text = checked_explanation(code, text)
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
                              text=text, author=author, at=datetime.now(UTC),
                              made_from=made_from))
        s.commit()
    return len(queries)


def decide(run: Run, decision: str, approver: str, comment: str = "",
           explanations: dict[str, str] | None = None, via: Here | None = None) -> str:
    """Record the decision (after any explanations given with it): approved or rejected.
    Only the latest version, once fully made, can be decided on, by a listed approver who
    neither made it nor explained its queries (unless the authority relaxed that). `via`
    is the command line's user and host; None for the sign-off form. A refusal is kept."""
    try:
        return _decide(run, decision, approver, comment, explanations or {}, via)
    except SignOffRefused as exc:
        keep_refusal(decision, str(exc), who=approver, made_from=str(via or FORM),
                     authority=run.authority, return_id=run.return_id, period=run.period,
                     version=run.version)
        raise


def _decide(run: Run, decision: str, approver: str, comment: str,
            explanations: dict[str, str], via: Here | None) -> str:
    from tasks.versions import good_versions

    approver = _checked("the name", approver, MAX_NAME)
    comment = _checked("the comment", comment, MAX_TEXT, lines=True)
    if decision not in ("approve", "reject") or not approver:
        raise SignOffRefused("a decision is approve or reject, with the name of who takes it")
    for code, text in explanations.items():  # all found acceptable before any is kept
        if not checked_explanation(code, text):
            raise SignOffRefused(f"the explanation of {code} is blank")
    made = good_versions(run.authority, run.return_id, run.period)
    if run.status != "produced" or not made or made[-1].id != run.id:
        raise SignOffRefused(f"version {run.version} is not the latest version made")
    try:
        rules = sign_off_rules(run.authority, run.return_id)
    except ValueError as exc:
        raise SignOffRefused(str(exc)) from None
    person = _listed(rules, run, approver, via)
    if decision == "approve":
        _four_eyes(rules, run, person, bool(explanations))
    for code, text in explanations.items():
        explain(run, code, text, person.name, str(via or FORM))
    if decision == "approve":
        unexplained = sorted({q.code for q in open_queries(run)})
        if unexplained:
            raise SignOffRefused(
                f"version {run.version} cannot be approved: the open queries "
                f"{', '.join(unexplained)} need an explanation. Explain each with:\n"
                + "\n".join(f"  {explain_command(run, code)}" for code in unexplained))
    outcome = "approved" if decision == "approve" else "rejected"
    with session() as s:
        s.add(Decision(run_id=run.id, decision=outcome, approver=person.name,
                       email=person.email, comment=comment, at=datetime.now(UTC),
                       made_from=str(via or FORM),
                       four_eyes=f"relaxed: {rules.relaxed_because}" if rules.relaxed_because
                       else "kept"))
        s.commit()
    return outcome


def _listed(rules: SignOffRules, run: Run, who: str, via: Here | None) -> Person:
    """The listed approver `who` names; on the command line, only as their own login."""
    from statreturns import authorities

    person = rules.find(who)
    where = f"listed in {authorities.folder(run.authority) / run.return_id}.toml, sign_off"
    if person is None:
        listed = ", ".join(p.shown for p in rules.approvers) or "no one yet"
        raise SignOffRefused(f"{who} is not listed to approve {run.return_id} for "
                             f"{run.authority}: the approvers are {listed} ({where})")
    if via is not None and (owner := rules.find(via.user)) is not None and owner != person:
        raise SignOffRefused(f"the login {via.user} is {owner.name}'s: {owner.name} cannot "
                             f"approve as {person.name}")
    return person


def _four_eyes(rules: SignOffRules, run: Run, person: Person, explains: bool) -> None:
    """Refuse an approval by who ran the version or explained its queries, unless the
    authority relaxed four eyes for this return."""
    if rules.relaxed_because:
        return
    makers = {p for p in rules.approvers if p.is_(run.made_from.partition("@")[0])}
    explainers = {p for p in rules.approvers for e in _explainers(run)
                  if p.is_(e.author) or p.is_(e.made_from.partition("@")[0])}
    if explains:
        explainers.add(person)
    if person not in makers | explainers:
        return
    did = "ran" if person in makers else "explained the queries of"
    raise SignOffRefused(
        f"{person.name} {did} version {run.version}, so cannot approve it: four eyes. "
        f"Who else may approve it: {rules.others(makers | explainers)}")


def _explainers(run: Run) -> list[Explanation]:
    """The explanations that answer this version's queries."""
    asked = {(q.code, q.rows_key) for q in failed_queries(run)}
    with session() as s:
        found = s.exec(select(Explanation).where(
            Explanation.authority == run.authority, Explanation.return_id == run.return_id,
            Explanation.period == run.period))
        return [e for e in found if (e.code, e.rows_key) in asked]


def latest_decision(run: Run) -> Decision | None:
    with session() as s:
        return s.exec(select(Decision).where(Decision.run_id == run.id)
                      .order_by(Decision.id.desc())).first()

