"""Published tables with their figures as numbers: what `typed` makes of a return's table.

Returns build their tables for people to read: percentages as "10.2%", rates as "117.47",
"No data available" or "n/a" where a figure has none, "[c]" where one is withheld, money as
57092.0. `typed` reads them back: every figure a number (a percentage as its percentage,
10.2), every state its symbol of the Government Statistical Service's guidance ("[x]",
"[z]", "[c]", "[low]"), and for each column its kind, the decimal places its cells show
and the symbols it holds, so that the files written from it keep numbers as numbers.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from statreturns.declaration import (
    CONFIDENTIAL,
    LOW,
    NIL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    STATES,
)
from tasks.figures import read_figures

Kind = Literal["text", "count", "number", "percent"]

SYMBOLS: dict[str, str] = {state: STATES[state][0]
                           for state in (CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW)}
"""Each state a published figure may be in, and the GSS symbol written for it, in the
order tables and notes list them. Nil ("-") is not one: its figure, 0, is written."""
SYMBOL_WORDS: dict[str, str] = {
    SYMBOLS[CONFIDENTIAL]: "confidential: withheld to protect people",
    SYMBOLS[NOT_AVAILABLE]: "not available",
    SYMBOLS[NOT_APPLICABLE]: "not applicable",
    SYMBOLS[LOW]: "low: rounds to zero at the precision shown, but is not zero",
}
"""What each symbol means, for notes."""
_SYMBOL_OF_WORD = {word.lower(): SYMBOLS[state] for state in SYMBOLS for word in STATES[state]}
_NIL_WORDS = {word.lower() for word in STATES[NIL]}
WORDLIKE = re.compile(r"[^\W_]")
"""A letter or a digit, in any script."""


@dataclass(frozen=True)
class FigureColumn:
    name: str
    kind: Kind
    """count: whole numbers only; number: shown to `places`; percent: a percentage (10.2
    is 10.2%); text: anything else, index columns included."""
    places: int
    """The decimal places the column shows: the most any of its cells shows."""
    symbols: tuple[str, ...]
    """The GSS symbols the column holds, in the order of `SYMBOLS`."""


@dataclass(frozen=True)
class TypedTable:
    frame: pd.DataFrame
    """Figures as Python int (a whole number) or float, symbols as GSS symbols, missing
    values as None; text and index columns as the table had them."""
    columns: tuple[FigureColumn, ...]
    """One per column of `frame`, in order."""
    index: tuple[str, ...] = ()
    """The columns naming a row (text columns, as the table had them)."""

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol the table uses, in the order of `SYMBOLS`."""
        used = {s for column in self.columns for s in column.symbols}
        return tuple(s for s in SYMBOLS.values() if s in used)


def typed(table: pd.DataFrame, index: tuple[str, ...]) -> TypedTable:
    """The table with its figures as numbers and its states as symbols.

    A column other than an index column holds figures when every value it has is a number,
    a figure as text ("1,234", "-0.2%", "(4.3%)", "£57,092", nil's "-" for 0) or a state's
    word or symbol ("No data available", "n/a", "[c]"); otherwise it is text and is left
    as it is. A column is a percent column when a cell writes "%" or its heading does ("%
    of target"), a count when every figure is whole and shown without decimals."""
    if missing := [name for name in index if name not in table.columns]:
        raise ValueError(f"no column {', '.join(map(str, missing))} for the index")
    frame = table.copy()
    columns = []
    for j, name in enumerate(table.columns):
        found = None if name in index else _figures(str(name), table.iloc[:, j])
        column, values = found or _words(str(name), table.iloc[:, j])
        columns.append(column)
        if values is not None:
            frame.isetitem(j, pd.Series(values, index=table.index, dtype=object))
    return TypedTable(frame, tuple(columns), tuple(index))


def _words(name: str, values: pd.Series) -> tuple[FigureColumn, list | None]:
    """A text column, with its states as their symbols ("No data available" as "[x]") and
    a value holding no letter or digit ("-", "...", "?") as not available: a mark standing
    for a word the table does not give. (None where no value changes.)"""
    shown, symbols = [], set()
    for value in values:
        text = value.strip().lower() if isinstance(value, str) else ""
        symbol = _SYMBOL_OF_WORD.get(text) or (
            SYMBOLS[NOT_AVAILABLE] if text and not WORDLIKE.search(text) else None)
        shown.append(symbol or value)
        symbols |= {symbol} - {None}
    column = FigureColumn(name, "text", 0, tuple(s for s in SYMBOLS.values() if s in symbols))
    return column, shown if symbols else None


def _figures(name: str, values: pd.Series) -> tuple[FigureColumn, list] | None:
    """The column as figures and the values it then holds; None when it is text."""
    out: list = [None] * len(values)
    places: list[int] = []
    symbols: set[str] = set()
    texts: dict[int, str] = {}
    for i, value in enumerate(values):
        if isinstance(value, str):
            text = value.strip()
            if text.lower() in _SYMBOL_OF_WORD:
                out[i] = _SYMBOL_OF_WORD[text.lower()]
                symbols.add(out[i])
            elif text.lower() in _NIL_WORDS:
                out[i] = 0
                places.append(0)
            elif text:
                texts[i] = text
        elif _is_number(value):
            number = value.item() if isinstance(value, np.generic) else value
            out[i] = _whole(number)
            places.append(_places(number))
        elif not _is_missing(value):
            return None
    percent = "%" in name
    if texts:
        written = pd.Series(list(texts.values()), dtype=object)
        as_percent, percent_places = read_figures(written, percent=True)
        as_plain, plain_places = read_figures(written, percent=False)
        if (as_percent.isna() & as_plain.isna()).any():
            return None
        signed = as_plain.isna()  # read only as a percentage: it has a per cent sign
        if signed.any() and as_percent.isna().any():  # per cent and currency signs both
            return None
        percent = percent or bool(signed.any())
        number = as_percent.where(as_percent.notna(), as_plain)
        shown = percent_places.where(as_percent.notna(), plain_places)
        for i, figure, figure_places in zip(texts, number, shown, strict=True):
            out[i] = _whole(float(figure))
            places.append(int(figure_places))
    most = max(places, default=0)
    whole = all(isinstance(v, int) for v in out if not isinstance(v, str | None))
    kind: Kind = "percent" if percent else "count" if whole and most == 0 else "number"
    return FigureColumn(name, kind, most, tuple(s for s in SYMBOLS.values() if s in symbols)), \
        out


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_) \
        and math.isfinite(value)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT \
        or isinstance(value, float | np.floating) and math.isnan(value)


def _whole(number: int | float) -> int | float:
    """A whole float as an int (57092.0 is 57092); 0.0 and -0.0 are 0."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _places(number: int | float) -> int:
    """The decimal places a number shows written as briefly as Python writes it."""
    if isinstance(number, int) or float(number).is_integer():
        return 0
    return max(0, -int(Decimal(repr(float(number))).normalize().as_tuple().exponent))
