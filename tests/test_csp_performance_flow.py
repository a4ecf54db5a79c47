"""The community safety performance return as a Prefect flow, on the demo data for 2026-Q2."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ran
from sqlmodel import select

from flows.csp_performance import DECLARATION, NO_DATA, csp_performance
from flows.demo_data.csp_performance import generate
from statreturns import authorities
from statreturns.periods import parse_period
from statreturns.store.db import session
from statreturns.store.models import QualityResult

PERIOD = "2026-Q2"
BOARD_COLUMNS = ["Measure", "Q2 2025/26 (Jul-Sep)", "Q2 2026/27 (Jul-Sep)",
                 "Q1 2026/27 (Apr-Jun)", "Year to date Apr-Sep 2026", "Year to date Apr-Sep 2025",
                 "Difference", "% difference", "Direction", "MSG rank", "Group rate",
                 "Own rate per 1,000 (rolling 12 months)"]

pytestmark = pytest.mark.usefixtures("harness")


def write(folder: Path, files: dict[str, pd.DataFrame]) -> list[str]:
    """The demo files in `folder`, as the flow's inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in files.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return [f"{name}={folder / name}.csv" for name in files]


def demo_files() -> dict[str, pd.DataFrame]:
    config = authorities.load_config(DECLARATION, "demo")
    return generate(parse_period(PERIOD), config, problems=True)


def results(summary: dict) -> dict[str, QualityResult]:
    with session() as s:
        found = s.exec(select(QualityResult).where(QualityResult.run_id == summary.run_id))
        return {r.code: r for r in found}


def failed(summary: dict) -> set[str]:
    return {code for code, r in results(summary).items() if not r.success}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> dict:
    inputs = write(tmp_path_factory.mktemp("demo"), demo_files())
    return ran(csp_performance, period=PERIOD, authority="demo", inputs=inputs)


def test_demo_is_produced_with_the_three_planted_draft_queries(demo_run):
    assert (demo_run.status, demo_run.verdict) == ("produced", "queries")
    assert failed(demo_run) == {"CSP-R01"}
    query = results(demo_run)["CSP-R01"]
    assert (query.severity, query.unexpected_count) == ("query", 3)
    assert query.location == (
        "draft-check, Figure Shop theft: % difference, Violence with injury: Year to date "
        "Apr-Sep 2026, Deliberate fires: Year to date Apr-Sep 2025, draft, recomputed")
    # The draft truncates its percentages, and shows those from 10% up to a whole percent:
    # its 10.7% prints as 10%, and the right figure, -0.17%, would print as 0% there.
    assert query.sample == "10% / 0%, 4,482 / 9,552, 592 / No data available"


def test_the_run_notes_how_the_demo_draft_rounds(demo_run):
    note = results(demo_run)["NOTE"]
    assert note.success
    assert note.message.startswith("This draft truncates percentages (rounds toward zero)")


def test_demo_outputs_publish_the_board_table_only(demo_run):
    folder = Path(demo_run.outputs_dir)
    stem = f"csp-performance-{PERIOD}"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == \
        sorted([f"board/{stem}-board.pdf", "board/manifest.json",
                f"publication/{stem}-board-table.csv",
                f"publication/{stem}-board-table.csv-metadata.json",
                f"publication/{stem}.xlsx", "publication/manifest.json",
                f"{stem}.json", "manifest.json"])


def test_demo_tables_carry_no_data_through_and_never_as_zero(demo_run):
    path = Path(demo_run.outputs_dir) / f"csp-performance-{PERIOD}.json"
    tables = json.loads(path.read_text())["tables"]
    board = {row[0]: row[1:] for row in tables["board_table"]["rows"]}
    assert tables["board_table"]["columns"] == BOARD_COLUMNS
    assert len(board) == 23
    assert board["Deliberate fires"] == [NO_DATA, 602, 555, 1157, NO_DATA, NO_DATA, NO_DATA,
                                         NO_DATA, "n/a", "n/a", "1.96"]
    assert board["Violence with injury"][3:] == [9552, 8513, 1039, "12.2%", "Up", 11, "12.74",
                                                 "15.34"]
    assert board["Theft of motor vehicles"][1:3] == [849, 792]
    assert tables["disagreements"]["rows"] == [
        ["Shop theft", "% difference", "10%", "0%"],
        ["Violence with injury", "Year to date Apr-Sep 2026", "4,482", "9,552"],
        ["Deliberate fires", "Year to date Apr-Sep 2025", "592", NO_DATA],
    ]
    csv = (Path(demo_run.outputs_dir) / "publication" /
           f"csp-performance-{PERIOD}-board-table.csv").read_text().splitlines()
    assert "Deliberate fires,[x],602,555,1157,[x],[x],[x],[x],[z],[z],1.96" in csv
    assert "Violence with injury,4463,5070,4482,9552,8513,1039,12.2,Up,11,12.74,15.34" in csv


def test_a_quarter_missing_from_an_extract_blocks_the_return(tmp_path):
    files = demo_files()
    police = files["police-extract"]
    files["police-extract"] = police[~((police["measure"] == "Shop theft")
                                       & (police["quarter"] == "2025-Q3"))]
    summary = ran(csp_performance, period=PERIOD, authority="demo", inputs=write(tmp_path, files))
    assert (summary.status, summary.verdict, summary.version) == (
        "blocked", "blocked", None)
    assert summary.outputs_dir is None
    assert failed(summary) == {"CSP-R01", "CSP-R03"}
    missing = results(summary)["CSP-R03"]
    assert (missing.severity, missing.unexpected_count) == ("error", 1)
    assert missing.location == "quarters, Measure and quarter Shop theft 2025-Q3, count"
    assert summary.message == (
        "Blocked by 1 data-quality error(s): CSP-R03 Every measure has a count (or No data "
        "available) in its extract for every quarter of last financial year and of this one "
        "up to the period. (quarters, Measure and quarter Shop theft 2025-Q3, count)")
