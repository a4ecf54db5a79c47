"""What changed between two versions: tables cell by cell, and rules that turned."""

from tasks.changes import Change, quality_changes, table_changes


def _table(columns: list[str], *rows: list) -> dict:
    return {"title": "A table", "published": True, "suppressed": False, "columns": columns,
            "rows": [list(r) for r in rows]}


WARDS = ["Ward", "Breaches", "Fines"]
KEYS = {"by_ward": ("Ward",), "by_month": ("Order", "Month"), "notes": ("Order",)}


def test_the_same_tables_give_no_changes():
    tables = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Total", 4, 1])}
    assert table_changes(tables, tables, KEYS) == []


def test_edited_cells_one_change_each_in_column_order():
    old = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Bordesley", 7, 2], ["Total", 11, 3])}
    new = {"by_ward": _table(WARDS, ["Aston", 5, 1], ["Bordesley", 7, 2], ["Total", 12, 0])}
    assert table_changes(old, new, KEYS) == [
        Change("by_ward", "Aston", "Breaches", "4", "5"),
        Change("by_ward", "Total", "Breaches", "11", "12"),
        Change("by_ward", "Total", "Fines", "3", "0"),
    ]


def test_rows_are_matched_by_key_not_position():
    old = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Bordesley", 7, 2])}
    new = {"by_ward": _table(WARDS, ["Bordesley", 7, 2], ["Aston", 4, 1])}
    assert table_changes(old, new, KEYS) == []


def test_added_and_removed_rows():
    old = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Bordesley", 7, 2], ["Total", 11, 3])}
    new = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Cotteridge", 7, 2], ["Total", 11, 3])}
    assert table_changes(old, new, KEYS) == [
        Change("by_ward", "Cotteridge", "(row)", "", "added"),
        Change("by_ward", "Bordesley", "(row)", "", "removed"),
    ]


def test_added_and_removed_tables_new_order_then_removed():
    ward = _table(WARDS, ["Aston", 4, 1])
    notes = _table(["Order", "Note"], ["City Centre", "x"])
    old = {"notes": notes, "by_ward": ward}
    new = {"by_month": _table(["Order", "Month", "Breaches"], ["City Centre", "2026-10", 1]),
           "by_ward": _table(WARDS, ["Aston", 4, 2])}
    assert table_changes(old, new, KEYS) == [
        Change("by_month", "(table)", "", "", "added"),
        Change("by_ward", "Aston", "Fines", "1", "2"),
        Change("notes", "(table)", "", "", "removed"),
    ]


def test_numbers_compare_by_value_and_print_without_point_zero():
    old = {"by_ward": _table(WARDS, ["Aston", 1, 2.5], ["Bordesley", 3.0, 2])}
    new = {"by_ward": _table(WARDS, ["Aston", 1.0, 2.5], ["Bordesley", 4.0, 2.0])}
    assert table_changes(old, new, KEYS) == [Change("by_ward", "Bordesley", "Breaches", "3", "4")]


def test_suppressed_and_missing_cells_are_text_like_any_other():
    old = {"by_ward": _table(WARDS, ["Aston", "[c]", 1], ["Bordesley", 7, None])}
    new = {"by_ward": _table(WARDS, ["Aston", 6, "[c]"], ["Bordesley", "[c]", 0])}
    assert table_changes(old, new, KEYS) == [
        Change("by_ward", "Aston", "Breaches", "[c]", "6"),
        Change("by_ward", "Aston", "Fines", "1", "[c]"),
        Change("by_ward", "Bordesley", "Breaches", "7", "[c]"),
        Change("by_ward", "Bordesley", "Fines", "", "0"),
    ]


def test_a_key_of_two_index_columns_is_joined():
    columns = ["Order", "Month", "Breaches"]
    old = {"by_month": _table(columns, ["City Centre", "2026-09", 3], ["Parks", "2026-09", 1],
                              ["Parks", "2026-10", 2])}
    new = {"by_month": _table(columns, ["City Centre", "2026-09", 5], ["Parks", "2026-09", 1],
                              ["City Centre", "2026-10", 1])}
    assert table_changes(old, new, KEYS) == [
        Change("by_month", "City Centre / 2026-09", "Breaches", "3", "5"),
        Change("by_month", "City Centre / 2026-10", "(row)", "", "added"),
        Change("by_month", "Parks / 2026-10", "(row)", "", "removed"),
    ]


