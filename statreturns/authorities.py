"""Authorities and their per-return configuration, under ``config/authorities/<id>/``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from statreturns.arguments import shown
from statreturns.declaration import SLUG, ReturnDeclaration
from statreturns.settings import get_settings


class AuthorityError(ValueError):
    """An authority that cannot be used: a bad name, or missing or invalid configuration."""


def check_slug(kind: str, value: str) -> str:
    """Refuse names that could escape the outputs folder or the inbox."""
    if not SLUG.fullmatch(value or ""):
        raise AuthorityError(f"{kind} {shown(value)} is not allowed: use lower-case letters, "
                             f"digits and '-' only (for example 'demo').")
    return value


DEMO = "demo"


def configured() -> list[str]:
    """The authorities with a settings folder, by name."""
    root = get_settings().config / "authorities"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def default() -> str:
    """The authority meant when none is named: ``STATRETURNS_AUTHORITY``, else the one
    authority configured besides the demo, else the demo."""
    if chosen := get_settings().authority:
        return check_slug("STATRETURNS_AUTHORITY", chosen)
    councils = [a for a in configured() if a != DEMO]
    return councils[0] if len(councils) == 1 else DEMO


def folder(authority: str) -> Path:
    return get_settings().config / "authorities" / check_slug("authority", authority)


def name(authority: str) -> str:
    path = folder(authority) / "authority.toml"
    if not path.exists():
        return authority
    return tomllib.loads(path.read_text(encoding="utf-8")).get("name", authority)


def load_config(declaration: ReturnDeclaration, authority: str) -> Any:
    """The authority's settings for a return, checked by the return's own model."""
    path = folder(authority) / f"{declaration.id}.toml"
    if not path.exists():
        raise AuthorityError(f"authority '{authority}' has no settings for {declaration.id}: "
                             f"expected {path} (authorities configured: "
                             f"{', '.join(configured()) or 'none'})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        raw.pop("sign_off", None)  # who may approve: statreturns.approvers
        return declaration.configure(raw)
    except (tomllib.TOMLDecodeError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()
        raise AuthorityError(f"{path} is not valid: {' '.join(first[:3])}") from None
