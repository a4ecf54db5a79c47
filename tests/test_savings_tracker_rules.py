"""The savings tracker's rules (SAV-001..028 on the sources, SAV-R01..14 on the return),
each over small files read as the flow reads them. Errors are kept for what would make a
published figure wrong; the cases real trackers hold (a saving carried forward, reversed,
over-delivered or moved between directorates) are accepted, some of them as queries."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import by_code, failed_codes, rules_by_suite

from flows.savings_tracker import DECLARATION
from statreturns import authorities, quality
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.quality import Check
from statreturns.settings import get_settings
from tasks.collect import collect, files_in
from tasks.validate import check_figures, check_source

PERIOD = "2026-10"
REGISTER_HEADER = ["reference", "financial_year", "directorate", "description",
                   "target_gbp_k", "owner"]
STATUS_HEADER = ["reference", "directorate", "month", "status", "forecast_gbp_k",
                 "delivered_gbp_k", "commentary", "mitigation", "mitigation_type"]
ERRORS = ["SAV-001", "SAV-002", "SAV-004", "SAV-005", "SAV-006", "SAV-008", "SAV-011",
          "SAV-014", "SAV-016", "SAV-017", "SAV-018", "SAV-020", "SAV-025", "SAV-026",
          "SAV-R04", "SAV-R05", "SAV-R06", "SAV-R07", "SAV-R08", "SAV-R10", "SAV-R11",
          "SAV-R12", "SAV-R13", "SAV-R14"]
QUERIES = ["SAV-003", "SAV-007", "SAV-009", "SAV-010", "SAV-012", "SAV-013", "SAV-015",
           "SAV-021", "SAV-022", "SAV-023", "SAV-024", "SAV-027", "SAV-028",
           "SAV-R01", "SAV-R02", "SAV-R03", "SAV-R09"]
SEVERITY = dict.fromkeys(ERRORS, "error") | dict.fromkeys(QUERIES, "query")
SUITES = {
    "savings-register": [f"SAV-{n:03d}" for n in range(1, 11)],
    "status-submissions": [f"SAV-{n:03d}" for n in [*range(11, 19), *range(20, 29)]],
    "against-register": ["SAV-R01", "SAV-R02", "SAV-R03", "SAV-R09"],
    "statuses-this-month": ["SAV-R04"],
    "totals-by-directorate": ["SAV-R05"],
    "totals-by-status": ["SAV-R06", "SAV-R07", "SAV-R08"],
    "delivery-by-directorate": ["SAV-R10", "SAV-R11", "SAV-R12"],
    "delivery-totals": ["SAV-R13", "SAV-R14"],
}


def saving(reference: str, directorate: str, target: object, description: str = "A saving",
           **values) -> dict:
    """One register row (as text, as a file holds it); override any column."""
    return {"reference": reference, "financial_year": "2026/27", "directorate": directorate,
            "description": description, "target_gbp_k": str(target),
            "owner": "Director of Finance", **values}


def status(reference: str, directorate: str, month: str, words: str, forecast: object,
           delivered: object = 0, commentary: str = "", mitigation: str = "",
           kind: str = "") -> dict:
    """One row of a directorate's submission: `kind` is the mitigation's type."""
    return {"reference": reference, "directorate": directorate, "month": month,
            "status": words, "forecast_gbp_k": str(forecast),
            "delivered_gbp_k": str(delivered), "commentary": commentary,
            "mitigation": mitigation, "mitigation_type": kind}


REGISTER = [  # rows 2-6
    saving("ADU-001", "Adults", 500, "Reablement"),
    saving("ADU-002", "Adults", 300, "Care packages"),
    saving("CHI-001", "Children", 400, "Fostering"),
    saving("CHI-002", "Children", 200, "Transport"),
    saving("PLA-001", "Place", 250, "Parking charges"),
]
SUBMISSIONS = {
    "adults": [  # rows 2-5
        status("ADU-001", "Adults", "2026-09", "On track", 500, 250),
        status("ADU-002", "Adults", "2026-09", "At risk", 200, 50, "Demand is up.",
               "Vacancy freeze", "One-off"),
        status("ADU-001", "Adults", "2026-10", "On track", 500, 300),
        status("ADU-002", "Adults", "2026-10", "At risk", 200, 60, "Demand is up.",
               "Vacancy freeze", "One-off"),
    ],
    "children": [  # rows 2-5
        status("CHI-001", "Children", "2026-09", "Delayed", 150, 0, "Slipped.", "Contingency",
               "one off"),
        status("CHI-002", "Children", "2026-09", "At risk", 150, 50, "Demand is up.", "Grant",
               "One-off"),
        status("CHI-001", "Children", "2026-10", "Undeliverable", 0, 0, "Withdrawn.",
               "Replacement saving", "Recurring"),
        status("CHI-002", "Children", "2026-10", "On track", 200, 100, "Back on track."),
    ],
    "place": [  # rows 2-3: delivered at 60% of its target, the rest replaced for good
        status("PLA-001", "Place", "2026-09", "On track", 250, 100),
        status("PLA-001", "Place", "2026-10", "Delivered", 150, 150, "Delivered in part.",
               "Car park income review", "RECURRING"),
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
    assert suites == SUITES


def test_every_error_says_what_wrong_figure_it_keeps_out_and_no_query_does():
    for path in sorted((get_settings().expectations / DECLARATION.id).glob("*.json")):
        for rule in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            meta = rule["meta"]
            because = meta.get("blocks_because", "")
            if meta["severity"] == "error":
                assert because.endswith(".") and len(because.split()) >= 8, meta["code"]
            else:
                assert because == "", meta["code"]


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
    assert found.location == "savings-register.csv, column A (reference), rows 2, 7"
    assert found.sample == "ADU-001"


@pytest.mark.parametrize(("year", "code", "severity"), [
    ("", "SAV-003", "query"), ("2027/28", "SAV-004", "error"),
    ("next year", "SAV-004", "error")])
def test_a_saving_of_no_year_or_a_later_one(validate, year, code, severity):
    checks = validate(changed(REGISTER, 2, financial_year=year))
    assert failed_codes(checks) == {code}
    assert checks[code].severity == severity
    assert checks[code].location == "savings-register.csv, column B (financial_year), row 4"


@pytest.mark.parametrize("year", ["2026-27", "2025/26", "2019-20"])
def test_this_year_or_an_earlier_one_carried_forward_is_accepted(validate, year):
    assert failed_codes(validate(changed(REGISTER, 0, financial_year=year))) == set()


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


@pytest.mark.parametrize(("row", "column", "value", "code", "severity", "letter"), [
    (1, "description", "", "SAV-007", "query", "D"),
    (1, "target_gbp_k", "", "SAV-008", "error", "E"),
    (2, "target_gbp_k", "0", "SAV-009", "query", "E"),  # CHI-001: nothing forecast
    (1, "owner", "", "SAV-010", "query", "F"),
])
def test_register_values(validate, row, column, value, code, severity, letter):
    checks = validate(changed(REGISTER, row, **{column: value}))
    assert failed_codes(checks) == {code}
    assert checks[code].severity == severity
    assert checks[code].location == (
        f"savings-register.csv, column {letter} ({column}), row {row + 2}")


REVERSAL = saving("PLA-002", "Place", -150, "Reversal of the garden waste charge increase")
REVERSED = [status("PLA-002", "Place", "2026-09", "On track", -150, -75),
            status("PLA-002", "Place", "2026-10", "On track", -150, -88)]


def test_a_reversed_saving_is_a_query_on_its_negative_target_only(validate):
    checks = validate(REGISTER + [REVERSAL],
                      directorates(place=SUBMISSIONS["place"] + REVERSED))
    assert failed_codes(checks) == {"SAV-009"}
    found = checks["SAV-009"]
    assert found.severity == "query"
    assert found.location == "savings-register.csv, column E (target_gbp_k), row 7"
    assert found.sample == "-150.0"


# --- the submissions -------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "value", "code", "severity", "letter", "row"), [
    ("reference", "", "SAV-011", "error", "A", 0),
    ("directorate", "", "SAV-012", "query", "B", 0),
    ("directorate", "Housing", "SAV-013", "query", "B", 0),
    ("month", "Sept 2026", "SAV-014", "error", "C", 0),
    ("status", "", "SAV-016", "error", "D", 0),  # last month's: what moved since
    ("status", "", "SAV-016", "error", "D", 2),
    ("status", "complete", "SAV-017", "error", "D", 2),
    ("forecast_gbp_k", "", "SAV-018", "error", "E", 2),
    ("delivered_gbp_k", "", "SAV-025", "error", "F", 2),
])
def test_submission_values(validate, column, value, code, severity, letter, row):
    checks = validate(submissions=directorates(
        adults=changed(SUBMISSIONS["adults"], row, **{column: value})))
    assert failed_codes(checks) == {code}
    assert checks[code].severity == severity
    assert checks[code].location == f"adults.csv, column {letter} ({column}), row {row + 2}"


def test_rows_of_months_before_last_are_not_read_so_not_checked(validate):
    """August's rows, neither this month's nor last month's, make no figure of October's
    return (they were checked as they were sent)."""
    august = [status("ADU-001", "Adults", "2026-08", "", "", ""),
              status("ADU-002", "Adults", "2026-08", "complete", 200, "", "", "Freeze", "?"),
              status("ADU-002", "Adults", "2026-08", "At risk", 250)]
    adults = august + SUBMISSIONS["adults"]
    assert failed_codes(validate(submissions=directorates(adults=adults))) == set()


@pytest.mark.parametrize("month", ["2026-03", "2026-11"])
def test_a_month_outside_the_year_so_far_is_a_query(validate, month):
    late = status("ADU-001", "Adults", month, "On track", 500)
    checks = validate(submissions=directorates(adults=SUBMISSIONS["adults"] + [late]))
    assert failed_codes(checks) == {"SAV-015"}
    assert checks["SAV-015"].severity == "query"
    assert checks["SAV-015"].location == "adults.csv, column C (month), row 6"
    assert checks["SAV-015"].sample == month


def test_statuses_are_read_in_any_case(validate):
    adults = changed(changed(SUBMISSIONS["adults"], 2, status="ON TRACK"), 3, status="at-Risk")
    assert failed_codes(validate(submissions=directorates(adults=adults))) == set()


def test_two_statuses_for_one_saving_in_one_month(validate):
    again = status("ADU-002", "Adults", "2026-10", "Delayed", 100, 0, "Slipped.", "Reserves",
                   "One-off")
    checks = validate(submissions=directorates(adults=SUBMISSIONS["adults"] + [again]))
    assert failed_codes(checks) == {"SAV-020"}
    found = checks["SAV-020"]
    assert found.severity == "error" and found.unexpected_count == 2
    assert found.location == "adults.csv, column A (reference), C (month), rows 5, 6"
    assert found.sample == "ADU-002 / 2026-10"


def test_a_reference_in_two_directorates_files_is_a_query(validate):
    adults = SUBMISSIONS["adults"][1:]  # ADU-001's September row is in the children's file
    children = SUBMISSIONS["children"] + [status("ADU-001", "Adults", "2026-09", "On track",
                                                 500, 250)]
    checks = validate(submissions=directorates(adults=adults, children=children))
    assert failed_codes(checks) == {"SAV-021"}
    found = checks["SAV-021"]
    assert found.severity == "query" and found.unexpected_count == 2
    assert found.location == ("adults.csv, column A (reference), B (directorate), row 3; "
                              "children.csv, column A (reference), B (directorate), row 6")
    assert found.sample == "ADU-001 / adults"


def test_a_reference_naming_another_directorate_this_month_raises_both_queries(validate):
    adults = changed(SUBMISSIONS["adults"], 2, directorate="Place")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-021", "SAV-R02"}
    assert {checks[c].severity for c in ("SAV-021", "SAV-R02")} == {"query"}
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
    assert found.location == ("adults.csv, column D (status), G (commentary), "
                              "H (mitigation), row 4")
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
    assert found.location == ("children.csv, column D (status), G (commentary), "
                              "H (mitigation), row 4")


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
                              "G (commentary), row 5")
    assert found.sample == "at risk / 150.0 / (blank)"


@pytest.mark.parametrize(("kind", "sample"), [
    ("", "Replacement saving / (blank)"), ("Temporary", "Replacement saving / temporary")])
def test_a_mitigation_this_month_neither_one_off_nor_recurring_blocks(validate, kind, sample):
    children = changed(SUBMISSIONS["children"], 2, mitigation_type=kind)
    checks = validate(submissions=directorates(children=children))
    assert failed_codes(checks) == {"SAV-026"}
    found = checks["SAV-026"]
    assert found.severity == "error"
    assert found.location == ("children.csv, column H (mitigation), I (mitigation_type), "
                              "row 4")
    assert found.sample == sample


def test_a_mitigation_type_without_a_mitigation_or_last_month_is_not_asked(validate):
    children = changed(changed(SUBMISSIONS["children"], 3, mitigation_type="Temporary"), 0,
                       mitigation_type="")
    assert failed_codes(validate(submissions=directorates(children=children))) == set()


@pytest.mark.parametrize(("row", "forecast", "delivered", "code", "sample"), [
    (2, "500", "600", "SAV-027", "500.0 / 600.0"),  # more delivered than forecast
    (2, "500", "-10", "SAV-027", "500.0 / -10.0"),  # and the reversal check: below
])
def test_delivered_to_date_outside_the_forecast_is_a_query(validate, row, forecast, delivered,
                                                          code, sample):
    adults = changed(SUBMISSIONS["adults"], row, forecast_gbp_k=forecast,
                     delivered_gbp_k=delivered)
    checks = validate(submissions=directorates(adults=adults))
    assert code in failed_codes(checks)
    found = checks[code]
    assert found.severity == "query"
    assert found.location == "adults.csv, column E (forecast_gbp_k), F (delivered_gbp_k), row 4"
    assert found.sample == sample
    assert {checks[c].severity for c in failed_codes(checks)} == {"query"}


def test_a_delivered_saving_with_more_to_come_is_a_query(validate):
    place = changed(SUBMISSIONS["place"], 1, delivered_gbp_k="100")
    checks = validate(submissions=directorates(place=place))
    assert failed_codes(checks) == {"SAV-028"}
    found = checks["SAV-028"]
    assert found.severity == "query"
    assert found.location == ("place.csv, column D (status), E (forecast_gbp_k), "
                              "F (delivered_gbp_k), row 3")
    assert found.sample == "delivered / 150.0 / 100.0"


# --- the submissions against the register (return-level) -------------------------------------


def test_a_saving_not_in_the_register_is_a_query(validate):
    stray = status("ADU-009", "Adults", "2026-10", "On track", 50)
    checks = validate(submissions=directorates(adults=SUBMISSIONS["adults"] + [stray]))
    assert failed_codes(checks) == {"SAV-R01"}
    found = checks["SAV-R01"]
    assert found.severity == "query" and found.suite == "against-register"
    assert found.location == "against-register, submission adults.csv row 6, reference"
    assert found.sample == "ADU-009"


def test_a_saving_reported_this_month_by_another_directorate_than_the_register(validate):
    children = [{**row, "directorate": "Adults"} if row["reference"] == "CHI-002" else row
                for row in SUBMISSIONS["children"]]
    checks = validate(submissions=directorates(children=children))
    assert failed_codes(checks) == {"SAV-R02"}
    found = checks["SAV-R02"]
    assert found.severity == "query" and found.unexpected_count == 1
    assert found.location == ("against-register, submission children.csv row 5, "
                              "reference, directorate, register_directorate")
    assert found.sample == "CHI-002 / Adults / Children"


def test_a_forecast_over_the_target_this_month_is_a_query(validate):
    adults = changed(SUBMISSIONS["adults"], 3, forecast_gbp_k="300.5")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-R03"}
    found = checks["SAV-R03"]
    assert found.severity == "query" and found.unexpected_count == 1
    assert found.location == ("against-register, submission adults.csv row 5, "
                              "reference, month, forecast_gbp_k, target_gbp_k")
    assert found.sample == "ADU-002 / 2026-10 / 300.5 / 300.0"


def test_a_forecast_over_the_target_last_month_is_not_asked_again(validate):
    adults = changed(SUBMISSIONS["adults"], 1, forecast_gbp_k="300.5")
    assert failed_codes(validate(submissions=directorates(adults=adults))) == set()


def test_a_forecast_equal_to_the_target_passes(validate):
    assert failed_codes(validate(submissions=directorates(adults=changed(SUBMISSIONS["adults"], 3,
                                                       forecast_gbp_k="300")))) == set()


def test_a_negative_forecast_on_a_saving_the_register_does_not_reverse_is_a_query(validate):
    adults = changed(SUBMISSIONS["adults"], 3, forecast_gbp_k="-20", delivered_gbp_k="-5")
    checks = validate(submissions=directorates(adults=adults))
    assert failed_codes(checks) == {"SAV-R09"}
    found = checks["SAV-R09"]
    assert found.severity == "query"
    assert found.location == ("against-register, submission adults.csv row 5, reference, "
                              "month, forecast_gbp_k, delivered_gbp_k, target_gbp_k")
    assert found.sample == "ADU-002 / 2026-10 / -20.0 / -5.0 / 300.0"


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
    assert failed_codes(checks) == {"SAV-R05", "SAV-R06", "SAV-R10"}
    assert checks["SAV-R05"].location == ("totals-by-directorate, directorate Children, "
                                          "total, sum_of_statuses")
    assert checks["SAV-R06"].location == ("totals-by-status, status Total, "
                                          "council_total, sum_of_directorates")
    assert checks["SAV-R10"].location == ("delivery-by-directorate, directorate Children, "
                                          "target, target_by_status")


def test_a_summary_by_status_that_disagrees_with_the_table_by_directorate(tables, tracker):
    table = tables["by_status"]
    table.loc[table["Status"] == "Delayed", "Target (GBP k)"] = 0.001
    checks = figures(tables, tracker)
    assert failed_codes(checks) == {"SAV-R07"}
    assert checks["SAV-R07"].location == ("totals-by-status, status Delayed, "
                                          "council_total, by_status_table")


@pytest.mark.parametrize(("printed", "fails"), [("18.2", False), ("18.18", False),
                                                 ("18", False), ("18.19", True),
                                                 ("18.3", True), ("18.1", True)])
def test_percentages_recompute_at_the_places_each_shows(tables, tracker, printed, fails):
    table = tables["by_status"]
    at_risk = table["Status"] == "At risk"  # 300 of a target of 1,650: 18.18%
    assert table.loc[at_risk, "% of target"].item() == "18.2"
    table.loc[at_risk, "% of target"] = printed
    checks = figures(tables, tracker)
    assert failed_codes(checks) == ({"SAV-R08"} if fails else set())
    if fails:
        assert checks["SAV-R08"].location == ("totals-by-status, status At risk, "
                                              "percent_as_printed")


@pytest.mark.parametrize(("row", "column", "codes", "where"), [
    ("Adults", "Over-delivery", {"SAV-R11", "SAV-R13"},
     "delivery-by-directorate, directorate Adults, target_less_forecast, "
     "shortfall_less_over_delivery"),
    ("Adults", "Shortfall: one-off mitigation", {"SAV-R12", "SAV-R13"},
     "delivery-by-directorate, directorate Adults, shortfall, shortfall_by_mitigation"),
    ("Total", "Delivered to date", {"SAV-R13", "SAV-R14"},
     "delivery-totals, column Delivered to date, council_total, sum_of_directorates"),
])
def test_a_table_of_delivery_that_does_not_add_up(tables, tracker, row, column, codes, where):
    table = tables["delivery"]
    table.loc[table["Directorate"] == row, column] += 5
    checks = figures(tables, tracker)
    assert failed_codes(checks) == codes
    assert {checks[c].severity for c in codes} == {"error"}
    assert where in {checks[c].location for c in codes}
