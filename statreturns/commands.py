"""The command lines that messages give an officer to run next, written one way."""

from __future__ import annotations

OPTIONS = {
    "explain": ('--rule {code} --text "..." --author "Your Name"',),
    "approve": ('--name "Your Name"',),
    "submit": (),
    "audit": (),
    "rerun": ('--reason "what was corrected"',),
}


def command(name: str, return_id: str, period: str, authority: str, code: str = "") -> str:
    """``statreturns NAME RETURN --period P --authority A`` with the options `name` needs
    (an explanation's `code`)."""
    options = [o.format(code=code) for o in OPTIONS[name]]
    return " ".join(["statreturns", name, return_id, "--period", str(period), "--authority",
                     authority, *options])
