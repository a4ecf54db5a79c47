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
from pydantic import Field, create_model
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
from statreturns.summary import RunSummary

FORM = "sign-off form"
"""Where a decision or an explanation given in the Prefect UI was made from."""


class SignOffRefused(ValueError):
    """A decision that cannot be taken: queries unexplained, or no such query."""


class SignOff(RunInput):
    """The sign-off form in the Prefect UI; `sign_off_form` adds a field per open query."""

    decision: Literal["approve", "reject", "explain"] = Field(
        title="Decision", json_schema_extra={"position": 1000},
        description="approve: the figures are right to submit; reject: they are not; "
                    "explain: keep the explanations and leave the approval to someone else")
    approver: str = Field(min_length=1, max_length=MAX_NAME, title="Your name",
                          json_schema_extra={"position": 1001})
    comment: str = Field(default="", max_length=MAX_TEXT, title="Comment",
                         json_schema_extra={"position": 1002},
                         description="Kept with the decision")


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


def field_name(code: str) -> str:
    """The form's field for query `code`: PSPO-015 -> explain_pspo_015."""
    return "explain_" + code.lower().replace("-", "_")


def code_of(field: str) -> str | None:
    """The rule's code a form field explains (codes are upper case, without underscores)."""
    return field.removeprefix("explain_").upper().replace("_", "-") \
        if field.startswith("explain_") else None


def _by_code(queries: list[QualityResult]) -> dict[str, list[QualityResult]]:
    found: dict[str, list[QualityResult]] = {}
    for q in queries:
        found.setdefault(q.code, []).append(q)
    return found


def _where(results: list[QualityResult]) -> str:
    """Where a query's rows were found: places only, never the values (nor any sample)."""
    return "; ".join(r.location for r in results if r.location) or "the return as a whole"


def _md(text: str) -> str:
    """Text shown as itself in markdown."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>#|" else c for c in text)


def sign_off_form(run: Run, title: str, recipient: str = "", refused: str = "") -> type[SignOff]:
    """The sign-off form of this version: one required explanation per open query, then
    the decision and who takes it. `refused` is why the previous answer was not taken."""
    queries = _by_code(open_queries(run))
    fields = {field_name(code): (str, Field(
        min_length=1, max_length=MAX_TEXT, json_schema_extra={"position": i},
        title=f"{found[0].message.rstrip('.')}: {_where(found)}",
        description=f"Query {code}: why the figures are right all the same (to reject: what "
                    "is wrong)"))
        for i, (code, found) in enumerate(queries.items())}
    rules = sign_off_rules(run.authority, run.return_id)
    fields["approver"] = (str, Field(
        min_length=1, max_length=MAX_NAME, title="Your name (or e-mail)",
        json_schema_extra={"position": 1001},
        description="Who may approve or reject: "
                    + (", ".join(p.shown for p in rules.approvers) or "no one is listed yet")
                    + (". Four eyes: who ran this version or explained its queries may not "
                       "approve it" if not rules.relaxed_because else
                       f". Four eyes relaxed for this return: {rules.relaxed_because}")))
    form = create_model("SignOff", __base__=SignOff, **fields)
    form._description = _description(run, title, recipient, refused, queries)
    return form


def _description(run: Run, title: str, recipient: str, refused: str,
                 queries: dict[str, list[QualityResult]]) -> str:
    """What the form is for (markdown, shown above it), and why an answer was not taken."""
    from statreturns import authorities
    from statreturns.periods import parse_period

    why = "  \n> ".join(f"`{line}`" if line.startswith("statreturns ") else _md(line)
                        for line in map(str.strip, refused.splitlines()))
    parts = [f"> **Not taken:** {why}"] if refused else []
    to = f" to {_md(recipient)}" if recipient else ""
    parts.append(f"Approving version {run.version} of **{_md(title)}**, "
                 f"{parse_period(run.period).label}, for {_md(authorities.name(run.authority))}"
                 f" confirms the figures are right to submit{to}. The decision is kept with "
                 "your name; only an approved version can be submitted. The form's Submit "
                 "button records your decision: it does not send the return (`statreturns "
                 "submit` does, once the version is approved).")
    if not queries:
        return "\n\n".join([*parts, "There are no open queries."])
    parts.append("Each open query needs an explanation, kept with the rows that raised it: it "
                 "holds for later versions while those rows are unchanged. To reject, a short "
                 "reason in each is enough: it is kept with the decision, not as an "
                 "explanation.")
    parts.append("Open queries:\n\n" + "\n".join(
        f"- **{code}** {_md(found[0].message)} "
        f"({sum(q.unexpected_count for q in found)} found): {_md(_where(found))}"
        for code, found in queries.items()))
    return "\n\n".join(parts)


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


def explain(run: Run, code: str, text: str, author: str, made_from: str = FORM) -> int:
    """Record an explanation of every failed query `code` of this version; how many.
    `made_from` is the command line's ``user@host``, or the sign-off form."""
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
        if not _explanation(code, text):
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


def await_sign_off(summary: RunSummary, recipient: str = "") -> RunSummary:
    """Pause the flow run for the sign-off form, until a decision that can be taken is
    given or the wait times out; the run's summary with the outcome."""
    from prefect import get_run_logger
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import pause_flow_run

    from statreturns.settings import get_settings

    with session() as s:
        run = s.get(Run, summary.run_id)
    refused = ""
    for attempt in range(1, 21):
        form = sign_off_form(run, summary.title, recipient, refused)
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
            if answer.decision == "explain":
                _explain_all(run, answer)
                refused = ""
                continue
            outcome = decide(run, answer.decision, answer.approver,
                             *_comment_and_explanations(answer))
            return replace(summary, sign_off=outcome, approver=latest_decision(run).approver)
        except SignOffRefused as exc:
            refused = str(exc)
            get_run_logger().warning("sign-off not taken: %s", refused)
    return replace(summary, sign_off="awaiting approval")


def _explain_all(run: Run, answer: SignOff) -> None:
    """The form's explanations, kept for someone else to approve: all or none."""
    texts = _comment_and_explanations(answer)[1]
    if not texts:
        raise SignOffRefused("explain: there was no open query to explain")
    for code, text in texts.items():
        if not _explanation(code, text):
            raise SignOffRefused(f"the explanation of {code} is blank")
    for code, text in texts.items():
        explain(run, code, text, answer.approver)


def _comment_and_explanations(answer: SignOff) -> tuple[str, dict[str, str]]:
    """An approval's explanations by rule code; a rejection keeps each query's text in its
    comment instead, as the reasons for it."""
    texts = {code: text for name, text in answer.model_dump().items()
             if (code := code_of(name))}
    if answer.decision != "reject":
        return answer.comment, texts
    reasons = [f"{code}: {text.strip()}" for code, text in texts.items()]
    return "\n".join(x for x in [answer.comment.strip(), *reasons] if x), {}


def _carry_on() -> None:
    """Put the paused flow run back to Running, so that it can end as it should."""
    from prefect import runtime
    from prefect.client.orchestration import get_client
    from prefect.states import Running

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(runtime.flow_run.id, Running(), force=True)
