"""Community safety performance assembly: the board table rebuilt from a few quarterly counts,
the draft's disagreements, "No data available" carried through, and the demo data."""

import pandas as pd
import pytest
from pydantic import ValidationError
from test_csp_performance_rules import CTX, FIRE, POLICE, draft_rows, extract_rows, frames

from flows.csp_performance import (
    DECLARATION,
    NO_DATA,
    Performance,
    agrees,
    printed,
    quarters_of,
    recompute,
)
from flows.demo_data.csp_performance import generate
from statreturns import authorities
from statreturns.periods import parse_period

CFG = CTX.config
BOARD_COLUMNS = ["Measure", "Same quarter last year", "This quarter", "Previous quarter",
                 "Year to date", "Last year to date", "Difference", "% difference", "Direction",
                 "MSG rank", "Group rate", "Own rate"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return DECLARATION.assemble(frames(tmp_path_factory.mktemp("assembly")), CTX)


@pytest.fixture
def assemble(tmp_path):
    return lambda **sources: DECLARATION.assemble(frames(tmp_path, **sources), CTX)


def records(table: pd.DataFrame) -> list[list]:
    return [list(row) for row in table.itertuples(index=False)]


# --- quarters ------------------------------------------------------------------------------


def test_quarters_of_the_second_quarter():
    q = quarters_of(parse_period("2026-Q2"))
    assert (q.this, q.previous, q.same_last_year) == ("2026-Q2", "2026-Q1", "2025-Q2")
    assert q.this_year == ("2026-Q1", "2026-Q2")
    assert q.last_year_to_date == ("2025-Q1", "2025-Q2")
    assert q.expected == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")


def test_the_first_quarter_follows_the_last_of_last_year():
    q = quarters_of(parse_period("2026-Q1"))
    assert (q.this, q.previous, q.same_last_year) == ("2026-Q1", "2025-Q4", "2025-Q1")
    assert q.this_year == ("2026-Q1",) and q.last_year_to_date == ("2025-Q1",)


def test_the_fourth_quarter_is_january_to_march():
    period = parse_period("2026-Q4")
    assert (period.start.isoformat(), period.end.isoformat()) == ("2027-01-01", "2027-03-31")
    q = quarters_of(period)
    assert q.this_year == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert q.last_year_to_date == q.last_year


# --- the tables ----------------------------------------------------------------------------


def test_assembles_every_declared_table(tables):
    assert [t.name for t in DECLARATION.tables] == [
        "board_table", "disagreements", "quarterly_counts"]
    assert set(tables) == {"board_table", "disagreements", "quarterly_counts", "_draft_cells"}


def test_board_table_is_rebuilt_from_the_counts(tables):
    board = tables["board_table"]
    assert list(board.columns) == BOARD_COLUMNS
    assert records(board) == [
        ["Shop theft", 110, 120, 105, 225, 210, 15, "7.1%", "Up", 4, "1.20", "1.13"],
        ["Residential burglary", 40, 35, 40, 75, 90, -15, "-16.7%", "Down", 9, "1.02", "0.94"],
        ["Deliberate fires", NO_DATA, 32, 28, 60, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA,
         NO_DATA, "0.30"],
        ["Forced marriage", 0, 1, 2, 3, 0, 3, "n/a", "Up", 12, "0.01", "0.02"],
    ]


def test_quarterly_counts_show_no_data_as_it_came(tables):
    counts = tables["quarterly_counts"]
    assert list(counts.columns) == ["Measure", "Source", "2025-Q1", "2025-Q2", "2025-Q3",
                                    "2025-Q4", "2026-Q1", "2026-Q2"]
    assert records(counts) == [
        ["Shop theft", "Police", *POLICE["Shop theft"]],
        ["Residential burglary", "Police", *POLICE["Residential burglary"]],
        ["Deliberate fires", "Fire service", *FIRE["Deliberate fires"]],
        ["Forced marriage", "Police", *POLICE["Forced marriage"]],
    ]


def test_a_draft_that_agrees_has_no_disagreements(tables):
    assert tables["disagreements"].empty
    assert list(tables["disagreements"].columns) == ["Measure", "Column", "Draft", "Recomputed"]
    assert tables["_draft_cells"]["agrees"].tolist() == [True] * 36


def test_disagreements_name_measure_column_draft_and_recomputed(assemble):
    tables = assemble(draft=draft_rows(
        Shop_theft={"pct_difference": "12.3%", "difference": 51},
        Deliberate_fires={"last_year_to_date": 30, "direction": "up"},
        Forced_marriage={"pct_difference": "0.0%", "own_rate": NO_DATA}))
    assert records(tables["disagreements"]) == [
        ["Shop theft", "Difference", "51", "15"],
        ["Shop theft", "% difference", "12.3%", "7.1%"],
        ["Deliberate fires", "Last year to date", "30", NO_DATA],
        ["Deliberate fires", "Direction", "up", NO_DATA],
        ["Forced marriage", "% difference", "0.0%", "n/a"],
        ["Forced marriage", "Own rate", NO_DATA, "0.02"],
    ]
    # The board table is the recomputed one, whatever the draft says.
    assert tables["board_table"].iloc[0]["% difference"] == "7.1%"


def test_a_blank_or_unreadable_draft_cell_disagrees(assemble):
    tables = assemble(draft=draft_rows(Shop_theft={"this_quarter": "", "pct_difference": "7,1"},
                                       Residential_burglary={"direction": "falling"}))
    assert records(tables["disagreements"]) == [
        ["Shop theft", "This quarter", "(blank)", "120"],
        ["Shop theft", "% difference", "7,1", "7.1%"],
        ["Residential burglary", "Direction", "falling", "Down"],
    ]


def test_no_data_this_year_carries_through_and_is_never_zero(assemble):
    fire = extract_rows({"Deliberate fires": [30, 31, 25, 20, NO_DATA, 32]})
    board = assemble(fire=fire)["board_table"].set_index("Measure")
    assert board.loc["Deliberate fires"].tolist() == [
        31, 32, NO_DATA, NO_DATA, 61, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA]


def test_a_missing_quarter_is_blank_neither_zero_nor_no_data(assemble):
    police = [r for r in extract_rows(POLICE) if (r["measure"], r["quarter"]) != (
        "Shop theft", "2026-Q1")]
    tables = assemble(police=police)
    assert records(tables["board_table"])[0] == [
        "Shop theft", 110, 120, None, None, 210, None, None, None, 4, "1.20", None]
    assert records(tables["quarterly_counts"])[0] == [
        "Shop theft", "Police", 100, 110, 120, 130, None, 120]
    assert tables["disagreements"].empty  # nothing to compare where a quarter is missing


def test_a_measure_without_a_draft_row_is_still_rebuilt(assemble):
    tables = assemble(draft=[r for r in draft_rows() if r["measure"] != "Shop theft"])
    assert records(tables["board_table"])[0] == [
        "Shop theft", 110, 120, 105, 225, 210, 15, "7.1%", "Up", None, None, "1.13"]
    assert tables["disagreements"].empty


def test_headline(tables, assemble):
    assert DECLARATION.headline(tables, CTX) == [
        ("Measures up on last year to date", "2"),
        ("Measures down on last year to date", "1"),
        ("Measures level with last year to date", "0"),
        ("Measures without data to compare", "1"),
        ("Draft figures that disagree with the recomputed ones", "0"),
    ]
    wrong = assemble(draft=draft_rows(Shop_theft={"year_to_date": 120}))
    assert DECLARATION.headline(wrong, CTX)[-1][1] == "1"


# --- the figures ---------------------------------------------------------------------------


def test_recompute_from_counts():
    q = quarters_of(parse_period("2026-Q2"))
    counts = {"2025-Q1": 10, "2025-Q2": 10, "2025-Q3": 5, "2025-Q4": 5, "2026-Q1": 10,
              "2026-Q2": 10}
    assert recompute(counts, q, 10_000) == {
        "same_quarter_last_year": 10, "this_quarter": 10, "previous_quarter": 10,
        "year_to_date": 20, "last_year_to_date": 20, "difference": 0, "pct_difference": 0.0,
        "direction": "level", "own_rate": 2.0}


@pytest.mark.parametrize(("value", "kind", "shown"), [
    (12.25, "percent", "12.3%"),  # half away from zero, as a spreadsheet rounds
    (-12.25, "percent", "-12.3%"),
    (-0.04, "percent", "0.0%"),  # never -0.0%
    (0.015, "rate", "0.02"),
    (1234.5, "rate", "1,234.50"),
    (NO_DATA, "rate", NO_DATA),
    ("up", "word", "Up"),
    (None, "count", None),
])
def test_printed(value, kind, shown):
    assert printed(value, kind, CFG) == shown


@pytest.mark.parametrize(("draft", "exact", "kind", "agree"), [
    (12.3, 12.3499, "percent", True),
    (12.3, 12.2501, "percent", True),
    (12.3, 12.36, "percent", False),
    (0.94, 0.9375, "rate", True),
    (0.93, 0.9375, "rate", False),
    (15, 15, "count", True),
    (14, 15, "count", False),
    (0, NO_DATA, "count", False),  # no data is not zero
    (NO_DATA, NO_DATA, "count", True),
    (NO_DATA, 15, "count", False),
    ("n/a", "n/a", "percent", True),
    (0.0, "n/a", "percent", False),
    ("down", "up", "word", False),
    (None, 15, "count", False),
    (15, None, "count", None),  # a quarter missing: nothing to compare
])
def test_agrees(draft, exact, kind, agree):
    assert agrees(draft, exact, kind, CFG) is agree


def test_measures_must_differ_by_name_and_id():
    with pytest.raises(ValidationError, match="share a name or id"):
        Performance.model_validate({"population": 1, "households": 1, "measures": [
            {"id": "shop-theft", "name": "Shop theft", "source": "police"},
            {"id": "shoplifting", "name": "Shop-theft", "source": "police"}]})


# --- the demo data -------------------------------------------------------------------------


def test_demo_data_is_realistic_and_the_same_every_time():
    period = parse_period("2026-Q2")
    config = authorities.load_config(DECLARATION, "demo")
    first, again = generate(period, config, problems=True), generate(period, config,
                                                                     problems=True)
    assert all(first[k].equals(again[k]) for k in first)
    assert len(config.measures) == 22
    police = first["police-extract"].set_index(["measure", "quarter"])["count"]
    assert police.loc["Total recorded crime"].between(30_000, 50_000).all()
    assert police.loc["Female genital mutilation"].between(0, 9).all()
    assert police.loc["Forced marriage"].between(0, 9).all()
    fire = first["fire-extract"]
    assert fire["count"].tolist().count(NO_DATA) == 1
    assert fire.loc[fire["count"] == NO_DATA, "quarter"].tolist() == ["2025-Q2"]
    clean = generate(period, config)["draft-table"]
    changed = (clean != first["draft-table"]).stack()
    assert sorted(changed[changed].index.get_level_values(1)) == [
        "last_year_to_date", "pct_difference", "year_to_date"]
