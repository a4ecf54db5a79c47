"""Tables of the store. The schema is made by the Alembic migrations beside this file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class Run(SQLModel, table=True):
    """One run of one return for one authority and period."""

    __table_args__ = (UniqueConstraint("authority", "return_id", "period", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    authority: str = Field(index=True)
    return_id: str = Field(index=True)
    period: str = Field(index=True)
    version: int | None = None
    """Given only to a run that produced outputs: v1, v2, ..."""
    trigger: str = "manual"
    reason: str = ""
    flow_run_id: str | None = None
    status: str = "running"
    """running, produced, unchanged (nothing new to make), blocked, failed, rejected,
    refused (arguments refused before reading), or crashed (its process died)."""
    verdict: str | None = None
    """pass, queries or blocked: the data-quality verdict."""
    message: str = ""
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    input_fingerprint: str | None = None
    """sha256 over the sources' sha256s, in source order."""
    rules_fingerprint: str | None = None
    """sha256 over the return's rule suites."""
    code_version: str | None = None
    """sha256 over the code that runs the return."""
    same_as_version: int | None = None
    """For a run that found its inputs, rules and code as they were: the version it matched."""
    process: str | None = Field(default=None, index=True)
    """``host:pid:start`` of the process running it, cleared when the run ends: a run whose
    process has gone without clearing it crashed (see `tasks.recover`)."""
    outputs_dir: str | None = None
    provisional: bool = False
    """Made, on purpose, before its period ended: its figures will change."""
    resubmits: int | None = None
    """The approved or submitted version this one replaces, after a correction."""
    made_from: str = ""
    """``user@host``: the operating-system user and host of the process that ran it (a
    worker's service account for a deployment run)."""


class SourceFile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    source: str
    path: str
    sha256: str | None = None
    rows: int | None = None
    archive_path: str | None = None
    notes: str = ""


class QualityResult(SQLModel, table=True):
    """One expectation's result in one run."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    suite: str
    code: str
    expectation_type: str
    column: str | None = None
    severity: str
    success: bool
    unexpected_count: int = 0
    sample: str = ""
    """Up to five unexpected values, or [redacted] where the column is personal data."""
    location: str = ""
    message: str = ""
    rows_key: str = ""


class OutputFile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    kind: str
    path: str
    sha256: str
    bytes: int


class SweepAction(SQLModel, table=True):
    """One thing the deadline sweep did: triggered a run, a rerun, or raised an overdue
    alert. Unique per day, so a sweep run twice in a day does nothing twice."""

    __table_args__ = (UniqueConstraint("day", "authority", "return_id", "period", "action"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    authority: str
    return_id: str
    period: str
    action: str
    """run, rerun or overdue."""
    detail: str = ""
    flow_run_id: str | None = None
    at: datetime = Field(sa_type=DateTime(timezone=True))


class Change(SQLModel, table=True):
    """One difference from the previous version: a table cell, or a rule's result."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    kind: str
    """cell, newly failing or newly passing."""
    table: str
    row: str
    column: str
    old: str
    new: str


class Explanation(SQLModel, table=True):
    """An officer's explanation of a query, for the rows that raised it (by content)."""

    id: int | None = Field(default=None, primary_key=True)
    authority: str
    return_id: str
    period: str
    code: str
    rows_key: str
    text: str
    author: str
    at: datetime = Field(sa_type=DateTime(timezone=True))
    made_from: str = ""
    """``user@host`` of a command-line explanation; ``sign-off form`` from the Prefect UI."""


class Decision(SQLModel, table=True):
    """Sign-off of a version: approved or rejected, by whom, why."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    decision: str
    approver: str
    comment: str = ""
    at: datetime = Field(sa_type=DateTime(timezone=True))
    email: str = ""
    """The listed approver's e-mail."""
    made_from: str = ""
    """``user@host`` of a command-line decision; ``sign-off form`` from the Prefect UI."""
    four_eyes: str = ""
    """How the maker and the approver were kept apart: ``kept``, or ``relaxed: why``."""


class Submission(SQLModel, table=True):
    """The receipt of a version delivered to its outbox; a version is delivered once."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", unique=True)
    outbox: str
    destination: str
    package_sha256: str
    delivered_at: datetime = Field(sa_type=DateTime(timezone=True))
    made_from: str = ""
    """``user@host`` of the process that delivered it."""


class Refusal(SQLModel, table=True):
    """Something asked and refused, kept as evidence: an approval by someone not listed or
    who made the version, a credential the server would not take. Nothing else changed."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    action: str
    """approve, reject, explain or connect."""
    who: str = ""
    made_from: str = ""
    authority: str = ""
    return_id: str = ""
    period: str = ""
    version: int | None = None
    reason: str
