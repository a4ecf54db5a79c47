"""What a return declares. The machinery in tasks/ runs any declaration the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from statreturns.deadlines import check_rule
from statreturns.periods import Period, PeriodType

ColumnType = Literal["text", "integer", "number", "percent", "date", "datetime"]
"""A ``percent`` column holds percentages: ``12.3%``, ``12.3`` and a spreadsheet's percent
cell (0.123 shown as 12.3%) are all read as 12.3."""
DataClass = Literal["not personal", "personal", "special category"]
NOT_PERSONAL: DataClass = "not personal"
"""Codes, figures and words about the authority, its orders, areas, services, partners
and money; counts of people (small counts are the business of suppression, not of this)."""
PERSONAL: DataClass = "personal"
"""Identifies or locates a person: a name, a date of birth, an address or place, the
reference of a record about one person (UK GDPR art. 4(1))."""
SPECIAL: DataClass = "special category"
"""Tells something about a person that UK GDPR art. 9 or 10 protects: ethnicity, religion
or belief, health, sex life or sexual orientation, or an offence alleged or committed and
what followed (a warning, a fine, a prosecution, a referral to Prevent)."""
DATA_CLASSES: tuple[DataClass, ...] = (NOT_PERSONAL, PERSONAL, SPECIAL)
if TYPE_CHECKING:  # pandas is loaded by the stages that use it, not by a declaration
    import pandas as pd

Tables = dict[str, "pd.DataFrame"]

# States of a figure, with the words tables write for them: the symbols of the Government
# Statistical Service's guidance for tables, and the older forms they replaced.
NOT_AVAILABLE = "not available"
CONFIDENTIAL = "confidential"
NOT_APPLICABLE = "not applicable"
LOW = "low"
"""Rounds to zero at the precision shown, but is not zero."""
NIL = "nil"
"""Written ``-`` where a source says so: the figure is 0."""
STATES: dict[str, tuple[str, ...]] = {
    NOT_AVAILABLE: ("[x]", "..", "No data available", "not available"),
    CONFIDENTIAL: ("[c]",),
    NOT_APPLICABLE: ("[z]", "n/a", "not applicable"),
    LOW: ("[low]",),
    NIL: ("-",),
}
"""Each state's words, matched whatever their case."""

NOTES = "_notes"
"""A working frame `assemble` may add: one note per row (column ``note``) that the run
records with its data-quality results and the PDF's data-quality annex states, e.g. the
rounding convention of a draft."""

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    data: DataClass = NOT_PERSONAL
    """What a value of the column tells about a person, read in its row: `NOT_PERSONAL`,
    `PERSONAL` or `SPECIAL`. Personal and special category values are used in the run and
    never shown in a sample, a log or an output; only counts made from them are published,
    and those with small counts withheld."""
    description: str = ""
    states: tuple[str, ...] = ()
    """The symbols the column may hold instead of a figure, as states of `STATES`
    (``NOT_AVAILABLE`` reads ``[x]``, ``..`` and "No data available"): a cell holding one
    is read as that state, never as zero and never as a bad value. ``NIL`` reads ``-`` as 0."""

    def __post_init__(self) -> None:
        if unknown := set(self.states) - set(STATES):
            raise ValueError(f"column {self.name}: no state {', '.join(sorted(unknown))}")
        if self.data not in DATA_CLASSES:
            raise ValueError(f"column {self.name}: data is one of {', '.join(DATA_CLASSES)}, "
                             f"not {self.data!r}")

    @property
    def personal(self) -> bool:
        """Personal or special category data: never quoted back."""
        return self.data != NOT_PERSONAL


@dataclass(frozen=True)
class Source:
    """One input of a return: its schema, where it is found, and the suite that checks it."""

    name: str
    title: str
    columns: tuple[Column, ...]
    derive: Callable[[pd.DataFrame, Context], pd.DataFrame] | None = None
    """Adds helper columns the suite's rules need (e.g. the dates a condition is in force)."""
    parameters: Callable[[Context], dict[str, Any]] | None = None
    """Values for the suite's ``$PARAMETER`` placeholders."""
    many: bool = False
    """The source is a folder of files read alike (e.g. one per provider and quarter)."""
    unreadable: Literal["error", "query"] = "error"
    """The severity of a value that is not of its column's type: an error, or a query for a
    source whose figures are checked, not published (an analyst's draft)."""
    key: tuple[str, ...] = ()
    """The columns that identify one record: two files of a many-file source holding the
    same key report the same thing (a copy left in the folder)."""

    def __post_init__(self) -> None:
        if unknown := set(self.key) - {c.name for c in self.columns}:
            raise ValueError(f"source {self.name}: its key names no column "
                             f"{', '.join(sorted(unknown))}")

    @property
    def suite(self) -> str:
        return self.name

    @property
    def personal_columns(self) -> frozenset[str]:
        """The columns of personal or special category data: never quoted back."""
        return frozenset(c.name for c in self.columns if c.personal)


Audience = Literal["board", "exempt", "submission", "publication"]
BOARD: Audience = "board"
"""The board's paper: a committee paper, and so public. Every figure exact."""
EXEMPT: Audience = "exempt"
"""The board only, in a part not published: exempt information (Local Government Act 1972,
Schedule 12A), such as figures about identifiable people."""
SUBMISSION: Audience = "submission"
"""The recipient department's data collection: exact figures in its layout."""
PUBLICATION: Audience = "publication"
"""Open data: counts of people withheld and rounded as the table's disclosure says."""
AUDIENCES: tuple[Audience, ...] = (BOARD, EXEMPT, SUBMISSION, PUBLICATION)

Counted = Literal["events", "people", "households", "figures"]
TOTAL = "Total"
"""The label of a table's total row (its first index column) and of its total column."""


