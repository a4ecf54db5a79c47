"""Community safety performance assembly: the board table rebuilt from a few quarterly counts,
the draft's disagreements, "No data available" carried through, and the demo data."""

from fractions import Fraction

import pandas as pd
import pytest
from pydantic import ValidationError
from test_csp_performance_rules import (
    CTX,
    FIRE,
    POLICE,
    config,
    draft_rows,
    extract_rows,
    frames,
)

from flows.csp_performance import (
    DECLARATION,
    NO_DATA,
    YEAR_TO_DATE,
    Cell,
    DraftCell,
    Performance,
    headings,
    printed,
    quarters_of,
    recompute,
)
from flows.demo_data.csp_performance import generate
from statreturns import authorities, rounding
from statreturns.declaration import NOTES, Context
from statreturns.periods import parse_period

CFG = CTX.config
RATE = "Own rate per 1,000 (rolling 12 months)"
BOARD_COLUMNS = ["Measure", "Q2 2025/26 (Jul-Sep)", "Q2 2026/27 (Jul-Sep)",
                 "Q1 2026/27 (Apr-Jun)", "Year to date Apr-Sep 2026", "Year to date Apr-Sep 2025",
                 "Difference", "% difference", "Direction", "MSG rank", "Group rate", RATE]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return DECLARATION.assemble(frames(tmp_path_factory.mktemp("assembly")), CTX)


@pytest.fixture
def assemble(tmp_path):
    return lambda ctx=CTX, **sources: DECLARATION.assemble(
        frames(tmp_path, ctx=ctx, **sources), ctx)


def records(table: pd.DataFrame) -> list[list]:
    return [list(row) for row in table.itertuples(index=False)]


# --- quarters ------------------------------------------------------------------------------


def test_quarters_of_the_second_quarter():
    q = quarters_of(parse_period("2026-Q2"))
    assert (q.this, q.previous, q.same_last_year) == ("2026-Q2", "2026-Q1", "2025-Q2")
    assert q.this_year == ("2026-Q1", "2026-Q2")
    assert q.last_year_to_date == ("2025-Q1", "2025-Q2")
    assert q.rolling == ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")
    assert q.expected == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")


def test_the_first_quarter_follows_the_last_of_last_year():
    q = quarters_of(parse_period("2026-Q1"))
    assert (q.this, q.previous, q.same_last_year) == ("2026-Q1", "2025-Q4", "2025-Q1")
    assert q.this_year == ("2026-Q1",) and q.last_year_to_date == ("2025-Q1",)
    assert q.rolling == ("2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1")


def test_the_fourth_quarter_is_january_to_march():
    period = parse_period("2026-Q4")
    assert (period.start.isoformat(), period.end.isoformat()) == ("2027-01-01", "2027-03-31")
    q = quarters_of(period)
    assert q.this_year == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert q.last_year_to_date == q.last_year
    assert q.rolling == q.this_year


@pytest.mark.parametrize(("period", "named"), [
    ("2026-Q1", ["Q1 2025/26 (Apr-Jun)", "Q1 2026/27 (Apr-Jun)", "Q4 2025/26 (Jan-Mar)",
                 "Year to date Apr-Jun 2026", "Year to date Apr-Jun 2025"]),
    ("2026-Q2", BOARD_COLUMNS[1:6]),
    ("2026-Q4", ["Q4 2025/26 (Jan-Mar)", "Q4 2026/27 (Jan-Mar)", "Q3 2026/27 (Oct-Dec)",
                 "Year to date Apr 2026-Mar 2027", "Year to date Apr 2025-Mar 2026"]),
])
def test_headings_name_the_quarters(period, named):
    heads = headings(quarters_of(parse_period(period)), CFG)
    assert list(heads.values()) == [*named, "Difference", "% difference", "Direction", RATE]


