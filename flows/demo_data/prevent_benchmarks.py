"""Demo data for the Prevent duty benchmarks return, the same every time for a period.

As published for one year: seven benchmarks self-assessed at the top of the scale and one
("reducing permissive environments" in the demo settings) a step below; 8 funded projects
delivering 508 workshops to 10,002 participants (in proportion for another number of
projects). The register also holds the two years before, so ratings can be compared. The
Home Office's rating agrees with the self-assessment but for one benchmark ("local risk
assessment process" in the demo settings), which the authority rates a step up this year
and the Home Office still rates a step below the top. The Channel panel's last quarter
adopts more cases than it discusses, one of them first discussed in the quarter before:
right, and no query.
`rows` is not used: the shape of this return is set by the authority's configuration.

With `problems=True`, three mistakes that raise queries only: one project's quarter has
fewer participants than workshops (PREV-024), the benchmark self-assessed a step below was
at the top last year (PREV-R03), and an evidence item is dated before the year it is listed
for (PREV-014).
"""

from __future__ import annotations

import zlib
from datetime import timedelta

import numpy as np
import pandas as pd

from flows.prevent_benchmarks import Benchmarks, quarters
from statreturns.periods import Period

WORKSHOPS, PARTICIPANTS, PROJECTS = 508, 10_002, 8
BELOW_TOP = 6  # the position of the benchmark rated a step below the top
RISEN = 1  # the position of a benchmark rated a step below the top last year
LAST_QUARTER_PANEL = (2, 3)  # referrals discussed and cases adopted in the last quarter
OWNERS = ["Prevent Partnership Chair", "Prevent Coordinator", "Head of Community Safety",
          "Prevent Coordinator", "Channel Panel Chair", "Prevent Education Officer",
          "Community Safety Manager", "Communications Manager"]
EVIDENCE = [
    ["Prevent partnership board minutes", "Partnership terms of reference",
     "Partnership attendance record"],
    ["Counter-terrorism local profile briefing", "Situational risk assessment",
     "Risk assessment workshop notes"],
    ["Prevent partnership plan", "Partnership plan progress report"],
    ["Referral pathway flowchart", "Referral audit", "Referral and Channel statistics"],
    ["Channel panel minutes", "Channel panel case audit", "Channel panel attendance record"],
    ["Training log", "Training needs analysis", "Training evaluation summary"],
    ["Venue-hire due diligence checks", "Council IT filtering policy",
     "Speaker and events policy"],
    ["Communications and engagement plan", "Community engagement log",
     "Campaign evaluation"],
]
NARRATIVE = ("Work has started but the benchmark is not yet met.",
             "The benchmark is met, with evidence from the year.",
             "The benchmark is exceeded: the work is embedded and reviewed.")
SETTINGS = ["schools", "schools; colleges", "community centres", "youth clubs",
            "mosques; churches; gurdwaras", "sports clubs", "community centres; online",
            "colleges; universities"]
THEMES = ["critical thinking; resilience", "online radicalisation; misinformation",
          "safeguarding; spotting the signs", "extreme right-wing; misogyny",
          "Islamist extremism; safeguarding", "belonging; conflict resolution",
          "hateful extremism; conspiracy theories", "critical thinking; online harms"]
QUARTER_WEIGHTS = [1.0, 0.7, 1.2, 1.1]  # fewer workshops over the summer holidays


def generate(period: Period, config: Benchmarks, rows: int | None = None,
             problems: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20150701 + zlib.crc32(str(period).encode()))
    years = [period.previous().previous(), period.previous(), period]
    return {"benchmark-ratings": _ratings(years, config, problems),
            "benchmark-evidence": _evidence(rng, years[1:], config, problems),
            "project-monitoring": _monitoring(rng, period, config, problems),
            "referrals": _referrals(rng, period)}


