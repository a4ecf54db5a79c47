"""One analyst's draft of the community safety performance table, sent four ways, judged the
same way: as a CSV with % signs, as a CSV without them, as a workbook of percent cells at
0 and 1 decimal places, and as a workbook with accounting negatives and thousands
separators. The draft truncates its percentages and rates, as ROUNDDOWN does; the extracts
are the demo authority's.

The draft is worked out here from the extracts' counts with this file's own arithmetic,
not the return's."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from flows.csp_performance import DECLARATION, NO_DATA, Performance, quarters_of
from flows.demo_data import as_workbook
from flows.demo_data.csp_performance import WORKBOOKS, generate
from statreturns import authorities
from statreturns.declaration import NOTES, Context
from statreturns.periods import parse_period
from tasks.collect import collect
from tasks.read import FILE
from tasks.validate import check_figures

PERIOD = parse_period("2025-Q3")
CONFIG: Performance = authorities.load_config(DECLARATION, "demo")
CTX = Context("demo", PERIOD, CONFIG)
SOURCES = {s.name: s for s in DECLARATION.sources}
COUNTS = ["same_quarter_last_year", "this_quarter", "previous_quarter", "year_to_date",
          "last_year_to_date", "difference"]
TRUNCATES = ("This draft truncates percentages (rounds toward zero) and truncates rates per "
             "1,000 (rounds toward zero). Each figure is compared at the decimal places it "
             "shows.")


def _truncated(value: Fraction, places: int) -> Fraction:
    scale = 10 ** places
    return Fraction(math.trunc(value * scale), scale)


def _half_up(value: Fraction, places: int) -> Fraction:
    scale = 10 ** places
    return Fraction(math.floor(abs(value) * scale + Fraction(1, 2)), scale) * (
        1 if value >= 0 else -1)


def _sum(counts: dict, quarters) -> int | str:
    values = [counts[q] for q in quarters]
    return NO_DATA if NO_DATA in values else sum(values)


def exact_figures(extracts: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """Each measure's draft figures, unrounded: counts, and the % difference and own rate as
    fractions (or NO_DATA, or 'n/a' for a % difference from nothing)."""
    q = quarters_of(PERIOD)
    rows = pd.concat(extracts.values())
    figures = {}
    for m in CONFIG.measures:
        counts = dict(zip(*rows[rows["measure"] == m.name][["quarter", "count"]].T.to_numpy(),
                          strict=True))
        ytd, last = _sum(counts, q.this_year), _sum(counts, q.last_year_to_date)
        f = {"measure": m.name, "same_quarter_last_year": counts[q.same_last_year],
             "this_quarter": counts[q.this], "previous_quarter": counts[q.previous],
             "year_to_date": ytd, "last_year_to_date": last}
        if NO_DATA in (ytd, last):
            f |= {"difference": NO_DATA, "pct": NO_DATA, "direction": NO_DATA}
        else:
            f |= {"difference": ytd - last,
                  "pct": Fraction(100 * (ytd - last), last) if last else "n/a",
                  "direction": "up" if ytd > last else "down" if ytd < last else "level"}
        rolling = _sum(counts, q.expected[-4:] if m.rate == "rolling 12 months"
                       else q.this_year)
        basis = CONFIG.households if m.basis == "households" else CONFIG.population
        f["rate"] = NO_DATA if rolling == NO_DATA else Fraction(1000 * rolling, basis)
        f["msg_rank"], f["msg_group_rate"] = (7, "1.50") if m.msg else ("n/a", "n/a")
        figures[m.id] = f
    return figures


def percent_places(pct: Fraction) -> int:
    """As the analyst's sheet shows them: whole percentages from 10% up, else 1 decimal."""
    return 0 if abs(pct) >= 10 else 1


def draft(figures: dict[str, dict], rounding=_truncated) -> list[dict]:
    """The draft's rows: percentages and rates as (value, places), rounded by `rounding`."""
    rows = []
    for f in figures.values():
        row = {k: f[k] for k in ("measure", *COUNTS, "direction", "msg_rank", "msg_group_rate")}
        pct = f["pct"]
        row["pct_difference"] = pct if isinstance(pct, str) else (
            rounding(pct, percent_places(pct)), percent_places(pct))
        row["own_rate"] = f["rate"] if isinstance(f["rate"], str) else (
            rounding(f["rate"], 2), 2)
        rows.append(row)
    return rows


