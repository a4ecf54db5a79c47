"""Reading a source file into a typed frame, reporting what is wrong in words a person can act on.

Forgiving where the meaning is certain (a UTF-8 byte-order mark, Windows-1252 text,
semicolons for commas, day/month/year dates, extra columns), strict where it is not (a
missing column, a value that is not a number or a date). Values of personal columns are
never quoted back.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from statreturns.declaration import Column, Source
from statreturns.quality import REDACTED, Check, column_letter, describe_rows

DELIMITERS = [",", ";", "\t", "|"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"]
DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y",
]
HEADER_ROW = 1  # spreadsheet row of the header; data row i (0-based) is at row i + 2


@dataclass
class Loaded:
    frame: pd.DataFrame | None = None
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int | None:
        return None if self.frame is None else len(self.frame)


def normalise_header(name: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def no_data_column(name: str) -> str:
    """The flag beside a column whose figures may be written as not available."""
    return f"{name}_no_data"


def spreadsheet_row(index: int | np.ndarray) -> int | np.ndarray:
    """The spreadsheet row number of a 0-based data row (or of an array of them)."""
    return index + HEADER_ROW + 1


def _file_check(source: Source, code: str, success: bool, message: str, **kw) -> Check:
    return Check(suite=source.suite, code=code, expectation_type="file", severity="error",
                 success=success, message=message, **kw)


def _sniff(path: Path) -> tuple[str, str]:
    """The encoding (UTF-8 unless the whole file says otherwise) and the header's delimiter.

    The file is checked a piece at a time: a large one is never held whole as text."""
    decoder, encoding, anything = codecs.getincrementaldecoder("utf-8-sig")(), "utf-8-sig", False
    with path.open("rb") as f:
        for last, chunk in _pieces(f):
            anything = anything or bool(chunk.strip())
            if encoding == "utf-8-sig":
                try:
                    decoder.decode(chunk, final=last)
                except UnicodeDecodeError:
                    encoding = "cp1252"
    if not anything:
        raise pd.errors.EmptyDataError
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        first_line = f.readline()
    delimiter = max(DELIMITERS, key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    return encoding, delimiter


def _pieces(f, size: int = 1 << 20):
    """(is it the last, piece) for each megabyte of a binary file."""
    piece = f.read(size)
    while piece:
        following = f.read(size)
        yield not following, piece
        piece = following


def _read_raw(path: Path, notes: list[str]) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
    encoding, delimiter = _sniff(path)
    if encoding == "cp1252":
        notes.append("read as Windows-1252 text (not UTF-8)")
    if delimiter != ",":
        notes.append(f"read with {delimiter!r} between columns instead of commas")
    options = {"sep": delimiter, "dtype": str, "keep_default_na": False,
               "skip_blank_lines": False, "encoding": encoding}
    if encoding == "utf-8-sig":  # the whole file decoded, so Arrow's reader may take it
        try:  # several times faster, and no Python string made for every cell
            return pd.read_csv(path, engine="pyarrow", **options)
        except Exception:  # noqa: BLE001  what it cannot read, pandas' reader reads or explains
            pass
    return pd.read_csv(path, encoding_errors="replace", quoting=csv.QUOTE_MINIMAL, **options)


def _drop_blank_rows(raw: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Rows with nothing in any cell are spacing, not records; the rest keep their row numbers."""
    blank = raw.eq("").all(axis=1)
    if blank.any():
        rows = [spreadsheet_row(i) for i in blank[blank].index[:10]]
        notes.append(f"blank rows ignored: {describe_rows(rows, int(blank.sum()))}")
    return raw[~blank]


EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2099-12-31 23:59:59")


def _parse_dates(values: pd.Series, formats: list[str]) -> pd.Series:
    """Dates in any of `formats`; a date outside 1900-2099 is a typing slip, so it is not a date.

    Each distinct text is parsed once, by the formats in the order a sample of them fits
    best: a format that fits nothing costs far more to try than one that fits (the formats
    never fit the same text, so the order does not change the result)."""
    codes, distinct = pd.factorize(values)
    text = pd.Series(distinct, dtype=object)
    sample = text.head(200)
    ranked = sorted(formats, key=lambda fmt: -int(
        pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()))
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in ranked:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype(
            "datetime64[us]")
    parsed = parsed.where(parsed.between(EARLIEST, LATEST)).astype("datetime64[ns]")
    by_code = np.append(parsed.to_numpy(), np.datetime64("NaT", "ns"))  # code -1: missing
    return pd.Series(by_code[codes], index=values.index)


