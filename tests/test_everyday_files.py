"""What real folders hold: dates exported with a time, a source in two formats, a file
saved under a name close to the expected one, and a copy left beside the original."""

from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from flows.part4_duty import PROVIDER_MONITORING
from flows.savings_tracker import STATUS_SUBMISSIONS
from statreturns.declaration import Column, Source
from statreturns.quality import REDACTED
from tasks.collect import AmbiguousSource, collect, find_source, near_misses
from tasks.read import read_source

BREACHES = Source("breaches", "Breaches", (
    Column("ref"), Column("breach_date", "date"), Column("dob", "date", "personal")))
LOG = Source("enforcement-log", "Enforcement log", (Column("ref"), Column("n", "integer")))
RETURNS = Source("returns", "Directorate returns", (
    Column("reference"), Column("month"), Column("forecast", "number")),
    many=True, key=("reference", "month"))


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def one(checks, code: str, column: str | None = None):
    (found,) = [c for c in checks if c.code == code and c.column == column]
    return found


# --- a date written with a time -----------------------------------------------------------


def test_a_date_exported_with_a_time_of_midnight_is_the_date_with_a_note(tmp_path):
    path = write(tmp_path / "breaches.csv",
                 "ref,breach_date,dob\nA,15/07/2026 00:00,1990-01-02 00:00:00\n"
                 "B,2026-07-16 00:00:00,\nC,2026-07-17,\n")
    loaded = read_source(path, BREACHES)
    assert [c.code for c in loaded.checks if not c.success] == []
    assert loaded.frame["breach_date"].tolist() == [
        pd.Timestamp("2026-07-15"), pd.Timestamp("2026-07-16"), pd.Timestamp("2026-07-17")]
    assert loaded.frame.loc[0, "dob"] == pd.Timestamp("1990-01-02")
    assert loaded.notes == [
        "2 dates in column B (breach_date) carried a time of 00:00, as spreadsheets export "
        "dates: read as dates",
        "1 date in column C (dob) carried a time of 00:00, as spreadsheets export dates: "
        "read as a date"]


def test_a_date_with_another_time_is_its_date_and_a_query_naming_its_rows(tmp_path):
    path = write(tmp_path / "breaches.csv",
                 "ref,breach_date,dob\nA,2026-07-15,1990-01-02\nB,15/07/2026 13:45,\n"
                 "C,2026-07-16,02/01/1990 09:30\nD,2026-07-17 23:59,\n")
    loaded = read_source(path, BREACHES)
    assert loaded.frame["breach_date"].tolist()[1::2] == [
        pd.Timestamp("2026-07-15"), pd.Timestamp("2026-07-17")]
    assert loaded.frame.loc[2, "dob"] == pd.Timestamp("1990-01-02")
    assert loaded.notes == []
    found = one(loaded.checks, "FILE-DATE-TIME", "breach_date")
    assert (found.success, found.severity, found.expectation_type) == (
        False, "query", "value type")
    assert found.location == "breaches.csv, column B (breach_date), rows 3, 5"
    assert found.unexpected_count == 2
    assert found.sample == "15/07/2026 13:45, 2026-07-17 23:59"
    assert found.message == (
        "Every breach_date is a date without a time of day: one written with a time other "
        "than 00:00 is read as its date. Check it is the date meant.")
    assert found.rows_key
    assert one(loaded.checks, "FILE-TYPE", "breach_date").success


def test_a_personal_date_with_a_time_is_never_quoted(tmp_path):
    path = write(tmp_path / "breaches.csv", "ref,breach_date,dob\nA,2026-07-15,02/01/1990 09:30\n")
    found = one(read_source(path, BREACHES).checks, "FILE-DATE-TIME", "dob")
    assert not found.success
    assert found.location == "breaches.csv, column C (dob), row 2"
    assert found.sample == REDACTED
    assert all("1990" not in str(v) for v in found.as_dict().values())


