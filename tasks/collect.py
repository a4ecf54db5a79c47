"""Collect: find each source's files, fingerprint them, keep read-only copies, read them."""

from __future__ import annotations

import difflib
import hashlib
import itertools
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.declaration import Context, Source
from statreturns.quality import Check
from tasks.read import FILE, ROW, Loaded, file_place, read_source, spreadsheet_row

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


class AmbiguousSource(ValueError):
    """A one-file source is in the folder twice, in two formats (e.g. a CSV file and a
    workbook of the same name): which is current is the officer's to say, so the run is
    refused."""


def _and(words: list[str]) -> str:
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


def find_source(folder: Path, source: Source) -> list[Path]:
    """The inbox files for a source: ``<source name>.<csv|xlsx>`` in the period's folder,
    or every spreadsheet in its ``<source name>/`` folder when the source is many files.
    Raises `AmbiguousSource` when a one-file source is there in more than one format."""
    if source.many:
        return files_in(folder / source.name)
    found = [folder / f"{source.name}{suffix}" for suffix in SOURCE_SUFFIXES
             if (folder / f"{source.name}{suffix}").exists()]
    if len(found) > 1:
        names, others = _and([p.name for p in found]), "other" if len(found) == 2 else "others"
        raise AmbiguousSource(
            f"{names} are {'both' if len(found) == 2 else 'all'} in {folder}: which is "
            f"current? Move the {others} out of the folder and run again.")
    return found or [folder / f"{source.name}.csv"]


def _said(name: str) -> str:
    """A file name as a person would say it: lower case, without its spreadsheet ending
    (however often repeated), a copy's mark or separators."""
    name = name.lower()
    while (suffix := Path(name).suffix) in SOURCE_SUFFIXES:
        name = name.removesuffix(suffix)
    name = re.sub(r"^copy of |\s*-\s*copy\b|\s*\(\d+\)", "", name)
    return re.sub(r"[^a-z0-9]+", "", name)


CLOSE = 0.85
"""How alike two names said alike must be to be a near miss (difflib's ratio): above the
0.75 of police-extract and fire-extract, two sources of one return."""


def near_misses(path: Path) -> list[Path]:
    """Spreadsheets beside a missing file whose names are close to its name (a copy's
    ``(1)`` or ``- Copy``, other case or separators, a doubled ending), closest first."""
    wanted = _said(path.name)
    scored = [(difflib.SequenceMatcher(None, wanted, _said(p.name)).ratio(), p)
              for p in files_in(path.parent) if p.name != path.name]
    return [p for score, p in sorted(scored, key=lambda s: (-s[0], s[1].name)) if score >= CLOSE]


def _missing_message(source: Source, path: Path) -> str:
    message = f"No {source.title.lower()} was found: expected {path}."
    close = near_misses(path)[:3]
    if not close:
        return message
    targets = list(dict.fromkeys(f"{path.stem}{p.suffix.lower()}" for p in close))
    rename = " or ".join(targets) + (", keeping its ending" if len(targets) > 1 else "")
    if len(close) == 1:
        return f"{message} {close[0].name} is there: if it is the current file, rename it {rename}."
    return (f"{message} {_and([p.name for p in close])} are there: if one of them is the "
            f"current file, rename it {rename}.")


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

    @property
    def places(self) -> dict[str, str]:
        """Each file's name as places in it are given: with its sheet, for a workbook."""
        return {c.path.name: file_place(c.path.name, c.sheet) for c in self.files}


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
            success=False, message=_missing_message(source, path))
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
    # A copy left in the folder is named first: it is why the suite's own rules on the
    # records (one of each) fail too.
    checks = duplicate_files(source, files) + [check for c in files for check in c.checks]
    if not files:
        checks.append(Check(
            suite=source.suite, code="FILE-MISSING", expectation_type="file", severity="error",
            success=False, message=f"No {source.title.lower()} files were found in {folder}."))
    frame = _stacked(files)
    if frame is not None and source.derive:
        frame = source.derive(frame, ctx)
    return Gathered(source=source, files=files, frame=frame, checks=checks)


def _row_runs(rows) -> str:
    """'row 4', 'rows 2-15' or 'rows 2-5, 9, 12-14 and 8 more'."""
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    shown = ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in runs[:5])
    more = sum(b - a + 1 for a, b in runs[5:])
    return f"{'rows' if len(rows) > 1 else 'row'} {shown}" + (f" and {more} more" if more else "")


def _keys(file: Collected, key: tuple[str, ...]) -> pd.Series:
    """The key of each row of a file (rows missing a key value left out), by spreadsheet row."""
    rows = file.frame[list(key)].dropna()
    return pd.Series(list(zip(*(rows[c] for c in key), strict=True)),
                     index=spreadsheet_row(rows.index.to_numpy()), dtype=object)


def duplicate_files(source: Source, files: list[Collected]) -> list[Check]:
    """Two files of a many-file source that hold the same keys report the same records: a
    copy left in the folder. Files and rows are named; key values never are."""
    read = [(c.path.name, _keys(c, source.key)) for c in files
            if c.frame is not None and source.many and source.key]
    if not read:
        return []
    checks = []
    for (a, keys_a), (b, keys_b) in itertools.combinations(read, 2):
        same = set(keys_a) & set(keys_b)
        if not same:
            continue
        rows_a, rows_b = (_row_runs(keys.index[keys.map(same.__contains__).to_numpy(bool)])
                          for keys in (keys_a, keys_b))
        rows = f"{rows_a} of each" if rows_a == rows_b else f"{rows_a} of {a}, {rows_b} of {b}"
        checks.append(Check(
            suite=source.suite, code="FILE-DUPLICATE", expectation_type="file",
            severity="error", success=False, unexpected_count=len(same),
            location=f"{a}, {rows_a}; {b}, {rows_b}",
            message=f"{a} and {b} report the same {len(same)} "
                    f"{'records' if len(same) > 1 else 'record'} (the same "
                    f"{_and(list(source.key))}, at {rows}): keep the current file in the "
                    "folder, move the other out and run again."))
    return checks or [Check(
        suite=source.suite, code="FILE-DUPLICATE", expectation_type="file", severity="error",
        success=True, message=f"No two {source.title.lower()} files report the same records.")]
