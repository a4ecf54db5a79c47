"""The PSPO return's demo data for months before any order was made: a log with its header
and no rows, which the run then reports as having no data rows."""

from flows.demo_data.pspo_breaches import generate
from flows.pspo_breaches import DECLARATION
from statreturns import authorities
from statreturns.periods import parse_period
from tasks.read import read_source


def test_a_month_before_any_order_gives_a_log_with_its_header_and_no_rows(tmp_path):
    config = authorities.load_config(DECLARATION, "demo")
    log = generate(parse_period("2021-11"), config, problems=True)["enforcement-log"]
    assert list(log.columns) == [c.name for c in DECLARATION.sources[0].columns]
    assert log.empty
    path = tmp_path / "enforcement-log.csv"
    log.to_csv(path, index=False)
    loaded = read_source(path, DECLARATION.sources[0])
    assert [c.code for c in loaded.checks if not c.success] == ["FILE-NO-ROWS"]

def test_the_month_the_first_order_starts_has_breaches_of_it_only():
    config = authorities.load_config(DECLARATION, "demo")
    log = generate(parse_period("2022-08"), config)["enforcement-log"]
    assert len(log) > 0
    assert log["breach_datetime"].str.startswith("2022-08").all()
    assert log["order"].nunique() == 1
