"""Published files keep numbers as numbers: tables read back as figures and symbols, the
workbook as the Analysis Function's guidance asks (made by gptables), CSV files with CSV on
the Web metadata the csvw library accepts."""

import csv
import json
from datetime import datetime
from decimal import Decimal

import csvw
import numpy as np
import openpyxl
import pandas as pd
import pytest

from tasks.publication import Release, Sheet, write_csv, write_csv_metadata, write_workbook
from tasks.typed_tables import FigureColumn, typed

WHEN = datetime(2026, 11, 1)
RELEASE = Release(title="PSPO breach counts", authority="Demo City Council",
                  period="12 months to October 2026", source="The council's enforcement log",
                  contact="Community safety data team", version="Version 2, replacing version 1",
                  notices=("Provisional: these figures may change.",))
WARDS = pd.DataFrame({
    "Ward": ["Aston", "Ladywood", "Nechells", "Total"],
    "Breaches": [12, "[c]", np.int64(3), "[c]"],
    "Change": ["10%", "10.2%", "(4.3%)", "-0.2%"],
    "Rate": ["117.47", "No data available", "n/a", "1,234.5"],
    "% of target": ["80.5", "12", "[x]", None],
    "Savings (GBP)": [57092.0, 1500.0, np.nan, 58592.0],
    "Direction": ["Up", "Down", None, "Up"],
    "Label": ["=1+2", "-5", "North", "South"],
})
MONTHS = pd.DataFrame({"Month": ["2026-09", "2026-10"], "Breaches": [4, 7],
                       "Rate": ["No data available", "2.5"]})


@pytest.fixture(scope="module")
def wards():
    return typed(WARDS, ("Ward",))


@pytest.fixture(scope="module")
def workbook(wards, tmp_path_factory):
    path = tmp_path_factory.mktemp("publication") / "release.xlsx"
    write_workbook(RELEASE, _sheets(wards), path, WHEN)
    return path


def _sheets(wards):
    return [Sheet("By ward", "Breaches by ward", wards,
                  ("Breaches recorded in each ward.", "Counts of 1 to 4 are withheld.")),
            Sheet("By month", "Breaches by month", typed(MONTHS, ("Month",)),
                  ("Breaches recorded in each month.",))]


def _table(ws) -> list[list]:
    """The cells of the sheet's one Excel table, its heading row first."""
    (_, ref), = ws.tables.items()
    return [list(row) for row in ws[ref]]


def test_typed_reads_figures_and_states_and_leaves_text_alone(wards):
    assert wards.columns == (
        FigureColumn("Ward", "text", 0, ()),
        FigureColumn("Breaches", "count", 0, ("[c]",)),
        FigureColumn("Change", "percent", 1, ()),
        FigureColumn("Rate", "number", 2, ("[x]", "[z]")),
        FigureColumn("% of target", "percent", 1, ("[x]",)),
        FigureColumn("Savings (GBP)", "count", 0, ()),
        FigureColumn("Direction", "text", 0, ()),
        FigureColumn("Label", "text", 0, ()),
    )
    frame = wards.frame
    assert list(frame["Breaches"]) == [12, "[c]", 3, "[c]"]
    assert list(frame["Change"]) == [10, 10.2, -4.3, -0.2]
    assert list(frame["Rate"]) == [117.47, "[x]", "[z]", 1234.5]
    assert list(frame["% of target"]) == [80.5, 12, "[x]", None]
    assert list(frame["Savings (GBP)"]) == [57092, 1500, None, 58592]
    assert all(type(v) is int for v in frame["Savings (GBP)"].dropna())
    assert type(frame["Breaches"][2]) is int  # not numpy's
    assert list(frame["Label"]) == ["=1+2", "-5", "North", "South"]  # neutralised on writing
    assert list(frame["Ward"]) == list(WARDS["Ward"])
    assert wards.index == ("Ward",)
    assert wards.symbols == ("[c]", "[x]", "[z]")


def test_a_column_is_text_unless_every_value_is_a_figure_or_a_state():
    table = typed(pd.DataFrame({"Area": ["A", "B"], "Rating": ["Good", "12"],
                                "Mixed signs": ["£5", "5%"], "Ranks": ["3", ".."],
                                "Nil": ["-", "£1,234"]}), ("Area",))
    assert [(c.kind, c.places, c.symbols) for c in table.columns] == [
        ("text", 0, ()), ("text", 0, ()), ("text", 0, ()), ("count", 0, ("[x]",)),
        ("count", 0, ())]
    assert list(table.frame["Rating"]) == ["Good", "12"]
    assert list(table.frame["Ranks"]) == [3, "[x]"]
    assert list(table.frame["Nil"]) == [0, 1234]
    with pytest.raises(ValueError, match="no column Ward"):
        typed(MONTHS, ("Ward",))