def test_the_rate_heading_names_a_basis_only_where_every_measure_shares_it():
    assert config(shop_theft={"rate": YEAR_TO_DATE}).rate_heading == "Own rate per 1,000"
    assert Performance.model_validate(
        {**CFG.model_dump(), "measures": [m.model_dump() | {"rate": YEAR_TO_DATE}
                                          for m in CFG.measures]}
    ).rate_heading == "Own rate per 1,000 (year to date)"


# --- the tables ----------------------------------------------------------------------------


def test_assembles_every_declared_table(tables):
    assert [t.name for t in DECLARATION.tables] == [
        "board_table", "disagreements", "quarterly_counts"]
    assert set(tables) == {"board_table", "disagreements", "quarterly_counts", "_draft_cells",
                           NOTES}


def test_board_table_is_rebuilt_from_the_counts(tables):
    board = tables["board_table"]
    assert list(board.columns) == BOARD_COLUMNS
    assert records(board) == [
        ["Shop theft", 110, 120, 105, 225, 210, 15, "7.1%", "Up", 4, "1.20", "2.38"],
        ["Residential burglary", 40, 35, 40, 75, 90, -15, "-16.7%", "Down", 9, "1.02", "2.19"],
        ["Deliberate fires", NO_DATA, 32, 28, 60, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA,
         NO_DATA, "0.53"],
        ["Forced marriage", 0, 1, 2, 3, 0, 3, "n/a", "Up", "n/a", "n/a", "0.02"],
    ]


def test_quarterly_counts_show_no_data_as_it_came(tables):
    counts = tables["quarterly_counts"]
    assert list(counts.columns) == [
        "Measure", "Source", "Q1 2025/26 (Apr-Jun)", "Q2 2025/26 (Jul-Sep)",
        "Q3 2025/26 (Oct-Dec)", "Q4 2025/26 (Jan-Mar)", "Q1 2026/27 (Apr-Jun)",
        "Q2 2026/27 (Jul-Sep)"]
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
        ["Deliberate fires", "Year to date Apr-Sep 2025", "30", NO_DATA],
        ["Deliberate fires", "Direction", "up", NO_DATA],
        ["Forced marriage", "% difference", "0.0%", "n/a"],
        ["Forced marriage", RATE, NO_DATA, "0.02"],
    ]
    # The board table is the recomputed one, whatever the draft says.
    assert tables["board_table"].iloc[0]["% difference"] == "7.1%"


def test_a_blank_draft_cell_disagrees(assemble):
    tables = assemble(draft=draft_rows(Shop_theft={"this_quarter": "", "pct_difference": ""},
                                       Residential_burglary={"direction": "falling"}))
    assert records(tables["disagreements"]) == [
        ["Shop theft", "Q2 2026/27 (Jul-Sep)", "(blank)", "120"],
        ["Shop theft", "% difference", "(blank)", "7.1%"],
        ["Residential burglary", "Direction", "falling", "Down"],
    ]


def test_no_data_this_year_carries_through_and_is_never_zero(assemble):
    fire = extract_rows({"Deliberate fires": [30, 31, 25, 20, NO_DATA, 32]})
    board = assemble(fire=fire)["board_table"].set_index("Measure")
    assert board.loc["Deliberate fires"].tolist() == [
        31, 32, NO_DATA, NO_DATA, 61, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA]


def test_a_police_quarter_without_data_gives_no_data_never_zero(assemble):
    police = extract_rows({**POLICE, "Shop theft": [100, "[x]", 120, 130, 105, 120]})
    tables = assemble(police=police)
    assert records(tables["board_table"])[0] == [
        "Shop theft", NO_DATA, 120, 105, 225, NO_DATA, NO_DATA, NO_DATA, NO_DATA, 4, "1.20",
        "2.38"]  # the rolling 12 months do not reach 2025-Q2
    assert records(tables["quarterly_counts"])[0][3] == NO_DATA
    assert records(tables["disagreements"])[:2] == [
        ["Shop theft", "Q2 2025/26 (Jul-Sep)", "110", NO_DATA],
        ["Shop theft", "Year to date Apr-Sep 2025", "210", NO_DATA]]


