"""Small-number suppression for published tables.

Primary: a non-zero count under the threshold is hidden. Secondary: a row or column
(margins included) with exactly one hidden cell would give that cell away by subtraction
from its total, so another cell of that line is hidden too -- preferring one that also mends
a crossing line, then a non-zero cell, then the smallest -- until no line has exactly one
hidden cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPRESSED = "[c]"
TOTAL = "Total"


def _lone_line(hidden: np.ndarray) -> tuple[int, int] | None:
    """(axis, index) of a row (axis 0) or column (axis 1) with exactly one hidden cell."""
    for axis, counts in ((0, hidden.sum(axis=1)), (1, hidden.sum(axis=0))):
        lone = np.flatnonzero(counts == 1)
        if lone.size:
            return axis, int(lone[0])
    return None


def suppression_mask(values: np.ndarray, threshold: int) -> np.ndarray:
    """Which cells of a table of counts (margins included) to hide."""
    hidden = (values > 0) & (values < threshold)
    while (lone := _lone_line(hidden)) is not None:
        axis, i = lone
        line_values = values[i] if axis == 0 else values[:, i]
        line_hidden = hidden[i] if axis == 0 else hidden[:, i]
        # How many hidden cells each cell's crossing line has: a crossing line with one
        # hidden cell is mended by the same hide.
        crossing = hidden.sum(axis=0) if axis == 0 else hidden.sum(axis=1)
        candidates = np.flatnonzero(~line_hidden)
        if candidates.size == 0:
            break
        best = min(candidates, key=lambda j: (crossing[j] != 1, line_values[j] == 0,
                                              line_values[j]))
        if axis == 0:
            hidden[i, best] = True
        else:
            hidden[best, i] = True
    return hidden


def suppress(table: pd.DataFrame, index: tuple[str, ...], threshold: int) -> pd.DataFrame:
    """The table as published: hidden counts written as ``[c]``.

    Every column not in `index` is a count; a row whose first index value is ``Total``
    and a column named ``Total`` are margins, treated like any other line.
    """
    counts = [c for c in table.columns if c not in index]
    values = table[counts].to_numpy(dtype=float)
    mask = suppression_mask(values, threshold)
    out = table.astype({c: object for c in counts})
    for k, column in enumerate(counts):
        out.loc[mask[:, k], column] = SUPPRESSED
    return out
