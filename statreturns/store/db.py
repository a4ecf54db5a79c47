"""Connecting to the store and bringing its schema up to date with Alembic."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, event, inspect, text
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATING = 0x53545254  # the PostgreSQL advisory lock held while the schema is brought up
_opening = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def engine_for(url: str) -> Engine:
    """An engine whose schema is at the latest migration; made once, whichever of the
    threads that need it at the same moment gets there first."""
    with _opening:
        return _migrated_engine(url)


@cache
def _migrated_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def forget_engines() -> None:
    """Forget the engines made so far (their databases are going away)."""
    _migrated_engine.cache_clear()


HEAD = max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
"""The latest migration's revision (they are numbered 0001, 0002, ...)."""


def _at_head(engine: Engine) -> bool:
    """Whether the schema is already at the latest migration: then Alembic (a third of a
    second to import) is not needed."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == HEAD


def migrate(engine: Engine) -> None:
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # workers starting together: one migrates
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATING})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def engine() -> Engine:
    from statreturns.settings import get_settings

    return engine_for(get_settings().db_url)


@contextmanager
def session():
    with Session(engine(), expire_on_commit=False) as s:
        yield s
