"""How a run went: the summary a return's flow gives back, which the command line prints
and the Prefect UI's summary artifact shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RunSummary:
    """One run of one return, as far as it has gone. A stage that settles something hands
    on a copy with it filled in (`dataclasses.replace`)."""

    return_id: str
    title: str
    authority: str
    period: str
    trigger: str
    run_id: int
    status: str | None = None
    """produced, unchanged or blocked once the run has come to one (a run refused or failed
    raises instead)."""
    verdict: str | None = None
    """pass, queries or blocked: what the data-quality results add up to."""
    version: int | None = None
    """The version made; for an unchanged run, the version it is the same as."""
    outputs_dir: str | None = None
    message: str = ""
    changed_cells: int | None = None
    """Cells changed since the previous version; None for a first version."""
    sign_off: str | None = None
    """approved, rejected or awaiting approval once the run has paused for sign-off."""
    approver: str | None = None
    provisional: bool = False
    """Made before its period ended: its figures will change."""
    resubmits: int | None = None
    """The signed-off version this one replaces."""
    replaced: tuple[str, ...] = ()
    """What the files given to the run replaced in the inbox, in words."""

    def as_dict(self) -> dict:
        return asdict(self)
