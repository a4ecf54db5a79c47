"""A savings register and the directorates' monthly status submissions for the demo
authority, the same every time for a period.

About 60 savings across the six directorates, targets adding up to the published
GBP 70,895k, with statuses near the published mix (about 80% of the target on track, 6% at
risk, 4% delayed, 10% undeliverable). Each directorate's file holds every month of the
financial year so far; statuses worsen (and now and then recover) over the year, and some
change in the month being monitored. `rows` is the number of savings. With
`problems=True`, two slips directorates make, which the rules raise as queries: a status
worse than last month's sent without a mitigation, and an undeliverable saving sent
without commentary.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from flows.savings_tracker import Tracker, month_number, year_so_far
from statreturns.periods import Period

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
COMMENTARY = {
    1: "Delivery depends on demand falling as planned; tracked weekly.",
    2: "Implementation has slipped by at least a quarter.",
    3: "Cannot be delivered this year: the proposal has been withdrawn.",
}
MITIGATION = {
    1: ["Vacancy freeze in the service held in reserve.",
        "Recovery plan agreed at the directorate management team.",
        "Additional grant income being pursued."],
    2: ["One-off underspend on the directorate's contingency.",
        "Slippage covered by capitalising eligible spend this year."],
    3: ["Compensating savings from the directorate's reserves.",
        "Replacement saving proposed to Budget Board from the contract review.",
        "Balance met from the corporate contingency this year."],
}
FORECAST_SHARE = {0: (1.0, 1.0), 1: (0.6, 0.9), 2: (0.3, 0.7), 3: (0.0, 0.2)}
STATUS_STYLE = {"place": str.upper, "economy": str.title}
"""Some directorates write their statuses in capitals or title case."""


def generate(period: Period, config: Tracker, rows: int | None = None,
             problems: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20170401 + zlib.crc32(str(period).encode()))
    register = _register(rng, period, config, rows or SAVINGS)
    final = _final_statuses(rng, register["target_gbp_k"].to_numpy())
    history = _history(rng, final, month_number(period))
    frames = {"savings-register": register}
    submissions = _submissions(rng, register, history, year_so_far(period), config)
    if problems:
        _add_problems(submissions, history)
    for d in config.directorates:
        own = submissions[submissions["directorate"] == d.name]
        frames[f"status-submissions/{d.id}"] = own.sort_values(
            ["month", "reference"], kind="stable").reset_index(drop=True)
    return frames


def _register(rng: np.random.Generator, period: Period, config: Tracker,
              count: int) -> pd.DataFrame:
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
    register = pd.DataFrame(entries)
    weight = rng.lognormal(0, 0.8, len(register))
    target = np.round(TOTAL_TARGET * weight / weight.sum())
    target[np.argmax(target)] += TOTAL_TARGET - target.sum()  # the published total exactly
    register.insert(4, "target_gbp_k", target.astype(int))
    return register


def _final_statuses(rng: np.random.Generator, targets: np.ndarray) -> np.ndarray:
    """Status ranks this month: the worst statuses are dealt first, each up to about its
    published share of the total target; the rest are on track."""
    rank = np.zeros(len(targets), dtype=int)
    goals = np.array(PUBLISHED_MIX) / sum(PUBLISHED_MIX) * targets.sum()
    for status in (3, 2, 1):
        dealt = 0.0
        for i in rng.permutation(len(targets)):
            if rank[i] == 0 and dealt + targets[i] <= goals[status] * 1.1:
                rank[i], dealt = status, dealt + targets[i]
            if dealt >= goals[status] * 0.9:
                break
    return rank


def _history(rng: np.random.Generator, final: np.ndarray, months: int) -> np.ndarray:
    """Status ranks by saving and month. A saving reaches its status this month in a month
    drawn at random, better before it; a few on-track savings were at risk earlier. The
    first saving at risk or delayed worsens this month; the first undeliverable one has
    been so all year (the demo's problems rely on both)."""
    change = rng.integers(0, months, size=len(final))
    before = np.where(final >= 2, rng.integers(0, 2, size=len(final)) + (final == 3), 0)
    recovered = (final == 0) & (rng.random(len(final)) < 0.1)
    before[recovered] = 1
    middling = np.flatnonzero((final == 1) | (final == 2))
    worst = np.flatnonzero(final == 3)
    if months > 1 and len(middling):
        change[middling[0]], before[middling[0]] = months - 1, final[middling[0]] - 1
    if len(worst):
        change[worst[0]] = 0
    month = np.arange(months)
    return np.where(month[None, :] < change[:, None], before[:, None], final[:, None])


def _submissions(rng: np.random.Generator, register: pd.DataFrame, history: np.ndarray,
                 months: list[str], config: Tracker) -> pd.DataFrame:
    low, high = (np.array([FORECAST_SHARE[r][k] for r in range(4)]) for k in (0, 1))
    share = low + (high - low) * rng.random((len(register), 1))  # by saving and status
    target = register["target_gbp_k"].to_numpy()
    names = config.names
    labels = config.labels
    entries = []
    for i, saving in enumerate(register.itertuples()):
        style = STATUS_STYLE.get(next(k for k, v in names.items() if v == saving.directorate),
                                 str)
        for m, month in enumerate(months):
            rank = int(history[i, m])
            changed = m > 0 and rank != history[i, m - 1]
            commentary = COMMENTARY.get(rank, "")
            if changed and rank == 0:
                commentary = "Back on track after the recovery plan."
            entries.append({
                "reference": saving.reference, "directorate": saving.directorate,
                "month": month, "status": style(labels[config.statuses[rank]]),
                "forecast_gbp_k": int(round(target[i] * share[i, rank])),
                "commentary": commentary, "mitigation": _pick(MITIGATION.get(rank, [""]), i)})
    return pd.DataFrame(entries)


def _pick(options: list[str], i: int) -> str:
    return options[i % len(options)]


def _add_problems(submissions: pd.DataFrame, history: np.ndarray) -> None:
    """A worsened status without a mitigation; an undeliverable saving without commentary.
    Both in the month being monitored; each is a query, neither blocks the return."""
    now = submissions["month"] == submissions["month"].max()
    references = submissions.loc[now, "reference"].to_numpy()
    if history.shape[1] > 1:
        worse = np.flatnonzero((history[:, -1] > history[:, -2]) & (history[:, -1] < 3))
        if len(worse):
            row = now & (submissions["reference"] == references[worse[0]])
            submissions.loc[row, "mitigation"] = ""
    undeliverable = np.flatnonzero(history[:, -1] == 3)
    if len(undeliverable):
        row = now & (submissions["reference"] == references[undeliverable[0]])
        submissions.loc[row, "commentary"] = ""
