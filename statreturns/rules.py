"""The rule catalogue: every expectation of every suite, in words the people who answer
queries can read."""

from __future__ import annotations

import json

from statreturns import registry
from statreturns.settings import get_settings

FIELDS = ("return", "suite", "checks", "code", "severity", "columns", "rule", "expectation")


def _columns(kwargs: dict, meta: dict) -> str:
    named = meta.get("locate") or [kwargs.get(k) for k in ("column", "column_A", "column_B")
                                   if kwargs.get(k)] + list(kwargs.get("column_list") or [])
    return ", ".join(named)


def catalogue(return_id: str | None = None) -> list[dict]:
    """One row per rule, by return, suite (sources first, in declared order) and code."""
    rows = []
    for rid, declaration in registry.declarations().items():
        if return_id and rid != return_id:
            continue
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
                    "rule": e.get("description", ""), "expectation": e.get("type", ""),
                })
    return rows
