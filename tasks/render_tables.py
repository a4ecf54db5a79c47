"""Tables as files, and what keeps spreadsheet files safe and the same every time.

The JSON record of every table (`table_document`, `write_json`): every value as it is, for
programs. What the published CSV files and workbooks (`tasks.publication`) use: text a
spreadsheet would take for a formula neutralised (`spreadsheet_text`), sheet names Excel
accepts (`sheet_name`); numbers stay numbers. And `workbook_bytes`, an openpyxl workbook's
file byte for byte the same for the same content: a fixed document time, fixed zip entry
times.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.writer.excel import ExcelWriter

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


def write_json(document: dict, path: Path) -> None:
    """The document as JSON, every value as it is: JSON is read by programs, not opened
    in a spreadsheet, so text is not neutralised here (the CSV and XLSX files are)."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=_cell) + "\n",
                    encoding="utf-8")


def table_document(table: pd.DataFrame) -> dict:
    """The table for the JSON output: true values, text not neutralised."""
    return {"columns": [str(c) for c in table.columns],
            "rows": [[_cell(v) for v in row] for row in table.itertuples(index=False)]}


def workbook_bytes(wb: Workbook, when: datetime) -> bytes:
    """A workbook's file, the same bytes for the same content: made `when`, its zip entries
    at a fixed time."""
    wb.properties.creator = "statreturns"
    wb.properties.created = wb.properties.modified = when
    buffer = io.BytesIO()
    # Workbook.save() stamps the wall-clock time as "modified"; the writer itself does not.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip(buffer.getvalue())


def sheet_name(name: str) -> str:
    """A sheet name Excel accepts and no spreadsheet could take for a formula: forbidden
    characters become SHEET_MARK, as does a closing apostrophe, and a name starting with a
    formula character or an apostrophe gets SHEET_MARK before it (not TEXT_MARK: a sheet
    name may not start with an apostrophe). At most 31 characters."""
    name = SHEET_NAME_FORBIDDEN.sub(SHEET_MARK, name)
    if name.startswith((*FORMULA_STARTS, "'")):
        name = SHEET_MARK + name
    name = name[:31]
    return name[:-1] + SHEET_MARK if name.endswith("'") else name


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
