"""The sign-off form in the Prefect UI: made for each version (one required explanation per
open query, then the decision and who takes it), and the pause that waits for it."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from prefect.input import RunInput
from pydantic import Field, create_model

from statreturns.approvers import sign_off_rules
from statreturns.arguments import MAX_NAME, MAX_TEXT
from statreturns.store.db import session
from statreturns.store.models import QualityResult, Run
from statreturns.summary import RunSummary
from tasks.sign_off import (
    SignOffRefused,
    checked_explanation,
    decide,
    explain,
    latest_decision,
    open_queries,
)


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
        if not checked_explanation(code, text):
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
