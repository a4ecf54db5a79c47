"""Community safety quarterly performance, for the Community Safety Partnership executive board.

Sources: counts per measure per quarter from the police and from the fire service (this
financial year so far and all of last year), and the analyst's draft of the board table.
The return rebuilds every computed column of the draft from the counts and raises a query
on each draft cell that disagrees; the board table carries the rebuilt figures, with the
most-similar-group (MSG) rank and group rate taken from the draft. "No data available" is
its own state: a figure built from a quarter without data is "No data available", never 0.

Measures, population, households and the printed precision come from
``config/authorities/<authority>/csp-performance.toml``.

Run on its own: ``python flows/csp_performance.py 2026-Q2``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from flows.skeleton import return_flow, run_from_command_line
from statreturns.declaration import Column, Context, ReturnDeclaration, Source, Table
from statreturns.matching import key, keys
from statreturns.periods import Period, PeriodType
from tasks.read import no_data_column

NO_DATA = "No data available"
NOT_APPLICABLE = "n/a"
"""The % difference when last year to date is 0: a rise from nothing has no percentage."""
NOT_APPLICABLE_WORDS = ("n/a", "not applicable")
DIRECTIONS = {"up": "Up", "down": "Down", "level": "Level"}
"""Printed as words: the PDF's Helvetica has no glyphs for the arrows ▲ ▼ ►."""
BLANK = "(blank)"
SOURCE_NAMES = {"police": "Police", "fire": "Fire service"}
DRAFT_CELLS = "_draft_cells"
"""Not an output: every draft cell beside its recomputed figure, for the return's rules."""

Figure = int | float | str | None
"""A count or number, NO_DATA, NOT_APPLICABLE, a direction (up, down, level), or None where
a quarter's count is missing (which blocks the return)."""

COMPUTED = {  # draft column -> (heading in the tables, how it is compared)
    "same_quarter_last_year": ("Same quarter last year", "count"),
    "this_quarter": ("This quarter", "count"),
    "previous_quarter": ("Previous quarter", "count"),
    "year_to_date": ("Year to date", "count"),
    "last_year_to_date": ("Last year to date", "count"),
    "difference": ("Difference", "count"),
    "pct_difference": ("% difference", "percent"),
    "direction": ("Direction", "word"),
    "own_rate": ("Own rate", "rate"),
}


# --- configuration: the measures ----------------------------------------------------------



class Measure(BaseModel):
    id: str
    name: str
    source: Literal["police", "fire"]
    basis: Literal["population", "households"] = "population"
    """What the measure's own rate is per 1,000 of."""


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


# --- sources and the rules' helper columns ------------------------------------------------

QUARTER = r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$"
PERCENT = r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$"


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
        no_data = extract.get(no_data_column("count"), False)
        out["_count_given"] = extract["count"].notna() | no_data
        return out

    return derive


