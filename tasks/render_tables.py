"""Tables as files: CSV and XLSX of the published tables, JSON of every table.

Byte for byte the same for the same tables: fixed document times, fixed zip entry
times, rows in the order the return gave them.

Text a spreadsheet would take for a formula is neutralised in the CSV and XLSX files (see
`spreadsheet_text`); numbers stay numbers, and the JSON keeps every value as it is.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from tasks.suppression import SUPPRESSED

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
"""First characters that make a spreadsheet read a text cell as a formula: OWASP's list for
CSV injection (= + - @ tab, carriage return) and the null character ASVS adds."""
TEXT_MARK = "'"
"""Put before such text: a spreadsheet never reads text starting with it as a formula.
Opening a CSV file, it shows the mark, which tells the reader the text was marked; typing
it or editing such a cell, it keeps the mark out of sight."""
SHEET_MARK = "_"
"""Put before a sheet name that would start with a formula character or an apostrophe:
a sheet name may neither start nor end with an apostrophe."""
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
"""Characters a sheet name may not hold; each becomes SHEET_MARK."""
SUPPRESSION_NOTE = (f"{SUPPRESSED} marks a count withheld to protect people: non-zero counts "
                    "under the threshold, and other cells that would let one be worked out.")


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return value


def spreadsheet_text(value: object) -> object:
    """A value as a spreadsheet cell may safely hold it: text starting with a formula
    character gets TEXT_MARK before it (OWASP's remedy for CSV injection), so "=1+2" is
    written "'=1+2" and "-5" from a label "'-5". Anything but text is returned as it is: a
    number, negative ones too, stays a number, and a missing value stays missing."""
    if not isinstance(value, str):
        return value
    # A lone carriage return would end a line in a CSV file without being quoted (the
    # writer quotes the line ends it writes, line feeds): written as a line feed instead.
    # Control characters a workbook cannot hold (it would not be written) are left out.
    text = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return TEXT_MARK + text if value.startswith(FORMULA_STARTS) or \
        text.startswith(FORMULA_STARTS) else text


def spreadsheet_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its text headers and text cells as `spreadsheet_text` gives them."""
    return _change_text(table, spreadsheet_text)


def _change_text(table: pd.DataFrame, change: Callable[[str], object]) -> pd.DataFrame:
    """The table with `change` made to its text headers and text cells: the table itself
    when that changes nothing, and columns it does not change left as they are."""
    def changed(value: object) -> bool:
        return isinstance(value, str) and change(value) != value

    def new(value: object) -> object:
        return change(value) if isinstance(value, str) else value

    columns = [j for j in range(table.shape[1]) if any(map(changed, table.iloc[:, j]))]
    headers = any(map(changed, table.columns))
    if not columns and not headers:
        return table
    out = table.copy()
    for j in columns:
        out.isetitem(j, pd.Series([new(v) for v in table.iloc[:, j]], index=table.index,
                                  dtype=object))
    if headers:
        out.columns = [new(c) for c in table.columns]
    return out


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """The table as CSV, its text made safe for a spreadsheet (`spreadsheet_table`)."""
    path.write_text(spreadsheet_table(table).to_csv(index=False, lineterminator="\n"),
                    encoding="utf-8")


def write_json(document: dict, path: Path) -> None:
    """The document as JSON, every value as it is: JSON is read by programs, not opened
    in a spreadsheet, so text is not neutralised here (the CSV and XLSX files are)."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=_cell) + "\n",
                    encoding="utf-8")


def table_document(table: pd.DataFrame) -> dict:
    """The table for the JSON output: true values, text not neutralised."""
    return {"columns": [str(c) for c in table.columns],
            "rows": [[_cell(v) for v in row] for row in table.itertuples(index=False)]}


def write_xlsx(sheets: list[tuple[str, str, pd.DataFrame]], path: Path, when: datetime,
               notes: list[str]) -> None:
    """One sheet per (sheet name, title, table), then a Notes sheet.

    Every piece of text (sheet names, titles, headers, cells, notes) is made safe for a
    spreadsheet (`spreadsheet_text`, `_sheet_name`) and stored as text, never as a formula.
    """
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet_name, title, table in sheets:
        ws = wb.create_sheet(_sheet_name(sheet_name))
        _append(ws, [spreadsheet_text(title)])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([])
        header = [spreadsheet_text(str(c)) for c in table.columns]
        _append(ws, header)
        for cell in ws[3]:
            cell.font = bold
        for row in table.itertuples(index=False):
            _append(ws, [spreadsheet_text(_cell(v)) for v in row])
        for i, name in enumerate(header, start=1):
            width = max([len(name)] + [len(str(spreadsheet_text(v)))
                                       for v in table.iloc[:, i - 1]]) + 2
            ws.column_dimensions[ws.cell(row=3, column=i).column_letter].width = min(width, 60)
        ws.freeze_panes = "A4"
    ws = wb.create_sheet("Notes")
    for line in notes:
        _append(ws, [spreadsheet_text(line)])
    ws.column_dimensions["A"].width = 110
    path.write_bytes(workbook_bytes(wb, when))


def workbook_bytes(wb: Workbook, when: datetime) -> bytes:
    """A workbook's file, the same bytes for the same content: made `when`, its zip entries
    at a fixed time."""
    wb.properties.creator = "statreturns"
    wb.properties.created = wb.properties.modified = when
    buffer = io.BytesIO()
    # Workbook.save() stamps the wall-clock time as "modified"; the writer itself does not.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip(buffer.getvalue())


def _sheet_name(name: str) -> str:
    """A sheet name Excel accepts and no spreadsheet could take for a formula: forbidden
    characters become SHEET_MARK, as does a closing apostrophe, and a name starting with a
    formula character or an apostrophe gets SHEET_MARK before it (not TEXT_MARK: a sheet
    name may not start with an apostrophe). At most 31 characters."""
    name = SHEET_NAME_FORBIDDEN.sub(SHEET_MARK, name)
    if name.startswith((*FORMULA_STARTS, "'")):
        name = SHEET_MARK + name
    name = name[:31]
    return name[:-1] + SHEET_MARK if name.endswith("'") else name


def _append(ws: Worksheet, values: list) -> None:
    """A row at the foot of the sheet, its text stored as text: openpyxl would otherwise
    store a string starting with "=" as a formula and one such as "#N/A" as an error."""
    ws.append(values)
    row = ws.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            ws.cell(row=row, column=column).data_type = "s"


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry's time fixed, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
