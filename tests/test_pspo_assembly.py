"""PSPO assembly and reconciliation: the tables from a handful of breaches, and their sums."""

import pandas as pd
import pytest
from conftest import breach, write_log

from statreturns.declaration import NOTES
from tasks.read import read_source
from tasks.validate import check_figures, load_suite, suite_path

ORDERS = ["City Centre", "Erdington High Street", "Station Road clinic safe zone",
          "Soho, Lozells & East Handsworth", "Sparkbrook alcohol restriction"]
MONTHS = ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
          "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]

ROWS = [
    # City Centre: a warning, a paid FPN, an outstanding FPN with no ward recorded.
    breach(breach_id="B1"),
    breach(breach_id="B2", breach_datetime="2026-06-15 22:00", ward="Nechells",
           condition="Under the influence of alcohol or intoxicating substances",
           outcome="FPN paid", fpn_issued_date="2026-06-15", fpn_amount="100",
           outcome_date="2026-07-01", person_name="  alex   EXAMPLE "),  # the same as B1
    breach(breach_id="B3", breach_datetime="2026-07-02 20:00", ward="", outcome="FPN issued",
           fpn_issued_date="2026-07-02", fpn_amount="100", outcome_date="",
           person_name="Sam Other", person_dob="1985-05-05"),
    # Erdington High Street, written with names and with codes: a prosecution after an FPN
    # and a cancelled FPN, by one person.
    breach(breach_id="B4", order="Erdington High Street", condition="Alcohol restriction area",
           ward="Erdington", breach_datetime="2026-07-20 18:00", outcome="Prosecution",
           fpn_issued_date="2026-07-20", fpn_amount="100", outcome_date="2026-08-10",
           person_name="Jo Bloggs", person_dob="2000-03-04"),
    breach(breach_id="B5", order="erdington-high-street", condition="groups-gathering",
           ward="Stockland Green", breach_datetime="2025-11-05 14:00", outcome="FPN cancelled",
           fpn_issued_date="2025-11-05", fpn_amount="75", outcome_date="2025-12-01",
           person_name="Jo Bloggs", person_dob="2000-03-04"),
]


def tables_of(rows, path, pspo, ctx) -> dict[str, pd.DataFrame]:
    source = pspo.sources[0]
    loaded = read_source(write_log(path, rows), source)
    assert [c.code for c in loaded.checks if not c.success] == []
    return pspo.assemble({"enforcement-log": source.derive(loaded.frame, ctx)}, ctx)


@pytest.fixture(scope="module")
def tables(tmp_path_factory, pspo, ctx):
    return tables_of(ROWS, tmp_path_factory.mktemp("assembly") / "log.csv", pspo, ctx)


@pytest.fixture
def assemble(tmp_path, pspo, ctx):
    return lambda *rows: tables_of(list(rows), tmp_path / "log.csv", pspo, ctx)


def row(table: pd.DataFrame, key: str) -> dict:
    """The row whose first column is `key`, without that column."""
    (found,) = table[table.iloc[:, 0] == key].to_dict("records")
    found.pop(table.columns[0])
    return found


def zeros(*columns: str) -> dict:
    return dict.fromkeys(columns, 0)


# --- the tables --------------------------------------------------------------------------------


def test_assembles_every_declared_table_and_its_notes(tables, pspo):
    assert list(tables) == [*(t.name for t in pspo.tables), NOTES]
    assert tables[NOTES]["note"].tolist() == []  # every breach in the period, wards as named


def test_order_totals(tables):
    assert tables["order_totals"].to_dict("list") == {
        "Order": ORDERS,
        "Breaches": [3, 2, 0, 0, 0],
        "FPNs issued": [2, 2, 0, 0, 0],
        "Prosecuted after FPN": [0, 1, 0, 0, 0],
        "FPNs unpaid after 6 months": [0, 0, 0, 0, 0],
        "FPN income (GBP)": [100.0, 0.0, 0.0, 0.0, 0.0],
    }


def test_by_condition_month_columns_are_the_period_months_and_a_total(tables):
    table = tables["by_condition_month"]
    assert list(table.columns) == ["Order", "Condition", "Section", *MONTHS, "Total"]
    assert len(table) == 12 + 1  # every condition of the five orders, and the Total row


