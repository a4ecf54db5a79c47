"""Bad inputs made at test time, each from the good file of the source it stands in for.

A maker is named in `cases.toml` (``make = "NAME"``, with its settings in ``[case.with]``)
and called as ``MAKERS[NAME](good, out, **settings)``: `good` is the demo CSV the case
replaces, `out` the path to write. Large and binary inputs exist only as made here, in a
temporary folder: nothing large is kept in the repository. Rows are spreadsheet rows
(the header is row 1) and columns are named by the source's column names.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import (
    coordinate_to_tuple,
    get_column_letter,
)

Rows = list[list[str]]


# --- a good file, as text ------------------------------------------------------------------

def table(good: Path) -> tuple[list[str], Rows]:
    """The header and the rows of a good CSV."""
    with good.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def csv_text(header: list[str], rows: Rows, sep: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def with_cells(header: list[str], rows: Rows, cells: list[dict]) -> Rows:
    """The rows with some cells changed: ``{row, column, value}`` (a spreadsheet row, a
    column name; with ``times``, the value that many times over), or ``{row, copy}``: the
    row holds a copy of row `copy`."""
    rows = [list(r) for r in rows]
    for cell in cells:
        if "copy" in cell:
            rows[cell["row"] - 2] = list(rows[cell["copy"] - 2])
        else:
            value = cell["value"] * cell.get("times", 1)
            rows[cell["row"] - 2][header.index(cell["column"])] = value
    return rows


# --- text files ----------------------------------------------------------------------------

def cells(good: Path, out: Path, cells: list[dict], encoding: str = "utf-8") -> None:
    """The good file with some cells changed (wrong types, far dates, formulas, copies)."""
    header, rows = table(good)
    out.write_text(csv_text(header, with_cells(header, rows, cells)), encoding=encoding,
                   newline="")


def encoded(good: Path, out: Path, encoding: str, sep: str = ",", bom: bool = False,
            cells: list[dict] = ()) -> None:
    """The good file in another encoding or with another separator (e.g. Excel's "Unicode
    text": UTF-16 with tabs), with some cells changed (to have letters outside ASCII)."""
    header, rows = table(good)
    data = csv_text(header, with_cells(header, rows, list(cells)), sep=sep).encode(encoding)
    out.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def mixed_line_ends(good: Path, out: Path) -> None:
    """A UTF-8 byte-order mark, then lines ending CRLF and LF by turns, as a file edited on
    two systems has them."""
    lines = good.read_text(encoding="utf-8").splitlines()
    text = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines))
    out.write_bytes(b"\xef\xbb\xbf" + text.encode())


def renamed(good: Path, out: Path, header: dict[str, str]) -> None:
    """The good file with columns renamed as a spreadsheet leaves them."""
    names, rows = table(good)
    out.write_text(csv_text([header.get(n, n) for n in names], rows), encoding="utf-8")


def numbered_header(good: Path, out: Path) -> None:
    """The header row replaced by Column1, Column2, ... as a spreadsheet's table or query
    export names columns it was not given names for."""
    names, rows = table(good)
    out.write_text(csv_text([f"Column{i + 1}" for i in range(len(names))], rows),
                   encoding="utf-8")


def trailing_separator(good: Path, out: Path) -> None:
    """Every data row ends with a separator: one more cell than the header, all empty."""
    lines = good.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n",
                   encoding="utf-8")


def cut(good: Path, out: Path, row: int, keep: int) -> None:
    """The file cut short: it ends after the first `keep` characters of `row`."""
    lines = good.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:row - 1]) + lines[row - 1][:keep], encoding="utf-8")


def bad_byte(good: Path, out: Path, row: int, byte: str) -> None:
    """A byte that is no character of UTF-8 or Windows-1252 put before `row`'s last cell."""
    lines = good.read_bytes().splitlines(keepends=True)
    line = lines[row - 1]
    at = line.rindex(b",") + 1
    lines[row - 1] = line[:at] + bytes.fromhex(byte) + line[at:]
    out.write_bytes(b"".join(lines))