def _ratings(years: list[Period], config: Benchmarks, problems: bool) -> pd.DataFrame:
    """Every benchmark self-assessed at the top of the scale but two: one rises a step a year
    to the top, one stays a step below (with problems, it was at the top last year). The
    Home Office rates the same, but does not see the last step of the rise this year."""
    top = len(config.rating_scale) - 1
    self_assessed = {  # year (oldest first) -> {benchmark position: its rank, below the top}
        0: {RISEN: top - 2, BELOW_TOP: top - 1},
        1: {RISEN: top - 1, BELOW_TOP: top - 1},
        2: {BELOW_TOP: top - 1},
    }
    home_office = {**self_assessed, 2: {**self_assessed[2], RISEN: top - 1}}
    if problems:
        self_assessed[1] = {RISEN: top - 1}
    rows = []
    for y, year in enumerate(years):
        for i, benchmark in enumerate(config.benchmarks):
            rank = max(self_assessed[y].get(i, top), 0)
            assessed = max(home_office[y].get(i, top), 0)
            rows.append({"authority": "Demo City Council",  # generate() is not told the authority
                         "year": str(year),
                         "benchmark": benchmark.name,
                         "self_assessment": config.rating_scale[rank].capitalize(),
                         "home_office_rating": config.rating_scale[assessed].capitalize(),
                         "owner": OWNERS[i % len(OWNERS)],
                         "narrative": NARRATIVE[0 if rank == 0 else 2 if rank == top else 1]})
    return pd.DataFrame(rows)


def _evidence(rng: np.random.Generator, years: list[Period], config: Benchmarks,
              problems: bool) -> pd.DataFrame:
    rows = []
    for year in years:
        days = (year.end - year.start).days
        for i, benchmark in enumerate(config.benchmarks):
            kinds = EVIDENCE[i % len(EVIDENCE)]
            for kind in rng.choice(kinds, size=rng.integers(2, len(kinds) + 2)):
                when = year.start + timedelta(days=int(rng.integers(0, days + 1)))
                rows.append({"year": str(year), "benchmark": benchmark.name,
                             "evidence_date": when.isoformat(), "description": kind})
    if problems:  # last March's minutes filed under this year
        last = years[-1]
        rows.append({"year": str(last), "benchmark": config.benchmarks[0].name,
                     "evidence_date": (last.start - timedelta(days=12)).isoformat(),
                     "description": EVIDENCE[0][0]})
    frame = pd.DataFrame(rows).sort_values(["year", "evidence_date", "benchmark"],
                                           kind="stable").reset_index(drop=True)
    frame.insert(3, "document_reference",
                 [f"PRV/{y[:4]}/{n:03d}" for n, y in enumerate(frame["year"], start=1)])
    return frame


def _shares(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to `weights` that add up to `total` (largest remainder)."""
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(int)
    whole[np.argsort(whole - exact, kind="stable")[:total - whole.sum()]] += 1
    return whole


def _monitoring(rng: np.random.Generator, period: Period, config: Benchmarks,
                problems: bool) -> pd.DataFrame:
    funded = config.funded(str(period))
    n = len(funded)
    size = rng.uniform(0.6, 1.4, size=n)
    weights = np.outer(size, QUARTER_WEIGHTS) * rng.uniform(0.85, 1.15, size=(n, 4))
    workshops = _shares(round(WORKSHOPS * n / PROJECTS), weights.ravel())
    per_workshop = np.repeat(rng.uniform(12, 28, size=n), 4) * rng.uniform(0.9, 1.1, size=n * 4)
    participants = _shares(round(PARTICIPANTS * n / PROJECTS), workshops * per_workshop)
    if problems and n:  # a quarter's participants typed short, the difference put in the next
        cell = min(2, n - 1) * 4 + 2
        moved = participants[cell] - (workshops[cell] - 3)
        participants[cell] -= moved
        participants[cell + 1] += moved
    return pd.DataFrame({
        "project": [p.name for p in funded for _ in range(4)],
        "quarter": quarters(period) * n,
        "workshops": workshops, "participants": participants,
        "settings": [SETTINGS[i % len(SETTINGS)] for i in range(n) for _ in range(4)],
        "themes": [THEMES[i % len(THEMES)] for i in range(n) for _ in range(4)],
    })


def _referrals(rng: np.random.Generator, period: Period) -> pd.DataFrame:
    """About a third of each quarter's referrals discussed at the panel and a quarter of
    those adopted; the last quarter's panel adopts a case it first discussed in the third."""
    referrals = rng.integers(35, 70, size=4)
    discussed = rng.binomial(referrals, 0.3)
    adopted = rng.binomial(discussed, 0.25)
    discussed[-1], adopted[-1] = LAST_QUARTER_PANEL
    return pd.DataFrame({"quarter": quarters(period),
                         "referrals": referrals, "discussed_at_panel": discussed,
                         "adopted_as_channel_cases": adopted})
