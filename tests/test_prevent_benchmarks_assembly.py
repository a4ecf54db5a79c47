"""The Prevent benchmarks return's tables, return-level suites (PREV-R01..R06), headline and
configuration, on small files for a small configuration of three benchmarks."""

import pandas as pd
import pytest
from pydantic import ValidationError
from test_prevent_benchmarks_rules import (
    SOURCES,
    evidence,
    monitoring,
    rating,
    referral,
    write,
)

from flows.prevent_benchmarks import DECLARATION, Benchmarks
from statreturns.declaration import Context
from statreturns.matching import key
from statreturns.periods import parse_period
from tasks.read import read_source
from tasks.validate import check_figures

SETTINGS = {
    "rating_scale": ["Not yet meeting", "meeting", "exceeding"],
    "evidence_from": "Meeting",
    "benchmarks": [{"id": "partnership-plan", "name": "Partnership plan"},
                   {"id": "channel-panel", "name": "Channel panel"},
                   {"id": "training", "name": "Training programme"}],
    "projects": [{"id": "youth-voices", "name": "Youth Voices", "funded": ["2024/25", "2025/26"]},
                 {"id": "online-harms", "name": "Online Harms", "funded": ["2025/26"]},
                 {"id": "theatre", "name": "Theatre Tour", "funded": ["2024/25"]}],
}
CTX = Context("demo", parse_period("2025/26"), Benchmarks.model_validate(SETTINGS))
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]

RATINGS = [  # the Home Office rates the partnership plan below its self-assessment
    rating(benchmark="Partnership plan", self_assessment="Exceeding",
           home_office_rating="Meeting"),
    rating(benchmark="channel-panel", self_assessment="meeting", home_office_rating="MEETING"),
    rating(benchmark="Training programme", self_assessment="Not yet meeting",
           home_office_rating="Not yet meeting"),
    rating(year="2024/25", benchmark="Partnership plan", self_assessment="Meeting",
           home_office_rating="Meeting"),
    rating(year="2024/25", benchmark="Channel panel", self_assessment="Meeting",
           home_office_rating="Exceeding"),
    rating(year="2023/24", benchmark="Channel panel", self_assessment="Exceeding",
           home_office_rating="Exceeding"),  # too long ago
]
EVIDENCE = [
    evidence(benchmark="Partnership plan", evidence_date="2025-05-01"),
    evidence(benchmark="partnership-plan", evidence_date="2026-03-31"),
    evidence(benchmark="Channel panel", evidence_date="2025-04-01"),
    evidence(benchmark="Channel panel", evidence_date="2025-03-31"),  # before the year
    evidence(year="2024/25", benchmark="Partnership plan", evidence_date="2024-06-01"),
]
MONITORING = [  # in no particular order
    *(monitoring(project="online-harms", quarter=q, workshops="5", participants=p)
      for q, p in zip(QUARTERS, ["100", "90", "110", "95"], strict=True)),
    *(monitoring(project="Youth Voices", quarter=q, workshops=w, participants=p)
      for q, w, p in zip(QUARTERS, ["10", "0", "12", "8"], ["200", "0", "250", "160"],
                         strict=True)),
]
REFERRALS = [referral(quarter="2025-Q4", referrals="45", discussed_at_panel="11",
                      adopted_as_channel_cases="2"),
             referral(quarter="2025-Q1", referrals="40", discussed_at_panel="12",
                      adopted_as_channel_cases="4"),
             referral(quarter="2025-Q2", referrals="35", discussed_at_panel="10",
                      adopted_as_channel_cases="3"),
             referral(quarter="2025-Q3", referrals="50", discussed_at_panel="15",
                      adopted_as_channel_cases="6")]
ROWS = {"benchmark-ratings": RATINGS, "benchmark-evidence": EVIDENCE,
        "project-monitoring": MONITORING, "referrals": REFERRALS}


@pytest.fixture
def assemble(tmp_path):
    """Rows by source (the good ones where not given) -> the return's tables."""

    def run(**changed: list[dict]) -> dict[str, pd.DataFrame]:
        frames = {}
        for name, rows in ROWS.items():
            rows = changed.get(name.replace("-", "_"), rows)
            loaded = read_source(write(tmp_path / f"{name}.csv", name, rows), SOURCES[name])
            frames[name] = SOURCES[name].derive(loaded.frame, CTX)
        return DECLARATION.assemble(frames, CTX)

    return run


@pytest.fixture
def tables(assemble):
    return assemble()


def as_lists(table: pd.DataFrame) -> dict[str, list]:
    return {c: [None if pd.isna(v) else v for v in table[c]] for c in table.columns}


