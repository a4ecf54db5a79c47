"""Checking what people and deployments hand a run, before anything runs.

Arguments come from the command line, from a deployment's parameters (typed into the
Prefect UI by anyone with access to it) and from the sign-off form. Each is refused with
a plain reason when it is too long, holds control characters, or names a file outside the
authority's inbox; a refused value is quoted back only in a safe, shortened form.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_TEXT = 2000
MAX_NAME = 100
MAX_PATH = 1024
TRIGGERS = ("manual", "rerun", "schedule", "deadline", "backfill")
CODE = re.compile(r"^[A-Z][A-Z0-9-]{0,39}$")


class ArgumentRefused(ValueError):
    """An argument that is not used: the message says why, without echoing it raw."""


def shown(value: object, limit: int = 60) -> str:
    """A value as it may be quoted in a message or a log: control characters written as
    escapes, long values cut short."""
    text = str(value).encode("unicode_escape").decode("ascii") if _controls(str(value)) \
        else str(value)
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def _controls(text: str, allowed: str = "") -> list[str]:
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")
            and c not in allowed]


def check_text(kind: str, value: str, limit: int = MAX_TEXT, lines: bool = False) -> str:
    """Free text (a reason, a comment, a name): at most `limit` characters and no control
    characters (line breaks allowed only where `lines`)."""
    if not isinstance(value, str):
        raise ArgumentRefused(f"{kind} must be text")
    if len(value) > limit:
        raise ArgumentRefused(f"{kind} is {len(value)} characters long; at most {limit} "
                              "are accepted")
    if _controls(value, "\n\r\t" if lines else ""):
        raise ArgumentRefused(f"{kind} {shown(value)} holds control characters")
    return value


def check_trigger(trigger: str) -> str:
    if trigger not in TRIGGERS:
        raise ArgumentRefused(f"trigger {shown(trigger)} is not one of {', '.join(TRIGGERS)}")
    return trigger


def check_code(code: str) -> str:
    """A rule's code, as an explanation names it (e.g. PSPO-Q03)."""
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise ArgumentRefused(f"{shown(code)} is not a rule's code (e.g. PSPO-Q03)")
    return code


def inbox_file(value: str, inbox: Path, folder: Path) -> Path:
    """The file (or folder) a run is handed, which must lie inside `inbox` once every
    symbolic link and ``..`` is resolved. A relative path is relative to `folder` (the
    period's inbox folder); the command line hands over absolute paths."""
    check_text("a file argument", value, MAX_PATH)
    if not value.strip():
        raise ArgumentRefused("a file argument is empty")
    try:
        given = Path(value).expanduser()
        path = (given if given.is_absolute() else folder / given).resolve()
    except (RuntimeError, OSError):  # an unknown ~user, a loop of links
        raise ArgumentRefused(f"{shown(value)} cannot be followed to a file") from None
    root = inbox.resolve()
    if not path.is_relative_to(root):
        raise ArgumentRefused(
            f"{shown(value)} is outside the inbox: sources are read only from {root}. "
            f"Copy the file into {folder} and run again.")
    return path