def derive_draft(draft: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Measure ids, the % difference as a number, direction words, and the rules' flags."""
    out = _with_measure(draft, ctx.config.lookup())
    pct = draft["pct_difference"]
    out["_pct"] = pd.to_numeric(pct.str.replace(",", "").str.extract(PERCENT)[0],
                                errors="coerce")
    out["_pct_not_applicable"] = pct.str.strip().str.lower().isin(NOT_APPLICABLE_WORDS)
    readable = out["_pct"].notna() | out["_pct_not_applicable"]
    out["_pct_readable"] = readable.astype("boolean").where(pct.notna(), pd.NA)
    out["_direction"] = draft["direction"].str.strip().str.lower()

    def given(column: str) -> pd.Series:
        return draft[column].notna() | draft[no_data_column(column)]

    out["_msg_given"] = given("msg_rank") & given("msg_group_rate")
    return out


def _extract(name: str, title: str, source: str, no_data: tuple[str, ...]) -> Source:
    return Source(
        name=name, title=title,
        # Crimes and incidents counted by measure and quarter, never a row for a person
        # (hate crime and FGM among them): not personal.
        columns=(
            Column("measure", description=f"The {source} measure (its id or name)"),
            Column("quarter", description="The quarter counted, e.g. 2025-Q1 "
                                          "(April to June 2025)"),
            Column("count", "integer", description="Recorded in the quarter, by date recorded",
                   no_data=no_data),
        ),
        derive=_extract_derive(source))


POLICE_EXTRACT = _extract("police-extract", "Police extract", "police", ())
FIRE_EXTRACT = _extract("fire-extract", "Fire service extract", "fire", (NO_DATA,))

DRAFT_TABLE = Source(
    name="draft-table",
    title="Analyst's draft table",
    # The same counts, rates and ranks, as an analyst drafted them: not personal.
    columns=(
        Column("measure", description="The measure (its id or name)"),
        *(Column(c, "integer", no_data=(NO_DATA,)) for c, (_, kind) in COMPUTED.items()
          if kind == "count"),
        Column("pct_difference", description="As printed, e.g. 12.3%, -4.0% or n/a",
               no_data=(NO_DATA,)),
        Column("direction", description="up, down or level", no_data=(NO_DATA,)),
        Column("msg_rank", "integer", description="Rank in the most similar group",
               no_data=(NO_DATA,)),
        Column("msg_group_rate", "number", description="The group's rate per 1,000",
               no_data=(NO_DATA,)),
        Column("own_rate", "number", description="Rate per 1,000", no_data=(NO_DATA,)),
    ),
    derive=derive_draft,
    parameters=lambda ctx: {"msg_size": ctx.config.msg_size},
)


# --- the figures --------------------------------------------------------------------------

def _quarterly_counts(sources: Mapping[str, pd.DataFrame],
                      cfg: Performance) -> dict[str, dict[str, Figure]]:
    """Measure id -> quarter -> its count or NO_DATA (a quarter not counted is absent)."""
    counts: dict[str, dict[str, Figure]] = {m.id: {} for m in cfg.measures}
    for name in (POLICE_EXTRACT.name, FIRE_EXTRACT.name):
        rows = sources[name]
        rows = rows[rows["_measure_known"] & rows["_quarter_known"]]
        no_data = rows.get(no_data_column("count"), pd.Series(False, index=rows.index))
        for measure, quarter, count, none in zip(rows["_measure"], rows["_quarter"],
                                                 rows["count"], no_data, strict=True):
            if none:
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


def recompute(counts: Mapping[str, Figure], quarters: Quarters, basis: int) -> dict[str, Figure]:
    """The draft's computed columns rebuilt from one measure's quarterly counts, unrounded.

    Difference = year to date - last year to date (the same quarters of last year);
    % difference = difference / last year to date x 100 (n/a when that is 0); direction
    follows the difference; own rate = year to date per 1,000 of the measure's basis.
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
                       pct_difference=100 * diff / last if last else NOT_APPLICABLE,
                       direction="up" if diff > 0 else "down" if diff < 0 else "level")
    else:
        unknown = NO_DATA if NO_DATA in (ytd, last) else None
        figures.update(difference=unknown, pct_difference=unknown, direction=unknown)
    figures["own_rate"] = ytd * 1000 / basis if isinstance(ytd, int) else ytd
    return figures


def _fixed(value: float, places: int) -> str:
    """As printed: rounded half away from zero, thousands separated, never '-0.0'."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded.copy_abs() if rounded == 0 else rounded:,}"


def printed(value: Figure, kind: str, cfg: Performance) -> Figure:
    """A figure as the board table shows it."""
    if value is None or value in (NO_DATA, NOT_APPLICABLE):
        return value
    match kind:
        case "percent":
            return f"{_fixed(value, cfg.percent_places)}%"
        case "rate":
            return _fixed(value, cfg.rate_places)
        case "word":
            return DIRECTIONS[value]
    return int(value)


def agrees(draft: Figure, exact: Figure, kind: str, cfg: Performance) -> bool | None:
    """Whether a draft cell agrees with the exact figure: counts and words exactly,
    percentages and rates to half a unit of the last digit printed. None where the figure
    cannot be worked out (a quarter is missing)."""
    if exact is None:
        return None
    places = {"percent": cfg.percent_places, "rate": cfg.rate_places}.get(kind)
    if isinstance(exact, str) or places is None or not isinstance(draft, int | float):
        return draft == exact
    return abs(draft - exact) <= 0.5 * 10 ** -places + 1e-9


def _shown(value: Figure) -> str:
    if value is None:
        return BLANK
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _draft_cell(row: Mapping, column: str, kind: str) -> tuple[Figure, str]:
    """A draft cell as a figure, and as the draft shows it. Text that cannot be read stays
    as written: it agrees with no figure."""
    if row[no_data_column(column)]:
        return NO_DATA, NO_DATA
    value = row[column]
    if pd.isna(value):
        return None, BLANK
    if kind == "percent":
        figure = NOT_APPLICABLE if row["_pct_not_applicable"] else \
            float(row["_pct"]) if pd.notna(row["_pct"]) else value.strip()
        return figure, value.strip()
    if kind == "word":
        return row["_direction"], value.strip()
    figure = int(value) if kind == "count" else float(value)
    return figure, _shown(figure)


def _from_draft(row: Mapping | None, column: str, places: int | None = None) -> Figure:
    """A figure the return does not rebuild (the MSG comparison), as the board shows it."""
    if row is None:
        return None
    if row[no_data_column(column)]:
        return NO_DATA
    value = row[column]
    if pd.isna(value):
        return None
    return int(value) if places is None else _fixed(float(value), places)


def _compared(measure: Measure, row: Mapping | None, exact: Mapping[str, Figure],
              shown: Mapping[str, Figure], rows_in_draft: int, cfg: Performance) -> list[dict]:
    """One measure's draft cells beside the recomputed figures (not compared without a row)."""
    cells = []
    for column, (heading, kind) in COMPUTED.items():
        figure, written = (None, BLANK) if row is None else _draft_cell(row, column, kind)
        cells.append({"Figure": f"{measure.name}: {heading}", "Measure": measure.name,
                      "Column": heading, "draft": written, "recomputed": _shown(shown[column]),
                      "agrees": None if row is None else agrees(figure, exact[column], kind, cfg),
                      "rows in draft": rows_in_draft})
    return cells


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    cfg: Performance = ctx.config
    quarters = quarters_of(ctx.period)
    counts = _quarterly_counts(sources, cfg)
    draft = sources[DRAFT_TABLE.name]
    draft = draft[draft["_measure_known"]]
    rows_in_draft = draft["_measure"].value_counts()
    drafted = {r["_measure"]: r for r in
               draft.drop_duplicates("_measure").to_dict("records")}

    board, cells, quarterly = [], [], []
    for m in cfg.measures:
        exact = recompute(counts[m.id], quarters, cfg.basis(m))
        shown = {c: printed(exact[c], kind, cfg) for c, (_, kind) in COMPUTED.items()}
        row = drafted.get(m.id)
        board.append({"Measure": m.name,
                      **{heading: shown[c] for c, (heading, _) in COMPUTED.items()
                         if c != "own_rate"},
                      "MSG rank": _from_draft(row, "msg_rank"),
                      "Group rate": _from_draft(row, "msg_group_rate", cfg.rate_places),
                      "Own rate": shown["own_rate"]})
        cells += _compared(m, row, exact, shown, int(rows_in_draft.get(m.id, 0)), cfg)
        quarterly.append({"Measure": m.name, "Source": SOURCE_NAMES[m.source],
                          **{q: counts[m.id].get(q) for q in quarters.expected}})

    cells_frame = pd.DataFrame(cells).astype({"agrees": "boolean"})
    disagreements = cells_frame[~cells_frame["agrees"].fillna(True)]
    disagreements = disagreements[["Measure", "Column", "draft", "recomputed"]].rename(
        columns={"draft": "Draft", "recomputed": "Recomputed"}).reset_index(drop=True)
    return {"board_table": pd.DataFrame(board, dtype=object),
            "disagreements": disagreements,
            "quarterly_counts": pd.DataFrame(quarterly, dtype=object),
            DRAFT_CELLS: cells_frame}


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Every quarter's count of every measure; every measure's draft rows; every draft cell
    beside its recomputed figure (measures without a draft row are left to CSP-R02)."""
    counts = tables["quarterly_counts"]
    coverage = pd.DataFrame(
        [{"Measure and quarter": f"{row['Measure']} {q}", "count": row[q]}
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
    description="Crime, fire and anti-social behaviour measures: the quarter, the year to "
                "date against last year and the most-similar-group comparison, rebuilt from "
                "the police and fire extracts and checked against the analyst's draft.",
    sources=(POLICE_EXTRACT, FIRE_EXTRACT, DRAFT_TABLE),
    tables=(
        Table("board_table", "Performance by measure: this financial year to date against last",
              ("Measure",), published=True,
              note="Counted by date recorded. Year to date: this financial year's quarters so "
                   "far; last year to date: the same quarters of last year. Difference = year "
                   "to date - last year to date; % difference = difference / last year to "
                   "date (n/a where that is 0); direction follows the difference. Own rate: "
                   "year to date per 1,000 residents (residential burglary: per 1,000 "
                   "households). MSG rank and group rate: the analyst's most-similar-group "
                   "comparison. No data available is not zero: a figure built from a quarter "
                   "without data has none."),
        Table("disagreements", "Draft figures that disagree with the recomputed ones",
              ("Measure", "Column"),
              note="Each needs a corrected draft or a written explanation before sign-off. "
                   "Percentages and rates agree when within half a unit of the last digit "
                   "printed."),
        Table("quarterly_counts", "Counts by quarter: last financial year and this one to date",
              ("Measure", "Source")),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Performance.model_validate,
    headline=headline,
)

csp_performance = return_flow(DECLARATION)

if __name__ == "__main__":
    run_from_command_line(DECLARATION, csp_performance)
