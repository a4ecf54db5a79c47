"""The commands of a version's life after it is made: diff, explain, approve, submit."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from statreturns.app.terminal import (
    AuthorityOpt,
    JsonOpt,
    PeriodOpt,
    ReturnArg,
    console,
    hold,
    refuse,
)
from statreturns.arguments import MAX_NAME, ArgumentRefused, check_text
from statreturns.commands import command
from statreturns.settings import get_settings

versions = typer.Typer()

VersionOpt = Annotated[int | None, typer.Option("--version", "-v",
                                                help="Version (default: the latest)")]


def _period(return_id: str, period: str, authority: str) -> str:
    """The period as the store names it, once the return and authority are known; or a
    refusal."""
    from flows import registry
    from statreturns import authorities
    from statreturns.periods import parse_period

    try:
        registry.check(return_id)
        authorities.check_slug("authority", authority)
        return str(parse_period(period))
    except (KeyError, ValueError) as exc:
        refuse(exc.args[0])


def _version(return_id: str, period: str, authority: str, version: int | None):
    """The run that made the version, or a refusal."""
    from tasks.versions import good_versions

    period = _period(return_id, period, authority)
    made = good_versions(authority, return_id, period)
    found = [r for r in made if version is None or r.version == version]
    if not found:
        refuse(f"{return_id} {period} has no version {version or ''}".rstrip()
                + (f" (versions: {', '.join(str(r.version) for r in made)})" if made else ""))
    return found[-1], made


@versions.command()
def diff(
    return_id: ReturnArg, period: PeriodOpt, authority: AuthorityOpt = None,
    from_: Annotated[int | None, typer.Option("--from", help="Earlier version")] = None,
    to: Annotated[int | None, typer.Option(help="Later version (default: the latest)")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions: every table cell, every rule's result."""
    from rich.markup import escape

    from flows import registry
    from tasks.changes import quality_changes, table_changes
    from tasks.versions import document, results

    later, made = _version(return_id, period, authority, to)
    earlier_versions = [r for r in made if r.version < later.version]
    if from_ is not None:
        earlier_versions = [r for r in made if r.version == from_]
    if not earlier_versions:
        refuse(f"no earlier version to compare version {later.version} with")
    earlier = earlier_versions[-1]
    cells = table_changes(document(earlier)["tables"], document(later)["tables"],
                          registry.get(return_id).DECLARATION.row_keys)
    rules = quality_changes(results(earlier.id), results(later.id))
    if as_json:
        print(json.dumps({"from": earlier.version, "to": later.version, "rules": rules,
                          "cells": [vars(c) for c in cells]}, indent=2))
        return
    console.print(f"[bold]{return_id} {later.period}[/bold]: version {earlier.version} -> "
                  f"{later.version}")
    for kind, codes in rules.items():
        console.print(f"  {kind}: {', '.join(codes) or 'none'}")
    table = Table("table", "row", "column", "was", "now")
    for c in cells:  # as text: markup would swallow a symbol such as "[x]"
        table.add_row(*map(escape, (c.table, c.row, c.column, c.old, c.new)))
    console.print(table if cells else "  no figure changed")


@versions.command()
def explain(
    return_id: ReturnArg, period: PeriodOpt,
    rule: Annotated[str, typer.Option(help="The query's code, e.g. PSPO-015")],
    text: Annotated[str, typer.Option(help="The explanation")],
    author: Annotated[str, typer.Option(help="Your name")],
    authority: AuthorityOpt = None, version: VersionOpt = None,
) -> None:
    """Explain a query: kept while the rows that raised it stay the same, in later versions."""
    from statreturns.approvers import here
    from tasks.sign_off import SignOffRefused, explain_command, open_queries
    from tasks.sign_off import explain as record

    run, made = _version(return_id, period, authority, version)
    try:
        record(run, rule.strip().upper(), text, author, str(here()))
    except SignOffRefused as exc:
        refuse(str(exc))
    console.print(f"{rule.strip().upper()} explained for version {run.version} of {return_id} "
                  f"{run.period}")
    left = sorted({q.code for q in open_queries(run)})
    if left:
        console.print(f"still to explain: {', '.join(left)}, each with:", soft_wrap=True)
        for code in left:
            console.print(f"  {explain_command(run, code)}", soft_wrap=True, markup=False)
    elif run.id == made[-1].id:
        console.print("next, approve it with: "
                      + command("approve", return_id, run.period, run.authority),
                      soft_wrap=True, markup=False)


