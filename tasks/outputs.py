"""Writing a version's outputs: into a staging folder, then into place in one step."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path


class OutputsExist(FileExistsError):
    """The version's folder is already there: versions are never overwritten."""


def version_folder(outputs: Path, authority: str, return_id: str, period: str,
                   version: int) -> Path:
    return outputs / authority / return_id / period.replace("/", "-") / f"v{version}"


def staging_folder(final: Path) -> Path:
    staging = final.parent / f".staging-{final.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def file_digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def write_manifest(staging: Path, header: dict) -> dict[str, tuple[str, int]]:
    """manifest.json: sha256 and size of every file in the folder, in name order."""
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
    for path in staging.iterdir():
        path.chmod(0o444)
    os.rename(staging, final)
