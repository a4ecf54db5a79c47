"""Versions: what a run was made from, the last good version, and the one before.

A run is made from its inputs (their content), its rules and settings (the return's suites
and the authority's settings for it) and its code. When all three are as they were for the
last good version, a new version would be the same bytes again: it is not made unless
forced.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from sqlmodel import select

from statreturns import authorities
from statreturns.settings import PROJECT_ROOT, get_settings
from statreturns.store.db import session
from statreturns.store.models import QualityResult, Run

CODE = ("statreturns", "flows", "tasks")


def _digest(named: dict[str, Path]) -> str:
    """Each file's content under the name it is known by, wherever it is kept."""
    digest = hashlib.sha256()
    for name, path in sorted(named.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def rules_fingerprint(return_id: str, authority: str, threshold: int) -> str:
    """The return's suites, the authority's settings (its own and for the return) and the
    suppression threshold: all change what is published."""
    suites = {f"expectations/{return_id}/{p.name}": p
              for p in (get_settings().expectations / return_id).glob("*.json")}
    configs = {f"config/authorities/{authority}/{name}": authorities.folder(authority) / name
               for name in (f"{return_id}.toml", "authority.toml")}
    files = _digest(suites | {name: p for name, p in configs.items() if p.exists()})
    return hashlib.sha256(f"{files} threshold={threshold}".encode()).hexdigest()


@cache
def code_version() -> str:
    """The code that runs every return (read once per process)."""
    return _digest({str(p.relative_to(PROJECT_ROOT)): p
                    for part in CODE for p in (PROJECT_ROOT / part).rglob("*.py")})


def good_versions(authority: str, return_id: str, period: str) -> list[Run]:
    """Every version made and recorded (not one still being made), oldest first."""
    with session() as s:
        return list(s.exec(select(Run).where(
            Run.authority == authority, Run.return_id == return_id, Run.period == period,
            Run.version.is_not(None), Run.status == "produced").order_by(Run.version)))


def made_from_the_same(run: Run, inputs: str | None, rules: str, code: str) -> bool:
    return inputs is not None and (run.input_fingerprint, run.rules_fingerprint,
                                   run.code_version) == (inputs, rules, code)


def document(run: Run) -> dict:
    """The JSON document of a version's outputs."""
    [path] = [p for p in Path(run.outputs_dir).glob("*.json") if p.name != "manifest.json"]
    return json.loads(path.read_text(encoding="utf-8"))


def results(run_id: int) -> list[dict]:
    with session() as s:
        return [r.model_dump() for r in s.exec(select(QualityResult).where(
            QualityResult.run_id == run_id).order_by(QualityResult.id))]
