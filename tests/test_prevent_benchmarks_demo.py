"""The Prevent benchmarks demo data: its size and shape, its sameness, its planted problems."""

import pandas as pd
import pytest

from flows.demo_data.prevent_benchmarks import generate
from flows.prevent_benchmarks import DECLARATION
from statreturns import authorities, quality
from statreturns.declaration import Context
from statreturns.periods import parse_period
from tasks.collect import collect
from tasks.validate import check_figures, check_source

CTX = Context("demo", parse_period("2025/26"), authorities.load_config(DECLARATION, "demo"))


@pytest.fixture(scope="module")
def demo():
    return generate(CTX.period, CTX.config)


@pytest.fixture(scope="module")
def with_problems():
    return generate(CTX.period, CTX.config, problems=True)


def run_rules(frames: dict[str, pd.DataFrame], folder) -> tuple[list, dict]:
    """Every check of the return on these frames written as files, and its tables."""
    checks, sources = [], {}
    for source in DECLARATION.sources:
        path = folder / f"{source.name}.csv"
        frames[source.name].to_csv(path, index=False)
        got = collect.fn(source, [path], folder / "archive", CTX)
        checks += got.checks + check_source(DECLARATION.id, got, CTX)
        sources[source.name] = got.frame
    tables = DECLARATION.assemble(sources, CTX)
    return checks + check_figures(DECLARATION.id, DECLARATION.reconcile(tables, CTX)), tables


def test_the_same_period_gives_the_same_data(demo):
    again = generate(CTX.period, CTX.config)
    assert list(again) == ["benchmark-ratings", "benchmark-evidence", "project-monitoring",
                           "referrals"]
    for name, frame in demo.items():
        pd.testing.assert_frame_equal(again[name], frame)
    other = generate(parse_period("2024/25"), CTX.config)
    assert not other["referrals"].equals(demo["referrals"])


def test_ratings_are_as_published_with_two_earlier_years(demo):
    ratings = demo["benchmark-ratings"]
    assert ratings.groupby("year").size().to_dict() == {"2023/24": 8, "2024/25": 8,
                                                        "2025/26": 8}
    this_year = ratings[ratings["year"] == "2025/26"].set_index("benchmark")
    assert this_year["self_assessment"].value_counts().to_dict() == {"Exceeding": 7,
                                                                     "Meeting": 1}
    assert this_year.index[this_year["self_assessment"] == "Meeting"].tolist() == [
        "Reducing permissive environments"]
    differ = this_year[this_year["self_assessment"] != this_year["home_office_rating"]]
    assert differ[["self_assessment", "home_office_rating"]].to_dict("index") == {
        "Local risk assessment process": {"self_assessment": "Exceeding",
                                          "home_office_rating": "Meeting"}}
    earlier = ratings[ratings["year"] != "2025/26"]
    assert (earlier["self_assessment"] == earlier["home_office_rating"]).all()


def test_the_last_quarters_panel_adopts_a_case_discussed_in_the_quarter_before(demo):
    referrals = demo["referrals"].set_index("quarter")
    assert referrals.loc["2025-Q4"].tolist() == [43, 2, 3]
    assert referrals.sum().tolist() == [167, 44, 17]


def test_projects_deliver_the_published_workshops_and_participants(demo, with_problems):
    for frames in (demo, with_problems):
        monitoring = frames["project-monitoring"]
        assert len(monitoring) == 32 and monitoring["project"].nunique() == 8
        assert (monitoring["workshops"].sum(), monitoring["participants"].sum()) == (508, 10_002)
    assert (demo["project-monitoring"]["participants"]
            >= demo["project-monitoring"]["workshops"]).all()


def test_demo_data_passes_every_rule(demo, tmp_path):
    checks, tables = run_rules(demo, tmp_path)
    assert [c.code for c in checks if not c.success] == []
    assert tables["projects"].iloc[-1].tolist() == ["Total", 508, 10_002, 32]
    assert tables["referrals"].iloc[-2:].values.tolist() == [["2025-Q4", 43, 2, 3],
                                                             ["Total", 167, 44, 17]]
    risk = tables["benchmarks"].set_index("Benchmark").loc["Local risk assessment process"]
    assert risk.iloc[:6].tolist() == ["Exceeding", "Meeting", "up", "Meeting", "Meeting",
                                      "same"]
    assert tables["rating_changes"].iloc[1:].values.tolist() == [
        ["Meeting", 2, 1, 2, 2], ["Exceeding", 6, 7, 6, 6], ["Total", 8, 8, 8, 8]]


def test_problems_raise_three_queries_and_nothing_else(with_problems, tmp_path):
    checks, _ = run_rules(with_problems, tmp_path)
    failed = {c.code: c for c in checks if not c.success}
    assert sorted(failed) == ["PREV-014", "PREV-024", "PREV-R03"]
    assert {c.severity for c in failed.values()} == {"query"}
    assert all(c.unexpected_count == 1 for c in failed.values())
    assert failed["PREV-R03"].location == ("benchmark-coverage, benchmark Reducing permissive "
                                           "environments, self_assessment_last_year, "
                                           "self_assessment_this_year")
    assert failed["PREV-024"].location == ("project-monitoring.csv, column C (workshops), "
                                           "D (participants), row 12")
    assert quality.verdict(checks) == "queries"
