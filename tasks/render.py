"""Render: every output of a version, a package per audience, staged and moved into place
in one step.

A version's folder holds the JSON record of every table, exact, and a folder per audience,
each with its own manifest: ``board/`` (the public committee paper), ``exempt/`` (the part
of it that is not published), ``submission/`` (the recipient's exact figures) and
``publication/`` (open data, counts of people withheld and rounded as each table says).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.approvers import sign_off_rules
from statreturns.commands import command
from statreturns.declaration import (
    BOARD,
    EXEMPT,
    PUBLICATION,
    SUBMISSION,
    Audience,
    Context,
    ReturnDeclaration,
    Table,
)
from statreturns.quality import Check
from tasks.changes import Change
from tasks.collect import Collected
from tasks.outputs import file_digest, move_into_place, staging_folder, write_manifest
from tasks.publication import Release, Sheet, write_csv, write_csv_metadata, write_workbook
from tasks.render_pdf import BoardReport, SignOffBlock, provisional_words, write_pdf
from tasks.render_tables import table_document, write_json
from tasks.suppression import (
    OTHER,
    Counted,
    Withheld,
    audit,
    round_counts,
    suppress_together,
)
from tasks.typed_tables import typed


@dataclass(frozen=True)
class Since:
    """What changed since the previous version, for the board report's last annex."""

    version: int
    cells: list[Change]
    quality: dict[str, list[str]]


@dataclass(frozen=True)
class Rendered:
    folder: Path
    files: dict[str, tuple[Path, str, int]]
    """kind -> (path, sha256, bytes); a kind names its package first (``board:pdf``,
    ``publication:csv:by_ward``)."""


@dataclass(frozen=True)
class OutputTables:
    """A version's tables as each audience sees them. Withholding and its audit are worked
    out once per run, then handed to what compares versions and to what writes them."""

    audiences: dict[Audience, dict[str, pd.DataFrame]]
    """Each audience's tables, in declaration order: the board's and the publication's with
    counts of people withheld (the publication's rounded too), the others exact."""
    withheld: dict[str, Withheld]
    """How each table that withholds counts was withheld (merges included)."""
    audit: list[Check]
    """The disclosure audit of the withheld tables, as the run records it: none where no
    table withholds."""
    document: dict
    """Every table, exact, as the JSON record holds it."""

    @property
    def published(self) -> dict[str, pd.DataFrame]:
        return self.audiences[PUBLICATION]


def output_tables(declaration: ReturnDeclaration, tables: dict[str, pd.DataFrame],
                  threshold: int) -> OutputTables:
    public = [t for t in declaration.tables if t.disclosure.withholds
              and (t.is_for(BOARD) or t.is_for(PUBLICATION))]
    withheld = suppress_together(
        {t.name: Counted(tables[t.name], t.index, t.disclosure.protected) for t in public},
        threshold) if public else {}

    def seen(t: Table, audience: Audience) -> pd.DataFrame:
        if audience in (BOARD, PUBLICATION) and t.name in withheld:
            shown = withheld[t.name].table
            rounding = t.disclosure.round_to if audience == PUBLICATION else None
            return round_counts(shown, t.index, rounding) if rounding else shown
        return tables[t.name]

    audiences = {a: {t.name: seen(t, a) for t in declaration.tables if t.is_for(a)}
                 for a in (BOARD, EXEMPT, SUBMISSION, PUBLICATION)}
    document = {t.name: {"title": t.title, "audiences": list(t.audiences),
                         "withheld": t.name in withheld, **table_document(tables[t.name])}
                for t in declaration.tables}
    return OutputTables(audiences, withheld, _audited(withheld, threshold),
                        json.loads(json.dumps(document, default=str)))


DISCLOSURE = "DISCLOSURE"


def _audited(withheld: dict[str, Withheld], threshold: int) -> list[Check]:
    """The audit of the withheld tables as one check: an error where a withheld count could
    be worked out or a small one is shown (publishing would give a person away); a query
    where a protected total could not be shown (the tables are safe, but incomplete)."""
    if not withheld:
        return []
    problems = audit(withheld, threshold)
    unsafe = [p for p in problems if p.unsafe]
    return [Check(
        suite="disclosure", code=DISCLOSURE, expectation_type="disclosure audit",
        severity="error" if unsafe else "query", success=not problems,
        message=("Every withheld count could be at least two values given what is shown, "
                 "and every protected total is shown." if not problems else
                 "The withheld tables would give a count of people away." if unsafe else
                 "A protected total could not be shown without giving a count of people "
                 "away: it is withheld."),
        unexpected_count=len(problems), location="; ".join(problems))]


