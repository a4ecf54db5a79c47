"""Personal data never leaves the run.

Distinctive values are planted in every personal and special category column of every
source, in rows that pass the rules, in rows that raise queries and in rows that block the
run, and every return is run through its flow from the inbox. None of the planted values
may then be found in: the Prefect logs of those flow runs and their task runs, their
artifacts, their flow and task runs themselves (names, parameters, states) and their
events, any row of any table of the store, any file under ``outputs/`` (PDF text, CSV,
XLSX cells, JSON, manifest), the runs' summaries and checks, or any other file the product
writes under its home.

Two places hold the inputs on purpose and are left out: the inbox the files are put in and
the source archive (``var/archive``), which keeps an exact copy of every file read. The
test shows the planted values are in both, and that every reader finds a value where it
is shown on purpose (a ward, which is not personal; a value logged on purpose), so that a
leak could not go unseen.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import conftest
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import breach, pdf_text
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogWorker

from flows import registry
from statreturns import reports
from statreturns.declaration import NOT_PERSONAL
from statreturns.settings import get_settings
from statreturns.store.db import engine
from tasks.collect import inbox_folder

pytestmark = pytest.mark.usefixtures("harness")

AUTHORITY = "demo"
PERIODS = {  # periods no other test runs from the inbox
    "csp-performance": "2025-Q3",
    "part4-duty": "2024/25",
    "prevent-benchmarks": "2024/25",
    "pspo-breaches": "2024/25",
    "savings-tracker": "2025-11",
}


# --- what is planted ------------------------------------------------------------------------

def name_for(source: str) -> str:
    return f"Zebedee Quaxworth-{source}"


NAME = name_for("enforcement-log")
PLACE = "7 Quaxworth Close"
ID = "ZQ-PLANTED"
DOB = "1911-11-11"  # a date of birth no one in the log has, written two ways below
WHEN = "2024-11-11 03:17:29"  # inside 2024/25, with every order and condition in force
OUT_OF_PERIOD = "1911-11-11 11:11"
FPN_DATE, OUTCOME_DATE = "2024-11-13", "2024-11-19"
AMOUNT, TOO_MUCH = "73.19", "1911.11"
CONTROL = "Quaxward"
"""Planted in the ward column, which is not personal: a ward the order does not cover is
shown in the query's sample and published as a row of the ward table."""


@dataclass(frozen=True)
class Plant:
    """The values planted in a column, as the inputs have them (or a part that only they
    have). Each, or another way of writing it, found in any text read back is a leak."""

    values: tuple[str, ...]
    stages: tuple[str, ...] = ("produced", "blocked")
    """The runs it is planted in: where only the authority's own words pass the rules (a
    condition, an outcome), only in the rows that block the run."""


PLANTS: dict[tuple[str, str, str], Plant] = {
    # (return, source, column): every personal and special category column of every source
    ("pspo-breaches", "enforcement-log", "breach_id"): Plant((ID,)),
    ("pspo-breaches", "enforcement-log", "breach_datetime"): Plant(
        ("2024-11-11", "11/11/2024", "1911-11-11", NAME)),
    ("pspo-breaches", "enforcement-log", "condition"): Plant((NAME,), ("blocked",)),
    ("pspo-breaches", "enforcement-log", "place"): Plant((PLACE,)),
    ("pspo-breaches", "enforcement-log", "outcome"): Plant((NAME,), ("blocked",)),
    ("pspo-breaches", "enforcement-log", "fpn_issued_date"): Plant((FPN_DATE, NAME)),
    ("pspo-breaches", "enforcement-log", "fpn_amount"): Plant((AMOUNT, TOO_MUCH, NAME)),
    ("pspo-breaches", "enforcement-log", "outcome_date"): Plant((OUTCOME_DATE, NAME)),
    ("pspo-breaches", "enforcement-log", "person_name"): Plant((NAME,)),
    ("pspo-breaches", "enforcement-log", "person_dob"): Plant((DOB, "11/11/1911", NAME)),
}


def _other_spelling(value: str) -> str | None:
    """A date as day/month/year where it is ISO, and as ISO where it is day/month/year."""
    if iso := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", value):
        return f"{iso[3]}/{iso[2]}/{iso[1]}"
    if dmy := re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", value):
        return f"{dmy[3]}-{dmy[2]}-{dmy[1]}"
    return None


