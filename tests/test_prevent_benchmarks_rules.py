"""The Prevent benchmarks source suites (PREV-001..029, 032) over small files, read as a file
would be: each rule's severity, and for each error the wrong figure it keeps from the return.

The row builders here are shared with the return's assembly tests.
"""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import by_code, failed_codes

from flows.prevent_benchmarks import DECLARATION
from statreturns import authorities, quality
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.quality import Check
from tasks.read import read_source
from tasks.validate import load_suite, run_suite, spreadsheet_locator, suite_path

SOURCES = {s.name: s for s in DECLARATION.sources}
DEFAULTS = {
    "benchmark-ratings": {"authority": "Demo City Council", "year": "2025/26",
                          "benchmark": "Channel panel", "self_assessment": "Exceeding",
                          "home_office_rating": "Exceeding", "owner": "Channel Panel Chair",
                          "narrative": "Embedded and reviewed."},
    "benchmark-evidence": {"year": "2025/26", "benchmark": "Channel panel",
                           "evidence_date": "2025-06-12", "document_reference": "PRV/2025/001",
                           "description": "Channel panel minutes"},
    "project-monitoring": {"project": "Youth Voices Debate Programme", "quarter": "2025-Q1",
                           "workshops": "10", "participants": "180", "settings": "youth clubs",
                           "themes": "misogyny"},
    "referrals": {"quarter": "2025-Q1", "referrals": "40", "discussed_at_panel": "12",
                  "adopted_as_channel_cases": "4"},
}
CODES = {"benchmark-ratings": [*range(1, 9), 32], "benchmark-evidence": range(9, 16),
         "project-monitoring": range(16, 25), "referrals": range(25, 30)}
QUERIES = {7, 8, 13, 14, 15, 16, 17, 18, 19, 20, 24, 25, 26}
"""The rules whose failure leaves no figure wrong. A monitoring or referral row that cannot
be placed in a quarter of the year (16-20, 25, 26) is left out: rightly, or a return rule
blocks the quarter it leaves unreported (PREV-R04, R05)."""
SEVERITY = {f"PREV-{n:03d}": "query" if n in QUERIES else "error"
            for codes in CODES.values() for n in codes}


def rating(**values) -> dict:
    return {**DEFAULTS["benchmark-ratings"], **values}


def evidence(**values) -> dict:
    return {**DEFAULTS["benchmark-evidence"], **values}


def monitoring(**values) -> dict:
    return {**DEFAULTS["project-monitoring"], **values}


def referral(**values) -> dict:
    return {**DEFAULTS["referrals"], **values}


