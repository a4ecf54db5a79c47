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
from tasks.suppression import SUPPRESSED, TOTAL

pytestmark = pytest.mark.usefixtures("harness")

PERIOD = "2025/26"
STEM = "part4-duty-2025-26"
TYPE = "Accommodation type"
SUPPRESSED_TABLES = ["households_by_type", "declined", "individuals", "characteristics",
                     "not_known", "stopped", "moved_on"]
SUBMITTED_TABLES = [*SUPPRESSED_TABLES, "bedspaces"]


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
    assert sorted(found) == ["DA-017", "DA-R04", "DA-R05"]
    assert {r.severity for r in found.values()} == {"query"}
    assert found["DA-017"].location == ("next-step-2025-Q4.csv, column A (provider), "
                                        "C (accommodation_type), row 4")
    assert found["DA-017"].sample == "next-step / Dispersed accommodation"
    assert found["DA-R04"].location == (
        "quarterly-change, provider_quarters Rainbow Safe Homes 2025-Q2 to 2025-Q3, "
        "households_before, households_after, change")
    assert found["DA-R05"].location == (
        "provider-caseload, provider_quarter Harbour Housing 2025-Q4, households_carried, "
        "households_new, households_supported")
    assert found["DA-R05"].sample == "35 / 13 / 51"  # three more than carried and new


def test_demo_outputs_are_a_package_for_each_audience(demo_run):
    folder = Path(demo_run.outputs_dir)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    returned = [name.replace("_", "-") for name in SUBMITTED_TABLES]
    assert files == sorted([
        "manifest.json", f"{STEM}.json",
        "board/manifest.json", f"board/{STEM}-board.pdf",
        "submission/manifest.json", f"submission/{STEM}.xlsx",
        *(f"submission/{STEM}-{name}.csv" for name in returned),
        "publication/manifest.json", f"publication/{STEM}.xlsx",
        *(f"publication/{STEM}-{name}.csv{end}" for name in (*returned, "hub-contacts")
          for end in ("", "-metadata.json"))])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["delivers"] == "submission"
    assert sorted(manifest["packages"]) == ["board", "publication", "submission"]


def _rounded(value: int) -> int:
    return int(np.floor(value / 10 + 0.5) * 10)


def _csv(demo_run, package: str, name: str) -> pd.DataFrame:
    return pd.read_csv(Path(demo_run.outputs_dir) / package /
                       f"{STEM}-{name.replace('_', '-')}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", SUPPRESSED_TABLES)
def test_published_counts_are_withheld_then_rounded_and_every_total_is_shown(
        name, demo_folder, demo_run):
    raw = raw_tables(demo_folder)[name].set_index(TYPE)
    published = _csv(demo_run, "publication", name).set_index(TYPE)
    assert published.columns.tolist() == raw.columns.tolist()
    merged = [label for label in raw.index if label not in published.index]
    if merged:  # counted together as Other so that every total can be shown
        assert len(merged) >= 2 and "Other" in published.index
        raw = pd.concat([raw.drop(index=merged),
                         raw.loc[merged].sum().to_frame("Other").T]).loc[published.index]
    hidden = 0
    for label, row in published.iterrows():
        for column, cell in row.items():
            value = int(raw.loc[label, column])
            if cell == SUPPRESSED:
                hidden += 1
                assert label != TOTAL and column != TOTAL, f"the total {label}/{column} hidden"
            else:
                assert value == 0 or value >= 5, "a small count is shown"
                assert int(cell) == _rounded(value)
    assert hidden > 0 or merged


@pytest.mark.parametrize("name", SUBMITTED_TABLES)
def test_the_submission_holds_the_exact_figures(name, demo_folder, demo_run):
    raw = raw_tables(demo_folder)[name]
    submitted = _csv(demo_run, "submission", name)
    assert submitted.columns.tolist() == raw.columns.tolist()
    assert submitted.values.tolist() == [[str(v) for v in row]
                                         for row in raw.itertuples(index=False)]


def test_small_trans_and_sanctuary_scheme_counts_are_withheld(demo_run):
    individuals = _csv(demo_run, "publication", "individuals").set_index(TYPE)
    assert individuals.columns.tolist() == ["Women", "Men", "Trans", "Sex not known",
                                            "Children", "Total"]
    assert individuals.loc["Sanctuary scheme"].tolist() == [SUPPRESSED, "0", "0", "0",
                                                            SUPPRESSED, "10"]
    assert SUPPRESSED in individuals["Trans"].tolist()
    assert SUPPRESSED not in individuals["Total"].tolist() + individuals.loc[TOTAL].tolist()
    households = _csv(demo_run, "publication", "households_by_type").set_index(TYPE)
    assert households.loc["Sanctuary scheme"].tolist() == [SUPPRESSED, "10", SUPPRESSED]
    assert households.loc[TOTAL].tolist() == ["650", "1260", "540"]


