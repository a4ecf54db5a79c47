"""The savings tracker's rules (SAV-001..024 on the sources, SAV-R01..08 on the return),
each over small files read as the flow reads them."""

from pathlib import Path

import pandas as pd
import pytest
from conftest import by_code, failed_codes, rules_by_suite

from flows.savings_tracker import DECLARATION
from statreturns import authorities, quality
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.quality import Check
from tasks.collect import collect, files_in
from tasks.validate import check_figures, check_source

PERIOD = "2026-10"
REGISTER_HEADER = ["reference", "financial_year", "directorate", "description",
                   "target_gbp_k", "owner"]
STATUS_HEADER = ["reference", "directorate", "month", "status", "forecast_gbp_k",
                 "commentary", "mitigation"]
SEVERITY = {f"SAV-{n:03d}": "error" for n in range(1, 25)} | {
    code: "query" for code in ("SAV-007", "SAV-010", "SAV-022", "SAV-023", "SAV-024")} | {
    f"SAV-R{n:02d}": "error" for n in range(1, 9)}
SUITES = {"savings-register": range(1, 11), "status-submissions": range(11, 25)}


def saving(reference: str, directorate: str, target: object, description: str = "A saving",
           **values) -> dict:
    """One register row (as text, as a file holds it); override any column."""
    return {"reference": reference, "financial_year": "2026/27", "directorate": directorate,
            "description": description, "target_gbp_k": str(target),
            "owner": "Director of Finance", **values}


def status(reference: str, directorate: str, month: str, words: str, forecast: object,
           commentary: str = "", mitigation: str = "") -> dict:
    return {"reference": reference, "directorate": directorate, "month": month,
            "status": words, "forecast_gbp_k": str(forecast), "commentary": commentary,
            "mitigation": mitigation}


REGISTER = [
    saving("ADU-001", "Adults", 500, "Reablement"),
    saving("ADU-002", "Adults", 300, "Care packages"),
    saving("CHI-001", "Children", 400, "Fostering"),
    saving("CHI-002", "Children", 200, "Transport"),
]
SUBMISSIONS = {
    "adults": [  # rows 2-5
        status("ADU-001", "Adults", "2026-09", "On track", 500),
        status("ADU-002", "Adults", "2026-09", "At risk", 200, "Demand is up.", "Vacancy freeze"),
        status("ADU-001", "Adults", "2026-10", "On track", 500),
        status("ADU-002", "Adults", "2026-10", "At risk", 200, "Demand is up.", "Vacancy freeze"),
    ],
    "children": [  # rows 2-5
        status("CHI-001", "Children", "2026-09", "Delayed", 150, "Slipped.", "Contingency"),
        status("CHI-002", "Children", "2026-09", "At risk", 150, "Demand is up.", "Grant"),
        status("CHI-001", "Children", "2026-10", "Undeliverable", 0, "Withdrawn.", "Reserves"),
        status("CHI-002", "Children", "2026-10", "On track", 200, "Back on track.", ""),
    ],
}


@pytest.fixture(scope="session")
def tracker() -> Context:
    """The demo authority's savings tracker settings, for October 2026 (month 7)."""
    return Context("demo", parse_period(PERIOD), authorities.load_config(DECLARATION, "demo"))


def write_inputs(folder: Path, register: list[dict],
                 submissions: dict[str, list[dict]]) -> tuple[Path, Path]:
    """The register file and the folder of directorates' files."""
    (folder / "status-submissions").mkdir(parents=True, exist_ok=True)
    register_path = folder / "savings-register.csv"
    pd.DataFrame(register, columns=REGISTER_HEADER).to_csv(register_path, index=False)
    for name, rows in submissions.items():
        pd.DataFrame(rows, columns=STATUS_HEADER).to_csv(
            folder / "status-submissions" / f"{name}.csv", index=False)
    return register_path, folder / "status-submissions"


def gather(folder: Path, ctx: Context, register: list[dict],
           submissions: dict[str, list[dict]]) -> tuple[list[Check], dict | None]:
    """The checks and tables as the flow makes them: the sources' suites, then (unless an
    error blocks) the assembly and the return's suites."""
    register_path, submissions_folder = write_inputs(folder, register, submissions)
    paths = {"savings-register": [register_path],
             "status-submissions": files_in(submissions_folder)}
    checks, frames = [], {}
    for source in DECLARATION.sources:
        got = collect.fn(source, paths[source.name], folder / "archive", ctx)
        assert [c.code for c in got.checks if not c.success] == []
        checks += check_source(DECLARATION.id, got, ctx)
        frames[source.name] = got.frame
    if quality.verdict(checks) == "blocked":
        return checks, None
    tables = DECLARATION.assemble(frames, ctx)
    return checks + check_figures(DECLARATION.id, DECLARATION.reconcile(tables, ctx)), tables


