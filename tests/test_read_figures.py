"""Figures read as their sender sees them: the symbols of tables for a figure's state, per
cent, currency, thousands and accounting negatives, in CSV files and in workbooks, where a
number is read as its cell's number format shows it."""

from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.styles.numbers import BUILTIN_FORMATS

from statreturns.declaration import (
    CONFIDENTIAL,
    LOW,
    NIL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    PERSONAL,
    STATES,
    Column,
    Source,
)
from statreturns.quality import REDACTED
from tasks.figures import places_column, state_column
from tasks.number_formats import UnreadableFormat, displayed
from tasks.read import read_source

ACCOUNTING = '_-£* #,##0.00_-;-£* #,##0.00_-;_-£* "-"??_-;_-@_-'
SYMBOLS = [("[c]", CONFIDENTIAL), ("[x]", NOT_AVAILABLE), ("[z]", NOT_APPLICABLE),
           ("[low]", LOW), ("..", NOT_AVAILABLE), ("No data available", NOT_AVAILABLE),
           ("no DATA available", NOT_AVAILABLE), (" [X] ", NOT_AVAILABLE),
           ("n/a", NOT_APPLICABLE)]
EVERY_STATE = tuple(s for s in STATES if s != NIL)


def source(*columns: Column) -> Source:
    return Source("draft", "Draft", (Column("measure"), *columns))


def write_csv(path, header: list[str], rows: list[list[str]]):
    path.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in [header, *rows])
                    + "\n", encoding="utf-8")
    return path


def write_xlsx(path, header: list[str], rows: list[list], title: str = "Sheet"):
    """A workbook of one sheet; a cell given as (value, format) has that number format."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for r, row in enumerate(rows, start=2):
        for c, cell in enumerate(row, start=1):
            value, number_format = cell if isinstance(cell, tuple) else (cell, None)
            written = sheet.cell(r, c, value)
            if number_format:
                written.number_format = number_format
    book.save(path)
    return path


def failed(loaded) -> list[tuple[str, str | None]]:
    return [(c.code, c.column) for c in loaded.checks if not c.success]


def check(loaded, code: str, column: str):
    (found,) = [c for c in loaded.checks if c.code == code and c.column == column]
    return found


def values(loaded, column: str) -> list:
    """A column's values, None for missing ones."""
    return [None if pd.isna(v) else v for v in loaded.frame[column]]


# --- the states of a figure ----------------------------------------------------------------


def read_symbols(tmp_path, kind: str, cells: list[str], column: Column):
    rows = [[f"m{i}", cell] for i, cell in enumerate(cells)]
    if kind == "csv":
        return read_source(write_csv(tmp_path / "draft.csv", ["measure", "count"], rows),
                           source(column))
    return read_source(write_xlsx(tmp_path / "draft.xlsx", ["measure", "count"], rows),
                       source(column))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(("symbol", "state"), SYMBOLS)
def test_a_symbol_is_its_state_and_a_missing_figure_never_zero(tmp_path, kind, symbol, state):
    loaded = read_symbols(tmp_path, kind, ["12", symbol, "0"],
                          Column("count", "integer", states=EVERY_STATE))
    assert failed(loaded) == []
    assert values(loaded, "count") == [12, None, 0]
    assert loaded.frame[state_column("count")].tolist() == [None, state, None]
    assert loaded.frame[state_column("count")].dtype == object


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_dash_is_nil_the_figure_zero_where_the_column_says_so(tmp_path, kind):
    loaded = read_symbols(tmp_path, kind, ["-", "[x]", "4.5"],
                          Column("count", "number", states=(NIL, NOT_AVAILABLE)))
    assert failed(loaded) == []
    assert values(loaded, "count") == [0.0, None, 4.5]
    assert loaded.frame[state_column("count")].tolist() == [None, NOT_AVAILABLE, None]
    assert values(loaded, places_column("count")) == [0, None, 1]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_dash_where_nil_is_not_declared_is_not_a_figure(tmp_path, kind):
    loaded = read_symbols(tmp_path, kind, ["3", "-"],
                          Column("count", "integer", states=(NOT_AVAILABLE,)))
    assert failed(loaded) == [("FILE-TYPE", "count")]
    found = check(loaded, "FILE-TYPE", "count")
    assert (found.sample, found.unexpected_count) == ("-", 1)
    assert found.location.endswith("column B (count), row 3")
    assert values(loaded, "count") == [3, None]


