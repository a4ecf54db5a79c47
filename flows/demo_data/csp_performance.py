"""Quarterly counts and an analyst's draft for the demo authority, the same every time for a
period.

A large city: total recorded crime about 37,000 a quarter, FGM and forced marriage in single
figures, violence and anti-social behaviour peaking in the summer. The fire service has no
data for deliberate fires in the same quarter last year, so every figure built from that
quarter is "No data available". The draft is worked out as the analyst does it, in a
workbook that truncates percentages (``ROUNDDOWN``), showing those from 10% up to a whole
percent, and rounds rates half up (``ROUND``),
leaving the MSG cells blank for measures the most-similar-group tools do not compare; with
`problems=True` three of its cells carry mistakes analysts make, which the return raises as
queries (CSP-R01):

- Shop theft: % difference worked out against the previous quarter, not last year;
- Violence with injury: year to date without this quarter added;
- Deliberate fires: last year to date counting the quarter without data as 0.

`rows` is not used: the extracts have one row per measure and quarter.
"""

from __future__ import annotations

import zlib
from fractions import Fraction

import numpy as np
import pandas as pd

from flows.csp_performance import (
    NO_DATA,
    NOT_APPLICABLE,
    Measure,
    Performance,
    Quarters,
    quarters_of,
)
from statreturns.periods import Period
from statreturns.rounding import TOWARD_ZERO, fixed

QUARTERLY = {  # a typical quarter's count
    "total-recorded-crime": 37500, "shop-theft": 2300, "theft-from-motor-vehicles": 1750,
    "theft-of-motor-vehicles": 850, "other-theft": 3100, "violence-against-the-person": 15200,
    "violence-with-injury": 4300, "serious-youth-violence": 420, "abh": 3300,
    "common-assault": 5200, "drug-offences": 1050, "deliberate-fires": 540,
    "honour-based-abuse": 28, "fgm": 3, "modern-slavery": 45, "forced-marriage": 4,
    "knife-crime": 640, "personal-robbery": 1080, "residential-burglary": 1450,
    "domestic-abuse": 6100, "hate-crime": 920, "asb-incidents": 7400, "asb-non-crime": 310,
}
WORKBOOKS = {"draft-table": "Performance draft"}
"""The draft is the analyst's workbook: percent cells, some shown to a whole percent, and
counts with negatives in brackets (see `flows.demo_data.as_workbook`)."""
SEASON = (1.0, 1.07, 0.97, 0.96)
"""Q1 (April-June) to Q4 (January-March)."""


def generate(period: Period, config: Performance, rows: int | None = None,
             problems: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20260401 + zlib.crc32(str(period).encode()))
    quarters = quarters_of(period)
    counts = {m.id: _counts(rng, m, quarters) for m in config.measures}
    draft = {m.id: _draft_row(rng, m, counts[m.id], quarters, config) for m in config.measures}
    if problems:
        _add_problems(draft, counts, quarters, config)

    def extract(source: str) -> pd.DataFrame:
        return pd.DataFrame([{"measure": m.name, "quarter": q, "count": counts[m.id][q]}
                             for m in config.measures if m.source == source
                             for q in quarters.expected], columns=["measure", "quarter", "count"])

    return {"police-extract": extract("police"), "fire-extract": extract("fire"),
            "draft-table": pd.DataFrame(draft.values(), dtype=object)}


def _counts(rng: np.random.Generator, measure: Measure, quarters: Quarters) -> dict:
    """A quarter's count: typical for the season, this year up or down on last, with noise;
    the fire service has no data for the same quarter last year."""
    trend = rng.uniform(0.88, 1.12)
    counts: dict[str, int | str] = {}
    for q in quarters.expected:
        mean = QUARTERLY.get(measure.id, 100) * SEASON[int(q[-1]) - 1]
        mean *= (trend if q in quarters.this_year else 1.0) * rng.lognormal(0, 0.04)
        counts[q] = int(rng.poisson(mean))
    if measure.source == "fire":
        counts[quarters.same_last_year] = NO_DATA
    return counts


def _sum(counts: dict, quarters: tuple[str, ...]) -> int | str:
    values = [counts[q] for q in quarters]
    return NO_DATA if NO_DATA in values else sum(values)


def _percent(change: int, base: int, config: Performance) -> str:
    """A % difference as the analyst's spreadsheet prints it: truncated, whole from 10% up."""
    pct = Fraction(100 * change, base)
    return f"{fixed(pct, 0 if abs(pct) >= 10 else config.percent_places, TOWARD_ZERO)}%"


def _draft_row(rng: np.random.Generator, measure: Measure, counts: dict, quarters: Quarters,
               config: Performance) -> dict:
    """The analyst's row: figures as printed."""
    ytd = _sum(counts, quarters.this_year)
    last = _sum(counts, quarters.last_year_to_date)
    if NO_DATA in (ytd, last):
        difference = pct = direction = NO_DATA
    else:
        difference = ytd - last
        pct = _percent(difference, last, config) if last else NOT_APPLICABLE
        direction = "up" if difference > 0 else "down" if difference < 0 else "level"
    counted = _sum(counts, quarters.rated(measure.rate))
    rate = counted if counted == NO_DATA else Fraction(counted * 1000, config.basis(measure))
    if not measure.msg:
        rank = group_rate = None
    elif rate == NO_DATA:
        rank = group_rate = NO_DATA
    else:
        rank = int(rng.integers(1, config.msg_size + 1))
        group_rate = fixed(float(rate) * rng.uniform(0.75, 1.25), config.rate_places)
    return {
        "measure": measure.name,
        "same_quarter_last_year": counts[quarters.same_last_year],
        "this_quarter": counts[quarters.this],
        "previous_quarter": counts[quarters.previous],
        "year_to_date": ytd,
        "last_year_to_date": last,
        "difference": difference,
        "pct_difference": pct,
        "direction": direction,
        "msg_rank": rank,
        "msg_group_rate": group_rate,
        "own_rate": rate if rate == NO_DATA else fixed(rate, config.rate_places),
    }


def _add_problems(draft: dict[str, dict], counts: dict[str, dict], quarters: Quarters,
                  config: Performance) -> None:
    """Three slips in the draft: each disagrees with the counts, none blocks the return."""
    if "shop-theft" in draft:
        row = draft["shop-theft"]
        row["pct_difference"] = _percent(row["this_quarter"] - row["previous_quarter"],
                                         row["previous_quarter"], config)
    if "violence-with-injury" in draft:
        draft["violence-with-injury"]["year_to_date"] -= counts["violence-with-injury"][
            quarters.this]
    if "deliberate-fires" in draft:
        fires = counts["deliberate-fires"]
        draft["deliberate-fires"]["last_year_to_date"] = sum(
            fires[q] for q in quarters.last_year_to_date if fires[q] != NO_DATA)
