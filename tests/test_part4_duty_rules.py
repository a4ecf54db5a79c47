"""The Part 4 duty return's rules (DA-001..025 on the sources, DA-R01..R05 on the return),
each over small files read, checked and assembled as the flow does it."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import by_code, failed_codes, rules_by_suite

from flows.part4_duty import (
    DECLARATION,
    HUB_CONTACTS,
    MOVED_TO,
    PROVIDER_MONITORING,
    STOPPED,
)
from statreturns import authorities, quality
from statreturns.declaration import Context
from statreturns.periods import parse_period
from statreturns.quality import Check
from statreturns.settings import get_settings
from tasks.collect import collect, files_in
from tasks.validate import check_figures, check_source

PERIOD = "2025/26"
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
MONITORING_HEADER = [c.name for c in PROVIDER_MONITORING.columns]
HUB_HEADER = [c.name for c in HUB_CONTACTS.columns]
QUERIES = {"DA-005", "DA-017", "DA-018", "DA-019", "DA-024", "DA-R03", "DA-R04", "DA-R05"}
SUITES = {"provider-monitoring": [*range(1, 18), 23, 24, 25], "hub-contacts": range(18, 23)}
RETURN_SUITES = {"hub-months": ["DA-R01"], "provider-quarters": ["DA-R02", "DA-R03"],
                 "provider-caseload": ["DA-R05"], "quarterly-change": ["DA-R04"]}
SEVERITY = {code: "query" if code in QUERIES else "error" for code in [
    *(f"DA-{n:03d}" for numbers in SUITES.values() for n in numbers),
    *(code for codes in RETURN_SUITES.values() for code in codes)]}
TYPES = {"safe-haven": ["Refuge", "Second-stage / move-on"],
         "city-womens-aid": ["Refuge", "Dispersed", "Sanctuary scheme"],
         "sahara": ["Specialist"], "rainbow-homes": ["Specialist", "Dispersed"],
         "next-step": ["Second-stage", "Other"], "harbour": ["Dispersed", "Other"]}


def ended(households: int) -> dict:
    """Households whose support ended, all no longer needed and moved to social housing."""
    return {"households_stopped": households, **dict.fromkeys(STOPPED, 0),
            **dict.fromkeys(MOVED_TO, 0), "stopped_no_longer_needed": households,
            "moved_to_social_housing": households}


def row(provider: str, quarter: str, accommodation_type: str, **values) -> dict:
    """One provider-monitoring row whose figures pass every rule; override any. Every
    quarter it supports 9 households: 4 carried in (in Q1, continuing from last year) and 5
    new, and the support of 5 ends."""
    return {"provider": provider, "quarter": quarter, "accommodation_type": accommodation_type,
            "bedspaces": 6, "referrals_received": 20, "referrals_accepted": 10,
            "declined_capacity": 4, "declined_unsuitable": 3, "declined_other": 1,
            "households_supported": 9, "households_continuing": 4 if quarter.upper() == QUARTERS[0]
            else "", "households_new": 5, "women": 8, "men": 0, "trans": 1, "sex_not_known": 0,
            "children": 12, "individuals": 21, "disabled": 3, "lgbt": 1, "minority_ethnic": 7,
            "no_recourse_to_public_funds": 0, "disabled_not_known": 1, "lgbt_not_known": 0,
            "minority_ethnic_not_known": 2, "no_recourse_to_public_funds_not_known": 0,
            "households_stopped": 5, "stopped_no_longer_needed": 2,
            "stopped_referred_elsewhere": 1, "stopped_chose_to_leave": 1,
            "stopped_asked_to_leave": 0, "stopped_lost_contact": 0, "stopped_other": 1,
            "stopped_not_known": 0, "moved_to_own_home": 1, "moved_to_social_housing": 2,
            "moved_to_private_rented": 1, "moved_to_safe_accommodation": 0,
            "moved_to_temporary": 0, "moved_to_family_or_friends": 1, "moved_to_other": 0,
            "moved_to_not_known": 0, **values}


def good_files() -> dict[str, list[dict]]:
    """A file per provider and quarter (by file stem), a row per type the provider runs."""
    return {f"{p}-{q}": [row(p, q, t) for t in types] for p, types in TYPES.items()
            for q in QUARTERS}


def good_hub() -> list[dict]:
    return [{"month": m, "calls": 2000 + i, "webchats": 25, "drop_ins": 50}
            for i, m in enumerate(parse_period(PERIOD).months)]


def changed(rows: list[dict], index: int, **values) -> list[dict]:
    """A copy of `rows` with one row's values changed."""
    return [{**r, **values} if i == index else r for i, r in enumerate(rows)]


