"""What every command shares: the consoles, the common arguments, refusing."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

# Piped or captured output gets room for whole rows; a terminal keeps its own width.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
REFUSED, HELD = 2, 4  # as flows.skeleton.EXIT_CODES, without importing the run

ReturnArg = Annotated[str, typer.Argument(help="Return id, e.g. pspo-breaches")]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="e.g. 2024-06, 2024-Q1, "
                                        "2023/24, R12-2024-06")]


def _authority(value: str | None) -> str:
    """The authority named, else the one meant when none is (`authorities.default`)."""
    from statreturns.authorities import default

    try:
        return value if value is not None else default()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


AuthorityOpt = Annotated[str | None, typer.Option(
    "--authority", "-a", callback=_authority, show_default=False,
    help="Default: STATRETURNS_AUTHORITY, else the one authority configured, else demo")]
DemoAuthorityOpt = Annotated[str, typer.Option(
    "--authority", "-a", help="Whose inbox (demo data goes to the demo authority unless "
                              "another is named)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def refuse(message: str, code: int = REFUSED) -> None:
    """Say why and exit with code 2 (or `code`): nothing ran."""
    err.print(f"[red]Refused:[/red] {message}")
    raise typer.Exit(code)


def hold(message: str) -> None:
    """Refuse because of the version's state (not approved, superseded, already sent, a
    query unexplained): exit code 4."""
    refuse(message, HELD)
