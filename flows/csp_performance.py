"""Community safety quarterly performance, for the Community Safety Partnership executive board.

Sources: counts per measure per quarter from the police and from the fire service (this
financial year so far and all of last year), and the analyst's draft of the board table.
The return rebuilds every computed column of the draft from the counts and raises a query
on each draft cell that disagrees; the board table carries the rebuilt figures, with the
most-similar-group (MSG) rank and group rate taken from the draft ("n/a" for a measure the
authority does not compare with its group). "No data available" is its own state: a figure
built from a quarter without data is "No data available", never 0.

A measure's own rate is per 1,000 over the rolling 12 months ending with the quarter, as
MSG tools publish theirs beside it, or over the year to date where the authority says so.
Percentages and rates are compared at the decimal places each draft cell shows, by the
rounding convention the draft keeps (`statreturns.rounding`): a draft that truncates is
judged as truncating, and the run notes the convention found.

Measures, population, households and the printed precision come from
``config/authorities/<authority>/csp-performance.toml``.

Run on its own: ``python flows/csp_performance.py 2026-Q2``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from flows.on_demand import flow_on_demand
from statreturns import declaration, rounding
from statreturns.declaration import (
    BOARD,
    NOTES,
    PUBLICATION,
    Column,
    Context,
    Disclosure,
    ReturnDeclaration,
    Source,
    Table,
)
from statreturns.matching import key, keys
from statreturns.periods import MONTH_NAMES, Period, PeriodType, parse_period
from tasks.read import places_column, state_column

NO_DATA = "No data available"
NOT_APPLICABLE = "n/a"
"""The % difference when last year to date is 0 (a rise from nothing has no percentage),
and the MSG figures of a measure not compared with its most similar group."""
SHOWN_STATES = {declaration.NOT_AVAILABLE: NO_DATA, declaration.NOT_APPLICABLE: NOT_APPLICABLE}
"""A draft cell's state, as the tables write it."""
DIRECTIONS = {"up": "Up", "down": "Down", "level": "Level"}
"""Printed as words: the PDF's Helvetica has no glyphs for the arrows ▲ ▼ ►."""
BLANK = "(blank)"
SOURCE_NAMES = {"police": "Police", "fire": "Fire service"}
DRAFT_CELLS = "_draft_cells"
"""Not an output: every draft cell beside its recomputed figure, for the return's rules."""
ROLLING, YEAR_TO_DATE = "rolling 12 months", "year to date"

Figure = int | Fraction | str | None
"""A count, an exact percentage or rate, NO_DATA, NOT_APPLICABLE, a direction (up, down,
level), or None where a quarter's count is missing (which blocks the return)."""

COMPUTED = {  # draft column -> how it is compared
    "same_quarter_last_year": "count",
    "this_quarter": "count",
    "previous_quarter": "count",
    "year_to_date": "count",
    "last_year_to_date": "count",
    "difference": "count",
    "pct_difference": "percent",
    "direction": "word",
    "own_rate": "rate",
}
ROUNDED = {"percent": "percentages", "rate": "rates per 1,000"}
"""The kinds of figure printed rounded, as a rounding convention names them."""


# --- configuration: the measures ----------------------------------------------------------


class Measure(BaseModel):
    id: str
    name: str
    source: Literal["police", "fire"]
    basis: Literal["population", "households"] = "population"
    """What the measure's own rate is per 1,000 of."""
    rate: Literal["rolling 12 months", "year to date"] = ROLLING
    """The quarters its own rate counts: the four ending with the period, as MSG tools
    publish rates, or this financial year's so far."""
    msg: bool = True
    """Compared with its most similar group: the draft gives its MSG rank and group rate."""


