"""Publish: Prefect artifacts with stable keys, so the UI shows each return's history."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from statreturns.quality import VERDICT_WORDS, Check
from statreturns.summary import RunSummary


def artifact_key(authority: str, return_id: str, what: str) -> str:
    return f"{authority}-{return_id}-{what}"


def summary_markdown(summary: RunSummary, checks: list[Check]) -> str:
    failed = [c for c in checks if not c.success]
    lines = [
        f"# {summary.title}: {summary.authority}, {summary.period}",
        "",
        f"**Verdict:** {VERDICT_WORDS.get(summary.verdict, summary.status)}",
        "",
        "| | |", "|---|---|",
        f"| Status | {summary.status} |",
        f"| Version | {summary.version or '-'} |",
        f"| Trigger | {summary.trigger} |",
        f"| Rules checked | {len(checks)} |",
        f"| Errors | {sum(c.severity == 'error' for c in failed)} |",
        f"| Queries | {sum(c.severity == 'query' for c in failed)} |",
        f"| Outputs | `{summary.outputs_dir or 'none'}` |",
    ]
    if summary.message:
        lines += ["", summary.message]
    if failed:
        lines += ["", "## Needs attention", ""]
        lines += [f"- **{c.severity}** {c.code}: {c.message} ({c.unexpected_count} found"
                  + (f"; {c.location}" if c.location else "") + ")" for c in failed]
    return "\n".join(lines)


@task(name="publish", cache_policy=NO_CACHE)
def publish(summary: RunSummary, checks: list[Check], since=None) -> None:
    """A summary (markdown), the data-quality results (table) and, from a second version
    on, what changed since the previous one (table), keyed per return."""
    authority, return_id = summary.authority, summary.return_id
    create_markdown_artifact(
        key=artifact_key(authority, return_id, "summary"),
        markdown=summary_markdown(summary, checks),
        description=f"{summary.title} {summary.period}: {summary.verdict}")
    create_table_artifact(
        key=artifact_key(authority, return_id, "data-quality"),
        table=[{"severity": c.severity, "code": c.code, "passed": c.success,
                "rule": c.message, "found": c.unexpected_count, "where": c.location,
                "examples": c.sample} for c in checks],
        description=f"Data-quality results, {summary.period}")
    if since is not None:
        create_table_artifact(
            key=artifact_key(authority, return_id, "changes"),
            table=[{"table": "(rules)", "row": kind, "column": code, "was": "", "now": ""}
                   for kind, codes in since.quality.items() for code in codes]
            + [{"table": c.table, "row": c.row, "column": c.column, "was": c.old,
                "now": c.new} for c in since.cells],
            description=f"What changed in version {summary.version} since version "
                        f"{since.version}, {summary.period}")
