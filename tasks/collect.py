"""Collect: find each source, fingerprint it, keep a read-only copy, read it."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.declaration import Context, Source
from statreturns.quality import Check
from tasks.read import Loaded, read_source

SOURCE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass(kw_only=True)
class Collected(Loaded):
    """A source as read, with where it came from and its archived copy."""

    source: Source
    path: Path
    sha256: str | None = None
    archive_path: Path | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive(path: Path, archive_root: Path) -> tuple[str, Path]:
    """Keep a read-only copy named by its content (the same content is stored once).

    The copy is hashed, not the original, so a file still being written to cannot give a
    fingerprint that differs from what was kept.
    """
    archive_root.mkdir(parents=True, exist_ok=True)
    partial = archive_root / f".{os.getpid()}-{path.name}.partial"
    shutil.copyfile(path, partial)
    sha256 = sha256_of(partial)
    target = archive_root / sha256[:2] / f"{sha256}{path.suffix.lower()}"
    if target.exists():
        partial.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.chmod(0o444)
        os.replace(partial, target)
    return sha256, target


def inbox_folder(inbox: Path, return_id: str, ctx: Context) -> Path:
    return inbox / ctx.authority / return_id / str(ctx.period).replace("/", "-")


def find_source(folder: Path, source: Source) -> Path:
    """The inbox file for a source: ``<source name>.<csv|xlsx>`` in the period's folder."""
    for suffix in SOURCE_SUFFIXES:
        candidate = folder / f"{source.name}{suffix}"
        if candidate.exists():
            return candidate
    return folder / f"{source.name}.csv"


@task(name="collect", cache_policy=NO_CACHE, task_run_name="collect {source.name}")
def collect(source: Source, path: Path, archive_root: Path, ctx: Context) -> Collected:
    """Fingerprint, archive and read one source, adding the helper columns its rules need."""
    if not path.is_file():
        missing = Check(
            suite=source.suite, code="FILE-MISSING", expectation_type="file", severity="error",
            success=False, message=f"No {source.title.lower()} was found: expected {path}.")
        return Collected(source=source, path=path, checks=[missing])
    sha256, archived = archive(path, archive_root)
    # Read the archived copy: what is checked is exactly what was fingerprinted.
    loaded = read_source(archived, source, label=path.name)
    if loaded.frame is not None and source.derive:
        loaded.frame = source.derive(loaded.frame, ctx)
    return Collected(**vars(loaded), source=source, path=path, sha256=sha256,
                     archive_path=archived)
