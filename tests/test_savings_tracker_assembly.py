"""Savings tracker assembly: the tables and headline from a handful of savings (one of them
delivered in part), the savings carried forward, over-delivered, reversed and moved, the
published 2017/18 mix, and the first month of a year (nothing to compare with)."""

import pandas as pd
import pytest
from test_savings_tracker_rules import REGISTER, SUBMISSIONS, gather, saving, status

from flows.savings_tracker import DECLARATION, month_number, year_so_far
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period

OTHERS = ["Economy", "Place", "Transformation", "Cross-cutting"]
DIRECTORATES = ["Adults", "Children", *OTHERS, "Total"]
DELIVERY = ["Directorate", "Target", "Delivered to date", "Forecast", "Shortfall",
            "Over-delivery", "Shortfall: one-off mitigation", "Shortfall: recurring mitigation",
            "Shortfall: no mitigation"]


def context(period: str) -> Context:
    return Context("demo", parse_period(period), authorities.load_config(DECLARATION, "demo"))


def assembled(folder, period: str, register: list[dict], submissions: dict,
              queries: frozenset = frozenset()) -> dict:
    """The tables, the checks having failed on exactly the `queries` (and those queries)."""
    checks, tables = gather(folder, context(period), register, submissions)
    assert {c.code: c.severity for c in checks if not c.success} == dict.fromkeys(
        queries, "query")
    return tables


def delivery(rows: dict[str, list[float]]) -> pd.DataFrame:
    """The table of delivery, from the rows that are not all nought."""
    return pd.DataFrame([[d, *rows.get(d, [0.0] * 8)] for d in DIRECTORATES],
                        columns=DELIVERY).astype({c: float for c in DELIVERY[1:]})


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return assembled(tmp_path_factory.mktemp("assembly"), "2026-10", REGISTER, SUBMISSIONS)


@pytest.mark.parametrize(("period", "number", "first", "last"), [
    ("2026-04", 1, "2026-04", "2026-04"), ("2026-10", 7, "2026-04", "2026-10"),
    ("2027-01", 10, "2026-04", "2027-01"), ("2027-03", 12, "2026-04", "2027-03")])
def test_the_month_of_the_financial_year(period, number, first, last):
    months = year_so_far(parse_period(period))
    assert month_number(parse_period(period)) == number
    assert (len(months), months[0], months[-1]) == (number, first, last)


def test_by_directorate_adds_whole_targets_by_this_months_status(tables):
    expected = pd.DataFrame({
        "Directorate": DIRECTORATES,
        "Delivered": [0.0, 0, 0, 250.0, 0, 0, 250.0],
        "On track": [500.0, 200.0, 0, 0, 0, 0, 700.0],
        "At risk": [300.0, 0, 0, 0, 0, 0, 300.0],
        "Delayed": [0.0] * 7,
        "Undeliverable": [0.0, 400.0, 0, 0, 0, 0, 400.0],
        "Total": [800.0, 600.0, 0, 250.0, 0, 0, 1650.0],
    })
    pd.testing.assert_frame_equal(tables["by_directorate"], expected)


def test_delivery_gives_delivered_forecast_and_shortfall_by_directorate_and_mitigation(tables):
    """ADU-002 is forecast at 200 of 300 (one-off mitigation), CHI-001 at nothing of 400
    and PLA-001 was delivered at 150 of 250 (both recurring): their shortfall is a figure
    of its own, not their whole target under one status."""
    expected = delivery({
        "Adults": [800.0, 360.0, 700.0, 100.0, 0.0, 100.0, 0.0, 0.0],
        "Children": [600.0, 100.0, 200.0, 400.0, 0.0, 0.0, 400.0, 0.0],
        "Place": [250.0, 150.0, 150.0, 100.0, 0.0, 0.0, 100.0, 0.0],
        "Total": [1650.0, 610.0, 1050.0, 600.0, 0.0, 100.0, 500.0, 0.0],
    })
    pd.testing.assert_frame_equal(tables["delivery"], expected)


