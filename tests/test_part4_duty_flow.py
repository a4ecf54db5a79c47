"""The Part 4 duty return as a Prefect flow, end to end, under Prefect's test harness."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_blocked, failed_results, ran

from flows.demo_data.part4_duty import generate
from flows.part4_duty import DECLARATION, part4_duty
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period
from tasks.collect import collect, files_in
from tasks.suppression import SUPPRESSED

pytestmark = pytest.mark.usefixtures("harness")

PERIOD = "2025/26"
STEM = "part4-duty-2025-26"
SUPPRESSED_TABLES = ["households_by_type", "declined", "individuals", "characteristics",
                     "stopped"]


def context() -> Context:
    return Context("demo", parse_period(PERIOD), authorities.load_config(DECLARATION, "demo"))


def write(folder: Path, frames: dict[str, pd.DataFrame]) -> dict[str, Path]:
    """The frames as the sources' files in `folder`: {source: its file or folder}."""
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    return {"provider-monitoring": folder / "provider-monitoring",
            "hub-contacts": folder / "hub-contacts.csv"}


def run(folder: Path, frames: dict[str, pd.DataFrame]) -> dict:
    inputs = [f"{name}={path}" for name, path in write(folder, frames).items()]
    return ran(part4_duty, period=PERIOD, authority="demo", inputs=inputs)


def raw_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables as assembled (before suppression and rounding) from the files in `folder`."""
    ctx = context()
    paths = {"provider-monitoring": files_in(folder / "provider-monitoring"),
             "hub-contacts": [folder / "hub-contacts.csv"]}
    frames = {s.name: collect.fn(s, paths[s.name], folder / "archive", ctx).frame
              for s in DECLARATION.sources}
    return DECLARATION.assemble(frames, ctx)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo_run(demo_folder) -> dict:
    return run(demo_folder, generate(parse_period(PERIOD), context().config, problems=True))


@pytest.fixture(scope="module")
def published(demo_run) -> dict:
    document = json.loads((Path(demo_run.outputs_dir) / f"{STEM}.json").read_text())
    return document["tables"]


def test_demo_is_produced_with_the_planted_queries(demo_run):
    assert (demo_run.status, demo_run.verdict) == ("produced", "queries")
    found = failed_results(demo_run)
    assert sorted(found) == ["DA-017", "DA-R04"]
    assert {r.severity for r in found.values()} == {"query"}
    assert found["DA-017"].location == ("next-step-2025-Q4.csv, column A (provider), "
                                        "C (accommodation_type), row 4")
    assert found["DA-017"].sample == "next-step / Dispersed accommodation"
    assert found["DA-R04"].location == (
        "quarterly-change, provider_quarters Rainbow Safe Homes 2025-Q2 to 2025-Q3, "
        "households_before, households_after, change")


def test_demo_outputs_are_the_published_tables_and_the_board_report(demo_run):
    folder = Path(demo_run.outputs_dir)
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "manifest.json", f"{STEM}-board.pdf", f"{STEM}.json", f"{STEM}.xlsx",
        *(f"{STEM}-{name}.csv" for name in ("households-by-type", "declined", "individuals",
                                            "characteristics", "stopped", "hub-contacts"))])


def _rounded(value: int) -> int:
    return int(np.floor(value / 10 + 0.5) * 10)


@pytest.mark.parametrize("name", SUPPRESSED_TABLES)
def test_published_counts_are_suppressed_then_rounded_to_10(name, demo_folder, demo_run,
                                                            published):
    raw = raw_tables(demo_folder)[name]
    table = published[name]
    assert (table["published"], table["suppressed"]) == (True, True)
    assert table["columns"] == raw.columns.tolist()
    hidden = 0
    for shown, counted in zip(table["rows"], raw.itertuples(index=False), strict=True):
        assert shown[0] == counted[0]
        for cell, value in zip(shown[1:], counted[1:], strict=True):
            if cell == SUPPRESSED:
                hidden += 1
            else:
                assert value == 0 or value >= 5, "a small count is shown"
                assert cell == _rounded(value)
    assert hidden > 0
    csv = pd.read_csv(Path(demo_run.outputs_dir) / f"{STEM}-{name.replace('_', '-')}.csv",
                      dtype=str)
    assert csv.values.tolist() == [[str(c) for c in row] for row in table["rows"]]


def test_small_trans_and_sanctuary_scheme_counts_are_withheld(published):
    individuals = {row[0]: row[1:] for row in published["individuals"]["rows"]}
    assert published["individuals"]["columns"][1:] == ["Women", "Men", "Trans", "Children",
                                                       "Total"]
    assert individuals["Sanctuary scheme"] == [SUPPRESSED, 0, SUPPRESSED, 10, 10]
    assert SUPPRESSED in [row[2] for row in individuals.values()]  # trans
    households = {row[0]: row[1:] for row in published["households_by_type"]["rows"]}
    assert households["Sanctuary scheme"] == [SUPPRESSED, 10, SUPPRESSED]
    assert households["Total"] == [650, 1260, 690]


def test_the_hub_is_published_whole_and_the_provider_table_stays_internal(demo_folder,
                                                                          published):
    raw = raw_tables(demo_folder)
    hub = published["hub_contacts"]
    assert (hub["published"], hub["suppressed"]) == (True, False)
    assert hub["rows"] == [list(r) for r in raw["hub_contacts"].itertuples(index=False)]
    assert hub["rows"][-1] == ["Total", 24_310, 291, 627]
    providers = published["providers_by_quarter"]
    assert (providers["published"], providers["suppressed"]) == (False, False)
    assert providers["rows"] == [list(r) for r in raw["providers_by_quarter"]
                                 .itertuples(index=False)]
    assert providers["rows"][-1][-1] == 649


def _drop_a_quarter(frames):
    del frames["provider-monitoring/sahara-2025-Q3"]


def _last_years_quarter(frames):
    rows = frames.pop("provider-monitoring/harbour-2025-Q4").assign(quarter="2024-Q4")
    frames["provider-monitoring/harbour-2024-Q4"] = rows


def _people_do_not_add_up(frames):
    frames["provider-monitoring/safe-haven-2025-Q2"].loc[1, "children"] += 1


BLOCKING = {  # case: (change to the demo data, the error it raises, where)
    "a provider file missing for a quarter": (
        _drop_a_quarter, "DA-R02",
        "provider-quarters, provider_quarter Sahara Specialist Refuge 2025-Q3, files"),
    "a provider file for last year's quarter": (
        _last_years_quarter, "DA-004", "harbour-2024-Q4.csv, column B (quarter), rows 2, 3"),
    "people not adding up to individuals": (
        _people_do_not_add_up, "DA-011",
        "safe-haven-2025-Q2.csv, column J (women), K (men), L (trans), M (children), "
        "N (individuals), row 3"),
}


@pytest.mark.parametrize("case", BLOCKING)
def test_an_error_blocks_the_return_with_no_version(case, tmp_path, demo_run):
    change, code, where = BLOCKING[case]
    frames = generate(parse_period(PERIOD), context().config)
    change(frames)
    summary = run(tmp_path, frames)
    found = assert_blocked(summary, demo_run)
    assert list(found) == [code]
    assert (found[code].severity, found[code].location) == ("error", where)
    assert code in summary.message and where in summary.message
