"""Working days in England and deadline rules written as a person would write them.

A rule is one of:

- ``N working days after the end of the period`` (``month``, ``quarter`` and ``financial
  year`` may stand for ``period``);
- ``last working day of <Month> after the financial year`` (or ``after the period``): the
  first such month after the period ends;
- ``<day> <Month> after the financial year`` (or ``after the period``), moved back to
  the working day before when it falls on a weekend or bank holiday.

Working days are Monday to Friday except bank holidays in England and Wales (including
substitute days), from the ``holidays`` package.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

import holidays

from statreturns.periods import MONTH_NAMES, Period

_MONTH = "|".join(MONTH_NAMES)
_AFTER_END = re.compile(
    r"^(\d+) working days? after the end of the (period|month|quarter|financial year)$")
_LAST_WORKING = re.compile(rf"^last working day of ({_MONTH}) after the "
                           r"(period|financial year)$")
_FIXED = re.compile(rf"^(\d{{1,2}}) ({_MONTH}) after the (period|financial year)$")


class DeadlineRuleError(ValueError):
    """A deadline rule in a form we do not read."""


@cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, n: int) -> date:
    """The `n`-th working day after `day` (before it when `n` is negative)."""
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        day += timedelta(days=step)
        while not is_working_day(day):
            day += timedelta(days=step)
    return day


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _first_month_after(end: date, month: int) -> tuple[int, int]:
    """(year, month) of the first `month` that starts after `end`."""
    year = end.year if month > end.month else end.year + 1
    return year, month


def check_rule(rule: str) -> str:
    """The rule, if it is in a form `deadline` reads; else DeadlineRuleError."""
    if not any(p.match(rule) for p in (_AFTER_END, _LAST_WORKING, _FIXED)):
        raise DeadlineRuleError(
            f"deadline rule {rule!r} is not one of: 'N working days after the end of the "
            "period', 'last working day of <Month> after the financial year', "
            "'<day> <Month> after the financial year'")
    return rule


def deadline(rule: str, period: Period) -> date:
    """The date a period's return is due under `rule`."""
    if m := _AFTER_END.match(rule):
        return add_working_days(period.end, int(m.group(1)))
    if m := _LAST_WORKING.match(rule):
        year, month = _first_month_after(period.end, MONTH_NAMES.index(m.group(1)) + 1)
        next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
        return working_day_on_or_before(date(next_year, next_month, 1) - timedelta(days=1))
    if m := _FIXED.match(rule):
        year, month = _first_month_after(period.end, MONTH_NAMES.index(m.group(2)) + 1)
        return working_day_on_or_before(date(year, month, int(m.group(1))))
    check_rule(rule)
    raise AssertionError(rule)