@versions.command()
def approve(
    return_id: ReturnArg, period: PeriodOpt,
    name: Annotated[str, typer.Option("--name", help="Who approves: your name or e-mail, as "
                                      "listed in the return's [sign_off] settings")],
    authority: AuthorityOpt = None, version: VersionOpt = None,
    comment: Annotated[str, typer.Option(help="A comment kept with the decision")] = "",
    reject: Annotated[bool, typer.Option(help="Reject the version instead")] = False,
) -> None:
    """Approve (or reject) a version: only a listed approver who neither ran the version nor
    explained its queries; refused while a query has no explanation. Your login and host
    are kept with the decision."""
    from statreturns.approvers import here
    from tasks.sign_off import SignOffRefused, decide, latest_decision

    try:
        check_text("the name", name, MAX_NAME)
        check_text("the comment", comment, lines=True)
    except ArgumentRefused as exc:
        refuse(str(exc))
    run, made = _version(return_id, period, authority, version)
    if run.version != made[-1].version:
        hold(f"version {run.version} is superseded by version {made[-1].version}")
    try:
        outcome = decide(run, "reject" if reject else "approve", name, comment, via=here())
    except SignOffRefused as exc:
        hold(str(exc))
    decision = latest_decision(run)
    console.print(f"version {run.version} of {return_id} {run.period}: {outcome} by "
                  f"{decision.approver} <{decision.email}>", markup=False)
    where = (return_id, run.period, run.authority)
    console.print(f"next, submit it with: {command('submit', *where)}" if outcome == "approved"
                  else f"once corrected, run it again with: {command('rerun', *where)}",
                  soft_wrap=True, markup=False)


@versions.command()
def submit(return_id: ReturnArg, period: PeriodOpt, authority: AuthorityOpt = None,
           version: VersionOpt = None) -> None:
    """Deliver an approved version, with its manifest, to the outbox; keep the receipt."""
    from rich.markup import escape

    from tasks.submit import SubmitRefused, submit_version

    run, made = _version(return_id, period, authority, version)
    try:
        receipt = submit_version(run, made[-1], get_settings().outbox)
    except SubmitRefused as exc:
        hold(str(exc))
    where = receipt.location or receipt.destination
    console.print(f"submitted the {receipt.package} package of version {run.version} of "
                  f"{return_id} {run.period} to "
                  f"{escape(where)} (package sha256 {receipt.package_sha256})", soft_wrap=True)
    if receipt.receipt_file:
        console.print(f"receipt: {escape(receipt.receipt_file)}", soft_wrap=True)


@versions.command()
def audit(
    return_id: ReturnArg, period: PeriodOpt, authority: AuthorityOpt = None,
    format_: Annotated[str, typer.Option("--format", help="table, or csv for an auditor")]
    = "table",
) -> None:
    """Every run, correction, explanation, decision, submission and refusal of a period: who,
    when, from where, and the checksum of the version's figures."""
    import csv
    import sys

    from rich.markup import escape

    from statreturns.audit_trail import COLUMNS, trail

    if format_ not in ("table", "csv"):
        refuse(f"--format is table or csv, not {format_!r}")
    period = _period(return_id, period, authority)
    events = trail(authority, return_id, period)
    if format_ == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(e.row() for e in events)
        return
    if not events:
        console.print(f"nothing on record for {return_id} {period} ({authority})")
        return
    table = Table(*COLUMNS, title=f"{return_id} {period} ({authority})")
    for e in events:
        row = e.row()
        table.add_row(*map(escape, (*row[:-1], row[-1][:12])))
    console.print(table)
