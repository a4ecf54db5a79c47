"""Deterministic demo data, one module per return, named as the return's flow module.

A module's `generate` gives each source's rows as a frame, written as CSV; the sources it
names in `WORKBOOKS` (with the sheet's name) are written as an analyst's workbook instead
(`as_workbook`)."""

from __future__ import annotations

import numbers
import re
from datetime import datetime
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook

from tasks.render_tables import workbook_bytes

MADE = datetime(2026, 1, 1)
"""When every demo workbook says it was made: the same bytes each time."""
PERCENT = re.compile(r"^(-?\d+)(?:\.(\d+))?%$")
DECIMAL = re.compile(r"^-?[\d,]*\.(\d+)$")


def _cell(value: object) -> tuple[object, str]:
    """A value as a spreadsheet holds it, and the number format that shows it as written:
    a percentage as a percent cell (-4.3% is -0.043 shown `0.0%`), a whole number with
    thousands separated and negatives in brackets, a decimal at its places; text as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None, "General"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value), "#,##0;(#,##0)"
    text = str(value)
    if found := PERCENT.match(text):
        places = len(found.group(2) or "")
        shown = "0" + ("." + "0" * places if places else "") + "%"
        return float(Decimal(text[:-1]) / 100), shown
    if found := DECIMAL.match(text):
        return float(text.replace(",", "")), "#,##0." + "0" * len(found.group(1))
    return text, "General"


def as_workbook(frame: pd.DataFrame, sheet: str) -> bytes:
    """A frame of figures as printed, as an analyst's workbook keeps them (see `_cell`)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        cells = [_cell(v) for v in row]
        ws.append([value for value, _ in cells])
        for cell, (_, shown) in zip(ws[ws.max_row], cells, strict=True):
            cell.number_format = shown
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "#N/A" or "=..." stays text
    return workbook_bytes(book, MADE)
