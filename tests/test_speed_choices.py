"""What was changed for speed keeps its meaning: rules checked column by column come back in
the suite's order; dates are parsed once per distinct text whatever order the formats come
in; names are matched per distinct value; heartbeats stay where a server can use them."""

import great_expectations as gx
import pandas as pd
import pytest
from prefect.settings import get_current_settings, temporary_settings

from statreturns import heartbeats
from statreturns.matching import key, keys
from tasks.read import DATE_FORMATS, DATETIME_FORMATS, _parse_dates
from tasks.validate import run_suite


def rule(kind: str, code: str, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "description": f"rule {code}",
            "meta": {"code": code, "severity": "error"}}


def test_rules_over_different_columns_come_back_in_the_suite_order_with_their_rows():
    frame = pd.DataFrame({"a": [1, 2, None, 4], "b": ["x", "y", "y", "z"],
                          "c": [1, 1, 2, 3], "name": ["p", "q", "r", "s"]},
                         index=[10, 11, 12, 13])
    suite = gx.ExpectationSuite(name="s", expectations=[
        rule("expect_column_values_to_not_be_null", "R1", column="a"),
        rule("expect_column_values_to_be_in_set", "R2", column="b", value_set=["x", "y"]),
        rule("expect_column_values_to_be_between", "R3", column="a", min_value=2),
        rule("expect_column_pair_values_to_be_equal", "R4", column_A="a", column_B="c"),
        rule("expect_column_values_to_be_unique", "R5", column="c"),
        rule("expect_column_values_to_not_be_null", "R6", column="no_such_column"),
    ])
    checks = run_suite(frame, suite, {}, locate=lambda cols, index, n: f"{cols} {index}")
    assert [c.code for c in checks] == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert [(c.success, c.unexpected_count) for c in checks[:5]] == [
        (False, 1), (False, 1), (False, 1), (False, 3), (False, 2)]
    assert checks[0].location == "['a'] [12]"
    assert checks[1].location == "['b'] [13]" and checks[1].sample == "z"
    assert checks[3].location == "['a', 'c'] [11, 12, 13]"
    assert checks[4].location == "['c'] [10, 11]"
    assert not checks[5].success and "could not be checked" in checks[5].message


def test_great_expectations_is_handed_only_the_columns_the_rules_name(monkeypatch):
    import tasks.validate as validate

    handed = []
    real = validate._batch_definition()

    class Spy:
        def get_batch(self, batch_parameters):
            handed.append(sorted(batch_parameters["dataframe"].columns))
            return real.get_batch(batch_parameters=batch_parameters)

    monkeypatch.setattr(validate, "_batch_definition", Spy)
    frame = pd.DataFrame({"a": [None, 1], "b": [1, 2], "name": ["Distinctive Name", "X"]})
    suite = gx.ExpectationSuite(name="s", expectations=[
        rule("expect_column_values_to_not_be_null", "R1", column="a"),
        rule("expect_column_pair_values_to_be_equal", "R2", column_A="a", column_B="b"),
        rule("expect_column_values_to_be_between", "R3", column="a", min_value=0)])
    checks = run_suite(frame, suite, {}, locate=lambda *_: "")
    assert handed == [["a"], ["a", "b"]]
    assert [c.unexpected_count for c in checks] == [1, 2, 0]


@pytest.mark.parametrize("formats", [DATETIME_FORMATS, DATETIME_FORMATS[::-1]])
def test_dates_of_several_formats_parse_alike_whatever_order_the_formats_are_tried(formats):
    texts = pd.Series(["2026-01-02 03:04", "2026-01-02 03:04", "02/01/2026 03:04", None,
                       "2026-01-02T03:04:05", "not a date", "1899-12-31 10:00"] * 40)
    parsed = _parse_dates(texts, formats)
    assert parsed.index.equals(texts.index)
    assert parsed.head(7).tolist()[:3] == [pd.Timestamp("2026-01-02 03:04")] * 3
    assert parsed[4] == pd.Timestamp("2026-01-02 03:04:05")
    assert parsed.head(7).isna().tolist() == [False, False, False, True, False, True, True]


