"""Figures as people write them, read from text: numbers with thousands separators,
currency signs and accounting brackets, percentages with or without their sign, and the
symbols tables write for a figure's state. Each distinct text is read once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from statreturns.declaration import NIL, STATES, Column

FIGURES = ("integer", "number", "percent")
"""The types of figures: read as numbers, and from a workbook as their cells show them."""


def state_column(name: str) -> str:
    """The column beside a figure naming its state (e.g. "not available") where a symbol
    stands in for it, None elsewhere."""
    return f"{name}_state"


def places_column(name: str) -> str:
    """The column beside a number or percent column: the decimal places each figure shows."""
    return f"{name}_places"


FIGURE = (  # every group is named: Arrow's regular expressions then read them all at once
    r"^\s*(?P<cur0>[£$€])?\s*(?P<open>\()?\s*(?P<sign>[-+−])?\s*(?P<cur1>[£$€])?\s*"
    r"(?P<sign2>[-+−])?\s*(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<decimals>\d*))?\s*"
    r"(?P<percent>%)?\s*(?P<cur2>[£$€])?\s*(?P<close>\))?\s*$")
"""A figure as people write it: thousands separated by commas (1,234), a currency sign
before or after it (£1,234, -£1,234, £-1,234, 1,234 €), a negative in brackets ((1,234),
(£1,234.50), (4.3%)), a sign (+, - or the minus sign −), a per cent sign. `read_figures`
says which combinations make a figure."""


def read_figures(values: pd.Series, percent: bool) -> tuple[pd.Series, pd.Series]:
    """The figures `values` write (float64), and the decimal places each shows (Int64); NaN
    and NA where a value is no figure. A per cent sign is a figure's only in a `percent`
    column, a currency sign only in another; a currency sign with a dash and no digits
    (£ -) is the accounting zero.

    Each distinct text is read once."""
    codes, distinct = pd.factorize(values)
    # In Arrow's own strings, Arrow does the work (pandas' "str" would read them with `re`).
    text = pd.Series(distinct, dtype=pd.ArrowDtype(pa.string())).str.extract(FIGURE).fillna("")
    has = (text != "").astype(bool)
    signs = has["sign"].astype(int) + has["sign2"]
    currencies = has["cur0"].astype(int) + has["cur1"] + has["cur2"]
    minus = (text["sign"].isin(["-", "−"]) | text["sign2"].isin(["-", "−"])).astype(bool) \
        | has["open"]
    digits = has["whole"] | has["decimals"]
    symbols = (currencies == 0) if percent else ~has["percent"] & (currencies <= 1)
    written = (has["open"] == has["close"]) & (signs <= 1 - has["open"]) & symbols
    zero = ~digits & minus & (currencies == 1) & ~has["open"]
    magnitude = ("0" + text["whole"].str.replace(",", "") + "." + text["decimals"] + "0"
                 ).astype("float64")  # every text read here is a decimal: "0.0" at least
    number = magnitude.where(~minus, -magnitude).where(written & (digits | zero))
    number += 0.0  # never -0.0
    places = text["decimals"].str.len().astype("float64").where(number.notna())
    return _by_code(number, codes, values.index), \
        _by_code(places, codes, values.index).astype("Int64")


def _by_code(distinct: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Values of distinct texts put back where `pd.factorize` found them (NaN for code -1,
    a missing value)."""
    return pd.Series(np.append(distinct.to_numpy(dtype="float64"), np.nan)[codes], index=index)


def read_states(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """The text without the symbols of the column's `states`, and the state each symbol
    stands for (object, None where there is none). Nil's symbol is the figure 0."""
    lower = text.str.lower()
    state = np.full(len(text), None, dtype=object)
    for name in column.states:
        found = lower.isin([word.lower() for word in STATES[name]]).to_numpy(dtype=bool)
        if name == NIL:
            text = text.mask(found, "0")
        else:
            state[found] = name
    return text.mask(pd.notna(state), None), pd.Series(state, index=text.index, dtype=object)
