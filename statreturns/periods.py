"""Reporting periods: months, financial-year quarters, financial years, rolling 12 months.

Written forms (the canonical form is what `str()` gives back):

- month: ``2024-06``
- quarter: ``2024-Q1`` -- quarters of the financial year that *starts* in the written
  year, so ``2024-Q1`` is April-June 2024 and ``2024-Q4`` is January-March 2025;
- financial year: ``2023/24`` (``2023-24`` is accepted where it cannot be a month:
  ``2011-12`` is December 2011), April 2023 to March 2024;
- rolling 12 months: ``R12-2024-06``, the twelve months ending June 2024.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from statreturns.arguments import shown


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    FINANCIAL_YEAR = "financial-year"
    ROLLING_12 = "rolling-12-months"


class PeriodError(ValueError):
    """A period written in a form we do not accept."""


_FORMS = {
    PeriodType.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodType.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE),
    PeriodType.FINANCIAL_YEAR: re.compile(r"^(\d{4})[/-](\d{2})$"),
    PeriodType.ROLLING_12: re.compile(r"^R12-(\d{4})-(\d{2})$", re.IGNORECASE),
}

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
"""English month names, whatever the machine's locale."""

EXAMPLES = "2024-06 (month), 2024-Q1 (quarter), 2023/24 (financial year), R12-2024-06 (rolling 12)"


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> date:
    ny, nm = _add_months(year, month, 1)
    return date(ny, nm, 1) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """A span of whole calendar months, with the type it was written as."""

    type: PeriodType
    first_year: int
    first_month: int
    months_long: int

    @property
    def start(self) -> date:
        return date(self.first_year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        return _month_end(*_add_months(self.first_year, self.first_month, self.months_long - 1))

    @property
    def months(self) -> list[str]:
        """Each month of the period as ``YYYY-MM``, in order."""
        out = []
        for i in range(self.months_long):
            y, m = _add_months(self.first_year, self.first_month, i)
            out.append(f"{y:04d}-{m:02d}")
        return out

    @property
    def financial_year(self) -> str:
        """The financial year the period ends in, written ``2023/24``."""
        end = self.end
        start_year = end.year if end.month >= 4 else end.year - 1
        return f"{start_year}/{(start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        last_y, last_m = _add_months(self.first_year, self.first_month, self.months_long - 1)
        match self.type:
            case PeriodType.MONTH:
                return f"{self.first_year:04d}-{self.first_month:02d}"
            case PeriodType.QUARTER:
                fy = self.first_year if self.first_month >= 4 else self.first_year - 1
                q = ((self.first_month - 4) % 12) // 3 + 1
                return f"{fy:04d}-Q{q}"
            case PeriodType.FINANCIAL_YEAR:
                return f"{self.first_year:04d}/{(self.first_year + 1) % 100:02d}"
            case PeriodType.ROLLING_12:
                return f"R12-{last_y:04d}-{last_m:02d}"
        raise AssertionError(self.type)

    @property
    def folder(self) -> str:
        """The period as folder and file names write it: ``2023/24`` as ``2023-24``."""
        return str(self).replace("/", "-")

    @property
    def label(self) -> str:
        """A human title, e.g. 'April to June 2024 (2024-Q1)'."""
        first = f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        last = f"{MONTH_NAMES[self.end.month - 1]} {self.end.year}"
        if self.start.year == self.end.year:
            first = MONTH_NAMES[self.start.month - 1]
        span = last if self.months_long == 1 else f"{first} to {last}"
        return f"{span} ({self})"

    def previous(self) -> Period:
        """The period of the same type immediately before this one."""
        return self.step(-1)

    def step(self, n: int) -> Period:
        """The period of the same type `n` periods later (earlier when `n` is negative)."""
        months = 1 if self.type is PeriodType.ROLLING_12 else self.months_long
        y, m = _add_months(self.first_year, self.first_month, n * months)
        return Period(self.type, y, m, self.months_long)


def series(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last`, both included; they must be of one type."""
    if first.type is not last.type:
        raise PeriodError(f"{first} and {last} are not periods of the same type")
    if last < first:
        raise PeriodError(f"{last} comes before {first}")
    out = [first]
    while out[-1] != last:
        out.append(out[-1].step(1))
    return out


def month(year: int, month_: int) -> Period:
    return Period(PeriodType.MONTH, year, month_, 1)


def parse_period(text: str) -> Period:
    """Parse a written period, or raise PeriodError saying what is accepted."""
    raw = (text or "").strip()
    for kind, pattern in _FORMS.items():
        m = pattern.match(raw)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if kind is PeriodType.MONTH and 1 <= b <= 12:
            return month(a, b)
        if kind is PeriodType.QUARTER:
            y, mo = _add_months(a, 4, (b - 1) * 3)
            return Period(kind, y, mo, 3)
        if kind is PeriodType.FINANCIAL_YEAR and b == (a + 1) % 100:
            return Period(kind, a, 4, 12)
        if kind is PeriodType.ROLLING_12 and 1 <= b <= 12:
            y, mo = _add_months(a, b, -11)
            return Period(kind, y, mo, 12)
    raise PeriodError(f"{shown(text)} is not a period. Write one of: {EXAMPLES}.")


def latest_complete(kind: PeriodType, today: date) -> Period:
    """The most recent period of this type that ended before `today`."""
    y, m = _add_months(today.year, today.month, -1)
    match kind:
        case PeriodType.MONTH:
            return month(y, m)
        case PeriodType.ROLLING_12:
            return parse_period(f"R12-{y:04d}-{m:02d}")
        case PeriodType.QUARTER:
            while (m - 4) % 3 != 2:  # step back to a quarter's last month (Jun, Sep, Dec, Mar)
                y, m = _add_months(y, m, -1)
            fy = y if m >= 4 else y - 1
            return parse_period(f"{fy}-Q{((m - 4) % 12) // 3 + 1}")
        case PeriodType.FINANCIAL_YEAR:
            fy = y if m >= 4 else y - 1
            if m != 3:
                fy -= 1
            return Period(kind, fy, 4, 12)
    raise AssertionError(kind)
