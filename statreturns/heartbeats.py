"""Heartbeats only where a server outlives the run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import get_current_settings, temporary_settings


@contextmanager
def only_where_watched() -> Iterator[None]:
    """Flow runs started inside this block send heartbeats only to a shared server.

    A heartbeat lets a shared server mark a run Crashed when its process dies. With no
    PREFECT_API_URL a run reports to a temporary server that this process starts and that
    stops with it, so nothing is left to notice a missed heartbeat, while stopping the
    heartbeat thread costs up to a second at the end of every run (0.5 s median; README,
    Performance). Runs on a shared server (deployments, workers, a CLI given
    PREFECT_API_URL) keep their heartbeats.
    """
    settings = get_current_settings()
    if settings.api.url or settings.flows.heartbeat_frequency is None:
        yield
        return
    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield
