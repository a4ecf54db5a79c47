"""Small-number suppression: primary (counts under the threshold) and secondary (no lone hide)."""

import numpy as np
import pandas as pd
import pytest

from tasks.suppression import (
    SUPPRESSED,
    round_counts,
    suppress,
    suppress_together,
    suppression_mask,
)


def with_margins(inner) -> np.ndarray:
    """The table of counts with a Total column and a Total row added."""
    inner = np.asarray(inner)
    rows = np.column_stack([inner, inner.sum(axis=1)])
    return np.vstack([rows, rows.sum(axis=0)])


def lone_lines(hidden: np.ndarray) -> list[tuple[str, int]]:
    """Every row and column (margins included) with exactly one hidden cell."""
    return ([("row", int(i)) for i in np.flatnonzero(hidden.sum(axis=1) == 1)]
            + [("column", int(j)) for j in np.flatnonzero(hidden.sum(axis=0) == 1)])


def test_a_table_without_small_counts_hides_nothing():
    values = with_margins([[0, 12, 5], [7, 0, 30], [5, 9, 6]])
    assert not suppression_mask(values, 5).any()


def test_primary_hides_one_to_four_and_keeps_zero_and_five_visible():
    values = with_margins([[1, 2, 0, 5],
                           [3, 4, 5, 0],
                           [5, 5, 20, 30]])
    expected = np.zeros(values.shape, dtype=bool)
    expected[0:2, 0:2] = True  # 1, 2, 3, 4: each row and column already has two hidden
    assert (suppression_mask(values, 5) == expected).all()


def test_secondary_hides_a_second_cell_in_the_row_and_then_mends_the_column():
    values = with_margins([[3, 10, 12],
                           [8, 30, 20],
                           [11, 15, 7]])
    # The 3 alone would be given away by its row total 25: the row's smallest other cell
    # (10) is hidden too; then column A has one hidden cell, so its smallest other cell (8)
    # is hidden; then row 2 has one, and 30 is chosen over the smaller 20 because it also
    # mends column B.
    expected = np.array([[True, True, False, False],
                         [True, True, False, False],
                         [False, False, False, False],
                         [False, False, False, False]])
    hidden = suppression_mask(values, 5)
    assert (hidden == expected).all()
    assert lone_lines(hidden) == []


def test_a_small_row_total_is_hidden_with_its_cells():
    values = with_margins([[1, 2, 0], [10, 20, 30], [15, 25, 35]])
    hidden = suppression_mask(values, 5)
    assert hidden[0, 0] and hidden[0, 1] and hidden[0, 3]  # 1, 2 and their total 3
    assert not hidden[0, 2]  # the 0 needs no hiding: the row already hides three cells
    assert lone_lines(hidden) == []


def test_the_mask_does_not_change_the_counts():
    values = with_margins([[3, 10, 12], [8, 30, 20], [11, 15, 7]])
    before = values.copy()
    suppression_mask(values, 5)
    assert (values == before).all()


def test_threshold_three_hides_only_ones_and_twos():
    values = with_margins([[1, 2, 3],
                           [2, 1, 4],
                           [3, 4, 10]])
    expected = np.zeros(values.shape, dtype=bool)
    expected[0:2, 0:2] = True
    assert (suppression_mask(values, 3) == expected).all()
    at_five = suppression_mask(values, 5)
    assert at_five[0, 2] and at_five[1, 2] and at_five[2, 0] and at_five[2, 1]


def test_threshold_one_hides_nothing():
    values = with_margins([[1, 2], [3, 4]])
    assert not suppression_mask(values, 1).any()


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_random_tables_hide_every_small_count_and_leave_no_line_with_one_hide(threshold):
    rng = np.random.default_rng(20240601 + threshold)
    for _ in range(200):
        shape = rng.integers(1, 6, size=2)
        inner = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20], size=shape)
        values = with_margins(inner)
        hidden = suppression_mask(values, threshold)
        small = (values > 0) & (values < threshold)
        assert hidden.shape == values.shape
        assert not (small & ~hidden).any(), values
        assert lone_lines(hidden) == [], values


# --- suppress(): the table as published ---------------------------------------------------------


