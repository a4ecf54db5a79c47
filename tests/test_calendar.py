"""The statutory calendar: what falls due when, when its run is planned, how it stands."""

from datetime import date

import pytest

from flows import registry
from statreturns import calendar
from statreturns.periods import parse_period


def pspo_due(start: date, end: date) -> list[tuple[str, date, date]]:
    due = calendar.due_between(registry.declarations(), start, end)
    return [(str(d.period), d.deadline, d.planned) for d in due if d.return_id == "pspo-breaches"]


def test_every_calendar_entry_is_a_declared_return_with_a_period_it_accepts():
    from flows import registry

    declared = registry.declarations()
    for rid, entry in calendar.entries().items():
        assert entry.period_type in declared[rid].period_types, rid
        assert entry.lead_days >= 0


def test_the_rolling_year_is_due_ten_working_days_after_each_month_end():
    assert pspo_due(date(2026, 11, 1), date(2027, 1, 31)) == [
        ("R12-2026-10", date(2026, 11, 13), date(2026, 11, 6)),
        ("R12-2026-11", date(2026, 12, 14), date(2026, 12, 7)),
        # Christmas, the Boxing Day substitute and New Year's Day are not working days.
        ("R12-2026-12", date(2027, 1, 15), date(2027, 1, 8)),
    ]


def test_across_the_financial_year_end_and_easter():
    # March 2026 ends on a Tuesday; Good Friday (3 April) and Easter Monday are skipped
    # both counting on to the deadline and back to the planned run.
    assert pspo_due(date(2026, 4, 1), date(2026, 4, 30)) == [
        ("R12-2026-03", date(2026, 4, 16), date(2026, 4, 9))]


def test_states_are_overdue_only_past_the_deadline_and_until_submitted():
    due = calendar.Due("pspo-breaches", parse_period("R12-2026-10"), date(2026, 11, 13),
                       date(2026, 11, 6))
    assert calendar.state(due, None, date(2026, 11, 13)) == "not started"
    assert calendar.state(due, "blocked", date(2026, 11, 13)) == "blocked"
    assert calendar.state(due, "produced", date(2026, 11, 12)) == "produced"
    assert calendar.state(due, None, date(2026, 11, 14)) == "overdue"
    assert calendar.state(due, "produced", date(2026, 11, 14)) == "overdue"
    assert calendar.state(due, "submitted", date(2026, 12, 1)) == "submitted"
    assert calendar.state(due, "refused", date(2026, 11, 1)) == "not started"


def test_the_calendar_sets_each_returns_deadline(tmp_path, monkeypatch):
    """A return's deadline is the calendar's setting; the return's own rule is the default."""
    from statreturns.deadlines import DeadlineRuleError

    pspo = registry.declarations()["pspo-breaches"]
    path = tmp_path / "calendar.toml"
    path.write_text('from = 2026-01-01\n[pspo-breaches]\nperiod = "rolling-12-months"\n'
                    'lead_days = 2\ndeadline = "3 working days after the end of the period"\n'
                    '[savings-tracker]\nperiod = "month"\nlead_days = 1\n')
    monkeypatch.setattr(calendar, "CALENDAR", path)
    assert calendar.deadline_rule(pspo) == "3 working days after the end of the period"
    savings = registry.declarations()["savings-tracker"]
    assert calendar.deadline_rule(savings) == savings.deadline
    due = calendar.due_between(registry.declarations(), date(2026, 11, 1), date(2026, 11, 30))
    [pspo_due] = [d for d in due if d.return_id == "pspo-breaches"]
    assert (str(pspo_due.period), pspo_due.deadline) == ("R12-2026-10", date(2026, 11, 4))
    path.write_text(path.read_text().replace('"3 working days', '"soon after'))
    with pytest.raises(DeadlineRuleError):
        calendar.entries()
