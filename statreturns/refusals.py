"""Refusals kept as evidence: who asked for what, from where, and why it was refused."""

from __future__ import annotations

from datetime import UTC, datetime

from statreturns.approvers import here
from statreturns.arguments import MAX_NAME, shown
from statreturns.store.db import session
from statreturns.store.models import Refusal


def keep_refusal(action: str, reason: str, *, who: str = "", made_from: str = "",
                 authority: str = "", return_id: str = "", period: str = "",
                 version: int | None = None) -> None:
    """Keep a refusal; `made_from` defaults to this process's ``user@host``."""
    who = who.strip() if len(who) <= MAX_NAME and who.isprintable() else shown(who)
    with session() as s:
        s.add(Refusal(at=datetime.now(UTC), action=action, who=who,
                      made_from=made_from or str(here()), authority=authority,
                      return_id=return_id, period=period, version=version,
                      reason=reason[:600]))
        s.commit()
