"""The savings tracker as a Prefect flow, end to end, under Prefect's test harness: the demo
month with its planted queries and published tables, what real trackers hold (accepted as
queries), and the bad inputs that block it."""

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
    """The two slips of `problems`, and the reversal, the move and the over-delivery the
    demo holds: queries, none blocking."""
    assert demo_run.status == "produced"
    assert demo_run.verdict == "queries"
    found = failed_results(demo_run)
    assert {code: r.severity for code, r in found.items()} == {
        "SAV-009": "query", "SAV-021": "query", "SAV-022": "query", "SAV-023": "query",
        "SAV-R03": "query"}
    assert found["SAV-022"].location == ("adults.csv, column D (status), G (commentary), "
                                         "H (mitigation), row 97")
    assert found["SAV-023"].location == ("adults.csv, column D (status), G (commentary), "
                                         "H (mitigation), row 94")
    assert found["SAV-009"].location == "savings-register.csv, column E (target_gbp_k), row 45"
    assert found["SAV-R03"].location == ("against-register, submission economy.csv row 49, "
                                         "reference, month, forecast_gbp_k, target_gbp_k")
    assert found["SAV-021"].unexpected_count == 7


def _published(folder: Path, name: str) -> list[str]:
    return (folder / "publication" / f"{STEM}-{name}.csv").read_text().splitlines()


def test_the_demo_tables_go_to_cabinet_and_open_data_as_they_are(demo_run):
    folder = Path(demo_run.outputs_dir)
    names = ("by-directorate", "delivery", "by-status", "movements", "at-risk", "special-cases")
    assert {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} == {
        "manifest.json", f"{STEM}.json", "board/manifest.json", f"board/{STEM}-board.pdf",
        "publication/manifest.json", f"publication/{STEM}.xlsx",
        *(f"publication/{STEM}-{t}.csv{end}" for t in names for end in ("", "-metadata.json"))}
    assert json.loads((folder / "manifest.json").read_text())["delivers"] == "board"
    tables = json.loads((folder / f"{STEM}.json").read_text())["tables"]
    assert list(tables) == ["by_directorate", "delivery", "by_status", "movements", "at_risk",
                            "special_cases"]
    assert all(t["audiences"] == ["board", "publication"] and not t["withheld"]
               for t in tables.values())
    by_directorate = tables["by_directorate"]
    assert by_directorate["columns"] == [
        "Directorate", "Delivered", "On track", "At risk", "Delayed", "Undeliverable", "Total"]
    assert by_directorate["rows"][-1] == ["Total", 45766, 10723, 4196, 2933, 7277, 70895]
    assert [row[-1] for row in tables["by_status"]["rows"]] == [
        "64.6", "15.1", "5.9", "4.1", "10.3", "100.0"]
    assert _published(folder, "by-status") == [
        "Status,Savings,Target (GBP k),Delivered to date (GBP k),Forecast (GBP k),"
        "Shortfall (GBP k),% of target",
        "Delivered,36,45766,45286,45286,676,64.6", "On track,10,10723,6255,10723,0,15.1",
        "At risk,7,4196,1404,3209,987,5.9", "Delayed,3,2933,368,1263,1670,4.1",
        "Undeliverable,4,7277,374,641,6636,10.3", "Total,60,70895,53687,61122,9969,100.0"]
    assert [row[0] for row in tables["movements"]["rows"]] == [
        "ADU-008", "ADU-011", "ADU-012", "CHI-003", "CHI-004", "CHI-006", "ECO-002",
        "ECO-004", "ECO-005", "PLA-001", "PLA-004", "PLA-009", "PLA-010", "PLA-011",
        "TRA-001", "TRA-008", "XCT-007"]


def test_the_published_delivery_shows_shortfall_by_one_off_and_recurring_mitigation(demo_run):
    """ADU-012's mitigation left blank (a planted slip): its shortfall of 248 is shown as
    without mitigation."""
    assert _published(Path(demo_run.outputs_dir), "delivery") == [
        "Directorate,Target,Delivered to date,Forecast,Shortfall,Over-delivery,"
        "Shortfall: one-off mitigation,Shortfall: recurring mitigation,"
        "Shortfall: no mitigation",
        "Adults,14311,10083,11936,2375,0,1451,676,248",
        "Children,12371,8972,10885,1486,0,1486,0,0",
        "Economy,10381,5041,5647,4930,196,146,4784,0",
        "Place,16004,14930,15819,185,0,60,125,0",
        "Transformation,10315,7975,9401,914,0,513,401,0",
        "Cross-cutting,7513,6686,7434,79,0,0,79,0",
        "Total,70895,53687,61122,9969,196,3656,6065,248"]