def failed_return_checks(tables: dict) -> dict:
    checks = check_figures(DECLARATION.id, DECLARATION.reconcile(tables, CTX))
    assert {c.suite for c in checks} == {"benchmark-coverage", "project-quarters",
                                         "referral-quarters", "channel-year"}
    return {c.code: c for c in checks if not c.success}


def not_yet_assessed(*benchmarks: str) -> list[dict]:
    """The ratings, without this year's Home Office rating of these benchmarks (named by id
    or name)."""
    names = {key(b) for b in benchmarks}
    return [{**r, "home_office_rating": ""} if r["year"] == "2025/26"
            and key(r["benchmark"]) in names else r for r in RATINGS]


# --- tables --------------------------------------------------------------------------------

def test_benchmarks_show_both_ratings_this_year_and_last_and_the_years_evidence(tables):
    assert as_lists(tables["benchmarks"]) == {
        "Benchmark": ["Partnership plan", "Channel panel", "Training programme"],
        "Self-assessment this year": ["Exceeding", "Meeting", "Not yet meeting"],
        "Self-assessment last year": ["Meeting", "Meeting", "Not rated"],
        "Self-assessment change": ["up", "same", "new"],
        "Home Office rating this year": ["Meeting", "Meeting", "Not yet meeting"],
        "Home Office rating last year": ["Meeting", "Exceeding", "[x]"],
        "Home Office rating change": ["same", "down", "new"],
        "Evidence items in year": [2, 1, 0],
    }
    assert tables["benchmarks"]["Evidence items in year"].dtype == "int64"
    assert DECLARATION.tables[0].index == tuple(tables["benchmarks"].columns[:-1])


def test_rating_changes_count_benchmarks_by_each_rating(tables):
    assert as_lists(tables["rating_changes"]) == {
        "Rating": ["Not yet meeting", "Meeting", "Exceeding", "Total"],
        "Self-assessment last year": [0, 2, 0, 2],
        "Self-assessment this year": [1, 1, 1, 3],
        "Home Office rating last year": [0, 1, 1, 2],
        "Home Office rating this year": [1, 2, 0, 3],
    }


def test_a_year_the_home_office_has_not_assessed_is_not_available_and_no_error(assemble):
    tables = assemble(benchmark_ratings=not_yet_assessed("Partnership plan", "Channel panel",
                                                         "Training programme"))
    benchmarks = as_lists(tables["benchmarks"])
    assert benchmarks["Home Office rating this year"] == ["[x]"] * 3
    assert benchmarks["Home Office rating change"] == ["[x]"] * 3
    assert benchmarks["Home Office rating last year"] == ["Meeting", "Exceeding", "[x]"]
    assert benchmarks["Self-assessment this year"] == ["Exceeding", "Meeting", "Not yet meeting"]
    changes = as_lists(tables["rating_changes"])
    assert changes["Home Office rating this year"] == ["[x]"] * 4
    assert changes["Home Office rating last year"] == [0, 1, 1, 2]
    assert DECLARATION.headline(tables, CTX)[3:4] == [("Home Office rating", "not yet assessed")]
    assert failed_return_checks(tables) == {}


def test_a_benchmark_the_home_office_has_not_assessed_is_not_available(assemble):
    tables = assemble(benchmark_ratings=not_yet_assessed("Channel panel"))
    benchmarks = as_lists(tables["benchmarks"])
    assert benchmarks["Home Office rating this year"] == ["Meeting", "[x]", "Not yet meeting"]
    assert benchmarks["Home Office rating change"] == ["same", "[x]", "new"]
    assert as_lists(tables["rating_changes"])["Home Office rating this year"] == [1, 1, 0, 2]
    assert failed_return_checks(tables) == {}


def test_projects_are_the_funded_ones_in_configured_order_with_a_total(tables):
    projects = tables["projects"]
    assert as_lists(projects) == {
        "Project": ["Youth Voices", "Online Harms", "Total"],
        "Workshops": [30, 20, 50],
        "Participants": [610, 395, 1005],
        "Quarters reported": [4, 4, 8],
    }
    assert (projects.dtypes.iloc[1:] == "int64").all()


def test_project_quarters_keep_what_each_project_reported(tables):
    table = tables["project_quarters"]
    assert list(table.columns) == ["Project", "Quarter", "Settings", "Themes", "Workshops",
                                   "Participants"]
    assert table["Project"].tolist() == ["Youth Voices"] * 4 + ["Online Harms"] * 4
    assert table["Quarter"].tolist() == QUARTERS * 2
    assert table["Workshops"].tolist() == [10, 0, 12, 8, 5, 5, 5, 5]
    assert table["Participants"].tolist() == [200, 0, 250, 160, 100, 90, 110, 95]
    assert set(table["Settings"]) == {"youth clubs"}


