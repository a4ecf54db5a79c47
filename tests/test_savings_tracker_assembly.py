"""Savings tracker assembly: the tables and headline from a handful of savings, the
published 2017/18 mix, and the first month of a year (nothing to compare with)."""

import pandas as pd
import pytest
from test_savings_tracker_rules import REGISTER, SUBMISSIONS, gather, saving, status

from flows.savings_tracker import DECLARATION, month_number, year_so_far
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period

OTHERS = ["Economy", "Place", "Transformation", "Cross-cutting"]


def context(period: str) -> Context:
    return Context("demo", parse_period(period), authorities.load_config(DECLARATION, "demo"))


def assembled(folder, period: str, register: list[dict], submissions: dict) -> dict:
    checks, tables = gather(folder, context(period), register, submissions)
    assert [c.code for c in checks if not c.success] == []
    return tables


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


def test_by_directorate_adds_targets_by_this_months_status(tables):
    expected = pd.DataFrame({
        "Directorate": ["Adults", "Children", *OTHERS, "Total"],
        "On track": [500.0, 200.0, 0, 0, 0, 0, 700.0],
        "At risk": [300.0, 0, 0, 0, 0, 0, 300.0],
        "Delayed": [0.0] * 7,
        "Undeliverable": [0.0, 400.0, 0, 0, 0, 0, 400.0],
        "Total": [800.0, 600.0, 0, 0, 0, 0, 1400.0],
    })
    pd.testing.assert_frame_equal(tables["by_directorate"], expected)


def test_by_status_prints_percentages_of_the_target(tables):
    expected = pd.DataFrame({
        "Status": ["On track", "At risk", "Delayed", "Undeliverable", "Total"],
        "Savings": [2, 1, 0, 1, 4],
        "Target (GBP k)": [700.0, 300.0, 0.0, 400.0, 1400.0],
        "Forecast (GBP k)": [700.0, 200.0, 0.0, 0.0, 900.0],
        "% of target": ["50.0", "21.4", "0.0", "28.6", "100.0"],
    })
    pd.testing.assert_frame_equal(tables["by_status"], expected)


def test_movements_are_the_savings_whose_status_or_forecast_changed(tables):
    expected = pd.DataFrame({
        "Reference": ["CHI-001", "CHI-002"], "Directorate": ["Children", "Children"],
        "Description": ["Fostering", "Transport"],
        "Status last month": ["Delayed", "At risk"],
        "Status this month": ["Undeliverable", "On track"],
        "Forecast last month": [150.0, 150.0], "Forecast this month": [0.0, 200.0],
        "Change": [-150.0, 50.0],
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
    assert list(moved["movements"]["Reference"]) == ["ADU-002", "CHI-001", "CHI-002"]


def test_at_risk_lists_the_worst_first_with_mitigations(tables):
    expected = pd.DataFrame({
        "Reference": ["CHI-001", "ADU-002"], "Directorate": ["Children", "Adults"],
        "Description": ["Fostering", "Care packages"], "Target": [400.0, 300.0],
        "Forecast": [0.0, 200.0], "Status": ["Undeliverable", "At risk"],
        "Mitigation": ["Reserves", "Vacancy freeze"],
    })
    pd.testing.assert_frame_equal(tables["at_risk"], expected)


def test_headline(tables):
    assert DECLARATION.headline(tables, context("2026-10")) == [
        ("Month 7 of 2026/27 monitoring", "October 2026"),
        ("Savings tracked", "4"),
        ("Total savings target", "£1,400k"),
        ("Forecast to be delivered", "£900k"),
        ("Target on track", "50.0%"),
        ("  At risk", "21.4%"),
        ("  Delayed or undeliverable", "28.6%"),
    ]


def test_the_published_2017_18_summary_is_reproduced(tmp_path):
    """GBP 70.895m: 56.517 on track, 4.245 at risk, 3.101 delayed, 7.032 undeliverable,
    reported as 79.7% on track, 14.3% delayed or undeliverable and 6.0% at risk."""
    mix = [("PLA-001", "Place", 56517, "On track"), ("ADU-001", "Adults", 4245, "At risk"),
           ("ECO-001", "Economy", 3101, "Delayed"),
           ("XCT-001", "Cross-cutting", 7032, "Undeliverable")]
    register = [saving(ref, d, target, financial_year="2017/18") for ref, d, target, _ in mix]
    files = {d.lower(): [status(ref, d, "2018-03", words, 0 if words != "On track" else target,
                                "Reported to Cabinet.", "Compensating saving.")]
             for ref, d, target, words in mix}
    tables = assembled(tmp_path, "2018-03", register, files)
    by_status = tables["by_status"]
    assert list(by_status["% of target"]) == ["79.7", "6.0", "4.4", "9.9", "100.0"]
    assert by_status["Target (GBP k)"].iloc[-1] == 70895.0
    assert DECLARATION.headline(tables, context("2018-03"))[0] == (
        "Month 12 of 2017/18 monitoring", "March 2018")
    assert DECLARATION.headline(tables, context("2018-03"))[4:] == [
        ("Target on track", "79.7%"), ("  At risk", "6.0%"),
        ("  Delayed or undeliverable", "14.3%")]


def test_the_first_month_of_the_year_has_no_movements(tmp_path):
    """April: last month is in the year before, so nothing moved and nothing worsened."""
    register = REGISTER[:2]
    adults = [status("ADU-001", "Adults", "2026-04", "On track", 500),
              status("ADU-002", "Adults", "2026-04", "At risk", 250)]
    tables = assembled(tmp_path, "2026-04", register, {"adults": adults})
    assert tables["movements"].empty
    assert list(tables["movements"].columns) == [
        "Reference", "Directorate", "Description", "Status last month", "Status this month",
        "Forecast last month", "Forecast this month", "Change"]
    assert list(tables["at_risk"]["Reference"]) == ["ADU-002"]
    assert DECLARATION.headline(tables, context("2026-04"))[0] == (
        "Month 1 of 2026/27 monitoring", "April 2026")
