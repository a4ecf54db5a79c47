"""Small-number suppression for published tables.

Primary: a non-zero count under the threshold is hidden. Secondary: a row or column
(margins included) that adds up to a total shown in the table, with exactly one hidden
cell, would give that cell away by subtraction, so another cell of that line is hidden too
-- preferring one that also mends a crossing line, then a non-zero cell, then the smallest
-- until no such line has exactly one hidden cell. Rows add up when the table has a Total
column, columns when it has a Total row.

No lone hidden cell is not enough: rows and columns taken together can still pin a hidden
cell (two rows hiding cells in the same two columns give those columns' hidden sum, which a
third hidden cell of one of them then gives away). So every hidden cell is then audited
as someone with the table would: by linear programming, the least and the most it can be
given every cell and total shown and that no count is negative. A cell that can be only one
value has another cell of its row or column hidden (a non-zero one inside the table
first, then the smallest), lines are mended again, and the audit runs again, until every
hidden cell could be at least two values.

Tables published together are suppressed together: their margins may show the same
quantity (breaches per order in a ward table's total row and in a month table's total row),
so a margin hidden in one table is hidden wherever the same total, under the same label,
appears in another, and the audit takes the tables together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SUPPRESSED = "[c]"
TOTAL = "Total"
_OTHER_VALUE = 1 - 1e-6
"""How far from its true value a hidden count must be able to go: another whole count."""


@dataclass
class _Grid:
    """A table of counts as the audit sees it: which row and column hold the totals (None
    where that way nothing adds up), and each margin cell's key (its label and value)."""

    values: np.ndarray
    total_row: int | None
    total_column: int | None
    margins: dict[tuple[int, int], tuple] = field(default_factory=dict)

    def lines(self) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
        """(cells, total cell) of every row and column that adds up to a total."""
        n, m = self.values.shape
        found = []
        if self.total_column is not None:
            found += [([(r, k) for k in range(m) if k != self.total_column],
                       (r, self.total_column)) for r in range(n)]
        if self.total_row is not None:
            found += [([(r, k) for r in range(n) if r != self.total_row],
                       (self.total_row, k)) for k in range(m)]
        return found

    def is_margin(self, cell: tuple[int, int]) -> bool:
        return cell[0] == self.total_row or cell[1] == self.total_column


def _lone_line(hidden: np.ndarray, axes: tuple[int, ...],
               stuck: set[tuple[int, int]]) -> tuple[int, int] | None:
    """(axis, index) of a row (axis 0) or column (axis 1) with exactly one hidden cell."""
    for axis in axes:
        counts = hidden.sum(axis=1 - axis)
        for i in np.flatnonzero(counts == 1):
            if (axis, int(i)) not in stuck:
                return axis, int(i)
    return None