def test_by_status_gives_the_amounts_and_prints_percentages_of_the_target(tables):
    expected = pd.DataFrame({
        "Status": ["Delivered", "On track", "At risk", "Delayed", "Undeliverable", "Total"],
        "Savings": [1, 2, 1, 0, 1, 5],
        "Target (GBP k)": [250.0, 700.0, 300.0, 0.0, 400.0, 1650.0],
        "Delivered to date (GBP k)": [150.0, 400.0, 60.0, 0.0, 0.0, 610.0],
        "Forecast (GBP k)": [150.0, 700.0, 200.0, 0.0, 0.0, 1050.0],
        "Shortfall (GBP k)": [100.0, 0.0, 100.0, 0.0, 400.0, 600.0],
        "% of target": ["15.2", "42.4", "18.2", "0.0", "24.2", "100.0"],
    })
    pd.testing.assert_frame_equal(tables["by_status"], expected)


def test_movements_are_the_savings_whose_status_or_forecast_changed(tables):
    expected = pd.DataFrame({
        "Reference": ["CHI-001", "CHI-002", "PLA-001"],
        "Directorate": ["Children", "Children", "Place"],
        "Description": ["Fostering", "Transport", "Parking charges"],
        "Status last month": ["Delayed", "At risk", "On track"],
        "Status this month": ["Undeliverable", "On track", "Delivered"],
        "Forecast last month": [150.0, 150.0, 250.0],
        "Forecast this month": [0.0, 200.0, 150.0],
        "Change": [-150.0, 50.0, -100.0],
    })
    pd.testing.assert_frame_equal(tables["movements"], expected)


def test_a_forecast_revised_with_the_same_status_is_a_movement(tmp_path):
    adults = [{**row, "forecast_gbp_k": "250", "commentary": "Lower demand."}
              if (row["reference"], row["month"]) == ("ADU-002", "2026-10") else row
              for row in SUBMISSIONS["adults"]]
    moved = assembled(tmp_path, "2026-10", REGISTER, {**SUBMISSIONS, "adults": adults})
    first = moved["movements"].iloc[0].to_dict()
    assert first == {"Reference": "ADU-002", "Directorate": "Adults",
                     "Description": "Care packages", "Status last month": "At risk",
                     "Status this month": "At risk", "Forecast last month": 200.0,
                     "Forecast this month": 250.0, "Change": 50.0}
    assert list(moved["movements"]["Reference"]) == ["ADU-002", "CHI-001", "CHI-002",
                                                     "PLA-001"]


def test_at_risk_lists_the_worst_first_with_shortfall_and_kind_of_mitigation(tables):
    expected = pd.DataFrame({
        "Reference": ["CHI-001", "ADU-002"], "Directorate": ["Children", "Adults"],
        "Description": ["Fostering", "Care packages"],
        "Status": ["Undeliverable", "At risk"], "Target": [400.0, 300.0],
        "Forecast": [0.0, 200.0], "Shortfall": [400.0, 100.0],
        "Mitigation": ["Replacement saving", "Vacancy freeze"],
        "Mitigation type": ["Recurring", "One-off"],
    })
    pd.testing.assert_frame_equal(tables["at_risk"], expected)


def test_a_plain_month_has_no_special_cases(tables):
    assert tables["special_cases"].empty
    assert list(tables["special_cases"].columns) == [
        "Reference", "Directorate", "Description", "Status", "Target", "Delivered to date",
        "Forecast", "Note"]


