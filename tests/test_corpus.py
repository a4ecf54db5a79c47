"""The bad-input corpus: each malformed or hostile file of tests/corpus/cases.toml, put in
the inbox in place of one good source file, gives exactly the outcome the corpus states.

Each case lays out a good demo set of its return's sources for the corpus period, puts its
one bad file in and goes through the run's checking stages in this process, as the flow
does: found in the inbox, collected (read, archived), each source's rules, then, unless an
error blocks, the assembly and the return's rules. Its outcome, failed data-quality results
(code, column, place and words), the file's archived copy and notes are checked, and no
personal value is quoted.

One case of each outcome (produced, blocked, unchanged) also runs through the command as an
officer runs it, after a good run made version 1: the exit code, the run as recorded in the
store, the same results, and the versions on disk; nothing prints a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus.make import make
from sqlmodel import select
from typer.testing import CliRunner

from flows import registry
from flows.skeleton import EXIT_CODES, source_paths
from statreturns import authorities
from statreturns.app.cli import app
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.quality import Check, verdict
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import QualityResult, Run, SourceFile
from tasks.collect import Collected, collect, inbox_folder
from tasks.validate import check_figures, check_source

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))
PERIODS: dict[str, str] = MANIFEST["periods"]
CASES = {case["id"]: case for case in MANIFEST["case"]}
COMMAND_RUNS = {status: next(i for i, c in CASES.items() if c["status"] == status
                             and "defect" not in c)
                for status in ("produced", "blocked", "unchanged")}
"""One case of each outcome, also run through the command."""


def invoke(return_id: str, period: str, *options: str):
    """``statreturns run RETURN --period PERIOD``: the sources come from the inbox."""
    from prefect.logging.configuration import ensure_logging_setup

    # Prefect's console log handler keeps the stream it was made with: make it now, on
    # pytest's stream, not on the runner's, which is closed when the command ends.
    ensure_logging_setup()
    return CliRunner().invoke(app, ["run", return_id, "--period", period, *options])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by its path in the folder, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Good:
    """A return's good sources for its corpus period, as `statreturns generate` writes them."""

    return_id: str
    ctx: Context
    inbox: Path
    good: dict[str, bytes]

    @property
    def period(self) -> str:
        return str(self.ctx.period)

    def lay_out(self) -> None:
        """The period's inbox folder holding the good files again, and nothing else."""
        shutil.rmtree(self.inbox, ignore_errors=True)
        for name, data in self.good.items():
            path = self.inbox / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def good_sources(return_id: str) -> Good:
    declaration = registry.get(return_id).DECLARATION
    period = parse_period(PERIODS[return_id])
    ctx = Context("demo", period, authorities.load_config(declaration, "demo"))
    folder = inbox_folder(get_settings().inbox, return_id, ctx)
    shutil.rmtree(folder, ignore_errors=True)
    frames = registry.demo_data(return_id).generate(ctx.period, ctx.config, None, False)
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, lineterminator="\n")
    return Good(return_id, ctx, folder, snapshot(folder))


@pytest.fixture(scope="module")
def good() -> dict[str, Good]:
    """Each return's good sources, made when a case of the return first needs them."""
    made: dict[str, Good] = {}

    def of(return_id: str) -> Good:
        if return_id not in made:
            made[return_id] = good_sources(return_id)
        return made[return_id]

    return of


@dataclass
class Outcome:
    """What the checking stages of a run make of the inbox: the run's status, its
    data-quality results and the files collected."""

    status: str
    checks: list[Check]
    collected: list[Collected]


def examine(first: Good) -> Outcome:
    """The run's stages up to its verdict, in this process, as flows.skeleton runs them."""
    declaration = registry.get(first.return_id).DECLARATION
    settings, ctx = get_settings(), first.ctx
    paths = source_paths(declaration, ctx, None)
    gathered = [collect.fn(s, paths[s.name], settings.archive, ctx,
                           folder=first.inbox / s.name, within=settings.inbox / "demo")
                for s in declaration.sources]
    checks = [c for got in gathered for c in got.checks]
    for got in gathered:
        if got.frame is not None:
            checks += check_source(declaration.id, got, ctx)
    if verdict(checks) != "blocked":
        tables = declaration.assemble({g.source.name: g.frame for g in gathered}, ctx)
        checks += check_figures(declaration.id, declaration.reconcile(tables, ctx))
    status = "blocked" if verdict(checks) == "blocked" else "produced"
    return Outcome(status, checks, [c for got in gathered for c in got.files])


