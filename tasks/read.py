"""Reading a source file into a typed frame, reporting what is wrong in words a person can act on.

Forgiving where the meaning is certain (a UTF-8 byte-order mark, Windows-1252 text, UTF-16
text with its byte-order mark, semicolons or tabs for commas, day/month/year dates, a date
exported with a time of 00:00, extra columns, blank rows, a workbook's data on a sheet after
its first, figures as people write them: £1,234.50, (1,234), -4.3%, and the symbols tables
write for a figure's state where a column declares them: [x], [c], ..), strict where it is not
(a missing column, a value that is not a number or a date, a file that is not text or not a
whole workbook, a file cut short, a cell longer than a spreadsheet's). A workbook's figures
are read as their cells show them (`tasks.number_formats`): one whose number format cannot
be shown, or whose cell shows a date, is an error. A workbook that would
unpack to far more than its data is not opened. Every problem is placed by file (and sheet),
row and column where it has one; values of personal columns are never quoted back.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from statreturns.declaration import Column, Source
from statreturns.quality import REDACTED, Check, column_letter, describe_rows
from tasks.figures import FIGURES, places_column, read_figures, read_states, state_column
from tasks.number_formats import UnreadableFormat, displayed

DELIMITERS = [",", ";", "\t", "|"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
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
FILE, ROW = "_file", "_row"
"""The columns each source's gathered rows carry: the file and the spreadsheet row each came
from."""
HEADER_ROW = 1  # spreadsheet row of the header; data row i (0-based) is at row i + 2



@dataclass
class Loaded:
    frame: pd.DataFrame | None = None
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    """The sheet read, where the file is a workbook."""

    @property
    def rows(self) -> int | None:
        return None if self.frame is None else len(self.frame)


def file_place(label: str, sheet: str | None) -> str:
    """Where a file's cells are: its name, and the sheet of a workbook."""
    return f"{label}, sheet '{sheet}'" if sheet is not None else label


