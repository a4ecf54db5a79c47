"""Working days in England and the deadline rules returns declare."""

from datetime import date

import pytest

from statreturns.deadlines import (
    DeadlineRuleError,
    add_working_days,
    check_rule,
    deadline,
    is_working_day,
)
from statreturns.periods import parse_period


@pytest.mark.parametrize("day, working", [
    (date(2026, 4, 3), False),    # Good Friday
    (date(2026, 4, 6), False),    # Easter Monday
    (date(2026, 4, 7), True),
    (date(2026, 12, 25), False),  # Christmas Day, a Friday
    (date(2026, 12, 28), False),  # Boxing Day falls on a Saturday: the Monday is the holiday
    (date(2026, 12, 29), True),
    (date(2026, 8, 31), False),   # late summer bank holiday
    (date(2026, 10, 31), False),  # a Saturday
    (date(2026, 11, 2), True),
])
def test_working_days_skip_weekends_and_bank_holidays_in_england(day, working):
    assert is_working_day(day) is working


def test_counting_working_days_across_easter():
    # 31 March 2026 is a Tuesday; Good Friday 3 April and Easter Monday 6 April are skipped.
    assert add_working_days(date(2026, 3, 31), 1) == date(2026, 4, 1)
    assert add_working_days(date(2026, 3, 31), 3) == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 2)


def test_counting_working_days_across_christmas_and_a_substitute_day():
    # 23 Dec 2026 is a Wednesday: 24th, then 29th (25th, weekend, 28th substitute skipped).
    assert add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)


@pytest.mark.parametrize("rule, period, due", [
    # October 2026 ends on a Saturday: counting starts from the month's last day.
    ("10 working days after the end of the month", "2026-10", date(2026, 11, 13)),
    ("10 working days after the end of the period", "R12-2026-10", date(2026, 11, 13)),
    # November 2026 ends on a Monday.
    ("10 working days after the end of the month", "2026-11", date(2026, 12, 14)),
    # The quarter to December crosses Christmas and New Year.
    ("10 working days after the end of the quarter", "2026-Q3", date(2027, 1, 15)),
    ("20 working days after the end of the quarter", "2026-Q2", date(2026, 10, 28)),
    # Financial year 2025/26 ends 31 March 2026; Easter falls just after.
    ("10 working days after the end of the financial year", "2025/26", date(2026, 4, 16)),
    ("last working day of November after the financial year", "2025/26", date(2026, 11, 30)),
    ("last working day of November after the financial year", "2026/27", date(2027, 11, 30)),
    # 30 June 2029 is a Saturday: due the Friday before.
    ("30 June after the financial year", "2028/29", date(2029, 6, 29)),
    ("30 June after the financial year", "2025/26", date(2026, 6, 30)),
])
def test_deadlines(rule, period, due):
    assert deadline(rule, parse_period(period)) == due


def test_last_working_day_of_a_month_ending_on_a_weekend():
    # 31 May 2026 is a Sunday and 29 May a Friday.
    assert deadline("last working day of May after the financial year",
                    parse_period("2025/26")) == date(2026, 5, 29)


@pytest.mark.parametrize("rule", ["soon", "10 days after the end of the month",
                                  "last working day of Smarch after the financial year"])
def test_a_rule_in_another_form_is_refused_with_the_forms_accepted(rule):
    with pytest.raises(DeadlineRuleError, match="is not one of"):
        check_rule(rule)
    with pytest.raises(DeadlineRuleError):
        deadline(rule, parse_period("2026-10"))