PLANTED = sorted({v for p in PLANTS.values() for v in p.values})
LEAKS = sorted({"Quaxworth", *PLANTED, *filter(None, map(_other_spelling, PLANTED))})
"""What is looked for: the planted values, dates written the other way, and the surname
alone (a name cut, or joined to something else)."""


def _pspo_rows(stage: str) -> list[dict]:
    """Planted rows of the enforcement log. Produced: rows that pass every rule, and rows
    that raise queries (a prosecution within 14 days of the notice, a ward the order does
    not cover, a fixed penalty without date or amount, no place; one outside the period,
    left out with a note that gives no date of it). Blocked: rows breaking
    errors (an id twice, an unknown condition, an amount over the maximum; an unknown
    outcome, a query) and names where dates and amounts belong."""
    person = dict(person_name=NAME, person_dob=DOB, place=PLACE, breach_datetime=WHEN,
                  outcome_date=OUTCOME_DATE)
    if stage == "produced":
        return [
            breach(**person, breach_id=f"{ID}-1", outcome="FPN issued",
                   fpn_issued_date=FPN_DATE, fpn_amount=AMOUNT),
            breach(**person | {"person_dob": "11/11/1911"}, breach_id=f"{ID}-2",
                   outcome="Warning"),
            breach(**person, breach_id=f"{ID}-3", outcome="Prosecution",
                   fpn_issued_date=FPN_DATE, fpn_amount=AMOUNT),  # PSPO-015, a query
            breach(**person, breach_id=f"{ID}-4", ward=CONTROL),  # PSPO-017, a query
            breach(**person, breach_id=f"{ID}-5", outcome="FPN paid"),  # PSPO-013, -014
            breach(**person | {"place": "", "breach_datetime": "11/11/2024 03:17"},
                   breach_id=f"{ID}-6"),  # PSPO-018, a query
            breach(**person | {"breach_datetime": OUT_OF_PERIOD},
                   breach_id=f"{ID}-7"),  # left out, with a note that gives no date
        ]
    return [
        breach(**person, breach_id=f"{ID}-1", condition=NAME, outcome=NAME,
               fpn_issued_date=FPN_DATE, fpn_amount=TOO_MUCH, ward=CONTROL),
        breach(**person | {"breach_datetime": OUT_OF_PERIOD}, breach_id=f"{ID}-0",
               condition=NAME),
        breach(**person | {"breach_datetime": NAME, "outcome_date": NAME, "person_dob": NAME},
               breach_id=f"{ID}-1", outcome="FPN issued", fpn_issued_date=NAME,
               fpn_amount=NAME),
        breach(**person, breach_id=NAME, outcome="Warning"),
    ]


PLANTED_ROWS = {"pspo-breaches": {"enforcement-log": _pspo_rows}}
"""For each return with planted columns, the planted rows of each source, by run."""


def plant(return_id: str, frames: dict[str, pd.DataFrame], stage: str) -> dict[str, pd.DataFrame]:
    """The demo frames with the planted rows added (`stage`: produced or blocked)."""
    frames = dict(frames)
    for source, rows in PLANTED_ROWS.get(return_id, {}).items():
        frames[source] = pd.concat([frames[source], pd.DataFrame(rows(stage))],
                                   ignore_index=True)
    return frames


def planted_returns() -> list[str]:
    return sorted({rid for rid, _, _ in PLANTS})


# --- running ----------------------------------------------------------------------------

@dataclass
class Ran:
    return_id: str
    stage: str
    summary: dict
    inputs: dict[str, str]
    """The text of every file the run read from the inbox, by path."""
    frames: dict[str, pd.DataFrame]


def _write_inbox(return_id: str, frames: dict[str, pd.DataFrame]) -> Path:
    """The frames as the sources' files in the period's inbox folder, replacing any."""
    declaration = registry.get(return_id).DECLARATION
    folder = inbox_folder(get_settings().inbox, return_id, _context(return_id))
    for source in declaration.sources:
        for old in [folder / f"{source.name}.csv", *(folder / source.name).glob("*")]:
            old.unlink(missing_ok=True)
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    return folder


def _context(return_id: str):
    from flows.skeleton import prepare

    return prepare(registry.get(return_id).DECLARATION, PERIODS[return_id], AUTHORITY)


