"""A savings register and the directorates' monthly status submissions for the demo
authority, the same every time for a period.

About 60 savings across the six directorates, targets adding up to the published
GBP 70,895k, with statuses near the published mix (about 80% of the target delivered or on
track, 6% at risk, 4% delayed, 10% undeliverable). Each directorate's file holds every
month of the financial year so far; statuses worsen (and now and then recover) over the
year, some change in the month being monitored, and savings on track are delivered as the
year goes on (most by month 7), each delivering a share of its forecast every month until
then. Mitigations are mostly one-off. `rows` is the number of savings.

The cases real trackers hold are planted (each where its directorate has the savings):
a saving delivered in part (its status delivered at 60% of its target, the rest replaced by
a recurring saving), one carried forward from last year, one over-delivered, one reversed
(a negative target) and one moved from the third directorate to the fourth in a
restructure (the register names the fourth; the third reported it until the move). The
last three raise queries; none blocks. With `problems=True`, two slips directorates make,
which the rules also raise as queries: a status worse than last month's sent without a
mitigation, and an undeliverable saving sent without commentary.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from flows.savings_tracker import Tracker, month_number, year_so_far
from statreturns.periods import Period, parse_period

TOTAL_TARGET = 70_895  # GBP thousands, as published
PUBLISHED_MIX = (56_517, 4_245, 3_101, 7_032)  # on track, at risk, delayed, undeliverable
SAVINGS = 60
SHARE = {"adults": 14, "children": 10, "economy": 8, "place": 12, "transformation": 9,
         "cross-cutting": 7}
PREFIX = {"adults": "ADU", "children": "CHI", "economy": "ECO", "place": "PLA",
          "transformation": "TRA", "cross-cutting": "XCT"}
OWNER = {"adults": "Director of Adult Social Care", "children": "Director of Children's Services",
         "economy": "Director of Inclusive Growth", "place": "Director of Place",
         "transformation": "Director of Digital and Customer Services",
         "cross-cutting": "Director of Finance"}
DESCRIPTIONS = {
    "adults": ["Review of high-cost care packages", "Expansion of reablement",
               "Redesign of day opportunities", "Increase in direct payments take-up",
               "Recommissioning of supported living", "Continuing healthcare recovery",
               "Growth of shared lives", "Assistive technology at home",
               "Home care framework retender", "Reduction in residential placements",
               "Review of transport to day services", "Learning disability pathway redesign"],
    "children": ["Reduction in external residential placements", "Growth of in-house fostering",
                 "Home to school transport review", "Edge of care early help offer",
                 "Unaccompanied asylum-seeking children grant recovery",
                 "Review of agency social workers", "Short breaks recommissioning",
                 "Special educational needs transport routes"],
    "economy": ["Commercial rent review of the investment estate", "Markets income growth",
                "Business support service redesign", "Planning fees increase",
                "Highways permit scheme income", "Events sponsorship income"],
    "place": ["Waste collection route optimisation", "Garden waste charge increase",
              "Street lighting LED conversion", "Parking charges review",
              "Parks maintenance contract retender", "Bereavement services fees",
              "Leisure centre management transfer", "Libraries opening hours review",
              "Fleet electrification", "Bulky waste service redesign"],
    "transformation": ["Customer contact channel shift", "Office estate rationalisation",
                       "Revenues and benefits automation", "Software licence consolidation",
                       "Procurement category management", "Agency staff reduction",
                       "Printing and postage reduction"],
    "cross-cutting": ["Vacancy management", "Contract inflation review",
                      "Fees and charges uplift", "Income collection improvement",
                      "Treasury management", "Senior management restructure"],
}

# Status ranks, as the demo authority's statuses run from best to worst.
DELIVERED, ON_TRACK, AT_RISK, DELAYED, UNDELIVERABLE = range(5)
COMMENTARY = {
    DELIVERED: "Delivered in full.",
    AT_RISK: "Delivery depends on demand falling as planned; tracked weekly.",
    DELAYED: "Implementation has slipped by at least a quarter.",
    UNDELIVERABLE: "Cannot be delivered this year: the proposal has been withdrawn.",
}
ONE_OFF, RECURRING = "one-off", "recurring"
MITIGATION = {
    AT_RISK: [("Vacancy freeze in the service held in reserve.", ONE_OFF),
              ("Recovery plan agreed at the directorate management team.", RECURRING),
              ("Additional grant income being pursued.", ONE_OFF)],
    DELAYED: [("One-off underspend on the directorate's contingency.", ONE_OFF),
              ("Slippage covered by capitalising eligible spend this year.", ONE_OFF)],
    UNDELIVERABLE: [("Compensating savings from the directorate's reserves.", ONE_OFF),
                    ("Replacement saving proposed to Budget Board from the contract review.",
                     RECURRING),
                    ("Balance met from the corporate contingency this year.", ONE_OFF)],
}
FORECAST_SHARE = {DELIVERED: (1.0, 1.0), ON_TRACK: (1.0, 1.0), AT_RISK: (0.6, 0.9),
                  DELAYED: (0.3, 0.7), UNDELIVERABLE: (0.0, 0.2)}
PACE = {ON_TRACK: 1.0, AT_RISK: 0.75, DELAYED: 0.5, UNDELIVERABLE: 1.0}
"""The share of a saving's forecast delivered by the end of the year at the pace of its
status: a saving not yet delivered has delivered its months so far of that, pro rata."""
STATUS_STYLE = {"place": str.upper, "economy": str.title}
"""Some directorates write their statuses and mitigation types in capitals or title case."""

PARTLY = ("adults", 2)
"""(directorate, its nth saving): delivered at 60% of its target, the rest replaced."""
PART_SHARE = 0.6
PART_MITIGATION = ("Replacement saving from the review of commissioned services.", RECURRING)
CARRIED = ("children", 2)
"""Agreed last year and carried forward into this one."""
OVER = ("economy", 1)
"""Forecast above its target: income has grown faster than planned."""
OVER_SHARE = 1.15
REVERSED = ("place", -1)
"""A saving agreed last year, reversed in this year's budget: a negative target."""
REVERSAL_GBP_K = -150
MOVED = ("economy", -1)
"""Moved to the next directorate in a restructure, after the month `MOVE_MONTH`."""
MOVE_MONTH = 4  # August: the third directorate reported it from April to July