RATINGS = ["Benchmark", "This year", "Last year", "Change", "Evidence"]
RATING_KEYS = {"ratings": ("Benchmark",)}  # the table's declared key: its index is wider


def test_a_row_whose_figures_in_the_index_changed_is_a_set_of_changed_cells():
    old = {"ratings": _table(RATINGS, ["Plan", "Meeting", "Meeting", "same", 2],
                             ["Training", "Exceeding", "Meeting", "up", 5])}
    new = {"ratings": _table(RATINGS, ["Plan", "Exceeding", "Meeting", "up", 4],
                             ["Training", "Exceeding", "Meeting", "up", 5])}
    assert table_changes(old, new, RATING_KEYS) == [
        Change("ratings", "Plan", "This year", "Meeting", "Exceeding"),
        Change("ratings", "Plan", "Change", "same", "up"),
        Change("ratings", "Plan", "Evidence", "2", "4"),
    ]


def test_tables_whose_index_holds_changing_words_declare_the_key_their_rows_have():
    from flows import registry

    keys = {(rid, name): key for rid, d in registry.declarations().items()
            for name, key in d.row_keys.items()}
    assert keys["prevent-benchmarks", "benchmarks"] == ("Benchmark",)
    assert keys["prevent-benchmarks", "project_quarters"] == ("Project", "Quarter")
    assert keys["savings-tracker", "movements"] == keys["savings-tracker", "at_risk"] == (
        "Reference",)
    assert keys["pspo-breaches", "by_condition_month"] == ("Order", "Condition", "Section")


def test_a_key_ending_in_blanks_is_named_without_them():
    columns = ["Order", "Month", "Breaches"]
    old = {"by_month": _table(columns, ["Parks", "2026-09", 1], ["Parks", "2026-10", 2],
                              ["Total", "", 3])}
    new = {"by_month": _table(columns, ["Parks", "2026-09", 1], ["Parks", "2026-10", 3],
                              ["Total", "", 4])}
    assert table_changes(old, new, KEYS) == [
        Change("by_month", "Parks / 2026-10", "Breaches", "2", "3"),
        Change("by_month", "Total", "Breaches", "3", "4"),
    ]


def test_rows_repeating_the_whole_index_are_numbered_not_lost():
    old = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Aston", 2, 0])}
    new = {"by_ward": _table(WARDS, ["Aston", 4, 1], ["Aston", 3, 0], ["Aston", 1, 1])}
    assert table_changes(old, new, KEYS) == [
        Change("by_ward", "Aston (2)", "Breaches", "2", "3"),
        Change("by_ward", "Aston (3)", "(row)", "", "added"),
    ]


def test_added_and_removed_columns_show_every_cell():
    old = {"by_ward": _table(["Ward", "Breaches", "Old"], ["Aston", 4, 9])}
    new = {"by_ward": _table(["Ward", "New", "Breaches"], ["Aston", 0, 4])}
    assert table_changes(old, new, KEYS) == [
        Change("by_ward", "Aston", "New", "", "0"),
        Change("by_ward", "Aston", "Old", "9", ""),
    ]


def _result(code: str, success: bool, column: str | None = None) -> dict:
    return {"code": code, "column": column, "success": success, "severity": "query"}


def test_quality_changes_compare_by_code_and_column():
    old = [_result("R-001", True), _result("R-002", False), _result("R-003", False, "a"),
           _result("R-003", True, "b"), _result("R-004", False), _result("R-005", False)]
    new = [_result("R-001", False), _result("R-002", True), _result("R-003", True, "a"),
           _result("R-003", False, "b"), _result("R-004", False), _result("R-006", False),
           _result("R-007", True)]
    assert quality_changes(old, new) == {"newly failing": ["R-001", "R-003", "R-006"],
                                         "newly passing": ["R-002", "R-003"]}


def test_quality_changes_list_each_code_once():
    old = [_result("R-001", True, "a"), _result("R-001", True, "b")]
    new = [_result("R-001", False, "a"), _result("R-001", False, "b")]
    assert quality_changes(old, new) == {"newly failing": ["R-001"], "newly passing": []}
    assert quality_changes(new, new) == {"newly failing": [], "newly passing": []}
