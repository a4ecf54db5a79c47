"""Output safety: text a spreadsheet would run as a formula is neutralised in the CSV files
and workbooks (the JSON keeps it as it is) while numbers stay numbers, and markup in text
never changes the board PDF."""

import csv
import dataclasses
import json
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import pdf_text
from openpyxl import load_workbook
from test_render import prepared  # noqa: F401  (the rendered demo return's inputs)

from statreturns.declaration import Chart, Table
from statreturns.quality import Check
from tasks.changes import Change
from tasks.publication import Release, Sheet, write_csv, write_workbook
from tasks.render import output_tables, render
from tasks.render_pdf import BoardReport, write_pdf
from tasks.render_tables import spreadsheet_text, table_document, write_json
from tasks.typed_tables import typed

LEADING = ["=1+2", "+1", "-5", "@SUM(A1)", "\tx", "\rx"]
"""Text starting with each character a spreadsheet may read as the start of a formula."""


def _hostile_table() -> pd.DataFrame:
    """Text labels starting with each formula character, a header that does too, real
    (negative) numbers, the suppression marker, a missing value and ordinary text."""
    return pd.DataFrame({
        "Label": [*LEADING, "Ladywood", "#N/A", None],
        "-Change": [1, -5, 3, 4, 5, 6, 7, 8, 9],
        "Count": pd.Series([-5, "[c]", 2.5, 1.0, 0, -2.5, 12, 3, None], dtype=object),
    })


def _hostile_typed():
    """The hostile table as the published files are written from it: labels its index."""
    return typed(_hostile_table(), ("Label",))