def generate(period: Period, config: Tracker, rows: int | None = None,
             problems: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20170401 + zlib.crc32(str(period).encode()))
    register = _register(period, config, rows or SAVINGS)
    planted = _planted(register, config)
    register.insert(4, "target_gbp_k", _targets(rng, len(register), planted))
    months = month_number(period)
    final = _final_statuses(rng, register["target_gbp_k"].to_numpy(), planted)
    history = _history(rng, final, months, planted)
    submissions = _submissions(rng, register, history, year_so_far(period), config, planted)
    _plant_register(register, period, config, planted)
    if problems:
        _add_problems(submissions, history)
    frames = {"savings-register": register}
    for d in config.directorates:
        own = submissions[submissions["directorate"] == d.name]
        frames[f"status-submissions/{d.id}"] = own.sort_values(
            ["month", "reference"], kind="stable").reset_index(drop=True)
    return frames


def _register(period: Period, config: Tracker, count: int) -> pd.DataFrame:
    """The savings, by directorate, without their targets."""
    ids = [d.id for d in config.directorates]
    weight = np.array([SHARE.get(i, 8) for i in ids], dtype=float)
    per = np.floor(count * weight / weight.sum()).astype(int)
    per[: count - per.sum()] += 1
    entries = []
    for d, n in zip(config.directorates, per, strict=True):
        words = DESCRIPTIONS.get(d.id, ["Service review"])
        for i in range(n):
            description = words[i % len(words)] + (f" (phase {i // len(words) + 1})"
                                                   if i >= len(words) else "")
            entries.append({
                "reference": f"{PREFIX.get(d.id, d.id[:3].upper())}-{i + 1:03d}",
                "financial_year": period.financial_year, "directorate": d.name,
                "description": description, "owner": OWNER.get(d.id, "Director")})
    return pd.DataFrame(entries)