def _parse(values: pd.Series, column: Column) -> pd.Series:
    if column.type in ("integer", "number"):
        cleaned = values.str.replace(r"[£,\s]", "", regex=True)
        numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        if column.type == "integer":
            numbers = numbers.where(numbers % 1 == 0).astype("Int64")
        return numbers
    if column.type == "date":
        return _parse_dates(values, DATE_FORMATS).dt.normalize()
    if column.type == "datetime":
        return _parse_dates(values, DATETIME_FORMATS)
    return values


_TYPE_WORDS = {"integer": "a whole number", "number": "a number",
               "date": "a date from 1900 to 2099 (YYYY-MM-DD or DD/MM/YYYY)",
               "datetime": "a date and time from 1900 to 2099 "
                           "(YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"}


def read_source(path: Path, source: Source, label: str | None = None) -> Loaded:
    """Read and type one source file; every problem becomes a failed `Check`.

    `label` is the file name messages use (the name the officer sent, not the archive copy's).
    """
    label = label or path.name
    loaded = Loaded(frame=None)
    try:
        if path.stat().st_size == 0:
            raise pd.errors.EmptyDataError
        raw = _read_raw(path, loaded.notes)
    except pd.errors.EmptyDataError:
        loaded.checks.append(_file_check(source, "FILE-EMPTY", False, f"{label} is empty."))
        return loaded
    except Exception as exc:  # whatever the reader met, the file is unreadable: say so
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        loaded.checks.append(_file_check(
            source, "FILE-UNREADABLE", False,
            f"{label} could not be read as a {path.suffix.lstrip('.').upper() or 'data'} file: "
            f"{reason}."))
        return loaded
    loaded.checks.append(_file_check(source, "FILE-UNREADABLE", True, f"{label} was read."))

    raw.columns = [normalise_header(c) for c in raw.columns]
    positions = {name: i for i, name in reversed(list(enumerate(raw.columns)))}
    loaded.letters = {name: column_letter(i) for name, i in positions.items()}
    expected = [c.name for c in source.columns]
    missing = [c for c in expected if c not in positions]
    extra = [c for c in raw.columns if c not in expected]
    if missing:
        # A header without the expected names may be a data row: its cells are not quoted back.
        hint = ""
        if len(raw.columns) == 1:
            hint = " The header is one column: is the file separated by another character?"
        elif extra:
            hint = (f" Row {HEADER_ROW} has {len(extra)} other columns: is the header row "
                    "missing or renamed?")
        loaded.checks.append(_file_check(
            source, "FILE-COLUMNS", False,
            f"{label} has no column {', '.join(missing)} (header row {HEADER_ROW}).{hint}",
            location=f"{label}, row {HEADER_ROW}"))
        return loaded
    loaded.checks.append(_file_check(source, "FILE-COLUMNS", True,
                                     f"{label} has every required column."))
    if extra:
        loaded.notes.append(f"extra columns ignored: {', '.join(extra)}")
    raw = _drop_blank_rows(raw, loaded.notes)
    if raw.empty:
        loaded.checks.append(_file_check(
            source, "FILE-NO-ROWS", False, f"{label} has a header row but no data rows."))
        return loaded

    frame = pd.DataFrame(index=raw.index)
    for column in source.columns:
        text = raw[column.name].iloc[:, 0] if raw[column.name].ndim == 2 else raw[column.name]
        text = text.str.strip().replace("", None)
        if column.no_data:
            no_data = text.str.lower().isin([w.lower() for w in column.no_data])
            frame[no_data_column(column.name)] = no_data.to_numpy(dtype=bool)
            text = text.mask(no_data, None)
        frame[column.name] = parsed = _parse(text, column)
        if column.type == "text":
            continue
        bad = parsed.isna() & text.notna()
        count = int(bad.sum())
        rows = [spreadsheet_row(i) for i in bad[bad].index[:10]]
        letter = loaded.letters[column.name]
        sample = REDACTED if column.personal else ", ".join(text[bad].head(5).astype(str))
        loaded.checks.append(Check(
            suite=source.suite, code="FILE-TYPE", expectation_type="value type",
            severity="error", success=count == 0, column=column.name,
            message=f"Every {column.name} is {_TYPE_WORDS[column.type]}.",
            unexpected_count=count, sample=sample if count else "",
            location=f"{label}, column {letter} ({column.name}), {describe_rows(rows, count)}"
            if count else ""))
    loaded.frame = frame
    return loaded