def test_csv_neutralises_formula_text_and_keeps_numbers(tmp_path):
    path = tmp_path / "hostile.csv"
    write_csv(_hostile_typed(), path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    # Figures, negative ones too, are written as numbers (a column's figures to its decimal
    # places), never marked; text, header included, is marked where a spreadsheet would
    # take it for a formula.
    assert rows == [
        ["Label", "'-Change", "Count"],
        ["'=1+2", "1", "-5.0"],
        ["'+1", "-5", "[c]"],
        ["'-5", "3", "2.5"],
        ["'@SUM(A1)", "4", "1.0"],
        ["'\tx", "5", "0.0"],
        ["'\nx", "6", "-2.5"],
        ["Ladywood", "7", "12.0"],
        ["#N/A", "8", "3.0"],
        ["", "9", ""],
    ]


def test_a_carriage_return_inside_text_cannot_start_a_line_of_its_own(tmp_path):
    """A lone carriage return ends a line for readers and spreadsheets: it is written as a
    line feed, which has the field quoted, so "=1+2" after it stays inside the field."""
    path = tmp_path / "return.csv"
    write_csv(typed(pd.DataFrame({"Ward": ["Aston\r=1+2", "Ladywood"], "n": [1, 2]}),
                    ("Ward",)), path)
    assert path.read_bytes() == b'Ward,n\n"Aston\n=1+2",1\nLadywood,2\n'
    with path.open(newline="") as f:
        assert list(csv.reader(f)) == [["Ward", "n"], ["Aston\n=1+2", "1"], ["Ladywood", "2"]]


def test_a_table_with_nothing_to_neutralise_is_written_as_it_is(tmp_path):
    ordinary = pd.DataFrame({"Ward": ["Aston", "Total"], "City Centre": [-3, "[c]"],
                             "Total": [1.5, 20.0]})
    assert all(spreadsheet_text(v) is v for v in [*ordinary.columns, *ordinary["Ward"]])
    path = tmp_path / "ordinary.csv"
    write_csv(typed(ordinary, ("Ward",)), path)
    assert path.read_text() == ordinary.to_csv(index=False, lineterminator="\n")


def _table_cells(ws) -> list[list[tuple[object, str]]]:
    """The cells of the sheet's one Excel table, its heading row first: (value, type)."""
    (_, ref), = ws.tables.items()
    return [[(c.value, c.data_type) for c in row] for row in ws[ref]]


HOSTILE_RELEASE = Release(
    title='=HYPERLINK("https://example.org/","t")', authority="-Demo", period="@2026",
    source="+source", contact="=contact", version="-1", notices=("=notice",))


def test_xlsx_neutralises_every_text_and_never_stores_a_formula(tmp_path):
    path = tmp_path / "hostile.xlsx"
    write_workbook(HOSTILE_RELEASE, [
        Sheet("=cmd|' /C calc'!A0", '=HYPERLINK("https://example.org/","x")', _hostile_typed(),
              ("-1 is a note", "An ordinary note")),
        Sheet("'quoted'", "+title", typed(pd.DataFrame({"@name": ["-x"], "n": [-1]}),
                                          ("@name",)), ("@SUM(A1)",))],
        path, datetime(2026, 10, 31))

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist() if n.startswith("xl/")}
    sheets = [xml for n, xml in parts.items() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 5 and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)
    assert b"<t>'\nx</t>" in parts["xl/sharedStrings.xml"]  # a line feed, marked

    wb = load_workbook(path)
    # A sheet name may not start or end with an apostrophe, nor hold "/": "_" stands in.
    assert wb.sheetnames == ["Cover", "Contents", "Notes", "_=cmd|' _C calc'!A0", "_'quoted_"]
    assert wb.properties.title == '\'=HYPERLINK("https://example.org/","t")'
    cover = [(c.value, c.data_type) for c in wb["Cover"]["A"] if c.value is not None]
    for line in ['\'=HYPERLINK("https://example.org/","t")', "'=notice",
                 "Authority: -Demo", "Period: @2026", "Version: -1", "Source: +source",
                 "'=contact"]:
        assert (line, "s") in cover, line
    contents = _table_cells(wb["Contents"])
    assert contents[1:] == [
        [("_=cmd|' _C calc'!A0", "s"), ('\'=HYPERLINK("https://example.org/","x")', "s")],
        [("_'quoted_", "s"), ("'+title", "s")]]

    ws = wb.worksheets[3]
    assert (ws["A1"].value, ws["A1"].data_type) == (
        '\'=HYPERLINK("https://example.org/","x")', "s")
    assert (ws["A2"].value, ws["A2"].data_type) == ("'-Demo, @2026", "s")
    assert _table_cells(ws) == [
        [("Label", "s"), ("'-Change", "s"), ("Count", "s")],
        [("'=1+2", "s"), (1, "n"), (-5, "n")],
        [("'+1", "s"), (-5, "n"), ("[c]", "s")],
        [("'-5", "s"), (3, "n"), (2.5, "n")],
        [("'@SUM(A1)", "s"), (4, "n"), (1, "n")],
        [("'\tx", "s"), (5, "n"), (0, "n")],
        [("'\nx", "s"), (6, "n"), (-2.5, "n")],
        [("Ladywood", "s"), (7, "n"), (12, "n")],
        [("#N/A", "s"), (8, "n"), (3, "n")],  # text, not Excel's error value
        [(None, "n"), (9, "n"), (None, "n")],
    ]

    second = wb.worksheets[4]
    assert (second["A1"].value, second["A1"].data_type) == ("'+title", "s")
    assert _table_cells(second) == [[("'@name", "s"), ("n", "s")], [("'-x", "s"), (-1, "n")]]
    notes = [(row[1].value, row[1].data_type) for row in wb["Notes"].iter_rows(min_row=4)]
    assert notes == [("'-1 is a note", "s"), ("An ordinary note", "s"),
                     ("[c] means confidential: withheld to protect people.", "s"),
                     ("'@SUM(A1)", "s")]


