"""Demo data for the Part 4 duty return, the same every time for a period.

As published for one year: 1,261 referrals to the commissioned services and 649 households
supported; the Domestic Abuse Hub took just over 24,000 calls, nearly 300 webchats and over
600 drop-ins. Each configured provider sends a file a quarter with a row for each
accommodation type it runs, written as providers write them ("Second-stage / move-on",
"dispersed"). The sanctuary scheme and trans people are few, so the published tables
withhold some counts; one provider leaves a voluntary characteristic blank for a quarter.
`rows` is not used: the shape of this return is set by the authority's configuration.

With `problems=True`, two mistakes that raise queries only: the fourth provider's
households more than double from Q2 to Q3 (DA-R04), and the fifth reports a row in Q4 for
dispersed accommodation, which it is not commissioned to run (DA-017).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from flows.part4_duty import (
    CHARACTERISTICS,
    DECLINED,
    PEOPLE,
    STOPPED,
    Part4Settings,
    quarters,
)
from statreturns.periods import Period

REFERRALS, HOUSEHOLDS = 1261, 649
CALLS, WEBCHATS, DROP_INS = 24_310, 291, 627
SIZE = {"refuge": 1.0, "specialist": 0.8, "dispersed": 0.9, "sanctuary-scheme": 0.06,
        "second-stage": 0.6, "other": 0.4}
"""Households a quarter, relative to a refuge."""
WRITTEN = {"refuge": "Refuge", "specialist": "Specialist", "dispersed": "dispersed",
           "sanctuary-scheme": "Sanctuary scheme", "second-stage": "Second-stage / move-on",
           "other": "Other designated"}
MEN = {"dispersed": 0.15, "second-stage": 0.05, "other": 0.2}
"""The share of adults who are men, by type (none in refuges and the sanctuary scheme)."""
QUARTER_SIZE = [1.0, 0.95, 1.05, 1.0]
MONTH_SIZE = [0.95, 1.0, 1.1, 1.0, 0.9, 0.95, 1.0, 1.05, 1.15, 1.0, 0.9, 0.95]
RISING, STRAY = 3, 4  # positions of the providers that make the planted problems


def generate(period: Period, config: Part4Settings, rows: int | None = None,
             problems: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20210429 + zlib.crc32(str(period).encode()))
    frames = _monitoring(rng, period, config, problems)
    frames["hub-contacts"] = _hub(rng, period)
    return frames


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to `weights` that add up to `total`."""
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(int)
    biggest_remainders = np.argsort(whole - exact, kind="stable")[:total - whole.sum()]
    whole[biggest_remainders] += 1
    return whole


def _layout(period: Period, config: Part4Settings, problems: bool) -> pd.DataFrame:
    """A row for each provider, quarter and type it runs, and its relative size."""
    specs = []
    for p, provider in enumerate(config.providers):
        for q, quarter in enumerate(quarters(period)):
            grows = 3.0 if problems and p == RISING and q >= 2 else 1.0
            specs += [(provider.id, quarter, t, SIZE[t] * QUARTER_SIZE[q] * grows)
                      for t in provider.accommodation]
            if problems and p == STRAY and q == 3:  # a few households in a type it doesn't run
                specs.append((provider.id, quarter, "dispersed", 0.15))
    return pd.DataFrame(specs, columns=["provider", "quarter", "type", "size"])


def _monitoring(rng: np.random.Generator, period: Period, config: Part4Settings,
                problems: bool) -> dict[str, pd.DataFrame]:
    layout = _layout(period, config, problems)
    n, types = len(layout), layout["type"]
    size = layout["size"].to_numpy() * rng.uniform(0.85, 1.15, size=n)
    households = _split(HOUSEHOLDS, size)
    received = households + _split(REFERRALS - HOUSEHOLDS, size * rng.uniform(0.7, 1.3, size=n))
    accepted = households + rng.binomial(received - households, 0.06)  # some not yet housed
    declined = rng.multinomial(rng.binomial(received - accepted, 0.75), [0.55, 0.3, 0.15])
    trans = rng.binomial(households, 0.02)
    men = rng.binomial(households - trans, types.map(MEN).fillna(0).to_numpy())
    children = rng.binomial(2 * households, 0.6)
    adults = households  # one adult a household
    individuals = adults + children
    is_provider = layout["provider"].to_numpy()[:, None] == np.array(
        [p.id for p in config.providers])
    lgbt_share = np.where(is_provider[:, RISING], 0.7, 0.06)
    stopped = rng.binomial(households, 0.55)
    frame = pd.DataFrame({
        "provider": layout["provider"], "quarter": layout["quarter"],
        "accommodation_type": types.map(WRITTEN),
        "referrals_received": received, "referrals_accepted": accepted,
        **dict(zip(DECLINED, declined.T, strict=True)),
        "households_supported": households,
        **dict(zip(PEOPLE, [adults - men - trans, men, trans, children], strict=True)),
        "individuals": individuals,
        **dict(zip(CHARACTERISTICS, [rng.binomial(adults, 0.25), rng.binomial(adults, lgbt_share),
                                     rng.binomial(individuals, 0.35),
                                     rng.binomial(adults, 0.04)], strict=True)),
        "households_stopped": stopped,
        **dict(zip(STOPPED, rng.multinomial(stopped, [0.6, 0.3, 0.1]).T, strict=True)),
    }).astype({c: "Int64" for c in CHARACTERISTICS})
    last = config.providers[-1].id  # leaves a voluntary answer blank in its first quarter
    frame.loc[(frame["provider"] == last) & (frame["quarter"] == quarters(period)[0]),
              "lgbt"] = pd.NA
    return {f"provider-monitoring/{p}-{q}": rows.reset_index(drop=True)
            for (p, q), rows in frame.groupby(["provider", "quarter"], sort=False)}


def _hub(rng: np.random.Generator, period: Period) -> pd.DataFrame:
    noise = rng.uniform(0.9, 1.1, size=(3, 12))
    size = np.array(MONTH_SIZE)
    return pd.DataFrame({"month": period.months,
                         "calls": _split(CALLS, size * noise[0]),
                         "webchats": _split(WEBCHATS, size * noise[1]),
                         "drop_ins": _split(DROP_INS, size * noise[2])})