def write(path: Path, source: str, rows: list[dict]) -> Path:
    """A file of these rows (as text) for the source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=list(DEFAULTS[source])).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def prevent_ctx() -> Context:
    return Context("demo", parse_period("2025/26"), authorities.load_config(DECLARATION, "demo"))


@pytest.fixture
def validate(tmp_path, prevent_ctx):
    """(source, rows) -> {code: Check}, through the file, the reader and derive()."""

    def run(source_name: str, *rows: dict) -> dict[str, Check]:
        source = SOURCES[source_name]
        name = f"{source_name}.csv"
        loaded = read_source(write(tmp_path / name, source_name, list(rows)), source)
        assert [c.code for c in loaded.checks if not c.success] == []
        checks = run_suite(source.derive(loaded.frame, prevent_ctx),
                           load_suite(suite_path(DECLARATION.id, source.suite)),
                           source.parameters(prevent_ctx),
                           locate=spreadsheet_locator(name, loaded.letters))
        return by_code(checks)

    return run



# --- the suites, and good files ------------------------------------------------------------

@pytest.mark.parametrize("source", list(CODES))
def test_each_suite_has_its_rules_with_their_severities(source):
    suite = load_suite(suite_path(DECLARATION.id, source))
    assert {e.meta["code"]: e.meta["severity"] for e in suite.expectations} == {
        f"PREV-{n:03d}": SEVERITY[f"PREV-{n:03d}"] for n in CODES[source]}


def test_each_error_says_the_wrong_figure_it_keeps_from_the_return_and_no_query_does():
    suites = sorted(suite_path(DECLARATION.id, "benchmark-ratings").parent.glob("*.json"))
    assert len(suites) == 8
    for path in suites:
        for rule in json.loads(path.read_text())["expectations"]:
            meta = rule["meta"]
            because = meta.get("blocks_because", "")
            if meta["severity"] == "error":
                assert because.endswith(".") and " would " in because, meta["code"]
                assert because.count(". ") == 0, meta["code"]  # one sentence
            else:
                assert because == "", meta["code"]


GOOD = {
    "benchmark-ratings": [
        rating(),
        rating(benchmark="training", self_assessment="MEETING",  # an id, and any case
               home_office_rating="exceeding"),
        rating(benchmark="  Referral   pathway ", self_assessment="not  yet meeting",
               home_office_rating="Not Yet  Meeting"),
        rating(year="2024/25"),  # last year's rating of the same benchmark
        # not yet assessed by the Home Office: blank, or a symbol for not available
        rating(benchmark="Partnership plan", home_office_rating=""),
        rating(benchmark="Training programme", year="2024/25", home_office_rating="[x]"),
        rating(benchmark="Referral pathway", year="2024/25", home_office_rating=".."),
    ],
    "benchmark-evidence": [
        evidence(),
        evidence(benchmark="channel-panel", evidence_date="01/04/2025"),
        evidence(evidence_date="2026-03-31"),  # the year's last day
        evidence(year="2024/25", evidence_date="2025-03-31"),
    ],
    "project-monitoring": [
        monitoring(),
        monitoring(project="youth-voices", quarter="2025-q2"),
        monitoring(quarter="2025-Q3", workshops="0", participants="0"),
        monitoring(quarter="2025-Q4", workshops="12", participants="12"),
    ],
    "referrals": [
        referral(),
        referral(quarter="2025-q2", referrals="0", discussed_at_panel="0",
                 adopted_as_channel_cases="0"),
        referral(quarter="2025-Q3", referrals="9", discussed_at_panel="9",
                 adopted_as_channel_cases="9"),
        # the panel discusses earlier quarters' referrals, and adopts cases it discussed then
        referral(quarter="2025-Q4", referrals="3", discussed_at_panel="7",
                 adopted_as_channel_cases="8"),
    ],
}


@pytest.mark.parametrize("source", list(GOOD))
def test_a_good_file_passes_every_rule(validate, source):
    checks = validate(source, *GOOD[source])
    assert sorted(checks) == [f"PREV-{n:03d}" for n in CODES[source]]
    assert failed_codes(checks) == set()
    assert all(c.location == "" and c.sample == "" for c in checks.values())
    assert quality.verdict(list(checks.values())) == "pass"


# --- each rule broken ------------------------------------------------------------------------

BROKEN = {  # case: (source, rows, code, location, sample)
    "year not a financial year": (
        "benchmark-ratings", [rating(), rating(year="2025/27", benchmark="Training programme")],
        "PREV-001", "benchmark-ratings.csv, column B (year), row 3", "2025/27"),
    "year blank": (
        "benchmark-ratings", [rating(year="")],
        "PREV-001", "benchmark-ratings.csv, column B (year), row 2", "(blank)"),
    "benchmark blank": (
        "benchmark-ratings", [rating(benchmark="")],
        "PREV-002", "benchmark-ratings.csv, column C (benchmark), row 2", ""),
    "benchmark unknown": (
        "benchmark-ratings", [rating(benchmark="Safer streets")],
        "PREV-003", "benchmark-ratings.csv, column C (benchmark), row 2", "Safer streets"),
    "self-assessment blank": (
        "benchmark-ratings", [rating(self_assessment="")],
        "PREV-004", "benchmark-ratings.csv, column D (self_assessment), row 2", ""),
    "self-assessment not on the scale": (
        "benchmark-ratings", [rating(self_assessment="Good")],
        "PREV-005", "benchmark-ratings.csv, column D (self_assessment), row 2", "good"),
    "benchmark named twice": (
        "benchmark-ratings", [rating(), rating(benchmark="Training programme"),
                              rating(benchmark="channel-panel", self_assessment="Meeting")],
        "PREV-006", "benchmark-ratings.csv, column B (year), C (benchmark), rows 2, 4",
        "2025/26 / Channel panel"),
    "owner blank": (
        "benchmark-ratings", [rating(owner="")],
        "PREV-007", "benchmark-ratings.csv, column F (owner), row 2", ""),
    "narrative blank": (
        "benchmark-ratings", [rating(narrative="")],
        "PREV-008", "benchmark-ratings.csv, column G (narrative), row 2", ""),
    "Home Office rating not on the scale": (
        "benchmark-ratings", [rating(), rating(year="2024/25",
                                               home_office_rating="Not yet assessed")],
        "PREV-032", "benchmark-ratings.csv, column E (home_office_rating), row 3",
        "not yet assessed"),
    "evidence year not a financial year": (
        "benchmark-evidence", [evidence(year="2025")],
        "PREV-009", "benchmark-evidence.csv, column A (year), row 2", "2025"),
    "evidence benchmark blank": (
        "benchmark-evidence", [evidence(benchmark="")],
        "PREV-010", "benchmark-evidence.csv, column B (benchmark), row 2", ""),
    "evidence benchmark unknown": (
        "benchmark-evidence", [evidence(benchmark="Channel")],
        "PREV-011", "benchmark-evidence.csv, column B (benchmark), row 2", "Channel"),
    "evidence undated": (
        "benchmark-evidence", [evidence(evidence_date="")],
        "PREV-012", "benchmark-evidence.csv, column C (evidence_date), row 2", ""),
    "evidence dated after the year": (
        "benchmark-evidence", [evidence(year="2026/27", evidence_date="2026-04-01")],
        "PREV-013", "benchmark-evidence.csv, column C (evidence_date), row 2", "2026-04-01"),
    "evidence dated outside its year": (
        "benchmark-evidence", [evidence(), evidence(evidence_date="2025-03-31")],
        "PREV-014", "benchmark-evidence.csv, column A (year), C (evidence_date), row 3",
        "2025/26 / 2025-03-31"),
    "document reference blank": (
        "benchmark-evidence", [evidence(document_reference="")],
        "PREV-015", "benchmark-evidence.csv, column D (document_reference), row 2", ""),
    "project blank": (
        "project-monitoring", [monitoring(project="")],
        "PREV-016", "project-monitoring.csv, column A (project), row 2", ""),
    "project unknown": (
        "project-monitoring", [monitoring(project="Knife crime talks")],
        "PREV-017", "project-monitoring.csv, column A (project), row 2", "Knife crime talks"),
    "project not funded this year": (
        "project-monitoring", [monitoring(project="community-theatre")],
        "PREV-018", "project-monitoring.csv, column A (project), row 2",
        "Community Theatre Tour"),
    "quarter blank": (
        "project-monitoring", [monitoring(quarter="")],
        "PREV-019", "project-monitoring.csv, column B (quarter), row 2", ""),
    "quarter of another year": (
        "project-monitoring", [monitoring(quarter="2026-Q1")],
        "PREV-020", "project-monitoring.csv, column B (quarter), row 2", "2026-Q1"),
    "quarter written as a month": (
        "project-monitoring", [monitoring(quarter="June 2025")],
        "PREV-020", "project-monitoring.csv, column B (quarter), row 2", "JUNE 2025"),
    "project reporting twice in a quarter": (
        "project-monitoring", [monitoring(), monitoring(project="youth voices debate programme")],
        "PREV-021", "project-monitoring.csv, column A (project), B (quarter), rows 2, 3",
        "Youth Voices Debate Programme / 2025-Q1"),
    "participants blank": (
        "project-monitoring", [monitoring(participants="")],
        "PREV-022", "project-monitoring.csv, column C (workshops), D (participants), row 2",
        "10 / (blank)"),
    "workshops negative": (
        "project-monitoring", [monitoring(workshops="-2")],
        "PREV-023", "project-monitoring.csv, column C (workshops), D (participants), row 2",
        "-2 / 180"),
    "fewer participants than workshops": (
        "project-monitoring", [monitoring(workshops="12", participants="11")],
        "PREV-024", "project-monitoring.csv, column C (workshops), D (participants), row 2",
        "12 / 11"),
    "referral quarter blank": (
        "referrals", [referral(quarter="")],
        "PREV-025", "referrals.csv, column A (quarter), row 2", ""),
    "referral quarter of another year": (
        "referrals", [referral(quarter="2024-Q4")],
        "PREV-026", "referrals.csv, column A (quarter), row 2", "2024-Q4"),
    "referral quarter given twice": (
        "referrals", [referral(), referral(quarter="2025-q1")],
        "PREV-027", "referrals.csv, column A (quarter), rows 2, 3", "2025-Q1"),
    "referral figure blank": (
        "referrals", [referral(discussed_at_panel="")],
        "PREV-028", "referrals.csv, column B (referrals), C (discussed_at_panel), "
                    "D (adopted_as_channel_cases), row 2", "40 / (blank) / 4"),
    "referral figure negative": (
        "referrals", [referral(adopted_as_channel_cases="-1")],
        "PREV-029", "referrals.csv, column B (referrals), C (discussed_at_panel), "
                    "D (adopted_as_channel_cases), row 2", "40 / 12 / -1"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_rule_fails_alone_where_the_file_breaks_it(validate, case):
    source, rows, code, location, sample = BROKEN[case]
    checks = validate(source, *rows)
    assert failed_codes(checks) == {code}
    found = checks[code]
    assert found.severity == SEVERITY[code]
    assert found.location == location
    assert found.sample == sample
    assert quality.verdict(list(checks.values())) == (
        "blocked" if SEVERITY[code] == "error" else "queries")


def test_every_rule_has_a_case_that_breaks_it():
    assert {case[2] for case in BROKEN.values()} == set(SEVERITY)


# --- rules that must not fire --------------------------------------------------------------------

def test_a_benchmark_rated_in_two_years_is_not_named_twice(validate):
    checks = validate("benchmark-ratings", rating(year="2024/25"), rating(year="2025/26"),
                      rating(year="2023/24", benchmark="channel panel"))
    assert failed_codes(checks) == set()


def test_a_benchmark_named_twice_is_an_error_naming_it(validate):
    checks = validate("benchmark-ratings", rating(benchmark="Partnership plan"),
                      rating(benchmark="PARTNERSHIP-PLAN", self_assessment="Meeting"))
    found = checks["PREV-006"]
    assert (found.severity, found.unexpected_count) == ("error", 2)
    assert found.sample == "2025/26 / Partnership plan"
    assert found.message.startswith("Each benchmark is rated once a year")


def test_blank_benchmarks_are_not_counted_as_named_twice(validate):
    checks = validate("benchmark-ratings", rating(benchmark=""), rating(benchmark=""))
    assert failed_codes(checks) == {"PREV-002"}


def test_participants_are_not_compared_where_no_workshop_was_held(validate):
    checks = validate("project-monitoring", monitoring(workshops="0", participants="0"),
                      monitoring(quarter="2025-Q2", workshops="", participants="3"))
    assert failed_codes(checks) == {"PREV-022"}


def test_evidence_of_an_earlier_year_dated_in_it_passes(validate):
    checks = validate("benchmark-evidence", evidence(year="2023/24", evidence_date="2024-02-01"))
    assert failed_codes(checks) == set()