def test_json_keeps_the_true_values(tmp_path):
    document = table_document(_hostile_table().iloc[:-1])  # NaN is not equal to itself
    assert document["columns"] == ["Label", "-Change", "Count"]
    assert [row[0] for row in document["rows"]] == [*LEADING, "Ladywood", "#N/A"]
    assert [row[1] for row in document["rows"]][:2] == [1, -5]
    path = tmp_path / "hostile.json"
    write_json(document, path)
    assert json.loads(path.read_text()) == document


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_a_rendered_return_neutralises_its_spreadsheets_and_not_its_json(pspo, ctx,
                                                                         prepared):  # noqa: F811
    _, got, checks, tables = prepared
    by_ward = next(t for t in pspo.tables if t.name == "by_ward")
    declaration = dataclasses.replace(
        pspo, title='=HYPERLINK("https://example.org/")',
        tables=tuple(dataclasses.replace(t, title="@SUM(1)") if t is by_ward else t
                     for t in pspo.tables))
    tables = dict(tables)
    wards = tables["by_ward"].copy()
    wards.iloc[0, 0] = "-" + wards.iloc[0, 0]
    tables["by_ward"] = wards
    ward = wards.iloc[0, 0]
    rendered = render.fn(declaration, ctx, tables, checks, [got],
                         authority_name="<b>Demo</b> & Co", version=3, verdict="queries",
                         final=prepared[0] / "hostile" / "v3",
                         shown=output_tables(declaration, tables, ctx.suppression_threshold))

    with rendered.files["publication:csv:by_ward"][0].open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1] == ["'" + ward, *map(str, wards.iloc[0, 1:])]  # counts as numbers
    metadata = json.loads(rendered.files["publication:csvw:by_ward"][0].read_text())
    assert metadata["dc:title"] == "@SUM(1)"  # JSON, for programs: as it is
    with zipfile.ZipFile(rendered.files["publication:xlsx"][0]) as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist()
                       if n.startswith("xl/worksheets/"))
    wb = load_workbook(rendered.files["publication:xlsx"][0])
    cover = wb["Cover"]["A1"]
    assert (cover.value, cover.data_type) == ('\'=HYPERLINK("https://example.org/")', "s")
    sheet = wb["by ward"]
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("'@SUM(1)", "s")
    assert (sheet["A2"].value, sheet["A2"].data_type) == (
        f"<b>Demo</b> & Co, {ctx.period.label}", "s")
    cells = _table_cells(sheet)
    assert cells[1] == [("'" + ward, "s"), *((int(v), "n") for v in wards.iloc[0, 1:])]
    document = json.loads(rendered.files["json"][0].read_text())
    assert document["title"] == declaration.title
    assert document["tables"]["by_ward"]["title"] == "@SUM(1)"
    assert ward in [row[0] for row in document["tables"]["by_ward"]["rows"]]
    if shutil.which("pdftotext"):
        text = _pdf_text(rendered.files["board:pdf"][0])
        assert "<b>Demo</b> & Co" in text and ward in text
        assert "must not be published" not in text  # a committee paper is public


# --- the board PDF --------------------------------------------------------------------------

FONT = "<font size=80>Big</font>"
LINK = '<a href="https://example.org/">link</a>'
IMAGE = '<img src="missing.png"/>'
AMPERSANDS = "Smith & Sons &amp; &#169; &nbsp;"
BOLD = "<b>not bold</b>"


def _hostile_report() -> BoardReport:
    """A board report whose every piece of text carries markup or ampersands."""
    table = Table("by_ward", f"Wards {FONT}", ("Ward",), note=f"Note {LINK} {AMPERSANDS}")
    frame = pd.DataFrame({"Ward": [BOLD, AMPERSANDS, IMAGE, "Total"],
                          "<i>Order</i> & Co": [1, 2, 3, 6], "Total": [1, 2, 3, 6]})
    checks = [
        Check("log", "<b>Q-1</b>", "expect_values", "query", False,
              f"Message {FONT} & more", unexpected_count=2, sample=IMAGE, location=LINK),
        Check("log", "E-2", "expect_values", "error", False, AMPERSANDS, sample="<br/>"),
        Check("log", "P-3", "expect_values", "error", True, "Passed"),
    ]
    return BoardReport(
        authority_name="Smith & Jones <Council>", title=f"Return {FONT}",
        description=f"A & B {BOLD}", period_label="<i>2026</i> & after", version=2,
        verdict="blocked", as_of=date(2026, 10, 31),
        headline=[(f"Breaches {BOLD}", "<font size=80>6</font>"), ("  <i>sub</i> & co", "1 & 2")],
        sources=[("<b>Log</b> & list", "log&<x>.csv", 10, "<a href=x>0123456789", FONT)],
        tables=[(table, frame, table.note)],
        chart=Chart("by_ward", "Ward", (), f"Chart {AMPERSANDS}"),
        checks=checks,
        changes=[Change("by_ward", BOLD, "<i>Order</i> & Co", "1 & 2", "<b>3</b>")],
        previous_version=1,
        quality_changes={"newly failing": ["<b>Q-1</b>"], "newly passing": ["A&B"]})