def test_the_workbook_has_cover_contents_notes_and_one_marked_up_table_a_sheet(workbook):
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["Cover", "Contents", "Notes", "By ward", "By month"]
    cover = [row[0] for row in wb["Cover"].iter_rows(values_only=True) if row[0]]
    assert cover[0] == "PSPO breach counts"
    for line in ("Provisional: these figures may change.", "Authority: Demo City Council",
                 "Period: 12 months to October 2026", "Source: The council's enforcement log",
                 "Version: Version 2, replacing version 1", "Community safety data team"):
        assert line in cover
    assert cover.index("Provisional: these figures may change.") < cover.index(
        "Authority: Demo City Council")
    assert [[c.value for c in row] for row in _table(wb["Contents"])] == [
        ["Sheet name", "Table description"], ["By ward", "Breaches by ward"],
        ["By month", "Breaches by month"]]
    for name in ("By ward", "By month"):
        assert len(wb[name].tables) == 1
    assert wb["By ward"]["A1"].value == "Breaches by ward"
    assert wb.properties.created == WHEN and wb.properties.title == "PSPO breach counts"


def test_figures_are_number_cells_showing_their_precision_and_text_is_neutralised(workbook):
    rows = _table(openpyxl.load_workbook(workbook)["By ward"])
    assert [c.value for c in rows[0]] == list(WARDS.columns)
    cells = {heading.value: [row[j] for row in rows[1:]] for j, heading in enumerate(rows[0])}

    def numbers(column):
        return [(c.value, c.number_format) for c in cells[column] if c.data_type == "n"
                and c.value is not None]

    assert numbers("Breaches") == [(12, "#,##0"), (3, "#,##0")]
    assert numbers("Change") == [(0.1, "0.0%"), (0.102, "0.0%"), (-0.043, "0.0%"),
                                 (-0.002, "0.0%")]
    assert numbers("Rate") == [(117.47, "#,##0.00"), (1234.5, "#,##0.00")]
    assert numbers("% of target") == [(0.805, "0.0%"), (0.12, "0.0%")]
    assert numbers("Savings (GBP)") == [(57092, "#,##0"), (1500, "#,##0"), (58592, "#,##0")]
    assert type(cells["Savings (GBP)"][0].value) is int
    symbols = [(c.value, c.data_type) for col in ("Breaches", "Rate", "% of target")
               for c in cells[col] if isinstance(c.value, str)]
    assert symbols == [("[c]", "s"), ("[c]", "s"), ("[x]", "s"), ("[z]", "s"), ("[x]", "s")]
    assert [c.value for c in cells["Label"]] == ["'=1+2", "'-5", "North", "South"]
    assert [c.value for c in cells["Direction"]] == ["Up", "Down", None, "Up"]
    assert cells["% of target"][3].value is None and cells["Savings (GBP)"][2].value is None


def test_notes_are_referred_to_and_only_symbols_used_are_explained(workbook, wards,
                                                                     tmp_path):
    wb = openpyxl.load_workbook(workbook)
    notes = dict((number.value, text.value) for number, text in _table(wb["Notes"])[1:])
    assert notes == {1: "Breaches recorded in each ward.", 2: "Counts of 1 to 4 are withheld.",
                     3: "[c] means confidential: withheld to protect people.",
                     4: "[x] means not available.", 5: "[z] means not applicable.",
                     6: "Breaches recorded in each month."}
    by_ward = [r[0] for r in wb["By ward"].iter_rows(values_only=True) if r[0]]
    assert "This table has notes: [note 1][note 2]" in by_ward
    assert "[c] = confidential: withheld to protect people [note 3]" in by_ward
    by_month = [r[0] for r in wb["By month"].iter_rows(values_only=True) if r[0]]
    assert "This table has notes: [note 6]" in by_month
    assert "[x] = not available [note 4]" in by_month
    assert not any("[c]" in line for line in by_month)

    unsuppressed = tmp_path / "unsuppressed.xlsx"
    write_workbook(RELEASE, _sheets(wards)[1:], unsuppressed, WHEN)
    wb = openpyxl.load_workbook(unsuppressed)
    texts = [c.value for row in _table(wb["Notes"])[1:] for c in row]
    assert texts == [1, "Breaches recorded in each month.", 2, "[x] means not available."]
    assert not any("[c]" in str(v) for ws in wb for row in ws.iter_rows(values_only=True)
                   for v in row if v)


def test_the_same_inputs_give_the_same_workbook_bytes(workbook, wards, tmp_path):
    again = tmp_path / "again.xlsx"
    write_workbook(RELEASE, _sheets(wards), again, WHEN)
    assert again.read_bytes() == workbook.read_bytes()