COLUMNS = ["measure", *COUNTS[:3], "year_to_date", "last_year_to_date", "difference",
           "pct_difference", "direction", "msg_rank", "msg_group_rate", "own_rate"]


def _text(value, percent: str = "%") -> str:
    if not isinstance(value, tuple):
        return str(value)
    number, places = value
    return f"{float(number):.{places}f}{percent}"


def write_csv(rows: list[dict], path: Path, percent: str) -> Path:
    pd.DataFrame([{c: _text(r[c], percent if c == "pct_difference" else "") for c in COLUMNS}
                  for r in rows]).to_csv(path, index=False)
    return path


def write_xlsx(rows: list[dict], path: Path, accounting: bool) -> Path:
    """Percent cells hold the fraction (-0.043 for -4.3%); the format shows the places."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Q3 draft"
    sheet.append(COLUMNS)
    negative = ";({})" if accounting else ""
    for r in rows:
        cells = []
        for c in COLUMNS:
            value = r[c]
            if isinstance(value, tuple):
                number, places = value
                decimals = "0" + ("." + "0" * places if places else "")
                if c == "pct_difference":
                    fmt = f"{decimals}%" + negative.format(f"{decimals}%")
                    cells.append((float(number / 100), fmt))
                else:
                    cells.append((float(number), "#,##0.00" if accounting else decimals))
            elif isinstance(value, int):
                cells.append((value, "#,##0" + negative.format("#,##0") if accounting
                              else "General"))
            else:
                cells.append((value if value != NO_DATA or accounting else "[x]", "General"))
        sheet.append([v for v, _ in cells])
        for cell, (_, fmt) in zip(sheet[sheet.max_row], cells, strict=True):
            cell.number_format = fmt
    book.save(path)
    return path


FORMS = {
    "CSV with %": lambda rows, path: write_csv(rows, path.with_suffix(".csv"), "%"),
    "CSV without %": lambda rows, path: write_csv(rows, path.with_suffix(".csv"), ""),
    "workbook of percent cells": lambda rows, path: write_xlsx(
        rows, path.with_suffix(".xlsx"), accounting=False),
    "workbook with accounting negatives": lambda rows, path: write_xlsx(
        rows, path.with_suffix(".xlsx"), accounting=True),
}


@pytest.fixture(scope="module")
def extracts():
    made = generate(PERIOD, CONFIG)
    return {name: made[name] for name in ("police-extract", "fire-extract")}


@pytest.fixture(scope="module")
def figures(extracts):
    return exact_figures(extracts)


@pytest.fixture
def judge(tmp_path, extracts):
    """A draft file -> (the measures queried, the run's notes)."""

    def run(draft_path: Path) -> tuple[set[str], list[str]]:
        frames = {}
        for name, frame in extracts.items():
            path = tmp_path / f"{name}.csv"
            frame.to_csv(path, index=False)
            frames[name] = collect.fn(SOURCES[name], [path], tmp_path / "archive", CTX).frame
        got = collect.fn(SOURCES["draft-table"], [draft_path], tmp_path / "archive", CTX)
        assert [c.message for c in got.checks if not c.success] == []
        frames["draft-table"] = got.frame
        tables = DECLARATION.assemble(frames, CTX)
        failed = [c for c in check_figures(DECLARATION.id, DECLARATION.reconcile(tables, CTX))
                  if not c.success]
        assert {c.code for c in failed} <= {"CSP-R01"}
        notes = tables[NOTES]["note"].tolist() if NOTES in tables else []
        return set(tables["disagreements"]["Measure"]), notes

    return run


def test_the_demo_draft_has_cells_that_tell_the_conventions_apart(figures):
    rows = draft(figures)
    truncated = [r["pct_difference"] for r in rows if isinstance(r["pct_difference"], tuple)]
    exact = [f["pct"] for f in figures.values() if isinstance(f["pct"], Fraction)]
    assert sum(t[0] != _half_up(e, t[1]) for t, e in zip(truncated, exact, strict=True)) >= 5
    assert {t[1] for t in truncated} == {0, 1}


@pytest.mark.parametrize("form", FORMS)
def test_a_truncating_draft_agrees_in_every_form(form, figures, judge, tmp_path):
    queried, notes = judge(FORMS[form](draft(figures), tmp_path / "draft-table"))
    assert queried == set()
    assert notes == [TRUNCATES]


def _planted(figures: dict[str, dict]) -> tuple[list[dict], set[str]]:
    """Three mistakes: a year to date that is not the sum of its quarters, a % difference
    with its sign flipped, and one taken against this year instead of last."""
    rows = {r["measure"]: r for r in draft(figures)}
    names = {m.id: m.name for m in CONFIG.measures}
    ytd, sign, base = (names[i] for i in ("shop-theft", "other-theft", "knife-crime"))
    rows[ytd]["year_to_date"] += 7
    value, places = rows[sign]["pct_difference"]
    assert value != 0
    rows[sign]["pct_difference"] = (-value, places)
    f = figures["knife-crime"]
    wrong = Fraction(100 * f["difference"], f["year_to_date"])
    rows[base]["pct_difference"] = (_truncated(wrong, percent_places(wrong)),
                                    percent_places(wrong))
    assert rows[base]["pct_difference"] != draft(figures)[
        list(names).index("knife-crime")]["pct_difference"]
    return list(rows.values()), {ytd, sign, base}


@pytest.mark.parametrize("form", FORMS)
def test_planted_mistakes_are_exactly_the_queries_in_every_form(form, figures, judge,
                                                                tmp_path):
    rows, mistakes = _planted(figures)
    queried, notes = judge(FORMS[form](rows, tmp_path / "draft-table"))
    assert queried == mistakes
    # A mistaken figure may happen to look like another rounding: one such cell is a slip.
    assert len(notes) == 1
    assert notes[0].startswith("This draft truncates percentages (rounds toward zero)")


@pytest.mark.parametrize("form", ["CSV with %", "workbook of percent cells"])
def test_a_draft_that_mixes_conventions_is_queried_where_it_leaves_its_own(form, figures,
                                                                          judge, tmp_path):
    rows = draft(figures)
    exact = {f["measure"]: f["pct"] for f in figures.values()}
    telling = [r for r in rows if isinstance(r["pct_difference"], tuple)
               and _half_up(exact[r["measure"]], r["pct_difference"][1])
               != r["pct_difference"][0]]
    rounded = telling[:2]
    for r in rounded:
        places = r["pct_difference"][1]
        r["pct_difference"] = (_half_up(exact[r["measure"]], places), places)
    queried, notes = judge(FORMS[form](rows, tmp_path / "draft-table"))
    assert queried == {r["measure"] for r in rounded}
    assert len(notes) == 1
    assert notes[0].startswith(
        f"This draft mixes rounding conventions in percentages: of the cells that tell them "
        f"apart, {len(telling) - 2} truncate and 2 round to the nearest; each is judged by the "
        "most common, truncation, and the others are queried")


def test_the_demo_workbook_draft_reads_as_its_csv_draft_does(tmp_path):
    """`make demo` sends the draft as the analyst's workbook: percent cells, whole
    percentages from 10% up, counts with negatives in brackets. Read, it is the CSV's draft."""
    frame = generate(PERIOD, CONFIG, problems=True)["draft-table"]
    csv_path = tmp_path / "draft-table.csv"
    frame.to_csv(csv_path, index=False)
    xlsx_path = tmp_path / "draft-table.xlsx"
    xlsx_path.write_bytes(as_workbook(frame, WORKBOOKS["draft-table"]))
    assert as_workbook(frame, WORKBOOKS["draft-table"]) == xlsx_path.read_bytes()
    sheet = openpyxl.load_workbook(xlsx_path).active
    formats = {cell.number_format for row in sheet.iter_rows(min_row=2) for cell in row}
    assert {"0%", "0.0%", "#,##0;(#,##0)", "#,##0.00"} <= formats
    read = [collect.fn(SOURCES["draft-table"], [path], tmp_path / "archive", CTX)
            for path in (csv_path, xlsx_path)]
    assert [[c.code for c in got.checks if not c.success] for got in read] == [[], []]
    csv_frame, xlsx_frame = (got.frame.drop(columns=FILE) for got in read)
    pd.testing.assert_frame_equal(csv_frame, xlsx_frame)