def test_the_year_counts_each_household_and_person_once_through_the_flow(demo_run, published):
    """The quarters' caseloads add up to 1,140 households; the year's are 649, each once."""
    households = _csv(demo_run, "submission", "households_by_type").set_index(TYPE)
    assert households.loc[TOTAL].tolist() == ["649", "1261", "542"]
    individuals = _csv(demo_run, "submission", "individuals").set_index(TYPE)
    assert individuals.loc[TOTAL].tolist() == ["570", "49", "16", "14", "806", "1455"]
    providers = published["providers_by_quarter"]
    assert providers["columns"] == ["Provider", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
                                    "In the year"]
    assert providers["rows"][-1] == [TOTAL, 236, 233, 321, 350, 649]
    assert providers["rows"][0] == ["Safe Haven Refuges", 50, 54, 46, 41, 100]


def test_the_submission_holds_why_support_ended_where_households_went_and_not_known(
        demo_run):
    stopped = _csv(demo_run, "submission", "stopped").set_index(TYPE)
    assert stopped.loc[TOTAL].tolist() == ["202", "44", "61", "15", "49", "50", "22", "443"]
    moved_on = _csv(demo_run, "submission", "moved_on").set_index(TYPE)
    assert moved_on.columns.tolist() == [
        "Own home", "Social housing", "Private rented housing", "Other safe accommodation",
        "Temporary accommodation", "Family or friends", "Other destination",
        "Destination not known", TOTAL]
    assert moved_on.loc[TOTAL].tolist() == ["42", "119", "57", "69", "52", "47", "22", "35",
                                            "443"]
    assert moved_on.loc["Sanctuary scheme"].tolist() == ["3", *["0"] * 7, "3"]
    not_known = _csv(demo_run, "submission", "not_known").set_index(TYPE)
    assert not_known.loc[TOTAL].tolist() == ["32", "21", "60", "30"]


def test_bedspaces_are_places_not_people_so_published_as_counted(demo_run, published):
    submitted = _csv(demo_run, "submission", "bedspaces")
    assert submitted.set_index(TYPE).loc[TOTAL].tolist() == ["171", "171", "175", "177"]
    assert _csv(demo_run, "publication", "bedspaces").values.tolist() == (
        submitted.values.tolist())
    assert (published["bedspaces"]["audiences"], published["bedspaces"]["withheld"]) == (
        ["board", "submission", "publication"], False)


def test_a_type_whose_total_is_small_is_counted_with_the_smallest_as_other(demo_run):
    """The sanctuary scheme declined 3 referrals: its total cannot be shown, nor hidden
    (totals are protected), so it is counted with the smallest type, and the note says so."""
    declined = _csv(demo_run, "publication", "declined").set_index(TYPE)
    assert declined.index.tolist() == [
        "Refuge", "Specialist safe accommodation", "Dispersed accommodation",
        "Second-stage / move-on", "Other", TOTAL]
    assert declined.loc["Other"].tolist() == ["20", "10", "10", "40"]  # 2+17, 1+9, 0+14, 43
    assert SUPPRESSED not in declined.values
    metadata = json.loads((Path(demo_run.outputs_dir) / "publication" /
                           f"{STEM}-declined.csv-metadata.json").read_text())
    assert ("Sanctuary scheme and Other designated accommodation are counted together as "
            "'Other' so that every total can be shown.") in json.dumps(metadata)


def test_the_hub_is_published_whole_and_the_provider_table_stays_on_the_board_paper(
        demo_folder, demo_run, published):
    raw = raw_tables(demo_folder)
    hub = published["hub_contacts"]
    assert (hub["audiences"], hub["withheld"]) == (["board", "publication"], False)
    assert hub["rows"] == [list(r) for r in raw["hub_contacts"].itertuples(index=False)]
    assert hub["rows"][-1] == ["Total", 24_310, 291, 627]
    assert _csv(demo_run, "publication", "hub_contacts").values.tolist() == [
        [str(v) for v in row] for row in hub["rows"]]
    assert not list((Path(demo_run.outputs_dir) / "submission").glob("*hub*"))
    providers = published["providers_by_quarter"]
    assert (providers["audiences"], providers["withheld"]) == (["board"], False)
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
        "safe-haven-2025-Q2.csv, column M (women), N (men), O (trans), P (sex_not_known), "
        "Q (children), R (individuals), row 3"),
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


def test_submit_delivers_the_submission_package_and_its_receipt_names_it(demo_run, tmp_path):
    from sqlmodel import select

    from statreturns.store.db import session
    from statreturns.store.models import Run
    from tasks.sign_off import decide, explain, open_queries
    from tasks.submit import submit_version

    with session() as s:
        run = s.exec(select(Run).where(Run.id == demo_run.run_id)).one()
    for query in open_queries(run):
        explain(run, query.code, "Checked with the provider: the figures stand.", "A. Officer")
    decide(run, "approve", "Dana Price")
    receipt = submit_version(run, run, tmp_path / "outbox")
    delivered = tmp_path / "outbox" / receipt.destination
    package = Path(demo_run.outputs_dir) / "submission"
    assert receipt.package == "submission"
    assert json.loads((delivered / "receipt.json").read_text())["package"] == "submission"
    assert sorted(p.name for p in delivered.iterdir()) == sorted(
        [p.name for p in package.iterdir()] + ["receipt.json"])
    for path in package.iterdir():
        assert (delivered / path.name).read_bytes() == path.read_bytes()
