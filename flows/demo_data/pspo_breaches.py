"""A realistic enforcement log for the demo authority, the same every time for a period.

About 180 breaches a year as published (City Centre the large majority, Erdington High
Street next, a handful at the Station Road clinic), spread over the dates each order and
condition is in force. `rows` scales it (1,000,000 rows takes seconds). With
`problems=True` a few entries carry the kind of mistakes officers make, which the rules
raise as queries.

As real logs are written: outcomes in officers' words (words of advice, NFA, CPW, a
referral, a withdrawn notice), a ward spelt three ways and one under its name from before
the 2018 boundary review; and for a quarter, the whole year's export, of which the return
counts the quarter.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from flows.pspo_breaches import ENFORCEMENT_LOG, Orders
from statreturns.periods import Period, PeriodType, parse_period

YEARLY_SHARE = {  # breaches a year, as published for 12 months
    "city-centre": 147, "erdington-high-street": 27, "station-road-clinic": 4,
    "soho-lozells": 14, "sparkbrook-alcohol": 6,
}
PLACES = {
    "city-centre": ["New Street", "Corporation Street", "Bull Ring", "Colmore Row",
                    "Victoria Square", "Hurst Street"],
    "erdington-high-street": ["High Street", "Six Ways", "Sutton Road", "Orphanage Road"],
    "station-road-clinic": ["Station Road"],
    "soho-lozells": ["Soho Road", "Lozells Road", "Villa Road"],
    "sparkbrook-alcohol": ["Stratford Road", "Ladypool Road"],
}
OUTCOMES = ["Warning", "FPN issued", "FPN paid", "FPN cancelled", "Prosecution"]
OUTCOME_WEIGHTS = [0.5, 0.08, 0.27, 0.05, 0.10]
FIRST = ["Aaron", "Amir", "Bethany", "Callum", "Chloe", "Daniel", "Dylan", "Ella", "Hassan",
         "Jade", "Jamal", "Kyle", "Leah", "Liam", "Mohammed", "Nathan", "Olivia", "Ryan",
         "Sofia", "Tyler", "Usman", "Zara"]
LAST = ["Ahmed", "Begum", "Brown", "Clarke", "Davies", "Evans", "Hussain", "Jones", "Khan",
        "Patel", "Roberts", "Singh", "Smith", "Taylor", "Walker", "Williams", "Wilson"]


def generate(period: Period, config: Orders, rows: int | None = None,
             problems: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20240401 + zlib.crc32(str(period).encode()))
    exported = _exported(period)
    start, end = pd.Timestamp(exported.start), pd.Timestamp(exported.end) + pd.Timedelta(days=1)
    spans = config.conditions_frame()
    spans["_from"] = spans["_from"].clip(lower=start)
    spans["_to"] = spans["_to"].clip(upper=end)
    spans = spans[spans["_from"] < spans["_to"]].reset_index(drop=True)
    if spans.empty:  # no order in force in the period: a log with its header and no rows
        return {"enforcement-log": pd.DataFrame(columns=[c.name for c in ENFORCEMENT_LOG.columns])}
    days = (spans["_to"] - spans["_from"]).dt.days.to_numpy()
    weight = spans["order"].map(YEARLY_SHARE).fillna(5).to_numpy() * days / 365
    per_order_conditions = spans.groupby("order")["condition"].transform("size").to_numpy()
    weight = weight / per_order_conditions
    total = rows or max(int(round(weight.sum())), 1)
    pick = rng.choice(len(spans), size=total, p=weight / weight.sum())
    chosen = spans.iloc[pick].reset_index(drop=True)

    offset = rng.random(total) * (chosen["_to"] - chosen["_from"]).dt.total_seconds()
    when = chosen["_from"] + pd.to_timedelta(offset.astype("int64"), unit="s")
    when = when.dt.floor("min").clip(upper=end - pd.Timedelta(minutes=1))
    order = {o.id: o for o in config.orders}
    names = {(o.id, c.id): c.name for o in config.orders for c in o.conditions}

    outcome = rng.choice(OUTCOMES, size=total, p=OUTCOME_WEIGHTS)
    fpn = np.isin(outcome, OUTCOMES[1:4]) | ((outcome == "Prosecution") & (rng.random(total) < .7))
    fpn_date = when.dt.normalize().where(fpn)
    lag = {"Warning": (0, 1), "FPN issued": (0, 1), "FPN paid": (1, 28),
           "FPN cancelled": (5, 20), "Prosecution": (20, 90)}
    low = np.array([lag[o][0] for o in outcome])
    high = np.array([lag[o][1] for o in outcome])
    outcome_date = when.dt.normalize() + pd.to_timedelta(rng.integers(low, high), unit="D")
    outcome_date = outcome_date.where(outcome != "FPN issued")

    # Most people are seen once; a few prolific ones account for a share of breaches.
    people, prolific = total * 3, max(total // 40, 1)
    person = np.where(rng.random(total) < 0.15, rng.integers(0, prolific, size=total),
                      rng.integers(prolific, prolific + people, size=total))
    first = np.array(FIRST)[person % len(FIRST)]
    last = np.array(LAST)[(person // len(FIRST)) % len(LAST)]
    number = person // (len(FIRST) * len(LAST))
    dob = pd.Timestamp("1970-01-01") + pd.to_timedelta((person * 7919) % 14000, unit="D")

    log = pd.DataFrame({
        "breach_id": [f"PSPO-{i:07d}" for i in range(1, total + 1)],
        "breach_datetime": when.dt.strftime("%Y-%m-%d %H:%M"),
        "order": chosen["order"].map(lambda o: order[o].name),
        "condition": [names[k] for k in zip(chosen["order"], chosen["condition"], strict=True)],
        "ward": _pick(rng, chosen["order"], {o.id: o.wards for o in config.orders}),
        "place": _pick(rng, chosen["order"], {o.id: PLACES.get(o.id, ["High Street"])
                                              for o in config.orders}),
        "outcome": outcome,
        "issuer_type": rng.choice(["Intervention officer", "Police"], size=total, p=[.6, .4]),
        "fpn_issued_date": fpn_date.dt.strftime("%d/%m/%Y"),
        "fpn_amount": np.where(fpn, "100", ""),
        "outcome_date": outcome_date.dt.strftime("%Y-%m-%d"),
        "person_name": [f"{f} {lname}" + (f" {n}" if n else "")
                        for f, lname, n in zip(first, last, number, strict=True)],
        "person_dob": dob.strftime("%Y-%m-%d"),
    })
    log = log.sort_values(["breach_datetime", "breach_id"], kind="stable")
    log = log.reset_index(drop=True).fillna("")
    _as_written(log)
    if problems:
        _add_problems(log)
    return {"enforcement-log": log}


def _exported(period: Period) -> Period:
    """The months the log covers: a quarter's log is the export of the year to its end."""
    if period.type is PeriodType.QUARTER:
        return parse_period(f"R12-{period.end:%Y-%m}")
    return period