@pytest.fixture(scope="session")
def part4() -> Context:
    return Context("demo", parse_period(PERIOD), authorities.load_config(DECLARATION, "demo"))


def write_inputs(folder: Path, files: dict[str, list[dict]], hub: list[dict]) -> dict:
    """The provider files and the hub log as the flow is given them: {source: [paths]}."""
    monitoring = folder / "provider-monitoring"
    monitoring.mkdir(parents=True, exist_ok=True)
    for stem, rows in files.items():
        pd.DataFrame(rows, columns=MONITORING_HEADER).to_csv(monitoring / f"{stem}.csv",
                                                             index=False)
    pd.DataFrame(hub, columns=HUB_HEADER).to_csv(folder / "hub-contacts.csv", index=False)
    return {"provider-monitoring": files_in(monitoring),
            "hub-contacts": [folder / "hub-contacts.csv"]}


def gather(folder: Path, ctx: Context, paths: dict[str, list[Path]]) -> list[Check]:
    """The checks as the flow makes them: the sources' suites, then (unless an error
    blocks) the assembly and the return's suites."""
    checks, frames = [], {}
    for source in DECLARATION.sources:
        got = collect.fn(source, paths[source.name], folder / "archive", ctx)
        assert [c.code for c in got.checks if not c.success] == []
        checks += check_source(DECLARATION.id, got, ctx)
        frames[source.name] = got.frame
    if quality.verdict(checks) == "blocked":
        return checks
    tables = DECLARATION.assemble(frames, ctx)
    return checks + check_figures(DECLARATION.id, DECLARATION.reconcile(tables, ctx))


@pytest.fixture
def validate(tmp_path, part4):
    """Provider files (by stem) and hub rows -> {code: Check}."""

    def run(files: dict[str, list[dict]] | None = None, hub: list[dict] | None = None,
            ctx: Context = part4) -> dict[str, Check]:
        paths = write_inputs(tmp_path, good_files() if files is None else files,
                             good_hub() if hub is None else hub)
        return by_code(gather(tmp_path, ctx, paths))

    return run


def files_with(stem: str, rows: list[dict], drop: tuple[str, ...] = ()) -> dict:
    """The good files with one file's rows replaced (or added), and others left out."""
    files = {s: r for s, r in good_files().items() if s not in drop}
    return {**files, stem: rows}


def one_failure(checks: dict[str, Check], code: str) -> Check:
    assert failed_codes(checks) == {code}
    assert checks[code].severity == SEVERITY[code]
    return checks[code]


def failures(checks: dict[str, Check], *codes: str) -> dict[str, Check]:
    """The failed checks, which must be those of `codes`, each of its severity."""
    assert failed_codes(checks) == set(codes)
    assert {c: checks[c].severity for c in codes} == {c: SEVERITY[c] for c in codes}
    return {c: checks[c] for c in codes}


# --- the suites ----------------------------------------------------------------------------

def test_the_suites_have_their_rules_with_their_severities():
    severity, suites = rules_by_suite(DECLARATION.id)
    assert severity == SEVERITY
    for name, numbers in SUITES.items():
        assert suites[name] == [f"DA-{n:03d}" for n in numbers]
    for name, codes in RETURN_SUITES.items():
        assert suites[name] == codes


def test_every_error_says_the_wrong_figure_it_keeps_out_and_no_query_does():
    for path in sorted((get_settings().expectations / DECLARATION.id).glob("*.json")):
        for expectation in json.loads(path.read_text())["expectations"]:
            meta = expectation["meta"]
            because = meta.get("blocks_because", "")
            if meta["severity"] == "error":
                assert because.endswith(".") and because.count(". ") == 0, meta["code"]
            else:
                assert because == "", meta["code"]


def test_good_files_pass_every_rule(validate):
    checks = validate()
    assert set(checks) == set(SEVERITY)
    assert failed_codes(checks) == set()
    assert all(c.location == "" and c.sample == "" for c in checks.values())
    assert quality.verdict(list(checks.values())) == "pass"