def _mend(values: np.ndarray, hidden: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Hides more cells until no line that adds up has exactly one hidden cell."""
    hidden = hidden.copy()
    stuck: set[tuple[int, int]] = set()  # a line of one cell: nothing else to hide in it
    while (lone := _lone_line(hidden, axes, stuck)) is not None:
        axis, i = lone
        line_values = values[i] if axis == 0 else values[:, i]
        line_hidden = hidden[i] if axis == 0 else hidden[:, i]
        # How many hidden cells each cell's crossing line has: a crossing line with one
        # hidden cell is mended by the same hide (when crossing lines add up too).
        crossing = hidden.sum(axis=0) if axis == 0 else hidden.sum(axis=1)
        crossing_adds_up = (1 - axis) in axes
        candidates = np.flatnonzero(~line_hidden)
        if candidates.size == 0:
            stuck.add(lone)
            continue
        best = min(candidates, key=lambda j: (not (crossing_adds_up and crossing[j] == 1),
                                              line_values[j] == 0, line_values[j]))
        if axis == 0:
            hidden[i, best] = True
        else:
            hidden[best, i] = True
    return hidden


def _axes(grid: _Grid) -> tuple[int, ...]:
    return tuple(axis for axis, total in ((0, grid.total_column), (1, grid.total_row))
                 if total is not None)


def _pinned(grids: list[_Grid], masks: list[np.ndarray]) -> list[tuple[int, tuple[int, int]]]:
    """(table, cell) of every hidden cell that the cells and totals shown, and no count
    being negative, allow to be only one value (linear programming over the hidden cells
    of all the tables, a margin shared by two tables being one unknown)."""
    from scipy.optimize import linprog

    unknowns: dict[tuple, int] = {}
    where: dict[tuple[int, tuple[int, int]], int] = {}
    for t, (grid, mask) in enumerate(zip(grids, masks, strict=True)):
        for r, k in zip(*np.nonzero(mask), strict=True):
            cell = (int(r), int(k))
            key = grid.margins.get(cell, (t, cell))
            where[(t, cell)] = unknowns.setdefault(key, len(unknowns))
    if not unknowns:
        return []
    known = {grid.margins[cell]: grid.values[cell] for grid, mask in zip(grids, masks,
                                                                         strict=True)
             for cell in grid.margins if not mask[cell]}
    rows, rhs = [], []

    def equation(terms: list[tuple[float, tuple[int, tuple[int, int]]]]) -> None:
        row, constant = np.zeros(len(unknowns)), 0.0
        for sign, (t, cell) in terms:
            if (t, cell) in where:
                row[where[(t, cell)]] += sign
            else:
                constant += sign * grids[t].values[cell]
        if np.isnan(constant) or not row.any():
            return  # a blank shown: the line gives nothing away
        rows.append(row)
        rhs.append(-constant)

    for t, grid in enumerate(grids):
        for cells, total in grid.lines():
            equation([(1.0, (t, c)) for c in cells] + [(-1.0, (t, total))])
    for (t, cell), i in where.items():  # a shared total shown in another table
        key = grids[t].margins.get(cell)
        if key in known:
            row = np.zeros(len(unknowns))
            row[i] = 1
            rows.append(row)
            rhs.append(known[key])
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    pinned = []
    for (t, cell), i in where.items():
        true = grids[t].values[cell]
        if np.isnan(true):
            continue
        goal = np.zeros(len(unknowns))
        goal[i] = 1
        most = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if most.status == 3 or (most.status == 0 and -most.fun >= true + _OTHER_VALUE):
            continue
        least = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if least.status == 0 and least.fun <= true - _OTHER_VALUE:
            continue
        pinned.append((t, cell))
    return pinned


def _unpinning(grids: list[_Grid], masks: list[np.ndarray], t: int,
               cell: tuple[int, int]) -> tuple[int, tuple[int, int]] | None:
    """A cell to hide so that a pinned one can move: shown, in the pinned cell's row or
    column (one that adds up), inside the table rather than a total, non-zero, smallest;
    failing that, such a cell anywhere in the tables."""
    grid, mask = grids[t], masks[t]
    near = [c for cells, total in grid.lines() if cell in (*cells, total)
            for c in (*cells, total) if not mask[c]]

    def preference(found: tuple[int, tuple[int, int]]):
        u, c = found
        value = grids[u].values[c]
        return grids[u].is_margin(c), not value > 0, value

    candidates = [(t, c) for c in near] or [
        (u, (int(r), int(k))) for u, m in enumerate(masks) for r, k in zip(*np.nonzero(~m),
                                                                            strict=True)]
    return min(candidates, key=preference, default=None)


def _protect(grids: list[_Grid], threshold: int,
             forced: list[np.ndarray | None]) -> list[np.ndarray]:
    """Every table's hidden cells: primary, mended lines, shared margins hidden alike, and
    more until the audit finds no hidden cell pinned."""
    extra = [np.zeros(g.values.shape, dtype=bool) if f is None else f.copy()
             for g, f in zip(grids, forced, strict=True)]
    hidden_margins: set[tuple] = set()
    while True:
        masks = []
        for grid, more in zip(grids, extra, strict=True):
            hidden = (grid.values > 0) & (grid.values < threshold) | more
            for cell, key in grid.margins.items():
                hidden[cell] |= key in hidden_margins
            masks.append(_mend(grid.values, hidden, _axes(grid)))
        found = {key for grid, mask in zip(grids, masks, strict=True)
                 for cell, key in grid.margins.items() if mask[cell]}
        if not found <= hidden_margins:
            hidden_margins |= found
            continue
        pinned = _pinned(grids, masks)
        if not pinned:
            return masks
        choice = _unpinning(grids, masks, *pinned[0])
        if choice is None:  # everything is hidden already
            return masks
        extra[choice[0]][choice[1]] = True


def suppression_mask(values: np.ndarray, threshold: int, forced: np.ndarray | None = None,
                     *, rows_add_up: bool = True, columns_add_up: bool = True,
                     total_row: int = -1, total_column: int = -1) -> np.ndarray:
    """Which cells of a table of counts to hide, `forced` ones among them.

    Only lines that add up to a total shown in the table can give a cell away: rows when
    the table has a Total column (`rows_add_up`, the column at `total_column`), columns when
    it has a Total row (`columns_add_up`, the row at `total_row`).
    """
    values = np.asarray(values, dtype=float)
    n, m = values.shape
    if not values.size:
        return np.zeros(values.shape, dtype=bool)
    grid = _Grid(values, total_row % n if columns_add_up else None,
                 total_column % m if rows_add_up else None)
    return _protect([grid], threshold, [forced])[0]


def _counts(table: pd.DataFrame, index: tuple[str, ...]) -> list[str]:
    return [c for c in table.columns if c not in index]


def _margins(table: pd.DataFrame, index: tuple[str, ...]) -> dict[tuple[int, int], tuple]:
    """(row, column) of each margin cell -> (its label, its value).

    A cell in the ``Total`` row is labelled by its column; a cell in the ``Total`` column
    by its row's first index value; the corner by ``Total``.
    """
    counts = _counts(table, index)
    labels = table[index[0]].astype(str).tolist()
    values = table[counts].to_numpy(dtype=float)
    cells = {}
    for r, row_label in enumerate(labels):
        for k, column in enumerate(counts):
            if row_label == TOTAL or column == TOTAL:
                label = column if row_label == TOTAL else row_label
                cells[(r, k)] = (label, values[r, k])
    return cells


def suppress(table: pd.DataFrame, index: tuple[str, ...], threshold: int) -> pd.DataFrame:
    """The table as published: hidden counts written as ``[c]``.

    Every column not in `index` is a count; a row whose first index value is ``Total``
    and a column named ``Total`` are margins, treated like any other line.
    """
    return suppress_together({"table": (table, index)}, threshold)["table"]


def suppress_together(tables: dict[str, tuple[pd.DataFrame, tuple[str, ...]]],
                      threshold: int) -> dict[str, pd.DataFrame]:
    """Tables published side by side, suppressed so none gives away another's hidden total."""
    grids = []
    for table, index in tables.values():
        counts = _counts(table, index)
        labels = table[index[0]].astype(str).tolist()
        grids.append(_Grid(table[counts].to_numpy(dtype=float),
                           labels.index(TOTAL) if TOTAL in labels else None,
                           counts.index(TOTAL) if TOTAL in counts else None,
                           _margins(table, index)))
    masks = _protect(grids, threshold, [None] * len(grids))
    return {name: _written(table, index, mask)
            for (name, (table, index)), mask in zip(tables.items(), masks, strict=True)}


def _written(table: pd.DataFrame, index: tuple[str, ...], mask: np.ndarray) -> pd.DataFrame:
    counts = _counts(table, index)
    out = table.astype({c: object for c in counts})
    for k, column in enumerate(counts):
        out.loc[mask[:, k], column] = SUPPRESSED
    return out


def round_counts(table: pd.DataFrame, index: tuple[str, ...], to: int) -> pd.DataFrame:
    """Visible counts rounded to the nearest `to` (halves up), as national releases print
    them; hidden cells stay hidden. Totals are rounded themselves, not summed after."""
    out = table.astype({c: object for c in _counts(table, index)})
    for column in _counts(table, index):
        out[column] = [v if isinstance(v, str) or pd.isna(v) else int(np.floor(v / to + 0.5) * to)
                       for v in out[column]]
    return out