@pytest.fixture
def validate(tmp_path, tracker):
    """Register rows and directorates' rows -> {code: Check}."""

    def run(register: list[dict] = REGISTER,
            submissions: dict[str, list[dict]] = SUBMISSIONS) -> dict[str, Check]:
        checks, _ = gather(tmp_path, tracker, register, submissions)
        return by_code(checks)

    return run



def changed(rows: list[dict], index: int, **values) -> list[dict]:
    """A copy of `rows` with one row's values changed."""
    return [{**row, **values} if i == index else row for i, row in enumerate(rows)]


def directorates(**files: list[dict]) -> dict[str, list[dict]]:
    return {**SUBMISSIONS, **files}


# --- the suites ----------------------------------------------------------------------------


def test_the_suites_have_their_rules_with_their_severities():
    severity, suites = rules_by_suite(DECLARATION.id)
    assert severity == SEVERITY
    for name, numbers in SUITES.items():
        assert suites[name] == [f"SAV-{n:03d}" for n in numbers]


def test_good_files_pass_every_rule(validate):
    checks = validate()
    assert set(checks) == set(SEVERITY)
    assert failed_codes(checks) == set()
    assert all(c.location == "" and c.sample == "" for c in checks.values())
    assert quality.verdict(list(checks.values())) == "pass"


# --- the register ----------------------------------------------------------------------------


def test_a_saving_without_a_reference(validate):
    checks = validate(changed(REGISTER, 1, reference=""))
    assert failed_codes(checks) == {"SAV-001"}
    assert checks["SAV-001"].location == "savings-register.csv, column A (reference), row 3"


def test_a_reference_twice_in_the_register_names_both_rows(validate):
    checks = validate(REGISTER + [saving("ADU-001", "Place", 100)])
    assert failed_codes(checks) == {"SAV-002"}
    found = checks["SAV-002"]
    assert found.severity == "error" and found.unexpected_count == 2
    assert found.location == "savings-register.csv, column A (reference), rows 2, 6"
    assert found.sample == "ADU-001"


@pytest.mark.parametrize(("year", "code"), [("", "SAV-003"), ("2025/26", "SAV-004")])
def test_a_saving_of_another_year(validate, year, code):
    checks = validate(changed(REGISTER, 2, financial_year=year))
    assert failed_codes(checks) == {code}
    assert checks[code].location == "savings-register.csv, column B (financial_year), row 4"


def test_the_year_may_be_written_with_a_dash(validate):
    assert failed_codes(validate(changed(REGISTER, 0, financial_year="2026-27"))) == set()


@pytest.mark.parametrize(("directorate", "code"), [("", "SAV-005"), ("Housing", "SAV-006")])
def test_a_saving_owned_by_no_configured_directorate(validate, directorate, code):
    checks = validate(changed(REGISTER, 3, directorate=directorate))
    assert failed_codes(checks) == {code}
    assert checks[code].severity == "error"
    assert checks[code].location == "savings-register.csv, column C (directorate), row 5"


def test_directorates_may_be_written_by_id_or_name_in_any_case(validate):
    register = changed(changed(REGISTER, 0, directorate="adults"), 2, directorate="CHILDREN")
    adults = changed(SUBMISSIONS["adults"], 3, directorate="ADULTS")
    assert failed_codes(validate(register, directorates(adults=adults))) == set()


@pytest.mark.parametrize(("column", "value", "code", "severity", "letter"), [
    ("description", "", "SAV-007", "query", "D"),
    ("target_gbp_k", "", "SAV-008", "error", "E"),
    ("target_gbp_k", "0", "SAV-009", "error", "E"),
    ("owner", "", "SAV-010", "query", "F"),
])
def test_register_values(validate, column, value, code, severity, letter):
    checks = validate(changed(REGISTER, 1, **{column: value}))
    assert failed_codes(checks) == {code}
    assert checks[code].severity == severity
    assert checks[code].location == f"savings-register.csv, column {letter} ({column}), row 3"


# --- the submissions -------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "value", "code", "letter", "rows"), [
    ("reference", "", "SAV-011", "A", [0]),
    ("directorate", "", "SAV-012", "B", [0]),
    ("directorate", "Housing", "SAV-013", "B", [0]),
    ("month", "Sept 2026", "SAV-014", "C", [0]),
    ("status", "", "SAV-016", "D", [0]),
    ("status", "complete", "SAV-017", "D", [0]),
    ("forecast_gbp_k", "", "SAV-018", "E", [0]),
    ("forecast_gbp_k", "-5", "SAV-019", "E", [0, 2]),  # the same each month: no change
])
def test_submission_values(validate, column, value, code, letter, rows):
    adults = SUBMISSIONS["adults"]
    for i in rows:
        adults = changed(adults, i, **{column: value})
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {code}
    assert checks[code].severity == "error"
    where = "row 2" if rows == [0] else "rows 2, 4"
    assert checks[code].location == f"adults.csv, column {letter} ({column}), {where}"