# --- providers, quarters and files ----------------------------------------------------------

Q1 = good_files()["safe-haven-2025-Q1"]  # rows 2 (refuge) and 3 (second-stage)
Q2 = good_files()["safe-haven-2025-Q2"]


def test_a_row_without_a_provider(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1", changed(Q1, 1, provider=""))),
                        "DA-001")
    assert found.location == "safe-haven-2025-Q1.csv, column A (provider), row 3"


def test_a_provider_not_commissioned(validate):
    found = one_failure(validate(files_with("acme-2025-Q1", [row("acme", "2025-Q1", "Refuge")])),
                        "DA-002")
    assert (found.location, found.sample) == ("acme-2025-Q1.csv, column A (provider), row 2",
                                              "acme")


def test_providers_and_types_may_be_written_by_name_in_any_case(validate):
    rows = [row("SAFE HAVEN REFUGES", "2025-q1", "refuge"),
            row("Safe Haven Refuges", "2025-Q1", "SECOND STAGE / MOVE ON")]
    checks = validate(files_with("safe-haven-2025-Q1", rows))
    assert failed_codes(checks) == set()


def test_a_row_without_a_quarter(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1", changed(Q1, 0, quarter=""))),
                        "DA-003")
    assert found.location == "safe-haven-2025-Q1.csv, column B (quarter), row 2"


def test_a_provider_file_for_a_quarter_of_another_year_names_the_file(validate):
    last_year = [row("safe-haven", "2024-Q4", t) for t in TYPES["safe-haven"]]
    found = one_failure(validate(files_with("safe-haven-2024-Q4", last_year,
                                            drop=("safe-haven-2025-Q4",))), "DA-004")
    assert found.location == "safe-haven-2024-Q4.csv, column B (quarter), rows 2, 3"
    assert found.sample == "2024-Q4"


def test_a_file_misnamed_is_a_query_and_its_rows_count_as_they_say(validate):
    checks = validate(files_with("safe-heaven-2025-Q1", Q1, drop=("safe-haven-2025-Q1",)))
    found = one_failure(checks, "DA-005")
    assert found.location == ("safe-heaven-2025-Q1.csv, column A (provider), B (quarter), "
                              "rows 2, 3")
    assert quality.verdict(list(checks.values())) == "queries"


def test_a_file_named_for_one_quarter_holding_another_leaves_that_quarter_missing(validate):
    rows = [row("safe-haven", "2025-Q3", t) for t in TYPES["safe-haven"]]
    found = failures(validate(files_with("safe-haven-2025-Q2", rows,
                                         drop=("safe-haven-2025-Q3",))), "DA-005", "DA-R02")
    assert found["DA-005"].location == ("safe-haven-2025-Q2.csv, column A (provider), "
                                        "B (quarter), rows 2, 3")
    assert found["DA-005"].sample == "safe-haven / 2025-Q3"
    assert found["DA-R02"].location == ("provider-quarters, provider_quarter Safe Haven "
                                        "Refuges 2025-Q2, files")


def test_a_file_named_for_one_provider_holding_another_leaves_that_provider_missing(validate):
    rows = [row("sahara", "2025-Q1", "Specialist")]
    found = failures(validate(files_with("rainbow-homes-2025-Q1", rows,
                                         drop=("sahara-2025-Q1",))), "DA-005", "DA-R02")
    assert found["DA-005"].location == ("rainbow-homes-2025-Q1.csv, column A (provider), "
                                        "B (quarter), row 2")
    assert found["DA-R02"].location == ("provider-quarters, provider_quarter Rainbow Safe "
                                        "Homes 2025-Q1, files")


# --- accommodation types ---------------------------------------------------------------------

@pytest.mark.parametrize(("written", "code"), [("", "DA-006"), ("Hostel", "DA-007")])
def test_an_accommodation_type_missing_or_unknown(validate, written, code):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 1, accommodation_type=written))), code)
    assert found.location == "safe-haven-2025-Q1.csv, column C (accommodation_type), row 3"


def test_a_type_reported_twice_in_a_quarter_names_both_rows(validate):
    rows = [*Q1, row("safe-haven", "2025-Q1", "refuge")]
    found = one_failure(validate(files_with("safe-haven-2025-Q1", rows)), "DA-008")
    assert found.unexpected_count == 2
    assert found.location == ("safe-haven-2025-Q1.csv, column A (provider), B (quarter), "
                              "C (accommodation_type), rows 2, 4")