@pytest.fixture(scope="module")
def first_runs(good) -> dict[str, dict]:
    """Each return's first run through the command, version 1, made when first needed:
    where its versions are, and version 1's files."""
    made: dict[str, dict] = {}

    def of(return_id: str) -> dict:
        if return_id not in made:
            sources = good(return_id)
            sources.lay_out()
            result = invoke(return_id, sources.period)
            assert result.exit_code == 0, result.output
            assert "version 1 in" in result.output, result.output
            [run] = runs_of(return_id, sources.period)
            assert (run.status, run.version) == ("produced", 1), run.message
            outputs = Path(run.outputs_dir)
            made[return_id] = {"versions": outputs.parent, "v1": snapshot(outputs)}
        return made[return_id]

    return of


def runs_of(return_id: str, period: str) -> list[Run]:
    with session() as s:
        return list(s.exec(select(Run).where(
            Run.authority == "demo", Run.return_id == return_id,
            Run.period == str(parse_period(period))).order_by(Run.id)))


def results_of(run: Run) -> list[QualityResult]:
    with session() as s:
        return list(s.exec(select(QualityResult).where(QualityResult.run_id == run.id)))


def sources_of(run: Run) -> list[SourceFile]:
    with session() as s:
        return list(s.exec(select(SourceFile).where(SourceFile.run_id == run.id)))


def put_in(case: dict, first: Good, scratch: Path) -> Path:
    """The case's input, in the inbox in place of the good file it replaces."""
    source = registry.get(case["return"]).DECLARATION
    [declared] = [s for s in source.sources if s.name == case["source"]]
    replaces = case.get("replaces", None if declared.many else f"{declared.name}.csv")
    if replaces:
        (first.inbox / replaces).unlink()
    good = first.inbox / (replaces or next(n for n in first.good if n.startswith(
        f"{declared.name}/")))
    target = first.inbox / case["inbox"]
    made = scratch / Path(case["inbox"]).name
    if "file" in case:
        shutil.copyfile(CORPUS / case["file"], made)
    else:
        good_copy = scratch / f"good-{good.name}"
        good_copy.write_bytes(first.good[str(good.relative_to(first.inbox))])
        make(case["make"], good_copy, made, case.get("with", {}))
    if case.get("link"):  # the inbox holds a link to the file, kept elsewhere
        target.symlink_to(made)
    else:
        shutil.move(made, target)
    return target


def personal_values(case: dict, first: Good) -> set[str]:
    """Values that tell people apart: in the source's good files, those of its personal
    columns with as many different values as half their rows (names, references, dates
    of birth; not the few words an outcome is written in), and those the case puts in a
    personal column."""
    declaration = registry.get(case["return"]).DECLARATION
    [source] = [s for s in declaration.sources if s.name == case["source"]]
    found = set()
    for name, data in first.good.items():
        if name == f"{source.name}.csv" or name.startswith(f"{source.name}/"):
            header, *rows = csv.reader(io.StringIO(data.decode("utf-8")))
            for column in source.columns:
                if column.personal and column.name in header:
                    values = [r[header.index(column.name)] for r in rows]
                    if len(set(values)) * 2 >= len(values):
                        found |= {v for v in values if len(v) >= 6}
    personal = {c.name for c in source.columns if c.personal}
    return found | {c["value"] for c in case.get("with", {}).get("cells", [])
                    if c.get("column") in personal and isinstance(c["value"], str)}


def shown(result: QualityResult | Check) -> dict:
    """A failed result as the corpus states it."""
    found = {"code": result.code, "location": result.location, "message": result.message}
    if result.column:
        found["column"] = result.column
    return found


def archived(path: Path) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return get_settings().archive / digest[:2] / f"{digest}{path.suffix.lower()}"


def _cases() -> list:
    """Each case; one that meets a known defect outside the reading of files is expected to
    fail until it is mended, and to say so when it is (the corpus states the outcome
    wanted)."""
    return [pytest.param(case_id, marks=pytest.mark.xfail(strict=True, reason=case["defect"]))
            if "defect" in case else case_id for case_id, case in CASES.items()]


def failed(results: list) -> list[dict]:
    return sorted((shown(r) for r in results if not r.success),
                  key=lambda r: (r["code"], r.get("column", ""), r["location"]))


def check_sources(case: dict, path: Path, recorded: list) -> None:
    """The bad file as recorded (by the store or by collection): archived, with its notes;
    or not read at all where the corpus says it is ignored."""
    recorded = [s for s in recorded if Path(s.path).name == path.name]
    if case.get("ignored"):
        assert recorded == []
        return
    [recorded] = recorded
    notes = recorded.notes if isinstance(recorded.notes, str) else "; ".join(recorded.notes)
    for note in case.get("notes", []):
        assert note in notes.split("; ")
    if case.get("archived", True):
        copy = archived(path)
        assert recorded.sha256 == copy.stem
        assert copy.read_bytes() == path.read_bytes()
    else:
        assert recorded.sha256 is None and recorded.archive_path is None


