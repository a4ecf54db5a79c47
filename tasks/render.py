"""Render: every output of a version, staged and moved into place in one step."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.declaration import Context, ReturnDeclaration
from statreturns.quality import Check
from tasks.changes import Change
from tasks.collect import Collected
from tasks.outputs import move_into_place, staging_folder, write_manifest
from tasks.render_pdf import BoardReport, provisional_words, write_pdf
from tasks.render_tables import (
    SUPPRESSION_NOTE,
    table_document,
    write_csv,
    write_json,
    write_xlsx,
)
from tasks.suppression import round_counts, suppress_together


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
    """kind -> (path, sha256, bytes)."""


def published_tables(declaration: ReturnDeclaration, tables: dict[str, pd.DataFrame],
                     threshold: int) -> dict[str, pd.DataFrame]:
    """The published tables as they leave the council: suppressed where declared."""
    shown = [t for t in declaration.tables if t.published]
    hidden = suppress_together({t.name: (tables[t.name], t.index) for t in shown if t.suppress},
                               threshold)
    out = {t.name: hidden.get(t.name, tables[t.name]) for t in shown}
    return {t.name: round_counts(out[t.name], t.index, t.round_to) if t.round_to
            else out[t.name] for t in shown}


@dataclass(frozen=True)
class OutputTables:
    """A version's tables as its outputs show them. Suppression and its audit are worked
    out once per run, then handed to what compares versions and to what writes them."""

    published: dict[str, pd.DataFrame]
    """The published tables, as in the CSV and XLSX."""
    document: dict
    """Every table as the JSON output holds it (published ones as published)."""


def output_tables(declaration: ReturnDeclaration, tables: dict[str, pd.DataFrame],
                  threshold: int) -> OutputTables:
    published = published_tables(declaration, tables, threshold)
    document = {t.name: {"title": t.title, "published": t.published, "suppressed": t.suppress,
                         **table_document(published.get(t.name, tables[t.name]))}
                for t in declaration.tables}
    return OutputTables(published, json.loads(json.dumps(document, default=str)))


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
    try:
        kinds = _write_all(staging, declaration, ctx, tables, shown, checks, collected,
                           authority_name, version, verdict, since, resubmits)
        digests = write_manifest(staging, {"return": declaration.id, "authority": ctx.authority,
                                           "period": str(ctx.period), "version": version,
                                           **_standing(ctx, resubmits)})
        kinds["manifest"] = "manifest.json"
        move_into_place(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Rendered(final, {kind: (final / name, *digests[name]) for kind, name in kinds.items()})


PROVISIONAL_SUFFIX = "-provisional"
"""Ends the name of every output of a provisional version but the manifest, before the
extension: a file copied out of its folder still says so."""


def _standing(ctx: Context, resubmits: int | None) -> dict:
    """The JSON document's and manifest's provisional and resubmission fields: none for
    an ordinary version, whose files stay as they were."""
    return {**({"provisional": True} if ctx.provisional else {}),
            **({"resubmits": resubmits} if resubmits is not None else {})}


def _write_all(staging: Path, declaration: ReturnDeclaration, ctx: Context,
               tables: dict[str, pd.DataFrame], shown: OutputTables, checks: list[Check],
               collected: list[Collected], authority_name: str, version: int,
               verdict: str, since: Since | None, resubmits: int | None) -> dict[str, str]:
    """kind -> file name of every output written into `staging`."""
    stem = f"{declaration.id}-{ctx.period.folder}"
    mark = PROVISIONAL_SUFFIX if ctx.provisional else ""
    as_of = datetime.combine(ctx.period.end, datetime.min.time())
    kinds: dict[str, str] = {}

    pdf = staging / f"{stem}-board{mark}.pdf"
    write_pdf(BoardReport(
        authority_name=authority_name, title=declaration.title,
        description=declaration.description, period_label=ctx.period.label, version=version,
        verdict=verdict, as_of=ctx.period.end, headline=declaration.headline(tables, ctx),
        sources=[(c.source.title, c.path.name, c.rows, c.sha256, "; ".join(c.notes))
                 for c in collected],
        tables=[(t, tables[t.name]) for t in declaration.tables],
        chart=declaration.chart, checks=checks, provisional=ctx.provisional,
        resubmits=resubmits,
        **({"previous_version": since.version, "changes": since.cells,
            "quality_changes": since.quality} if since else {})), pdf)
    kinds["pdf"] = pdf.name

    for name, table in shown.published.items():
        path = staging / f"{stem}-{name.replace('_', '-')}{mark}.csv"
        write_csv(table, path)
        kinds[f"csv:{name}"] = path.name

    xlsx = staging / f"{stem}{mark}.xlsx"
    notice = provisional_words(ctx.period.end) if ctx.provisional else ""
    sheets = [(t.name.replace("_", " "), f"{t.title} ({notice.rstrip('.')})" if notice
               else t.title, shown.published[t.name])
              for t in declaration.tables if t.published]
    notes = [f"{declaration.title}, {authority_name}, {ctx.period.label}, version {version}.",
             *([f"Resubmission: replaces version {resubmits}."] if resubmits is not None
               else []),
             SUPPRESSION_NOTE.replace("the threshold", f"{ctx.suppression_threshold}")]
    write_xlsx(sheets, xlsx, as_of, [notice, *notes] if notice else notes)
    kinds["xlsx"] = xlsx.name

    document = {
        "return": declaration.id, "title": declaration.title, "authority": ctx.authority,
        "period": str(ctx.period), "version": version, **_standing(ctx, resubmits),
        "verdict": verdict, "suppression_threshold": ctx.suppression_threshold,
        "tables": shown.document,
    }
    json_path = staging / f"{stem}{mark}.json"
    write_json(document, json_path)
    kinds["json"] = json_path.name
    return kinds