def test_by_condition_month_counts_each_condition_in_its_month(tables):
    table = tables["by_condition_month"]
    groups = table[(table["Order"] == "City Centre")
                   & (table["Condition"] == "Groups causing anti-social behaviour")]
    (counts,) = groups.to_dict("records")
    assert counts == {"Order": "City Centre", "Condition": "Groups causing anti-social behaviour",
                      "Section": "s.67", **zeros(*MONTHS), "2026-06": 1, "2026-07": 1,
                      "Total": 2}
    erdington = table[table["Order"] == "Erdington High Street"]
    assert erdington["Condition"].tolist() == ["Alcohol restriction area", "Groups gathering",
                                               "Possession of intoxicating substances"]
    assert erdington["Section"].tolist() == ["s.63", "s.67", "s.67"]
    assert erdington["2025-11"].tolist() == [0, 1, 0]
    assert erdington["2026-07"].tolist() == [1, 0, 0]
    assert erdington["Total"].tolist() == [1, 1, 0]


def test_by_condition_month_total_row(tables):
    total = tables["by_condition_month"].iloc[-1].to_dict()
    assert total == {"Order": "Total", "Condition": "", "Section": "", **zeros(*MONTHS),
                     "2025-11": 1, "2026-06": 2, "2026-07": 2, "Total": 5}


def test_by_ward_lists_every_ward_of_the_orders_and_not_recorded(tables):
    assert tables["by_ward"]["Ward"].tolist() == [
        "Bordesley & Highgate", "Erdington", "Handsworth", "Kings Norton North", "Ladywood",
        "Lozells", "Nechells", "Not recorded", "Soho & Jewellery Quarter",
        "Sparkbrook & Balsall Heath", "Stockland Green", "Total"]
    assert list(tables["by_ward"].columns) == ["Ward", *ORDERS, "Total"]


def test_by_ward_counts(tables):
    table = tables["by_ward"]
    assert row(table, "Ladywood") == {**zeros(*ORDERS), "City Centre": 1, "Total": 1}
    assert row(table, "Nechells") == {**zeros(*ORDERS), "City Centre": 1, "Total": 1}
    assert row(table, "Not recorded") == {**zeros(*ORDERS), "City Centre": 1, "Total": 1}
    assert row(table, "Erdington") == {**zeros(*ORDERS), "Erdington High Street": 1, "Total": 1}
    assert row(table, "Lozells") == {**zeros(*ORDERS), "Total": 0}
    assert row(table, "Total") == {**zeros(*ORDERS), "City Centre": 3,
                                   "Erdington High Street": 2, "Total": 5}


OUTCOME_COLUMNS = ["Warning", "Words of advice", "No further action",
                   "Community protection warning", "Referred to support", "FPN outstanding",
                   "FPN paid", "FPN cancelled", "FPN withdrawn", "Prosecuted"]


def test_outcomes(tables):
    table = tables["outcomes"]
    assert list(table.columns) == ["Order", *OUTCOME_COLUMNS, "Total"]
    assert table["Order"].tolist() == [*ORDERS, "Total"]
    assert row(table, "City Centre") == {**zeros(*OUTCOME_COLUMNS), "Warning": 1,
                                         "FPN outstanding": 1, "FPN paid": 1, "Total": 3}
    assert row(table, "Erdington High Street") == {
        **zeros(*OUTCOME_COLUMNS), "FPN cancelled": 1, "Prosecuted": 1, "Total": 2}
    assert row(table, "Sparkbrook alcohol restriction")["Total"] == 0
    assert row(table, "Total") == {**zeros(*OUTCOME_COLUMNS), "Warning": 1,
                                   "FPN outstanding": 1, "FPN paid": 1, "FPN cancelled": 1,
                                   "Prosecuted": 1, "Total": 5}


def test_outcomes_in_officers_words_are_counted_as_the_authoritys(assemble):
    tables = assemble(*ROWS, breach(breach_id="B6", outcome="words of advice"),
                      breach(breach_id="B7", outcome="NFA"), breach(breach_id="B8", outcome="CPW"),
                      breach(breach_id="B9", outcome="Referred to support services"),
                      breach(breach_id="B10", outcome="Withdrawn", fpn_issued_date="2026-06-10",
                             fpn_amount="100", outcome_date="2026-06-20"),
                      breach(breach_id="B11", outcome="Stern look"))
    table = tables["outcomes"]
    assert list(table.columns) == ["Order", *OUTCOME_COLUMNS, "Other outcome", "Total"]
    assert row(table, "City Centre") == {
        **zeros(*OUTCOME_COLUMNS), "Warning": 1, "Words of advice": 1, "No further action": 1,
        "Community protection warning": 1, "Referred to support": 1, "FPN outstanding": 1,
        "FPN paid": 1, "FPN withdrawn": 1, "Other outcome": 1, "Total": 9}
    assert row(tables["order_totals"], "City Centre")["FPNs issued"] == 3


