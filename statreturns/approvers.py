"""Who may approve a return for an authority, and whether one person may both make a version
and approve it: the ``[sign_off]`` table of the return's settings
(``config/authorities/<id>/<return>.toml``).

A person is named by their name or e-mail; `users` are the operating-system logins that are
theirs, so that a version run from the command line is tied to the person who ran it.
"""

from __future__ import annotations

import getpass
import socket
import tomllib
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from statreturns import authorities
from statreturns.arguments import MAX_NAME


class _Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    users: list[str] = []


class _SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approvers: list[_Person] = []
    deputy: _Person | None = None
    four_eyes: bool = True
    relaxed_because: str = ""

    @model_validator(mode="after")
    def _relaxed_with_a_reason(self) -> _SignOff:
        if not self.four_eyes and not self.relaxed_because.strip():
            raise ValueError("four_eyes = false needs relaxed_because: why one person may "
                             "make and approve a version")
        return self


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    users: tuple[str, ...] = ()
    deputy: bool = False

    def is_(self, who: str) -> bool:
        """Whether `who` (a name, an e-mail or a login) names this person."""
        key = who.strip().casefold()
        return bool(key) and key in {self.name.casefold(), self.email.casefold(),
                                     *(u.casefold() for u in self.users)}

    @property
    def shown(self) -> str:
        return f"{self.name} <{self.email}>" + (" (deputy)" if self.deputy else "")


@dataclass(frozen=True)
class SignOffRules:
    approvers: tuple[Person, ...]
    relaxed_because: str = ""
    """Why one person may make and approve a version of this return; "" keeps four eyes."""

    def find(self, who: str) -> Person | None:
        return next((p for p in self.approvers if p.is_(who)), None)

    def others(self, than: set[Person]) -> str:
        """Who else may approve, in words."""
        left = [p.shown for p in self.approvers if p not in than]
        return ", ".join(left) if left else "no one else is listed"


def sign_off_rules(authority: str, return_id: str) -> SignOffRules:
    """The ``[sign_off]`` settings of a return for an authority (none listed: no one may
    approve it)."""
    path = authorities.folder(authority) / f"{return_id}.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    try:
        given = _SignOff.model_validate(raw.get("sign_off", {}))
    except ValidationError as exc:
        said = "; ".join(f"{'.'.join(['sign_off', *map(str, e['loc'])])}: "
                         f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise authorities.AuthorityError(f"{path} is not valid: {said}") from None
    people = [Person(p.name, p.email, tuple(p.users)) for p in given.approvers]
    if given.deputy:
        d = given.deputy
        people.append(Person(d.name, d.email, tuple(d.users), deputy=True))
    return SignOffRules(tuple(people), "" if given.four_eyes else given.relaxed_because.strip())


@dataclass(frozen=True)
class Here:
    """Where a command was given from: the operating-system user and host."""

    user: str
    host: str

    def __str__(self) -> str:
        return f"{self.user}@{self.host}"


def here() -> Here:
    return Here(getpass.getuser(), socket.gethostname())