@task(name="render", cache_policy=NO_CACHE)
def render(declaration: ReturnDeclaration, ctx: Context, tables: dict[str, pd.DataFrame],
           checks: list[Check], collected: list[Collected], *, authority_name: str,
           version: int, verdict: str, final: Path, shown: OutputTables,
           since: Since | None = None, resubmits: int | None = None) -> Rendered:
    """Write every output into a staging folder, then move it into place as `final`.
    `shown` is `output_tables` of `tables`, worked out once by the run. `resubmits` is
    the approved or submitted version this one replaces."""
    if resubmits is not None and not 0 < resubmits < version:
        raise ValueError(f"version {version} cannot replace version {resubmits}")
    staging = staging_folder()
    header = {"return": declaration.id, "authority": ctx.authority, "period": str(ctx.period),
              "version": version, **_standing(ctx, resubmits)}
    root = {**header, "delivers": declaration.delivers}
    try:
        out = _Writer(staging, declaration, ctx, shown, authority_name, version, resubmits)
        figures = out.record(verdict)
        out.board(tables, checks, collected, verdict, since, _sign_off_block(
            declaration, ctx, figures) if declaration.sign_off else None)
        out.exempt(verdict)
        out.figures(SUBMISSION)
        out.figures(PUBLICATION)
        digests = {}
        for package in out.packages:
            digests.update({f"{package}/{name}": digest for name, digest in write_manifest(
                staging / package, {**header, "package": package}).items()})
            out.kinds[f"{package}:manifest"] = f"{package}/manifest.json"
        digests.update(write_manifest(staging, {**root, "packages": {
            p: digests[f"{p}/manifest.json"][0] for p in sorted(out.packages)}}))
        out.kinds["manifest"] = "manifest.json"
        move_into_place(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Rendered(final, {kind: (final / name, *digests[name])
                            for kind, name in out.kinds.items()})


PROVISIONAL_SUFFIX = "-provisional"
"""Ends the name of every output of a provisional version but the manifests, before the
extension: a file copied out of its folder still says so."""

EXEMPT_WHY = ("Exempt information under Schedule 12A to the Local Government Act 1972, "
              "paragraphs 1 and 2: information relating to individuals, from which they "
              "could be identified. For members and officers only: not for publication.")


def _sign_off_block(declaration: ReturnDeclaration, ctx: Context,
                    figures: Path) -> SignOffBlock:
    rules = sign_off_rules(ctx.authority, declaration.id)
    return SignOffBlock(figures_sha256=file_digest(figures)[0],
                        approvers=tuple(p.shown for p in rules.approvers),
                        relaxed_because=rules.relaxed_because,
                        audit_command=command("audit", declaration.id, ctx.period,
                                              ctx.authority))


def _standing(ctx: Context, resubmits: int | None) -> dict:
    """The JSON document's and manifest's provisional and resubmission fields: none for
    an ordinary version, whose files stay as they were."""
    return {**({"provisional": True} if ctx.provisional else {}),
            **({"resubmits": resubmits} if resubmits is not None else {})}


class _Writer:
    """Writes a version's packages into `staging`, noting each file's kind."""

    def __init__(self, staging: Path, declaration: ReturnDeclaration, ctx: Context,
                 shown: OutputTables, authority_name: str, version: int,
                 resubmits: int | None):
        self.staging, self.declaration, self.ctx, self.shown = staging, declaration, ctx, shown
        self.authority_name, self.version, self.resubmits = authority_name, version, resubmits
        self.stem = f"{declaration.id}-{ctx.period.folder}"
        self.mark = PROVISIONAL_SUFFIX if ctx.provisional else ""
        self.kinds: dict[str, str] = {}
        self.packages: list[str] = []

    def path(self, package: str, name: str, kind: str) -> Path:
        """Where a file of `package` goes: `name` is its name after the version's stem."""
        folder = self.staging / package
        if package not in self.packages:
            folder.mkdir()
            self.packages.append(package)
        file = f"{self.stem}{name}"
        stem, dot, extension = file.partition(".")
        file = f"{stem}{self.mark}{dot}{extension}"
        self.kinds[f"{package}:{kind}"] = f"{package}/{file}"
        return folder / file

    def tables_of(self, audience: Audience) -> list[tuple[Table, pd.DataFrame]]:
        frames = self.shown.audiences[audience]
        return [(t, frames[t.name]) for t in self.declaration.tables if t.name in frames]

    def note(self, table: Table, audience: Audience) -> str:
        """The table's note, and what its audience needs told: the disclosure policy where
        counts are withheld from it or it is open data, and any merge into Other."""
        said = [table.note] if table.note else []
        if audience == PUBLICATION or (audience == BOARD and table.name in self.shown.withheld):
            policy = table.disclosure if audience == PUBLICATION else \
                replace(table.disclosure, round_to=None)
            said += [w for w in (policy.words(self.ctx.suppression_threshold),) if w]
        if (withheld := self.shown.withheld.get(table.name)) and withheld.merged \
                and audience in (BOARD, PUBLICATION):
            said.append(f"{' and '.join(withheld.merged)} are counted together as "
                        f"'{OTHER}' so that every total can be shown.")
        return " ".join(said)

    def report(self, tables: list[tuple[Table, pd.DataFrame]], audience: Audience,
               verdict: str, **more) -> BoardReport:
        d, ctx = self.declaration, self.ctx
        return BoardReport(
            authority_name=self.authority_name, title=d.title, description=d.description,
            period_label=ctx.period.label, version=self.version, verdict=verdict,
            as_of=ctx.period.end, tables=[(t, frame, self.note(t, audience))
                                          for t, frame in tables],
            provisional=ctx.provisional, resubmits=self.resubmits, **more)

    def board(self, tables: dict[str, pd.DataFrame], checks: list[Check],
              collected: list[Collected], verdict: str, since: Since | None,
              sign_off: SignOffBlock | None) -> None:
        """The public committee paper: the board's tables, the data-quality annex, what
        changed and the sign-off block."""
        d, ctx = self.declaration, self.ctx
        write_pdf(self.report(
            self.tables_of(BOARD), BOARD, verdict, headline=d.headline(tables, ctx),
            sources=[(c.source.title, c.path.name, c.rows, c.sha256, "; ".join(c.notes))
                     for c in collected],
            chart=d.chart, checks=checks, sign_off=sign_off,
            **({"previous_version": since.version, "quality_changes": since.quality,
                "changes": [c for c in since.cells if c.table in self.shown.audiences[BOARD]
                            and c.table not in self.shown.withheld]} if since else {})),
            self.path(BOARD, "-board.pdf", "pdf"))

    def exempt(self, verdict: str) -> None:
        """The part of the board's paper that is not published, where the return has one."""
        if tables := self.tables_of(EXEMPT):
            write_pdf(self.report(tables, EXEMPT, verdict, exempt=EXEMPT_WHY),
                      self.path(EXEMPT, "-exempt.pdf", "pdf"))

    def figures(self, audience: Audience) -> None:
        """A CSV file per table (with its CSV on the Web metadata, for open data) and one
        workbook of them all."""
        tables = self.tables_of(audience)
        if not tables:
            return
        sheets = []
        for table, frame in tables:
            values = typed(frame, table.index)
            notes = tuple(n for n in (self.note(table, audience),) if n)
            csv = self.path(audience, f"-{table.name.replace('_', '-')}.csv",
                            f"csv:{table.name}")
            write_csv(values, csv)
            if audience == PUBLICATION:
                metadata = write_csv_metadata(values, csv, table.title, notes)
                self.kinds[f"{audience}:csvw:{table.name}"] = f"{audience}/{metadata.name}"
            sheets.append(Sheet(table.name.replace("_", " "), table.title, values, notes))
        write_workbook(self.release(audience), sheets,
                       self.path(audience, ".xlsx", "xlsx"),
                       datetime.combine(self.ctx.period.end, datetime.min.time()))

    def release(self, audience: Audience) -> Release:
        d, ctx = self.declaration, self.ctx
        version = f"{self.version}" + (
            f", replacing version {self.resubmits}" if self.resubmits is not None else "")
        withheld = any(t.name in self.shown.withheld for t, _ in self.tables_of(audience))
        purpose = (f"Exact figures for {d.recipient}: nothing withheld or rounded."
                   if audience == SUBMISSION else "Open data: the figures as published." + (
                       " Small counts of people are withheld ([c]) to protect them."
                       if withheld else ""))
        return Release(
            title=d.title, authority=self.authority_name, period=ctx.period.label,
            source=f"{self.authority_name}, {d.owner}: {d.description}".rstrip(": "),
            contact=d.owner, version=version,
            notices=tuple(n for n in (provisional_words(ctx.period.end) if ctx.provisional
                                      else "", purpose) if n))

    def record(self, verdict: str) -> Path:
        """The JSON record of every table, exact: for programs, and what later versions
        are compared with."""
        d, ctx = self.declaration, self.ctx
        document = {
            "return": d.id, "title": d.title, "authority": ctx.authority,
            "period": str(ctx.period), "version": self.version,
            **_standing(ctx, self.resubmits), "verdict": verdict,
            "suppression_threshold": ctx.suppression_threshold, "tables": self.shown.document,
        }
        name = f"{self.stem}{self.mark}.json"
        write_json(document, self.staging / name)
        self.kinds["json"] = name
        return self.staging / name

