"""Submission: an approved, current version's package for its recipient goes to the outbox
once, with a receipt."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from statreturns.approvers import here
from statreturns.declaration import EXEMPT
from statreturns.periods import parse_period
from statreturns.store.db import session
from statreturns.store.models import Run, Submission
from tasks.outbox import (
    MANIFEST,
    AlreadyDelivered,
    FolderOutbox,
    Outbox,
    PackageError,
    Receipt,
)
from tasks.sign_off import latest_decision, open_queries


class SubmitRefused(ValueError):
    """A version that may not go: unapproved, superseded, already sent, or altered."""


def submission_of(run: Run) -> Submission | None:
    with session() as s:
        return s.exec(select(Submission).where(Submission.run_id == run.id)).first()


def delivered_to(sent: Submission, outbox: Outbox) -> str:
    """Where a submission went: its folder, for a folder outbox; else its destination."""
    if isinstance(outbox, FolderOutbox) and sent.outbox == outbox.name:
        return str(outbox.root.resolve() / sent.destination)
    return sent.destination


def submit_version(run: Run, latest: Run, outbox_root: Path,
                   outbox: Outbox | None = None) -> Receipt:
    """Deliver the package of `run`'s version its recipient takes (the version's manifest
    names it): `run` must be `latest`, approved and not yet sent."""
    if run.version != latest.version:
        raise SubmitRefused(f"version {run.version} is superseded by version {latest.version}")
    if run.status != "produced" or open_queries(run):
        raise SubmitRefused(f"version {run.version} is not made, or has unexplained queries")
    decision = latest_decision(run)
    if decision is None or decision.decision != "approved":
        raise SubmitRefused(f"version {run.version} is not approved"
                            + (f" (it was {decision.decision})" if decision else ""))
    outbox = outbox or FolderOutbox(outbox_root)
    if (sent := submission_of(run)) is not None:
        raise SubmitRefused(f"version {run.version} was submitted on "
                            f"{sent.delivered_at:%Y-%m-%d %H:%M} to {delivered_to(sent, outbox)}")
    folder = parse_period(run.period).folder
    destination = f"{run.authority}/{run.return_id}/{folder}/v{run.version}"
    try:
        package = delivered_package(Path(run.outputs_dir))
        receipt = outbox.deliver(Path(run.outputs_dir) / package, destination, package)
    except AlreadyDelivered:
        raise SubmitRefused(f"version {run.version} is already in the outbox") from None
    except PackageError as exc:
        raise SubmitRefused(f"version {run.version} differs from its manifest: {exc}") from None
    with session() as s:
        s.add(Submission(run_id=run.id, outbox=receipt.outbox, destination=receipt.destination,
                         package_sha256=receipt.package_sha256,
                         delivered_at=receipt.delivered_at, made_from=str(here())))
        try:
            s.commit()
        except IntegrityError:
            raise SubmitRefused(f"version {run.version} was submitted meanwhile") from None
    return receipt


def delivered_package(folder: Path) -> str:
    """The package of a version folder that goes to its recipient, as its manifest says,
    once the manifest is found to vouch for it: a package the version made, not its exempt
    part, whose own manifest is the one the version recorded."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        package, packages = manifest["delivers"], manifest["packages"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"{folder}: {MANIFEST} names no package to deliver") from exc
    if package == EXEMPT or package not in packages:
        raise PackageError(f"{folder}: {MANIFEST} names {package!r}, not a package to deliver")
    try:
        recorded = hashlib.sha256((folder / package / MANIFEST).read_bytes()).hexdigest()
    except OSError as exc:
        raise PackageError(f"{package}/{MANIFEST} is missing") from exc
    if recorded != packages[package]:
        raise PackageError(f"{package}/{MANIFEST} is not the one the version recorded")
    return package