@pytest.mark.parametrize("case_id", [c for c in _cases()
                                     if getattr(c, "values", [c])[0] != COMMAND_RUNS["unchanged"]])
def test_a_bad_input_has_its_stated_outcome(case_id, good, tmp_path):
    case = CASES[case_id]
    first = good(case["return"])
    first.lay_out()
    path = put_in(case, first, tmp_path)

    outcome = examine(first)

    assert outcome.status == case["status"] and EXIT_CODES[outcome.status] == case["exit"]
    assert failed(outcome.checks) == failed_as_stated(case)
    check_sources(case, path, outcome.collected)
    told = " ".join(f"{c.message} {c.location} {c.sample}" for c in outcome.checks) + " ".join(
        "; ".join(c.notes) for c in outcome.collected)
    assert not [v for v in personal_values(case, first) if v in told]


def failed_as_stated(case: dict) -> list[dict]:
    return sorted(case.get("failed", []),
                  key=lambda r: (r["code"], r.get("column", ""), r["location"]))


@pytest.mark.usefixtures("harness")
@pytest.mark.parametrize("status", COMMAND_RUNS)
def test_a_bad_input_run_through_the_command_has_its_stated_outcome(status, good, first_runs,
                                                                     tmp_path):
    case = CASES[COMMAND_RUNS[status]]
    first, made = good(case["return"]), first_runs(case["return"])
    first.lay_out()
    path = put_in(case, first, tmp_path)
    versions_before = sorted(p.name for p in made["versions"].iterdir())
    runs_before = len(runs_of(case["return"], first.period))

    result = invoke(case["return"], first.period)

    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == case["exit"] == EXIT_CODES[case["status"]], result.output
    assert len(runs_of(case["return"], first.period)) == runs_before + 1
    run = runs_of(case["return"], first.period)[-1]
    assert run.status == case["status"], run.message
    if case["status"] == "unchanged":  # nothing new was checked: version 1's results stand
        assert run.same_as_version == 1
        [run_1] = [r for r in runs_of(case["return"], first.period) if r.version == 1]
        results = results_of(run_1)
    else:
        results = results_of(run)
    assert results, "the run's data-quality results are recorded"
    assert failed(results) == failed_as_stated(case)
    if case["status"] == "blocked":  # the command says why (rich may wrap its lines)
        assert "".join(run.message.split()) in "".join(result.output.split())
    check_sources(case, path, sources_of(run))

    versions_after = sorted(p.name for p in made["versions"].iterdir())
    assert snapshot(made["versions"] / "v1") == made["v1"]
    if case["status"] == "produced":
        assert versions_after == sorted([*versions_before, f"v{run.version}"])
    else:
        assert (versions_after, run.version) == (versions_before, None)

    told = result.output + run.message + " ".join(
        f"{r.message} {r.location} {r.sample}" for r in results) + " ".join(
        s.notes for s in sources_of(run))
    assert not [v for v in personal_values(case, first) if v in told]


@pytest.mark.usefixtures("harness")
def test_a_run_refused_or_failed_through_the_command_says_so_without_a_traceback(
        good, first_runs, monkeypatch):
    """The other two outcomes of the command: arguments refused before anything runs, and
    a run that meets something unexpected (here, while rendering)."""
    return_id = "savings-tracker"
    first, made = good(return_id), first_runs(return_id)
    first.lay_out()
    runs_before = [r.id for r in runs_of(return_id, first.period)]

    refused = invoke(return_id, "2026-13")
    assert refused.exit_code == EXIT_CODES["refused"] and "Refused:" in refused.output
    assert [r.id for r in runs_of(return_id, first.period)] == runs_before  # nothing ran

    monkeypatch.setattr("tasks.render.write_json", lambda *a: 1 / 0)
    failed_run = invoke(return_id, first.period, "--force")
    assert failed_run.exit_code == EXIT_CODES["failed"], failed_run.output
    assert "Traceback" not in failed_run.output
    assert "ZeroDivisionError while rendering" in " ".join(failed_run.output.split())
    run = runs_of(return_id, first.period)[-1]
    assert (run.status, run.version, run.message) == (
        "failed", None, "ZeroDivisionError while rendering")
    assert sorted(p.name for p in made["versions"].iterdir()) == ["v1"]
    assert snapshot(made["versions"] / "v1") == made["v1"]
