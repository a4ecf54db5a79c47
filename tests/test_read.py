"""Reading the PSPO enforcement log: forgiving where the meaning is certain, strict elsewhere."""

import random

import pandas as pd
import pytest
from conftest import HEADER, breach, write_log

from statreturns.declaration import NOT_AVAILABLE, Column, Source
from statreturns.quality import REDACTED
from tasks.figures import places_column
from tasks.read import read_source

READ = [c for name in HEADER for c in
        ([name, places_column(name)] if name == "fpn_amount" else [name])]
"""The frame's columns: a number column has its decimal places beside it."""


@pytest.fixture(scope="module")
def source(pspo):
    return pspo.sources[0]


def failed(loaded) -> list[tuple[str, str | None]]:
    return [(c.code, c.column) for c in loaded.checks if not c.success]


def check(loaded, code: str, column: str | None = None):
    (found,) = [c for c in loaded.checks if c.code == code and c.column == column]
    return found


# --- a good file ---------------------------------------------------------------------------------


def test_a_good_csv_has_every_check_passing_and_no_notes(tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.csv", [breach()]), source)
    assert failed(loaded) == []
    assert loaded.notes == []
    assert loaded.rows == 1
    assert list(loaded.frame.columns) == READ


def test_a_good_csv_reports_the_file_and_column_checks_and_one_type_check_per_typed_column(
        tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.csv", [breach()]), source)
    assert [(c.code, c.column) for c in loaded.checks] == [
        ("FILE-UNREADABLE", None), ("FILE-COLUMNS", None),
        ("FILE-TYPE", "breach_datetime"),
        ("FILE-TYPE", "fpn_issued_date"), ("FILE-DATE-TIME", "fpn_issued_date"),
        ("FILE-TYPE", "fpn_amount"),
        ("FILE-TYPE", "outcome_date"), ("FILE-DATE-TIME", "outcome_date"),
        ("FILE-TYPE", "person_dob"), ("FILE-DATE-TIME", "person_dob")]
    assert {c.suite for c in loaded.checks} == {"enforcement-log"}
    assert {c.severity for c in loaded.checks if c.code != "FILE-DATE-TIME"} == {"error"}
    assert {c.severity for c in loaded.checks if c.code == "FILE-DATE-TIME"} == {"query"}


def test_a_good_csv_parses_types(tmp_path, source):
    rows = [breach(),
            breach(breach_id="B2", outcome="FPN paid", fpn_issued_date="2026-06-11",
                   fpn_amount="100", outcome_date="2026-06-20 00:00:00")]
    frame = read_source(write_log(tmp_path / "log.csv", rows), source).frame
    assert str(frame["breach_datetime"].dtype) == "datetime64[ns]"
    assert str(frame["fpn_issued_date"].dtype) == "datetime64[ns]"
    assert frame["fpn_amount"].dtype == float
    assert frame.loc[0, "breach_datetime"] == pd.Timestamp("2026-06-10 21:15")
    assert frame.loc[1, "fpn_issued_date"] == pd.Timestamp("2026-06-11")
    assert frame.loc[1, "fpn_amount"] == 100.0
    assert frame.loc[1, "outcome_date"] == pd.Timestamp("2026-06-20")
    assert frame.loc[0, "person_dob"] == pd.Timestamp("1990-01-02")


def test_a_number_column_is_float_even_when_every_amount_is_whole(tmp_path, source):
    rows = [breach(outcome="FPN paid", fpn_issued_date="2026-06-10", fpn_amount="100"),
            breach(breach_id="B2", outcome="FPN paid", fpn_issued_date="2026-06-10",
                   fpn_amount="75")]
    frame = read_source(write_log(tmp_path / "log.csv", rows), source).frame
    assert frame["fpn_amount"].dtype == float
    assert frame["fpn_amount"].tolist() == [100.0, 75.0]


def test_blank_cells_are_missing_not_empty_text(tmp_path, source):
    frame = read_source(write_log(tmp_path / "log.csv", [breach(ward="  ")]), source).frame
    assert pd.isna(frame.loc[0, "ward"])
    assert pd.isna(frame.loc[0, "fpn_issued_date"])
    assert pd.isna(frame.loc[0, "fpn_amount"])


def test_text_is_stripped_of_surrounding_spaces(tmp_path, source):
    frame = read_source(write_log(tmp_path / "log.csv", [breach(place="  New Street ")]),
                        source).frame
    assert frame.loc[0, "place"] == "New Street"


def test_amounts_with_pound_sign_and_thousands_separator_are_numbers(tmp_path, source):
    rows = [breach(fpn_amount="£75"), breach(breach_id="B2", fpn_amount="1,000")]
    frame = read_source(write_log(tmp_path / "log.csv", rows), source).frame
    assert frame["fpn_amount"].tolist() == [75.0, 1000.0]


def test_header_names_are_normalised(tmp_path, source):
    path = tmp_path / "log.csv"
    header = [h.replace("_", " ").title() for h in HEADER]  # "Breach Id", "Fpn Amount", ...
    pd.DataFrame([list(breach().values())], columns=header).to_csv(path, index=False)
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert list(loaded.frame.columns) == READ


# --- forgiving where the meaning is certain ---------------------------------------------------


def test_utf8_with_byte_order_mark(tmp_path, source):
    path = write_log(tmp_path / "log.csv", [breach(place="Café Row")], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert loaded.frame.columns[0] == "breach_id"
    assert loaded.frame.loc[0, "breach_id"] == "B1"
    assert loaded.frame.loc[0, "place"] == "Café Row"
    assert loaded.notes == []


def test_windows_1252_text_is_read_with_a_note(tmp_path, source):
    path = write_log(tmp_path / "log.csv", [breach(place="Café Row")], encoding="cp1252")
    assert b"Caf\xe9 Row" in path.read_bytes()
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert loaded.frame.loc[0, "place"] == "Café Row"
    assert any("Windows-1252" in note for note in loaded.notes)


def test_semicolon_delimited_is_read_with_a_note(tmp_path, source):
    path = write_log(tmp_path / "log.csv", [breach(place="Bull Ring, upper")], sep=";")
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert list(loaded.frame.columns) == READ
    assert loaded.frame.loc[0, "place"] == "Bull Ring, upper"
    assert loaded.notes == ["read with ';' between columns instead of commas"]


def test_tab_delimited_is_read_with_a_note(tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.tsv", [breach()], sep="\t"), source)
    assert failed(loaded) == []
    assert loaded.frame.loc[0, "order"] == "City Centre"
    assert loaded.notes == ["read with '\\t' between columns instead of commas"]


def test_day_month_year_dates_and_times(tmp_path, source):
    rows = [breach(breach_datetime="10/06/2026 21:15", fpn_issued_date="10/06/2026",
                   outcome_date="10-06-2026", person_dob="02/01/1990")]
    loaded = read_source(write_log(tmp_path / "log.csv", rows), source)
    assert failed(loaded) == []
    row = loaded.frame.loc[0]
    assert row["breach_datetime"] == pd.Timestamp("2026-06-10 21:15")
    assert row["fpn_issued_date"] == pd.Timestamp("2026-06-10")
    assert row["outcome_date"] == pd.Timestamp("2026-06-10")
    assert row["person_dob"] == pd.Timestamp("1990-01-02")


def test_a_date_without_a_time_is_a_breach_at_midnight(tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.csv", [breach(breach_datetime="10/06/2026")]),
                         source)
    assert failed(loaded) == []
    assert loaded.frame.loc[0, "breach_datetime"] == pd.Timestamp("2026-06-10 00:00")


def test_iso_date_times_with_t_and_seconds(tmp_path, source):
    rows = [breach(breach_datetime="2026-06-10T21:15"),
            breach(breach_id="B2", breach_datetime="2026-06-10 21:15:30")]
    frame = read_source(write_log(tmp_path / "log.csv", rows), source).frame
    assert frame["breach_datetime"].tolist() == [pd.Timestamp("2026-06-10 21:15"),
                                                 pd.Timestamp("2026-06-10 21:15:30")]


def test_a_date_column_written_with_a_midnight_time_is_normalised_to_the_day(tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.csv",
                                   [breach(outcome_date="2026-06-10 00:00:00")]), source)
    assert loaded.frame.loc[0, "outcome_date"] == pd.Timestamp("2026-06-10")
    assert failed(loaded) == []
    assert loaded.notes == ["1 date in column K (outcome_date) carried a time of 00:00, as "
                            "spreadsheets export dates: read as a date"]


def test_extra_unknown_column_is_ignored_with_a_note(tmp_path, source):
    path = tmp_path / "log.csv"
    pd.DataFrame([breach()]).assign(officer_notes="seen twice").to_csv(path, index=False)
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert "officer_notes" not in loaded.frame.columns
    assert list(loaded.frame.columns) == READ
    assert loaded.notes == ["extra columns ignored: officer_notes"]


def test_columns_in_another_order_are_found_by_name(tmp_path, source):
    path = tmp_path / "log.csv"
    pd.DataFrame([breach()], columns=list(reversed(HEADER))).to_csv(path, index=False)
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert list(loaded.frame.columns) == READ
    assert loaded.letters["person_dob"] == "A"
    assert loaded.letters["breach_id"] == "M"


def test_letters_are_the_spreadsheet_columns_of_the_file(tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.csv", [breach()]), source)
    assert loaded.letters == dict(zip(HEADER, "ABCDEFGHIJKLM", strict=True))


# --- strict where it is not ----------------------------------------------------------------------


def test_an_empty_file(tmp_path, source):
    path = tmp_path / "log.csv"
    path.write_bytes(b"")
    loaded = read_source(path, source)
    assert loaded.frame is None
    assert loaded.rows is None
    assert [(c.code, c.success) for c in loaded.checks] == [("FILE-EMPTY", False)]
    assert loaded.checks[0].message == "log.csv is empty."


def test_a_file_of_blank_lines_is_empty(tmp_path, source):
    path = tmp_path / "log.csv"
    path.write_text("  \n\n")
    loaded = read_source(path, source)
    assert loaded.frame is None
    assert failed(loaded) == [("FILE-EMPTY", None)]


def test_header_only(tmp_path, source):
    loaded = read_source(write_log(tmp_path / "log.csv", []), source)
    assert loaded.frame is None
    assert failed(loaded) == [("FILE-NO-ROWS", None)]
    assert check(loaded, "FILE-NO-ROWS").message == "log.csv has a header row but no data rows."


def test_a_missing_required_column(tmp_path, source):
    path = tmp_path / "log.csv"
    pd.DataFrame([breach()]).drop(columns="outcome").to_csv(path, index=False)
    loaded = read_source(path, source)
    assert loaded.frame is None
    assert failed(loaded) == [("FILE-COLUMNS", None)]
    found = check(loaded, "FILE-COLUMNS")
    assert "outcome" in found.message
    assert found.message == "log.csv has no column outcome (header row 1)."
    assert found.location == "log.csv, row 1"


def test_several_missing_columns_are_all_named(tmp_path, source):
    path = tmp_path / "log.csv"
    pd.DataFrame([breach()]).drop(columns=["ward", "person_dob"]).to_csv(path, index=False)
    message = check(read_source(path, source), "FILE-COLUMNS").message
    assert "ward" in message and "person_dob" in message


def test_a_one_column_header_hints_at_another_separator(tmp_path, source):
    path = tmp_path / "log.csv"
    path.write_text("breach_id:breach_datetime:order\nB1:2026-06-10:City Centre\n")
    message = check(read_source(path, source), "FILE-COLUMNS").message
    assert "separated by another character" in message


def test_non_numeric_amount_names_column_row_and_value(tmp_path, source):
    rows = [breach(breach_id="B1"), breach(breach_id="B2"),
            breach(breach_id="B3", outcome="FPN paid", fpn_amount="ten pounds")]
    loaded = read_source(write_log(tmp_path / "log.csv", rows), source)
    assert failed(loaded) == [("FILE-TYPE", "fpn_amount")]
    found = check(loaded, "FILE-TYPE", "fpn_amount")
    assert found.location == "log.csv, column J (fpn_amount), row 4"
    assert found.sample == REDACTED  # offence data: found by its place, never quoted
    assert found.unexpected_count == 1
    assert found.message == "Every fpn_amount is a number."
    assert pd.isna(loaded.frame.loc[2, "fpn_amount"])


def test_several_bad_values_are_all_counted(tmp_path, source):
    rows = [breach(breach_id=f"B{i}", breach_datetime=v)
            for i, v in enumerate(["yesterday", "2026-06-10 21:15", "31/13/2026"], start=1)]
    found = check(read_source(write_log(tmp_path / "log.csv", rows), source),
                  "FILE-TYPE", "breach_datetime")
    assert not found.success
    assert found.unexpected_count == 2
    assert found.location == "log.csv, column B (breach_datetime), rows 2, 4"
    assert found.sample == REDACTED


def test_bad_values_of_a_column_that_is_not_personal_are_quoted_back(tmp_path):
    counts = Source("counts", "Counts", (Column("ward"), Column("n", "integer"),
                                         Column("on", "date")))
    path = tmp_path / "counts.csv"
    path.write_text("ward,n,on\nAston,ten,2026-01-01\nNechells,4,31/13/2026\n"
                    "Ladywood,2.5,yesterday\n")
    loaded = read_source(path, counts)
    assert check(loaded, "FILE-TYPE", "n").sample == "ten, 2.5"
    assert check(loaded, "FILE-TYPE", "on").sample == "31/13/2026, yesterday"
    assert check(loaded, "FILE-TYPE", "on").location == "counts.csv, column C (on), rows 3, 4"


def test_a_bad_date_of_birth_is_never_quoted_back(tmp_path, source):
    bad = "31/02/1990"
    loaded = read_source(write_log(tmp_path / "log.csv", [breach(person_dob=bad)]), source)
    assert failed(loaded) == [("FILE-TYPE", "person_dob")]
    found = check(loaded, "FILE-TYPE", "person_dob")
    assert found.sample == REDACTED == "[redacted]"
    assert found.location == "log.csv, column M (person_dob), row 2"
    for value in found.as_dict().values():
        assert bad not in str(value)
        assert "1990" not in str(value)


def test_a_file_that_is_not_a_spreadsheet(tmp_path, source):
    path = tmp_path / "June log.xlsx"
    path.write_bytes(random.Random(7).randbytes(2048))
    loaded = read_source(path, source)
    assert loaded.frame is None
    assert failed(loaded) == [("FILE-UNREADABLE", None)]
    assert "June log.xlsx" in check(loaded, "FILE-UNREADABLE").message


# --- spreadsheets ----------------------------------------------------------------------------


def test_an_xlsx_of_text_cells_reads_the_same_as_the_csv(tmp_path, source):
    rows = [breach(), breach(breach_id="B2", outcome="FPN paid", fpn_issued_date="2026-06-11",
                             fpn_amount="50", person_name="Café Owner")]
    csv = read_source(write_log(tmp_path / "log.csv", rows), source)
    path = tmp_path / "log.xlsx"
    pd.DataFrame(rows, columns=HEADER).to_excel(path, index=False, engine="openpyxl")
    xlsx = read_source(path, source)
    assert failed(xlsx) == []
    assert xlsx.notes == []
    assert xlsx.letters == csv.letters
    pd.testing.assert_frame_equal(xlsx.frame, csv.frame)


def test_an_xlsx_of_typed_cells_reads_the_same_as_the_csv(tmp_path, source):
    rows = [breach(), breach(breach_id="B2", outcome="FPN paid", fpn_issued_date="2026-06-11",
                             fpn_amount="50")]
    csv = read_source(write_log(tmp_path / "log.csv", rows), source)
    typed = pd.DataFrame(rows, columns=HEADER)
    for column in ("breach_datetime", "fpn_issued_date", "outcome_date", "person_dob"):
        typed[column] = pd.to_datetime(typed[column])
    typed["fpn_amount"] = pd.to_numeric(typed["fpn_amount"])
    path = tmp_path / "log.xlsx"
    typed.to_excel(path, index=False, engine="openpyxl")
    xlsx = read_source(path, source)
    assert failed(xlsx) == []
    pd.testing.assert_frame_equal(xlsx.frame, csv.frame)


# --- the label -----------------------------------------------------------------------------------


def test_label_is_used_in_messages_instead_of_the_file_name(tmp_path, source):
    rows = [breach(), breach(breach_id="B2", fpn_amount="ten pounds")]
    path = write_log(tmp_path / "0001-archive-copy.csv", rows)
    loaded = read_source(path, source, label="June log.csv")
    assert check(loaded, "FILE-UNREADABLE").message == "June log.csv was read."
    found = check(loaded, "FILE-TYPE", "fpn_amount")
    assert found.location == "June log.csv, column J (fpn_amount), row 3"
    assert all("0001-archive-copy" not in str(v) for c in loaded.checks
               for v in c.as_dict().values())


def test_label_names_an_empty_file(tmp_path, source):
    path = tmp_path / "0001.csv"
    path.write_bytes(b"")
    assert read_source(path, source, label="June log.csv").checks[0].message == (
        "June log.csv is empty.")


# --- what a spreadsheet leaves behind ------------------------------------------------------------


def test_blank_lines_are_ignored_and_later_rows_keep_their_numbers(tmp_path, source):
    path = write_log(tmp_path / "log.csv", [breach(), breach(breach_id="B2", fpn_amount="ten")])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], "", ",,,,,,,,,,,,", lines[2], ",,,,"]) + "\n")
    loaded = read_source(path, source)
    assert loaded.rows == 2
    assert loaded.notes == ["blank rows ignored: rows 3, 4, 6"]
    assert check(loaded, "FILE-TYPE", "fpn_amount").location == (
        "log.csv, column J (fpn_amount), row 5")


