"""The Prefect server a command's runs report to.

In turn: the server Prefect's settings name (``PREFECT_API_URL``, a profile); else the one
``statreturns ops serve`` (``make server``) is running for this home, where it takes this
process's credential, so that the runs show in its UI; else a temporary server, started at
once so that it comes up while the command loads the flows and checks the sources, and
stopped when the command ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from urllib.parse import urlsplit

import httpx

from statreturns.app import ops
from statreturns.settings import get_settings

READY_WITHIN = 180
"""Seconds a temporary server may take to answer (its first start makes its database)."""


def _serving() -> Path:
    return get_settings().var / "server" / "serving.json"


def announce(api_url: str) -> None:
    """Say, for this home's commands, that `api_url` is being served (by `ops serve`)."""
    path = _serving()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_text(json.dumps({"api_url": api_url}), encoding="utf-8")
    part.replace(path)


def withdraw() -> None:
    _serving().unlink(missing_ok=True)


def running_here() -> str | None:
    """The API of the server `ops serve` is running for this home, if it answers and takes
    this process's credential."""
    try:
        api_url = json.loads(_serving().read_text(encoding="utf-8"))["api_url"]
        if httpx.get(f"{api_url}/health", timeout=2).status_code != 200:
            return None
        ops.check_access(api_url)
    except (OSError, ValueError, KeyError, TypeError, httpx.HTTPError, ops.ServerRefused):
        return None
    return api_url


def _prefect_home() -> Path:
    from prefect.settings import get_current_settings

    return get_current_settings().home


@dataclass
class Server:
    api_url: str | None
    """None: Prefect's settings name the server."""
    own: bool = False
    """Whether the server is the command's, stopping with it: its runs then need no
    heartbeats, since nothing would be left to notice one missed."""
    process: Popen | None = None

    def start(self) -> None:
        """Start the command's own server now, if it has not started, so that it comes up
        while the command goes on (a command about to run something starts it at once);
        in a session of its own, so that Ctrl-C does not stop it under the runs going."""
        if not self.own or self.process is not None:
            return
        logs = get_settings().var / "server"
        logs.mkdir(parents=True, exist_ok=True)
        env = ops.environment(self.api_url, _prefect_home())
        self.process = ops.start_server(urlsplit(self.api_url).port,
                                        ops.server_environment(env, None),
                                        logs / "temporary.log")

    @contextmanager
    def ready(self, meanwhile: Callable[[], object] = lambda: None) -> Iterator[None]:
        """Runs started inside this block report to the server, once it answers. The
        command's own server is started here unless it was already, and `meanwhile` is
        done while it comes up."""
        from prefect.settings import temporary_settings

        from statreturns.heartbeats import only_where_watched

        if self.own:
            self.start()
            meanwhile()
            ops.wait_until_healthy(self.api_url, timeout=READY_WITHIN)
        updates = {"api.url": self.api_url} if self.api_url else {}
        with temporary_settings(updates=updates), only_where_watched(not self.own):
            yield


@contextmanager
def for_runs() -> Iterator[Server]:
    """The server for the runs of this command (see the module's docstring). Its URL is
    also put in the environment, for the worker processes a backfill starts."""
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        yield Server(None)
    elif api_url := running_here():
        with _named(api_url):
            yield Server(api_url)
    else:
        server = Server(f"http://127.0.0.1:{ops.free_port()}/api", own=True)
        try:
            with _named(server.api_url):
                yield server
            if server.process:
                _send_what_is_left()
        finally:
            if server.process:
                ops.stop(server.process)


@contextmanager
def _named(api_url: str) -> Iterator[None]:
    os.environ["PREFECT_API_URL"] = api_url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def _send_what_is_left() -> None:
    """The runs' log records and events still queued go to the temporary server before it
    stops (Prefect would send them as the process exits, to a server no longer there)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=5)
