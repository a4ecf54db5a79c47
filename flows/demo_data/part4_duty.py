"""Demo data for the Part 4 duty return, the same every time for a period.

As published for one year: 1,261 referrals to the commissioned services and 649 households
supported; the Domestic Abuse Hub took just over 24,000 calls, nearly 300 webchats and over
600 drop-ins. Each configured provider sends a file a quarter with a row for each
accommodation type it runs, written as providers write them ("Second-stage / move-on",
"dispersed"). The 649 households are each counted once, though most are supported across a
quarter's end: every accommodation type a provider runs starts the year with households
continuing from the year before, takes on new ones each quarter, and carries into the next
quarter those whose support did not end, so the quarters' caseloads add up to far more than
649. The sanctuary scheme and trans people are few, so the published tables withhold some
counts; a few adults' sex, and some characteristics, are not known; one provider leaves a
voluntary characteristic blank for a quarter. `rows` is not used: the shape of this return
is set by the authority's configuration.

With `problems=True`, three mistakes that raise queries only: the fourth provider's
households more than double from Q2 to Q3 (DA-R04), the fifth reports a row in Q4 for
dispersed accommodation, which it is not commissioned to run (DA-017), and the sixth gives a
Q4 caseload three households more than it carried from Q3 and took on (DA-R05).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from flows.part4_duty import (
    CHARACTERISTICS,
    CONTINUING,
    DECLINED,
    MOVED_TO,
    NEW,
    NOT_KNOWN,
    PEOPLE,
    STOPPED,
    Part4Settings,
    quarters,
)
from statreturns.periods import Period

REFERRALS, HOUSEHOLDS = 1261, 649
CALLS, WEBCHATS, DROP_INS = 24_310, 291, 627
SIZE = {"refuge": 1.0, "specialist": 0.8, "dispersed": 0.9, "sanctuary-scheme": 0.04,
        "second-stage": 0.6, "other": 0.4}
"""Households a year, relative to a refuge."""
WRITTEN = {"refuge": "Refuge", "specialist": "Specialist", "dispersed": "dispersed",
           "sanctuary-scheme": "Sanctuary scheme", "second-stage": "Second-stage / move-on",
           "other": "Other designated"}
MEN = {"dispersed": 0.15, "second-stage": 0.05, "other": 0.2}
"""The share of adults who are men, by type (none in refuges and the sanctuary scheme)."""
ENDING = {"refuge": 0.45, "specialist": 0.4, "dispersed": 0.35, "sanctuary-scheme": 0.6,
          "second-stage": 0.3, "other": 0.4}
"""The share of a quarter's households whose support ends in it, by type."""
BEDSPACES = {"refuge": 24, "specialist": 12, "dispersed": 18, "sanctuary-scheme": 10,
             "second-stage": 14, "other": 8}
"""Bedspaces of a type at one provider (a sanctuary scheme's: homes it can make safe)."""
CONTINUING_SHARE = 0.3
"""The share of a type's households in the year already supported on 1 April."""
QUARTER_SIZE = [1.0, 0.95, 1.05, 1.0]
"""Households new in each quarter, relative to one another."""
MONTH_SIZE = [0.95, 1.0, 1.1, 1.0, 0.9, 0.95, 1.0, 1.05, 1.15, 1.0, 0.9, 0.95]
REASONS = {"sanctuary-scheme": [0.8, 0.05, 0.03, 0, 0.04, 0.04, 0.04]}
"""Why support ended, in the order of STOPPED, by type; otherwise REASONS_ELSEWHERE."""
REASONS_ELSEWHERE = [0.45, 0.1, 0.15, 0.05, 0.1, 0.1, 0.05]
DESTINATIONS = {"sanctuary-scheme": [0.9, 0, 0, 0, 0, 0.04, 0.03, 0.03]}
"""Where households moved on to, in the order of MOVED_TO, by type; otherwise
DESTINATIONS_ELSEWHERE."""
DESTINATIONS_ELSEWHERE = [0.08, 0.3, 0.12, 0.15, 0.12, 0.1, 0.05, 0.08]
NOT_KNOWN_SHARE = {"sex": 0.015, "characteristic": 0.06}
RISING, STRAY, MISCOUNTED = 3, 4, 5  # positions of the providers that make the problems
EXTRA_IN_CASELOAD = 3
NEW_BEDSPACES = 4
"""Refuge bedspaces the first provider opens in the third quarter."""


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


def _services(rng: np.random.Generator, config: Part4Settings,
              problems: bool) -> pd.DataFrame:
    """Each provider's accommodation types (and the stray one): its households a year
    relative to a refuge's, the share of them continuing from the year before, its new
    households' weight in each quarter, and its bedspaces."""
    specs = []
    for p, provider in enumerate(config.providers):
        rising = problems and p == RISING  # a new service fills from the third quarter
        for t in provider.accommodation:
            specs.append((p, provider.id, t, SIZE[t] * (2 if rising else 1),
                          0.1 if rising else CONTINUING_SHARE,
                          [1, 1, 8, 8] if rising else QUARTER_SIZE,
                          BEDSPACES[t] + rng.integers(-2, 3)))
        if problems and p == STRAY:  # a few households in Q4 in a type it doesn't run
            specs.append((p, provider.id, "dispersed", 0.05, 0.0, [0, 0, 0, 1], 2))
    return pd.DataFrame(specs, columns=["position", "provider", "type", "size", "continuing",
                                        "weights", "bedspaces"])


