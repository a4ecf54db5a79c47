"""The submission outbox: deliver a checked version folder somewhere, once, all or nothing."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable

from tasks.outputs import file_digest

MANIFEST = "manifest.json"
RECEIPT = "receipt.json"


class PackageError(ValueError):
    """The version folder does not match its manifest."""


class AlreadyDelivered(FileExistsError):
    """The destination already holds a delivery: a version is never delivered twice."""


def _listed(folder: Path) -> dict[str, tuple[str, int]]:
    """The manifest's files as {name: (sha256, bytes)}."""
    try:
        entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        listed = {e["name"]: (e["sha256"], e["bytes"]) for e in entries}
    except FileNotFoundError:
        raise PackageError(f"{folder}: {MANIFEST} is missing") from None
    except (ValueError, KeyError, TypeError) as e:
        raise PackageError(f"{folder}: {MANIFEST} is not a valid manifest ({e})") from None
    for name in listed:
        if not isinstance(name, str) or name in ("", ".", "..", MANIFEST) or "/" in name:
            raise PackageError(f"{folder}: {MANIFEST} lists a bad file name {name!r}")
    return listed


def package_digest(folder: Path) -> str:
    """The sha256 of manifest.json, once every file is checked against it."""
    listed = _listed(folder)
    for name, (sha, size) in listed.items():
        path = folder / name
        if not path.is_file():
            raise PackageError(f"{name}: listed in the manifest but missing")
        if file_digest(path) != (sha, size):
            raise PackageError(f"{name}: sha256 or size differs from the manifest")
    for path in sorted(folder.iterdir()):
        if path.name != MANIFEST and path.name not in listed:
            raise PackageError(f"{path.name}: not listed in the manifest")
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    """What was delivered, where and when (delivered_at is UTC)."""

    outbox: str
    destination: str
    """Where in the outbox, relative to its root: the name the store keeps."""
    delivered_at: datetime
    package_sha256: str
    files: list[str]
    package: str = ""
    """Which of the version's packages was delivered (``submission``, ``publication``...)."""
    location: str = ""
    """Where the delivery can be opened: for a folder outbox, its absolute folder."""
    receipt_file: str = ""
    """Where this receipt is kept beside the delivery, when it is."""

    def to_dict(self) -> dict:
        return {**asdict(self), "delivered_at": self.delivered_at.isoformat()}


@runtime_checkable
class Outbox(Protocol):
    """Somewhere a version folder can be delivered to (a folder now, a portal later)."""

    name: str

    def deliver(self, folder: Path, destination: str, package: str = "") -> Receipt: ...


def _relative(destination: str) -> PurePosixPath:
    """The destination as a relative path that cannot leave the outbox's root."""
    path = PurePosixPath(destination)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"destination must be a relative path inside the outbox: {destination!r}")
    return path


class FolderOutbox:
    """Delivers into `root/<destination>`: staged beside it, then renamed into place."""

    name = "folder"

    def __init__(self, root: Path):
        self.root = Path(root)

    def deliver(self, folder: Path, destination: str, package: str = "") -> Receipt:
        final = self.root / _relative(destination)
        sha = package_digest(folder)
        files = sorted(_listed(folder)) + [MANIFEST]
        if os.path.lexists(final):
            raise AlreadyDelivered(f"{final} has already been delivered")
        final.parent.mkdir(parents=True, exist_ok=True)
        final = final.parent.resolve() / final.name
        staging = final.parent / f".staging-{final.name}-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            for name in files:
                shutil.copy2(folder / name, staging / name)
            if package_digest(staging) != sha:  # the source changed while being copied
                raise PackageError(f"{folder}: changed while being delivered")
            receipt = Receipt(self.name, destination, datetime.now(UTC), sha, files, package,
                              location=str(final), receipt_file=str(final / RECEIPT))
            (staging / RECEIPT).write_text(json.dumps(receipt.to_dict(), indent=2) + "\n",
                                           encoding="utf-8")
            for path in staging.iterdir():
                path.chmod(0o444)
            try:
                os.rename(staging, final)  # fails if another delivery got there first
            except OSError as e:
                if e.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                    raise AlreadyDelivered(f"{final} has already been delivered") from e
                raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return receipt
