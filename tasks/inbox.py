"""The inbox's current sources: a corrected file given for a run takes its source's place.

A file handed to a run (``--input``) is the correction of its source for that period: it is
copied to the source's own place in the period's folder, so that every later run reads it
too. What it replaces is first kept in the archive (named by its content), and the run says
where. For a source of many files, the files given become the folder's whole set, as the
run reads them.
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
          archive_root: Path) -> tuple[list[Path], dict[Path, str]]:
    """Make `given` the source's current files in the period's `folder`; the files the run
    is to read, and a line for each file put in place, by its place."""
    notes: dict[Path, str] = {}
    if source.many:  # the given files become the whole set, as the run reads them
        home = folder / source.name
        targets = [home / path.name for path in given]
        for old in files_in(home):
            if old not in targets:
                _, kept = archive(old, archive_root)
                notes[old] = f"{old.name} was taken out of {home}: it was not given; it is " \
                             f"kept at {kept}"
                old.unlink()
        for path, target in zip(given, targets, strict=True):
            if not _same(path, target):
                notes[target] = _replacing(target, path, archive_root) if target.is_file() \
                    else f"{path.name} was copied into {home}"
                _copy(path, target)
        return files_in(home), notes
    [path] = given
    target = folder / f"{source.name}{path.suffix.lower()}"
    if _same(path, target):
        return [target], notes
    replaced = []
    for suffix in SOURCE_SUFFIXES:  # one current file: another format's copy would be a second
        old = folder / f"{source.name}{suffix}"
        if old.is_file():
            replaced.append(_replacing(old, path, archive_root))
            if old != target:
                old.unlink()
    notes[target] = "; ".join(replaced) or \
        f"{path.name} is now the {source.title.lower()} at {target}"
    _copy(path, target)
    return [target], notes