def blank_rows(good: Path, out: Path, count: int) -> None:
    """The good file followed by `count` rows with nothing in them, as a spreadsheet
    exports a sheet formatted far below its data."""
    header, _ = table(good)
    empty = "," * (len(header) - 1) + "\n"
    with good.open("rb") as f, out.open("wb") as w:
        w.write(f.read())
        block = (empty * 10_000).encode()
        for _ in range(count // 10_000):
            w.write(block)
        w.write((empty * (count % 10_000)).encode())


def big_cell(good: Path, out: Path, row: int, column: str, megabytes: int) -> None:
    """One cell of `megabytes` MB, without quotation marks or line breaks."""
    header, rows = table(good)
    rows = with_cells(header, rows, [{"row": row, "column": column, "value": "\0"}])
    before, after = csv_text(header, rows).split("\0")
    with out.open("w", encoding="utf-8", newline="") as w:
        w.write(before)
        w.write("9" * (megabytes << 20))
        w.write(after)


def junk(good: Path, out: Path, size: int, seed: int) -> None:
    """Random bytes."""
    out.write_bytes(random.Random(seed).randbytes(size))


def copy(good: Path, out: Path) -> None:
    """The good file as it is, under another name (e.g. a CSV named .xlsx)."""
    out.write_bytes(good.read_bytes())


def ole2(good: Path, out: Path) -> None:
    """The start of an OLE2 compound file, as a password-protected workbook (or an Excel
    97-2003 one) is: its signature, then a header naming an EncryptionInfo stream."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    name = "EncryptionInfo".encode("utf-16-le")
    out.write_bytes(header.ljust(512, b"\0") + name.ljust(4096, b"\0"))


def excel_owner_file(good: Path, out: Path) -> None:
    """What Excel leaves beside a workbook it has open: ``~$<name>``, 165 bytes, the
    user's name in it, no spreadsheet."""
    user = b"\x0cA.N. Officer"
    out.write_bytes(user.ljust(54, b" ") + b"\0" * 111)


# --- workbooks -----------------------------------------------------------------------------

def _cell(ref: str, value) -> str:
    if isinstance(value, dict):  # a formula, with the value Excel saved for it
        saved = value.get("saved")
        if saved is None:
            return f"<c r=\"{ref}\"><f>{escape(value['formula'])}</f></c>"
        if isinstance(saved, str):
            return (f"<c r=\"{ref}\" t=\"str\"><f>{escape(value['formula'])}</f>"
                    f"<v>{escape(saved)}</v></c>")
        return f"<c r=\"{ref}\"><f>{escape(value['formula'])}</f><v>{saved}</v></c>"
    if isinstance(value, bool):
        return f"<c r=\"{ref}\" t=\"b\"><v>{int(value)}</v></c>"
    if isinstance(value, int | float):
        return f"<c r=\"{ref}\"><v>{value}</v></c>"
    if isinstance(value, str) and value.startswith("#") and value.endswith(("!", "A")):
        return f"<c r=\"{ref}\" t=\"e\"><v>{escape(value)}</v></c>"  # #DIV/0!, #N/A
    return f"<c r=\"{ref}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" \
           f"{escape(str(value))}</t></is></c>"


def sheet_xml(rows: dict[int, list], merged: list[str] = (), dimension: str | None = None,
              doctype: str = "") -> str:
    """A worksheet of these rows, by spreadsheet row number."""
    body = "".join(
        f"<row r=\"{r}\">" + "".join(_cell(f"{get_column_letter(c + 1)}{r}", v)
                                    for c, v in enumerate(values) if v not in ("", None))
        + "</row>" for r, values in sorted(rows.items()))
    merges = (f"<mergeCells count=\"{len(merged)}\">" + "".join(
        f"<mergeCell ref=\"{m}\"/>" for m in merged) + "</mergeCells>") if merged else ""
    size = f"<dimension ref=\"{dimension}\"/>" if dimension else ""
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>{doctype}"
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            f"{size}<sheetData>{body}</sheetData>{merges}</worksheet>")


def _package(titles: list[str]) -> dict[str, str]:
    """Every part of a workbook but its sheets."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_type = f"{rel}/worksheet"
    overrides = "".join(
        f"<Override PartName=\"/xl/worksheets/sheet{i + 1}.xml\" ContentType=\"application/"
        "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        for i in range(len(titles)))
    return {
        "[Content_Types].xml":
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas."
            "openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" "
            "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            "<Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName="
            "\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-"
            f"officedocument.spreadsheetml.sheet.main+xml\"/>{overrides}</Types>",
        "_rels/.rels":
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas."
            "openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
            f"Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
        "xl/workbook.xml":
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{main}\" "
            f"xmlns:r=\"{rel}\"><sheets>" + "".join(
                f"<sheet name=\"{escape(t)}\" sheetId=\"{i + 1}\" r:id=\"rId{i + 1}\"/>"
                for i, t in enumerate(titles)) + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels":
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas."
            "openxmlformats.org/package/2006/relationships\">" + "".join(
                f"<Relationship Id=\"rId{i + 1}\" Type=\"{sheet_type}\" "
                f"Target=\"worksheets/sheet{i + 1}.xml\"/>" for i in range(len(titles)))
            + "</Relationships>",
    }


def write_workbook(out: Path, sheets: dict[str, str]) -> None:
    """A workbook of these sheets' XML, in order."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _package(list(sheets)).items():
            z.writestr(name, text)
        for i, text in enumerate(sheets.values()):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", text)


