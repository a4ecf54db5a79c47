"""The PSPO return as a Prefect flow, end to end, under Prefect's test harness."""

import asyncio
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import PERIOD, breach, pdf_text, ran, write_log
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    TaskRunFilter,
)
from prefect.client.schemas.sorting import ArtifactSort
from sqlmodel import select

from flows.demo_data.pspo_breaches import generate
from flows.pspo_breaches import pspo_breaches
from statreturns import reports
from statreturns.store.db import session
from statreturns.store.models import QualityResult, Run, SourceFile

PERSON = "Zebedee Quartermain"


pytestmark = pytest.mark.usefixtures("harness")


def run(tmp_path: Path, rows: list[dict] | None = None, *, authority: str = "demo",
        period: str = PERIOD, path: Path | None = None, **to_csv) -> dict:
    """Run the flow on an enforcement log of these rows (or on `path` as it is)."""
    if path is None:
        path = write_log(tmp_path / "enforcement-log.csv", rows, **to_csv)
    return ran(pspo_breaches, period=period, authority=authority, inputs=[str(path)])


def checks_of(summary: dict) -> dict[str, QualityResult]:
    """The run's results by code; where a code has several (one per column), a failed one."""
    with session() as s:
        found = s.exec(select(QualityResult).where(QualityResult.run_id == summary.run_id)
                       .order_by(QualityResult.success.desc()))
        return {r.code: r for r in found}


def tables_of(summary: dict) -> dict:
    """The tables of a produced version, from its JSON."""
    path = Path(summary.outputs_dir) / f"pspo-breaches-{summary.period}.json"
    return json.loads(path.read_text())["tables"]


def failed(summary: dict) -> set[str]:
    return {code for code, r in checks_of(summary).items() if not r.success}


@pytest.fixture(scope="module")
def demo_run(ctx, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("demo")
    log = generate(ctx.period, ctx.config, problems=True)["enforcement-log"]
    path = folder / "enforcement-log.csv"
    log.to_csv(path, index=False)
    return run(folder, path=path)


def test_demo_run_is_produced_with_its_queries_recorded(demo_run):
    assert demo_run.status == "produced"
    assert demo_run.verdict == "queries"
    assert failed(demo_run) == {"PSPO-014", "PSPO-015", "PSPO-016"}
    ward = checks_of(demo_run)["PSPO-016"]
    assert ward.severity == "query" and ward.unexpected_count == 1
    assert ward.location.startswith("enforcement-log.csv, column E (ward), row ")


STEM = f"pspo-breaches-{PERIOD}"
PUBLISHED = ("order-totals", "by-ward", "outcomes", "trend")
PACKAGES = {
    "": {f"{STEM}.json"},
    "board": {f"{STEM}-board.pdf"},
    "exempt": {f"{STEM}-exempt.pdf"},  # repeat breachers: the paper's part not published
    "publication": {f"{STEM}.xlsx"} | {f"{STEM}-{t}.csv" for t in PUBLISHED}
    | {f"{STEM}-{t}.csv-metadata.json" for t in PUBLISHED},
}
"""PSPO's version folder: no table is for a department's data collection, so no
submission package."""


def test_outputs_are_written_with_a_manifest_of_their_checksums(demo_run):
    from tasks.outputs import file_digest

    folder = Path(demo_run.outputs_dir)
    assert folder.name == f"v{demo_run.version}"
    assert folder.parent.name == PERIOD and folder.parent.parent.name == "pspo-breaches"
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [
        "board", "exempt", "publication"]
    listed = set()
    for package, names in PACKAGES.items():
        manifest = json.loads((folder / package / "manifest.json").read_text())
        assert {f["name"] for f in manifest["files"]} == names, package
        for f in manifest["files"]:
            assert file_digest(folder / package / f["name"]) == (f["sha256"], f["bytes"])
            listed.add(Path(package, f["name"]))
        listed.add(Path(package, "manifest.json"))
    # every file is in a manifest: nothing unlisted in the version folder or its packages
    assert {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()} == listed
    root = json.loads((folder / "manifest.json").read_text())
    assert root["delivers"] == "publication"  # its recipient is the open-data portal
    assert root["packages"] == {p: file_digest(folder / p / "manifest.json")[0]
                                for p in ("board", "exempt", "publication")}
    assert not list(folder.parent.glob(".staging-*"))


def test_breaches_are_published_as_counted_and_the_json_totals_agree(demo_run):
    """Breaches are events: the published tables hold every count as counted, small ones
    included, and nothing is withheld."""
    folder = Path(demo_run.outputs_dir)
    tables = tables_of(demo_run)
    totals = tables["order_totals"]
    by_ward = tables["by_ward"]
    assert (by_ward["audiences"], by_ward["withheld"]) == (["board", "publication"], False)
    assert tables["repeat_breachers"]["audiences"] == ["exempt"]
    assert not [name for name, t in tables.items() if t["withheld"]]
    cells = [v for row in by_ward["rows"] for v in row[1:]]
    assert "[c]" not in cells
    small = [v for v in cells if isinstance(v, int) and 0 < v < 5]
    assert small  # the demo has wards with few breaches: shown, not withheld
    breaches = sum(row[totals["columns"].index("Breaches")] for row in totals["rows"])
    assert breaches == 188
    published = pd.read_csv(folder / "publication" / f"{STEM}-by-ward.csv")
    assert published.columns.tolist() == by_ward["columns"]
    assert published.values.tolist() == by_ward["rows"]
    assert not (folder / "publication" / f"{STEM}-repeat-breachers.csv").exists()
    for path in (folder / "publication").glob("*.csv"):
        assert "[c]" not in path.read_text()
    with zipfile.ZipFile(folder / "publication" / f"{STEM}.xlsx") as xlsx:
        assert any(n.startswith("xl/worksheets/") for n in xlsx.namelist())


def test_run_is_recorded_with_sources_and_outputs(demo_run):
    [described] = [r for r in reports.runs("pspo-breaches", PERIOD, "demo")
                   if r["run_id"] == demo_run.run_id]
    assert described["version"] == demo_run.version
    [source] = described["sources"]
    assert source["rows"] == 188 and len(source["sha256"]) == 64
    archived = Path(source["archive_path"])
    assert archived.exists() and not archived.stat().st_mode & 0o222
    assert {o["kind"] for o in described["outputs"]} == {
        "board:pdf", "exempt:pdf", "publication:xlsx", "json", "manifest",
        "board:manifest", "exempt:manifest", "publication:manifest",
        *(f"publication:{kind}:{t.replace('-', '_')}" for t in PUBLISHED
          for kind in ("csv", "csvw"))}
    assert described["data_quality"]["queries"] == 3
    assert described["data_quality"]["errors"] == 0
    assert described["flow_run_id"]


async def _artifacts(key: str) -> list:
    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            flow_run_filter=FlowRunFilter(), task_run_filter=TaskRunFilter(),
            sort=ArtifactSort.CREATED_DESC, limit=50)