@pytest.mark.parametrize("symbol", ["[x]", "[c]", ".."])
def test_a_symbol_in_a_column_without_states_is_a_bad_value(tmp_path, symbol):
    loaded = read_symbols(tmp_path, "csv", ["3", symbol], Column("count", "integer"))
    assert failed(loaded) == [("FILE-TYPE", "count")]
    assert check(loaded, "FILE-TYPE", "count").sample == symbol
    assert state_column("count") not in loaded.frame


def test_only_the_declared_states_are_read(tmp_path):
    loaded = read_symbols(tmp_path, "csv", ["[x]", "[c]"],
                          Column("count", "integer", states=(CONFIDENTIAL,)))
    assert check(loaded, "FILE-TYPE", "count").location == "draft.csv, column B (count), row 2"
    assert loaded.frame[state_column("count")].tolist() == [None, CONFIDENTIAL]


def test_a_text_column_reads_its_states_too(tmp_path):
    path = write_csv(tmp_path / "draft.csv", ["measure", "direction"],
                     [["a", "up"], ["b", "No data available"]])
    loaded = read_source(path, source(Column("direction", states=(NOT_AVAILABLE,))))
    assert values(loaded, "direction") == ["up", None]
    assert loaded.frame[state_column("direction")].tolist() == [None, NOT_AVAILABLE]


# --- per cent ------------------------------------------------------------------------------


def test_percentages_written_in_a_csv(tmp_path):
    cells = ["12.3%", "12.3", "15%", "(4.3%)", "-4.3 %", "−0.50%", "1,234.5%"]
    path = write_csv(tmp_path / "draft.csv", ["measure", "pct"], [["m", c] for c in cells])
    loaded = read_source(path, source(Column("pct", "percent")))
    assert failed(loaded) == []
    assert loaded.frame["pct"].dtype == "float64"
    assert values(loaded, "pct") == [12.3, 12.3, 15.0, -4.3, -4.3, -0.5, 1234.5]
    assert loaded.frame[places_column("pct")].dtype == "Int64"
    assert values(loaded, places_column("pct")) == [1, 1, 0, 1, 1, 2, 1]


def test_percent_cells_of_a_workbook_are_read_as_shown(tmp_path):
    rows = [["a", (0.15, "0%")], ["b", (-0.043, "0.0%")], ["c", (-0.0438, "0.0%")],
            ["d", (0.052, "0.00%")], ["e", (0.123, "0.0%")], ["f", 12.3], ["g", "12.3%"],
            ["h", (0.0438, "0.0%;(0.0%)")], ["i", (-0.0438, "0.0%;[Red](0.0%)")]]
    loaded = read_source(write_xlsx(tmp_path / "draft.xlsx", ["measure", "pct"], rows),
                         source(Column("pct", "percent")))
    assert failed(loaded) == []
    assert values(loaded, "pct") == [15.0, -4.3, -4.4, 5.2, 12.3, 12.3, 12.3, 4.4, -4.4]
    assert values(loaded, places_column("pct")) == [0, 1, 1, 2, 1, 1, 1, 1, 1]


def test_a_per_cent_sign_is_not_a_figure_of_another_column(tmp_path):
    path = write_csv(tmp_path / "draft.csv", ["measure", "rate", "pct"],
                     [["a", "15%", "£15"], ["b", "2.5", "2.5"]])
    loaded = read_source(path, source(Column("rate", "number"), Column("pct", "percent")))
    assert failed(loaded) == [("FILE-TYPE", "rate"), ("FILE-TYPE", "pct")]
    assert check(loaded, "FILE-TYPE", "rate").sample == "15%"
    assert check(loaded, "FILE-TYPE", "pct").sample == "£15"
    assert check(loaded, "FILE-TYPE", "pct").message == (
        "Every pct is a percentage (e.g. 12.3% or 12.3).")
    assert values(loaded, "rate") == [None, 2.5]


