"""The community safety performance rules (CSP-001..017, CSP-R01..R03) over small files,
collected as the flow collects them, for 2026-Q2 (July to September 2026)."""

from pathlib import Path

import pandas as pd
import pytest

from flows.csp_performance import DECLARATION, NO_DATA, Performance
from statreturns.declaration import NOTES, Context
from statreturns.periods import parse_period
from statreturns.quality import Check
from tasks.collect import Gathered, collect
from tasks.read import state_column
from tasks.validate import check_figures, check_source

MEASURES = [
    {"id": "shop-theft", "name": "Shop theft", "source": "police"},
    {"id": "residential-burglary", "name": "Residential burglary", "source": "police",
     "basis": "households"},
    {"id": "deliberate-fires", "name": "Deliberate fires", "source": "fire"},
    {"id": "forced-marriage", "name": "Forced marriage", "source": "police", "msg": False},
]


def config(**changes: dict) -> Performance:
    """The test authority's settings; `changes` by measure id, e.g. shop_theft={"msg": False}."""
    return Performance.model_validate({
        "population": 200_000, "households": 80_000,
        "measures": [m | changes.get(m["id"].replace("-", "_"), {}) for m in MEASURES]})


CONFIG = config()
CTX = Context("demo", parse_period("2026-Q2"), CONFIG)
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
POLICE = {"Shop theft": [100, 110, 120, 130, 105, 120],
          "Residential burglary": [50, 40, 45, 55, 40, 35],
          "Forced marriage": [0, 0, 1, 0, 2, 1]}
FIRE = {"Deliberate fires": [30, NO_DATA, 25, 20, 28, 32]}
DRAFT_COLUMNS = ["measure", "same_quarter_last_year", "this_quarter", "previous_quarter",
                 "year_to_date", "last_year_to_date", "difference", "pct_difference",
                 "direction", "msg_rank", "msg_group_rate", "own_rate"]
DRAFT = {  # as the analyst prints them, every figure right; own rates over 12 months
    "Shop theft": [110, 120, 105, 225, 210, 15, "7.1%", "up", 4, "1.20", "2.38"],  # 2.375
    "Residential burglary": [40, 35, 40, 75, 90, -15, "-16.7%", "down", 9, "1.02", "2.19"],
    "Deliberate fires": [NO_DATA, 32, 28, 60, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA,
                         NO_DATA, "0.53"],  # 0.525
    "Forced marriage": [0, 1, 2, 3, 0, 3, "n/a", "up", "", "", "0.02"],  # not compared
}
SOURCES = {s.name: s for s in DECLARATION.sources}
SEVERITY = {f"CSP-{n:03d}": "error" for n in range(1, 18) if n != 13} | {
    code: "query" for code in ("CSP-001", "CSP-002", "CSP-006", "CSP-007", "CSP-011",
                               "CSP-014", "CSP-017")} | {
    "CSP-R01": "query", "CSP-R02": "query", "CSP-R03": "error"}
"""A row that is not counted (another measure, another quarter) is a query: the return is
wrong only if a measure is then left without a quarter's count, which CSP-R03 blocks."""


def extract_rows(counts: dict[str, list]) -> list[dict]:
    return [{"measure": m, "quarter": q, "count": c}
            for m, values in counts.items() for q, c in zip(QUARTERS, values, strict=True)]


def draft_rows(**changes: dict) -> list[dict]:
    """The draft's rows; `changes` by measure name, e.g. Shop_theft={"direction": "down"}."""
    rows = [dict(zip(DRAFT_COLUMNS, [m, *values], strict=True)) for m, values in DRAFT.items()]
    for row in rows:
        row.update(changes.get(row["measure"].replace(" ", "_"), {}))
    return rows