def test_referrals_are_in_quarter_order_with_a_total(tables):
    assert as_lists(tables["referrals"]) == {
        "Quarter": [*QUARTERS, "Total"],
        "Referrals": [40, 35, 50, 45, 170],
        "Discussed at Channel panel": [12, 10, 15, 11, 48],
        "Adopted as Channel cases": [4, 3, 6, 2, 15],
    }


def test_every_declared_table_is_assembled(tables):
    assert list(tables) == [t.name for t in DECLARATION.tables]


def test_headline(tables):
    assert DECLARATION.headline(tables, CTX) == [
        ("Self-assessment: meeting or better", "2 of 3"),
        ("  Exceeding", "1"),
        ("Self-assessment: lower than last year", "0"),
        ("Home Office rating: meeting or better", "2 of 3"),
        ("  Exceeding", "0"),
        ("Home Office rating: lower than last year", "1"),
        ("Funded projects", "2"),
        ("Workshops delivered", "50"),
        ("Participants", "1,005"),
        ("Referrals to Prevent", "170"),
        ("  Adopted as Channel cases", "15"),
    ]


# --- return-level suites -------------------------------------------------------------------------

def test_reconcile_gives_a_row_per_benchmark_project_quarter_and_quarter(tables):
    frames = DECLARATION.reconcile(tables, CTX)
    assert as_lists(frames["benchmark-coverage"]) == {
        "benchmark": ["Partnership plan", "Channel panel", "Training programme"],
        "self_assessment_last_year": ["Meeting", "Meeting", "Not rated"],
        "self_assessment_this_year": ["Exceeding", "Meeting", "Not yet meeting"],
        "evidence_items_in_year": [2, 1, 0],
        "rated": [1, 1, 1],
        "evidence_items_for_rating": [2, 1, None],
        "change_since_last_year": [1, 0, None],
    }
    assert frames["project-quarters"]["project_quarter"].tolist()[:2] == [
        "Youth Voices 2025-Q1", "Youth Voices 2025-Q2"]
    assert frames["project-quarters"]["reported"].tolist() == [1] * 8
    assert as_lists(frames["referral-quarters"]) == {"quarter": QUARTERS, "given": [1] * 4}
    assert as_lists(frames["channel-year"]) == {
        "year": ["2025/26"], "discussed_at_panel": [48], "adopted_as_channel_cases": [15],
        "discussed_not_adopted": [33]}


def test_consistent_figures_pass_every_return_rule(tables):
    checks = check_figures(DECLARATION.id, DECLARATION.reconcile(tables, CTX))
    assert {c.code: c.severity for c in checks} == {
        "PREV-R01": "error", "PREV-R02": "query", "PREV-R03": "query", "PREV-R04": "error",
        "PREV-R05": "error", "PREV-R06": "query"}
    assert [c.code for c in checks if not c.success] == []


def test_a_benchmark_not_rated_at_all_is_an_error_naming_it(assemble):
    tables = assemble(benchmark_ratings=[r for r in RATINGS
                                         if r["benchmark"] != "Training programme"])
    row = tables["benchmarks"].iloc[2]
    assert row.tolist() == ["Training programme", "Not rated", "Not rated", "[x]", "[x]", "[x]",
                            "[x]", 0]
    failed = failed_return_checks(tables)
    assert list(failed) == ["PREV-R01"]
    found = failed["PREV-R01"]
    assert (found.severity, found.unexpected_count) == ("error", 1)
    assert found.location == ("benchmark-coverage, benchmark Training programme, "
                              "self_assessment_this_year")
    assert found.sample == "Not rated"
    assert found.message == ("Every benchmark is self-assessed for the year: this benchmark is "
                             "not rated at all.")


def test_a_rating_of_meeting_without_evidence_from_the_year_is_a_query(assemble):
    tables = assemble(benchmark_evidence=[e for e in EVIDENCE
                                          if e["evidence_date"] != "2025-04-01"])
    assert tables["benchmarks"]["Evidence items in year"].tolist() == [2, 0, 0]
    failed = failed_return_checks(tables)
    assert list(failed) == ["PREV-R02"]
    found = failed["PREV-R02"]
    assert found.severity == "query"
    assert found.location == ("benchmark-coverage, benchmark Channel panel, "
                              "self_assessment_this_year, evidence_items_in_year")
    assert found.sample == "Meeting / 0"


def test_a_self_assessment_lower_than_last_year_is_a_query(assemble):
    fell = [r if (r["year"], r["benchmark"]) != ("2024/25", "Channel panel")
            else {**r, "self_assessment": "Exceeding"} for r in RATINGS]
    tables = assemble(benchmark_ratings=fell)
    assert tables["benchmarks"]["Self-assessment change"].tolist() == ["up", "down", "new"]
    assert as_lists(tables["rating_changes"])["Self-assessment last year"] == [0, 1, 1, 2]
    assert ("Self-assessment: lower than last year", "1") in DECLARATION.headline(tables, CTX)
    failed = failed_return_checks(tables)
    assert list(failed) == ["PREV-R03"]
    found = failed["PREV-R03"]
    assert found.severity == "query"
    assert found.location == ("benchmark-coverage, benchmark Channel panel, "
                              "self_assessment_last_year, self_assessment_this_year")
    assert found.sample == "Exceeding / Meeting"