@pytest.mark.parametrize("month", ["2026-03", "2026-11"])
def test_a_month_outside_the_year_so_far(validate, month):
    late = status("ADU-001", "Adults", month, "On track", 500)
    checks = validate(submissions=directorates(adults=SUBMISSIONS["adults"] + [late]))
    assert failed_codes(checks) == {"SAV-015"}
    assert checks["SAV-015"].location == "adults.csv, column C (month), row 6"
    assert checks["SAV-015"].sample == month


def test_statuses_are_read_in_any_case(validate):
    adults = changed(changed(SUBMISSIONS["adults"], 2, status="ON TRACK"), 3, status="at-Risk")
    assert failed_codes(validate(submissions=directorates(adults=adults))) == set()


def test_two_statuses_for_one_saving_in_one_month(validate):
    again = status("ADU-002", "Adults", "2026-10", "Delayed", 100, "Slipped.", "Reserves")
    checks = validate(submissions=directorates(adults=SUBMISSIONS["adults"] + [again]))
    assert failed_codes(checks) == {"SAV-020"}
    found = checks["SAV-020"]
    assert found.severity == "error" and found.unexpected_count == 2
    assert found.location == "adults.csv, column A (reference), C (month), rows 5, 6"
    assert found.sample == "ADU-002 / 2026-10"


def test_a_reference_in_two_directorates_files(validate):
    adults = SUBMISSIONS["adults"][1:]  # ADU-001's September row is in the children's file
    children = SUBMISSIONS["children"] + [status("ADU-001", "Adults", "2026-09", "On track", 500)]
    checks = validate(submissions=directorates(adults=adults, children=children))
    assert failed_codes(checks) == {"SAV-021"}
    found = checks["SAV-021"]
    assert found.severity == "error" and found.unexpected_count == 2
    assert found.location == ("adults.csv, column A (reference), B (directorate), row 3; "
                              "children.csv, column A (reference), B (directorate), row 6")
    assert found.sample == "ADU-001 / adults"


def test_a_reference_naming_two_directorates_in_one_file(validate):
    adults = changed(SUBMISSIONS["adults"], 2, directorate="Place")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-021"}
    assert checks["SAV-021"].location == (
        "adults.csv, column A (reference), B (directorate), rows 2, 4")


# --- commentary and mitigation ---------------------------------------------------------------


def test_a_worse_status_without_a_mitigation_is_a_query(validate):
    adults = changed(SUBMISSIONS["adults"], 2, status="At risk", forecast_gbp_k="400",
                     commentary="Demand is up.")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-022"}
    found = checks["SAV-022"]
    assert found.severity == "query" and found.unexpected_count == 1
    assert found.location == ("adults.csv, column D (status), F (commentary), "
                              "G (mitigation), row 4")
    assert found.sample == "at risk / Demand is up. / (blank)"


def test_a_worse_status_in_an_earlier_month_is_not_asked_again(validate):
    adults = changed(SUBMISSIONS["adults"], 1, status="On track", forecast_gbp_k="300",
                     commentary="", mitigation="")  # so ADU-002 worsened in October...
    adults = changed(adults, 3, mitigation="")  # ...without a mitigation: asked
    assert failed_codes(validate(submissions=directorates(adults=adults))) == {"SAV-022"}
    september = [status("ADU-001", "Adults", "2026-08", "On track", 500)] + changed(changed(
        SUBMISSIONS["adults"], 0, status="At risk", forecast_gbp_k="400"), 2,
        commentary="Recovered.")
    # worse in September, not since: nothing to ask
    assert failed_codes(validate(submissions=directorates(adults=september))) == set()


def test_an_undeliverable_saving_without_commentary_is_a_query(validate):
    children = changed(SUBMISSIONS["children"], 0, status="Undeliverable", forecast_gbp_k="0",
                       commentary="Withdrawn.", mitigation="Reserves")
    children = changed(children, 2, commentary="")  # undeliverable last month too
    checks = validate(submissions=directorates(children=children))
    assert failed_codes(checks) == {"SAV-023"}
    found = checks["SAV-023"]
    assert found.severity == "query"
    assert found.location == ("children.csv, column D (status), F (commentary), "
                              "G (mitigation), row 4")


def test_a_worse_status_to_undeliverable_without_mitigation_raises_both(validate):
    children = changed(SUBMISSIONS["children"], 2, mitigation="")  # delayed -> undeliverable
    checks = validate(submissions=directorates(children=children))
    assert failed_codes(checks) == {"SAV-022", "SAV-023"}


