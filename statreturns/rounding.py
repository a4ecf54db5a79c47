"""Figures as printed: rounding conventions, and whether a typed figure agrees with an exact one.

A draft's cell agrees with the figure recomputed from the sources when the exact figure,
rounded to the decimal places the cell itself shows, is the cell. Spreadsheets round in one
of three ways: half up (``ROUND``; halves away from zero), half to even (banker's rounding)
or toward zero (``ROUNDDOWN``, ``TRUNC``). A draft follows one of them; which one is worked
out from all its cells, so that a cell is judged by the draft's own convention, and a cell
that keeps another convention, or none, is queried.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

HALF_UP, HALF_EVEN, TOWARD_ZERO = "half up", "half to even", "toward zero"
CONVENTIONS = (HALF_UP, HALF_EVEN, TOWARD_ZERO)
"""In the order a tie between them is settled: half up is what ``ROUND`` does."""
_WORDS = {HALF_UP: "rounds {what} half up", HALF_EVEN: "rounds {what} half to even",
          TOWARD_ZERO: "truncates {what} (rounds toward zero)"}
NEAREST = "rounds {what} to the nearest"
"""Half up and half to even differ only on a figure exactly half way: where the draft has
none, either fits."""

Number = int | float | Fraction | Decimal


def exact(value: Number) -> Fraction:
    """A figure as an exact fraction; a float is taken as the decimal it prints as."""
    if isinstance(value, float):
        return Fraction(repr(float(value)))  # a numpy float prints its type
    return Fraction(value)


def rounded(value: Number, places: int, convention: str = HALF_UP) -> Fraction:
    """`value` rounded to `places` decimal places by `convention`, exactly."""
    scaled = exact(value) * 10 ** places
    whole = math.trunc(scaled)
    rest = abs(scaled - whole)
    away = convention != TOWARD_ZERO and (
        rest > Fraction(1, 2)
        or rest == Fraction(1, 2) and (convention == HALF_UP or whole % 2 == 1))
    if away:
        whole += 1 if scaled > 0 else -1
    return Fraction(whole, 10 ** places)


def fixed(value: Number, places: int, convention: str = HALF_UP) -> str:
    """`value` as printed to `places` decimals, thousands separated, never ``-0.0``."""
    shown = rounded(value, places, convention)
    decimal = Decimal(shown.numerator) / Decimal(shown.denominator)
    return f"{abs(decimal) if shown == 0 else decimal:,.{places}f}"


def conventions_kept(printed: Number, places: int, value: Number) -> frozenset[str]:
    """The conventions under which `value`, rounded to `places`, prints as `printed`."""
    return frozenset(c for c in CONVENTIONS if rounded(value, places, c) == exact(printed))


@dataclass(frozen=True)
class Convention:
    """How a draft rounds one kind of figure (its percentages, its rates), found from its
    telling cells: those that some but not every convention prints as the draft does."""

    what: str
    """The kind of figure, plural: 'percentages'."""
    chosen: str
    """The convention a cell is judged by: the one most telling cells keep."""
    fits: tuple[str, ...]
    """Every convention that every telling cell keeping `chosen` keeps."""
    ways: tuple[tuple[str, int], ...]
    """How the telling cells round, each way with its count ('truncate', 12)."""
    others: int
    """Telling cells that `chosen` does not print as the draft does: each is queried."""

    @property
    def mixed(self) -> bool:
        """One cell out of step is more likely a slip than a second convention."""
        return self.others > 1

    def sentence(self) -> str:
        """What the draft does, e.g. 'truncates percentages (rounds toward zero)'."""
        if self.mixed:
            counts = " and ".join(f"{n} {_agreeing(way, n)}" for way, n in self.ways)
            return (f"mixes rounding conventions in {self.what}: of the cells that tell them "
                    f"apart, {counts}; each is judged by the most common, "
                    f"{_NOUNS[self.chosen]}, and the others are queried")
        said = NEAREST if {HALF_UP, HALF_EVEN} <= set(self.fits) else _WORDS[self.chosen]
        slip = "; 1 cell rounds another way and is queried" if self.others else ""
        return said.format(what=self.what) + slip


_NOUNS = {HALF_UP: "rounding half up", HALF_EVEN: "rounding half to even",
          TOWARD_ZERO: "truncation"}


def _agreeing(way: str, n: int) -> str:
    """'truncate' as one cell does it: 'truncates'."""
    return way if n != 1 else way.replace("truncate", "truncates").replace("round ", "rounds ")


def _way(kept: frozenset[str], chosen: str) -> str:
    """How one telling cell rounds, in words."""
    if kept == {TOWARD_ZERO}:
        return "truncate"
    if {HALF_UP, HALF_EVEN} <= kept:
        return "round to the nearest"
    if len(kept) == 1:
        return f"round {next(iter(kept))}"
    return _way(frozenset({chosen}), chosen) if chosen in kept else "round half to even"


def find_convention(what: str, kept: Iterable[frozenset[str]]) -> Convention | None:
    """The convention a draft keeps, from the conventions each of its cells keeps; None
    where no cell tells them apart (every figure is exact, or agrees under none)."""
    telling = [k for k in kept if 0 < len(k) < len(CONVENTIONS)]
    if not telling:
        return None
    counts = Counter(c for k in telling for c in k)
    chosen = max(CONVENTIONS, key=lambda c: (counts[c], -CONVENTIONS.index(c)))
    ways = Counter(_way(k, chosen) for k in telling)
    keeping = [k for k in telling if chosen in k]
    return Convention(what=what, chosen=chosen,
                      fits=tuple(c for c in CONVENTIONS if all(c in k for k in keeping)),
                      ways=tuple(sorted(ways.items(), key=lambda item: -item[1])),
                      others=len(telling) - len(keeping))


def note(found: Sequence[Convention]) -> str | None:
    """One note for a draft's conventions, e.g. 'This draft truncates percentages (rounds
    toward zero) and rounds rates per 1,000 to the nearest. ...'; None where none was found."""
    if not found:
        return None
    parts = [c.sentence() for c in found]
    joined = " and ".join(parts) if len(parts) <= 2 else \
        f"{'; '.join(parts[:-1])}; and {parts[-1]}"
    return f"This draft {joined}. Each figure is compared at the decimal places it shows."
