"""Tables as files: CSV and XLSX of the published tables, JSON of every table.

Byte for byte the same for the same tables: fixed document times, fixed zip entry
times, rows in the order the return gave them.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from tasks.suppression import SUPPRESSED

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SUPPRESSION_NOTE = (f"{SUPPRESSED} marks a count withheld to protect people: non-zero counts "
                    "under the threshold, and other cells that would let one be worked out.")


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return value


def write_csv(table: pd.DataFrame, path: Path) -> None:
    path.write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def write_json(document: dict, path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=_cell) + "\n",
                    encoding="utf-8")


def table_document(table: pd.DataFrame) -> dict:
    return {"columns": [str(c) for c in table.columns],
            "rows": [[_cell(v) for v in row] for row in table.itertuples(index=False)]}


def write_xlsx(sheets: list[tuple[str, str, pd.DataFrame]], path: Path, when: datetime,
               notes: list[str]) -> None:
    """One sheet per (sheet name, title, table), then a Notes sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet_name, title, table in sheets:
        ws = wb.create_sheet(sheet_name[:31])
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([])
        ws.append([str(c) for c in table.columns])
        for cell in ws[3]:
            cell.font = bold
        for row in table.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for i, column in enumerate(table.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in table[column]]) + 2
            ws.column_dimensions[ws.cell(row=3, column=i).column_letter].width = min(width, 60)
        ws.freeze_panes = "A4"
    ws = wb.create_sheet("Notes")
    for line in notes:
        ws.append([line])
    ws.column_dimensions["A"].width = 110
    wb.properties.creator = "statreturns"
    wb.properties.created = wb.properties.modified = when
    buffer = io.BytesIO()
    # Workbook.save() stamps the wall-clock time as "modified"; the writer itself does not.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    path.write_bytes(_fixed_zip(buffer.getvalue()))


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