def normalise_header(name: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def spreadsheet_row(index: int | np.ndarray) -> int | np.ndarray:
    """The spreadsheet row number of a 0-based data row (or of an array of them)."""
    return index + HEADER_ROW + 1


def _file_check(source: Source, code: str, success: bool, message: str, **kw) -> Check:
    return Check(suite=source.suite, code=code, expectation_type="file", severity="error",
                 success=success, message=message, **kw)


class Unreadable(ValueError):
    """Why a file cannot be read, in words a person can act on; `row` where it is known."""

    def __init__(self, reason: str, row: int | None = None):
        super().__init__(reason)
        self.row = row


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


def _sniff(path: Path) -> tuple[str, str]:
    """The encoding and the header's delimiter.

    UTF-16 where the file starts with its byte-order mark; else UTF-8 unless the whole file
    says otherwise, then Windows-1252. A file that is none of these, or that holds a NUL
    character, is not text. The file is checked a piece at a time: a large one is never
    held whole as text."""
    with path.open("rb") as f:
        start = f.read(2)
    tried = ["utf-16"] if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else \
        ["utf-8-sig", "cp1252"]
    for encoding in tried:
        fault, anything = _decoding_fault(path, encoding)
        if fault is None:
            break
    else:
        row, what = fault
        if what == "\0":
            what = "a NUL character, which text does not hold"
        else:
            names = " or ".join(ENCODING_NAMES[e] for e in tried)
            what = f"byte 0x{ord(what):02X}, which is no character of {names} text"
        raise Unreadable(f"it is not text: row {row} holds {what}. Save it from the "
                         "spreadsheet as CSV UTF-8", row)
    if not anything:
        raise pd.errors.EmptyDataError
    with path.open(encoding=encoding, newline="") as f:
        first_line = f.readline()
    delimiter = max(DELIMITERS, key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    return encoding, delimiter


def _decoding_fault(path: Path, encoding: str) -> tuple[tuple[int, str] | None, bool]:
    """Where the file first fails to be text in `encoding` (its row, and the byte or NUL
    character there), and whether it holds anything but white space."""
    decoder, row, anything = codecs.getincrementaldecoder(encoding)(), 1, False
    with path.open("rb") as f:
        for last, piece in _pieces(f):
            try:
                text = decoder.decode(piece, final=last)
            except UnicodeDecodeError as exc:
                row += exc.object[:exc.start].count(b"\n")
                return (row, chr(exc.object[exc.start])), anything
            if "\0" in text:
                return (row + text[:text.index("\0")].count("\n"), "\0"), anything
            row += text.count("\n")
            anything = anything or bool(text.strip())
    return None, anything


def _pieces(f, size: int = 1 << 20):
    """(is it the last, piece) for each megabyte of a binary file."""
    piece = f.read(size)
    while piece:
        following = f.read(size)
        yield not following, piece
        piece = following


def _read_raw(path: Path, notes: list[str], expected: list[str],
              figures: set[str]) -> pd.DataFrame:
    """The file's cells as text. From a workbook, the ``attrs`` of the frame say more: see
    `_read_workbook`."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _read_workbook(path, notes, expected, figures)
    encoding, delimiter = _sniff(path)
    if encoding != "utf-8-sig":
        notes.append(f"read as {ENCODING_NAMES[encoding]} text (not UTF-8)")
    if delimiter != ",":
        notes.append(f"read with {delimiter!r} between columns instead of commas")
    options = {"sep": delimiter, "dtype": str, "keep_default_na": False,
               "skip_blank_lines": False, "encoding": encoding}
    raw = None
    if encoding == "utf-8-sig":  # Arrow's reader takes UTF-8 only; it is several times
        # faster, and makes no Python string for every cell. What it cannot read, pandas'
        # reader reads or explains.
        with contextlib.suppress(Exception):
            raw = pd.read_csv(path, engine="pyarrow", **options)
    if raw is None:
        try:
            with warnings.catch_warnings():  # a row's one cell too many: see index_col
                warnings.simplefilter("ignore", pd.errors.ParserWarning)
                # index_col=False: a row with one cell more than the header (a trailing
                # comma) must not make the first column the index and shift the others.
                raw = pd.read_csv(path, quoting=csv.QUOTE_MINIMAL, index_col=False, **options)
        except pd.errors.ParserError as exc:
            raise _parser_error(exc) from None
    _check_the_end(path, encoding, delimiter, raw)
    return raw


def _parser_error(exc: Exception) -> Exception:
    """The text reader's complaint, in words a person can act on, where it is a known one."""
    if found := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc)):
        width, row, cells = (int(n) for n in found.groups())
        return Unreadable(f"row {row} has {cells} cells where the header has {width}: is "
                          "there a separator inside a value without quotation marks around it?",
                          row)
    if found := re.search(r"EOF inside string starting at row (\d+)", str(exc)):
        row = int(found.group(1)) + 1
        return Unreadable(f"a quotation mark on row {row} is never closed: is the file cut "
                          "short?", row)
    return exc


def _check_the_end(path: Path, encoding: str, delimiter: str, raw: pd.DataFrame) -> None:
    """A file cut short: no line break at its end, and its last row has fewer cells than the
    header (a row whose quotation marks may hold line breaks is left to the reader)."""
    if raw.empty:
        return
    size = path.stat().st_size
    with path.open("rb") as f:
        if encoding == "utf-16":
            codec = "utf-16-le" if f.read(2) == codecs.BOM_UTF16_LE else "utf-16-be"
            f.seek(max(2, size - 4096) & ~1)
        else:
            codec = encoding
            f.seek(max(0, size - 4096))
        tail = f.read().decode(codec, errors="ignore")
    if not tail or tail.endswith(("\n", "\r")):
        return
    last = tail.splitlines()[-1]
    cells = last.split(delimiter)
    if '"' not in last and len(cells) < len(raw.columns) and any(c.strip() for c in cells):
        row = int(spreadsheet_row(len(raw) - 1))
        raise Unreadable(f"row {row} stops after {len(cells)} of the header's "
                         f"{len(raw.columns)} columns, with no line break after it: the file "
                         "looks cut short", row)


# --- workbooks ---------------------------------------------------------------------------

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ZIP_START, OLE2_START = b"PK\x03\x04", bytes.fromhex("d0cf11e0a1b11ae1")
UNPACKED_LIMIT = 2 << 30
RATIO_LIMIT, RATIO_FROM = 100, 100 << 20
"""A workbook of data unpacks to some ten times its size; a zip bomb to a thousand. One that
would unpack past 100 MB to more than 100 times its size, or past 2 GB, is not opened."""