def test_a_quarter_without_data_in_the_rolling_12_months_leaves_no_rate(assemble):
    police = extract_rows({**POLICE, "Shop theft": [100, 110, "No data available", 130, 105,
                                                    120]})
    shop_theft = records(assemble(police=police)["board_table"])[0]
    assert shop_theft[1:10] == [110, 120, 105, 225, 210, 15, "7.1%", "Up", 4]
    assert shop_theft[-1] == NO_DATA


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
        "Shop theft", 110, 120, 105, 225, 210, 15, "7.1%", "Up", None, None, "2.38"]
    assert tables["disagreements"].empty


def test_a_measure_not_compared_with_its_group_shows_its_msg_figures_as_not_applicable(
        assemble):
    ctx = Context("demo", CTX.period, config(shop_theft={"msg": False}))
    board = assemble(ctx=ctx)["board_table"].set_index("Measure")
    assert board.loc["Shop theft", ["MSG rank", "Group rate"]].tolist() == ["n/a", "n/a"]
    assert board.loc["Residential burglary", ["MSG rank", "Group rate"]].tolist() == [
        9, "1.02"]


def test_a_measure_rated_over_the_year_to_date(assemble):
    """Residential burglary: 75 in the year to date per 80,000 households is 0.9375 per
    1,000; over the rolling 12 months, 175 is 2.1875."""
    ctx = Context("demo", CTX.period, config(residential_burglary={"rate": YEAR_TO_DATE}))
    tables = assemble(ctx=ctx, draft=draft_rows(Residential_burglary={"own_rate": "0.94"}))
    board = tables["board_table"].set_index("Measure")
    assert board.columns[-1] == "Own rate per 1,000"
    assert board["Own rate per 1,000"].tolist() == ["2.38", "0.94", "0.53", "0.02"]
    assert tables["disagreements"].empty
    assert tables[NOTES]["note"].tolist()[-1] == (
        "Own rates per 1,000 are over the rolling 12 months ending with the quarter, but over "
        "the year to date for Residential burglary.")


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

COUNTS = {"2025-Q1": 10, "2025-Q2": 10, "2025-Q3": 5, "2025-Q4": 5, "2026-Q1": 10,
          "2026-Q2": 12}


def test_recompute_from_counts_exactly():
    q = quarters_of(parse_period("2026-Q2"))
    assert recompute(COUNTS, q, 30_000) == {
        "same_quarter_last_year": 10, "this_quarter": 12, "previous_quarter": 10,
        "year_to_date": 22, "last_year_to_date": 20, "difference": 2,
        "pct_difference": Fraction(10), "direction": "up",
        "own_rate": Fraction(32, 30)}  # 5 + 5 + 10 + 12 over the rolling 12 months


def test_the_own_rate_over_the_year_to_date():
    q = quarters_of(parse_period("2026-Q2"))
    assert recompute(COUNTS, q, 30_000, YEAR_TO_DATE)["own_rate"] == Fraction(22, 30)


@pytest.mark.parametrize(("value", "kind", "shown"), [
    (Fraction("12.25"), "percent", "12.3%"),  # half up, as a spreadsheet's ROUND
    (Fraction("-12.25"), "percent", "-12.3%"),
    (Fraction("-0.04"), "percent", "0.0%"),  # never -0.0%
    (Fraction("0.015"), "rate", "0.02"),
    (Fraction("1234.5"), "rate", "1,234.50"),
    (NO_DATA, "rate", NO_DATA),
    ("up", "word", "Up"),
    (None, "count", None),
])
def test_printed(value, kind, shown):
    assert printed(value, kind, CFG) == shown


def _convention(chosen: str) -> rounding.Convention:
    return rounding.find_convention("percentages", [frozenset({chosen})])


TRUNCATES, ROUNDS = _convention(rounding.TOWARD_ZERO), _convention(rounding.HALF_UP)