def test_a_home_office_rating_lower_than_last_year_is_reported_not_queried(tables):
    """The Home Office's fall is its assessment, not a figure of the register to explain."""
    assert tables["benchmarks"]["Home Office rating change"].tolist()[1] == "down"
    assert failed_return_checks(tables) == {}


def test_a_project_missing_a_quarter_is_an_error_naming_project_and_quarter(assemble):
    tables = assemble(project_monitoring=[m for m in MONITORING
                                          if (m["project"], m["quarter"])
                                          != ("online-harms", "2025-Q3")])
    assert as_lists(tables["projects"])["Quarters reported"] == [4, 3, 7]
    assert as_lists(tables["projects"])["Workshops"] == [30, 15, 45]
    assert as_lists(tables["project_quarters"])["Workshops"][6] is None
    failed = failed_return_checks(tables)
    assert list(failed) == ["PREV-R04"]
    found = failed["PREV-R04"]
    assert (found.severity, found.unexpected_count) == ("error", 1)
    assert found.location == "project-quarters, project_quarter Online Harms 2025-Q3, reported"


def _with_quarter(quarter: str, **figures: str) -> list[dict]:
    return [{**r, **figures} if r["quarter"] == quarter else r for r in REFERRALS]


def test_channel_cases_discussed_and_adopted_in_later_quarters_than_referred_pass(assemble):
    """The panel discusses earlier quarters' referrals and adopts cases it discussed then:
    a quarter is not compared with itself."""
    tables = assemble(referrals=_with_quarter("2025-Q4", referrals="8", discussed_at_panel="9",
                                              adopted_as_channel_cases="10"))
    assert as_lists(tables["referrals"]) == {
        "Quarter": [*QUARTERS, "Total"],
        "Referrals": [40, 35, 50, 8, 133],
        "Discussed at Channel panel": [12, 10, 15, 9, 46],
        "Adopted as Channel cases": [4, 3, 6, 10, 23],
    }
    assert failed_return_checks(tables) == {}


def test_more_cases_adopted_than_discussed_over_the_year_is_a_query(assemble):
    tables = assemble(referrals=_with_quarter("2025-Q3", adopted_as_channel_cases="40"))
    assert as_lists(tables["referrals"])["Adopted as Channel cases"] == [4, 3, 40, 2, 49]
    failed = failed_return_checks(tables)
    assert list(failed) == ["PREV-R06"]
    found = failed["PREV-R06"]
    assert (found.severity, found.unexpected_count) == ("query", 1)
    assert found.location == ("channel-year, year 2025/26, discussed_at_panel, "
                              "adopted_as_channel_cases")
    assert found.sample == "48 / 49"


def test_a_quarter_without_referral_figures_is_an_error_not_a_zero(assemble):
    tables = assemble(referrals=[r for r in REFERRALS if r["quarter"] != "2025-Q2"])
    assert as_lists(tables["referrals"])["Referrals"] == [40, None, 50, 45, 135]
    failed = failed_return_checks(tables)
    assert list(failed) == ["PREV-R05"]
    assert failed["PREV-R05"].location == "referral-quarters, quarter 2025-Q2, given"


# --- configuration -----------------------------------------------------------------------------

def test_the_scale_and_evidence_rating_are_read_in_any_case():
    assert CTX.config.rating_scale == ["not yet meeting", "meeting", "exceeding"]
    assert CTX.config.evidence_from == "meeting"
    assert [p.name for p in CTX.config.funded("2024/25")] == ["Youth Voices", "Theatre Tour"]


BAD_SETTINGS = {
    "evidence rating off the scale": ({"evidence_from": "good"}, "not on the rating scale"),
    "a rating twice": ({"rating_scale": ["meeting", "Meeting"]}, "rating named more than once"),
    "a benchmark twice": ({"benchmarks": [{"id": "plan", "name": "Partnership plan"},
                                          {"id": "partnership-plan", "name": "Plan B"}]},
                          "benchmark named more than once: partnership plan"),
    "a funded year badly written": (
        {"projects": [{"id": "p", "name": "P", "funded": ["2025-26"]}]},
        "funded years must be written like 2025/26, not 2025-26"),
}


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_bad_settings_are_refused(case):
    changes, message = BAD_SETTINGS[case]
    with pytest.raises(ValidationError, match=message):
        Benchmarks.model_validate({**SETTINGS, **changes})