def _open_workbook(path: Path):
    """The workbook, read-only, once its zip archive has been found safe to unpack."""
    with path.open("rb") as f:
        start = f.read(512)
    if start.startswith(OLE2_START):
        raise Unreadable("it is a workbook with a password, or in the old Excel 97-2003 "
                         "format: save it as an Excel workbook (.xlsx) without a password")
    if not start.startswith(ZIP_START):
        if any(b < 9 or 13 < b < 32 for b in start):
            raise Unreadable("it is not an Excel workbook")
        raise Unreadable("it is text, not an Excel workbook: is it a CSV file named "
                         f"{path.suffix.lower()}?")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise Unreadable("it is not a whole Excel workbook: is it cut short or "
                         "damaged?") from None
    unpacked, size = sum(e.file_size for e in entries), max(path.stat().st_size, 1)
    if unpacked > UNPACKED_LIMIT or (unpacked > RATIO_FROM and unpacked > RATIO_LIMIT * size):
        raise Unreadable(f"it would unpack to {unpacked / 1e6:,.0f} MB, far more than a "
                         "workbook of its size holds: it was not opened")
    if "[Content_Types].xml" not in {e.filename for e in entries}:
        raise Unreadable("it is a zip archive, not an Excel workbook")
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)


def _read_workbook(path: Path, notes: list[str], expected: list[str],
                   figures: set[str]) -> pd.DataFrame:
    """The sheet with the expected columns (the first sheet if none has them all), as text,
    the cells of the `figures` columns as their number formats show them. The frame's
    ``attrs`` keep the workbook's names of sheets (``sheets``), the name of the sheet read
    (``sheet``) and the figures that could not be shown (``unshown``, see `_sheet_frame`)."""
    try:
        book = _open_workbook(path)
        try:
            sheets = book.worksheets
            if not sheets:
                raise Unreadable("it has no worksheet")
            chosen = next((s for s in sheets if set(expected) <= {
                normalise_header(_cell_text(v)) for v in _first_row(s)}), sheets[0])
            if chosen is not sheets[0]:
                # Sheet names are the sender's words: a note counts them; only the places of
                # checks name the sheet read, for a person to find a cell by.
                notes.append(f"read sheet {sheets.index(chosen) + 1} of {len(sheets)}: the "
                             "first sheet does not have the columns")
            raw = _sheet_frame(chosen, notes, figures)
        finally:
            book.close()
    except ElementTree.ParseError as exc:  # a workbook's XML never declares entities
        what = "XML entities that would expand without end" if "amplification" in str(exc) \
            else "XML that is not well formed"
        raise Unreadable(f"it holds {what}: it was not read") from None
    raw.attrs["sheets"] = [s.title for s in sheets]
    raw.attrs["sheet"] = chosen.title
    return raw


def _first_row(sheet) -> tuple:
    return next(sheet.iter_rows(max_row=1, values_only=True), ())