WORDS = {"Warning": [(5, "Words of advice"), (7, "NFA"), (11, "CPW"),
                     (13, "Referred to support services")],
         "FPN cancelled": [(4, "Withdrawn")]}
"""Outcomes as officers write them: every nth of an outcome's rows (the first of them too)."""
SPELLINGS = {"Ladywood": [(4, "ladywood"), (9, "Lady Wood")],
             "Soho & Jewellery Quarter": [(10, "Soho")]}
"""Wards as logs spell them: another spelling, and the name before the boundary review."""


def _as_written(log: pd.DataFrame) -> None:
    """Outcomes and wards in the words real logs use: counted the same once read."""
    for column, changes in (("outcome", WORDS), ("ward", SPELLINGS)):
        for value, every in changes.items():
            rows = log.index[log[column] == value]
            for n, written in every:
                log.loc[rows[::n], column] = written


def _pick(rng: np.random.Generator, keys: pd.Series, options: dict[str, list[str]]
          ) -> np.ndarray:
    """For each key, one of its options at random."""
    u = rng.random(len(keys))
    picked = np.empty(len(keys), dtype=object)
    for key, values in options.items():
        mask = (keys == key).to_numpy()
        picked[mask] = np.array(values)[(u[mask] * len(values)).astype(int)]
    return picked


def _add_problems(log: pd.DataFrame) -> None:
    """Three mistakes officers make: each is a query, none blocks the return."""
    prosecuted = log.index[(log["outcome"] == "Prosecution") & (log["fpn_issued_date"] != "")]
    if len(prosecuted):
        row = prosecuted[0]
        issued = pd.to_datetime(log.at[row, "fpn_issued_date"], format="%d/%m/%Y")
        log.at[row, "outcome_date"] = (issued + pd.Timedelta(days=9)).strftime("%Y-%m-%d")
    log.at[len(log) // 2, "ward"] = ""
    paid = log.index[log["outcome"] == "FPN paid"]
    if len(paid):
        log.at[paid[-1], "fpn_amount"] = ""