class Performance(BaseModel):
    population: int = Field(gt=0)
    households: int = Field(gt=0)
    msg_size: int = Field(15, gt=1)
    """Partnerships in the most similar group, this one included: ranks run 1 to this."""
    percent_places: int = Field(1, ge=0, le=4)
    rate_places: int = Field(2, ge=0, le=4)
    measures: list[Measure] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Performance:
        seen: dict[str, str] = {}
        for m in self.measures:
            for name in {key(m.id, "_"), key(m.name, "_")}:
                if seen.setdefault(name, m.id) != m.id:
                    raise ValueError(f"measures {seen[name]} and {m.id} share a name or id")
        return self

    def lookup(self, source: str | None = None) -> dict[str, str]:
        """Measure ids by the key of their id and of their name (one source's, or all)."""
        return {key(text, "_"): m.id for m in self.measures if source in (None, m.source)
                for text in (m.id, m.name)}

    def basis(self, measure: Measure) -> int:
        return self.households if measure.basis == "households" else self.population

    @property
    def rate_heading(self) -> str:
        """'Own rate per 1,000 (rolling 12 months)' where every measure's rate counts the
        same quarters; 'Own rate per 1,000' where they differ."""
        rates = {m.rate for m in self.measures}
        return f"Own rate per 1,000 ({rates.pop()})" if len(rates) == 1 else "Own rate per 1,000"


@dataclass(frozen=True)
class Quarters:
    """The quarters a period's figures are built from, each written like ``2026-Q2``."""

    this: str
    previous: str
    same_last_year: str
    this_year: tuple[str, ...]
    """This financial year's quarters up to the period."""
    last_year: tuple[str, ...]
    """Every quarter of last financial year."""

    @property
    def last_year_to_date(self) -> tuple[str, ...]:
        return self.last_year[:len(self.this_year)]

    @property
    def rolling(self) -> tuple[str, ...]:
        """The four quarters ending with the period."""
        return self.last_year[len(self.this_year):] + self.this_year

    def rated(self, rate: str) -> tuple[str, ...]:
        """The quarters a rate counts: `ROLLING` or `YEAR_TO_DATE`."""
        return self.rolling if rate == ROLLING else self.this_year

    @property
    def expected(self) -> tuple[str, ...]:
        """Every quarter each extract must count, oldest first."""
        return self.last_year + self.this_year


def quarters_of(period: Period) -> Quarters:
    year, number = (int(part) for part in str(period).split("-Q"))
    last_year = tuple(f"{year - 1}-Q{q}" for q in range(1, 5))
    return Quarters(this=str(period), previous=str(period.previous()),
                    same_last_year=last_year[number - 1],
                    this_year=tuple(f"{year}-Q{q}" for q in range(1, number + 1)),
                    last_year=last_year)


def _month(day) -> str:
    return MONTH_NAMES[day.month - 1][:3]


def quarter_heading(quarter: str) -> str:
    """A quarter as a heading names it, e.g. 'Q2 2026/27 (Jul-Sep)'."""
    period = parse_period(quarter)
    return (f"{quarter[-2:]} {period.financial_year} "
            f"({_month(period.start)}-{_month(period.end)})")


def year_to_date_heading(quarters: Sequence[str]) -> str:
    """A financial year's first quarters, e.g. 'Year to date Apr-Sep 2026', or
    'Year to date Apr 2026-Mar 2027' for the whole year."""
    start, end = parse_period(quarters[0]).start, parse_period(quarters[-1]).end
    if start.year == end.year:
        return f"Year to date {_month(start)}-{_month(end)} {end.year}"
    return f"Year to date {_month(start)} {start.year}-{_month(end)} {end.year}"


def headings(quarters: Quarters, cfg: Performance) -> dict[str, str]:
    """Each computed column's heading in the tables, naming its quarters."""
    return {
        "same_quarter_last_year": quarter_heading(quarters.same_last_year),
        "this_quarter": quarter_heading(quarters.this),
        "previous_quarter": quarter_heading(quarters.previous),
        "year_to_date": year_to_date_heading(quarters.this_year),
        "last_year_to_date": year_to_date_heading(quarters.last_year_to_date),
        "difference": "Difference",
        "pct_difference": "% difference",
        "direction": "Direction",
        "own_rate": cfg.rate_heading,
    }


# --- sources and the rules' helper columns ------------------------------------------------

QUARTER = r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$"
COUNT_STATES = (declaration.NOT_AVAILABLE,)
"""The states a count or a direction may be in: "No data available" (or [x], ..)."""
FIGURE_STATES = (declaration.NOT_AVAILABLE, declaration.NOT_APPLICABLE)
"""The states a percentage, rate or rank may be in: also n/a (or [z])."""


def _measure_ids(names: pd.Series, lookup: Mapping[str, str]) -> pd.Series:
    """Each name's measure id; missing where the name is no measure of `lookup`."""
    return keys(names, "_").map(lookup)


