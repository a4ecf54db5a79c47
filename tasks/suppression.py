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

Protected cells (a table's declared totals, shown elsewhere too) are never the cell chosen
to hide while another choice remains. One that must be hidden all the same -- itself a
small count, or the only cell left that could keep another hidden -- is resolved by
merging the table's smallest categories into an ``Other`` row or column, and suppressing
again, until every protected cell is shown or nothing more can be merged.

Tables published together are suppressed together: their margins may show the same
quantity (breaches per order in a ward table's total row and in a month table's total row),
so a margin hidden in one table is hidden wherever the same total, under the same label,
appears in another, a margin protected in one is protected in all, and the audit takes the
tables together. `audit` re-checks published tables from their exact counts alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from statreturns.declaration import TOTAL

SUPPRESSED = "[c]"
OTHER = "Other"
_OTHER_VALUE = 1 - 1e-6
"""How far from its true value a hidden count must be able to go: another whole count."""


@dataclass
class _Grid:
    """A table of counts as the audit sees it: which row and column hold the totals (None
    where that way nothing adds up), each margin cell's key (its label and value), and
    which cells are protected."""

    values: np.ndarray
    total_row: int | None
    total_column: int | None
    margins: dict[tuple[int, int], tuple] = field(default_factory=dict)
    protected: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.protected is None:
            self.protected = np.zeros(self.values.shape, dtype=bool)

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


def _mend(values: np.ndarray, hidden: np.ndarray, axes: tuple[int, ...],
          protected: np.ndarray) -> np.ndarray:
    """Hides more cells until no line that adds up has exactly one hidden cell: a protected
    one only where nothing else in the line is left to hide (the table must then be
    merged)."""
    hidden = hidden.copy()
    stuck: set[tuple[int, int]] = set()  # a line of one cell: nothing else to hide in it
    while (lone := _lone_line(hidden, axes, stuck)) is not None:
        axis, i = lone
        line_values = values[i] if axis == 0 else values[:, i]
        line_hidden = hidden[i] if axis == 0 else hidden[:, i]
        line_protected = protected[i] if axis == 0 else protected[:, i]
        # How many hidden cells each cell's crossing line has: a crossing line with one
        # hidden cell is mended by the same hide (when crossing lines add up too).
        crossing = hidden.sum(axis=0) if axis == 0 else hidden.sum(axis=1)
        crossing_adds_up = (1 - axis) in axes
        free = ~line_hidden & ~line_protected
        candidates = np.flatnonzero(free if free.any() else ~line_hidden)
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
    failing that, such a cell anywhere in the tables. A protected cell only when no other
    is left, near or anywhere."""
    grid, mask = grids[t], masks[t]
    near = [(t, c) for cells, total in grid.lines() if cell in (*cells, total)
            for c in (*cells, total) if not mask[c]]
    anywhere = [(u, (int(r), int(k))) for u, m in enumerate(masks)
                for r, k in zip(*np.nonzero(~m), strict=True)]

    def free(found: tuple[int, tuple[int, int]]) -> bool:
        return not grids[found[0]].protected[found[1]]

    def preference(found: tuple[int, tuple[int, int]]):
        u, c = found
        value = grids[u].values[c]
        return grids[u].is_margin(c), not value > 0, value

    candidates = ([f for f in near if free(f)] or [f for f in anywhere if free(f)]
                  or near or anywhere)
    return min(candidates, key=preference, default=None)


def _protect(grids: list[_Grid], threshold: int,
             forced: list[np.ndarray | None]) -> list[np.ndarray]:
    """Every table's hidden cells: primary, mended lines, shared margins hidden alike, and
    more until the audit finds no hidden cell pinned. Protected cells are hidden only where
    no other will do (and then wherever their total appears, for the table must be merged
    anyway)."""
    extra = [np.zeros(g.values.shape, dtype=bool) if f is None else f.copy()
             for g, f in zip(grids, forced, strict=True)]
    hidden_margins: set[tuple] = set()
    while True:
        masks = []
        for grid, more in zip(grids, extra, strict=True):
            hidden = (grid.values > 0) & (grid.values < threshold) | more
            for cell, key in grid.margins.items():
                hidden[cell] |= key in hidden_margins
            masks.append(_mend(grid.values, hidden, _axes(grid), grid.protected))
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
                     total_row: int = -1, total_column: int = -1,
                     protected: np.ndarray | None = None) -> np.ndarray:
    """Which cells of a table of counts to hide, `forced` ones among them, `protected` ones
    only where nothing else will do.

    Only lines that add up to a total shown in the table can give a cell away: rows when
    the table has a Total column (`rows_add_up`, the column at `total_column`), columns when
    it has a Total row (`columns_add_up`, the row at `total_row`).
    """
    values = np.asarray(values, dtype=float)
    n, m = values.shape
    if not values.size:
        return np.zeros(values.shape, dtype=bool)
    grid = _Grid(values, total_row % n if columns_add_up else None,
                 total_column % m if rows_add_up else None,
                 protected=None if protected is None else np.asarray(protected, dtype=bool))
    return _protect([grid], threshold, [forced])[0]


Axis = Literal["row", "column"]


@dataclass(frozen=True)
class Counted:
    """A table of counts to publish with small counts of people withheld."""

    table: pd.DataFrame
    index: tuple[str, ...]
    protected: tuple[str, ...] = ()
    """Labels of cells always shown: a row label (the first index column's value, e.g.
    "Total") protects every cell of that row; a column name (e.g. "Total") every cell of
    that column. ("Total",) protects every margin: each row's and column's total and the
    grand total."""


@dataclass(frozen=True)
class Withheld:
    """A table as published, and what it took."""

    table: pd.DataFrame
    """As published: hidden cells written ``[c]``."""
    exact: pd.DataFrame
    """The same rows and columns (after any merge), every count exact."""
    index: tuple[str, ...]
    protected: tuple[str, ...]
    merged: tuple[str, ...]
    """The categories merged into OTHER, in table order; () when none."""
    merged_into: Axis | None
    """OTHER is a row or a column (None when nothing was merged)."""
    hidden: int
    """How many cells are hidden."""


def _counts(table: pd.DataFrame, index: tuple[str, ...]) -> list[str]:
    return [c for c in table.columns if c not in index]


def _labels(table: pd.DataFrame, index: tuple[str, ...], axis: Axis) -> list[str]:
    """The categories along an axis: rows' first index values, or the count columns."""
    return table[index[0]].astype(str).tolist() if axis == "row" else _counts(table, index)


def _cells(mask: np.ndarray) -> list[tuple[int, int]]:
    return [(int(r), int(k)) for r, k in zip(*np.nonzero(mask), strict=True)]


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


def _grid(table: pd.DataFrame, index: tuple[str, ...], protected: tuple[str, ...]) -> _Grid:
    counts = _counts(table, index)
    labels = _labels(table, index, "row")
    return _Grid(table[counts].to_numpy(dtype=float),
                 labels.index(TOTAL) if TOTAL in labels else None,
                 counts.index(TOTAL) if TOTAL in counts else None,
                 _margins(table, index),
                 np.array([label in protected for label in labels], dtype=bool)[:, None]
                 | np.array([column in protected for column in counts], dtype=bool)[None, :])


def _share_protection(grids: list[_Grid]) -> None:
    """A margin protected in one table is protected wherever the same total appears: no
    other table may hide by choice what that one shows."""
    keys = {grid.margins[cell] for grid in grids for cell in grid.margins
            if grid.protected[cell]}
    for grid in grids:
        for cell, key in grid.margins.items():
            grid.protected[cell] |= key in keys


def suppress(table: pd.DataFrame, index: tuple[str, ...], threshold: int,
             protected: tuple[str, ...] = ()) -> pd.DataFrame:
    """The table as published: hidden counts written as ``[c]``, and small categories
    merged into OTHER where the `protected` cells (see `Counted`) need it.

    Every column not in `index` is a count; a row whose first index value is ``Total``
    and a column named ``Total`` are margins, treated like any other line.
    """
    return suppress_together({"table": Counted(table, index, protected)}, threshold)[
        "table"].table


def suppress_together(tables: dict[str, Counted], threshold: int) -> dict[str, Withheld]:
    """Tables published side by side, suppressed so none gives away another's hidden total,
    and merged until every protected cell is shown or nothing more can be merged.

    A hidden protected cell of a category row (in the Total column, or in a protected
    column) has rows merged; of a category column (in the Total row, or a protected row),
    columns; the grand total neither, as no merge changes it. The two smallest categories
    by their counts' sum form OTHER (categories of nobody last, as merging them adds
    nothing; ties in table order); once there is an OTHER, the smallest joins it. The Total
    row and column and protected categories are never merged, and a table is merged one way
    only. Categories whose totals another table shows under the same labels are merged in
    it too, so that neither table's totals give away the other's.
    """
    current = dict(tables)
    merges: dict[str, tuple[Axis | None, tuple[str, ...]]] = {n: (None, ()) for n in tables}
    while True:
        grids = [_grid(c.table, c.index, c.protected) for c in current.values()]
        _share_protection(grids)
        masks = _protect(grids, threshold, [None] * len(grids))
        step = _merge_step(current, merges, grids, masks, threshold)
        if not step:
            break
        for name, (axis, labels) in step.items():
            counted, order = current[name], _labels(tables[name].table, tables[name].index, axis)
            current[name] = replace(counted, table=_merged(counted.table, counted.index,
                                                           labels, axis))
            merges[name] = (axis, tuple(sorted(merges[name][1] + labels, key=order.index)))
    return {name: Withheld(_written(c.table, c.index, mask), c.table, c.index, c.protected,
                           merges[name][1], merges[name][0], int(mask.sum()))
            for (name, c), mask in zip(current.items(), masks, strict=True)}


def _merge_step(current: dict[str, Counted], merges: dict[str, tuple[Axis | None, tuple]],
                grids: list[_Grid], masks: list[np.ndarray],
                threshold: int) -> dict[str, tuple[Axis, tuple]]:
    """Table -> (axis, categories) to merge next, for the first hidden protected cell that
    a merge can help (with the tables sharing those categories' totals); {} when none. No
    merge helps a table whose counts add up to less than the threshold."""
    names = list(current)
    for t, name in enumerate(names):
        counted, grid = current[name], grids[t]
        inside = np.delete(np.delete(grid.values, _at(grid.total_row), axis=0),
                           _at(grid.total_column), axis=1)
        if np.nansum(inside) < threshold:
            continue
        for cell in _cells(masks[t] & grid.protected):
            axis = _merge_axis(counted, grid, cell)
            if axis is None or merges[name][0] not in (None, axis):
                continue
            labels = _smallest(counted, grid, axis)
            if not labels:
                continue
            step = {name: (axis, labels)}
            keys = _category_keys(counted, grid, axis, labels)
            if keys is None:
                return step
            for u, other in enumerate(names):  # the same totals shown elsewhere: merged alike
                for way in ("row", "column"):
                    if (other not in step and merges[other][0] in (None, way)
                            and _category_keys(current[other], grids[u], way, labels) == keys):
                        step[other] = (way, labels)
            return step
    return {}


def _merge_axis(counted: Counted, grid: _Grid, cell: tuple[int, int]) -> Axis | None:
    """The way to merge for a hidden protected cell: rows if its row is a category that
    may be merged, else columns if its column is."""
    (r, k), table, index = cell, counted.table, counted.index
    if r != grid.total_row and _labels(table, index, "row")[r] not in counted.protected:
        return "row"
    if k != grid.total_column and _labels(table, index, "column")[k] not in counted.protected:
        return "column"
    return None


def _smallest(counted: Counted, grid: _Grid, axis: Axis) -> tuple[str, ...]:
    """The categories to merge next, in table order: the smallest into an OTHER there is,
    else the two smallest; () when that would leave no category named: a table that is all
    Other tells its reader nothing, so a protected total is withheld instead."""
    labels = _labels(counted.table, counted.index, axis)
    values, total, across = ((grid.values, grid.total_row, grid.total_column) if axis == "row"
                             else (grid.values.T, grid.total_column, grid.total_row))
    sizes = np.nansum(np.delete(values, _at(across), axis=1), axis=1)
    categories = [i for i, label in enumerate(labels) if i != total
                  and label not in (TOTAL, OTHER)]
    candidates = [i for i in categories if labels[i] not in counted.protected]
    need = 1 if OTHER in labels else 2
    if len(candidates) < need or len(categories) == need:
        return ()
    chosen = sorted(candidates, key=lambda i: (sizes[i] == 0, sizes[i]))[:need]
    return tuple(labels[i] for i in sorted(chosen))


def _at(line: int | None) -> list[int]:
    """The margin line to leave out of sums, if there is one."""
    return [] if line is None else [line]


def _category_keys(counted: Counted, grid: _Grid, axis: Axis,
                   labels: tuple[str, ...]) -> list[tuple] | None:
    """Each category's total's margin key (its label and value); None unless every one of
    them is a category along `axis` with a total."""
    names = _labels(counted.table, counted.index, axis)
    if not set(labels) <= set(names):
        return None
    cells = [(names.index(label), grid.total_column) if axis == "row"
             else (grid.total_row, names.index(label)) for label in labels]
    if any(None in cell for cell in cells):
        return None
    return [grid.margins[cell] for cell in cells]


def _merged(table: pd.DataFrame, index: tuple[str, ...], labels: tuple[str, ...],
            axis: Axis) -> pd.DataFrame:
    """The table with the categories `labels` added into its OTHER row or column (made if
    there is none), which then stands last before the Total row or column. Its counts are
    the sums, so every margin is as it was; an OTHER row's other index columns are blank."""
    counts = _counts(table, index)
    if axis == "column":
        into = [c for c in counts if c in labels or c == OTHER]
        other = table[into].sum(axis=1, min_count=1)
        out = table.drop(columns=into)
        out.insert(list(out.columns).index(TOTAL) if TOTAL in out.columns else len(out.columns),
                   OTHER, other)
        return out
    first = table[index[0]].astype(str)
    into = first.isin(labels) | (first == OTHER)
    row = {**dict.fromkeys(index, ""), index[0]: OTHER,
           **table.loc[into, counts].sum(min_count=1)}
    out = table[~into].reset_index(drop=True)
    rest = out[index[0]].astype(str).tolist()
    at = rest.index(TOTAL) if TOTAL in rest else len(out)
    return pd.concat([out.iloc[:at], pd.DataFrame([row]), out.iloc[at:]], ignore_index=True)


def _written(table: pd.DataFrame, index: tuple[str, ...], mask: np.ndarray) -> pd.DataFrame:
    counts = _counts(table, index)
    out = table.astype({c: object for c in counts})
    for k, column in enumerate(counts):
        out.loc[mask[:, k], column] = SUPPRESSED
    return out


class Finding(str):
    """A sentence of the audit, and whether publishing would give a count away (`unsafe`)
    rather than only withhold a protected cell."""

    unsafe: bool

    def __new__(cls, text: str, unsafe: bool) -> Finding:
        found = super().__new__(cls, text)
        found.unsafe = unsafe
        return found


def audit(withheld: dict[str, Withheld], threshold: int) -> list[Finding]:
    """Every problem with tables as published, one plain sentence each; [] when none.

    Read from each table's `exact` counts and published `table` alone, taken together by
    linear programming as suppression takes them (a margin under the same label is one
    unknown): a hidden cell that can be only one whole count, a non-zero count under the
    threshold shown, a protected cell hidden.
    """
    names = list(withheld)
    grids = [_grid(w.exact, w.index, w.protected) for w in withheld.values()]
    masks = [w.table[_counts(w.exact, w.index)].eq(SUPPRESSED).to_numpy()
             for w in withheld.values()]
    problems = []
    for t, (grid, mask) in enumerate(zip(grids, masks, strict=True)):
        problems += [(t, cell, f"a count of {_figure(grid.values[cell])} is shown", True)
                     for cell in _cells((grid.values > 0) & (grid.values < threshold) & ~mask)]
        problems += [(t, cell, f"a protected {'total' if grid.is_margin(cell) else 'count'} "
                               "is hidden", False) for cell in _cells(grid.protected & mask)]
    problems += [(t, cell, f"can be worked out as exactly {_figure(grids[t].values[cell])}",
                  True) for t, cell in _pinned(grids, masks)]
    findings = []
    for t, (r, k), problem, unsafe in sorted(problems, key=lambda p: p[:2]):
        w = withheld[names[t]]
        findings.append(Finding(f"{names[t]}, row '{_labels(w.exact, w.index, 'row')[r]}', "
                                f"column '{_counts(w.exact, w.index)[k]}': {problem}", unsafe))
    return findings


def _figure(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def round_counts(table: pd.DataFrame, index: tuple[str, ...], to: int) -> pd.DataFrame:
    """Visible counts rounded to the nearest `to` (halves up), as national releases print
    them; hidden cells stay hidden. Totals are rounded themselves, not summed after."""
    out = table.astype({c: object for c in _counts(table, index)})
    for column in _counts(table, index):
        out[column] = [v if isinstance(v, str) or pd.isna(v) else int(np.floor(v / to + 0.5) * to)
                       for v in out[column]]
    return out