def _targets(rng: np.random.Generator, count: int, planted: dict[str, int]) -> np.ndarray:
    """Targets adding up to the published total, the reversal's negative."""
    weight = rng.lognormal(0, 0.8, count)
    target = np.round(TOTAL_TARGET * weight / weight.sum())
    if "reversed" in planted:
        target[planted["reversed"]] = REVERSAL_GBP_K
    target[np.argmax(target)] += TOTAL_TARGET - target.sum()  # the published total exactly
    return target.astype(int)


def _position(register: pd.DataFrame, config: Tracker, where: tuple[str, int]) -> int | None:
    """The register row of a directorate's nth saving (counting from the end when n is
    negative); None where the directorate is not configured or has too few savings."""
    directorate, n = where
    names = config.names
    if directorate not in names:
        return None
    own = np.flatnonzero(register["directorate"].to_numpy() == names[directorate])
    return int(own[n]) if -len(own) <= n < len(own) else None


def _planted(register: pd.DataFrame, config: Tracker) -> dict[str, int]:
    """The register row of each planted case, where it can be planted (each its own)."""
    found: dict[str, int] = {}
    for case, where in (("partly", PARTLY), ("carried", CARRIED), ("over", OVER),
                        ("reversed", REVERSED), ("moved", MOVED)):
        row = _position(register, config, where)
        if row is not None and row not in found.values():
            found[case] = row
    return found


def _final_statuses(rng: np.random.Generator, targets: np.ndarray,
                    planted: dict[str, int]) -> np.ndarray:
    """Status ranks this month: the worst statuses are dealt first, each up to about its
    published share of the total target; the rest are on track (or delivered). The savings
    delivered in part, over-delivered or reversed are not dealt a worse status."""
    rank = np.full(len(targets), ON_TRACK)
    kept = {planted[c] for c in ("partly", "over", "reversed") if c in planted}
    goals = np.array(PUBLISHED_MIX) / sum(PUBLISHED_MIX) * targets.sum()
    for status, goal in zip((UNDELIVERABLE, DELAYED, AT_RISK), goals[:0:-1], strict=True):
        dealt = 0.0
        for i in rng.permutation(len(targets)):
            if rank[i] == ON_TRACK and i not in kept and dealt + targets[i] <= goal * 1.1:
                rank[i], dealt = status, dealt + targets[i]
            if dealt >= goal * 0.9:
                break
    return rank


def _history(rng: np.random.Generator, final: np.ndarray, months: int,
             planted: dict[str, int]) -> np.ndarray:
    """Status ranks by saving and month. A saving reaches its status this month in a month
    drawn at random, better before it; a few on-track savings were at risk earlier; a
    saving on track is delivered in a month drawn from the year's first nine. The first
    saving at risk or delayed worsens this month; the first undeliverable one has been so
    all year (the demo's problems rely on both). The saving delivered in part was at risk
    until the month before this one."""
    change = rng.integers(0, months, size=len(final))
    before = np.where(final >= DELAYED, rng.integers(0, 2, size=len(final)) + ON_TRACK
                      + (final == UNDELIVERABLE), ON_TRACK)
    recovered = (final == ON_TRACK) & (rng.random(len(final)) < 0.1)
    before[recovered] = AT_RISK
    delivery = rng.integers(0, 9, size=len(final))
    middling = np.flatnonzero((final == AT_RISK) | (final == DELAYED))
    worst = np.flatnonzero(final == UNDELIVERABLE)
    if months > 1 and len(middling):
        change[middling[0]], before[middling[0]] = months - 1, final[middling[0]] - 1
    if len(worst):
        change[worst[0]] = 0
    month = np.arange(months)
    history = np.where(month[None, :] < change[:, None], before[:, None], final[:, None])
    delivered = (final == ON_TRACK)[:, None] & (month[None, :] >= np.maximum(
        delivery, change)[:, None])
    history[delivered] = DELIVERED
    for case in ("over", "reversed"):
        if case in planted:
            history[planted[case]] = np.where(month >= delivery[planted[case]], DELIVERED,
                                              ON_TRACK)
    if "partly" in planted:
        history[planted["partly"]] = np.where(month >= months - 2, DELIVERED, AT_RISK)
    return history


