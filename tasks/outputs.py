"""Writing a version's outputs: into a staging folder, then into place in one step."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

from statreturns.periods import Period
from statreturns.processes import this_process
from statreturns.settings import get_settings


class OutputsExist(FileExistsError):
    """The version's folder is already there: versions are never overwritten."""


def version_folder(outputs: Path, authority: str, return_id: str, period: Period,
                   version: int) -> Path:
    return outputs / authority / return_id / period.folder / f"v{version}"


def staging_folder() -> Path:
    """A new folder outside `outputs/` to write a version into; named by the process that
    writes it, so that one left by a process that died is cleared (`tasks.recover`)."""
    name = f"{this_process().replace(':', '@')}~{uuid.uuid4().hex}"
    staging = get_settings().var / "staging" / name
    staging.mkdir(parents=True)
    return staging


def file_digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def write_manifest(staging: Path, header: dict) -> dict[str, tuple[str, int]]:
    """manifest.json: sha256 and size of every file in the folder (not in its sub-folders,
    which have manifests of their own), in name order."""
    files = {p.name: file_digest(p) for p in sorted(staging.iterdir()) if p.is_file()}
    manifest = {**header, "files": [{"name": n, "sha256": sha, "bytes": size}
                                    for n, (sha, size) in files.items()]}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
    files["manifest.json"] = file_digest(staging / "manifest.json")
    return files


def move_into_place(staging: Path, final: Path) -> None:
    """Rename the staged folder to its final name: readers see all of it or none."""
    if final.exists():
        raise OutputsExist(f"{final} already exists")
    for path in staging.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, final)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # outputs/ on another file system: copied beside the final folder, hidden, first
        beside = final.parent / f".{staging.name}"
        shutil.copytree(staging, beside)
        os.rename(beside, final)
