"""The PSPO return on a log written as real ones are, through the flow: a quarter's run on the
year's export, outcomes in officers' words, wards spelt several ways and an order extended
twice. Produced, with each ward published once under its official name, and the notes a
person needs."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ran
from sqlmodel import select

from flows.demo_data.pspo_breaches import generate
from flows.pspo_breaches import DECLARATION, pspo_breaches
from statreturns import authorities
from statreturns.periods import parse_period
from statreturns.store.db import session
from statreturns.store.models import QualityResult

pytestmark = pytest.mark.usefixtures("harness")

PERIOD = "2025-Q3"  # October to December 2025; the export runs from January


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    config = authorities.load_config(DECLARATION, "demo")
    return generate(parse_period(PERIOD), config)["enforcement-log"]


@pytest.fixture(scope="module")
def run(log, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "enforcement-log.csv"
    log.to_csv(path, index=False)
    return ran(pspo_breaches, period=PERIOD, authority="demo",
               inputs=[f"enforcement-log={path}"], force=True)


def _results(run) -> list[QualityResult]:
    with session() as s:
        return list(s.exec(select(QualityResult).where(QualityResult.run_id == run.run_id)))


def _tables(run) -> dict[str, pd.DataFrame]:
    document = json.loads(next(Path(run.outputs_dir).glob("*.json")).read_text())
    return {name: pd.DataFrame(t["rows"], columns=t["columns"])
            for name, t in document["tables"].items()}


def test_the_export_holds_the_year_in_the_words_officers_use(log):
    months = log["breach_datetime"].str[:7]
    assert (months.min(), months.max()) == ("2025-01", "2025-12")
    assert {"ladywood", "Lady Wood"} <= set(log["ward"])
    assert {"Words of advice", "NFA", "CPW", "Referred to support services"} <= set(
        log["outcome"])


def test_the_quarter_is_produced_from_the_export_with_a_note_of_what_was_left_out(run, log):
    assert (run.status, run.verdict) == ("produced", "pass")
    outside = int((log["breach_datetime"] < "2025-10-01").sum())
    notes = [r.message for r in _results(run) if r.severity == "note"]
    assert notes == [f"{outside:,} rows of the log fall outside the period, or have no date, "
                     "and are left out."]
    totals = _tables(run)["order_totals"].set_index("Order")
    assert totals["Breaches"].sum() == len(log) - outside


def test_each_ward_is_published_once_under_its_official_name(run, log):
    wards = _tables(run)["by_ward"]["Ward"].tolist()
    assert "Ladywood" in wards
    assert not {"ladywood", "Lady Wood", "Soho"} & set(wards)
    assert len(wards) == len(set(wards))
    inside = log[log["breach_datetime"] >= "2025-10-01"]
    ladywood = inside["ward"].str.strip().str.lower().isin(["ladywood", "lady wood"])
    by_ward = _tables(run)["by_ward"].set_index("Ward")
    assert by_ward.at["Ladywood", "Total"] == ladywood.sum() > 0
    published = pd.read_csv(next((Path(run.outputs_dir) / "publication").glob("*-by-ward.csv")))
    assert published["Ward"].tolist() == wards


def test_outcomes_are_counted_under_the_authoritys_names(run, log):
    outcomes = _tables(run)["outcomes"].set_index("Order")
    inside = log[log["breach_datetime"] >= "2025-10-01"]
    assert "Other outcome" not in outcomes.columns
    assert outcomes.at["Total", "No further action"] == (inside["outcome"] == "NFA").sum()
    assert outcomes.at["Total", "Community protection warning"] == (
        inside["outcome"] == "CPW").sum()
    assert outcomes.at["Total", "Total"] == len(inside)


def test_the_order_extended_twice_is_in_force(run):
    totals = _tables(run)["order_totals"].set_index("Order")
    assert "Sparkbrook alcohol restriction" in totals.index
    order = {o.id: o for o in authorities.load_config(DECLARATION, "demo").orders}
    assert [str(e.to) for e in order["sparkbrook-alcohol"].extensions] == [
        "2023-10-19", "2025-12-31"]