def test_fpns_unpaid_six_months_after_the_breach_are_counted(assemble):
    """Past six months no prosecution can begin: the notice can no longer be enforced."""
    tables = assemble(breach(breach_id="B1", breach_datetime="2026-04-30 10:00",
                             outcome="FPN issued", fpn_issued_date="2026-04-30",
                             fpn_amount="100"),
                      breach(breach_id="B2", breach_datetime="2026-05-01 10:00",
                             outcome="FPN issued", fpn_issued_date="2026-05-01",
                             fpn_amount="100"),
                      breach(breach_id="B3", breach_datetime="2026-03-01 10:00",
                             outcome="FPN paid", fpn_issued_date="2026-03-01",
                             fpn_amount="100", outcome_date="2026-03-20"))
    assert row(tables["order_totals"], "City Centre")["FPNs unpaid after 6 months"] == 1


def test_breaches_outside_the_period_are_left_out_with_a_note(assemble, pspo, ctx):
    tables = assemble(*ROWS, breach(breach_id="B6", breach_datetime="2025-10-31 23:59"),
                      breach(breach_id="B7", breach_datetime="2025-04-02 09:00",
                             condition="No such condition"))
    assert row(tables["order_totals"], "City Centre")["Breaches"] == 3
    assert tables[NOTES]["note"].tolist() == [
        "2 rows of the log fall outside the period, or have no date, and are left out."]
    assert pspo.reconcile(tables, ctx)["rows-in-period"]["rows"].tolist() == [5]


def test_wards_are_counted_under_their_official_names(assemble):
    tables = assemble(breach(breach_id="B1", ward="Ladywood"),
                      breach(breach_id="B2", ward=" ladywood "),
                      breach(breach_id="B3", ward="Lady Wood"),
                      breach(breach_id="B4", ward="Soho"),
                      breach(breach_id="B5", ward="Soho and Jewellery Quarter"))
    by_ward = tables["by_ward"]
    assert row(by_ward, "Ladywood")["City Centre"] == 3
    assert row(by_ward, "Soho & Jewellery Quarter")["City Centre"] == 2
    assert not {"ladywood", "Lady Wood", "Soho"} & set(by_ward["Ward"])
    assert tables[NOTES]["note"].tolist() == [
        "1 breach logged in Soho counted in Soho & Jewellery Quarter, the ward that replaced "
        "it in a boundary change."]


def test_trend_has_twelve_months_and_a_total_row(tables):
    table = tables["trend"]
    assert table["Month"].tolist() == [*MONTHS, "Total"]
    assert list(table.columns) == ["Month", *ORDERS, "Total"]
    assert row(table, "2025-11") == {**zeros(*ORDERS), "Erdington High Street": 1, "Total": 1}
    assert row(table, "2026-06") == {**zeros(*ORDERS), "City Centre": 2, "Total": 2}
    assert row(table, "2026-07") == {**zeros(*ORDERS), "City Centre": 1,
                                     "Erdington High Street": 1, "Total": 2}
    assert row(table, "2026-10") == {**zeros(*ORDERS), "Total": 0}
    assert row(table, "Total") == {**zeros(*ORDERS), "City Centre": 3,
                                   "Erdington High Street": 2, "Total": 5}


def test_count_columns_are_whole_numbers(tables):
    for name in ("by_condition_month", "by_ward", "outcomes", "trend"):
        table = tables[name]
        assert (table.select_dtypes("number").dtypes == "int64").all(), name
        assert table["Total"].dtype == "int64", name


def test_repeat_breachers_match_names_ignoring_case_and_spaces(tables):
    assert tables["repeat_breachers"].to_dict("list") == {
        "Order": [*ORDERS, "All orders"],
        "People recorded": [2, 1, 0, 0, 0, 3],
        "People with 2 or more breaches": [1, 1, 0, 0, 0, 2],
        "Breaches by them": [2, 2, 0, 0, 0, 4],
    }


def test_repeat_breachers_never_show_names(tables):
    text = tables["repeat_breachers"].to_csv()
    assert "alex" not in text.lower() and "bloggs" not in text.lower()


def test_the_same_name_with_another_date_of_birth_is_another_person(assemble):
    tables = assemble(breach(breach_id="B1"), breach(breach_id="B2", person_dob="1990-01-03"))
    assert row(tables["repeat_breachers"], "All orders") == {
        "People recorded": 2, "People with 2 or more breaches": 0, "Breaches by them": 0}