def _cell_text(value: object) -> str:
    """A cell as a text file holds it: whole numbers without a decimal point, a date cell
    (a date-time at 00:00) as its date, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value == datetime.combine(value.date(), datetime.min.time()):
        return value.date().isoformat()
    return str(value)


class Unshown(NamedTuple):
    """Why a figure's cell cannot be read as shown: `what` is "date" or "time" (its cell has
    a date or time format), or the kind of its `number_format` (e.g. "a fraction")."""

    what: str
    number_format: str = ""


def _figure_text(cell) -> tuple[str, Unshown | None]:
    """A figure's cell as its sender sees it: a number as its number format shows it (one
    whose format shows no digit, such as an accounting format's "-" for zero or a hidden
    zero, as General shows it: that is the figure it holds). Where the number cannot be
    shown, the cell as `_cell_text` gives it, and why."""
    value = cell.value
    if isinstance(value, date):  # a datetime too
        return _cell_text(value), Unshown("date")
    if isinstance(value, time | timedelta):
        return _cell_text(value), Unshown("time")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _cell_text(value), None
    try:
        text = displayed(value, cell.number_format)
    except UnreadableFormat as exc:
        return _cell_text(value), Unshown(exc.kind, exc.format)
    return text if any(c.isdigit() for c in text) else displayed(value, "General"), None


def _sheet_frame(sheet, notes: list[str], figures: set[str]) -> pd.DataFrame:
    """A sheet's rows as text under its header row, blank rows left out (each row keeps its
    number), whatever size the sheet declares: a sheet may say it has a million rows, or
    have one cell a million rows down, and cost no more than the rows that hold something.

    The cells of the columns named in `figures` are as their number formats show them
    (`_figure_text`); those that cannot be shown are kept in ``attrs["unshown"]``, as
    {column position: {data row: `Unshown`}}."""
    sheet.reset_dimensions()  # the declared size may be wrong: read what is there
    rows = sheet.iter_rows()  # cells, not values: a figure's cell has its number format
    header = _trimmed([_cell_text(c.value) for c in next(rows, ())])
    first: dict[str, int] = {}  # a name's first column is the one read
    for i, name in enumerate(header):
        first.setdefault(normalise_header(name), i)
    shown = {i for name, i in first.items() if name in figures}
    unshown: dict[int, dict[int, Unshown]] = {}
    data, index, blank_rows, blanks, last = [], [], [], 0, -1
    for position, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            if i not in shown:
                cells.append(_cell_text(cell.value))
                continue
            text, why = _figure_text(cell)
            cells.append(text)
            if why:
                unshown.setdefault(i, {})[position] = why
        cells = _trimmed(cells)
        if not cells:
            continue
        skipped = range(last + 1, position)
        blanks += len(skipped)
        blank_rows += [int(spreadsheet_row(i)) for i in skipped[:10 - len(blank_rows)]]
        data.append(cells)
        index.append(position)
        last = position
    if not header and not data:
        raise pd.errors.EmptyDataError
    if blanks:
        notes.append(f"blank rows ignored: {describe_rows(blank_rows, blanks)}")
    width = max([len(header), *map(len, data)])
    names = _unique([h or f"Unnamed: {i}" for i, h in
                     enumerate(header + [""] * (width - len(header)))])
    frame = pd.DataFrame([cells + [""] * (width - len(cells)) for cells in data],
                         index=index, columns=names, dtype=str)
    frame.attrs["unshown"] = unshown
    return frame


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _unique(names: list[str]) -> list[str]:
    """Header names made unique as the text reader makes them: a second 'name' is 'name.1'."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if not count else f"{name}.{count}")
    return unique


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


def _parse_date_column(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A date column's dates, and the date-times its cells held instead of a date (NaT
    elsewhere): a date written with a time is read as its date."""
    dates = _parse_dates(values, DATE_FORMATS)
    timed = _parse_dates(values.where(dates.isna()), DATETIME_FORMATS)
    return dates.fillna(timed.dt.normalize()), timed


def _parse(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series | None]:
    """A column's values typed, and for a figure the decimal places each shows."""
    if column.type in FIGURES:
        numbers, places = read_figures(values, column.type == "percent")
        if column.type == "integer":
            numbers = numbers.where(numbers % 1 == 0).astype("Int64")
        return numbers, places
    if column.type == "datetime":
        return _parse_dates(values, DATETIME_FORMATS), None
    return values, None


_TYPE_WORDS = {"integer": "a whole number", "number": "a number",
               "percent": "a percentage (e.g. 12.3% or 12.3)",
               "date": "a date from 1900 to 2099 (e.g. 2026-07-15 or 15/07/2026)",
               "datetime": "a date and time from 1900 to 2099 "
                           "(YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"}


CELL_CHARS = 32_767
"""The most a spreadsheet cell holds: a longer value was never a spreadsheet's."""


def _too_long(raw: pd.DataFrame, columns: list[str], letters: dict[str, str]) -> tuple | None:
    """The first cell of `columns` longer than a spreadsheet cell, in words and as a place."""
    for name in columns:
        lengths = raw[name].str.len() if raw[name].ndim == 1 else raw[name].iloc[:, 0].str.len()
        if lengths.max() > CELL_CHARS:
            row = int(spreadsheet_row(lengths.idxmax()))
            where = f"column {letters[name]} ({name}), row {row}"
            return (f"{where} holds {int(lengths.max()):,} characters, more than a spreadsheet "
                    f"cell holds ({CELL_CHARS:,})", where)
    return None


SAMPLE_CHARS = 40
"""A value quoted back in a sample is cut to this: a cell may hold megabytes."""


def shortened(value: str) -> str:
    """A value as a sample may quote it: long ones cut short, their length said."""
    return value if len(value) <= SAMPLE_CHARS else f"{value[:SAMPLE_CHARS]}... " \
        f"({len(value):,} characters)"