def _run(return_id: str, stage: str, demo: dict[str, pd.DataFrame]) -> Ran:
    frames = plant(return_id, demo, stage)
    folder = _write_inbox(return_id, frames)
    inputs = {str(p): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.csv"))}
    summary = conftest.ran(registry.flow_of(return_id), period=PERIODS[return_id],
                           authority=AUTHORITY)
    return Ran(return_id, stage, summary, inputs, frames)


@pytest.fixture(scope="module")
def runs() -> list[Ran]:
    """Every return run from the inbox on its demo data with the planted rows; then, for a
    return with planted columns, a run of rows that block it."""
    assert set(PERIODS) == set(registry.declarations())
    done = []
    for rid in registry.declarations():
        ctx = _context(rid)
        demo = registry.demo_data(rid).generate(ctx.period, ctx.config, problems=True)
        done.append(_run(rid, "produced", demo))
        if rid in planted_returns():
            done.append(_run(rid, "blocked", demo))
    return done


# --- reading back -----------------------------------------------------------------------

def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def leaks_in(texts: dict[str, str], looking_for: list[str] = LEAKS) -> list[tuple[str, str]]:
    """(where, value) for every value found in every text, also where a line break or a
    space was put inside it (a PDF wraps long cells)."""
    found = []
    for where, text in texts.items():
        compact = _compact(text)
        found += [(where, value) for value in looking_for
                  if value in text or _compact(value) in compact]
    return found


def _flow_run_ids(done: list[Ran]) -> list[UUID]:
    with engine().connect() as c:
        ids = c.execute(sa.text("select flow_run_id from run where id in :ids")
                        .bindparams(sa.bindparam("ids", expanding=True)),
                        {"ids": [r.summary.run_id for r in done]}).scalars().all()
    assert len(ids) == len(done) and all(ids)
    return [UUID(i) for i in ids]


async def _logs(flow_run_ids: list[UUID]) -> list:
    logs, offset = [], 0
    async with get_client() as client:
        while page := await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids)),
                limit=200, offset=offset):
            logs += page
            offset += len(page)
    return logs


def log_texts(flow_run_ids: list[UUID]) -> dict[str, str]:
    """Every log line of the flow runs and of their task runs, by where it came from."""
    APILogWorker.drain_all(timeout=30)  # logs are sent in batches: every one sent first
    texts = {}
    for i, log in enumerate(asyncio.run(_logs(flow_run_ids))):
        of = f"task run {log.task_run_id}" if log.task_run_id else f"flow run {log.flow_run_id}"
        texts[f"log {i} of {of}"] = f"{log.name} {log.message}"
    return texts


async def _artifacts(flow_run_ids: list[UUID]) -> list:
    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids)),
            limit=200)


def artifact_texts(flow_run_ids: list[UUID]) -> dict[str, str]:
    return {f"artifact {a.key} ({a.type}) of flow run {a.flow_run_id}":
            json.dumps([a.data, a.description, a.key], default=str)
            for a in asyncio.run(_artifacts(flow_run_ids))}


async def _runs_and_events(flow_run_ids: list[UUID]) -> dict[str, str]:
    texts = {}
    async with get_client() as client:
        flow_runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids)))
        task_runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids)), limit=200)
        for run in flow_runs:
            states = await client.read_flow_run_states(run.id)
            texts[f"flow run {run.id}"] = run.model_dump_json() + json.dumps(
                [s.model_dump(mode="json", exclude={"data"}) for s in states])
        for run in task_runs:
            texts[f"task run {run.id} ({run.name})"] = run.model_dump_json()
        from prefect.events.filters import EventFilter, EventOccurredFilter

        page = await client.read_events(EventFilter(occurred=EventOccurredFilter(
            since=datetime.now(UTC) - timedelta(hours=6))), limit=50)
        ids = {str(i) for i in flow_run_ids} | {str(t.id) for t in task_runs}
        events = []
        while page:
            events += [e for e in page.events if any(i in e.model_dump_json() for i in ids)]
            page = await client.read_events_page(str(page.next_page)) if page.next_page else None
        for e in events:
            texts[f"event {e.event} {e.id}"] = e.model_dump_json()
    return texts


def store_texts() -> dict[str, str]:
    """Every row of every table of the store."""
    metadata = sa.MetaData()
    metadata.reflect(engine())
    texts = {}
    with engine().connect() as c:
        for table in metadata.sorted_tables:
            for i, row in enumerate(c.execute(table.select())):
                texts[f"store {table.name} row {i}"] = json.dumps(
                    [str(v) for v in row], default=str)
    assert {"run", "qualityresult", "sourcefile", "outputfile"} <= set(metadata.tables)
    return texts


