"""Figures as printed: the three rounding conventions, and finding the one a draft keeps."""

from fractions import Fraction

import pytest

from statreturns.rounding import (
    HALF_EVEN,
    HALF_UP,
    TOWARD_ZERO,
    conventions_kept,
    find_convention,
    fixed,
    note,
    rounded,
)


@pytest.mark.parametrize(("value", "places", "convention", "expected"), [
    (Fraction(-438, 100), 1, HALF_UP, "-4.4"),
    (Fraction(-438, 100), 1, TOWARD_ZERO, "-4.3"),
    (Fraction(-438, 100), 1, HALF_EVEN, "-4.4"),
    (Fraction(1225, 100), 1, HALF_UP, "12.3"),
    (Fraction(1225, 100), 1, HALF_EVEN, "12.2"),
    (Fraction(1235, 100), 1, HALF_EVEN, "12.4"),
    (Fraction(-1225, 100), 1, HALF_UP, "-12.3"),
    (Fraction(1569, 100), 0, TOWARD_ZERO, "15"),
    (1234.5, 0, HALF_UP, "1,235"),
    (-0.04, 1, HALF_UP, "0.0"),
    (Fraction(1, 3) * 100, 2, HALF_UP, "33.33"),
])
def test_fixed_rounds_by_each_convention(value, places, convention, expected):
    assert fixed(value, places, convention) == expected


def test_a_float_is_the_decimal_it_prints_as():
    # 4.35 is 4.3499999999999996447... in binary; a figure typed as 4.35 is 4.35.
    assert rounded(4.35, 1) == Fraction(44, 10)
    assert rounded(100 * Fraction(87, 2000), 1) == Fraction(44, 10)


def test_conventions_kept_by_a_cell():
    assert conventions_kept(-4.3, 1, Fraction(-438, 100)) == {TOWARD_ZERO}
    assert conventions_kept(-4.4, 1, Fraction(-438, 100)) == {HALF_UP, HALF_EVEN}
    assert conventions_kept(15, 0, Fraction(1549, 100)) == {HALF_UP, HALF_EVEN, TOWARD_ZERO}
    assert conventions_kept(12.2, 1, Fraction(1225, 100)) == {HALF_EVEN, TOWARD_ZERO}
    assert conventions_kept(4.3, 1, Fraction(-438, 100)) == set()


def test_a_truncating_draft_is_found_and_named():
    cells = [conventions_kept(-4.3, 1, Fraction(-438, 100)),
             conventions_kept(15, 0, Fraction(1569, 100)),
             conventions_kept(2, 0, Fraction(2)),            # exact: tells nothing
             conventions_kept(7.1, 1, Fraction(711, 100))]   # every convention prints 7.1
    found = find_convention("percentages", cells)
    assert (found.chosen, found.fits, found.mixed) == (TOWARD_ZERO, (TOWARD_ZERO,), False)
    assert found.others == 0
    assert note([found]) == ("This draft truncates percentages (rounds toward zero). Each "
                             "figure is compared at the decimal places it shows.")


def test_a_draft_rounding_to_the_nearest_cannot_tell_half_up_from_half_even():
    found = find_convention("rates per 1,000", [conventions_kept(4.4, 1, Fraction(438, 100))])
    assert found.fits == (HALF_UP, HALF_EVEN)
    assert found.chosen == HALF_UP
    assert note([found]).startswith("This draft rounds rates per 1,000 to the nearest.")


TRUNCATED = [conventions_kept(-4.3, 1, Fraction(-438, 100)),
             conventions_kept(15, 0, Fraction(1569, 100)),
             conventions_kept(8.2, 1, Fraction(829, 100))]


def test_a_draft_that_mixes_conventions_is_judged_by_the_most_common():
    half_up = [conventions_kept(-4.4, 1, Fraction(-438, 100)),
               conventions_kept(8.3, 1, Fraction(829, 100))]
    found = find_convention("percentages", TRUNCATED + half_up)
    assert (found.mixed, found.chosen, found.others) == (True, TOWARD_ZERO, 2)
    assert note([found]) == (
        "This draft mixes rounding conventions in percentages: of the cells that tell them "
        "apart, 3 truncate and 2 round to the nearest; each is judged by the most common, "
        "truncation, and the others are queried. Each figure is compared at the decimal "
        "places it shows.")


def test_one_cell_out_of_step_is_a_slip_not_a_second_convention():
    found = find_convention("percentages",
                            [*TRUNCATED, conventions_kept(-4.4, 1, Fraction(-438, 100))])
    assert (found.mixed, found.chosen, found.others) == (False, TOWARD_ZERO, 1)
    assert note([found]) == (
        "This draft truncates percentages (rounds toward zero); 1 cell rounds another way and "
        "is queried. Each figure is compared at the decimal places it shows.")


def test_nothing_to_tell_finds_no_convention():
    assert find_convention("percentages", [conventions_kept(2, 0, Fraction(2)), frozenset()]) \
        is None
    assert note([]) is None


def test_one_note_for_two_kinds_of_figure():
    percentages = find_convention("percentages", [conventions_kept(-4.3, 1, Fraction(-438, 100))])
    rates = find_convention("rates per 1,000", [conventions_kept(4.4, 1, Fraction(438, 100))])
    assert note([percentages, rates]) == (
        "This draft truncates percentages (rounds toward zero) and rounds rates per 1,000 to "
        "the nearest. Each figure is compared at the decimal places it shows.")