def _sentence(reason: str) -> str:
    return reason if reason.endswith((".", "?", "!")) else f"{reason}."


def read_source(path: Path, source: Source, label: str | None = None) -> Loaded:
    """Read and type one source file; every problem becomes a failed `Check`.

    `label` is the file name messages use (the name the officer sent, not the archive copy's).
    """
    label = label or path.name
    loaded = Loaded(frame=None)
    expected = [c.name for c in source.columns]
    try:
        if path.stat().st_size == 0:
            raise pd.errors.EmptyDataError
        raw = _read_raw(path, loaded.notes, expected,
                        {c.name for c in source.columns if c.type in FIGURES})
    except pd.errors.EmptyDataError:
        loaded.checks.append(_file_check(source, "FILE-EMPTY", False, f"{label} is empty."))
        return loaded
    except Exception as exc:  # whatever the reader met, the file is unreadable: say so
        # Only our own reasons and the CSV parser's (which name lines, never cells) are
        # quoted: another reader's error may quote a cell's value.
        told = isinstance(exc, Unreadable | pd.errors.ParserError) and str(exc).strip()
        reason = str(exc).strip().splitlines()[0][:200] if told else \
            f"the reader stopped ({type(exc).__name__})"
        row = exc.row if isinstance(exc, Unreadable) else None
        kind = path.suffix.lstrip(".").upper() or "data"
        loaded.checks.append(_file_check(
            source, "FILE-UNREADABLE", False,
            f"{label} could not be read as {'an' if kind[0] in 'AEIOX' else 'a'} {kind} file: "
            f"{_sentence(reason.replace(str(path), label))}",
            location=f"{label}, row {row}" if row else ""))
        return loaded
    loaded.checks.append(_file_check(source, "FILE-UNREADABLE", True, f"{label} was read."))

    sheets, unshown = raw.attrs.get("sheets", []), raw.attrs.get("unshown")
    # A workbook's places name the sheet read: a CSV file has none.
    loaded.sheet = raw.attrs.get("sheet")
    place = file_place(label, loaded.sheet)
    raw.attrs.clear()  # copied by every step that makes a frame from it
    raw.columns = [normalise_header(c) for c in raw.columns]
    positions = {name: i for i, name in reversed(list(enumerate(raw.columns)))}
    loaded.letters = {name: column_letter(i) for name, i in positions.items()}
    missing = [c for c in expected if c not in positions]
    extra = [c for c in raw.columns if c not in expected]
    if missing:
        # A header without the expected names may be a data row: its cells are not quoted back.
        unnamed = [column_letter(i) for i, name in enumerate(raw.columns)
                   if re.fullmatch(r"unnamed_\d+", name)]
        named = [c for c in extra if not re.fullmatch(r"unnamed_\d+", c)]
        hint = ""
        if len(sheets) > 1:
            hint = f" None of the workbook's {len(sheets)} sheets has them all."
        elif len(raw.columns) == 1:
            hint = " The header is one column: is the file separated by another character?"
        elif unnamed and not named:
            hint = (f" Row {HEADER_ROW} has no name in column {', '.join(unnamed)}: are "
                    "cells of the header merged or blank?")
        elif extra:
            hint = (f" Row {HEADER_ROW} has {len(extra)} other column"
                    f"{'s' if len(extra) > 1 else ''}: is the header row missing or renamed?")
        loaded.checks.append(_file_check(
            source, "FILE-COLUMNS", False,
            f"{label} has no column {', '.join(missing)} (header row {HEADER_ROW}).{hint}",
            location=f"{place}, row {HEADER_ROW}"))
        return loaded
    if too_long := _too_long(raw, expected, loaded.letters):
        loaded.checks.append(_file_check(
            source, "FILE-UNREADABLE", False, f"{label} could not be read: {too_long[0]}.",
            location=f"{place}, {too_long[1]}"))
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
        del raw[column.name]  # each column's text freed once typed, not kept to the end
        text = text.str.strip().replace("", None)
        letter = loaded.letters[column.name]
        state = places = timed = None
        if column.states:
            text, state = read_states(text, column)
        if unshown is not None and column.type in FIGURES:
            cells = unshown.get(positions[column.name], {})
            text = text.mask(text.index.isin(list(cells)), None)  # missing, not a bad value
            loaded.checks.append(_unshown_check(source, place, column, letter, cells))
        if column.type == "date":
            parsed, timed = _parse_date_column(text)
        else:
            parsed, places = _parse(text, column)
        frame[column.name] = parsed
        if state is not None:
            frame[state_column(column.name)] = state
        if places is not None and column.type != "integer":
            frame[places_column(column.name)] = places
        if column.type == "text":
            continue
        bad = parsed.isna() & text.notna()
        count = int(bad.sum())
        rows = [spreadsheet_row(i) for i in bad[bad].index[:10]]
        sample = REDACTED if column.personal else ", ".join(
            shortened(v) for v in text[bad].head(5).astype(str))
        loaded.checks.append(Check(
            suite=source.suite, code="FILE-TYPE", expectation_type="value type",
            severity=source.unreadable, success=count == 0, column=column.name,
            message=f"Every {column.name} is {_TYPE_WORDS[column.type]}.",
            unexpected_count=count, sample=sample if count else "",
            location=f"{place}, column {letter} ({column.name}), {describe_rows(rows, count)}"
            if count else ""))
        if timed is not None:
            loaded.checks.append(_times_in_dates(source, place, column, letter, text, timed,
                                                 loaded.notes))
    loaded.frame = frame
    return loaded


