"""Which process runs a run, and whether it still does (``host:pid:start``)."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _started(pid: int) -> str | None:
    """When the process started (clock ticks since boot; empty where the system does not
    say), so that a reused process number is not taken for the process that had it; None
    when there is no such process, or only its remains."""
    if not Path("/proc/self/stat").exists():
        return ""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, *fields = stat.rsplit(")", 1)[1].split()
    return None if state in ("Z", "X") else fields[18]


def _machine() -> str:
    """This host, and the set of process numbers it sees (containers sharing a host name
    may each number their processes afresh)."""
    try:
        return f"{socket.gethostname()}+{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return socket.gethostname()


def this_process() -> str:
    pid = os.getpid()
    return f"{_machine()}:{pid}:{_started(pid) or ''}"


def alive(process: str) -> bool | None:
    """Whether the process named is still running; None when it ran on another machine."""
    host, pid, start = ([""] * 3 + process.split(":"))[-3:]
    if host != _machine() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    started = _started(int(pid))
    return started is not None and started in (start, "")


def staged_by(folder: Path) -> str:
    """The process that made a staging folder (named ``<process>~<unique>``, with ``@``
    for ``:``)."""
    return folder.name.partition("~")[0].replace("@", ":")
