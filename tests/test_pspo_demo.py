"""The PSPO return's demo data: for a month before any order was made, a log with its header
and no rows (which the run reports as having no data rows); otherwise a log written as real
ones are."""

from flows.demo_data.pspo_breaches import generate
from flows.pspo_breaches import DECLARATION
from statreturns import authorities
from statreturns.periods import parse_period
from tasks.read import read_source


def test_a_month_before_any_order_gives_a_log_with_its_header_and_no_rows(tmp_path):
    config = authorities.load_config(DECLARATION, "demo")
    log = generate(parse_period("2017-09"), config, problems=True)["enforcement-log"]
    assert list(log.columns) == [c.name for c in DECLARATION.sources[0].columns]
    assert log.empty
    path = tmp_path / "enforcement-log.csv"
    log.to_csv(path, index=False)
    loaded = read_source(path, DECLARATION.sources[0])
    assert [c.code for c in loaded.checks if not c.success] == ["FILE-NO-ROWS"]

def test_the_month_the_first_order_starts_has_breaches_of_it_only():
    config = authorities.load_config(DECLARATION, "demo")
    log = generate(parse_period("2017-10"), config)["enforcement-log"]
    assert len(log) > 0
    assert log["breach_datetime"].str.startswith("2017-10").all()
    assert log["order"].nunique() == 1


def test_the_demo_log_is_written_as_real_logs_are():
    config = authorities.load_config(DECLARATION, "demo")
    log = generate(parse_period("R12-2026-10"), config)["enforcement-log"]
    assert {"Ladywood", "ladywood", "Lady Wood", "Soho"} <= set(log["ward"])
    assert {"Words of advice", "NFA", "CPW", "Referred to support services",
            "Withdrawn"} <= set(log["outcome"])


def test_a_quarters_demo_log_is_the_export_of_the_year_to_its_end():
    config = authorities.load_config(DECLARATION, "demo")
    log = generate(parse_period("2026-Q2"), config)["enforcement-log"]
    months = log["breach_datetime"].str[:7]
    assert (months.min(), months.max()) == ("2025-10", "2026-09")