def test_csv_writes_plain_numbers_and_symbols_only_where_figures_go(wards, tmp_path):
    path = tmp_path / "wards.csv"
    write_csv(wards, path)
    raw = path.read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows == [
        ["Ward", "Breaches", "Change (%)", "Rate", "% of target", "Savings (GBP)",
         "Direction", "Label"],
        ["Aston", "12", "10.0", "117.47", "80.5", "57092", "Up", "'=1+2"],
        ["Ladywood", "[c]", "10.2", "[x]", "12.0", "1500", "Down", "'-5"],
        ["Nechells", "3", "-4.3", "[z]", "[x]", "", "", "North"],
        ["Total", "[c]", "-0.2", "1234.50", "", "58592", "Up", "South"],
    ]
    assert not any("%" in cell for row in rows[1:] for cell in row)
    write_csv(wards, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == raw


def test_csvw_metadata_describes_the_csv_and_csvw_reads_it(wards, tmp_path):
    path = tmp_path / "wards.csv"
    write_csv(wards, path)
    notes = ("Breaches recorded in each ward.",)
    metadata = write_csv_metadata(wards, path, "Breaches by ward", notes)
    assert metadata == tmp_path / "wards.csv-metadata.json"
    text = metadata.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    document = json.loads(text)
    assert document["@context"] == "http://www.w3.org/ns/csvw"
    assert document["url"] == "wards.csv" and document["dc:title"] == "Breaches by ward"
    assert document["dc:description"] == [
        "Breaches recorded in each ward.", "[c] means confidential: withheld to protect people.",
        "[x] means not available.", "[z] means not applicable."]
    columns = document["tableSchema"]["columns"]
    assert [(c["name"], c["titles"], c["datatype"], c["null"]) for c in columns] == [
        ("ward", "Ward", "string", [""]),
        ("breaches", "Breaches", "integer", ["[c]", ""]),
        ("change", "Change (%)", "decimal", [""]),
        ("rate", "Rate", "decimal", ["[x]", "[z]", ""]),
        ("percent_of_target", "% of target", "decimal", ["[x]", ""]),
        ("savings_gbp", "Savings (GBP)", "integer", [""]),
        ("direction", "Direction", "string", [""]),
        ("label", "Label", "string", [""]),
    ]
    assert "percentage" in columns[2]["dc:description"]
    assert write_csv_metadata(wards, path, "Breaches by ward", notes).read_text() == text

    rows = list(csvw.Table.from_file(metadata).iterdicts())
    assert [dict(r) for r in rows][0] == {
        "ward": "Aston", "breaches": 12, "change": Decimal("10.0"), "rate": Decimal("117.47"),
        "percent_of_target": Decimal("80.5"), "savings_gbp": 57092, "direction": "Up",
        "label": "'=1+2"}
    assert [r["breaches"] for r in rows] == [12, None, 3, None]  # symbols read as no value
    assert [r["rate"] for r in rows] == [Decimal("117.47"), None, None, Decimal("1234.50")]
    assert csvw.CSVW(str(metadata), validate=True).is_valid


def test_a_table_without_rows_and_marks_without_words_are_still_published(tmp_path):
    """A month with no savings moved has an empty movements table; a tracker writes "-" or
    "..." where it has no words. The workbook says so rather than failing, and a mark
    without a letter or digit is written as not available, explained in the notes."""
    moved = typed(pd.DataFrame({"Reference": [], "Change": []}), ("Reference",))
    risks = typed(pd.DataFrame({"Reference": ["ADU-009", "ADU-013", "CHI-002"],
                                "Mitigation": ["-", "Reserves", "..."],
                                "Forecast": [94, 22, 10]}), ("Reference",))
    assert risks.frame["Mitigation"].tolist() == ["[x]", "Reserves", "[x]"]
    assert risks.symbols == ("[x]",)
    path = tmp_path / "release.xlsx"
    write_workbook(RELEASE, [Sheet("movements", "Savings moved", moved, ()),
                             Sheet("at risk", "Savings at risk", risks, ())], path, WHEN)
    book = openpyxl.load_workbook(path)
    assert _table(book["movements"])[1][0].value == "No rows for this period."
    assert [[c.value for c in row] for row in _table(book["at risk"])[1:]] == [
        ["ADU-009", "[x]", 94], ["ADU-013", "Reserves", 22], ["CHI-002", "[x]", 10]]
    notes = [c.value for c in book["Notes"]["B"]]
    assert "[x] means not available." in notes
    write_csv(moved, tmp_path / "moved.csv")
    assert (tmp_path / "moved.csv").read_text() == "Reference,Change\n"
