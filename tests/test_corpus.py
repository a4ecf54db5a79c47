"""The bad-input corpus: each malformed or hostile file of tests/corpus/cases.toml, put in
the inbox in place of one good source file and run through the command as an officer runs
it, gives exactly the outcome the corpus states for it.

For each return, a good demo set of its sources is run once for its corpus period, making
version 1. Each case then lays the good set out again, puts its one bad file in, and runs
the return: the exit code, the run as recorded in the store, its failed data-quality
results (code, column, place and words), the file's archived copy, and the versions on
disk are checked; nothing ever prints a traceback or quotes a personal value.
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
from statreturns import authorities
from statreturns.app.cli import app
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import QualityResult, Run, SourceFile
from tasks.collect import inbox_folder

pytestmark = pytest.mark.usefixtures("harness")

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))
PERIODS: dict[str, str] = MANIFEST["periods"]
CASES = {case["id"]: case for case in MANIFEST["case"]}
EXIT = {"produced": 0, "unchanged": 0, "blocked": 1, "refused": 2, "failed": 3}


def invoke(return_id: str, period: str):
    """``statreturns run RETURN --period PERIOD``: the sources come from the inbox."""
    from prefect.logging.configuration import ensure_logging_setup

    # Prefect's console log handler keeps the stream it was made with: make it now, on
    # pytest's stream, not on the runner's, which is closed when the command ends.
    ensure_logging_setup()
    return CliRunner().invoke(app, ["run", return_id, "--period", period])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by its path in the folder, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class First:
    """A return's good run for its corpus period: version 1, and what it was made from."""

    return_id: str
    period: str
    inbox: Path
    good: dict[str, bytes]
    versions: Path
    version_1: dict[str, bytes]

    def lay_out(self) -> None:
        """The period's inbox folder holding the good files again, and nothing else."""
        shutil.rmtree(self.inbox, ignore_errors=True)
        for name, data in self.good.items():
            path = self.inbox / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


class FirstRuns:
    """Each return's first run, made when a case of the return first needs it."""

    def __init__(self):
        self.made: dict[str, First] = {}

    def __getitem__(self, return_id: str) -> First:
        if return_id not in self.made:
            self.made[return_id] = self._first(return_id)
        return self.made[return_id]

    def _first(self, return_id: str) -> First:
        declaration = registry.get(return_id).DECLARATION
        period = PERIODS[return_id]
        ctx = Context("demo", parse_period(period), authorities.load_config(declaration, "demo"))
        folder = inbox_folder(get_settings().inbox, return_id, ctx)
        shutil.rmtree(folder, ignore_errors=True)
        frames = registry.demo_data(return_id).generate(ctx.period, ctx.config, None, False)
        for name, frame in frames.items():  # as `statreturns generate` writes them
            path = folder / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, index=False, lineterminator="\n")
        result = invoke(return_id, period)
        assert result.exit_code == 0, result.output
        assert "version 1 in" in result.output, result.output
        [run] = runs_of(return_id, period)
        assert (run.status, run.version) == ("produced", 1), run.message
        outputs = Path(run.outputs_dir)
        return First(return_id, period, folder, snapshot(folder), outputs.parent,
                     snapshot(outputs))


@pytest.fixture(scope="module")
def first_runs() -> FirstRuns:
    return FirstRuns()


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


def put_in(case: dict, first: First, scratch: Path) -> Path:
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


def personal_values(case: dict, first: First) -> set[str]:
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


def shown(result: QualityResult) -> dict:
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


@pytest.mark.parametrize("case_id", _cases())
def test_a_bad_input_has_its_stated_outcome(case_id, first_runs, tmp_path):
    case = CASES[case_id]
    first = first_runs[case["return"]]
    first.lay_out()
    path = put_in(case, first, tmp_path)
    versions_before = sorted(p.name for p in first.versions.iterdir())
    runs_before = len(runs_of(case["return"], first.period))

    result = invoke(case["return"], first.period)

    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == case["exit"] == EXIT[case["status"]], result.output
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
    failed = sorted((shown(r) for r in results if not r.success),
                    key=lambda r: (r["code"], r.get("column", ""), r["location"]))
    expected = sorted(case.get("failed", []),
                      key=lambda r: (r["code"], r.get("column", ""), r["location"]))
    assert failed == expected
    if case["status"] == "blocked":  # the command says why (rich may wrap its lines)
        assert "".join(run.message.split()) in "".join(result.output.split())

    recorded = [s for s in sources_of(run) if Path(s.path).name == path.name]
    if case.get("ignored"):
        assert recorded == []
    else:
        [recorded] = recorded
        for note in case.get("notes", []):
            assert note in recorded.notes.split("; ")
        if case.get("archived", True):
            copy = archived(path)
            assert recorded.sha256 == copy.stem
            assert copy.read_bytes() == path.read_bytes()
        else:
            assert recorded.sha256 is None and recorded.archive_path is None

    versions_after = sorted(p.name for p in first.versions.iterdir())
    assert snapshot(first.versions / "v1") == first.version_1
    if case["status"] == "produced":
        assert versions_after == sorted([*versions_before, f"v{run.version}"])
    else:
        assert (versions_after, run.version) == (versions_before, None)

    told = result.output + run.message + " ".join(
        f"{r.message} {r.location} {r.sample}" for r in results) + " ".join(
        s.notes for s in sources_of(run))
    assert not [v for v in personal_values(case, first) if v in told]