def test_a_type_the_provider_does_not_run_is_a_query(validate):
    # 5 households new in Q1 whose support ended in it: the quarters still add up
    rows = [*Q1, row("safe-haven", "2025-Q1", "Sanctuary scheme", households_supported=5,
                     households_continuing=0)]
    checks = validate(files_with("safe-haven-2025-Q1", rows))
    found = one_failure(checks, "DA-017")
    assert found.location == ("safe-haven-2025-Q1.csv, column A (provider), "
                              "C (accommodation_type), row 4")
    assert found.sample == "safe-haven / Sanctuary scheme"
    assert quality.verdict(list(checks.values())) == "queries"


# --- the figures -----------------------------------------------------------------------------

def test_a_mandatory_figure_left_blank_is_named(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 0, declined_other="", men="",
                                                    moved_to_temporary=""))), "DA-009")
    assert (found.location, found.sample) == ("safe-haven-2025-Q1.csv, row 2",
                                              "declined_other, men, moved_to_temporary")


def test_households_continuing_from_last_year_are_mandatory_in_the_first_quarter_only(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 1, households_continuing=""))), "DA-009")
    assert (found.location, found.sample) == ("safe-haven-2025-Q1.csv, row 3",
                                              "households_continuing")
    assert Q2[0]["households_continuing"] == ""  # and the good files pass


def test_households_continuing_given_after_the_first_quarter_are_a_query(validate):
    checks = validate(files_with("safe-haven-2025-Q2", changed(Q2, 0, households_continuing=4)))
    found = one_failure(checks, "DA-024")
    assert found.location == ("safe-haven-2025-Q2.csv, column B (quarter), "
                              "K (households_continuing), row 2")
    assert found.sample == "2025-Q2 / 4"
    assert quality.verdict(list(checks.values())) == "queries"


def test_characteristics_and_not_known_are_voluntary_and_may_be_blank(validate):
    rows = changed(Q1, 0, disabled="", lgbt="", minority_ethnic="",
                   no_recourse_to_public_funds="", disabled_not_known="", lgbt_not_known="",
                   minority_ethnic_not_known="", no_recourse_to_public_funds_not_known="")
    assert failed_codes(validate(files_with("safe-haven-2025-Q1", rows))) == set()


def test_a_negative_figure_is_named(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 1, lgbt=-1, bedspaces=-2))), "DA-010")
    assert (found.location, found.sample) == ("safe-haven-2025-Q1.csv, row 3",
                                              "bedspaces, lgbt")


def test_women_men_trans_not_known_and_children_must_add_up_to_individuals(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 1, individuals=22))), "DA-011")
    assert found.location == ("safe-haven-2025-Q1.csv, column M (women), N (men), O (trans), "
                              "P (sex_not_known), Q (children), R (individuals), row 3")
    assert found.sample == "8 / 0 / 1 / 0 / 12 / 22"


def test_an_adult_whose_sex_is_not_known_no_longer_blocks(validate):
    rows = changed(Q1, 0, women=7, sex_not_known=1)
    assert failed_codes(validate(files_with("safe-haven-2025-Q1", rows))) == set()


def test_more_households_than_individuals(validate):
    rows = changed(Q1, 0, women=3, children=0, individuals=4, minority_ethnic=1,
                   minority_ethnic_not_known=0)  # 9 households counted, 4 people
    found = one_failure(validate(files_with("safe-haven-2025-Q1", rows)), "DA-012")
    assert found.location == ("safe-haven-2025-Q1.csv, column K (households_continuing), "
                              "L (households_new), R (individuals), row 2")
    assert found.sample == "4 / 5 / 4"


def test_more_households_new_and_continuing_than_supported(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 0, households_new=6))), "DA-025")
    assert found.location == ("safe-haven-2025-Q1.csv, column J (households_supported), "
                              "K (households_continuing), L (households_new), row 2")
    assert found.sample == "9 / 4 / 6"


def test_a_characteristic_with_its_not_known_over_the_individuals_supported(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 0, minority_ethnic=20))), "DA-013")
    assert found.location == (
        "safe-haven-2025-Q1.csv, column S (disabled), T (lgbt), U (minority_ethnic), "
        "V (no_recourse_to_public_funds), W (disabled_not_known), X (lgbt_not_known), "
        "Y (minority_ethnic_not_known), Z (no_recourse_to_public_funds_not_known), "
        "R (individuals), row 2")
    assert found.sample == "3 / 1 / 20 / 0 / 1 / 0 / 2 / 0 / 21"  # 20 + 2 not known > 21