def ward_table() -> pd.DataFrame:
    return pd.DataFrame({
        "Ward": ["Ladywood", "Nechells", "Total 2", "Total"],
        "City Centre": [3, 8, 11, 22],
        "Erdington High Street": [10, 30, 15, 55],
        "Soho, Lozells & East Handsworth": [12, 20, 7, 39],
        "Total": [25, 58, 33, 116],
    })


def test_suppress_writes_c_in_exactly_the_hidden_cells():
    table = ward_table()
    out = suppress(table, ("Ward",), 5)
    counts = [c for c in table.columns if c != "Ward"]
    expected = suppression_mask(table[counts].to_numpy(dtype=float), 5)
    assert (out[counts] == SUPPRESSED).to_numpy().tolist() == expected.tolist()
    assert out.loc[0, "City Centre"] == "[c]"
    assert out.loc[1, "Erdington High Street"] == "[c]"
    assert out.loc[2, "Soho, Lozells & East Handsworth"] == 7
    assert out.loc[3, "Total"] == 116


def test_suppress_leaves_visible_counts_and_the_index_column_as_they_were():
    table = ward_table()
    out = suppress(table, ("Ward",), 5)
    assert out["Ward"].tolist() == ["Ladywood", "Nechells", "Total 2", "Total"]
    assert out.loc[2].tolist() == ["Total 2", 11, 15, 7, 33]
    assert out.loc[3].tolist() == ["Total", 22, 55, 39, 116]
    assert out.loc[0, "Total"] == 25


def test_suppress_does_not_change_the_table_it_is_given():
    table = ward_table()
    before = table.copy()
    suppress(table, ("Ward",), 5)
    pd.testing.assert_frame_equal(table, before)


def test_suppress_never_writes_c_in_index_columns_even_when_they_hold_numbers():
    table = pd.DataFrame({"Ward": ["1", "2", "Total"], "Year": [1, 2, 3],
                          "A": [1, 3, 4], "B": [2, 1, 3], "Total": [3, 4, 7]})
    out = suppress(table, ("Ward", "Year"), 5)
    assert out["Ward"].tolist() == ["1", "2", "Total"]
    assert out["Year"].tolist() == [1, 2, 3]
    assert (out[["A", "B", "Total"]] == SUPPRESSED).to_numpy().tolist() == [
        [True, True, True], [True, True, True], [True, True, False]]


def test_suppress_respects_the_threshold():
    table = pd.DataFrame({"Ward": ["Ladywood", "Nechells", "Handsworth", "Total"],
                          "A": [1, 2, 3, 6], "B": [2, 1, 4, 7], "C": [3, 4, 10, 17],
                          "Total": [6, 7, 17, 30]})
    out = suppress(table, ("Ward",), 3)
    hidden = (out[["A", "B", "C", "Total"]] == SUPPRESSED).to_numpy()
    assert hidden.tolist() == [[True, True, False, False],
                               [True, True, False, False],
                               [False, False, False, False],
                               [False, False, False, False]]
    assert out.loc[0, "C"] == 3 and out.loc[2, "B"] == 4


def test_suppress_of_a_table_without_small_counts_changes_no_value():
    table = pd.DataFrame({"Ward": ["Ladywood", "Total"], "A": [0, 0], "B": [9, 9],
                          "Total": [9, 9]})
    out = suppress(table, ("Ward",), 5)
    assert out.to_dict("list") == table.to_dict("list")


# --- tables published together ------------------------------------------------------------------


