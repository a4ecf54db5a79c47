"""The same rules as a suite, checked directly in pandas: the baseline validation is
measured against. Handles the expectation types the suites use."""

from __future__ import annotations

import pandas as pd


def _value(value, parameters: dict):
    return parameters[value["$PARAMETER"]] if isinstance(value, dict) else value


def unexpected(frame: pd.DataFrame, expectation: dict, parameters: dict) -> int:
    """How many rows break the expectation (blanks are skipped, as Great Expectations does,
    except by the not-null rule)."""
    kind, kw = expectation["type"], expectation["kwargs"]
    if kind == "expect_column_values_to_not_be_null":
        return int(frame[kw["column"]].isna().sum())
    if kind in ("expect_column_pair_values_to_be_equal",
                "expect_column_pair_values_a_to_be_greater_than_b"):
        a, b = frame[kw["column_A"]], frame[kw["column_B"]]
        both = a.notna() & b.notna()
        holds = (a == b) if kind.endswith("equal") else (a >= b if kw.get("or_equal") else a > b)
        return int((both & ~holds.fillna(False)).sum())
    values = frame[kw["column"]]
    present = values.dropna()
    if kind == "expect_column_values_to_be_unique":
        return int(present.duplicated(keep=False).sum())
    if kind == "expect_column_values_to_be_in_set":
        return int((~present.isin(list(_value(kw["value_set"], parameters)))).sum())
    if kind == "expect_column_values_to_be_between":
        low, high = _value(kw.get("min_value"), parameters), _value(kw.get("max_value"),
                                                                     parameters)
        bad = pd.Series(False, index=present.index)
        if low is not None:
            bad |= present <= low if kw.get("strict_min") else present < low
        if high is not None:
            bad |= present >= high if kw.get("strict_max") else present > high
        return int(bad.sum())
    raise NotImplementedError(kind)