def _submissions(rng: np.random.Generator, register: pd.DataFrame, history: np.ndarray,
                 months: list[str], config: Tracker, planted: dict[str, int]) -> pd.DataFrame:
    low, high = (np.array([FORECAST_SHARE[r][k] for r in range(5)]) for k in (0, 1))
    share = low + (high - low) * rng.random((len(register), 1))  # by saving and status
    if "partly" in planted:
        share[planted["partly"]] = PART_SHARE
    if "over" in planted:
        share[planted["over"]] = OVER_SHARE
    target = register["target_gbp_k"].to_numpy()
    ids = {v: k for k, v in config.names.items()}
    reporter = _reporters(register, config, planted, len(months))
    entries = []
    for i, saving in enumerate(register.itertuples()):
        for m, month in enumerate(months):
            rank = int(history[i, m])
            changed = m > 0 and rank != history[i, m - 1]
            forecast = int(round(target[i] * share[i, rank]))
            delivered = forecast if rank == DELIVERED else int(
                round(forecast * PACE[rank] * (m + 1) / 12))
            commentary = COMMENTARY.get(rank, "")
            mitigation, kind = _pick(MITIGATION.get(rank, [("", "")]), i)
            if changed and rank == ON_TRACK:
                commentary = "Back on track after the recovery plan."
            if i == planted.get("partly"):
                mitigation, kind = PART_MITIGATION
                if rank == DELIVERED:
                    commentary = "Delivered in part: the rest is replaced by a recurring saving."
            directorate = reporter[i][m]
            style = STATUS_STYLE.get(ids[directorate], str)
            entries.append({
                "reference": saving.reference, "directorate": directorate, "month": month,
                "status": style(config.labels[config.statuses[rank]]),
                "forecast_gbp_k": forecast, "delivered_gbp_k": delivered,
                "commentary": commentary, "mitigation": mitigation,
                "mitigation_type": style(kind)})
    return pd.DataFrame(entries)


def _reporters(register: pd.DataFrame, config: Tracker, planted: dict[str, int],
               months: int) -> list[list[str]]:
    """The directorate reporting each saving each month: its own, but for the saving moved
    in the restructure, reported by the directorate it moved from until then."""
    reporters = [[d] * months for d in register["directorate"]]
    if "moved" in planted:
        names = list(config.names.values())
        moved = reporters[planted["moved"]]
        old = moved[0]
        new = names[(names.index(old) + 1) % len(names)]
        for m in range(months):
            moved[m] = old if m < min(MOVE_MONTH, months - 1) else new
    return reporters


def _plant_register(register: pd.DataFrame, period: Period, config: Tracker,
                    planted: dict[str, int]) -> None:
    """The register's side of the planted cases: last year's saving carried forward, the
    reversal's description, and the moved saving under the directorate it moved to."""
    last_year = parse_period(period.financial_year).previous().financial_year
    if "carried" in planted:
        register.loc[planted["carried"], "financial_year"] = last_year
    if "reversed" in planted:
        row = planted["reversed"]
        register.loc[row, "description"] = (
            f"Reversal of the {last_year} saving: {register.at[row, 'description'].lower()}")
    if "moved" in planted:
        names = list(config.names.values())
        row = planted["moved"]
        register.loc[row, "directorate"] = names[
            (names.index(register.at[row, "directorate"]) + 1) % len(names)]


def _pick(options: list, i: int):
    return options[i % len(options)]


def _add_problems(submissions: pd.DataFrame, history: np.ndarray) -> None:
    """A worsened status without a mitigation; an undeliverable saving without commentary.
    Both in the month being monitored; each is a query, neither blocks the return."""
    now = submissions["month"] == submissions["month"].max()
    references = submissions.loc[now, "reference"].to_numpy()
    if history.shape[1] > 1:
        worse = np.flatnonzero((history[:, -1] > history[:, -2])
                               & (history[:, -1] < UNDELIVERABLE))
        if len(worse):
            row = now & (submissions["reference"] == references[worse[0]])
            submissions.loc[row, ["mitigation", "mitigation_type"]] = ""
    undeliverable = np.flatnonzero(history[:, -1] == UNDELIVERABLE)
    if len(undeliverable):
        row = now & (submissions["reference"] == references[undeliverable[0]])
        submissions.loc[row, "commentary"] = ""
