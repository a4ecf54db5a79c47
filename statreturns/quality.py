"""Data-quality results and the verdict they add up to.

Severities follow the national COLLECT model: an ``error`` blocks the return; a ``query``
lets it be produced but needs a written explanation before sign-off.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "query")
NOTE = "note"
"""The severity of a note the run records beside its checks (e.g. how a draft rounds): it
passes, and asks nothing of anyone."""
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Check:
    suite: str
    code: str
    expectation_type: str
    severity: str
    success: bool
    message: str
    column: str | None = None
    unexpected_count: int = 0
    sample: str = ""
    location: str = ""
    rows_key: str = ""
    """A hash of the content of the rows that broke the rule (not their positions): an
    explanation of a query holds while this is unchanged."""

    def as_dict(self) -> dict:
        return asdict(self)


def note_check(suite: str, message: str) -> Check:
    return Check(suite=suite, code="NOTE", expectation_type=NOTE, severity=NOTE, success=True,
                 message=message)


def verdict(checks: list[Check]) -> str:
    """``blocked`` if any error failed, ``queries`` if any query failed, else ``pass``."""
    failed = {c.severity for c in checks if not c.success}
    if "error" in failed:
        return "blocked"
    if "query" in failed:
        return "queries"
    return "pass"


VERDICT_WORDS = {
    "pass": "Pass: every check passed.",
    "queries": "Produced with queries: some figures need a written explanation before sign-off.",
    "blocked": "Blocked: errors in the data stop this return until they are corrected.",
}


def column_letter(position: int) -> str:
    """Spreadsheet column letter for a 0-based position: 0 -> A, 26 -> AA."""
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def describe_rows(rows: list[int], total: int) -> str:
    """'row 4', 'rows 4, 9, 12' or 'rows 4, 9, 12 and 37 more'."""
    if not rows:
        return ""
    shown = ", ".join(str(r) for r in rows[:10])
    more = total - min(len(rows), 10)
    word = "row" if total == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")