def _unshown_check(source: Source, place: str, column: Column, letter: str,
                   cells: dict[int, Unshown]) -> Check:
    """A workbook's figures that cannot be read as their cells show them, by why: a number
    format this reader does not render, or a date or time format."""
    by_why: dict[Unshown, list[int]] = {}
    for index, why in sorted(cells.items()):
        by_why.setdefault(why, []).append(int(spreadsheet_row(index)))
    reasons = []
    for why, rows in by_why.items():
        many = len(rows) > 1
        if why.number_format:
            told = f"{'have' if many else 'has'} the format '{shortened(why.number_format)}' " \
                f"({why.what})"
        else:
            held = f"hold {why.what}s (their cells have" if many else \
                f"holds a {why.what} (its cell has"
            told = f"{held} a {why.what} format), not {_TYPE_WORDS[column.type]}"
        reasons.append(f"{describe_rows(rows, len(rows))} {told}")
    rows = sorted(int(spreadsheet_row(i)) for i in cells)
    message = f"Every {column.name} is shown by a number format this reader understands"
    return Check(
        suite=source.suite, code="FILE-FORMAT", expectation_type="value type",
        severity=source.unreadable, success=not cells, column=column.name,
        message=f"{message}: {'; '.join(reasons)}." if cells else f"{message}.",
        unexpected_count=len(cells),
        location=f"{place}, column {letter} ({column.name}), "
                 f"{describe_rows(rows[:10], len(rows))}" if cells else "")


def _times_in_dates(source: Source, place: str, column: Column, letter: str, text: pd.Series,
                    timed: pd.Series, notes: list[str]) -> Check:
    """Dates written with a time: at 00:00, as a spreadsheet exports a date, a note; at any
    other time a query, for the date may not be the one meant."""
    where = f"column {letter} ({column.name})"
    midnight = timed.notna() & timed.eq(timed.dt.normalize())
    if n := int(midnight.sum()):
        notes.append(f"{n} {'dates' if n > 1 else 'date'} in {where} carried a time of 00:00, "
                     f"as spreadsheets export dates: read as {'dates' if n > 1 else 'a date'}")
    other = timed.notna() & ~midnight
    count = int(other.sum())
    rows = [spreadsheet_row(i) for i in other[other].index[:10]]
    values = [] if column.personal else text[other].astype(str).tolist()
    sample = REDACTED if column.personal else ", ".join(map(shortened, values[:5]))
    # An explanation of the query follows the values, not their rows (a personal value
    # is left out: its hash would let it be guessed).
    key = json.dumps([column.name, count, values])
    return Check(
        suite=source.suite, code="FILE-DATE-TIME", expectation_type="value type",
        severity="query", success=count == 0, column=column.name,
        message=f"Every {column.name} is a date without a time of day: one written with a "
                "time other than 00:00 is read as its date. Check it is the date meant.",
        unexpected_count=count, sample=sample if count else "",
        location=f"{place}, {where}, {describe_rows(rows, count)}" if count else "",
        rows_key=hashlib.sha256(key.encode()).hexdigest() if count else "")
