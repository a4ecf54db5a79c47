"""The inbox's current sources: a corrected file given for a run takes its source's place.

A file handed to a run (``--input``) is the correction of its source for that period: it is
copied to the source's own place in the period's folder, so that every later run reads it
too. What it replaces is first kept in the archive (named by its content), and the run says
where. A source of many files gets the given files beside the others, one of the same name
replaced.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import uuid
from pathlib import Path

from statreturns.declaration import Source
from tasks.collect import SOURCE_SUFFIXES, archive, files_in


def _copy(given: Path, target: Path) -> None:
    """`given`'s bytes at `target`, all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{uuid.uuid4().hex}-{target.name}.partial")
    shutil.copyfile(given, partial)
    os.replace(partial, target)


def _same(given: Path, target: Path) -> bool:
    """The target is the given file, or holds the same bytes already."""
    return target.is_file() and (given.resolve() == target.resolve()
                                 or filecmp.cmp(given, target, shallow=False))


def _replacing(old: Path, by: Path, archive_root: Path) -> str:
    """Keep `old` in the archive before `by` takes its place; the words saying so."""
    _, kept = archive(old, archive_root)
    return f"{old.name} was replaced by {by.name}; the replaced file is kept at {kept}"


def adopt(source: Source, given: list[Path], folder: Path,
          archive_root: Path) -> tuple[list[Path], list[str]]:
    """Make `given` the source's current files in the period's `folder`; the files the run
    is to read, and a line for each file replaced or added."""
    notes: list[str] = []
    if source.many:
        home = folder / source.name
        for path in given:
            target = home / path.name
            if _same(path, target):
                continue
            if target.is_file():
                notes.append(_replacing(target, path, archive_root))
            else:
                notes.append(f"{path.name} was added to {home}")
            _copy(path, target)
        return files_in(home), notes
    [path] = given
    target = folder / f"{source.name}{path.suffix.lower()}"
    if _same(path, target):
        return [target], notes
    for suffix in SOURCE_SUFFIXES:  # one current file: another format's copy would be a second
        old = folder / f"{source.name}{suffix}"
        if old.is_file():
            notes.append(_replacing(old, path, archive_root))
            if old != target:
                old.unlink()
    if not notes:
        notes.append(f"{path.name} is now the {source.title.lower()} at {target}")
    _copy(path, target)
    return [target], notes
