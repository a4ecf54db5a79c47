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
    """running, produced, blocked, failed or refused (arguments refused before reading)."""
    verdict: str | None = None
    """pass, queries or blocked: the data-quality verdict."""
    message: str = ""
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    input_fingerprint: str | None = None
    """sha256 over the sources' sha256s, in source order."""
    outputs_dir: str | None = None


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