def test_the_published_at_risk_table_says_which_mitigations_are_one_off(demo_run):
    at_risk = pd.read_csv(Path(demo_run.outputs_dir) / "publication"
                          / f"{STEM}-at-risk.csv", keep_default_na=False)
    assert list(at_risk.columns) == [
        "Reference", "Directorate", "Description", "Status", "Target", "Forecast",
        "Shortfall", "Mitigation", "Mitigation type"]
    assert len(at_risk) == 14
    assert at_risk["Mitigation type"].value_counts().to_dict() == {
        "One-off": 9, "Recurring": 4, "": 1}
    assert at_risk.set_index("Reference").loc["ECO-005", ["Shortfall", "Mitigation type"]
                                              ].tolist() == [4784, "Recurring"]


def test_the_published_special_cases(demo_run):
    assert _published(Path(demo_run.outputs_dir), "special-cases") == [
        "Reference,Directorate,Description,Status,Target,Delivered to date,Forecast,Note",
        "CHI-003,Children,Home to school transport review,Delivered,2371,2371,2371,"
        "Carried forward from 2025/26",
        "ECO-002,Economy,Markets income growth,Delivered,1307,1503,1503,Over-delivery",
        "ECO-008,Place,Markets income growth (phase 2),At risk,380,112,255,"
        "\"Moved: reported by Economy, then Place\"",
        "PLA-012,Place,Reversal of the 2025/26 saving: garden waste charge increase "
        "(phase 2),On track,-150,-88,-150,Reversal of an earlier saving"]


def _moved(frames):
    """ADU-001's September status is sent in the children's file."""
    adults, children = (frames[f"status-submissions/{d}"] for d in ("adults", "children"))
    row = (adults["reference"] == "ADU-001") & (adults["month"] == "2026-09")
    frames["status-submissions/children"] = pd.concat([children, adults[row]])
    frames["status-submissions/adults"] = adults[~row]


def _other_owner(frames):
    """The register names Place for CHI-003, which Children still report."""
    register = frames["savings-register"]
    register.loc[register["reference"] == "CHI-003", "directorate"] = "Place"


def _over_target(frames):
    """PLA-003 forecast, and once delivered delivered, above its target all year."""
    register, place = frames["savings-register"], frames["status-submissions/place"]
    target = register.loc[register["reference"] == "PLA-003", "target_gbp_k"].item()
    saving = place["reference"] == "PLA-003"
    place.loc[saving, "forecast_gbp_k"] = target + 1
    place.loc[saving & (place["status"].str.lower() == "delivered"),
              "delivered_gbp_k"] = target + 1


def test_what_real_trackers_hold_is_queried_and_shown_never_blocking(tmp_path):
    frames = demo_frames(problems=False)
    for spoil in (_moved, _other_owner, _over_target):
        spoil(frames)
    summary = run(tmp_path, frames)
    assert (summary.status, summary.verdict) == ("produced", "queries")
    assert {c: r.severity for c, r in failed_results(summary).items()} == {
        "SAV-009": "query", "SAV-021": "query", "SAV-R02": "query", "SAV-R03": "query"}
    tables = json.loads((Path(summary.outputs_dir) / f"{STEM}.json").read_text())["tables"]
    notes = {row[0]: (row[1], row[-1]) for row in tables["special_cases"]["rows"]}
    assert notes["CHI-003"] == ("Place", "Carried forward from 2025/26; Moved: reported by "
                                "Children; the register still names Place")
    assert notes["PLA-003"] == ("Place", "Over-delivery")
    assert "ADU-001" not in notes  # a row filed with another directorate: still Adults'


def _twice(frames):
    adults = frames["status-submissions/adults"]
    frames["status-submissions/adults"] = pd.concat([adults, adults.tail(1)])


def _missing(frames):
    economy = frames["status-submissions/economy"]
    frames["status-submissions/economy"] = economy[
        (economy["reference"] != "ECO-001") | (economy["month"] != PERIOD)]


def _later_year(frames):
    register = frames["savings-register"]
    register.loc[register["reference"] == "PLA-003", "financial_year"] = "2027/28"


def _temporary(frames):
    economy = frames["status-submissions/economy"]
    economy.loc[(economy["reference"] == "ECO-005") & (economy["month"] == PERIOD),
                "mitigation_type"] = "Temporary"


def _undelivered(frames):
    children = frames["status-submissions/children"]
    children.loc[(children["reference"] == "CHI-001") & (children["month"] == PERIOD),
                 "delivered_gbp_k"] = None


BLOCKING = {
    "two statuses for one saving in one month": ("SAV-020", _twice, "adults.csv"),
    "a saving without a status this month": ("SAV-R04", _missing, "reference ECO-001"),
    "a saving of a later year": ("SAV-004", _later_year, "column B (financial_year), row 36"),
    "a mitigation neither one-off nor recurring": ("SAV-026", _temporary, "economy.csv"),
    "no amount delivered this month": ("SAV-025", _undelivered, "children.csv"),
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