def test_artifacts_have_stable_keys_per_authority_return_and_period(demo_run):
    summary = asyncio.run(_artifacts("demo-pspo-breaches-r12-2026-10-summary"))
    quality = asyncio.run(_artifacts("demo-pspo-breaches-r12-2026-10-data-quality"))
    assert summary and quality
    assert any(f"version {demo_run.version}" in a.data or
               f"| Version | {demo_run.version} |" in a.data for a in summary)
    assert any("PSPO-015" in json.dumps(a.data) for a in quality)


def test_a_correction_makes_the_next_version_and_keeps_the_first(tmp_path):
    first = run(tmp_path / "a", [breach(breach_id="C1"), breach(breach_id="C2")])
    second = run(tmp_path / "b", [breach(breach_id="C1"), breach(breach_id="C2"),
                                  breach(breach_id="C3")])
    assert second.version == first.version + 1
    assert Path(first.outputs_dir).exists() and Path(second.outputs_dir).exists()


def _latest(**where) -> Run:
    with session() as s:
        query = select(Run).order_by(Run.id.desc())
        for column, value in where.items():
            query = query.where(getattr(Run, column) == value)
        return s.exec(query).first()


def test_a_run_that_fails_while_rendering_gives_its_version_back(tmp_path, monkeypatch):
    rows = [breach(breach_id="F1", person_name=PERSON)]
    monkeypatch.setattr("tasks.render.write_json", lambda *a: 1 / 0)
    from flows.skeleton import RunFailed

    with pytest.raises(RunFailed, match="^ZeroDivisionError while rendering$"):
        run(tmp_path / "a", rows, period="2026-06")
    failed_run = _latest(period="2026-06")
    assert failed_run.status == "failed" and failed_run.version is None
    assert failed_run.message == "ZeroDivisionError while rendering"
    monkeypatch.undo()
    again = run(tmp_path / "b", rows, period="2026-06")
    assert again.version == 1
    parent = Path(again.outputs_dir).parent
    assert sorted(p.name for p in parent.iterdir()) == ["v1"]


def test_arguments_refused_inside_the_flow_are_on_record(tmp_path):
    from flows.skeleton import RunRefused

    with pytest.raises(RunRefused, match="2026-13"):
        pspo_breaches(period="2026-13", authority="demo", inputs=[])
    refused = _latest(status="refused")
    assert refused.period == "2026-13" and refused.version is None
    assert "2026-13" in refused.message


# --- bad input: a clear message, a recorded run with its results, the input archived ------

def _archived(summary: dict) -> list[SourceFile]:
    with session() as s:
        return list(s.exec(select(SourceFile).where(SourceFile.run_id == summary.run_id)))


def _status(summary: dict) -> str:
    with session() as s:
        return s.get(Run, summary.run_id).status