def test_headline(tables):
    assert DECLARATION.headline(tables, context("2026-10")) == [
        ("Month 7 of 2026/27 monitoring", "October 2026"),
        ("Savings tracked", "5"),
        ("Total savings target", "£1,650k"),
        ("Delivered to date", "£610k"),
        ("Forecast to be delivered", "£1,050k"),
        ("Shortfall against target", "£600k"),
        ("  with one-off mitigation", "£100k"),
        ("  with recurring mitigation", "£500k"),
        ("  with no mitigation", "£0k"),
        ("Over-delivery", "£0k"),
        ("Target of savings delivered", "15.2%"),
        ("  On track", "42.4%"),
        ("  At risk", "18.2%"),
        ("  Delayed or undeliverable", "24.2%"),
    ]


# --- what real trackers hold: accepted, shown, never blocking --------------------------------

SPECIAL_REGISTER = [
    saving("ADU-001", "Adults", 500, "Markets income"),
    saving("CHI-001", "Children", 400, "Fostering", financial_year="2025/26"),
    saving("CHI-002", "Children", 200, "Transport"),
    saving("PLA-002", "Place", -150, "Reversal of the garden waste charge increase"),
]
SPECIAL_SUBMISSIONS = {
    "adults": [
        status("ADU-001", "Adults", "2026-09", "On track", 500, 300),
        status("CHI-002", "Adults", "2026-09", "On track", 200, 80),  # before the restructure
        status("ADU-001", "Adults", "2026-10", "Delivered", 550, 550, "Income above plan."),
    ],
    "children": [
        status("CHI-001", "Children", "2026-09", "Delayed", 200, 40, "Slipped from 2025/26.",
               "Contingency", "One-off"),
        status("CHI-001", "Children", "2026-10", "Delayed", 200, 50, "Slipped from 2025/26.",
               "Contingency", "One-off"),
        status("CHI-002", "Children", "2026-10", "On track", 200, 100),
    ],
    "place": [
        status("PLA-002", "Place", "2026-09", "On track", -150, -75),
        status("PLA-002", "Place", "2026-10", "On track", -150, -88),
    ],
}