def test_one_person_breaching_two_orders_repeats_only_across_all_orders(assemble):
    tables = assemble(breach(breach_id="B1"),
                      breach(breach_id="B2", order="Erdington High Street",
                             condition="Groups gathering", ward="Erdington"))
    repeat = tables["repeat_breachers"]
    assert row(repeat, "City Centre") == {"People recorded": 1,
                                          "People with 2 or more breaches": 0,
                                          "Breaches by them": 0}
    assert row(repeat, "All orders") == {"People recorded": 1,
                                         "People with 2 or more breaches": 1,
                                         "Breaches by them": 2}


def test_a_breach_without_name_or_date_of_birth_is_no_person(assemble):
    tables = assemble(breach(breach_id="B1", person_name="", person_dob=""),
                      breach(breach_id="B2", person_name="", person_dob=""),
                      breach(breach_id="B3", person_dob=""))
    assert row(tables["repeat_breachers"], "All orders")["People recorded"] == 0
    assert row(tables["order_totals"], "City Centre")["Breaches"] == 3


def test_income_counts_paid_penalties_only(assemble):
    tables = assemble(
        breach(breach_id="B1", outcome="FPN paid", fpn_issued_date="2026-06-10",
               fpn_amount="80"),
        breach(breach_id="B2", outcome="FPN paid", fpn_issued_date="2026-06-10",
               fpn_amount="100"),
        breach(breach_id="B3", outcome="FPN cancelled", fpn_issued_date="2026-06-10",
               fpn_amount="100"),
        breach(breach_id="B4", outcome="FPN issued", fpn_issued_date="2026-06-10",
               fpn_amount="100"))
    assert row(tables["order_totals"], "City Centre")["FPN income (GBP)"] == 180.0


# --- reconciliation ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def return_suite():
    return load_suite(suite_path("pspo-breaches", "reconciliation"))


def check_return(pspo, ctx, tables, suite) -> dict:
    checks = check_figures(pspo.id, pspo.reconcile(tables, ctx))
    assert {c.suite for c in checks} == {suite.name, "rows-in-period"}
    return {c.code: c for c in checks}


def test_reconcile_gives_one_row_per_order_with_every_way_of_counting(tables, pspo, ctx):
    frame = pspo.reconcile(tables, ctx)["reconciliation"]
    assert frame.to_dict("list") == {
        "order": ORDERS,
        "breaches": [3, 2, 0, 0, 0],
        "by_condition": [3, 2, 0, 0, 0],
        "by_ward": [3, 2, 0, 0, 0],
        "by_month": [3, 2, 0, 0, 0],
        "by_outcome": [3, 2, 0, 0, 0],
        "fpns_issued": [2, 2, 0, 0, 0],
        "fpns_accounted": [2, 2, 0, 0, 0],
        "prosecuted_after_fpn": [0, 1, 0, 0, 0],
        "prosecuted": [0, 1, 0, 0, 0],
    }


def test_consistent_data_passes_the_return_suite(tables, pspo, ctx, return_suite):
    checks = check_return(pspo, ctx, tables, return_suite)
    assert sorted(checks) == [f"PSPO-R0{n}" for n in range(1, 8)]
    assert [code for code, c in checks.items() if not c.success] == []
    assert {c.severity for c in checks.values()} == {"error"}


def test_a_warning_with_an_fpn_date_breaks_the_fpn_sum(assemble, pspo, ctx, return_suite):
    tables = assemble(*ROWS, breach(breach_id="B6", outcome="Warning",
                                    fpn_issued_date="2026-06-10"))
    frame = pspo.reconcile(tables, ctx)["reconciliation"]
    assert frame.loc[0, ["fpns_issued", "fpns_accounted"]].tolist() == [3, 2]
    checks = check_return(pspo, ctx, tables, return_suite)
    assert [code for code, c in checks.items() if not c.success] == ["PSPO-R05"]
    found = checks["PSPO-R05"]
    assert found.severity == "error"
    assert found.unexpected_count == 1
    assert found.location == "reconciliation, order City Centre, fpns_issued, fpns_accounted"


def test_a_condition_not_of_the_order_breaks_the_condition_sum(assemble, pspo, ctx,
                                                               return_suite):
    tables = assemble(breach(breach_id="B1"),
                      breach(breach_id="B2", condition="Alcohol restriction area"))
    frame = pspo.reconcile(tables, ctx)["reconciliation"]
    assert frame.loc[0, ["breaches", "by_condition", "by_ward"]].tolist() == [2, 1, 2]
    checks = check_return(pspo, ctx, tables, return_suite)
    assert [code for code, c in checks.items() if not c.success] == ["PSPO-R01"]