# --- currency, thousands and accounting negatives ------------------------------------------


def test_money_written_in_a_csv(tmp_path):
    cells = ["£1,234.50", "(1,234)", "-£12", "£-12", "1,234 €", "(£1,234.50)", "$7", "−5",
             "+7", " 1,000,000 ", "£ -", "12.0"]
    path = write_csv(tmp_path / "draft.csv", ["measure", "amount"], [["m", c] for c in cells])
    loaded = read_source(path, source(Column("amount", "number")))
    assert failed(loaded) == []
    assert values(loaded, "amount") == [1234.5, -1234.0, -12.0, -12.0, 1234.0, -1234.5, 7.0,
                                        -5.0, 7.0, 1e6, 0.0, 12.0]
    assert values(loaded, places_column("amount")) == [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize("cell", ["1,2,3", "12,5", "1 000", "(-5)", "--5", "£€5", "(5", "1e3",
                                  "nan", "inf", "£", "5 kg"])
def test_what_is_not_a_figure(tmp_path, cell):
    path = write_csv(tmp_path / "draft.csv", ["measure", "amount"], [["m", cell]])
    loaded = read_source(path, source(Column("amount", "number")))
    assert failed(loaded) == [("FILE-TYPE", "amount")]
    assert values(loaded, "amount") == [None]
    assert values(loaded, places_column("amount")) == [None]


def test_a_whole_number_column_takes_money_and_brackets_but_not_a_fraction(tmp_path):
    path = write_csv(tmp_path / "draft.csv", ["measure", "count"],
                     [["a", "(1,234)"], ["b", "£12"], ["c", "1,234.5"], ["d", "7.0"]])
    loaded = read_source(path, source(Column("count", "integer")))
    assert values(loaded, "count") == [-1234, 12, None, 7]
    assert loaded.frame["count"].dtype == "Int64"
    assert places_column("count") not in loaded.frame
    assert check(loaded, "FILE-TYPE", "count").sample == "1,234.5"


def test_money_cells_of_a_workbook_are_read_as_shown(tmp_path):
    rows = [["a", (-1234, "#,##0;(#,##0)")], ["b", (1234.5, ACCOUNTING)],
            ["c", (-1234.5, ACCOUNTING)], ["d", (0, ACCOUNTING)],
            ["e", (1234, "[$£-809]#,##0.00")], ["f", (1234567, "#,##0,")],
            ["g", (-12, '"£"#,##0')], ["h", "£1,234.50"], ["i", "(1,234)"], ["j", "-£12"],
            ["k", (0.1 + 0.2, "General")], ["l", (1234.5678, "#,##0.00 [$€-1]")],
            ["m", (-5.5, BUILTIN_FORMATS[44])], ["n", (0, BUILTIN_FORMATS[41])]]
    loaded = read_source(write_xlsx(tmp_path / "draft.xlsx", ["measure", "amount"], rows),
                         source(Column("amount", "number")))
    assert failed(loaded) == []
    assert values(loaded, "amount") == [-1234.0, 1234.5, -1234.5, 0.0, 1234.0, 1235.0, -12.0,
                                        1234.5, -1234.0, -12.0, 0.3, 1234.57, -5.5, 0.0]
    assert values(loaded, places_column("amount")) == [0, 2, 2, 0, 2, 0, 0, 2, 0, 0, 1, 2, 2, 0]


def test_a_whole_number_cell_is_read_as_its_format_rounds_it(tmp_path):
    rows = [["a", (1234.4, "#,##0")], ["b", (1234.4, "General")], ["c", (1234, "0.00")]]
    loaded = read_source(write_xlsx(tmp_path / "draft.xlsx", ["measure", "count"], rows),
                         source(Column("count", "integer")))
    assert values(loaded, "count") == [1234, None, 1234]
    assert check(loaded, "FILE-TYPE", "count").sample == "1234.4"


# --- number formats a workbook's figures cannot be read by ---------------------------------


def test_a_fraction_or_a_date_format_on_a_figure_is_named_and_the_rest_is_read(tmp_path):
    rows = [["a", 4, (0.125, "0.0%"), "x"],
            ["b", 5, (0.5, "# ?/?"), "y"],
            ["c", (datetime(2026, 7, 15), "yyyy-mm-dd"), (0.25, "0%"), "z"],
            ["d", "ten", (0.75, "# ?/?"), "w"],
            ["e", 7, (1250, "0.00E+00"), "v"]]
    path = write_xlsx(tmp_path / "0001.xlsx", ["measure", "count", "pct_difference", "note"],
                      rows, title="Q2 draft")
    loaded = read_source(path, source(Column("count", "integer"),
                                      Column("pct_difference", "percent"), Column("note")),
                         label="draft.xlsx")
    assert failed(loaded) == [("FILE-FORMAT", "count"), ("FILE-TYPE", "count"),
                              ("FILE-FORMAT", "pct_difference")]
    fraction = check(loaded, "FILE-FORMAT", "pct_difference")
    assert fraction.location == "draft.xlsx, sheet 'Q2 draft', column C (pct_difference), " \
                                "rows 3, 5, 6"
    assert fraction.message == (
        "Every pct_difference is shown by a number format this reader understands: rows 3, 5 "
        "have the format '# ?/?' (a fraction); row 6 has the format '0.00E+00' (scientific "
        "notation).")
    assert (fraction.unexpected_count, fraction.severity, fraction.expectation_type) == (
        3, "error", "value type")
    date = check(loaded, "FILE-FORMAT", "count")
    assert date.location == "draft.xlsx, sheet 'Q2 draft', column B (count), row 4"
    assert date.message == (
        "Every count is shown by a number format this reader understands: row 4 holds a date "
        "(its cell has a date format), not a whole number.")
    assert date.unexpected_count == 1
    # Those cells are missing, not bad values: the other checks still run on the rest.
    bad = check(loaded, "FILE-TYPE", "count")
    assert (bad.location, bad.sample) == ("draft.xlsx, sheet 'Q2 draft', column B (count), "
                                          "row 5", "ten")
    assert check(loaded, "FILE-TYPE", "pct_difference").success
    assert values(loaded, "count") == [4, 5, None, None, 7]
    assert values(loaded, "pct_difference") == [12.5, None, 25.0, None, None]
    assert values(loaded, "note") == ["x", "y", "z", "w", "v"]


def test_a_date_in_a_personal_figure_is_never_quoted(tmp_path):
    rows = [["a", (datetime(1990, 1, 2), "dd/mm/yyyy")], ["b", (datetime(1991, 3, 4), "d-mmm")]]
    loaded = read_source(write_xlsx(tmp_path / "draft.xlsx", ["measure", "age"], rows),
                         source(Column("age", "integer", data=PERSONAL)))
    found = check(loaded, "FILE-FORMAT", "age")
    assert found.message.endswith("rows 2, 3 hold dates (their cells have a date format), not "
                                  "a whole number.")
    assert found.sample in ("", REDACTED)
    assert not any(year in str(v) for year in ("1990", "1991")
                   for c in loaded.checks for v in c.as_dict().values())


def test_a_csv_file_has_no_number_format_check(tmp_path):
    path = write_csv(tmp_path / "draft.csv", ["measure", "count"], [["a", "1"]])
    loaded = read_source(path, source(Column("count", "integer")))
    assert [c.code for c in loaded.checks if c.code == "FILE-FORMAT"] == []


def test_a_workbook_checks_the_number_formats_of_its_figures_only(tmp_path):
    rows = [["a", (0.5, "# ?/?"), (0.5, "# ?/?")]]
    path = write_xlsx(tmp_path / "draft.xlsx", ["measure", "count", "label"], rows)
    loaded = read_source(path, source(Column("count", "number"), Column("label")))
    assert [(c.code, c.column, c.success) for c in loaded.checks if c.code == "FILE-FORMAT"] \
        == [("FILE-FORMAT", "count", False)]
    assert values(loaded, "label") == ["0.5"]


def test_the_places_of_a_workbook_name_the_sheet_read(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["read me first"])
    data = book.create_sheet("Q2 draft")
    data.append(["measure", "count"])
    data.append(["a", "ten"])
    book.save(path := tmp_path / "draft.xlsx")
    loaded = read_source(path, source(Column("count", "integer")))
    assert check(loaded, "FILE-TYPE", "count").location == (
        "draft.xlsx, sheet 'Q2 draft', column B (count), row 2")


# --- displayed() -----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    # General: a whole number in full, any other to 10 significant digits
    (12.0, "General", "12"), (1234.5, "General", "1234.5"), (0.1 + 0.2, "General", "0.3"),
    (-3.25, "General", "-3.25"), (1 / 3, "General", "0.3333333333"),
    (123456789012, "General", "123456789012"), (0.000012345, "General", "0.000012345"),
    (5, "", "5"),
    # digits, decimals, thousands, and rounding half away from zero
    (1234.5, "0", "1235"), (-2.5, "0", "-3"), (1234.56, "0.0", "1234.6"),
    (1.005, "0.00", "1.01"), (1234.5, "#,##0", "1,235"), (1234.5, "#,##0.00", "1,234.50"),
    (0.5, "#.##", ".5"), (1.25, "0.0#", "1.25"), (1.5, "0.0#", "1.5"), (7, "000", "007"),
    (-0.1, "0", "-0"),
    # thousands scaling
    (1234567, "#,##0,", "1,235"), (1234567, '#,##0.0,,"m"', "1.2m"),
    # per cent
    (0.15, "0%", "15%"), (0.043, "0.0%", "4.3%"), (-0.043, "0.0%", "-4.3%"),
    (-0.0438, "0.0%", "-4.4%"), (0.052, "0.00%", "5.20%"),
    # sections: a negative by its own section as its absolute value; zero by the third
    (-1234, "#,##0;(#,##0)", "(1,234)"), (1234, "#,##0;(#,##0)", "1,234"),
    (-1234, "#,##0_);[Red](#,##0)", "(1,234)"), (0, "0;-0;\"nil\"", "nil"),
    (5, "0;-0;;@", "5"), (0, "0;-0;;@", ""),
    # colours, currency codes, literals, padding and fill
    (1234, "[Color10]#,##0", "1,234"), (1234, "[$£-809]#,##0", "£1,234"),
    (-1234.5, "[$€-x] #,##0.00", "-€ 1,234.50"), (1234, '"£"#,##0', "£1,234"),
    (1234, "\\£#,##0", "£1,234"), (1234, '#,##0 "€"', "1,234 €"),
    (-1234, "[$£-809]#,##0;[Red]([$£-809]#,##0)", "(£1,234)"),
    # accounting
    (1234.5, ACCOUNTING, "£1,234.50"), (-1234.5, ACCOUNTING, "-£1,234.50"),
    (0, ACCOUNTING, "£-"), (-5, '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)', "(5)"),
    (-5.5, '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)', "$(5.50)"),
    # text: a number in a text format is shown as General
    (7, "@", "7"), (2.5, "@", "2.5"),
])
def test_displayed(value, number_format, shown):
    assert displayed(value, number_format) == shown


def test_displayed_takes_numpy_numbers():
    assert displayed(np.float64(-0.0438), "0.0%") == "-4.4%"
    assert displayed(np.int64(-1234), "#,##0;(#,##0)") == "(1,234)"


@pytest.mark.parametrize(("number_format", "kind"), [
    ("# ?/?", "a fraction"), ("# ??/??", "a fraction"), ("0.00E+00", "scientific notation"),
    ("##0.0E+0", "scientific notation"), ("[>=100]0;0", "a condition"),
    ("[Red][<0]0;0", "a condition"), ("mm-dd-yy", "a date or time"),
    ("000-000", "a format this reader does not know"),
    ("0;0;0;@;0", "a format this reader does not know"),
    ("[Blue]0.0.0", "a format this reader does not know"),
])
def test_a_format_not_rendered_raises_with_what_it_is(number_format, kind):
    with pytest.raises(UnreadableFormat) as raised:
        displayed(1.5, number_format)
    assert (raised.value.format, raised.value.kind) == (number_format, kind)