def test_date_cells_of_a_workbook_are_dates_without_a_note_or_query(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ref", "breach_date", "dob"])
    sheet.append(["A", datetime(2026, 7, 15), datetime(1990, 1, 2)])
    sheet.append(["B", datetime(2026, 7, 16, 13, 45), None])
    book.save(path := tmp_path / "breaches.xlsx")
    loaded = read_source(path, BREACHES)
    assert loaded.notes == []
    assert loaded.frame["breach_date"].tolist() == [pd.Timestamp("2026-07-15"),
                                                    pd.Timestamp("2026-07-16")]
    assert loaded.frame.loc[0, "dob"] == pd.Timestamp("1990-01-02")
    assert one(loaded.checks, "FILE-DATE-TIME", "dob").success
    found = one(loaded.checks, "FILE-DATE-TIME", "breach_date")  # a time is still a time
    assert found.location == "breaches.xlsx, sheet 'Sheet', column B (breach_date), row 3"


def test_a_date_that_is_not_one_shows_what_is_expected(tmp_path):
    path = write(tmp_path / "breaches.csv", "ref,breach_date,dob\nA,15th July,\nB,31/13/2026,\n")
    found = one(read_source(path, BREACHES).checks, "FILE-TYPE", "breach_date")
    assert not found.success
    assert found.message == (
        "Every breach_date is a date from 1900 to 2099 (e.g. 2026-07-15 or 15/07/2026).")
    assert found.sample == "15th July, 31/13/2026"
    assert found.location == "breaches.csv, column B (breach_date), rows 2, 3"


# --- a one-file source in two formats -----------------------------------------------------


def test_a_source_in_two_formats_is_refused_naming_both(tmp_path):
    write(tmp_path / "enforcement-log.csv", "ref,n\nA,1\n")
    write(tmp_path / "enforcement-log.xlsx", "")
    with pytest.raises(AmbiguousSource) as refused:
        find_source(tmp_path, LOG)
    assert str(refused.value) == (
        f"enforcement-log.csv and enforcement-log.xlsx are both in {tmp_path}: which is "
        "current? Move the other out of the folder and run again.")
    assert isinstance(refused.value, ValueError)
    (tmp_path / "enforcement-log.xlsx").unlink()
    assert find_source(tmp_path, LOG) == [tmp_path / "enforcement-log.csv"]


# --- a name close to the expected one ------------------------------------------------------


@pytest.mark.parametrize("name", [
    "enforcement-log (1).csv", "Enforcement Log.csv", "enforcement_log.csv",
    "enforcement-log.csv.csv", "enforcement-log - Copy.csv", "Copy of enforcement-log.csv"])
def test_a_missing_file_names_a_file_of_a_close_name(tmp_path, ctx, name):
    write(tmp_path / name, "ref,n\nA,1\n")
    write(tmp_path / "~$enforcement-log.csv", "")  # Excel's owner file: never suggested
    write(tmp_path / "enforcement-log.docx", "")  # not a spreadsheet
    write(tmp_path / "breach-register.csv", "ref,n\n")  # another file altogether
    [path] = find_source(tmp_path, LOG)
    got = collect.fn(LOG, [path], tmp_path / "archive", ctx)
    [missing] = got.checks
    assert (missing.code, missing.success) == ("FILE-MISSING", False)
    assert missing.message == (
        f"No enforcement log was found: expected {tmp_path / 'enforcement-log.csv'}. "
        f"{name} is there: if it is the current file, rename it enforcement-log.csv.")


def test_several_close_names_are_all_offered_with_their_endings(tmp_path, ctx):
    write(tmp_path / "Enforcement Log.xlsx", "")
    write(tmp_path / "enforcement-log (1).csv", "ref,n\nA,1\n")
    path = tmp_path / "enforcement-log.csv"
    assert near_misses(path) == [tmp_path / "Enforcement Log.xlsx",
                                 tmp_path / "enforcement-log (1).csv"]
    [missing] = collect.fn(LOG, [path], tmp_path / "archive", ctx).checks
    assert missing.message.endswith(
        "Enforcement Log.xlsx and enforcement-log (1).csv are there: if one of them is the "
        "current file, rename it enforcement-log.xlsx or enforcement-log.csv, keeping its "
        "ending.")


def test_a_missing_file_with_nothing_close_says_only_what_was_expected(tmp_path, ctx):
    write(tmp_path / "fire-extract.csv", "ref,n\n")
    path = tmp_path / "police-extract.csv"
    [missing] = collect.fn(LOG, [path], tmp_path / "archive", ctx).checks
    assert missing.message == f"No enforcement log was found: expected {path}."


# --- a copy left in a many-file source's folder ---------------------------------------------


def returns_file(path, months: list[str], first: int = 1):
    rows = "".join(f"SAV-{i:03},{m},10\n" for i, m in enumerate(months, start=first))
    return write(path, "reference,month,forecast\n" + rows)


def test_two_files_reporting_the_same_records_are_named(tmp_path, ctx):
    folder = tmp_path / "returns"
    returns_file(folder / "savings-adults.csv", ["2026-07"] * 14)
    returns_file(folder / "savings-adults - Copy.csv", ["2026-07"] * 14)
    returns_file(folder / "savings-children.csv", ["2026-07"] * 3, first=50)
    got = collect.fn(RETURNS, find_source(tmp_path, RETURNS), tmp_path / "archive", ctx,
                     folder=folder)
    duplicate = got.checks[0]  # before anything else the run reports of the source
    assert (duplicate.code, duplicate.success, duplicate.severity) == (
        "FILE-DUPLICATE", False, "error")
    assert duplicate.expectation_type == "file"
    assert duplicate.message == (
        "savings-adults - Copy.csv and savings-adults.csv report the same 14 records (the "
        "same reference and month, at rows 2-15 of each): keep the current file in the "
        "folder, move the other out and run again.")
    assert duplicate.location == (
        "savings-adults - Copy.csv, rows 2-15; savings-adults.csv, rows 2-15")
    assert duplicate.unexpected_count == 14
    assert [c.code for c in got.checks if not c.success] == ["FILE-DUPLICATE"]
    assert len(got.frame) == 31  # every row is still read: which file is current is not known


def test_files_sharing_only_some_records_name_the_rows_of_each(tmp_path, ctx):
    folder = tmp_path / "returns"
    older = write(folder / "adults-june.csv", "reference,month,forecast\n"
                  "SAV-001,2026-06,10\nSAV-002,2026-06,5\nSAV-009,2026-06,1\n")
    newer = write(folder / "adults-july.csv", "reference,month,forecast\n"
                  "SAV-001,2026-07,10\n,2026-06,1\nSAV-002,2026-06,5\n")
    got = collect.fn(RETURNS, [older, newer], tmp_path / "archive", ctx, folder=folder)
    duplicate = one(got.checks, "FILE-DUPLICATE")
    assert duplicate.message == (
        "adults-june.csv and adults-july.csv report the same 1 record (the same reference "
        "and month, at row 3 of adults-june.csv, row 4 of adults-july.csv): keep the current "
        "file in the folder, move the other out and run again.")


def test_files_reporting_different_records_pass(tmp_path, ctx):
    folder = tmp_path / "returns"
    paths = [returns_file(folder / "adults.csv", ["2026-06", "2026-07"]),
             returns_file(folder / "children.csv", ["2026-07"], first=3)]
    got = collect.fn(RETURNS, paths, tmp_path / "archive", ctx, folder=folder)
    passed = one(got.checks, "FILE-DUPLICATE")
    assert passed.success
    assert passed.message == "No two directorate returns files report the same records."


def test_the_many_file_sources_declare_their_keys():
    assert STATUS_SUBMISSIONS.key == ("reference", "month")
    assert PROVIDER_MONITORING.key == ("provider", "quarter", "accommodation_type")
    with pytest.raises(ValueError, match="its key names no column quarter"):
        Source("s", "S", (Column("provider"),), many=True, key=("provider", "quarter"))