def test_a_column_mostly_in_one_format_still_reads_the_odd_other_one():
    texts = pd.Series(["2026-03-01"] * 300 + ["15/03/2026"], index=range(5, 306))
    parsed = _parse_dates(texts, DATE_FORMATS)
    assert parsed[305] == pd.Timestamp("2026-03-15") and parsed.notna().all()


def test_keys_are_worked_out_per_value_and_keep_missing_and_the_index():
    values = pd.Series(["Second-stage / Move-on", None, "Second-stage / Move-on", "A  b", 3.0],
                       index=[7, 8, 9, 10, 11], dtype=object)
    found = keys(values, "_")
    assert found.index.tolist() == [7, 8, 9, 10, 11]
    assert found.tolist() == ["second_stage_move_on", pd.NA, "second_stage_move_on", "a_b",
                              "3_0"]
    assert found[7] == key("Second-stage / Move-on", "_")


def test_runs_on_the_temporary_server_send_no_heartbeats():
    with temporary_settings(restore_defaults={"api.url"}):
        assert get_current_settings().flows.heartbeat_frequency == 180
        with heartbeats.only_where_watched():
            assert get_current_settings().flows.heartbeat_frequency is None
            with heartbeats.only_where_watched():  # nested: still none, nothing rebuilt
                assert get_current_settings().flows.heartbeat_frequency is None
        assert get_current_settings().flows.heartbeat_frequency == 180


def test_runs_on_a_shared_server_keep_their_heartbeats():
    with temporary_settings(updates={"api.url": "http://prefect.example:4200/api"}), \
            heartbeats.only_where_watched():
        assert get_current_settings().flows.heartbeat_frequency == 180


def test_settings_kept_outside_the_checkout_give_the_same_rules_fingerprint(
        tmp_path, monkeypatch):
    import shutil

    from statreturns.settings import PROJECT_ROOT, get_settings
    from tasks.versions import rules_fingerprint

    here = rules_fingerprint("pspo-breaches", "demo", 5)
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(tmp_path / "config"))
    get_settings.cache_clear()
    try:
        assert rules_fingerprint("pspo-breaches", "demo", 5) == here
        toml = tmp_path / "config" / "authorities" / "demo" / "pspo-breaches.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
        assert rules_fingerprint("pspo-breaches", "demo", 5) != here
    finally:
        monkeypatch.delenv("STATRETURNS_CONFIG")
        get_settings.cache_clear()


def test_a_large_utf8_file_is_utf8_even_where_a_character_spans_two_pieces(tmp_path):
    from tasks.read import _sniff

    body = b"a,b\n" + b"x,y\n" * 262142 + b"x,q" + "\u00e9\n".encode()  # é across 1 MiB
    assert body[(1 << 20) - 1] == 0xC3 and body[1 << 20] == 0xA9
    (tmp_path / "big.csv").write_bytes(body + b"z,w\n")
    assert _sniff(tmp_path / "big.csv") == ("utf-8-sig", ",")
    (tmp_path / "latin.csv").write_bytes(body + b"z,\xe9\n")
    assert _sniff(tmp_path / "latin.csv") == ("cp1252", ",")


def test_threads_validating_at_once_each_see_their_own_rows():
    from concurrent.futures import ThreadPoolExecutor

    def check(i: int) -> list[tuple[str, int, bool]]:
        column = f"c{i % 4}"
        frame = pd.DataFrame({column: [None] * (i % 4 + 1) + list(range(50)),
                              "other": range(i % 4 + 51)})
        suite = gx.ExpectationSuite(name=f"s{i}", expectations=[
            rule("expect_column_values_to_not_be_null", "N", column=column),
            rule("expect_column_values_to_be_between", "B", column="other", min_value=0)])
        return [(c.code, c.unexpected_count, "could not be checked" in c.message)
                for c in run_suite(frame, suite, {}, locate=lambda *_: "")]

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(check, range(40)))
    assert found == [[("N", i % 4 + 1, False), ("B", 0, False)] for i in range(40)]
