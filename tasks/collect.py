"""Collect: find each source's files, fingerprint them, keep read-only copies, read them."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.declaration import Context, Source
from statreturns.quality import Check
from tasks.read import Loaded, read_source, spreadsheet_row

SOURCE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
FILE, ROW = "_file", "_row"


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
    partial = archive_root / f".{os.getpid()}-{uuid.uuid4().hex}-{path.name}.partial"
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
    return inbox / ctx.authority / return_id / ctx.period.folder


def files_in(folder: Path) -> list[Path]:
    """The spreadsheets in a folder, by name (hidden and partly written files left out, and
    the ``~$`` owner files Excel keeps beside a workbook while it is open)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
                  and p.suffix.lower() in SOURCE_SUFFIXES)


def find_source(folder: Path, source: Source) -> list[Path]:
    """The inbox files for a source: ``<source name>.<csv|xlsx>`` in the period's folder,
    or every spreadsheet in its ``<source name>/`` folder when the source is many files."""
    if source.many:
        return files_in(folder / source.name)
    for suffix in SOURCE_SUFFIXES:
        candidate = folder / f"{source.name}{suffix}"
        if candidate.exists():
            return [candidate]
    return [folder / f"{source.name}.csv"]


@dataclass
class Gathered:
    """A source's files as collected, and their rows stacked into one frame.

    The frame has two more columns, `FILE` (the file's name) and `ROW` (the row's number in
    its spreadsheet), so that every rule's failure can be found in the file it came from.
    """

    source: Source
    files: list[Collected]
    frame: pd.DataFrame | None
    checks: list[Check]

    @property
    def letters(self) -> dict[str, dict[str, str]]:
        return {c.path.name: c.letters for c in self.files}


def _collect_file(source: Source, path: Path, archive_root: Path,
                  within: Path | None) -> Collected:
    # A link is not followed: it could name any file the run may read, wherever it is.
    outside = within is not None and not path.resolve().is_relative_to(within.resolve())
    if path.is_symlink() or outside or (path.exists() and not path.is_file()):
        what = "a link to another file" if path.is_symlink() else \
            "reached through a link to outside the inbox" if outside else "not a file"
        refused = Check(
            suite=source.suite, code="FILE-UNREADABLE", expectation_type="file",
            severity="error", success=False, location=path.name,
            message=f"{path.name} was not read: it is {what}. Put the file itself there.")
        return Collected(source=source, path=path, checks=[refused])
    if not path.is_file():
        missing = Check(
            suite=source.suite, code="FILE-MISSING", expectation_type="file", severity="error",
            success=False, message=f"No {source.title.lower()} was found: expected {path}.")
        return Collected(source=source, path=path, checks=[missing])
    sha256, archived = archive(path, archive_root)
    # Read the archived copy: what is checked is exactly what was fingerprinted.
    loaded = read_source(archived, source, label=path.name)
    return Collected(**vars(loaded), source=source, path=path, sha256=sha256,
                     archive_path=archived)


def _stacked(files: list[Collected]) -> pd.DataFrame | None:
    frames = [c.frame.assign(**{FILE: c.path.name,
                                ROW: spreadsheet_row(c.frame.index.to_numpy())})
              for c in files if c.frame is not None]
    if not frames:
        return None
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else \
        frames[0].reset_index(drop=True)
    return stacked.astype({FILE: "category"})


@task(name="collect", cache_policy=NO_CACHE, task_run_name="collect {source.name}")
def collect(source: Source, paths: list[Path], archive_root: Path, ctx: Context,
            folder: Path | None = None, within: Path | None = None) -> Gathered:
    """Fingerprint, archive and read a source's files, then stack their rows and add the
    helper columns its rules need. `folder` is where a many-file source was looked for;
    a file that is not in `within` (the authority's inbox) once links are followed is not
    read."""
    files = [_collect_file(source, p, archive_root, within) for p in paths]
    checks = [check for c in files for check in c.checks]
    if not files:
        checks.append(Check(
            suite=source.suite, code="FILE-MISSING", expectation_type="file", severity="error",
            success=False, message=f"No {source.title.lower()} files were found in {folder}."))
    frame = _stacked(files)
    if frame is not None and source.derive:
        frame = source.derive(frame, ctx)
    return Gathered(source=source, files=files, frame=frame, checks=checks)