def test_characteristics_overlap_so_they_are_never_added_together(validate):
    rows = changed(Q1, 0, disabled=15, lgbt=10, minority_ethnic=19,
                   no_recourse_to_public_funds=5)  # 49 in all, each within 21 people
    assert failed_codes(validate(files_with("safe-haven-2025-Q1", rows))) == set()


def test_more_households_stopped_than_supported(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1", changed(Q1, 1, **ended(10)))),
                        "DA-014")
    assert found.location == ("safe-haven-2025-Q1.csv, column J (households_supported), "
                              "AA (households_stopped), row 3")
    assert found.sample == "9 / 10"


def test_reasons_support_ended_must_add_up(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 0, stopped_other=2))), "DA-015")
    assert found.location == (
        "safe-haven-2025-Q1.csv, column AA (households_stopped), "
        "AB (stopped_no_longer_needed), AC (stopped_referred_elsewhere), "
        "AD (stopped_chose_to_leave), AE (stopped_asked_to_leave), AF (stopped_lost_contact), "
        "AG (stopped_other), AH (stopped_not_known), row 2")
    assert found.sample == "5 / 2 / 1 / 1 / 0 / 0 / 2 / 0"


def test_where_households_moved_on_to_must_add_up(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 0, moved_to_not_known=1))), "DA-023")
    assert found.location == (
        "safe-haven-2025-Q1.csv, column AA (households_stopped), AI (moved_to_own_home), "
        "AJ (moved_to_social_housing), AK (moved_to_private_rented), "
        "AL (moved_to_safe_accommodation), AM (moved_to_temporary), "
        "AN (moved_to_family_or_friends), AO (moved_to_other), AP (moved_to_not_known), "
        "row 2")
    assert found.sample == "5 / 1 / 2 / 1 / 0 / 0 / 1 / 0 / 1"


def test_more_referrals_accepted_and_declined_than_received(validate):
    found = one_failure(validate(files_with("safe-haven-2025-Q1",
                                            changed(Q1, 1, declined_other=4))), "DA-016")
    assert found.location == ("safe-haven-2025-Q1.csv, column E (referrals_received), "
                              "F (referrals_accepted), G (declined_capacity), "
                              "H (declined_unsuitable), I (declined_other), row 3")
    assert found.sample == "20 / 10 / 4 / 3 / 4"


# --- the hub's contacts ----------------------------------------------------------------------

@pytest.mark.parametrize(("month", "code"), [("", "DA-018"), ("2026-04", "DA-019")])
def test_a_hub_row_without_a_month_of_the_year_is_left_out_as_a_query(validate, month, code):
    hub = [*good_hub(), {"month": month, "calls": 24_066, "webchats": 300, "drop_ins": 600}]
    checks = validate(hub=hub)
    found = one_failure(checks, code)
    assert found.location == "hub-contacts.csv, column A (month), row 14"
    assert quality.verdict(list(checks.values())) == "queries"


def test_a_hub_month_mistyped_leaves_its_month_out_and_blocks(validate):
    found = failures(validate(hub=changed(good_hub(), 2, month="2025-13")), "DA-019", "DA-R01")
    assert found["DA-019"].location == "hub-contacts.csv, column A (month), row 4"
    assert found["DA-R01"].location == "hub-months, month June 2025, reported"


def test_a_hub_month_given_twice(validate):
    found = one_failure(validate(hub=changed(good_hub(), 2, month="2025-05")), "DA-020")
    assert found.location == "hub-contacts.csv, column A (month), rows 3, 4"


@pytest.mark.parametrize(("value", "code"), [("", "DA-021"), (-3, "DA-022")])
def test_hub_figures_blank_or_negative(validate, value, code):
    found = one_failure(validate(hub=changed(good_hub(), 0, webchats=value)), code)
    assert found.location == ("hub-contacts.csv, column B (calls), C (webchats), "
                              "D (drop_ins), row 2")


