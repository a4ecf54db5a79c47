"""The text Excel displays for a number under a cell's number format, for the formats that
figures in returns are written with.

`displayed(value, number_format)` renders:

- ``General``: a whole number in full, any other to at most 10 significant digits;
- digit placeholders ``0``, ``#`` and ``?`` (``?`` as ``#``: the space it keeps only aligns
  digits), a decimal point, thousands separators (``#,##0``) and trailing thousands-scaling
  commas (``#,##0,`` shows thousands);
- ``%`` (the value times 100);
- up to four sections, ``positive;negative;zero;text``: with two or more, a negative value is
  shown by the second section as its absolute value (``#,##0;(#,##0)`` shows -1234 as
  ``(1,234)``), and zero by the third (an accounting format's ``"-"``); with one section, a
  negative value gets a leading ``-``;
- literals: ``"quoted"``, ``\\x`` escapes, ``[$£-809]`` currency codes (as ``£``), and the
  characters Excel takes unquoted (``£ $ € ( ) - +`` and others);
- what only colours or aligns: ``[Red]``, ``[Color10]``, padding ``_x`` and fill ``*x``
  (shown as nothing);
- ``@`` (a number in a text section is shown as General).

Rounding is half away from zero on the decimal value (``Decimal(repr(value))``), as Excel
rounds, so 0.043 under ``0.0%`` shows ``4.3%`` and -0.0438 shows ``-4.4%``. A format it
cannot render (a fraction, scientific notation, a condition, a date, anything else) raises
`UnreadableFormat`: such a figure is not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

_DECIMALS = Context(prec=400, rounding=ROUND_HALF_UP)
"""Enough digits for any float (to 1.8e308) shown to the decimals a format asks."""


class UnreadableFormat(ValueError):
    """A number format this module does not render: `format` and, in words, `kind`."""

    def __init__(self, number_format: str, kind: str):
        super().__init__(f"the number format {number_format!r} ({kind}) is not rendered")
        self.format = number_format
        self.kind = kind


_TOKEN = re.compile(r"""
      "(?P<quoted>[^"]*)"
    | \\(?P<escaped>.)
    | _(?P<padding>.)
    | \*(?P<fill>.)
    | \[\$(?P<currency>[^\]-]*)(?:-[^\]]*)?\]
    | \[(?P<colour>black|blue|cyan|green|magenta|red|white|yellow|color\ ?\d{1,2})\]
    | (?P<general>general)
    | (?P<digit>[0#?])
    | (?P<point>\.)
    | (?P<comma>,)
    | (?P<percent>%)
    | (?P<text>@)
    | (?P<section>;)
    | (?P<literal>[$£€¥\-+():!^&'~{}<>=\ ])
""", re.VERBOSE | re.IGNORECASE | re.DOTALL)
"""One piece of a format; what matches none of these is not rendered (see `_UNREADABLE`)."""

_UNREADABLE = [  # what a format is that is not rendered, by what it holds unquoted
    (re.compile(r"\[[<>=]"), "a condition"),
    (re.compile(r"[0#?]\s*/"), "a fraction"),
    (re.compile(r"[0#?.]\s*e[+-]", re.IGNORECASE), "scientific notation"),
    (re.compile(r"[ymdhs]|am/pm|a/p", re.IGNORECASE), "a date or time"),
]
UNKNOWN = "a format this reader does not know"

_CORRECTED = {
    # openpyxl's text of Excel's built-in format 44 (Accounting) lacks its semicolons.
    '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)':
        '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)',
}


@dataclass
class _Section:
    """One section of a format, read a piece at a time (`add`): the literal text around the
    figure and how the figure is shown."""

    before: str = ""
    after: str = ""
    figure: str = ""
    """'' (literals only), 'digits' (placeholders) or 'general' (General or @)."""
    integer: str = ""
    """The placeholders before the point, e.g. '##0' for '#,##0'."""
    point: bool = False
    decimals: str = ""
    """The placeholders after the point, e.g. '00'."""
    grouped: bool = False
    scale: int = 0
    """Powers of 1,000 the value is divided by (trailing commas)."""
    percent: int = 0
    """Powers of 100 the value is multiplied by (% signs)."""
    phase: str = "before"
    """Where the next piece goes: "before", "integer", "decimals" or "after" the figure."""
    commas: int = 0
    """Commas since the figure's last placeholder: separators if a digit follows, else scale."""

    def add(self, kind: str, text: str) -> bool:
        """Take one piece of the format; False where it cannot be shown (e.g. ``000-000``)."""
        in_figure = self.phase in ("integer", "decimals")
        if kind == "comma" and in_figure:
            self.commas += 1
        elif kind == "digit":
            if self.phase == "after" or (self.phase == "decimals" and self.commas):
                return False
            if self.phase == "decimals":
                self.decimals += text
            else:
                self.grouped = self.grouped or self.commas > 0
                self.integer += text
                self.phase = "integer"
            self.figure, self.commas = "digits", 0
        elif kind == "point":
            if self.phase not in ("before", "integer"):
                return False
            self.scale += self.commas
            self.figure, self.point, self.phase, self.commas = "digits", True, "decimals", 0
        else:
            self.end_figure()
            if kind in ("general", "text"):
                if self.figure:
                    return False
                self.figure, self.phase = "general", "after"
            elif kind not in ("padding", "fill", "colour"):  # those only align or colour
                self.percent += kind == "percent"
                setattr(self, self.phase, getattr(self, self.phase) + text)
        return True

    def end_figure(self) -> None:
        if self.phase in ("integer", "decimals"):
            self.scale += self.commas
            self.phase, self.commas = "after", 0

    def render(self, number: Decimal) -> str:
        """The section's text for a number of 0 or more."""
        if self.figure == "general":
            return self.before + _general(number) + self.after
        if self.figure == "":
            return self.before
        number = number.scaleb(2 * self.percent - 3 * self.scale, _DECIMALS)
        rounded = number.quantize(Decimal(1).scaleb(-len(self.decimals)), context=_DECIMALS)
        whole, _, fraction = f"{rounded:f}".partition(".")
        kept = self.decimals.rfind("0") + 1  # a '#' or '?' after the last '0' drops a 0
        fraction = fraction[:kept] + fraction[kept:].rstrip("0")
        whole = whole.lstrip("0").zfill(self.integer.count("0"))
        if self.grouped:
            whole = re.sub(r"\B(?=(\d{3})+$)", ",", whole)
        return self.before + whole + ("." + fraction if self.point else "") + self.after


def displayed(value: float | int, number_format: str) -> str:
    """The text Excel shows for `value` under `number_format`, without the spaces that only
    align it. Raises `UnreadableFormat` for a format it does not render."""
    sections = _sections(number_format or "General")
    number = Decimal(int(value)) if isinstance(value, int) else Decimal(repr(float(value)))
    numeric = sections[:3]  # a fourth section shows text only
    sign = ""
    if number < 0 and len(numeric) >= 2:
        section = numeric[1]
    elif number == 0 and len(numeric) >= 3:
        section = numeric[2]
    else:
        section = numeric[0]
        sign = "-" if number < 0 else ""
    return (sign + section.render(abs(number))).strip()


def _general(number: Decimal) -> str:
    """As the General format shows a number: a whole number in full, any other rounded to
    10 significant digits, without an exponent or trailing zeros."""
    if number == number.to_integral_value():
        return f"{number.to_integral_value():f}"
    rounded = number.quantize(Decimal(1).scaleb(number.adjusted() - 9), context=_DECIMALS)
    return f"{rounded.normalize(_DECIMALS):f}"


@lru_cache(maxsize=256)
def _sections(number_format: str) -> tuple[_Section, ...]:
    """A format read into its sections (at most four)."""
    sections = [_Section()]
    for kind, text in _tokens(_CORRECTED.get(number_format, number_format)):
        if kind == "section":
            sections[-1].end_figure()
            sections.append(_Section())
        elif not sections[-1].add(kind, text):
            raise UnreadableFormat(number_format, _kind(number_format))
    sections[-1].end_figure()
    if len(sections) > 4:
        raise UnreadableFormat(number_format, UNKNOWN)
    return tuple(sections)


def _tokens(number_format: str):
    """(kind, text) for each piece of a format: a group name of `_TOKEN`, and the text it
    shows."""
    position = 0
    while position < len(number_format):
        token = _TOKEN.match(number_format, position)
        if token is None:
            raise UnreadableFormat(number_format, _kind(number_format))
        position = token.end()
        yield next((k, v) for k, v in token.groupdict().items() if v is not None)


def _kind(number_format: str) -> str:
    """What a format this module does not render is, in words."""
    bare = re.sub(r'"[^"]*"|\\.|\[(?![<>=])[^]]*]', "", number_format)  # no literal, colour
    return next((kind for pattern, kind in _UNREADABLE if pattern.search(bare)), UNKNOWN)