def _with_margins(table: pd.DataFrame, index: str) -> pd.DataFrame:
    table = table.assign(Total=table.drop(columns=index).sum(axis=1))
    total = {index: "Total", **table.drop(columns=index).sum().to_dict()}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def test_a_total_hidden_in_one_table_is_hidden_where_another_table_shows_it():
    # Both tables count the same breaches per order. Alone, the ward table shows the Centre
    # total (20), which the month table hides; from it, Jan/Centre = 20 - 12 = 8 and then
    # Jan/Park = 11 - 8 = 3, a hidden small count.
    wards = _with_margins(pd.DataFrame({"Ward": ["Aston", "Bordesley"], "Park": [0, 3],
                                        "Centre": [20, 0]}), "Ward")
    months = _with_margins(pd.DataFrame({"Month": ["Jan", "Feb", "Mar"], "Park": [3, 0, 0],
                                         "Centre": [8, 12, 0]}), "Month")
    alone = suppress(wards, ("Ward",), 5), suppress(months, ("Month",), 5)
    assert alone[0].iloc[-1]["Centre"] == 20 and alone[1].iloc[-1]["Centre"] == SUPPRESSED

    out = suppress_together({"wards": (wards, ("Ward",)), "months": (months, ("Month",))}, 5)
    for name in ("wards", "months"):
        assert out[name].iloc[-1]["Centre"] == SUPPRESSED
        assert out[name].iloc[-1]["Park"] == SUPPRESSED
    assert out["months"].iloc[1].tolist() == ["Feb", 0, 12, 12]  # nothing hidden needlessly
    for name, table in out.items():  # and still no line with exactly one hidden cell
        hidden = table.drop(columns=table.columns[0]).eq(SUPPRESSED).to_numpy()
        assert 1 not in hidden.sum(axis=0) and 1 not in hidden.sum(axis=1), name


def test_tables_without_shared_totals_are_suppressed_as_if_alone():
    wards = _with_margins(pd.DataFrame({"Ward": ["Aston", "Bordesley"], "Park": [1, 9],
                                        "Centre": [20, 30]}), "Ward")
    months = _with_margins(pd.DataFrame({"Month": ["Jan", "Feb"], "Beach": [2, 40],
                                         "Pier": [8, 12]}), "Month")
    out = suppress_together({"wards": (wards, ("Ward",)), "months": (months, ("Month",))}, 5)
    pd.testing.assert_frame_equal(out["wards"], suppress(wards, ("Ward",), 5))
    pd.testing.assert_frame_equal(out["months"], suppress(months, ("Month",), 5))


def test_round_counts_rounds_visible_counts_halves_up_and_leaves_hidden_cells():
    table = pd.DataFrame({"Type": ["Refuge", "Dispersed", "Total"], "Households": [3, 125, 128],
                          "Children": [15, 44, 59], "Total": [18, 169, 187]})
    out = round_counts(suppress(table, ("Type",), 5), ("Type",), 10)
    assert out.to_dict("list") == {
        "Type": ["Refuge", "Dispersed", "Total"], "Households": [SUPPRESSED, SUPPRESSED, 130],
        "Children": [SUPPRESSED, SUPPRESSED, 60], "Total": [20, 170, 190]}
    assert round_counts(table, ("Type",), 10)["Households"].tolist() == [0, 130, 130]


def test_a_single_count_column_with_a_total_row_is_still_mended():
    # Rows of one cell cannot be mended; the column must be, or 3 = 53 - 20 - 30.
    table = pd.DataFrame({"Type": ["Refuge", "Dispersed", "Sanctuary", "Total"],
                          "Households": [3, 20, 30, 53]})
    out = suppress(table, ("Type",), 5)
    assert out["Households"].tolist() == [SUPPRESSED, SUPPRESSED, 30, 53]


def test_rows_without_a_total_column_do_not_add_up_so_are_not_mended():
    # Characteristics overlap: no Total column, so only the columns need mending.
    table = pd.DataFrame({"Type": ["Refuge", "Dispersed", "Total"],
                          "Disabled": [34, 24, 58], "No recourse": [3, 6, 9]})
    out = suppress(table, ("Type",), 5)
    assert out.to_dict("list") == {"Type": ["Refuge", "Dispersed", "Total"],
                                   "Disabled": [34, 24, 58],
                                   "No recourse": [SUPPRESSED, SUPPRESSED, 9]}


def test_a_table_without_margins_hides_only_small_counts():
    table = pd.DataFrame({"Month": ["Apr", "May"], "Calls": [3, 2000], "Webchats": [12, 4]})
    out = suppress(table, ("Month",), 5)
    assert out.to_dict("list") == {"Month": ["Apr", "May"], "Calls": [SUPPRESSED, 2000],
                                   "Webchats": [12, SUPPRESSED]}
