"""Small-number suppression for published tables.

Primary: a non-zero count under the threshold is hidden. Secondary: a row or column
(margins included) that adds up to a total shown in the table, with exactly one hidden
cell, would give that cell away by subtraction, so another cell of that line is hidden too
-- preferring one that also mends a crossing line, then a non-zero cell, then the smallest
-- until no such line has exactly one hidden cell. Rows add up when the table has a Total
column, columns when it has a Total row.

Tables published together are suppressed together: their margins may show the same
quantity (breaches per order in a ward table's total row and in a month table's total row),
so a margin hidden in one table is hidden wherever the same total, under the same label,
appears in another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPRESSED = "[c]"
TOTAL = "Total"


def _lone_line(hidden: np.ndarray, axes: tuple[int, ...],
               stuck: set[tuple[int, int]]) -> tuple[int, int] | None:
    """(axis, index) of a row (axis 0) or column (axis 1) with exactly one hidden cell."""
    for axis in axes:
        counts = hidden.sum(axis=1 - axis)
        for i in np.flatnonzero(counts == 1):
            if (axis, int(i)) not in stuck:
                return axis, int(i)
    return None


def suppression_mask(values: np.ndarray, threshold: int, forced: np.ndarray | None = None,
                     *, rows_add_up: bool = True, columns_add_up: bool = True) -> np.ndarray:
    """Which cells of a table of counts to hide, `forced` ones among them.

    Only lines that add up to a total shown in the table can give a cell away: rows when
    the table has a Total column (`rows_add_up`), columns when it has a Total row.
    """
    hidden = (values > 0) & (values < threshold)
    if forced is not None:
        hidden |= forced
    axes = tuple(axis for axis, adds_up in ((0, rows_add_up), (1, columns_add_up)) if adds_up)
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
    hidden_margins: set[tuple] = set()
    while True:
        masks = {}
        for name, (table, index) in tables.items():
            values = table[_counts(table, index)].to_numpy(dtype=float)
            forced = np.zeros(values.shape, dtype=bool)
            for (r, k), margin in _margins(table, index).items():
                forced[r, k] = margin in hidden_margins
            masks[name] = suppression_mask(
                values, threshold, forced, rows_add_up=TOTAL in _counts(table, index),
                columns_add_up=(table[index[0]].astype(str) == TOTAL).any())
        found = {margin for name, (table, index) in tables.items()
                 for cell, margin in _margins(table, index).items() if masks[name][cell]}
        if found <= hidden_margins:
            break
        hidden_margins |= found
    return {name: _written(table, index, masks[name]) for name, (table, index) in tables.items()}


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
