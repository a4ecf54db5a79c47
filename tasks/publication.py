"""A release's published files: a workbook as the Analysis Function's guidance for releasing
statistics in spreadsheets asks, and CSV files described by CSV on the Web metadata.

The workbook is made by ONS's gptables: a cover sheet (title, authority, period, version,
source, contact and any notice), a table of contents, a notes sheet, and each table on a
sheet of its own, marked up as an Excel table. Figures are numbers there and in the CSV
files; symbols stand where a figure is not given, and are explained wherever they are used.
The same inputs give the same bytes.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import gptables as gpt
import pandas as pd

from tasks.render_tables import sheet_name, spreadsheet_text
from tasks.typed_tables import SYMBOL_WORDS, SYMBOLS, FigureColumn, TypedTable

QUIET = ((pd.errors.Pandas4Warning, ""),
         (UserWarning, r"\s*Empty or null cell found"),
         (UserWarning, r"The following notes are not referenced"))
"""Warnings gptables raises that say nothing to our readers: pandas' notices of changes to
come, from gptables' own use of pandas; its reminder to explain blank cells, which each
table's instructions do; and that the lone note of a workbook without notes (NO_NOTES)
refers to nothing. Ignored where gptables raises them, for the process (a filter set only
around a call is undone by another thread's ending its own) and around each call (where a
caller's filters, a test's, come first)."""


def _quiet() -> None:
    for category, message in QUIET:
        warnings.filterwarnings("ignore", message, category, r"gptables\.")


_quiet()

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
DATATYPES = {"text": "string", "count": "integer", "number": "decimal", "percent": "decimal"}
"""The CSVW datatype of each kind of column."""
NO_NOTES = "No notes apply to these tables."
NO_ROWS = "No rows for this period."
"""The one row of a table without any: gptables writes no empty table."""
"""The Notes sheet's one note when no table has any: gptables writes no empty table."""


@dataclass(frozen=True)
class Release:
    title: str
    """e.g. "PSPO breach counts"."""
    authority: str
    period: str
    """e.g. "12 months to October 2026"."""
    source: str
    """Where the figures come from."""
    contact: str
    """Who to ask (a team); may be ""."""
    version: str
    """e.g. "2, replacing version 1"."""
    notices: tuple[str, ...] = ()
    """Shown first on the cover, e.g. that the figures are provisional."""


@dataclass(frozen=True)
class Sheet:
    name: str
    """The sheet's name; made one Excel accepts, as `render_tables.sheet_name` does."""
    title: str
    table: TypedTable
    notes: tuple[str, ...]
    """This table's notes (what it shows, its disclosure policy): on the Notes sheet,
    referred to from the table's sheet."""


def number_format(column: FigureColumn) -> str | None:
    """The Excel number format showing a figure column's precision; None for text. A
    percent column's cells hold fractions (0.102) that the format shows as 10.2%."""
    decimals = "." + "0" * column.places if column.places else ""
    if column.kind == "percent":
        return f"0{decimals}%"
    return None if column.kind == "text" else f"#,##0{decimals}"


def write_workbook(release: Release, sheets: list[Sheet], path: Path, when: datetime) -> None:
    """The release's workbook: cover, contents, notes, then one table per sheet.

    Figures are number cells in their column's `number_format`, symbols and text are text
    cells, text made safe by `spreadsheet_text`. A table's notes and the symbols it uses are
    notes referred to from its sheet ("[note 1]"); a symbol no table uses is not mentioned.
    `when` is the workbook's creation time, so that the same inputs give the same bytes."""
    notes: dict[str, str] = {}
    tables = {}
    for number, sheet in enumerate(sheets, start=1):
        refs = [f"table{number}note{k}" for k in range(1, len(sheet.notes) + 1)]
        notes.update(zip(refs, sheet.notes, strict=True))
        tables[sheet_name(sheet.name)] = _gptable(number, sheet, release, refs)
    for symbol in SYMBOLS.values():
        if any(symbol in sheet.table.symbols for sheet in sheets):
            notes[_symbol_ref(symbol)] = f"{symbol} means {SYMBOL_WORDS[symbol]}."
    if not notes:
        notes["none"] = NO_NOTES
    notes_table = pd.DataFrame({"Reference": list(notes),
                                "Note text": [spreadsheet_text(text) for text in notes.values()]})
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        _quiet()
        wb = gpt.produce_workbook(
            buffer, tables, cover=_cover(release, sheets), notes_table=notes_table,
            workbook_options={"in_memory": True, "strings_to_formulas": False,
                              "strings_to_urls": False})
    wb.set_properties({"title": spreadsheet_text(release.title),
                       "author": spreadsheet_text(release.authority), "created": when})
    wb.close()
    path.write_bytes(buffer.getvalue())


def _cover(release: Release, sheets: list[Sheet]) -> gpt.Cover:
    used = [s for s in SYMBOLS.values() if any(s in sheet.table.symbols for sheet in sheets)]
    intro = [*release.notices, f"Authority: {release.authority}",
             f"Period: {release.period}", f"Version: {release.version}"]
    about = [f"Source: {release.source}",
             "This workbook has a table of contents, a notes worksheet and one table on each "
             "of the other worksheets."]
    if used:
        about.append(f"Some cells hold a symbol instead of a figure ({', '.join(used)}): each "
                     "table's legend and the notes worksheet say what it means.")
    return gpt.Cover(title=spreadsheet_text(release.title),
                     intro=[spreadsheet_text(line) for line in intro],
                     about=[spreadsheet_text(line) for line in about],
                     contact=[spreadsheet_text(release.contact)] if release.contact else None)