def _with_measure(frame: pd.DataFrame, lookup: Mapping[str, str]) -> pd.DataFrame:
    out = frame.copy()
    measure = _measure_ids(frame["measure"], lookup)
    out["_measure_known"] = measure.notna()
    out["_measure"] = measure.fillna(frame["measure"])
    return out


def _extract_derive(source: str) -> Callable[[pd.DataFrame, Context], pd.DataFrame]:
    """Measure ids, quarters written alike (``2025 q1`` is 2025-Q1), and the rules' flags."""

    def derive(extract: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        out = _with_measure(extract, ctx.config.lookup(source))
        parts = extract["quarter"].str.extract(QUARTER)
        out["_quarter"] = (parts[0] + "-Q" + parts[1]).fillna(extract["quarter"])
        out["_quarter_known"] = out["_quarter"].isin(quarters_of(ctx.period).expected)
        out["_count_given"] = extract["count"].notna() | extract[state_column("count")].notna()
        return out

    return derive


def derive_draft(draft: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Measure ids, direction words, and the rules' flags: the MSG figures count as given
    for a measure not compared with its most similar group."""
    out = _with_measure(draft, ctx.config.lookup())
    out["_direction"] = draft["direction"].str.strip().str.lower()
    compared = {m.id: m.msg for m in ctx.config.measures}

    def given(column: str) -> pd.Series:
        return draft[column].notna() | (draft[state_column(column)] == declaration.NOT_AVAILABLE)

    not_compared = out["_measure"].map(compared).eq(False)
    out["_msg_given"] = not_compared | (given("msg_rank") & given("msg_group_rate"))
    return out


def _extract(name: str, title: str, source: str) -> Source:
    return Source(
        name=name, title=title,
        # Crimes and incidents counted by measure and quarter, never a row for a person
        # (hate crime and FGM among them): not personal.
        columns=(
            Column("measure", description=f"The {source} measure (its id or name)"),
            Column("quarter", description="The quarter counted, e.g. 2025-Q1 "
                                          "(April to June 2025)"),
            Column("count", "integer", description="Recorded in the quarter, by date recorded, "
                                                   "or No data available", states=COUNT_STATES),
        ),
        derive=_extract_derive(source))


POLICE_EXTRACT = _extract("police-extract", "Police extract", "police")
FIRE_EXTRACT = _extract("fire-extract", "Fire service extract", "fire")

DRAFT_TABLE = Source(
    name="draft-table",
    title="Analyst's draft table",
    # The same counts, rates and ranks, as an analyst drafted them: not personal.
    columns=(
        Column("measure", description="The measure (its id or name)"),
        *(Column(c, "integer", states=COUNT_STATES) for c, kind in COMPUTED.items()
          if kind == "count"),
        Column("pct_difference", "percent", description="As printed, e.g. 12.3%, -4% or n/a",
               states=FIGURE_STATES),
        Column("direction", description="up, down or level", states=COUNT_STATES),
        Column("msg_rank", "integer", description="Rank in the most similar group",
               states=FIGURE_STATES),
        Column("msg_group_rate", "number", description="The group's rate per 1,000",
               states=FIGURE_STATES),
        Column("own_rate", "number", description="Rate per 1,000", states=FIGURE_STATES),
    ),
    derive=derive_draft,
    parameters=lambda ctx: {"msg_size": ctx.config.msg_size},
    unreadable="query",  # the board prints recomputed figures; a missing MSG one is CSP-017
)


# --- the figures --------------------------------------------------------------------------

def _quarterly_counts(sources: Mapping[str, pd.DataFrame],
                      cfg: Performance) -> dict[str, dict[str, Figure]]:
    """Measure id -> quarter -> its count or NO_DATA (a quarter not counted is absent)."""
    counts: dict[str, dict[str, Figure]] = {m.id: {} for m in cfg.measures}
    for name in (POLICE_EXTRACT.name, FIRE_EXTRACT.name):
        rows = sources[name]
        rows = rows[rows["_measure_known"] & rows["_quarter_known"]]
        for measure, quarter, count, state in zip(rows["_measure"], rows["_quarter"],
                                                  rows["count"], rows[state_column("count")],
                                                  strict=True):
            if state == declaration.NOT_AVAILABLE:
                counts[measure].setdefault(quarter, NO_DATA)
            elif pd.notna(count):
                counts[measure].setdefault(quarter, int(count))
    return counts


def _total(counts: Mapping[str, Figure], quarters: Sequence[str]) -> Figure:
    values = [counts.get(q) for q in quarters]
    if NO_DATA in values:
        return NO_DATA
    if None in values:
        return None
    return sum(values)


def recompute(counts: Mapping[str, Figure], quarters: Quarters, basis: int,
              rate: str = ROLLING) -> dict[str, Figure]:
    """The draft's computed columns rebuilt from one measure's quarterly counts, exactly.

    Difference = year to date - last year to date (the same quarters of last year);
    % difference = difference / last year to date x 100 (n/a when that is 0); direction
    follows the difference; own rate = the count of the quarters `rate` names (the rolling
    12 months or the year to date) per 1,000 of the measure's basis.
    """
    ytd = _total(counts, quarters.this_year)
    last = _total(counts, quarters.last_year_to_date)
    figures: dict[str, Figure] = {
        "same_quarter_last_year": _total(counts, [quarters.same_last_year]),
        "this_quarter": _total(counts, [quarters.this]),
        "previous_quarter": _total(counts, [quarters.previous]),
        "year_to_date": ytd,
        "last_year_to_date": last,
    }
    if isinstance(ytd, int) and isinstance(last, int):
        diff = ytd - last
        figures.update(difference=diff,
                       pct_difference=Fraction(100 * diff, last) if last else NOT_APPLICABLE,
                       direction="up" if diff > 0 else "down" if diff < 0 else "level")
    else:
        unknown = NO_DATA if NO_DATA in (ytd, last) else None
        figures.update(difference=unknown, pct_difference=unknown, direction=unknown)
    counted = _total(counts, quarters.rated(rate))
    figures["own_rate"] = Fraction(counted * 1000, basis) if isinstance(counted, int) else counted
    return figures


def _with_unit(number: str, kind: str) -> str:
    return f"{number}%" if kind == "percent" else number


def printed(value: Figure, kind: str, cfg: Performance) -> Figure:
    """A figure as the board table shows it: percentages and rates rounded half up."""
    if value is None or value in (NO_DATA, NOT_APPLICABLE):
        return value
    match kind:
        case "percent":
            return _with_unit(rounding.fixed(value, cfg.percent_places), kind)
        case "rate":
            return rounding.fixed(value, cfg.rate_places)
        case "word":
            return DIRECTIONS[value]
    return int(value)


def _shown(value: Figure) -> str:
    if value is None:
        return BLANK
    return f"{value:,}" if isinstance(value, int) else str(value)


@dataclass(frozen=True)
class DraftCell:
    """A draft cell: the figure it compares as, how it is written, and the decimal places
    it shows (for a percentage or rate)."""

    figure: Figure
    written: str
    places: int | None = None


def draft_cell(row: Mapping, column: str, kind: str) -> DraftCell:
    """A draft cell read: a state as the tables write it, a percentage or rate as the
    figure the cell shows."""
    state = row[state_column(column)]
    if isinstance(state, str):
        return DraftCell(SHOWN_STATES[state], SHOWN_STATES[state])
    value = row[column]
    if pd.isna(value):
        return DraftCell(None, BLANK)
    if kind == "word":
        return DraftCell(row["_direction"], value.strip())
    if kind == "count":
        return DraftCell(int(value), f"{int(value):,}")
    places = int(row[places_column(column)])
    figure = rounding.rounded(value, places)
    return DraftCell(figure, _with_unit(rounding.fixed(figure, places), kind), places)


@dataclass(frozen=True)
class Cell:
    """A draft cell beside the figure recomputed for it."""

    measure: str
    heading: str
    kind: str
    exact: Figure
    shown: Figure
    """The recomputed figure as the board table prints it."""
    draft: DraftCell | None
    """None where the measure has no row in the draft: nothing is compared."""
    rows_in_draft: int

    @property
    def kept(self) -> frozenset[str] | None:
        """The rounding conventions under which the exact figure prints as the draft's;
        None where the cell is no percentage or rate to compare."""
        if self.draft is None or self.draft.places is None or \
                not isinstance(self.exact, Fraction):
            return None
        return rounding.conventions_kept(self.draft.figure, self.draft.places, self.exact)

    def agrees(self, convention: rounding.Convention | None) -> bool | None:
        """Counts, words and states agree when equal; a percentage or rate when the draft's
        convention prints the exact figure as the cell (any convention, where none was
        found). None where nothing is compared (no draft row, or a quarter missing)."""
        if self.draft is None or self.exact is None:
            return None
        kept = self.kept
        if kept is None:
            return self.draft.figure == self.exact
        return convention.chosen in kept if convention else bool(kept)

    def recomputed(self, convention: rounding.Convention | None) -> str:
        """The recomputed figure as the draft would show it: at the cell's decimal places
        by its convention, or as the board prints it."""
        if self.kept is None:
            return _shown(self.shown)
        rule = convention.chosen if convention else rounding.HALF_UP
        return _with_unit(rounding.fixed(self.exact, self.draft.places, rule), self.kind)

    def record(self, convention: rounding.Convention | None) -> dict:
        return {"Figure": f"{self.measure}: {self.heading}", "Measure": self.measure,
                "Column": self.heading, "draft": BLANK if self.draft is None
                else self.draft.written, "recomputed": self.recomputed(convention),
                "agrees": self.agrees(convention), "rows in draft": self.rows_in_draft}


def conventions(cells: Sequence[Cell]) -> dict[str, rounding.Convention | None]:
    """The rounding convention the draft keeps, by kind of figure (percentages first)."""
    return {kind: rounding.find_convention(what, [c.kept for c in cells
                                                  if c.kind == kind and c.kept is not None])
            for kind, what in ROUNDED.items()}


def _msg_figure(measure: Measure, row: Mapping | None, column: str, kind: str,
                cfg: Performance) -> Figure:
    """An MSG figure, which the return does not rebuild, as the board shows it."""
    if not measure.msg:
        return NOT_APPLICABLE
    return None if row is None else printed(draft_cell(row, column, kind).figure, kind, cfg)


def _notes(found: Mapping[str, rounding.Convention | None], cfg: Performance) -> list[str]:
    """The draft's rounding conventions, and the measures rated over the year to date where
    the others are rated over the rolling 12 months."""
    notes = [rounding.note([c for c in found.values() if c])]
    year_to_date = [m.name for m in cfg.measures if m.rate == YEAR_TO_DATE]
    if year_to_date and len(year_to_date) < len(cfg.measures):
        notes.append(f"Own rates per 1,000 are over the rolling 12 months ending with the "
                     f"quarter, but over the year to date for {', '.join(year_to_date)}.")
    return [n for n in notes if n]


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    cfg: Performance = ctx.config
    quarters = quarters_of(ctx.period)
    heads = headings(quarters, cfg)
    counts = _quarterly_counts(sources, cfg)
    draft = sources[DRAFT_TABLE.name]
    draft = draft[draft["_measure_known"]]
    rows_in_draft = draft["_measure"].value_counts()
    drafted = {r["_measure"]: r for r in
               draft.drop_duplicates("_measure").to_dict("records")}

    board, cells, quarterly = [], [], []
    for m in cfg.measures:
        exact = recompute(counts[m.id], quarters, cfg.basis(m), m.rate)
        shown = {c: printed(exact[c], kind, cfg) for c, kind in COMPUTED.items()}
        row = drafted.get(m.id)
        board.append({"Measure": m.name,
                      **{heads[c]: shown[c] for c in COMPUTED if c != "own_rate"},
                      "MSG rank": _msg_figure(m, row, "msg_rank", "count", cfg),
                      "Group rate": _msg_figure(m, row, "msg_group_rate", "rate", cfg),
                      heads["own_rate"]: shown["own_rate"]})
        cells += [Cell(m.name, heads[c], kind, exact[c], shown[c],
                       None if row is None else draft_cell(row, c, kind),
                       int(rows_in_draft.get(m.id, 0))) for c, kind in COMPUTED.items()]
        quarterly.append({"Measure": m.name, "Source": SOURCE_NAMES[m.source],
                          **{quarter_heading(q): counts[m.id].get(q)
                             for q in quarters.expected}})

    found = conventions(cells)
    cells_frame = pd.DataFrame([c.record(found.get(c.kind)) for c in cells]).astype(
        {"agrees": "boolean"})
    disagreements = cells_frame[~cells_frame["agrees"].fillna(True)]
    disagreements = disagreements[["Measure", "Column", "draft", "recomputed"]].rename(
        columns={"draft": "Draft", "recomputed": "Recomputed"}).reset_index(drop=True)
    tables = {"board_table": pd.DataFrame(board, dtype=object),
              "disagreements": disagreements,
              "quarterly_counts": pd.DataFrame(quarterly, dtype=object),
              DRAFT_CELLS: cells_frame}
    if notes := _notes(found, cfg):
        tables[NOTES] = pd.DataFrame({"note": notes})
    return tables


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Every quarter's count of every measure; every measure's draft rows; every draft cell
    beside its recomputed figure (measures without a draft row are left to CSP-R02)."""
    counts = tables["quarterly_counts"]
    coverage = pd.DataFrame(
        [{"Measure and quarter": f"{row['Measure']} {q}", "count": row[quarter_heading(q)]}
         for row in counts.to_dict("records") for q in quarters_of(ctx.period).expected],
        columns=["Measure and quarter", "count"], dtype=object)
    cells = tables[DRAFT_CELLS]
    per_measure = cells.drop_duplicates("Measure")
    return {
        "quarters": coverage,
        "draft-rows": per_measure[["Measure", "rows in draft"]],
        "draft-check": cells[cells["rows in draft"] > 0][["Figure", "draft", "recomputed",
                                                          "agrees"]],
    }


def headline(tables: Mapping[str, pd.DataFrame], ctx: Context) -> list[tuple[str, str]]:
    direction = tables["board_table"]["Direction"]

    def measures(word: str) -> str:
        return str(int((direction == word).sum()))

    lines = [("Measures up on last year to date", measures("Up")),
             ("Measures down on last year to date", measures("Down")),
             ("Measures level with last year to date", measures("Level"))]
    if (direction == NO_DATA).any():
        lines.append(("Measures without data to compare", measures(NO_DATA)))
    lines.append(("Draft figures that disagree with the recomputed ones",
                  str(len(tables["disagreements"]))))
    return lines


DECLARATION = ReturnDeclaration(
    id="csp-performance",
    title="Community safety quarterly performance",
    owner="Community Safety Team",
    recipient="Community Safety Partnership executive board",
    period_types=(PeriodType.QUARTER,),
    deadline="20 working days after the end of the quarter",
    sign_off=True,
    delivers=BOARD,
    description="Crime, fire and anti-social behaviour measures: the quarter, the year to "
                "date against last year and the most-similar-group comparison, rebuilt from "
                "the police and fire extracts and checked against the analyst's draft.",
    sources=(POLICE_EXTRACT, FIRE_EXTRACT, DRAFT_TABLE),
    tables=(
        Table("board_table", "Performance by measure: this financial year to date against last",
              ("Measure",), audiences=(BOARD, PUBLICATION),
              disclosure=Disclosure("events", "crimes and incidents recorded"),
              note="Counted by date recorded, in quarters of the financial year (April to "
                   "March). Year to date: this financial year's quarters so far, against the "
                   "same quarters of last year. Difference = year to date - last year to "
                   "date; % difference = difference / last year to date (n/a where that is "
                   "0); direction follows the difference. Own rate: per 1,000 residents (per "
                   "1,000 households for a measure of households, such as residential "
                   "burglary) over the rolling 12 months ending with the quarter, as "
                   "most-similar-group tools publish their rates, or over the year to date "
                   "where the authority rates a measure so: the heading says which where "
                   "every measure is rated alike, and the run's notes name the measures rated "
                   "over the year to date otherwise. Percentages and rates are rounded half "
                   "up. MSG rank and group rate: the analyst's most-similar-group comparison "
                   "(n/a for a measure not compared with its group). No data available is not "
                   "zero: a figure built from a quarter without data has none."),
        Table("disagreements", "Draft figures that disagree with the recomputed ones",
              ("Measure", "Column"),
              note="Each needs a corrected draft or a written explanation before sign-off. "
                   "A percentage or rate agrees when it equals the recomputed figure at the "
                   "decimal places it shows, rounded by the draft's own convention (half up, "
                   "half to even or truncated, as most of its cells are); Recomputed shows "
                   "the figure so. Counts, directions, n/a and No data available agree when "
                   "they are the same."),
        Table("quarterly_counts", "Counts by quarter: last financial year and this one to date",
              ("Measure", "Source")),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Performance.model_validate,
    headline=headline,
)

__getattr__ = flow_on_demand(DECLARATION, globals())

if __name__ == "__main__":
    from flows.skeleton import run_from_command_line

    run_from_command_line(DECLARATION)
