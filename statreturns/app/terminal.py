"""What every command shares: the consoles, the common arguments, refusing."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

# Piped or captured output gets room for whole rows; a terminal keeps its own width.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
REFUSED = 2

ReturnArg = Annotated[str, typer.Argument(help="Return id, e.g. pspo-breaches")]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="e.g. 2024-06, 2024-Q1, "
                                        "2023/24, R12-2024-06")]
AuthorityOpt = Annotated[str, typer.Option("--authority", "-a")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def refuse(message: str) -> None:
    """Say why and exit with code 2: nothing ran."""
    err.print(f"[red]Refused:[/red] {message}")
    raise typer.Exit(REFUSED)