@pytest.mark.parametrize(("draft", "exact", "convention", "agree"), [
    (DraftCell(Fraction("12.3"), "12.3%", 1), Fraction("12.36"), None, True),  # truncated
    (DraftCell(Fraction("12.3"), "12.3%", 1), Fraction("12.36"), TRUNCATES, True),
    (DraftCell(Fraction("12.3"), "12.3%", 1), Fraction("12.36"), ROUNDS, False),
    (DraftCell(Fraction("12.4"), "12.4%", 1), Fraction("12.36"), TRUNCATES, False),
    (DraftCell(Fraction(12), "12%", 0), Fraction("12.36"), ROUNDS, True),
    (DraftCell(Fraction("12.5"), "12.5%", 1), Fraction("12.36"), None, False),
    (DraftCell(Fraction(0), "0.0%", 1), "n/a", None, False),
    (DraftCell("n/a", "n/a"), "n/a", None, True),
    (DraftCell("n/a", "n/a"), Fraction(0), ROUNDS, False),
    (DraftCell(15, "15"), 15, None, True),
    (DraftCell(14, "14"), 15, None, False),
    (DraftCell(0, "0"), NO_DATA, None, False),  # no data is not zero
    (DraftCell(NO_DATA, NO_DATA), NO_DATA, None, True),
    (DraftCell(NO_DATA, NO_DATA), 15, None, False),
    (DraftCell("down", "down"), "up", None, False),
    (DraftCell(None, "(blank)"), 15, None, False),
    (DraftCell(15, "15"), None, None, None),  # a quarter missing: nothing to compare
    (None, 15, None, None),  # no draft row
])
def test_a_cell_agrees(draft, exact, convention, agree):
    cell = Cell("Shop theft", "% difference", "percent", exact, None, draft, 1)
    assert cell.agrees(convention) is agree


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
    assert len(config.measures) == 23
    police = first["police-extract"].set_index(["measure", "quarter"])["count"]
    assert police.loc["Total recorded crime"].between(30_000, 50_000).all()
    assert police.loc["Theft from motor vehicles"].between(1_200, 2_500).all()
    assert police.loc["Theft of motor vehicles"].between(500, 1_200).all()
    assert police.loc["Female genital mutilation"].between(0, 9).all()
    assert police.loc["Forced marriage"].between(0, 9).all()
    fire = first["fire-extract"]
    assert fire["count"].tolist().count(NO_DATA) == 1
    assert fire.loc[fire["count"] == NO_DATA, "quarter"].tolist() == ["2025-Q2"]
    clean = generate(period, config)["draft-table"]
    changed = (clean != first["draft-table"]) & clean.notna()
    changed = changed.stack()
    assert sorted(changed[changed].index.get_level_values(1)) == [
        "last_year_to_date", "pct_difference", "year_to_date"]


def test_the_demo_draft_leaves_msg_cells_blank_only_where_not_compared():
    config = authorities.load_config(DECLARATION, "demo")
    draft = generate(parse_period("2026-Q2"), config)["draft-table"]
    blank = draft.loc[draft["msg_rank"].isna(), "measure"].tolist()
    assert blank == [m.name for m in config.measures if not m.msg] == [
        "Deliberate fires", "Honour-based abuse", "Female genital mutilation", "Modern slavery",
        "Forced marriage", "ASB non-crime investigations"]


def test_the_clean_demo_draft_agrees_and_truncates_its_percentages(tmp_path):
    period = parse_period("2025-Q4")
    ctx = Context("demo", period, authorities.load_config(DECLARATION, "demo"))
    demo = generate(period, ctx.config)
    tables = DECLARATION.assemble(frames(
        tmp_path, police=demo["police-extract"].to_dict("records"),
        fire=demo["fire-extract"].to_dict("records"),
        draft=demo["draft-table"].to_dict("records"), ctx=ctx), ctx)
    assert tables["disagreements"].empty
    [note] = tables[NOTES]["note"]
    assert note.startswith("This draft truncates percentages (rounds toward zero)")
