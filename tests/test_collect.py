"""Collecting a source of many files: found in its folder, stacked, every row traceable."""

import great_expectations as gx
import pytest

from statreturns.declaration import Column, Source
from tasks.collect import collect, files_in
from tasks.read import FILE, ROW
from tasks.validate import run_suite, stacked_locator

MONITORING = Source("monitoring", "Provider monitoring", (
    Column("provider"), Column("households", "integer")), many=True)


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "monitoring"
    return folder, [
        write(folder / "alpha-2025-Q1.csv", "provider,households\nalpha,12\nalpha,3\n"),
        write(folder / "beta-2025-Q1.csv", "provider,households\n\nbeta,-4\nbeta,7\n"),
    ]


def test_files_of_a_folder_are_its_spreadsheets_by_name(files):
    folder, paths = files
    write(folder / ".alpha-2025-Q2.csv.partial", "provider,households\n")
    write(folder / "notes.docx", "not a spreadsheet")
    write(folder / ".hidden.csv", "provider,households\n")
    assert files_in(folder) == paths
    assert files_in(folder / "nowhere") == []


def test_rows_of_every_file_are_stacked_with_their_file_and_row(files, tmp_path, ctx):
    _, paths = files
    got = collect.fn(MONITORING, paths, tmp_path / "archive", ctx)
    assert [c.code for c in got.checks if not c.success] == []
    assert got.frame[["provider", "households", FILE, ROW]].to_dict("list") == {
        "provider": ["alpha", "alpha", "beta", "beta"],
        "households": [12, 3, -4, 7],
        FILE: ["alpha-2025-Q1.csv"] * 2 + ["beta-2025-Q1.csv"] * 2,
        ROW: [2, 3, 3, 4],  # the blank line in beta's file is row 2
    }
    assert [c.path.name for c in got.files] == ["alpha-2025-Q1.csv", "beta-2025-Q1.csv"]
    assert all(c.sha256 and c.archive_path.exists() for c in got.files)
    assert got.letters == {"alpha-2025-Q1.csv": {"provider": "A", "households": "B"},
                           "beta-2025-Q1.csv": {"provider": "A", "households": "B"}}


def test_a_failure_is_located_in_the_file_and_row_it_came_from(files, tmp_path, ctx):
    _, paths = files
    got = collect.fn(MONITORING, paths, tmp_path / "archive", ctx)
    suite = gx.ExpectationSuite(name="monitoring", expectations=[
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="households", min_value=0, meta={"code": "T-1", "severity": "error"},
            description="Households are not negative."),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="households", min_value=5, meta={"code": "T-2", "severity": "query"},
            description="At least five households.")])
    locate = stacked_locator(got.frame, got.letters)
    one, two = run_suite(got.frame, suite, {}, locate=locate)
    assert one.location == "beta-2025-Q1.csv, column B (households), row 3"
    assert two.location == ("alpha-2025-Q1.csv, column B (households), row 3; "
                            "beta-2025-Q1.csv, column B (households), row 3")
    assert locate(["households"], [0, 3], 7) == (
        "alpha-2025-Q1.csv, column B (households), row 2; "
        "beta-2025-Q1.csv, column B (households), row 4; and 5 more rows")


def test_an_unreadable_file_is_reported_and_the_others_still_read(files, tmp_path, ctx):
    folder, paths = files
    broken = write(folder / "gamma-2025-Q1.csv", "supplier,count\ngamma,1\n")
    got = collect.fn(MONITORING, [*paths, broken], tmp_path / "archive", ctx)
    [failed] = [c for c in got.checks if not c.success]
    assert failed.code == "FILE-COLUMNS" and "gamma-2025-Q1.csv" in failed.message
    assert set(got.frame[FILE]) == {"alpha-2025-Q1.csv", "beta-2025-Q1.csv"}
    assert len(got.files) == 3


def test_no_files_at_all_is_a_missing_source_naming_the_folder(tmp_path, ctx):
    got = collect.fn(MONITORING, [], tmp_path / "archive", ctx, folder=tmp_path / "monitoring")
    [missing] = got.checks
    assert (missing.code, missing.success, missing.severity) == ("FILE-MISSING", False, "error")
    assert missing.message == (f"No provider monitoring files were found in "
                               f"{tmp_path / 'monitoring'}.")
    assert got.frame is None


def test_a_folder_given_for_a_many_file_source_stands_for_its_files(files, pspo, ctx):
    import dataclasses

    from flows.skeleton import RunRefused, source_paths

    folder, paths = files
    declaration = dataclasses.replace(pspo, sources=(MONITORING,))
    assert source_paths(declaration, ctx, [f"monitoring={folder}"]) == {"monitoring": paths}
    assert source_paths(declaration, ctx, [f"monitoring={p}" for p in paths]) == {
        "monitoring": paths}
    with pytest.raises(RunRefused, match="enforcement-log is one file; 2 were given"):
        source_paths(pspo, ctx, [f"enforcement-log={p}" for p in paths])
