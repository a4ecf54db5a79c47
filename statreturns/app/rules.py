"""The rule catalogue: every expectation of every suite, in words the people who answer
queries can read."""

from __future__ import annotations

import json

from flows import registry
from statreturns.declaration import DATA_CLASSES, NOT_PERSONAL, Source
from statreturns.settings import get_settings

FIELDS = ("return", "suite", "checks", "code", "severity", "columns", "data", "rule",
          "blocks because", "expectation")
"""``blocks because``: for an error, the wrong figure producing the return would publish
or submit (the rule's ``meta.blocks_because``); empty for a query."""


def _named(kwargs: dict) -> list[str]:
    return [kwargs.get(k) for k in ("column", "column_A", "column_B")
            if kwargs.get(k)] + list(kwargs.get("column_list") or [])


def _columns(kwargs: dict, meta: dict) -> str:
    return ", ".join(meta.get("locate") or _named(kwargs))


def _data(kwargs: dict, meta: dict, source: Source | None) -> str:
    """The most protected class of data among the source columns a rule reads or points
    at: where it is personal or special category, the rule's bad values are never shown."""
    if source is None:  # the assembled return's figures
        return NOT_PERSONAL
    classes = {c.name: c.data for c in source.columns}
    found = [classes[c] for c in [*(meta.get("locate") or []), *_named(kwargs)] if c in classes]
    return max(found, key=DATA_CLASSES.index, default=NOT_PERSONAL)


def catalogue(return_id: str | None = None) -> list[dict]:
    """One row per rule, by return, suite (sources first, in declared order) and code."""
    rows = []
    for rid, declaration in registry.declarations().items():
        if return_id and rid != return_id:
            continue
        by_name = {s.name: s for s in declaration.sources}
        sources = {s.name: s.title for s in declaration.sources}
        folder = get_settings().expectations / rid
        order = {name: i for i, name in enumerate(sources)}
        suites = sorted(folder.glob("*.json"), key=lambda p: (order.get(p.stem, len(order)),
                                                                p.stem))
        for path in suites:
            suite = json.loads(path.read_text(encoding="utf-8"))
            for e in suite.get("expectations", []):
                meta = e.get("meta", {})
                rows.append({
                    "return": rid, "suite": path.stem,
                    "checks": sources.get(path.stem, "the assembled return"),
                    "code": meta.get("code", ""), "severity": meta.get("severity", ""),
                    "columns": _columns(e.get("kwargs", {}), meta),
                    "data": _data(e.get("kwargs", {}), meta, by_name.get(path.stem)),
                    "rule": e.get("description", ""),
                    "blocks because": meta.get("blocks_because", ""),
                    "expectation": e.get("type", ""),
                })
    return rows