def _caseloads(rng: np.random.Generator, services: pd.DataFrame) -> pd.DataFrame:
    """Households through the year, a row for each service and quarter: those continuing
    from the year before (first quarter), new, supported, and whose support ended; the
    year's households, each counted once, add up to HOUSEHOLDS."""
    year = _split(HOUSEHOLDS, services["size"].to_numpy() * rng.uniform(0.85, 1.15,
                                                                          len(services)))
    rows = []
    for service, in_year in zip(services.itertuples(), year, strict=True):
        continuing = rng.binomial(in_year, service.continuing)
        weights = np.array(service.weights, dtype=float)
        new = rng.multinomial(in_year - continuing, weights / weights.sum())
        carried = continuing
        for q in range(4):
            supported = carried + new[q]
            if service.weights[q]:  # the stray type is in Q4 only
                ended = rng.binomial(supported, ENDING[service.type])
                rows.append((service.Index, q, continuing if q == 0 else None, new[q],
                             supported, ended))
                carried = supported - ended
    return pd.DataFrame(rows, columns=["service", "q", CONTINUING, NEW, "households_supported",
                                       "households_stopped"])


def _not_known(rng: np.random.Generator, of: np.ndarray, known: np.ndarray,
               share: float) -> np.ndarray:
    """People whose answer is not known: a share of those `of` not `known` to have it."""
    return rng.binomial(of - known, share)


def _monitoring(rng: np.random.Generator, period: Period, config: Part4Settings,
                problems: bool) -> dict[str, pd.DataFrame]:
    services = _services(rng, config, problems)
    flow = _caseloads(rng, services)
    service = services.loc[flow["service"]].reset_index(drop=True)
    types, n = service["type"], len(flow)
    new = flow[NEW].to_numpy()
    counted = new + flow[CONTINUING].fillna(0).to_numpy(dtype=int)  # those the row describes
    size = service["size"].to_numpy() * rng.uniform(0.7, 1.3, size=n)
    received = new + _split(REFERRALS - new.sum(), size)
    accepted = new + rng.binomial(received - new, 0.06)  # some not yet housed
    declined = rng.multinomial(rng.binomial(received - accepted, 0.75), [0.55, 0.3, 0.15])
    trans = rng.binomial(counted, 0.02)
    sex_not_known = _not_known(rng, counted, trans, NOT_KNOWN_SHARE["sex"])
    men = rng.binomial(counted - trans - sex_not_known, types.map(MEN).fillna(0).to_numpy())
    children = rng.binomial(2 * counted, 0.6)
    adults = counted  # one adult a household
    individuals = adults + children
    lgbt_share = np.where(service["position"] == RISING, 0.7, 0.06)
    having = [rng.binomial(adults, 0.25), rng.binomial(adults, lgbt_share),
              rng.binomial(individuals, 0.35), rng.binomial(adults, 0.04)]
    asked_of = [adults, adults, individuals, adults]
    stopped = flow["households_stopped"].to_numpy()
    reasons = np.array([rng.multinomial(s, REASONS.get(t, REASONS_ELSEWHERE))
                        for s, t in zip(stopped, types, strict=True)])
    destinations = np.array([rng.multinomial(s, DESTINATIONS.get(t, DESTINATIONS_ELSEWHERE))
                             for s, t in zip(stopped, types, strict=True)])
    frame = pd.DataFrame({
        "provider": service["provider"],
        "quarter": [quarters(period)[q] for q in flow["q"]],
        "accommodation_type": types.map(WRITTEN),
        "bedspaces": service["bedspaces"],
        "referrals_received": received, "referrals_accepted": accepted,
        **dict(zip(DECLINED, declined.T, strict=True)),
        "households_supported": flow["households_supported"],
        CONTINUING: flow[CONTINUING].astype("Int64"), NEW: new,
        **dict(zip(PEOPLE, [adults - men - trans - sex_not_known, men, trans, sex_not_known,
                            children], strict=True)),
        "individuals": individuals,
        **dict(zip(CHARACTERISTICS, having, strict=True)),
        **{n: _not_known(rng, of, known, NOT_KNOWN_SHARE["characteristic"])
           for n, of, known in zip(NOT_KNOWN, asked_of, having, strict=True)},
        "households_stopped": stopped,
        **dict(zip(STOPPED, reasons.T, strict=True)),
        **dict(zip(MOVED_TO, destinations.T, strict=True)),
    }).astype({c: "Int64" for c in [*CHARACTERISTICS, *NOT_KNOWN]})
    first = config.providers[0].id
    frame.loc[(frame["provider"] == first) & (frame["accommodation_type"] == "Refuge")
              & frame["quarter"].isin(quarters(period)[2:]), "bedspaces"] += NEW_BEDSPACES
    last = config.providers[-1].id  # leaves a voluntary answer blank in its first quarter
    frame.loc[(frame["provider"] == last) & (frame["quarter"] == quarters(period)[0]),
              ["lgbt", "lgbt_not_known"]] = pd.NA
    if problems:
        miscounted = (frame["provider"] == config.providers[MISCOUNTED].id) & (
            frame["quarter"] == quarters(period)[3])
        frame.loc[frame.index[miscounted][0], "households_supported"] += EXTRA_IN_CASELOAD
    return {f"provider-monitoring/{p}-{q}": rows.reset_index(drop=True)
            for (p, q), rows in frame.groupby(["provider", "quarter"], sort=False)}


def _hub(rng: np.random.Generator, period: Period) -> pd.DataFrame:
    noise = rng.uniform(0.9, 1.1, size=(3, 12))
    size = np.array(MONTH_SIZE)
    return pd.DataFrame({"month": period.months,
                         "calls": _split(CALLS, size * noise[0]),
                         "webchats": _split(WEBCHATS, size * noise[1]),
                         "drop_ins": _split(DROP_INS, size * noise[2])})