def _pdf_text(path: Path) -> str:
    """The PDF's text in reading order, each run of white space made one space."""
    return " ".join(pdf_text(path, layout=False).split())


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_markup_in_the_board_pdf_text_is_shown_as_it_is(tmp_path):
    path = tmp_path / "hostile.pdf"
    write_pdf(_hostile_report(), path)  # a link, an image or a bad tag would have failed it
    text = _pdf_text(path)
    for literal in [
        "Smith & Jones <Council>", f"Return {FONT}", f"A & B {BOLD}", "<i>2026</i> & after",
        f"Breaches {BOLD}", "<font size=80>6</font>", "<i>sub</i> & co",
        "<b>Log</b> & list", "log&<x>.csv", "<a href=x>01", FONT,
        f"Chart {AMPERSANDS}", f"Wards {FONT}", f"Note {LINK} {AMPERSANDS}",
        BOLD, AMPERSANDS, IMAGE, "<i>Order</i> & Co",
        "<b>Q-1</b>", f"Message {FONT} & more", LINK, "<br/>",
        "Rules newly failing: <b>Q-1</b>.", "Rules newly passing: A&B.", "<b>3</b>",
    ]:
        assert literal in text, literal
    # pdftotext runs the words of a short right-aligned cell together ("1&2"): the
    # headline value and the "Was" of the change.
    assert text.replace(" ", "").count("1&2") == 2
    # The report's own markup is still read: its bold words show without tags.
    assert "An error blocks the return" in text and "<b>error</b>" not in text
    assert "A committee paper, public." in text and "must not be published" not in text
    data = path.read_bytes()
    assert b"/URI" not in data and b"/Subtype /Image" not in data  # no link, no picture


def test_a_hostile_board_pdf_is_the_same_every_time(tmp_path):
    write_pdf(_hostile_report(), tmp_path / "a.pdf")
    write_pdf(_hostile_report(), tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_control_characters_a_workbook_cannot_hold_are_left_out(tmp_path):
    table = pd.DataFrame({"Ward": ["As\x0bton", "\x00=1", "\x01=HYPERLINK(1)", "\x0b+1"],
                          "n": [1, 2, 3, 4]})
    release = dataclasses.replace(HOSTILE_RELEASE, title="Release\x07", notices=("\x0b=1",))
    write_workbook(release, [Sheet("t", "Title\x07", typed(table, ("Ward",)), ())],
                   tmp_path / "t.xlsx", datetime(2026, 1, 1))
    wb = load_workbook(tmp_path / "t.xlsx")
    ws = wb["t"]
    assert ws["A1"].value == "Title"
    assert _table_cells(ws) == [[("Ward", "s"), ("n", "s")], [("Aston", "s"), (1, "n")],
                                [("'=1", "s"), (2, "n")], [("'=HYPERLINK(1)", "s"), (3, "n")],
                                [("'+1", "s"), (4, "n")]]
    assert [c.value for c in wb["Cover"]["A"]][:3] == ["Release", "Introductory information",
                                                       "'=1"]
    write_csv(typed(table, ("Ward",)), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "Ward,n\nAston,1\n'=1,2\n'=HYPERLINK(1),3\n'+1,4\n"
