"""The Prevent benchmarks return as a Prefect flow, end to end, under Prefect's test harness."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import assert_blocked, failed_results, ran
from openpyxl import load_workbook

from flows.demo_data.prevent_benchmarks import generate
from flows.prevent_benchmarks import DECLARATION, prevent_benchmarks
from statreturns import authorities
from statreturns.periods import parse_period

pytestmark = pytest.mark.usefixtures("harness")

PERIOD = "2025/26"
STEM = "prevent-benchmarks-2025-26"


def config():
    return authorities.load_config(DECLARATION, "demo")


def run(folder: Path, frames: dict[str, pd.DataFrame]) -> dict:
    """The flow on these frames, written as the sources' files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = []
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        inputs.append(f"{name}={folder / f'{name}.csv'}")
    return ran(prevent_benchmarks, period=PERIOD, authority="demo", inputs=inputs)



@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> dict:
    frames = generate(parse_period(PERIOD), config(), problems=True)
    return run(tmp_path_factory.mktemp("demo"), frames)


def test_demo_is_produced_with_the_planted_queries(demo_run):
    assert (demo_run.status, demo_run.verdict) == ("produced", "queries")
    found = failed_results(demo_run)
    assert sorted(found) == ["PREV-014", "PREV-024", "PREV-R03"]
    assert {r.severity for r in found.values()} == {"query"}
    assert found["PREV-R03"].sample == "Exceeding / Meeting"


def test_demo_outputs_are_a_package_for_each_audience(demo_run):
    folder = Path(demo_run.outputs_dir)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == \
        sorted(["manifest.json", f"{STEM}.json",
                "board/manifest.json", f"board/{STEM}-board.pdf",
                "submission/manifest.json", f"submission/{STEM}.xlsx",
                f"submission/{STEM}-benchmarks.csv", f"submission/{STEM}-projects.csv",
                f"submission/{STEM}-referrals.csv",
                "publication/manifest.json", f"publication/{STEM}.xlsx",
                *(f"publication/{STEM}-{name}.csv{end}" for name in ("benchmarks", "projects")
                  for end in ("", "-metadata.json"))])
    projects = pd.read_csv(folder / "publication" / f"{STEM}-projects.csv")
    assert projects.iloc[-1].tolist() == ["Total", 508, 10_002, 32]
    benchmarks = pd.read_csv(folder / "publication" / f"{STEM}-benchmarks.csv",
                             index_col="Benchmark")
    assert benchmarks["Self-assessment this year"].value_counts().to_dict() == {
        "Exceeding": 7, "Meeting": 1}
    assert benchmarks["Home Office rating this year"].value_counts().to_dict() == {
        "Exceeding": 6, "Meeting": 2}
    assert benchmarks.at["Reducing permissive environments", "Self-assessment change"] == "down"
    assert benchmarks.loc["Local risk assessment process"].tolist() == [
        "Exceeding", "Meeting", "up", "Meeting", "Meeting", "same", 3]


def test_referrals_go_exact_to_the_home_office_and_are_not_published(demo_run):
    folder = Path(demo_run.outputs_dir)
    tables = json.loads((folder / f"{STEM}.json").read_text())["tables"]
    assert {name: (t["audiences"], t["withheld"]) for name, t in tables.items()} == {
        "benchmarks": (["board", "submission", "publication"], False),
        "rating_changes": (["board"], False),
        "projects": (["board", "submission", "publication"], False),
        "project_quarters": (["board"], False),
        "referrals": (["board", "submission"], True)}
    referrals = pd.read_csv(folder / "submission" / f"{STEM}-referrals.csv")
    assert referrals.columns.tolist() == ["Quarter", "Referrals", "Discussed at Channel panel",
                                          "Adopted as Channel cases"]
    assert referrals.values.tolist() == tables["referrals"]["rows"]
    # the last quarter adopts more cases than it discusses: no query (see the planted ones)
    assert referrals.values.tolist()[-2:] == [["2025-Q4", 43, 2, 3], ["Total", 167, 44, 17]]
    assert ((referrals.iloc[:, 1:] > 0) & (referrals.iloc[:, 1:] < 5)).any(axis=None), \
        "the demo has small counts for the department to receive exactly"
    assert "referrals" not in load_workbook(folder / "publication" / f"{STEM}.xlsx").sheetnames
    assert len(tables["project_quarters"]["rows"]) == 32