def test_a_changed_forecast_without_commentary_is_a_query(validate):
    adults = changed(SUBMISSIONS["adults"], 3, forecast_gbp_k="150", commentary="")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-024"}
    found = checks["SAV-024"]
    assert found.location == ("adults.csv, column D (status), E (forecast_gbp_k), "
                              "F (commentary), row 5")
    assert found.sample == "at risk / 150.0 / (blank)"


# --- the submissions against the register (return-level) -------------------------------------


def test_a_saving_not_in_the_register(validate):
    stray = status("ADU-009", "Adults", "2026-10", "On track", 50)
    checks = validate(submissions=directorates(adults=SUBMISSIONS["adults"] + [stray]))
    assert failed_codes(checks) == {"SAV-R01"}
    found = checks["SAV-R01"]
    assert found.severity == "error" and found.suite == "against-register"
    assert found.location == "against-register, submission adults.csv row 6, reference"
    assert found.sample == "ADU-009"


def test_a_saving_reported_by_another_directorate_than_the_register(validate):
    children = [{**row, "directorate": "Adults"} if row["reference"] == "CHI-002" else row
                for row in SUBMISSIONS["children"]]
    checks = validate(submissions=directorates(children=children))
    assert failed_codes(checks) == {"SAV-R02"}
    found = checks["SAV-R02"]
    assert found.severity == "error" and found.unexpected_count == 2
    assert found.location == ("against-register, submission children.csv row 3, "
                              "children.csv row 5, reference, directorate, register_directorate")
    assert found.sample == "CHI-002 / Adults / Children"


def test_a_forecast_over_the_target(validate):
    adults = changed(SUBMISSIONS["adults"], 1, forecast_gbp_k="300.5")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-R03"}
    found = checks["SAV-R03"]
    assert found.severity == "error" and found.unexpected_count == 1
    assert found.location == ("against-register, submission adults.csv row 3, "
                              "reference, month, forecast_gbp_k, target_gbp_k")
    assert found.sample == "ADU-002 / 2026-09 / 300.5 / 300.0"


def test_a_forecast_equal_to_the_target_passes(validate):
    assert failed_codes(validate(submissions=directorates(adults=changed(SUBMISSIONS["adults"], 3,
                                                       forecast_gbp_k="300")))) == set()


def test_a_saving_without_a_status_this_month(validate):
    checks = validate(submissions=directorates(children=SUBMISSIONS["children"][:3]))
    assert failed_codes(checks) == {"SAV-R04"}
    found = checks["SAV-R04"]
    assert found.severity == "error" and found.unexpected_count == 1
    assert found.location == "statuses-this-month, reference CHI-002, status"


# --- the tables' sums and percentages (return-level) ------------------------------------------


@pytest.fixture
def tables(tmp_path, tracker) -> dict[str, pd.DataFrame]:
    checks, tables = gather(tmp_path, tracker, REGISTER, SUBMISSIONS)
    assert not [c for c in checks if not c.success]
    return tables


def figures(tables: dict, ctx: Context) -> dict[str, Check]:
    return {c.code: c for c in check_figures(DECLARATION.id, DECLARATION.reconcile(tables, ctx))}


def test_a_directorate_total_that_is_not_the_sum_of_its_statuses(tables, tracker):
    table = tables["by_directorate"]
    table.loc[table["Directorate"] == "Children", "Total"] += 1
    checks = figures(tables, tracker)
    assert failed_codes(checks) == {"SAV-R05", "SAV-R06"}
    assert checks["SAV-R05"].location == ("totals-by-directorate, directorate Children, "
                                          "total, sum_of_statuses")
    assert checks["SAV-R06"].location == ("totals-by-status, status Total, "
                                          "council_total, sum_of_directorates")


def test_a_summary_by_status_that_disagrees_with_the_table_by_directorate(tables, tracker):
    table = tables["by_status"]
    table.loc[table["Status"] == "Delayed", "Target (GBP k)"] = 0.001
    checks = figures(tables, tracker)
    assert failed_codes(checks) == {"SAV-R07"}
    assert checks["SAV-R07"].location == ("totals-by-status, status Delayed, "
                                          "council_total, by_status_table")


@pytest.mark.parametrize(("printed", "fails"), [("21.4", False), ("21.43", False),
                                                 ("21", False), ("21.47", True),
                                                 ("21.5", True), ("21.3", True)])
def test_percentages_recompute_at_the_places_each_shows(tables, tracker, printed, fails):
    table = tables["by_status"]
    at_risk = table["Status"] == "At risk"  # 300 of a target of 1,400: 21.43%
    assert table.loc[at_risk, "% of target"].item() == "21.4"
    table.loc[at_risk, "% of target"] = printed
    checks = figures(tables, tracker)
    assert failed_codes(checks) == ({"SAV-R08"} if fails else set())
    if fails:
        assert checks["SAV-R08"].location == ("totals-by-status, status At risk, "
                                                  "percent_as_printed")