@pytest.fixture(scope="module")
def special(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """Over-delivery, a reversal and a move are queries for a person to look at; a saving
    carried forward from last year is the register's word, and asks nothing."""
    return assembled(tmp_path_factory.mktemp("special"), "2026-10", SPECIAL_REGISTER,
                     SPECIAL_SUBMISSIONS, queries=frozenset({"SAV-R03", "SAV-009", "SAV-021"}))


def test_special_cases_are_listed_with_what_makes_each_one(special):
    expected = pd.DataFrame({
        "Reference": ["ADU-001", "CHI-001", "CHI-002", "PLA-002"],
        "Directorate": ["Adults", "Children", "Children", "Place"],
        "Description": ["Markets income", "Fostering", "Transport",
                        "Reversal of the garden waste charge increase"],
        "Status": ["Delivered", "Delayed", "On track", "On track"],
        "Target": [500.0, 400.0, 200.0, -150.0],
        "Delivered to date": [550.0, 50.0, 100.0, -88.0],
        "Forecast": [550.0, 200.0, 200.0, -150.0],
        "Note": ["Over-delivery", "Carried forward from 2025/26",
                 "Moved: reported by Adults, then Children", "Reversal of an earlier saving"],
    })
    pd.testing.assert_frame_equal(special["special_cases"], expected)


def test_special_cases_count_in_the_tables_over_delivery_apart_from_shortfall(special):
    expected = delivery({
        "Adults": [500.0, 550.0, 550.0, 0.0, 50.0, 0.0, 0.0, 0.0],
        "Children": [600.0, 150.0, 400.0, 200.0, 0.0, 200.0, 0.0, 0.0],
        "Place": [-150.0, -88.0, -150.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "Total": [950.0, 612.0, 800.0, 200.0, 50.0, 200.0, 0.0, 0.0],
    })
    pd.testing.assert_frame_equal(special["delivery"], expected)
    assert special["by_directorate"].set_index("Directorate")["Total"].to_dict() == {
        "Adults": 500.0, "Children": 600.0, "Economy": 0.0, "Place": -150.0,
        "Transformation": 0.0, "Cross-cutting": 0.0, "Total": 950.0}
    assert list(special["by_status"]["% of target"]) == [
        "52.6", "5.3", "0.0", "42.1", "0.0", "100.0"]


def test_a_saving_reported_by_another_directorate_is_counted_under_the_registers(tmp_path):
    """The register still names Children: the saving stays there until it is moved."""
    children = [row for row in SUBMISSIONS["children"] if row["month"] == "2026-09"] + [
        SUBMISSIONS["children"][2]]
    adults = SUBMISSIONS["adults"] + [{**SUBMISSIONS["children"][3], "directorate": "Adults"}]
    tables = assembled(tmp_path, "2026-10", REGISTER,
                       {**SUBMISSIONS, "adults": adults, "children": children},
                       queries=frozenset({"SAV-021", "SAV-R02"}))
    [row] = tables["special_cases"].to_dict("records")
    assert (row["Reference"], row["Directorate"], row["Note"]) == (
        "CHI-002", "Children",
        "Moved: reported by Children, then Adults; the register still names Children")
    assert tables["by_directorate"]["Total"].tolist()[:2] == [800.0, 600.0]


def test_the_published_2017_18_summary_is_reproduced(tmp_path):
    """GBP 70.895m: 56.517 on track, 4.245 at risk, 3.101 delayed, 7.032 undeliverable,
    reported as 79.7% on track, 14.3% delayed or undeliverable and 6.0% at risk."""
    mix = [("PLA-001", "Place", 56517, "On track"), ("ADU-001", "Adults", 4245, "At risk"),
           ("ECO-001", "Economy", 3101, "Delayed"),
           ("XCT-001", "Cross-cutting", 7032, "Undeliverable")]
    register = [saving(ref, d, target, financial_year="2017/18") for ref, d, target, _ in mix]
    files = {d.lower(): [status(ref, d, "2018-03", words, 0 if words != "On track" else target,
                                0, "Reported to Cabinet.", "Compensating saving.", "One-off")]
             for ref, d, target, words in mix}
    tables = assembled(tmp_path, "2018-03", register, files)
    by_status = tables["by_status"]
    assert list(by_status["% of target"]) == ["0.0", "79.7", "6.0", "4.4", "9.9", "100.0"]
    assert by_status["Target (GBP k)"].iloc[-1] == 70895.0
    headline = DECLARATION.headline(tables, context("2018-03"))
    assert headline[0] == ("Month 12 of 2017/18 monitoring", "March 2018")
    assert headline[5] == ("Shortfall against target", "£14,378k")
    assert headline[10:] == [
        ("Target of savings delivered", "0.0%"), ("  On track", "79.7%"),
        ("  At risk", "6.0%"), ("  Delayed or undeliverable", "14.3%")]


def test_the_first_month_of_the_year_has_no_movements(tmp_path):
    """April: last month is in the year before (a row of it is a query, not read), so
    nothing moved and nothing worsened."""
    register = REGISTER[:2]
    adults = [status("ADU-001", "Adults", "2026-03", "At risk", 400),
              status("ADU-001", "Adults", "2026-04", "On track", 500),
              status("ADU-002", "Adults", "2026-04", "At risk", 250)]
    tables = assembled(tmp_path, "2026-04", register, {"adults": adults},
                       queries=frozenset({"SAV-015"}))
    assert tables["movements"].empty
    assert list(tables["movements"].columns) == [
        "Reference", "Directorate", "Description", "Status last month", "Status this month",
        "Forecast last month", "Forecast this month", "Change"]
    assert list(tables["at_risk"]["Reference"]) == ["ADU-002"]
    assert tables["at_risk"]["Mitigation type"].isna().all()
    assert tables["delivery"].iloc[-1]["Shortfall: no mitigation"] == 50.0
    assert DECLARATION.headline(tables, context("2026-04"))[0] == (
        "Month 1 of 2026/27 monitoring", "April 2026")