def test_a_hub_month_not_given(validate):
    hub = [r for r in good_hub() if r["month"] != "2025-09"]
    found = one_failure(validate(hub=hub), "DA-R01")
    assert (found.location, found.sample) == ("hub-months, month September 2025, reported", "0")


# --- the return: every provider's file every quarter, adding up, no sudden change ------------

def test_a_provider_file_missing_for_a_quarter(validate):
    files = {s: r for s, r in good_files().items() if s != "sahara-2025-Q3"}
    found = one_failure(validate(files), "DA-R02")
    assert found.location == ("provider-quarters, provider_quarter Sahara Specialist Refuge "
                              "2025-Q3, files")
    assert found.sample == "0"


def test_a_provider_quarter_sent_as_two_files_is_a_query(validate):
    files = {**good_files(), "safe-haven-2025-Q1": Q1[:1], "safe-haven-2025-Q1-move-on": Q1[1:]}
    checks = validate(files)
    found = one_failure(checks, "DA-R03")
    assert found.location == "provider-quarters, provider_quarter Safe Haven Refuges 2025-Q1, files"
    assert found.sample == "2"
    assert quality.verdict(list(checks.values())) == "queries"


def test_a_quarters_whole_caseload_given_as_new_is_a_query(validate):
    """Safe Haven's Q2 gives all its 18 households as new: the year would count the 8 it
    carried from Q1 twice."""
    checks = validate(files_with("safe-haven-2025-Q2", [{**r, "households_new": 9} for r in Q2]))
    found = one_failure(checks, "DA-R05")
    assert found.location == ("provider-caseload, provider_quarter Safe Haven Refuges 2025-Q2, "
                              "households_carried, households_new, households_supported")
    assert found.sample == "8 / 18 / 18"
    assert quality.verdict(list(checks.values())) == "queries"


def test_households_continuing_left_out_of_the_first_quarter_is_a_query(validate):
    rows = [{**r, "households_continuing": 0} for r in Q1]
    found = one_failure(validate(files_with("safe-haven-2025-Q1", rows)), "DA-R05")
    assert found.sample == "0 / 10 / 18"


def _safe_haven_q3(households: int) -> dict:
    """Safe Haven's third quarter with `households` in its refuge, all but the 4 carried in
    new, and all but those 4 ending there (9 in every other row)."""
    q3 = [row("safe-haven", "2025-Q3", "Refuge", households_supported=households,
              households_new=households - 4, women=households - 5,
              individuals=households + 8, **ended(households - 4)),
          row("safe-haven", "2025-Q3", "Second-stage")]
    return files_with("safe-haven-2025-Q3", q3)


def test_a_quarter_more_than_doubling_and_halving_is_a_query(validate):
    checks = validate(_safe_haven_q3(30))  # 18, 18, 39, 18 a quarter
    found = one_failure(checks, "DA-R04")
    assert found.unexpected_count == 2
    assert found.location == ("quarterly-change, provider_quarters Safe Haven Refuges 2025-Q2 "
                              "to 2025-Q3, Safe Haven Refuges 2025-Q3 to 2025-Q4, "
                              "households_before, households_after, change")
    assert found.sample == "18 / 39 / 2.17, 39 / 18 / 2.17"
    assert quality.verdict(list(checks.values())) == "queries"


def test_exactly_doubling_is_not_a_query(validate):
    assert failed_codes(validate(_safe_haven_q3(27))) == set()  # 18 to 36 and back


def test_the_change_that_raises_a_query_is_the_authoritys_setting(validate, part4):
    lenient = part4.config.model_copy(update={"change_ratio": 2.5})
    ctx = Context(part4.authority, part4.period, lenient)
    assert failed_codes(validate(_safe_haven_q3(30), ctx=ctx)) == set()


def test_a_quarter_with_no_households_counts_as_one(validate):
    """Sahara's support of all 9 ends in Q2; it supports none in Q3 and 5 new in Q4."""
    files = {**good_files(),
             "sahara-2025-Q2": [row("sahara", "2025-Q2", "Specialist", **ended(9))],
             "sahara-2025-Q3": [row("sahara", "2025-Q3", "Specialist", households_supported=0,
                                    households_new=0, **ended(0))],
             "sahara-2025-Q4": [row("sahara", "2025-Q4", "Specialist",
                                    households_supported=5)]}
    found = one_failure(validate(files), "DA-R04")
    assert found.sample == "9 / 0 / 9.0, 0 / 5 / 5.0"