def _gptable(number: int, sheet: Sheet, release: Release, refs: list[str]) -> gpt.GPTable:
    """The sheet's table for gptables: figures as numbers (percentages as fractions), their
    number formats, the index columns as row headings, notes and symbols referred to."""
    table = sheet.table
    frame = pd.DataFrame({spreadsheet_text(column.name): list(_workbook_cells(values, column))
                          for (_, values), column in zip(table.frame.items(), table.columns,
                                                         strict=True)}, dtype=object)
    if frame.empty:
        frame = pd.DataFrame([[NO_ROWS] + [None] * (frame.shape[1] - 1)],
                             columns=frame.columns, dtype=object)
    formats: dict[str, list[int]] = {}
    for j, column in enumerate(table.columns):
        if (found := number_format(column)) is not None:
            formats.setdefault(found, []).append(j)
    index = [j for j, name in enumerate(table.frame.columns) if name in table.index][:3]
    first = 2 if len(index) == 1 else 1  # gptables' own default for a single index column
    instructions = "This worksheet contains one table."
    if refs or table.symbols:
        instructions += " The notes it refers to, such as [note 1], are on the Notes worksheet."
    if frame.isna().to_numpy().any():
        instructions += " Blank cells hold no figure."
    slug = re.sub(r"[^0-9a-z]+", "_", sheet.name.lower()).strip("_")
    return gpt.GPTable(
        table=frame, table_name=f"table_{number}_{slug}".rstrip("_"),
        title=spreadsheet_text(sheet.title),
        subtitles=[spreadsheet_text(f"{release.authority}, {release.period}"),
                   *([f"This table has notes: {''.join(f'$${r}$$' for r in refs)}"]
                     if refs else [])],
        instructions=instructions,
        legend=[f"{s} = {SYMBOL_WORDS[s]} $${_symbol_ref(s)}$$" for s in table.symbols],
        index_columns={level: j for level, j in enumerate(index, start=first)},
        additional_formatting=[
            {"column": {"columns": columns, "format": {"num_format": found},
                        "include_names": False}} for found, columns in formats.items()])


def _workbook_cells(values: pd.Series, column: FigureColumn) -> Iterator[object]:
    """A column's cells for the workbook: a percentage as the fraction a percent cell holds
    (10.2 as 0.102), text made safe, numbers and missing values as they are."""
    for value in values:
        if isinstance(value, str):
            yield spreadsheet_text(value)
        elif column.kind == "percent" and value is not None:
            yield round(value / 100, column.places + 2)
        else:
            yield value


def _symbol_ref(symbol: str) -> str:
    return "symbol_" + symbol.strip("[]")


def csv_heading(column: FigureColumn) -> str:
    """A column's heading in the CSV file: a percent column's says "%" (its figures are
    written 10.2 for 10.2%), adding " (%)" where it does not already."""
    heading = spreadsheet_text(column.name)
    return f"{heading} (%)" if column.kind == "percent" and "%" not in heading else heading


def csv_value(value: object, column: FigureColumn) -> object:
    """A cell as the CSV file writes it: a count as a whole number ("12"), another figure
    with the column's decimal places ("117.50", "10.0" for 10% in a column showing 10.2%),
    symbols as they are, text made safe, a missing value blank."""
    if isinstance(value, str):
        return spreadsheet_text(value)
    if column.kind == "text" or value is None:
        return value
    return str(value) if column.kind == "count" else f"{value:.{column.places}f}"


def write_csv(table: TypedTable, path: Path) -> None:
    """The table as CSV: UTF-8, lines ending "\\n", no index, figures as plain numbers (no
    thousands separator, no "%", no currency sign), described by `write_csv_metadata`."""
    frame = pd.DataFrame({csv_heading(column): [csv_value(v, column) for v in values]
                          for (_, values), column in zip(table.frame.items(), table.columns,
                                                         strict=True)}, dtype=object)
    path.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def write_csv_metadata(table: TypedTable, csv_path: Path, title: str,
                       notes: tuple[str, ...]) -> Path:
    """CSV on the Web metadata for the CSV file `write_csv` wrote at `csv_path`: beside it,
    named `<file name>-metadata.json` as the CSVW specification looks for it. It names each
    column, its datatype, what its figures are and the symbols it may hold (read as
    missing values); the table's description holds its notes and the symbols' meanings."""
    names: list[str] = []
    columns = []
    for column in table.columns:
        names.append(_column_name(column.name, names))
        columns.append({"name": names[-1], "titles": csv_heading(column),
                        "datatype": DATATYPES[column.kind], "null": [*column.symbols, ""],
                        "dc:description": _column_description(column)})
    document = {
        "@context": CSVW_CONTEXT, "url": csv_path.name, "dc:title": title,
        "dc:description": [*notes, *(f"{s} means {SYMBOL_WORDS[s]}." for s in table.symbols)],
        "tableSchema": {"columns": columns},
    }
    path = csv_path.with_name(f"{csv_path.name}-metadata.json")
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def _column_name(heading: str, taken: list[str]) -> str:
    """A CSVW column name for a heading: lower-case letters, digits and underscores,
    starting with a letter, unlike the names already `taken`."""
    name = re.sub(r"[^0-9a-z]+", "_", heading.lower().replace("%", " percent ")).strip("_")
    name = name if name[:1].isalpha() else f"column_{name}".rstrip("_")
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name}_{n}"
    return unique


def _column_description(column: FigureColumn) -> str:
    places = f"{column.places} decimal place{'s' if column.places != 1 else ''}"
    described = {"text": "Text.", "count": "A count: a whole number.",
                 "number": f"A number, shown to {places}.",
                 "percent": f"A percentage, shown to {places}: 10.2 is 10.2%."}[column.kind]
    symbols = "; ".join(f"{s} means {SYMBOL_WORDS[s]}" for s in column.symbols)
    return f"{described} {symbols}." if symbols else described
