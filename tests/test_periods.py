"""Reporting periods: the written forms, what they span, and the latest complete one."""

from datetime import date

import pytest

from statreturns.periods import Period, PeriodError, PeriodType, latest_complete, parse_period

# --- parsing each form ------------------------------------------------------------------------


def test_month_spans_one_calendar_month():
    p = parse_period("2024-06")
    assert p.type is PeriodType.MONTH
    assert (p.start, p.end) == (date(2024, 6, 1), date(2024, 6, 30))
    assert p.months == ["2024-06"]


def test_month_end_handles_february_of_a_leap_year():
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("2023-02").end == date(2023, 2, 28)


def test_quarter_one_is_april_to_june_of_the_written_year():
    p = parse_period("2024-Q1")
    assert p.type is PeriodType.QUARTER
    assert (p.start, p.end) == (date(2024, 4, 1), date(2024, 6, 30))
    assert p.months == ["2024-04", "2024-05", "2024-06"]


def test_quarter_four_is_january_to_march_of_the_next_calendar_year():
    p = parse_period("2024-Q4")
    assert (p.start, p.end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert p.months == ["2025-01", "2025-02", "2025-03"]


def test_quarter_three_is_october_to_december():
    p = parse_period("2025-Q3")
    assert (p.start, p.end) == (date(2025, 10, 1), date(2025, 12, 31))


def test_financial_year_with_slash_is_april_to_march():
    p = parse_period("2023/24")
    assert p.type is PeriodType.FINANCIAL_YEAR
    assert (p.start, p.end) == (date(2023, 4, 1), date(2024, 3, 31))
    assert p.months == [f"2023-{m:02d}" for m in range(4, 13)] + ["2024-01", "2024-02",
                                                                  "2024-03"]


def test_financial_year_with_hyphen_is_accepted_like_the_slash_form():
    # The module docstring promises: "2023/24 (2023-24 is accepted)".
    assert parse_period("2023-24") == parse_period("2023/24")


def test_financial_year_across_a_century_boundary():
    p = parse_period("2099/00")
    assert (p.start, p.end) == (date(2099, 4, 1), date(2100, 3, 31))


def test_rolling_twelve_months_ends_in_the_written_month():
    p = parse_period("R12-2024-06")
    assert p.type is PeriodType.ROLLING_12
    assert (p.start, p.end) == (date(2023, 7, 1), date(2024, 6, 30))
    assert p.months == ["2023-07", "2023-08", "2023-09", "2023-10", "2023-11", "2023-12",
                        "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]


def test_surrounding_spaces_are_ignored():
    assert parse_period("  2024-06 ") == parse_period("2024-06")


# --- canonical form, label, financial year, previous -----------------------------------------


@pytest.mark.parametrize("text", ["2024-06", "2024-Q1", "2024-Q4", "2023/24", "R12-2024-06",
                                  "2099/00", "2024-01", "2024-12"])
def test_canonical_forms_round_trip_through_str(text):
    assert str(parse_period(text)) == text
    assert parse_period(str(parse_period(text))) == parse_period(text)


@pytest.mark.parametrize(("text", "canonical"), [
    ("2024-q1", "2024-Q1"),
    ("r12-2024-06", "R12-2024-06"),
    ("2023-24", "2023/24"),
])
def test_other_accepted_spellings_print_in_canonical_form(text, canonical):
    assert str(parse_period(text)) == canonical


@pytest.mark.parametrize(("text", "folder"), [
    ("2023/24", "2023-24"),
    ("2023-24", "2023-24"),
    ("2024-06", "2024-06"),
    ("2024-Q1", "2024-Q1"),
    ("R12-2024-06", "R12-2024-06"),
])
def test_folder_names_write_a_financial_year_with_a_hyphen(text, folder):
    assert parse_period(text).folder == folder


def test_month_label():
    assert parse_period("2024-06").label == "June 2024 (2024-06)"


def test_quarter_label_matches_the_docstring_example():
    # Period.label's docstring: "e.g. 'April to June 2024 (2024-Q1)'".
    assert parse_period("2024-Q1").label == "April to June 2024 (2024-Q1)"


def test_label_names_both_years_when_the_period_crosses_a_year():
    assert parse_period("2023/24").label == "April 2023 to March 2024 (2023/24)"
    assert parse_period("R12-2024-06").label == "July 2023 to June 2024 (R12-2024-06)"


@pytest.mark.parametrize(("text", "financial_year"), [
    ("2024-06", "2024/25"),
    ("2024-03", "2023/24"),
    ("2024-04", "2024/25"),
    ("2024-Q1", "2024/25"),
    ("2024-Q4", "2024/25"),
    ("2023/24", "2023/24"),
    ("R12-2024-06", "2024/25"),
    ("R12-2024-03", "2023/24"),
    ("2099-Q4", "2099/00"),
])
def test_financial_year_is_the_one_the_period_ends_in(text, financial_year):
    assert parse_period(text).financial_year == financial_year


@pytest.mark.parametrize(("text", "previous"), [
    ("2024-06", "2024-05"),
    ("2024-01", "2023-12"),
    ("2024-Q2", "2024-Q1"),
    ("2024-Q1", "2023-Q4"),
    ("2024-Q4", "2024-Q3"),
    ("2023/24", "2022/23"),
    ("R12-2024-06", "R12-2024-05"),
    ("R12-2024-01", "R12-2023-12"),
])
def test_previous_is_the_same_type_immediately_before(text, previous):
    p = parse_period(text)
    assert p.previous() == parse_period(previous)
    assert p.previous().type is p.type


def test_previous_of_a_month_or_quarter_ends_the_day_before_it_starts():
    for text in ("2024-03", "2024-Q1", "2024-Q4", "2023/24"):
        p = parse_period(text)
        assert (p.start - p.previous().end).days == 1


def test_periods_of_a_type_order_by_start():
    assert parse_period("2024-Q1") < parse_period("2024-Q2") < parse_period("2024-Q4")
    assert sorted([parse_period("2024-06"), parse_period("2023-12")]) == [
        parse_period("2023-12"), parse_period("2024-06")]


def test_a_period_is_hashable_and_equal_by_value():
    assert {parse_period("2024-Q1"), Period(PeriodType.QUARTER, 2024, 4, 3)} == {
        parse_period("2024-Q1")}


# --- rejections --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "2024-13", "2024-00", "2024-Q5", "2024-Q0", "2023/25", "2023/23", "June 2024", "", "   ",
    "../etc", "2024-6", "24-06", "R12-2024-13", "R13-2024-06", "2024/2025", "2024-06-01",
])
def test_rejects_other_forms_with_period_error(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_rejection_message_quotes_the_text_and_lists_every_accepted_form():
    with pytest.raises(PeriodError) as raised:
        parse_period("June 2024")
    message = str(raised.value)
    assert "'June 2024'" in message
    for example in ("2024-06", "2024-Q1", "2023/24", "R12-2024-06"):
        assert example in message


def test_none_is_rejected_as_a_period_error():
    with pytest.raises(PeriodError):
        parse_period(None)


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


# --- latest complete period --------------------------------------------------------------------


@pytest.mark.parametrize(("today", "kind", "expected"), [
    (date(2026, 11, 23), PeriodType.MONTH, "2026-10"),
    (date(2026, 11, 23), PeriodType.QUARTER, "2026-Q2"),
    (date(2026, 11, 23), PeriodType.FINANCIAL_YEAR, "2025/26"),
    (date(2026, 11, 23), PeriodType.ROLLING_12, "R12-2026-10"),
    (date(2026, 4, 1), PeriodType.MONTH, "2026-03"),
    (date(2026, 4, 1), PeriodType.QUARTER, "2025-Q4"),
    (date(2026, 4, 1), PeriodType.FINANCIAL_YEAR, "2025/26"),
    (date(2026, 4, 1), PeriodType.ROLLING_12, "R12-2026-03"),
    (date(2026, 1, 15), PeriodType.MONTH, "2025-12"),
    (date(2026, 1, 15), PeriodType.QUARTER, "2025-Q3"),
    (date(2026, 1, 15), PeriodType.FINANCIAL_YEAR, "2024/25"),
    (date(2026, 1, 15), PeriodType.ROLLING_12, "R12-2025-12"),
    (date(2026, 3, 31), PeriodType.QUARTER, "2025-Q3"),
    (date(2026, 3, 31), PeriodType.FINANCIAL_YEAR, "2024/25"),
    (date(2026, 7, 1), PeriodType.QUARTER, "2026-Q1"),
    (date(2026, 5, 10), PeriodType.FINANCIAL_YEAR, "2025/26"),
])
def test_latest_complete(today, kind, expected):
    p = latest_complete(kind, today)
    assert p == parse_period(expected)
    assert p.type is kind


def test_latest_complete_has_always_ended_before_today_and_the_next_has_not():
    for kind in PeriodType:
        for today in (date(2026, m, d) for m in range(1, 13) for d in (1, 15, 28)):
            p = latest_complete(kind, today)
            assert p.end < today, (kind, today)
            following = Period(kind, *_after(p), p.months_long)
            assert following.end >= today, (kind, today)


def _after(p: Period) -> tuple[int, int]:
    """(year, month) the period of the same type just after `p` starts."""
    step = 1 if p.type is PeriodType.ROLLING_12 else p.months_long
    index = p.first_year * 12 + p.first_month - 1 + step
    return index // 12, index % 12 + 1


def test_a_series_runs_from_first_to_last_inclusive():
    from statreturns.periods import PeriodError, series

    assert [str(p) for p in series(parse_period("2025-11"), parse_period("2026-02"))] == [
        "2025-11", "2025-12", "2026-01", "2026-02"]
    assert [str(p) for p in series(parse_period("2025-Q3"), parse_period("2026-Q1"))] == [
        "2025-Q3", "2025-Q4", "2026-Q1"]
    assert [str(p) for p in series(parse_period("R12-2026-11"),
                                   parse_period("R12-2027-01"))] == [
        "R12-2026-11", "R12-2026-12", "R12-2027-01"]
    assert len(series(parse_period("2021-11"), parse_period("2026-10"))) == 60
    with pytest.raises(PeriodError, match="not periods of the same type"):
        series(parse_period("2025-11"), parse_period("2026-Q1"))
    with pytest.raises(PeriodError, match="comes before"):
        series(parse_period("2026-02"), parse_period("2025-11"))