def _drop(frame: pd.DataFrame, **where) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1
    return frame[~mask].reset_index(drop=True)


def _named_twice(frames):
    ratings = frames["benchmark-ratings"]
    again = ratings[(ratings["year"] == PERIOD) & (ratings["benchmark"] == "Channel panel")]
    frames["benchmark-ratings"] = pd.concat([ratings, again], ignore_index=True)


def _not_rated(frames):
    frames["benchmark-ratings"] = _drop(frames["benchmark-ratings"], year=PERIOD,
                                        benchmark="Training programme")


def _home_office_rating_off_the_scale(frames):
    ratings = frames["benchmark-ratings"]
    ratings.loc[(ratings["year"] == PERIOD) & (ratings["benchmark"] == "Training programme"),
                "home_office_rating"] = "Outstanding"


def _quarter_missing(frames):
    frames["project-monitoring"] = _drop(frames["project-monitoring"], quarter="2025-Q3",
                                         project="Youth Voices Debate Programme")


BLOCKING = {  # case: (change to the demo data, the error it raises, where, the values shown)
    "a benchmark named twice": (_named_twice, "PREV-006", "benchmark-ratings.csv",
                                "2025/26 / Channel panel"),
    "a benchmark not rated": (_not_rated, "PREV-R01", "benchmark Training programme",
                              "Not rated"),
    "a Home Office rating off the scale": (_home_office_rating_off_the_scale, "PREV-032",
                                           "benchmark-ratings.csv, column E "
                                           "(home_office_rating), row 23", "outstanding"),
    "a project missing a quarter": (_quarter_missing, "PREV-R04",
                                    "project_quarter Youth Voices Debate Programme 2025-Q3", "0"),
}


@pytest.mark.parametrize("case", BLOCKING)
def test_an_error_blocks_the_return_with_no_version(case, tmp_path, demo_run):
    change, code, where, sample = BLOCKING[case]
    frames = generate(parse_period(PERIOD), config())
    change(frames)
    summary = run(tmp_path, frames)
    found = assert_blocked(summary, demo_run)
    assert list(found) == [code]
    assert (found[code].severity, found[code].sample) == ("error", sample)
    assert code in summary.message and where in summary.message


def test_a_year_not_yet_assessed_by_the_home_office_is_produced_as_not_available(tmp_path,
                                                                               demo_run):
    """The register holds no Home Office rating for the year: [x], never a rating, and no
    error; last year's ratings are shown as before."""
    frames = generate(parse_period(PERIOD), config())
    ratings = frames["benchmark-ratings"]
    ratings.loc[ratings["year"] == PERIOD, "home_office_rating"] = None
    summary = run(tmp_path, frames)
    assert (summary.status, summary.verdict) == ("produced", "pass")
    folder = Path(summary.outputs_dir)
    for package in ("submission", "publication"):
        benchmarks = pd.read_csv(folder / package / f"{STEM}-benchmarks.csv",
                                 keep_default_na=False)
        assert set(benchmarks["Home Office rating this year"]) == {"[x]"}
        assert set(benchmarks["Home Office rating change"]) == {"[x]"}
        assert benchmarks["Home Office rating last year"].value_counts().to_dict() == {
            "Exceeding": 6, "Meeting": 2}
        assert benchmarks["Self-assessment this year"].value_counts().to_dict() == {
            "Exceeding": 7, "Meeting": 1}
    tables = json.loads((folder / f"{STEM}.json").read_text())["tables"]
    assert [row[-1] for row in tables["rating_changes"]["rows"]] == ["[x]"] * 4
