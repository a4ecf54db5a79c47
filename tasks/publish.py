"""Publish: Prefect artifacts with stable keys, so the UI shows each return's history for
each period."""

from __future__ import annotations

import re

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from statreturns.commands import command
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.quality import NOTE, VERDICT_WORDS, Check
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import Run
from statreturns.summary import RunSummary
from tasks.collect import inbox_folder
from tasks.sign_off import open_queries


def artifact_key(authority: str, return_id: str, period: str, what: str) -> str:
    """The key of one kind of artifact of a return's period: lower-case letters, digits
    and single dashes, as Prefect asks (``R12-2026-06`` -> ``r12-2026-06``, ``2023/24``
    -> ``2023-24``)."""
    key = re.sub(r"[^a-z0-9]+", "-", f"{authority}-{return_id}-{period}-{what}".lower())
    return key.strip("-")


def summary_markdown(summary: RunSummary, checks: list[Check],
                     unexplained: list[str] | None = None) -> str:
    """The run's summary; `unexplained` are the codes of the queries still to explain
    (every failed query's when not given)."""
    failed = [c for c in checks if not c.success]
    errors = [c for c in failed if c.severity == "error"]
    if unexplained is None:
        unexplained = sorted({c.code for c in failed if c.severity == "query"})
    lines = [
        f"# {summary.title}: {summary.authority}, {summary.period}",
        "",
        f"**Verdict:** {VERDICT_WORDS.get(summary.verdict, summary.status)}",
        "",
        "| | |", "|---|---|",
        f"| Status | {summary.status} |",
        f"| Version | {summary.version or '-'} |",
        f"| Trigger | {summary.trigger} |",
        f"| Rules checked | {sum(c.severity != NOTE for c in checks)} |",
        f"| Errors | {len(errors)} |",
        f"| Queries | {sum(c.severity == 'query' for c in failed)} |",
        f"| Outputs | `{summary.outputs_dir or 'none'}` |",
    ]
    if summary.status == "blocked":
        lines += ["", *_blocked(summary, len(errors))]
    elif summary.status == "produced":
        lines += ["", *_to_sign_off(summary, unexplained)]
    if summary.message:
        lines += ["", summary.message]
    if notes := [c.message for c in checks if c.severity == NOTE]:
        lines += ["", *notes]
    if failed:
        lines += ["", "## Needs attention", ""]
        lines += [f"- **{c.severity}** {c.code}: {c.message} ({c.unexpected_count} found"
                  + (f"; {c.location}" if c.location else "") + ")" for c in failed]
    return "\n".join(lines)


def _code(*commands: str) -> list[str]:
    return ["```", *commands, "```"]


def _blocked(summary: RunSummary, errors: int) -> list[str]:
    """What to do about a blocked run: correct its source files, then run it again."""
    ctx = Context(summary.authority, parse_period(summary.period), None)
    inbox = inbox_folder(get_settings().inbox, summary.return_id, ctx)
    return [f"## Blocked: {errors} error{'' if errors == 1 else 's'} to correct", "",
            f"No version was made. Correct the source file in the inbox (`{inbox}`) as "
            "the errors below say, then run the return again:", "",
            *_code(command("rerun", summary.return_id, summary.period, summary.authority))]


def _to_sign_off(summary: RunSummary, queries: list[str]) -> list[str]:
    """How a produced version is signed off: explain each query not yet explained, then
    approve."""
    where = (summary.return_id, summary.period, summary.authority)
    explain = [command("explain", *where, code) for code in queries]
    approve = command("approve", *where)
    said = (f"Explain each query ({', '.join(queries)}), then approve:" if queries
            else "No query needs an explanation. Approve:")
    return ["## To sign off", "", said, "", *_code(*explain, approve)]


def _unexplained(summary: RunSummary) -> list[str] | None:
    """The codes of a produced version's queries that no explanation answers yet."""
    if summary.status != "produced":
        return None
    with session() as s:
        run = s.get(Run, summary.run_id)
    return sorted({q.code for q in open_queries(run)})


@task(name="publish", cache_policy=NO_CACHE)
def publish(summary: RunSummary, checks: list[Check], since=None) -> None:
    """A summary (markdown), the data-quality results (table) and, from a second version
    on, what changed since the previous one (table), keyed per return and period."""
    def key(what: str) -> str:
        return artifact_key(summary.authority, summary.return_id, summary.period, what)

    create_markdown_artifact(
        key=key("summary"),
        markdown=summary_markdown(summary, checks, _unexplained(summary)),
        description=f"{summary.title} {summary.period}: {summary.verdict}")
    create_table_artifact(
        key=key("data-quality"),
        table=[{"severity": c.severity, "code": c.code, "passed": c.success,
                "rule": c.message, "found": c.unexpected_count, "where": c.location,
                "examples": c.sample} for c in checks],
        description=f"Data-quality results, {summary.period}")
    if since is not None:
        create_table_artifact(
            key=key("changes"),
            table=[{"table": "(rules)", "row": kind, "column": code, "was": "", "now": ""}
                   for kind, codes in since.quality.items() for code in codes]
            + [{"table": c.table, "row": c.row, "column": c.column, "was": c.old,
                "now": c.new} for c in since.cells],
            description=f"What changed in version {summary.version} since version "
                        f"{since.version}, {summary.period}")