def _typed(value: str):
    """A cell as a spreadsheet keeps it: a number where the text is one."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value else number


def _rows(good: Path, cells: list[dict] = ()) -> dict[int, list]:
    """The good file's rows by spreadsheet row, typed, with some cells changed: a value is
    put as it is given (text stays text, a number is a number, a dict is a formula)."""
    header, rows = table(good)
    found = {1: list(header)} | {i + 2: [_typed(v) for v in r] for i, r in enumerate(rows)}
    for cell in cells:
        if "copy" in cell:
            found[cell["row"]] = list(found[cell["copy"]])
        else:
            found[cell["row"]][header.index(cell["column"])] = cell["value"]
    return found


def workbook(good: Path, out: Path, cells: list[dict] = (), before: dict[str, list] = (),
             after: dict[str, list] = (), merged: list[str] = (), far: dict | None = None,
             dimension: str | None = None, header: list[str] | None = None) -> None:
    """The good file as a workbook: its cells typed as a spreadsheet keeps them, with some
    changed (a ``{formula, saved}`` value is a formula and the value Excel saved for it);
    `before`/`after`: other sheets (title: rows) before or after its own, "Data"; `merged`:
    ranges of merged cells (each keeps its first cell's value only, as Excel does); `far`:
    ``{row, column, value}``, one more cell far below; `dimension`: the size the sheet
    declares; `header`: another header row."""
    rows = _rows(good, list(cells))
    names = rows[1]
    if header:
        rows[1] = list(header)
    for merge in merged:
        for row, col in list(_cells_of(merge))[1:]:
            rows[row][col] = ""
    if far:
        rows[far["row"]] = [""] * names.index(far["column"]) + [far["value"]]
    sheets = {title: sheet_xml(dict(enumerate(values, 1)))
              for title, values in dict(before).items()}
    sheets["Data"] = sheet_xml(rows, list(merged), dimension)
    sheets |= {title: sheet_xml(dict(enumerate(values, 1)))
               for title, values in dict(after).items()}
    write_workbook(out, sheets)


def _cells_of(merge: str):
    """(row, 0-based column) of each cell of a range such as "E3:F5", row by row."""
    (top, left), (bottom, right) = (coordinate_to_tuple(ref) for ref in merge.split(":"))
    for row in range(top, bottom + 1):
        for col in range(left, right + 1):
            yield row, col - 1


def cut_workbook(good: Path, out: Path, keep: float) -> None:
    """The good file as a workbook, cut short after `keep` of its bytes."""
    whole = out.with_name(f".{out.name}.whole")
    workbook(good, whole)
    data = whole.read_bytes()
    whole.unlink()
    out.write_bytes(data[:int(len(data) * keep)])


def zip_bomb(good: Path, out: Path, gigabytes: float) -> None:
    """A workbook whose sheet unpacks to `gigabytes` GB: one cell of that many zeros (the
    character "0"), which a reader would hold whole. Its entry is written a megabyte at a
    time, so that it is never held in memory here."""
    start, end = sheet_xml({1: ["\0"]}).split('<t xml:space="preserve">\0</t>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in _package(["Data"]).items():
            z.writestr(name, text)
        zeros = b"0" * 1_000_000
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{start}<t xml:space="preserve">'.encode())
            for _ in range(int(gigabytes * 1000)):
                sheet.write(zeros)
            sheet.write(f"</t>{end}".encode())


def entity_bomb(good: Path, out: Path) -> None:
    """A workbook whose sheet declares nested XML entities that would expand a billion
    times ("billion laughs")."""
    doctype = "<!DOCTYPE worksheet [<!ENTITY a \"laugh\">" + "".join(
        f"<!ENTITY {chr(98 + i)} \"{('&' + chr(97 + i) + ';') * 10}\">" for i in range(9)) + "]>"
    rows = _rows(good)
    rows[2][0] = "\0"
    text = sheet_xml(rows, doctype=doctype).replace(
        "<t xml:space=\"preserve\">\0</t>", "<t xml:space=\"preserve\">&j;</t>")
    write_workbook(out, {"Data": text})


MAKERS: dict[str, Callable[..., None]] = {f.__name__: f for f in (
    cells, encoded, mixed_line_ends, renamed, numbered_header, trailing_separator, cut,
    bad_byte, blank_rows, big_cell, junk, copy, ole2, excel_owner_file, workbook,
    cut_workbook, zip_bomb, entity_bomb)}


def make(name: str, good: Path, out: Path, settings: dict) -> Path:
    """Make the input `name` from the good file, at `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    MAKERS[name](good, out, **settings)
    return out