def file_text(path: Path) -> str:
    """A file as text: a PDF's text, a workbook's every cell, anything else as it is."""
    if path.suffix == ".pdf":
        return pdf_text(path)
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(" | ".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return path.read_bytes().decode("utf-8", errors="replace")


def output_texts() -> dict[str, str]:
    return {str(p): file_text(p) for p in sorted(get_settings().outputs.rglob("*"))
            if p.is_file()}


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def other_file_texts() -> dict[str, str]:
    """Every other file under the home but the inbox and the archive, byte for byte."""
    settings = get_settings()
    left_out = [settings.inbox, settings.archive, settings.outputs]
    return {str(p): p.read_bytes().decode("utf-8", errors="replace")
            for p in sorted(settings.home.rglob("*"))
            if p.is_file() and not any(_is_within(p, f) for f in left_out)}


def check_texts(done: list[Ran]) -> dict[str, str]:
    """What the runs said: their summaries, and their history as the CLI shows it."""
    texts = {f"summary of {r.return_id} ({r.stage})": json.dumps(r.summary.as_dict(), default=str)
             for r in done}
    for rid in {r.return_id for r in done}:
        texts[f"history of {rid}"] = json.dumps(
            reports.runs(rid, str(_context(rid).period), AUTHORITY), default=str)
    return texts


@pytest.fixture(scope="module")
def flow_run_ids(runs) -> list[UUID]:
    return _flow_run_ids(runs)


# --- the planted values are there to find -----------------------------------------------

def test_every_personal_and_special_category_column_is_planted():
    declared = {(rid, s.name, c.name) for rid, d in registry.declarations().items()
                for s in d.sources for c in s.columns if c.data != NOT_PERSONAL}
    assert set(PLANTS) == declared, "plant a value in each personal column (PLANTS)"


def test_planted_values_are_in_the_planted_columns_of_the_inputs(runs):
    for (rid, source, column), p in PLANTS.items():
        for stage in p.stages:
            [ran] = [r for r in runs if (r.return_id, r.stage) == (rid, stage)]
            values = " ".join(ran.frames[source][column].astype(str))
            assert any(v in values for v in p.values), (rid, source, column, stage)
        inputs = {f"{r.stage} {path}": text for r in runs if r.return_id == rid
                  for path, text in r.inputs.items()}
        assert {v for _, v in leaks_in(inputs, list(p.values))} == set(p.values), column


def test_the_runs_are_produced_and_blocked_as_planted(runs):
    for ran in runs:
        assert ran.summary.status == ran.stage, (ran.return_id, ran.summary.message)
    pspo = {r.stage: r for r in runs if r.return_id == "pspo-breaches"}
    failed = {r.code for r in _results(pspo["produced"]) if not r.success}
    assert {"PSPO-013", "PSPO-014", "PSPO-015", "PSPO-017", "PSPO-018"} <= failed
    failed = {r.code for r in _results(pspo["blocked"]) if not r.success}
    assert {"FILE-TYPE", "PSPO-002", "PSPO-008", "PSPO-011", "PSPO-012"} <= failed


def _results(ran: Ran) -> list:
    from sqlmodel import select

    from statreturns.store.db import session
    from statreturns.store.models import QualityResult

    with session() as s:
        return list(s.exec(select(QualityResult).where(
            QualityResult.run_id == ran.summary.run_id)))


def test_the_archive_holds_the_inputs_and_is_left_out(runs):
    """The source archive keeps every file read, exactly: it is where the inputs are
    meant to be, and so the one place the planted values may be (with the inbox)."""
    archived = {str(p): p.read_bytes().decode("utf-8", errors="replace")
                for p in get_settings().archive.rglob("*") if p.is_file()}
    assert {v for _, v in leaks_in(archived)} >= set(PLANTED) | {"Quaxworth"}


# --- the readers see what is shown ----------------------------------------------------------

def test_the_control_value_is_found_wherever_it_is_shown(runs, flow_run_ids):
    """A ward is not personal: the one planted is shown in the samples of the rule it
    breaks and published in the ward table. Every reader finds it."""
    [produced] = [r for r in runs if (r.return_id, r.stage) == ("pspo-breaches", "produced")]
    for texts in (store_texts(), artifact_texts(flow_run_ids)):
        assert leaks_in(texts, [CONTROL]), "the reader missed a value it should see"
    folder = Path(produced.summary.outputs_dir)
    kinds = {p.suffix for p in folder.rglob("*") if p.is_file()}
    assert {".pdf", ".csv", ".xlsx", ".json"} <= kinds
    # the exact record, the board's paper, and the open data the ward table is in
    for package, kind in (("", ".json"), ("board", ".pdf"), ("publication", ".csv"),
                          ("publication", ".xlsx")):
        shown = {str(p): file_text(p) for p in (folder / package).glob(f"*{kind}")}
        assert shown, f"no {kind} output in {package or 'the version folder'}"
        assert leaks_in(shown, [CONTROL]), \
            f"{CONTROL} is not found in the {kind} outputs of {package or 'the version'}"


@flow(name="logs-a-planted-value", persist_result=False)
def _logs_on_purpose(value: str) -> None:
    get_run_logger().info("on purpose: %s", value)
    _task_logs_on_purpose(value)
    create_markdown_artifact(key="planted-on-purpose", markdown=f"on purpose: {value}")


@task(name="logs a planted value")
def _task_logs_on_purpose(value: str) -> None:
    get_run_logger().warning("on purpose in a task: %s", value)


def test_the_readers_find_a_value_put_in_a_log_and_an_artifact_on_purpose():
    on_purpose = "Zebedee Logged-On-Purpose"  # not a planted value: found here on purpose
    state = _logs_on_purpose(on_purpose, return_state=True)
    flow_run_id = state.state_details.flow_run_id
    logs = log_texts([flow_run_id])
    assert [w for w, _ in leaks_in(logs, [on_purpose]) if "task run" in w]
    assert [w for w, _ in leaks_in(logs, [on_purpose]) if "flow run" in w]
    assert leaks_in(artifact_texts([flow_run_id]), [on_purpose])
    assert leaks_in(asyncio.run(_runs_and_events([flow_run_id])), [on_purpose])  # parameter


def test_a_value_cut_by_a_line_break_is_found():
    assert leaks_in({"pdf": "Zebedee Quax-\nworth"}, ["Quax-worth"])
    assert leaks_in({"pdf": "Zebedee Quax\nworth"}, ["Quaxworth"])
    assert not leaks_in({"pdf": "Zebedee Quartermain"}, ["Quaxworth"])


# --- and are nowhere else --------------------------------------------------------------------

def test_no_planted_value_in_the_logs(runs, flow_run_ids):
    logs = log_texts(flow_run_ids)
    assert [w for w in logs if "task run" in w] and [w for w in logs if "flow run" in w]
    assert leaks_in(logs) == []


def test_no_planted_value_in_the_artifacts(runs, flow_run_ids):
    artifacts = artifact_texts(flow_run_ids)
    assert len(artifacts) >= 2 * len(runs)  # a summary and the data-quality results each
    assert leaks_in(artifacts) == []


def test_no_planted_value_in_the_flow_and_task_runs_or_their_events(runs, flow_run_ids):
    texts = asyncio.run(_runs_and_events(flow_run_ids))
    assert len([w for w in texts if w.startswith("flow run")]) == len(runs)
    assert leaks_in(texts) == []


def test_no_planted_value_in_the_store(runs):
    assert leaks_in(store_texts()) == []


def test_no_planted_value_in_the_checks(runs):
    texts = check_texts(runs)
    for ran in runs:
        for r in _results(ran):
            texts[f"check {r.code} of {ran.return_id} ({ran.stage})"] = " ".join(
                [r.message, r.sample, r.location, r.column or ""])
    assert leaks_in(texts) == []


def test_no_planted_value_in_the_outputs(runs):
    """Every file of every package is read: the board's paper and its exempt part, the
    submission and the publication, each package's manifest and the version's own files."""
    texts = output_texts()
    for ran in runs:
        if ran.stage == "produced":
            folder = Path(ran.summary.outputs_dir)
            made = {str(p) for p in folder.rglob("*") if p.is_file()}
            assert made and made <= set(texts), f"the outputs of {ran.return_id} were not read"
            packages = json.loads((folder / "manifest.json").read_text())["packages"]
            assert packages, ran.return_id
            for package in packages:
                read = [w for w in texts if Path(w).parent == folder / package]
                assert len(read) >= 2, f"the {package} package of {ran.return_id} was not read"
    [pspo] = [r for r in runs if (r.return_id, r.stage) == ("pspo-breaches", "produced")]
    exempt = [t for w, t in texts.items()
              if Path(w).parent == Path(pspo.summary.outputs_dir) / "exempt"
              and w.endswith(".pdf")]
    assert len(exempt) == 1 and "Repeat breachers" in exempt[0], "the exempt part was not read"
    assert leaks_in(texts) == []


def test_no_planted_value_anywhere_else_under_the_home(runs):
    assert leaks_in(other_file_texts()) == []

