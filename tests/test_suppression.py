"""Small-number suppression: primary (counts under the threshold), secondary (no lone hide),
protected totals kept shown by merging small categories into Other, and the audit."""

import numpy as np
import pandas as pd
import pytest

from tasks.suppression import (
    OTHER,
    SUPPRESSED,
    Counted,
    Withheld,
    audit,
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


def test_a_table_without_rows_hides_nothing():
    assert suppression_mask(np.zeros((0, 3)), 5).shape == (0, 3)
    table = pd.DataFrame({"Ward": ["Total"], "A": [0], "Total": [0]})
    assert suppress(table, ("Ward",), 5).to_dict("list") == table.to_dict("list")


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


def tables_of(withheld: dict[str, Withheld]) -> dict[str, pd.DataFrame]:
    """The tables as published."""
    return {name: w.table for name, w in withheld.items()}


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

    out = tables_of(suppress_together({"wards": Counted(wards, ("Ward",)),
                                       "months": Counted(months, ("Month",))}, 5))
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
    out = tables_of(suppress_together({"wards": Counted(wards, ("Ward",)),
                                       "months": Counted(months, ("Month",))}, 5))
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


# --- no hidden cell can be worked out from what is shown ------------------------------------
#
# Someone with a published table knows every cell and total shown, that the cells of a line
# add up to its total, and that no count is negative. For each hidden cell, linear
# programming finds the least and the most it can then be; a range of one value gives it
# away. (Rounded tables are checked with their exact visible values: rounding only adds
# doubt.) Tables published together are taken together: a total shown under the same label
# in two of them (breaches per order) is the same figure.


def hidden_ranges(tables: dict[str, pd.DataFrame], indexes: dict[str, tuple[str, ...]],
                  shown: dict[str, pd.DataFrame], linked: bool = False) -> dict:
    """(table, row, column) -> (least, most) of every hidden cell. `tables` hold the true
    counts, `shown` the same tables as published; with `linked`, margins of the same label
    are one figure wherever they appear."""
    from scipy.optimize import linprog

    unknown: dict[tuple, int] = {}
    equations: list[tuple[dict[int, float], float]] = []

    def term(name: str, r: int, column: str, label: str | None):
        """A cell as the reader sees it: its value, or the number of its unknown."""
        if shown[name].iloc[r][column] != SUPPRESSED:
            return float(shown[name].iloc[r][column])
        key = ("margin", label) if linked and label is not None else (name, r, column)
        return unknown.setdefault(key, len(unknown))

    cells = {}
    for name, table in tables.items():
        counts = [c for c in table.columns if c not in indexes[name]]
        labels = table[indexes[name][0]].astype(str).tolist()
        for r, row_label in enumerate(labels):
            for column in counts:
                margin = (column if row_label == TOTAL_LABEL else row_label) if (
                    row_label == TOTAL_LABEL or column == TOTAL_LABEL) else None
                cells[(name, r, column)] = term(name, r, column, margin)
        lines = []
        if TOTAL_LABEL in counts:
            lines += [([(r, c) for c in counts if c != TOTAL_LABEL], (r, TOTAL_LABEL))
                      for r in range(len(table))]
        if TOTAL_LABEL in labels:
            t = labels.index(TOTAL_LABEL)
            lines += [([(r, c) for r in range(len(table)) if r != t], (t, c)) for c in counts]
        for parts, total in lines:
            coefficients, constant = {}, 0.0
            for sign, (r, c) in [(1, p) for p in parts] + [(-1, total)]:
                value = cells[(name, r, c)]
                if isinstance(value, int):
                    coefficients[value] = coefficients.get(value, 0) + sign
                else:
                    constant += sign * value
            if any(coefficients.values()):
                equations.append((coefficients, -constant))
    a_eq = np.zeros((len(equations), len(unknown)))
    for i, (coefficients, _) in enumerate(equations):
        for j, v in coefficients.items():
            a_eq[i, j] = v
    b_eq = np.array([b for _, b in equations])
    ranges = {}
    for cell, value in cells.items():
        if not isinstance(value, int) or cell in ranges:
            continue
        goal = np.zeros(len(unknown))
        goal[value] = 1
        kwargs = dict(A_eq=a_eq, b_eq=b_eq, bounds=(0, None)) if len(equations) else dict(
            bounds=(0, None))
        least = linprog(goal, **kwargs)
        most = linprog(-goal, **kwargs)
        assert least.status == 0, (cell, least.message)  # the true counts are a solution
        ranges[cell] = (least.fun, np.inf if most.status == 3 else -most.fun)
    return ranges


TOTAL_LABEL = "Total"


def given_away(ranges: dict) -> list:
    return [(cell, r) for cell, r in ranges.items() if r[1] - r[0] < 1e-6]


def random_table(rng: np.random.Generator,
                 totals_from: int = 0) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Counts of a random shape, many small, with a Total column, a Total row, or both; with
    `totals_from`, no column (or no row, as it falls) adds up to less, and there are at
    least three of each, so that a merge leaves a category named."""
    inner = rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12, 20, 40],
                       size=rng.integers(3 if totals_from else 1, 7, size=2))
    if totals_from:
        inner[rng.integers(0, len(inner), inner.shape[1]), np.arange(inner.shape[1])] += (
            totals_from)
        inner = inner.T if rng.random() < 0.5 else inner
    rows, columns = inner.shape
    table = pd.DataFrame(inner, columns=[f"C{k}" for k in range(columns)])
    table.insert(0, "Row", [f"R{r}" for r in range(rows)])
    margins = rng.choice(["both", "both", "row", "column"])
    if margins in ("both", "column"):
        table[TOTAL_LABEL] = table.drop(columns="Row").sum(axis=1)
    if margins in ("both", "row"):
        total = {"Row": TOTAL_LABEL, **table.drop(columns="Row").sum().to_dict()}
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return table, ("Row",)


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_no_hidden_cell_of_a_random_table_can_be_worked_out(threshold):
    rng = np.random.default_rng(20261125 + threshold)
    checked = 0
    for _ in range(100):
        table, index = random_table(rng)
        shown = suppress(table, index, threshold)
        ranges = hidden_ranges({"t": table}, {"t": index}, {"t": shown})
        assert given_away(ranges) == [], table.to_string()
        checked += len(ranges)
    assert checked > 200  # enough hidden cells were tried


def test_no_hidden_cell_of_random_tables_published_together_can_be_worked_out():
    rng = np.random.default_rng(4)
    for _ in range(40):
        orders = [f"Order {k}" for k in range(rng.integers(1, 4))]
        by_order = rng.choice([0, 0, 1, 2, 3, 4, 7, 15, 30], size=(3, len(orders)))
        wards = _with_margins(pd.DataFrame({"Ward": ["A", "B", "C"], **dict(zip(
            orders, by_order.T, strict=True))}), "Ward")
        # the same breaches per order, counted by month instead of ward
        per_month = [rng.multinomial(n, [0.25] * 4) for n in by_order.sum(axis=0)]
        months = _with_margins(pd.DataFrame({"Month": ["Jan", "Feb", "Mar", "Apr"], **dict(
            zip(orders, per_month, strict=True))}), "Month")
        tables = {"wards": wards, "months": months}
        indexes = {"wards": ("Ward",), "months": ("Month",)}
        shown = tables_of(suppress_together({n: Counted(t, indexes[n])
                                             for n, t in tables.items()}, 5))
        ranges = hidden_ranges(tables, indexes, shown, linked=True)
        assert given_away(ranges) == [], (wards.to_string(), months.to_string())


def test_rows_and_columns_together_no_longer_give_a_cell_away():
    values = with_margins([[5, 2, 20, 20],
                           [6, 2, 4, 5],
                           [0, 0, 4, 5],
                           [1, 1, 0, 20]])
    table = pd.DataFrame(values, columns=["A", "B", "C", "D", TOTAL_LABEL])
    table.insert(0, "Row", ["R1", "R2", "R3", "R4", TOTAL_LABEL])
    # Mending lone lines alone hid these, leaving no line with one hidden cell. Yet rows 1
    # and 4 hide cells only in columns A and B: A1 + B1 = 47 - 40 and A4 + B4 = 22 - 20,
    # and column A gives A1 + A4 = 12 - 6, so B1 + B4 = 3 and column B gives B2 = 5 - 3.
    mended_only = np.zeros(values.shape, dtype=bool)
    for r, k in [(0, 0), (0, 1), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 0), (3, 1)]:
        mended_only[r, k] = True
    assert lone_lines(mended_only) == []
    was = table.astype(object).mask(pd.DataFrame(mended_only, columns=table.columns[1:])
                                    .reindex(columns=table.columns, fill_value=False),
                                    SUPPRESSED)
    assert given_away(hidden_ranges({"t": table}, {"t": ("Row",)}, {"t": was})) == [
        (("t", 1, "B"), (2.0, 2.0))]

    shown = suppress(table, ("Row",), 5)
    assert given_away(hidden_ranges({"t": table}, {"t": ("Row",)}, {"t": shown})) == []
    hidden = (shown.drop(columns="Row") == SUPPRESSED).to_numpy()
    assert (hidden >= mended_only).all() and hidden.sum() == mended_only.sum() + 1


SUPPRESSING = {  # return -> periods whose demo data are checked
    "part4-duty": ["2024/25", "2025/26"],
    "prevent-benchmarks": ["2024/25", "2025/26"],
}


@pytest.mark.parametrize("return_id", SUPPRESSING)
def test_no_hidden_cell_of_a_demo_returns_withheld_tables_can_be_worked_out(return_id,
                                                                             tmp_path):
    from flows import registry
    from flows.skeleton import prepare
    from tasks.collect import collect, files_in
    from tasks.render import output_tables

    declaration = registry.get(return_id).DECLARATION
    hidden_cells = 0
    for period in SUPPRESSING[return_id]:
        ctx = prepare(declaration, period, "demo")
        folder = tmp_path / ctx.period.folder
        for name, frame in registry.demo_data(return_id).generate(
                ctx.period, ctx.config, problems=True).items():
            path = folder / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, index=False)
        frames = {}
        for source in declaration.sources:
            paths = files_in(folder / source.name) if source.many else [
                folder / f"{source.name}.csv"]
            frames[source.name] = collect.fn(source, paths, tmp_path / "archive", ctx).frame
        tables = declaration.assemble(frames, ctx)
        withheld = output_tables(declaration, tables, ctx.suppression_threshold).withheld
        assert audit(withheld, ctx.suppression_threshold) == [], period
        # And by the test's own reckoning. Rounded tables are read with their exact visible
        # counts: the harder case.
        ranges = hidden_ranges({n: w.exact for n, w in withheld.items()},
                               {n: w.index for n, w in withheld.items()},
                               {n: w.table for n, w in withheld.items()})
        assert given_away(ranges) == [], (period, given_away(ranges))
        hidden_cells += len(ranges)
    assert hidden_cells, f"no cell of {return_id}'s demo tables was hidden: nothing was tested"


# --- protected cells: totals always shown, small categories merged into Other ---------------

TYPE = "Accommodation type"
PEOPLE = ["Women", "Men", "Trans", "Children"]


def people_table(rows: dict[str, list[int]]) -> pd.DataFrame:
    """People supported by accommodation type, as Part 4's table, with both margins."""
    table = pd.DataFrame(list(rows.values()), columns=PEOPLE)
    table.insert(0, TYPE, list(rows))
    return _with_margins(table, TYPE)


PART4 = {"Refuge": [60, 0, 2, 35], "Specialist safe accommodation": [8, 6, 2, 40],
         "Dispersed": [12, 0, 5, 20], "Sanctuary scheme": [5, 1, 0, 9],
         "Second stage": [5, 0, 0, 0], "Other designated": [60, 8, 5, 9]}


def hidden_of(table: pd.DataFrame, index: tuple[str, ...]) -> np.ndarray:
    return table.drop(columns=list(index)).eq(SUPPRESSED).to_numpy()


def withheld_alone(table: pd.DataFrame, index: tuple[str, ...], threshold: int = 5,
                   protected: tuple[str, ...] = ("Total",)) -> Withheld:
    return suppress_together({"individuals": Counted(table, index, protected)},
                             threshold)["individuals"]


def test_protected_totals_of_a_people_table_are_shown_and_its_small_counts_hidden():
    table = people_table(PART4)
    # Unprotected, the one man in sanctuary schemes costs that type's total of people.
    unprotected = suppress(table, (TYPE,), 5)
    assert unprotected.loc[3, "Total"] == SUPPRESSED
    assert unprotected.loc[4, "Total"] == SUPPRESSED

    withheld = withheld_alone(table, (TYPE,))
    shown = withheld.table
    hidden = hidden_of(shown, (TYPE,))
    assert not hidden[:, -1].any() and not hidden[-1].any()  # every margin shown
    assert shown["Total"].tolist() == [97, 56, 37, 15, 5, 82, 292]
    assert shown.iloc[-1].tolist() == ["Total", 150, 15, 14, 113, 292]
    for r, k in [(0, "Trans"), (1, "Trans"), (3, "Men")]:  # the 2, 2 and 1
        assert shown.loc[r, k] == SUPPRESSED
    assert (withheld.merged, withheld.merged_into) == ((), None)
    assert withheld.hidden == hidden.sum() == 8
    pd.testing.assert_frame_equal(withheld.exact, table)
    assert audit({"individuals": withheld}, 5) == []
    ranges = hidden_ranges({"t": table}, {"t": (TYPE,)}, {"t": shown})
    assert len(ranges) == 8 and given_away(ranges) == []


def test_suppress_takes_the_protected_labels_too():
    table = people_table(PART4)
    assert suppress(table, (TYPE,), 5, ("Total",)).equals(withheld_alone(table, (TYPE,)).table)


def test_a_small_column_total_merges_the_two_smallest_columns_into_other():
    rows = {**PART4, "Specialist safe accommodation": [8, 6, 0, 40],
            "Dispersed": [12, 0, 1, 20], "Other designated": [60, 8, 0, 9]}
    table = people_table(rows)
    assert table.iloc[-1]["Trans"] == 3  # too few to show, and protected
    withheld = withheld_alone(table, (TYPE,))
    assert (withheld.merged, withheld.merged_into) == (("Men", "Trans"), "column")
    exact = withheld.exact
    assert exact.columns.tolist() == [TYPE, "Women", "Children", OTHER, "Total"]
    assert exact[OTHER].tolist() == [2, 6, 1, 1, 0, 8, 18]
    assert (exact[["Women", "Children", OTHER]].sum(axis=1) == exact["Total"]).all()
    assert (exact.iloc[:-1, 1:].sum() == exact.iloc[-1, 1:]).all()
    pd.testing.assert_series_equal(exact["Total"], table["Total"])
    hidden = hidden_of(withheld.table, (TYPE,))
    assert not hidden[:, -1].any() and not hidden[-1].any()
    assert withheld.table.loc[2, OTHER] == SUPPRESSED  # the 1 in dispersed
    assert audit({"individuals": withheld}, 5) == []


def test_a_small_row_total_merges_the_two_smallest_rows_into_other_before_the_total_row():
    rows = {**PART4, "Second stage": [2, 0, 0, 1]}
    table = people_table(rows)
    table.insert(1, "Code", ["R", "S", "D", "SS", "SC", "OD", ""])
    withheld = withheld_alone(table, (TYPE, "Code"))
    assert (withheld.merged, withheld.merged_into) == (("Sanctuary scheme", "Second stage"),
                                                       "row")
    exact = withheld.exact
    assert exact[TYPE].tolist() == ["Refuge", "Specialist safe accommodation", "Dispersed",
                                    "Other designated", OTHER, "Total"]
    assert exact.iloc[4].tolist() == [OTHER, "", 7, 1, 0, 10, 18]
    assert exact.iloc[-1].tolist() == table.iloc[-1].tolist()  # margins as they were
    assert (exact.iloc[:-1, 2:].sum() == exact.iloc[-1, 2:]).all()
    hidden = hidden_of(withheld.table, (TYPE, "Code"))
    assert not hidden[:, -1].any() and not hidden[-1].any()
    assert audit({"individuals": withheld}, 5) == []


def test_categories_of_nobody_are_merged_last_and_others_join_other_until_it_is_shown():
    table = _with_margins(pd.DataFrame({"Ward": ["A", "B", "C", "D", "E"],
                                        "Adults": [0, 1, 1, 20, 30],
                                        "Children": [0, 0, 1, 10, 15]}), "Ward")
    withheld = withheld_alone(table, ("Ward",))
    # B (1) and C (2) make an Other of 3, still too few to show; D, the next smallest, joins
    # it. A, of nobody, stays: merging it would add nothing.
    assert (withheld.merged, withheld.merged_into) == (("B", "C", "D"), "row")
    assert withheld.exact.to_dict("list") == {
        "Ward": ["A", "E", OTHER, "Total"], "Adults": [0, 30, 22, 52],
        "Children": [0, 15, 11, 26], "Total": [0, 45, 33, 78]}
    assert withheld.hidden == 0
    assert audit({"t": withheld}, 5) == []


def test_nothing_is_merged_when_no_merge_can_show_the_protected_totals():
    table = _with_margins(pd.DataFrame({"Ward": ["A", "B"], "Adults": [1, 0],
                                        "Children": [2, 0]}), "Ward")
    withheld = withheld_alone(table, ("Ward",))  # a grand total of 3: nothing can show it
    assert (withheld.merged, withheld.merged_into) == ((), None)
    assert audit({"t": withheld}, 5) == [
        "t, row 'A', column 'Total': a protected total is hidden",
        "t, row 'Total', column 'Adults': a protected total is hidden",
        "t, row 'Total', column 'Children': a protected total is hidden",
        "t, row 'Total', column 'Total': a protected total is hidden"]


def test_a_protected_column_and_row_keep_every_cell_of_them_shown():
    table = people_table(PART4)
    withheld = withheld_alone(table, (TYPE,), protected=("Women", "Refuge"))
    # The 2 trans people in refuges are protected by their row, which is not merged: the
    # columns are. Men and Trans make an Other of 0 + 2 in refuges, still too few; Children,
    # the next smallest column, joins it.
    assert (withheld.merged, withheld.merged_into) == (("Men", "Trans", "Children"), "column")
    assert withheld.table.iloc[0].tolist() == ["Refuge", 60, 37, 97]
    assert withheld.table["Women"].tolist() == table["Women"].tolist()
    assert withheld.hidden == 0
    assert audit({"individuals": withheld}, 5) == []


def test_the_mask_hides_protected_cells_only_where_nothing_else_will_do():
    values = with_margins([[0, 6, 12], [6, 3, 20], [0, 0, 8]])
    # Unprotected, the 3 costs columns A's and B's totals.
    assert suppression_mask(values, 5).astype(int).tolist() == [
        [0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0]]
    margins = np.zeros(values.shape, dtype=bool)
    margins[:, -1] = margins[-1] = True
    assert suppression_mask(values, 5, protected=margins).astype(int).tolist() == [
        [1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    # A protected small count is hidden all the same, and so, with nothing else left in its
    # line, is its protected neighbour.
    column_a = np.zeros(values.shape, dtype=bool)
    column_a[:, 0] = True
    hidden = suppression_mask(with_margins([[3, 10], [8, 30]]), 5, protected=column_a[:3, :3])
    assert hidden[:, 0].sum() == 2 and lone_lines(hidden) == []


# --- audit: the published tables re-checked from their exact counts alone -------------------


def published(exact: pd.DataFrame, hidden: list[tuple[int, str]], protected=("Total",),
              name: str = "individuals", index=(TYPE,)) -> dict[str, Withheld]:
    """A hand-made Withheld: `exact` published with the cells `hidden` written [c]."""
    table = exact.astype(object)
    for r, column in hidden:
        table.loc[r, column] = SUPPRESSED
    return {name: Withheld(table, exact, index, protected, (), None, len(hidden))}


def small_people_table() -> pd.DataFrame:
    return people_table({"Refuge": [30, 7, 0, 20], "Dispersed": [25, 9, 6, 12]})


def test_audit_names_a_lone_hidden_cell_in_a_row_with_a_shown_total():
    problems = audit(published(small_people_table(), [(0, "Men")]), 5)
    assert problems == ["individuals, row 'Refuge', column 'Men': can be worked out as exactly 7"]
    assert [p.unsafe for p in problems] == [True]


def test_audit_names_a_cell_that_rows_and_columns_give_away_together():
    # As in test_rows_and_columns_together_no_longer_give_a_cell_away: no line has one
    # hidden cell, yet B2 = 5 - (B1 + B4) = 5 - 3.
    table = pd.DataFrame(with_margins([[5, 2, 20, 20], [6, 2, 4, 5], [0, 0, 4, 5],
                                       [1, 1, 0, 20]]), columns=["A", "B", "C", "D", "Total"])
    table.insert(0, "Row", ["R1", "R2", "R3", "R4", "Total"])
    hidden = [(0, "A"), (0, "B"), (1, "B"), (1, "C"), (1, "D"), (2, "C"), (2, "D"), (3, "A"),
              (3, "B")]
    assert audit(published(table, hidden, name="t", index=("Row",)), 5) == [
        "t, row 'R2', column 'B': can be worked out as exactly 2"]


def test_audit_says_when_a_protected_total_is_hidden():
    # A rectangle of hidden cells: each could be another count, but three are protected.
    hidden = [(0, "Men"), (0, "Total"), (2, "Men"), (2, "Total")]
    found = audit(published(small_people_table(), hidden), 5)
    assert not any(p.unsafe for p in found)  # withheld, but nothing given away
    assert found == [
        "individuals, row 'Refuge', column 'Total': a protected total is hidden",
        "individuals, row 'Total', column 'Men': a protected total is hidden",
        "individuals, row 'Total', column 'Total': a protected total is hidden"]
    assert audit(published(small_people_table(), hidden, protected=()), 5) == []
    assert audit(published(small_people_table(), hidden, protected=("Men",)), 5) == [
        "individuals, row 'Refuge', column 'Men': a protected count is hidden",
        "individuals, row 'Total', column 'Men': a protected total is hidden"]


def test_audit_says_when_a_small_count_is_shown():
    table = people_table({"Refuge": [30, 3, 0, 20], "Dispersed": [25, 9, 6, 12]})
    [found] = audit(published(table, []), 5)
    assert (found, found.unsafe) == (
        "individuals, row 'Refuge', column 'Men': a count of 3 is shown", True)
    assert audit(published(table, []), 3) == []


# --- protected margins shared by tables published together --------------------------------


def orders_by(index: str, labels: list[str], counts: dict[str, list[int]]) -> pd.DataFrame:
    return _with_margins(pd.DataFrame({index: labels, **counts}), index)


def test_tables_published_together_merge_alike_to_keep_a_shared_protected_margin_shown():
    # People moved on, by order, counted by ward and by month: the order totals are the same
    # figures. Begging's 3 cannot be shown, so it and Dogs become Other in both tables.
    wards = orders_by("Ward", ["Aston", "Bordesley", "Centre"],
                      {"Alcohol": [12, 7, 20], "Dogs": [6, 9, 15], "Begging": [2, 0, 1]})
    months = orders_by("Month", ["Jan", "Feb", "Mar", "Apr"],
                       {"Alcohol": [10, 9, 12, 8], "Dogs": [8, 7, 6, 9], "Begging": [1, 0, 2, 0]})
    out = suppress_together({"wards": Counted(wards, ("Ward",), ("Total",)),
                             "months": Counted(months, ("Month",), ("Total",))}, 5)
    for name, w in out.items():
        assert (w.merged, w.merged_into, w.hidden) == (("Dogs", "Begging"), "column", 0), name
        assert w.exact.columns.tolist()[1:] == ["Alcohol", OTHER, "Total"]
        assert w.exact.iloc[-1].tolist()[1:] == [39, 33, 72]
    assert out["wards"].exact[OTHER].tolist() == [8, 9, 16, 33]
    assert audit(out, 5) == []


def test_a_margin_protected_in_one_table_is_not_hidden_by_another():
    # Alone, the month table hides the Park and Beach totals to keep January's 4 in Beach
    # hidden; the ward table, which protects its totals, shows them, so the month table
    # must hide other cells.
    wards = orders_by("Ward", ["Aston", "Bordesley"],
                      {"Park": [1, 4], "Centre": [4, 30], "Beach": [15, 4]})
    months = orders_by("Month", ["Jan", "Feb", "Mar"],
                       {"Park": [5, 0, 0], "Centre": [10, 12, 12], "Beach": [4, 9, 6]})
    alone = suppress(months, ("Month",), 5)
    assert alone.iloc[-1].tolist() == ["Total", SUPPRESSED, 34, SUPPRESSED, 58]
    for protected in (("Total",), ()):  # the month table's own protection makes no odds
        out = suppress_together({"wards": Counted(wards, ("Ward",), ("Total",)),
                                 "months": Counted(months, ("Month",), protected)}, 5)
        for w in out.values():
            assert w.table.iloc[-1].tolist()[1:] == [5, 34, 19, 58]
            assert w.merged == ()
        assert out["months"].table.loc[0, "Beach"] == SUPPRESSED
        assert audit(out, 5) == []
        assert given_away(hidden_ranges(
            {"wards": wards, "months": months}, {"wards": ("Ward",), "months": ("Month",)},
            tables_of(out), linked=True)) == []


def test_random_tables_with_protected_totals_show_them_and_give_nothing_away():
    merged, withheld_totals = set(), 0
    for threshold in (3, 5, 10):
        rng = np.random.default_rng(20261201 + threshold)
        for _ in range(30):
            # Column totals (or row totals) at least the threshold: only rows (or columns)
            # may need merging. (A table is merged one way only, so small row and column
            # totals together cannot all be shown; nor can a total when merging would leave
            # no category named.)
            table, index = random_table(rng, totals_from=threshold)
            withheld = suppress_together({"t": Counted(table, index, ("Total",))}, threshold)
            merged.add(withheld["t"].merged_into)
            problems = audit(withheld, threshold)
            assert [p for p in problems if not p.endswith("a protected total is hidden")] \
                == [], table.to_string()
            withheld_totals += bool(problems)
            ranges = hidden_ranges({"t": withheld["t"].exact}, {"t": index},
                                   {"t": withheld["t"].table})
            assert given_away(ranges) == [], table.to_string()
    assert {"row", "column"} <= merged
    assert withheld_totals <= 5


def test_no_merge_leaves_a_table_all_other():
    """Two kinds of outcome, one of them 3: merging both would make the table one column of
    Other, which tells the reader nothing; the small total is withheld, and the audit (and
    so the run) says so."""
    table = orders_by("Order", ["Park", "Centre"], {"Warning": [20, 30], "Fine": [1, 2]})
    withheld = suppress_together({"t": Counted(table, ("Order",), ("Total",))}, 5)["t"]
    assert withheld.merged == ()
    assert withheld.table.iloc[-1].tolist() == ["Total", SUPPRESSED, SUPPRESSED, 53]
    assert audit({"t": withheld}, 5) == [
        "t, row 'Total', column 'Warning': a protected total is hidden",
        "t, row 'Total', column 'Fine': a protected total is hidden"]