BLOCKING = {
    "empty file": ("FILE-EMPTY", lambda p: p.write_bytes(b"")),
    "header only": ("FILE-NO-ROWS", lambda p: write_log(p, [])),
    "required column missing": ("FILE-COLUMNS", lambda p: p.write_text(
        "breach_id,breach_datetime,order\nB1,2026-06-01 10:00,City Centre\n")),
    "non-numeric amount": ("FILE-TYPE", lambda p: write_log(p, [breach(
        outcome="FPN paid", fpn_issued_date="2026-06-10", fpn_amount="ten pounds")])),
    "duplicate breach ids": ("PSPO-002", lambda p: write_log(p, [breach(), breach()])),
    "order not in force": ("PSPO-009", lambda p: write_log(p, [breach(
        order="Soho, Lozells & East Handsworth", condition="Alcohol restriction area",
        ward="Lozells", breach_datetime="2026-01-05 20:00")])),
}


@pytest.mark.parametrize("case", BLOCKING)
def test_bad_input_blocks_the_run_and_is_recorded(case, tmp_path, demo_run):
    earlier = {p: p.read_bytes() for p in Path(demo_run.outputs_dir).rglob("*")
               if p.is_file()}
    code, make = BLOCKING[case]
    path = tmp_path / "enforcement-log.csv"
    make(path)
    summary = run(tmp_path, path=path)
    assert summary.status == "blocked" and summary.version is None
    assert _status(summary) == "blocked"
    assert code in failed(summary)
    assert code in summary.message and "enforcement-log.csv" in summary.message
    [source] = _archived(summary)
    assert source.sha256 and Path(source.archive_path).read_bytes() == path.read_bytes()
    assert {p: p.read_bytes() for p in Path(demo_run.outputs_dir).rglob("*")
            if p.is_file()} == earlier


def test_a_missing_file_is_recorded_as_blocked(tmp_path):
    summary = run(tmp_path, path=tmp_path / "nowhere" / "enforcement-log.csv")
    assert summary.status == "blocked"
    result = checks_of(summary)["FILE-MISSING"]
    assert "nowhere/enforcement-log.csv" in result.message
    [source] = _archived(summary)
    assert source.sha256 is None


def test_bad_values_are_located_by_file_row_and_column(tmp_path):
    rows = [breach(breach_id=f"B{i}") for i in range(3)]
    rows[2].update(outcome="FPN paid", fpn_issued_date="2026-06-10", fpn_amount="ten pounds")
    summary = run(tmp_path, rows)
    result = checks_of(summary)["FILE-TYPE"]
    assert result.location == "enforcement-log.csv, column J (fpn_amount), row 4"
    assert result.sample == "[redacted]"


FORGIVEN = {
    "UTF-8 with a byte-order mark": dict(encoding="utf-8-sig"),
    "Windows-1252 text": dict(encoding="cp1252"),
    "semicolons between columns": dict(sep=";"),
}


@pytest.mark.parametrize("case", FORGIVEN)
def test_readable_variants_are_produced(case, tmp_path):
    rows = [breach(breach_id="V1", place="Café Row"), breach(breach_id="V2")]
    summary = run(tmp_path, rows, **FORGIVEN[case])
    assert summary.status == "produced", failed(summary)
    totals = tables_of(summary)["order_totals"]
    assert totals["rows"][0][:2] == ["City Centre", 2]


def test_day_month_year_dates_and_extra_columns_are_read(tmp_path):
    path = tmp_path / "enforcement-log.csv"
    write_log(path, [breach(breach_datetime="10/06/2026 21:15", outcome_date="10/06/2026")])
    path.write_text(path.read_text().replace("breach_id,", "breach_id,officer_notes,", 1)
                    .replace("\nB1,", "\nB1,seen twice,"))
    summary = run(tmp_path, path=path)
    assert summary.status == "produced", failed(summary)
    [source] = _archived(summary)
    assert "officer_notes" in source.notes


def test_personal_data_never_leaves_the_run(tmp_path, caplog):
    rows = [breach(breach_id="P1", person_name=PERSON, person_dob="31/02/1990"),
            breach(breach_id="P1", person_name=PERSON, person_dob="1990-02-03")]
    summary = run(tmp_path, rows)
    assert summary.status == "blocked"
    dob = checks_of(summary)["FILE-TYPE"]
    assert dob.sample == "[redacted]" and dob.unexpected_count == 1
    recorded = json.dumps(reports.runs("pspo-breaches", PERIOD, "demo"), default=str)
    assert PERSON not in recorded and "31/02/1990" not in recorded
    assert PERSON not in caplog.text


def test_personal_data_is_not_in_any_output(demo_run, ctx):
    log = generate(ctx.period, ctx.config, problems=True)["enforcement-log"]
    names = set(log["person_name"])
    folder = Path(demo_run.outputs_dir)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".csv", ".json", ".xlsx", ".pdf"}
    assert len([p for p in files if p.suffix == ".pdf"]) == 2  # the exempt part too
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as xlsx:
                text = " ".join(xlsx.read(n).decode() for n in xlsx.namelist())
        elif path.suffix == ".pdf":
            text = pdf_text(path, layout=False)
        else:
            text = path.read_text()
        if not path.name.endswith(("manifest.json", "-metadata.json")):  # not tables
            assert "City Centre" in text, path
        assert not [n for n in names if n in text], path