@dataclass(frozen=True)
class Disclosure:
    """What a table's counts count, and so how they may be published.

    Counts of events (breaches, contacts, notices) are published as counted. Counts of
    people or households under the authority's threshold are withheld, with other cells
    that would give one away; the `protected` totals are always shown, small categories
    being merged into "Other" where that is what it takes. Figures that count nobody
    (money, ratings, rates) are published as they are."""

    counts: Counted = "figures"
    of: str = ""
    """What is counted, in a reader's words (e.g. "breaches and fixed penalty notices")."""
    round_to: int | None = None
    """Published counts are rounded to this (e.g. 10, as a national release asks)."""
    protected: tuple[str, ...] = (TOTAL,)
    """Row labels and column names whose cells are always shown where counts are withheld:
    ``Total`` keeps every row's and column's total and the grand total."""

    @property
    def withholds(self) -> bool:
        """Small counts are withheld: the table counts people or households."""
        return self.counts in ("people", "households")

    @property
    def brief(self) -> str:
        """The policy in a few words, for a listing."""
        said = (f"{self.counts}: withheld under the threshold"
                + (f", {' and '.join(self.protected)} always shown" if self.protected else "")
                if self.withholds else f"{self.counts}: as counted" if self.counts == "events"
                else "figures: as they are")
        return said + (f", rounded to {self.round_to}" if self.round_to else "")

    def words(self, threshold: int) -> str:
        """The policy as the table's note states it: nothing for figures that count no one."""
        what = self.of or self.counts
        if self.counts == "figures":
            said = ""  # money, ratings, rates: nothing to withhold, nothing to say
        elif not self.withholds:
            said = f"Counts of {what}, events rather than people: published as counted."
        else:
            kept = " and ".join(f"'{p}'" for p in self.protected)
            said = (f"Counts of {what}: a count from 1 to {threshold - 1} is withheld "
                    "([c]), with other counts that would let one be worked out"
                    + (f"; {kept} cells are always shown." if kept else "."))
        if self.round_to:
            said += f" Counts are rounded to the nearest {self.round_to}."
        return said.strip()


@dataclass(frozen=True)
class Table:
    """An output table, for the audiences it names (the board's paper by default)."""

    name: str
    title: str
    index: tuple[str, ...]
    audiences: tuple[Audience, ...] = (BOARD,)
    disclosure: Disclosure = Disclosure()
    note: str = ""
    key: tuple[str, ...] = ()
    """The columns that tell its rows apart where `index` also holds words that change (a
    rating, a status): versions are compared row by row on it. Default: `index`."""

    def __post_init__(self) -> None:
        if not self.audiences or set(self.audiences) - set(AUDIENCES):
            raise ValueError(f"table {self.name}: audiences are some of {', '.join(AUDIENCES)}")
        if EXEMPT in self.audiences and {BOARD, PUBLICATION} & set(self.audiences):
            raise ValueError(f"table {self.name}: an exempt table is neither in the public "
                             "board paper nor published")

    def is_for(self, audience: Audience) -> bool:
        return audience in self.audiences

    @property
    def published(self) -> bool:
        return PUBLICATION in self.audiences

    @property
    def row_key(self) -> tuple[str, ...]:
        return self.key or self.index


@dataclass(frozen=True)
class Chart:
    """A bar chart in the board PDF: a group of bars for each row of `table` but its Total
    row, named by its `category` column; a bar for each column in `values` (every count
    column but Total when `values` is empty)."""

    table: str
    category: str
    values: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Context:
    """What a return's functions are given besides their data."""

    authority: str
    period: Period
    config: Any
    suppression_threshold: int = 5
    provisional: bool = False
    """The period has not ended: the figures are provisional, and every output says so."""


@dataclass(frozen=True)
class ReturnDeclaration:
    id: str
    title: str
    owner: str
    recipient: str
    period_types: tuple[PeriodType, ...]
    deadline: str
    """When a period's return is due, in a form `statreturns.deadlines` reads."""
    sources: tuple[Source, ...]
    tables: tuple[Table, ...]
    assemble: Callable[[Mapping[str, pd.DataFrame], Context], Tables]
    """The return's tables from its sources' frames. It may add working frames, named with
    a leading ``_`` (e.g. every source row matched with the register), that only
    `reconcile` sees: they are never rendered."""
    reconcile: Callable[[Tables, Context], Tables]
    """Frames of figures that must agree, by the name of the suite that checks each
    (``expectations/<return>/<name>.json``); a frame's first column names its rows."""
    configure: Callable[[dict], Any] = dict
    """Turns the authority's config file for this return into the object `Context.config`."""
    headline: Callable[[Tables, Context], list[tuple[str, str]]] = lambda tables, ctx: []
    chart: Chart | None = None
    sign_off: bool = False
    description: str = field(default="")
    delivers: Audience = SUBMISSION
    """The package `submit` delivers to the recipient: the submission for a department,
    the publication for an open-data portal, the board's paper for a board."""

    def __post_init__(self) -> None:
        if not SLUG.fullmatch(self.id):
            raise ValueError(f"return id {self.id!r} must be lower-case letters, digits and -")
        check_rule(self.deadline)
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: table names repeat")
        if self.delivers == EXEMPT or not any(t.is_for(self.delivers) for t in self.tables):
            raise ValueError(f"{self.id}: no table is for the {self.delivers} it delivers")

    @property
    def row_keys(self) -> dict[str, tuple[str, ...]]:
        """Each table's row key, by the table's name."""
        return {t.name: t.row_key for t in self.tables}

    @property
    def default_period_type(self) -> PeriodType:
        return self.period_types[0]
