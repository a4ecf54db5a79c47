"""The savings tracker as a Prefect flow, end to end, under Prefect's test harness: the demo
month with its planted queries, and the bad inputs that block it."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import failed_results, ran

from flows.demo_data.savings_tracker import generate
from flows.savings_tracker import DECLARATION, savings_tracker
from statreturns import authorities
from statreturns.periods import parse_period
from statreturns.store.db import session
from statreturns.store.models import Run

PERIOD = "2026-10"
STEM = f"savings-tracker-{PERIOD}"

pytestmark = pytest.mark.usefixtures("harness")


def demo_frames(problems: bool) -> dict[str, pd.DataFrame]:
    config = authorities.load_config(DECLARATION, "demo")
    return generate(parse_period(PERIOD), config, problems=problems)


def run(folder: Path, frames: dict[str, pd.DataFrame]) -> dict:
    """Write the frames as the demo's files and run the flow on them."""
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    return ran(savings_tracker, period=PERIOD, authority="demo", inputs=[
        f"savings-register={folder / 'savings-register.csv'}",
        f"status-submissions={folder / 'status-submissions'}"])



@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> dict:
    return run(tmp_path_factory.mktemp("demo"), demo_frames(problems=True))


def test_the_demo_month_is_produced_with_its_planted_queries(demo_run):
    assert demo_run.status == "produced"
    assert demo_run.verdict == "queries"
    found = failed_results(demo_run)
    assert {code: r.severity for code, r in found.items()} == {
        "SAV-022": "query", "SAV-023": "query"}
    assert found["SAV-022"].location == ("adults.csv, column D (status), F (commentary), "
                                         "G (mitigation), row 97")
    assert found["SAV-023"].location == ("adults.csv, column D (status), F (commentary), "
                                         "G (mitigation), row 94")


def test_the_demo_tables_go_to_cabinet_and_open_data_as_they_are(demo_run):
    folder = Path(demo_run.outputs_dir)
    names = ("by-directorate", "by-status", "movements", "at-risk")
    assert {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} == {
        "manifest.json", f"{STEM}.json", "board/manifest.json", f"board/{STEM}-board.pdf",
        "publication/manifest.json", f"publication/{STEM}.xlsx",
        *(f"publication/{STEM}-{t}.csv{end}" for t in names for end in ("", "-metadata.json"))}
    assert json.loads((folder / "manifest.json").read_text())["delivers"] == "board"
    tables = json.loads((folder / f"{STEM}.json").read_text())["tables"]
    assert list(tables) == ["by_directorate", "by_status", "movements", "at_risk"]
    assert all(t["audiences"] == ["board", "publication"] and not t["withheld"]
               for t in tables.values())
    by_directorate = tables["by_directorate"]
    assert by_directorate["columns"] == [
        "Directorate", "On track", "At risk", "Delayed", "Undeliverable", "Total"]
    assert by_directorate["rows"][-1] == ["Total", 57092, 4196, 2933, 6674, 70895]
    assert [row[-1] for row in tables["by_status"]["rows"]] == [
        "80.5", "5.9", "4.1", "9.4", "100.0"]
    csv = (folder / "publication" / f"{STEM}-by-status.csv").read_text().splitlines()
    assert csv[0] == "Status,Savings,Target (GBP k),Forecast (GBP k),% of target"
    assert csv[1:] == ["On track,45,57092,57092,80.5", "At risk,7,4196,3267,5.9",
                       "Delayed,3,2933,1471,4.1", "Undeliverable,5,6674,918,9.4",
                       "Total,60,70895,62748,100.0"]
    assert [row[0] for row in tables["movements"]["rows"]] == [
        "ADU-008", "ADU-012", "ECO-005", "PLA-001"]
    assert len(tables["at_risk"]["rows"]) == 15


def _moved(frames):
    """ADU-001's September status is sent in the children's file."""
    adults, children = (frames[f"status-submissions/{d}"] for d in ("adults", "children"))
    row = (adults["reference"] == "ADU-001") & (adults["month"] == "2026-09")
    frames["status-submissions/children"] = pd.concat([children, adults[row]])
    frames["status-submissions/adults"] = adults[~row]


def _twice(frames):
    adults = frames["status-submissions/adults"]
    frames["status-submissions/adults"] = pd.concat([adults, adults.tail(1)])


def _over_target(frames):
    register, place = frames["savings-register"], frames["status-submissions/place"]
    target = register.loc[register["reference"] == "PLA-003", "target_gbp_k"].item()
    place.loc[place["reference"] == "PLA-003", "forecast_gbp_k"] = target + 1


def _missing(frames):
    economy = frames["status-submissions/economy"]
    frames["status-submissions/economy"] = economy[
        (economy["reference"] != "ECO-002") | (economy["month"] != PERIOD)]


def _other_owner(frames):
    register = frames["savings-register"]
    register.loc[register["reference"] == "CHI-003", "directorate"] = "Place"


BLOCKING = {
    "a reference moved between directorates' files": ("SAV-021", _moved, "adults.csv"),
    "a saving owned by another directorate in the register": (
        "SAV-R02", _other_owner, "children.csv row 4"),
    "two statuses for one saving in one month": ("SAV-020", _twice, "adults.csv"),
    "a forecast over its target": ("SAV-R03", _over_target, "place.csv row 4"),
    "a saving without a status this month": ("SAV-R04", _missing, "reference ECO-002"),
}


@pytest.mark.parametrize("case", BLOCKING)
def test_bad_input_blocks_the_run(case, tmp_path):
    code, spoil, where = BLOCKING[case]
    frames = demo_frames(problems=False)
    spoil(frames)
    summary = run(tmp_path, frames)
    assert summary.status == "blocked" and summary.verdict == "blocked"
    assert summary.version is None and summary.outputs_dir is None
    found = failed_results(summary)
    assert {c for c, r in found.items() if r.severity == "error"} == {code}
    assert where in found[code].location
    assert code in summary.message
    with session() as s:
        assert s.get(Run, summary.run_id).status == "blocked"