def gather(folder: Path, name: str, rows: list[dict] | pd.DataFrame,
           ctx: Context = CTX) -> Gathered:
    """A source file of these rows, collected (read, typed, derived) as the flow does."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    columns = DRAFT_COLUMNS if name == "draft-table" else ["measure", "quarter", "count"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    got = collect.fn(SOURCES[name], [path], folder / "archive", ctx)
    assert [c.code for c in got.checks if not c.success] == []
    return got


def frames(folder: Path, police: list[dict] | None = None, fire: list[dict] | None = None,
           draft: list[dict] | None = None, ctx: Context = CTX) -> dict[str, pd.DataFrame]:
    given = {"police-extract": police if police is not None else extract_rows(POLICE),
             "fire-extract": fire if fire is not None else extract_rows(FIRE),
             "draft-table": draft if draft is not None else draft_rows()}
    return {name: gather(folder, name, rows, ctx).frame for name, rows in given.items()}


@pytest.fixture
def check(tmp_path):
    """Rows of one source -> {code: Check} of its suite."""

    def run(name: str, rows: list[dict]) -> dict[str, Check]:
        checks = check_source(DECLARATION.id, gather(tmp_path, name, rows), CTX)
        return {c.code: c for c in checks}

    return run


@pytest.fixture
def check_return(tmp_path):
    """Sources -> ({code: Check} of the return-level suites over the assembled tables, the
    run's notes)."""

    def run(**sources) -> tuple[dict[str, Check], list[str]]:
        tables = DECLARATION.assemble(frames(tmp_path, **sources), CTX)
        checks = check_figures(DECLARATION.id, DECLARATION.reconcile(tables, CTX))
        notes = tables[NOTES]["note"].tolist() if NOTES in tables else []
        return {c.code: c for c in checks}, notes

    return run


def failed(checks: dict[str, Check]) -> set[str]:
    return {code for code, c in checks.items() if not c.success}


# --- good files pass every rule ------------------------------------------------------------


def test_good_files_pass_every_rule_with_its_severity(check, check_return):
    checks = (check("police-extract", extract_rows(POLICE))
              | check("fire-extract", extract_rows(FIRE))
              | check("draft-table", draft_rows()) | check_return()[0])
    assert {code: c.severity for code, c in checks.items()} == SEVERITY
    assert failed(checks) == set()


def test_quarters_and_measures_written_other_ways_are_accepted(check):
    rows = extract_rows({"shop-theft": POLICE["Shop theft"]})
    rows[0]["quarter"] = " 2025 q1 "
    rows[1]["measure"] = "SHOP THEFT"
    assert failed(check("police-extract", rows)) == set()


# --- the extracts --------------------------------------------------------------------------

EXTRACTS = {"police-extract": (POLICE, 1, "Shop theft"),
            "fire-extract": (FIRE, 6, "Deliberate fires")}


def extract_case(name: str, change) -> tuple[list[dict], int]:
    """One measure's rows of an extract, changed; and the code of the extract's first rule."""
    counts, first, measure = EXTRACTS[name]
    rows = extract_rows({measure: counts[measure]})
    change(rows)
    return rows, first


@pytest.mark.parametrize("name", EXTRACTS)
def test_a_measure_of_another_source_or_none_is_a_query(name, check):
    rows, first = extract_case(name, lambda r: r.append(
        {"measure": "Shoplifting", "quarter": "2026-Q1", "count": 3}))
    checks = check(name, rows)
    found = checks[f"CSP-{first:03d}"]
    assert failed(checks) == {f"CSP-{first:03d}"}
    assert (found.severity, found.unexpected_count) == ("query", 1)
    assert found.location == f"{name}.csv, column A (measure), row 8"
    assert found.sample == "Shoplifting"


def test_a_fire_measure_in_the_police_extract_is_unknown(check):
    rows = extract_rows({"Shop theft": POLICE["Shop theft"], "Deliberate fires": [1] * 6})
    found = check("police-extract", rows)["CSP-001"]
    assert found.unexpected_count == 6 and found.sample == "Deliberate fires"


@pytest.mark.parametrize("name", EXTRACTS)
def test_quarters_outside_last_and_this_financial_year_are_queries(name, check):
    def change(rows):
        rows[0]["quarter"] = "2024-Q4"  # before last financial year
        rows[5]["quarter"] = "2026-Q3"  # after the period
        rows[3]["quarter"] = ""

    rows, first = extract_case(name, change)
    checks = check(name, rows)
    code = f"CSP-{first + 1:03d}"
    assert failed(checks) == {code}
    assert checks[code].location == f"{name}.csv, column B (quarter), rows 2, 5, 7"
    assert checks[code].sample == "2024-Q4, (blank), 2026-Q3"


@pytest.mark.parametrize("name", EXTRACTS)
def test_two_counts_for_one_measure_and_quarter_are_an_error(name, check):
    def change(rows):
        rows.append({**rows[2], "quarter": "2025-q3", "count": 7})

    rows, first = extract_case(name, change)
    checks = check(name, rows)
    code = f"CSP-{first + 2:03d}"
    measure = EXTRACTS[name][2]
    assert failed(checks) == {code}
    assert checks[code].location == f"{name}.csv, column A (measure), B (quarter), rows 4, 8"
    assert checks[code].sample == f"{measure} / 2025-Q3, {measure} / 2025-q3"


@pytest.mark.parametrize("name", EXTRACTS)
def test_a_blank_count_is_an_error(name, check):
    rows, first = extract_case(name, lambda r: r[4].update(count=""))
    checks = check(name, rows)
    code = f"CSP-{first + 3:03d}"
    assert failed(checks) == {code}
    assert checks[code].location == f"{name}.csv, column C (count), row 6"


@pytest.mark.parametrize("name", EXTRACTS)
def test_a_negative_count_is_an_error(name, check):
    rows, first = extract_case(name, lambda r: r[4].update(count=-3))
    checks = check(name, rows)
    code = f"CSP-{first + 4:03d}"
    assert failed(checks) == {code}
    assert (checks[code].location, checks[code].sample) == (
        f"{name}.csv, column C (count), row 6", "-3")


@pytest.mark.parametrize("name", EXTRACTS)
def test_no_data_in_an_extract_is_its_own_state_not_zero(name, tmp_path):
    counts, _, measure = EXTRACTS[name]
    values = [NO_DATA if i in (1, 4) else c for i, c in enumerate(counts[measure])]
    values[4] = "[x]"
    frame = gather(tmp_path, name, extract_rows({measure: values})).frame
    states = [None, "not available", None, None, "not available", None]
    assert frame[state_column("count")].tolist() == states
    assert frame["count"].isna().tolist() == [s is not None for s in states]
    assert frame["_count_given"].all()


def test_words_in_a_count_that_mean_no_state_are_not_a_count(tmp_path):
    path = tmp_path / "police-extract.csv"
    pd.DataFrame(extract_rows({"Shop theft": [1, "n/a", 3, 4, 5, 6]})).to_csv(path, index=False)
    got = collect.fn(SOURCES["police-extract"], [path], tmp_path / "archive", CTX)
    [bad] = [c for c in got.checks if not c.success]
    assert (bad.code, bad.severity, bad.location, bad.sample) == (
        "FILE-TYPE", "error", "police-extract.csv, column C (count), row 3", "n/a")


# --- the draft table -----------------------------------------------------------------------

DRAFT_CASES = {  # code: (changes, location, sample)
    "CSP-011": (lambda rows: rows.append({**rows[0], "measure": "Shoplifting"}),
                "draft-table.csv, column A (measure), row 6", "Shoplifting"),
    "CSP-012": (lambda rows: rows.append({**rows[0], "measure": "shop-theft"}),
                "draft-table.csv, column A (measure), rows 2, 6", "Shop theft, shop-theft"),
    "CSP-014": (lambda rows: rows[1].update(direction="falling"),
                "draft-table.csv, column I (direction), row 3", "falling"),
    "CSP-015": (lambda rows: (rows[0].update(msg_rank=0), rows[1].update(msg_rank=16)),
                "draft-table.csv, column J (msg_rank), rows 2, 3", "0, 16"),
    "CSP-016": (lambda rows: rows[1].update(msg_group_rate="-0.01"),
                "draft-table.csv, column K (msg_group_rate), row 3", "-0.01"),
    "CSP-017": (lambda rows: rows[0].update(msg_rank=""),
                "draft-table.csv, column J (msg_rank), K (msg_group_rate), row 2",
                "(blank) / 1.2"),
}


@pytest.mark.parametrize("code", DRAFT_CASES)
def test_draft_rules(code, check):
    change, location, sample = DRAFT_CASES[code]
    rows = draft_rows()
    change(rows)
    checks = check("draft-table", rows)
    assert failed(checks) == {code}
    assert (checks[code].severity, checks[code].location, checks[code].sample) == (
        SEVERITY[code], location, sample)


def test_percentages_and_states_written_other_ways_are_readable(check):
    rows = draft_rows(Shop_theft={"pct_difference": "7.1"},
                      Residential_burglary={"msg_rank": "[x]", "msg_group_rate": ".."},
                      Forced_marriage={"pct_difference": "Not applicable"})
    assert failed(check("draft-table", rows)) == set()


def test_blank_msg_figures_are_queried_only_for_a_measure_compared_with_its_group(check):
    """Forced marriage is not compared with its most similar group: its MSG cells are blank
    in every draft here, and the rule lets them be."""
    rows = draft_rows(Residential_burglary={"msg_rank": "", "msg_group_rate": ""},
                      Deliberate_fires={"msg_rank": "n/a", "msg_group_rate": "n/a"})
    found = check("draft-table", rows)["CSP-017"]
    assert (found.unexpected_count, found.location) == (
        2, "draft-table.csv, column J (msg_rank), K (msg_group_rate), rows 3, 4")


# --- the return: every quarter counted, every measure drafted, every figure agreeing -------


def test_a_measure_missing_a_quarter_is_an_error_naming_measure_and_quarter(check_return):
    rows = [r for r in extract_rows(POLICE)
            if (r["measure"], r["quarter"]) != ("Shop theft", "2025-Q3")]
    checks, _ = check_return(police=rows)
    assert failed(checks) == {"CSP-R03"}
    found = checks["CSP-R03"]
    assert (found.severity, found.unexpected_count) == ("error", 1)
    assert found.location == "quarters, Measure and quarter Shop theft 2025-Q3, count"


def test_a_measure_missing_from_its_extract_misses_every_quarter(check_return):
    checks, _ = check_return(police=extract_rows({m: POLICE[m] for m in POLICE
                                                  if m != "Forced marriage"}))
    found = checks["CSP-R03"]
    assert found.unexpected_count == 6
    assert found.location == "quarters, Measure and quarter " + ", ".join(
        f"Forced marriage {q}" for q in QUARTERS) + ", count"


def test_a_measure_without_a_draft_row_is_a_query(check_return):
    rows = [r for r in draft_rows() if r["measure"] != "Residential burglary"]
    checks, _ = check_return(draft=rows)
    assert failed(checks) == {"CSP-R02"}
    found = checks["CSP-R02"]
    assert (found.severity, found.location, found.sample) == (
        "query", "draft-rows, Measure Residential burglary, rows in draft", "0")


def test_a_draft_percentage_that_disagrees_is_a_query_naming_both_values(check_return):
    checks, _ = check_return(draft=draft_rows(Shop_theft={"pct_difference": "-7.1%"}))
    assert failed(checks) == {"CSP-R01"}
    found = checks["CSP-R01"]
    assert (found.severity, found.unexpected_count) == ("query", 1)
    assert found.location == "draft-check, Figure Shop theft: % difference, draft, recomputed"
    assert found.sample == "-7.1% / 7.1%"


def test_a_draft_number_where_there_is_no_data_disagrees(check_return):
    checks, _ = check_return(draft=draft_rows(Deliberate_fires={
        "same_quarter_last_year": 0, "last_year_to_date": 30}))
    found = checks["CSP-R01"]
    assert found.unexpected_count == 2
    assert found.location == ("draft-check, Figure Deliberate fires: Q2 2025/26 (Jul-Sep), "
                              "Deliberate fires: Year to date Apr-Sep 2025, draft, recomputed")
    assert found.sample == "0 / No data available, 30 / No data available"


def says(notes: list[str], *phrases: str) -> None:
    """The run's first note is the draft's rounding, in these words."""
    assert notes[0].startswith("This draft ")
    assert all(phrase in notes[0] for phrase in phrases), notes[0]


def test_the_base_draft_rounds_to_the_nearest_and_says_so(check_return):
    checks, notes = check_return()
    assert failed(checks) == set()
    says(notes, "rounds percentages to the nearest", "rounds rates per 1,000 half up")


def test_a_truncating_draft_agrees_at_the_places_each_cell_shows(check_return):
    """-16.67% truncated prints -16.6%; 7.14% at no decimal places prints 7%; rates
    2.375, 2.1875 and 0.525 truncated print 2.37, 2.18 and 0.52."""
    checks, notes = check_return(draft=draft_rows(
        Shop_theft={"pct_difference": "7%", "own_rate": "2.37"},
        Residential_burglary={"pct_difference": "-16.6%", "own_rate": "2.18"},
        Deliberate_fires={"own_rate": "0.52"}))
    assert failed(checks) == set()
    says(notes, "truncates percentages", "truncates rates per 1,000")


def test_a_cell_rounded_half_up_in_a_truncating_draft_is_queried(check_return):
    checks, notes = check_return(draft=draft_rows(
        Shop_theft={"own_rate": "2.37"}, Residential_burglary={"own_rate": "2.18"},
        Deliberate_fires={"own_rate": "0.53"}))  # 0.525 rounded half up
    assert failed(checks) == {"CSP-R01"}
    found = checks["CSP-R01"]
    assert found.location == ("draft-check, Figure Deliberate fires: Own rate per 1,000 "
                              "(rolling 12 months), draft, recomputed")
    assert found.sample == "0.53 / 0.52"
    # One cell out of step is a slip, queried; two would be a second convention.
    says(notes, "rounds percentages to the nearest",
         "truncates rates per 1,000 (rounds toward zero); 1 cell rounds another way and is "
         "queried")


def test_a_wrong_figure_is_queried_at_the_places_it_shows(check_return):
    checks, _ = check_return(draft=draft_rows(
        Shop_theft={"pct_difference": "8%"},  # 7.14%
        Residential_burglary={"pct_difference": "-16.67%", "own_rate": "2.3"}))  # -16.667%
    found = checks["CSP-R01"]
    assert found.unexpected_count == 2
    assert found.sample == "8% / 7%, 2.3 / 2.2"  # 2.1875