def test_a_blank_row_in_a_spreadsheet_is_ignored(tmp_path, source):
    rows = [breach(), {c: "" for c in HEADER}, breach(breach_id="B3", fpn_amount="ten")]
    path = tmp_path / "log.xlsx"
    pd.DataFrame(rows, columns=HEADER).to_excel(path, index=False, engine="openpyxl")
    loaded = read_source(path, source)
    assert loaded.rows == 2
    assert loaded.notes == ["blank rows ignored: row 3"]
    assert check(loaded, "FILE-TYPE", "fpn_amount").location == (
        "log.xlsx, sheet 'Sheet1', column J (fpn_amount), row 4")


@pytest.mark.parametrize("value", ["0990-01-02", "9999-12-31", "02/01/1066"])
def test_a_date_outside_1900_to_2099_is_not_a_date(tmp_path, source, value):
    loaded = read_source(write_log(tmp_path / "log.csv", [breach(outcome_date=value)]), source)
    found = check(loaded, "FILE-TYPE", "outcome_date")
    assert not found.success
    assert found.location == "log.csv, column K (outcome_date), row 2"
    assert found.message == (
        "Every outcome_date is a date from 1900 to 2099 (e.g. 2026-07-15 or 15/07/2026).")


def test_windows_1252_is_recognised_beyond_the_first_64_kb(tmp_path, source):
    rows = [breach(breach_id=f"B{i}") for i in range(1, 1200)] + [breach(place="Café Row")]
    path = write_log(tmp_path / "log.csv", rows, encoding="cp1252")
    assert path.stat().st_size > 65536 and path.read_bytes().index(b"\xe9") > 65536
    loaded = read_source(path, source)
    assert loaded.frame["place"].iloc[-1] == "Café Row"
    assert any("Windows-1252" in note for note in loaded.notes)


def test_a_file_without_its_header_row_does_not_quote_its_first_row(tmp_path, source):
    path = write_log(tmp_path / "log.csv", [breach(person_name="Zebedee Quux"), breach()])
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")
    loaded = read_source(path, source)
    assert failed(loaded) == [("FILE-COLUMNS", None)]
    message = check(loaded, "FILE-COLUMNS").message
    assert "is the header row missing or renamed?" in message
    assert "Zebedee" not in message + " ".join(loaded.notes)


def test_words_for_no_data_are_missing_and_flagged_not_bad_values(tmp_path):
    source = Source("extract", "Extract", (Column("measure"), Column(
        "count", "integer", states=(NOT_AVAILABLE,))))
    path = tmp_path / "extract.csv"
    path.write_text("measure,count\nfires,no data available\nthefts,0\nrobbery,12\nassault,\n")
    loaded = read_source(path, source)
    assert failed(loaded) == []
    assert loaded.frame["count"].tolist()[1:3] == [0, 12]
    assert loaded.frame["count"].isna().tolist() == [True, False, False, True]
    assert loaded.frame["count_state"].tolist() == [NOT_AVAILABLE, None, None, None]
