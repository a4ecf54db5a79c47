"""What changed between two versions of a return: its tables cell by cell, and its checks.

Tables are the ``"tables"`` mapping of a version's JSON document: name -> ``{"columns": [...],
"rows": [[...], ...], ...}``. A row is known by its key: the fewest leading index columns
that tell the rows apart in both versions. A declared index may go on to columns that hold
figures (a rating, a status) to keep them from being counted; those are compared as cells, so a
row whose figures changed is a set of changed cells, not a row removed and one added. A row that
moved is not a change. Values are compared and reported as printed: 1 and 1.0 are both "1", a
suppressed cell is its marker, a missing one is "".
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

ROW, TABLE, SEPARATOR = "(row)", "(table)", " / "


@dataclass(frozen=True)
class Change:
    table: str
    row: str
    """The row's key values joined with " / "; "(table)" for a table added or removed."""
    column: str
    """The column; "(row)" for a row added or removed, "" for a table."""
    old: str
    new: str
    """The cell as printed, "" where absent; "added" or "removed" for a row or a table."""


def table_changes(old: dict, new: dict, keys: dict[str, tuple[str, ...]]) -> list[Change]:
    """Every changed cell, added or removed row and added or removed table: tables in the new
    version's order then removed ones, rows likewise, columns likewise. `keys` gives each
    table's row key (a table missing from it is keyed by its first column); the other
    columns are compared cell by cell."""
    changes = []
    for name in _union(new, old):
        if name not in old or name not in new:
            changes.append(Change(name, TABLE, "", "", "added" if name in new else "removed"))
            continue
        before, after = old[name], new[name]
        key = tuple(keys.get(name, after["columns"][:1]))
        old_rows, new_rows = _rows(before, key), _rows(after, key)
        columns = [c for c in _union(after["columns"], before["columns"]) if c not in key]
        for row in _union(new_rows, old_rows):
            if row not in old_rows or row not in new_rows:
                changes.append(Change(name, row, ROW, "", "added" if row in new_rows
                                      else "removed"))
                continue
            for column in columns:
                was, now = old_rows[row].get(column, ""), new_rows[row].get(column, "")
                if was != now:
                    changes.append(Change(name, row, column, was, now))
    return changes


def quality_changes(old: list[dict], new: list[dict]) -> dict[str, list[str]]:
    """Rule codes whose result turned: failing now but not before (passed or not run), and
    passing now having failed before. A rule is one check per (code, column)."""
    def failing(results: list[dict]) -> set:
        return {(r["code"], r.get("column")) for r in results if not r["success"]}

    passing = {(r["code"], r.get("column")) for r in new if r["success"]}
    return {"newly failing": sorted({code for code, _ in failing(new) - failing(old)}),
            "newly passing": sorted({code for code, _ in passing & failing(old)})}


def as_text(value: object) -> str:
    """A cell as printed: "" for absent, whole numbers without ".0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cells(table: dict) -> list[dict[str, str]]:
    """Each row as column -> cell as printed."""
    return [{c: as_text(v) for c, v in zip(table["columns"], values, strict=True)}
            for values in table["rows"]]


def _rows(table: dict, key: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Row key -> column -> cell as printed, in the table's order. Blank key values at its
    end are left out ("Total", not "Total / "); a key met again is numbered ("Total (2)"),
    so no row is lost."""
    rows, seen = {}, Counter()
    for cells in _cells(table):
        values = [cells.get(c, "") for c in key]
        while len(values) > 1 and not values[-1]:
            values.pop()
        name = SEPARATOR.join(values)
        seen[name] += 1
        rows[name if seen[name] == 1 else f"{name} ({seen[name]})"] = cells
    return rows


def _union(first, second) -> list:
    """The names of `first` in order, then those only in `second`."""
    return [*first, *(name for name in second if name not in first)]
