"""What the returns' rules share: names matched whatever their case, spacing and
punctuation; flags that say where a rule applies; counts of repeated keys."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

NOT_KEY = re.compile(r"[^a-z0-9]+")


def key(text: str, sep: str = " ") -> str:
    """'Second-stage / Move-on' -> 'second stage move on' (with `sep` between words)."""
    return NOT_KEY.sub(sep, text.lower()).strip(sep)


def keys(values: pd.Series, sep: str = " ") -> pd.Series:
    """`key` of every value (missing stays missing), worked out once per distinct value."""
    codes, distinct = pd.factorize(values)
    table = pd.array([key(str(v), sep) for v in distinct] + [pd.NA], dtype="string")
    return pd.Series(table[codes], index=values.index)  # code -1 (missing) takes the NA


def canonical(values: pd.Series, lookup: Mapping[str, str], sep: str = " ") -> pd.Series:
    """Each value whose key `lookup` knows, as `lookup` writes it; anything else as it was."""
    found = keys(values, sep).map(lookup)
    return found.where(found.notna(), values)


def flag(applies: pd.Series, holds: pd.Series) -> pd.Series:
    """True/False where a rule applies, missing where it does not (rules skip missing)."""
    applies = applies.astype("boolean").fillna(False).astype(bool)
    return holds.astype("boolean").fillna(False).where(applies, pd.NA)


def times(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """How many rows share each row's values of `columns` (missing where one is blank)."""
    return frame.groupby(columns, dropna=True)[columns[0]].transform("size")
