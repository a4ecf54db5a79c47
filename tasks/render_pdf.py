"""The board's paper: a PDF of its tables, with the data-quality annex and, from the second
version on, what changed since the one before; and, where a return has exempt tables, the
exempt part of it.

A committee paper is public: counts of people in it are withheld as the published tables
withhold them. The exempt part is not published, and says why. Byte for byte the same for the same
report: ReportLab's invariant mode fixes the document's dates and identifier, and nothing
here reads the clock.

A Paragraph reads its text as markup, so every piece of text from the data, the declaration
or the run reaches one escaped (`_plain`): tags, entities and ampersands in it are shown as
they are, and only the markup written here (bold words) is read. Plain strings in a table
cell and the chart's labels are drawn as they are, never read as markup.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from numbers import Integral
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import Table as GridTable

from statreturns import quality
from statreturns.declaration import TOTAL, Chart, Table
from statreturns.periods import MONTH_NAMES
from statreturns.quality import VERDICT_WORDS, Check
from tasks.changes import Change

PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
FONT, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"

NAVY = colors.HexColor("#1F3864")
GREY = colors.HexColor("#555555")
SHADE = colors.HexColor("#DCE3ED")
STRIPE = colors.HexColor("#F4F6F9")
RULE = colors.HexColor("#B8C2CF")
PROVISIONAL_COLOUR = colors.HexColor("#6A1B9A")
"""The provisional banner and page marks: a colour no verdict uses."""
VERDICT_COLOURS = {  # verdict -> (fill, edge)
    "pass": (colors.HexColor("#E2F0E3"), colors.HexColor("#2E7D32")),
    "queries": (colors.HexColor("#FFF2D6"), colors.HexColor("#B26A00")),
    "blocked": (colors.HexColor("#FBE1DF"), colors.HexColor("#B3261E")),
}
SEVERITY_COLOURS = {"error": VERDICT_COLOURS["blocked"][1], "query": VERDICT_COLOURS["queries"][1]}
SERIES_COLOURS = tuple(colors.HexColor(c) for c in (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"))

FONT_SIZES = (9, 8, 7, 6)
"""Table font sizes, largest first: a wide table takes the largest that fits the page."""
COMFORT_EMS = 14
"""A text column is squeezed to this many ems before the font is made smaller."""
PADDING = 3
CHART_HEIGHT = 370
PUBLIC = ("A committee paper, public. Small counts of people are withheld ([c]) as in the "
          "published tables; exempt information, where there is any, is in a separate part.")
ANNEX_INTRO = ("An <b>error</b> blocks the return until it is corrected. A <b>query</b> needs "
               "a written explanation before sign-off. The checks that failed:")
CHANGES_SHOWN = 200
"""The changes annex lists at most this many; the rest are in the JSON and the store."""


def _style(name: str, size: float, font: str = FONT, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.25, **kw)


AUTHORITY = _style("authority", 13, textColor=GREY, spaceAfter=4)
TITLE = _style("title", 26, BOLD, textColor=NAVY, spaceAfter=8)
SUBTITLE = _style("subtitle", 14, textColor=NAVY, spaceAfter=4)
BODY = _style("body", 10, spaceAfter=4)
HEADING = _style("heading", 15, BOLD, textColor=NAVY, spaceBefore=6, spaceAfter=6,
                 keepWithNext=1)
SUBHEADING = _style("subheading", 11.5, BOLD, textColor=NAVY, spaceBefore=12, spaceAfter=4,
                    keepWithNext=1)
NOTE = _style("note", 8, ITALIC, textColor=GREY, spaceBefore=3)
WARNING = _style("warning", 9.5, BOLD, textColor=VERDICT_COLOURS["blocked"][1], spaceBefore=12)


@dataclass(frozen=True)
class SignOffBlock:
    """The paper's last page: what is approved (the figures' checksum), who may approve it
    and on what terms, with the lines the approver fills in."""

    figures_sha256: str
    """sha256 of the version's JSON record of its tables, as `statreturns audit` shows it."""
    approvers: tuple[str, ...]
    relaxed_because: str = ""
    audit_command: str = ""


@dataclass(frozen=True)
class BoardReport:
    authority_name: str
    title: str
    description: str
    period_label: str
    version: int
    verdict: str
    """``pass``, ``queries`` or ``blocked``."""
    as_of: date
    """The last day of the period: never today's date."""
    tables: list[tuple[Table, pd.DataFrame, str]]
    """The paper's tables as it shows them, each with the note it prints below it."""
    headline: list[tuple[str, str]] = ()
    """Label and value; a label starting with two spaces is a sub-item."""
    sources: list[tuple[str, str, int | None, str | None, str]] = ()
    """Source title, file name, rows, sha256 (or None), notes."""
    chart: Chart | None = None
    checks: list[Check] = ()
    """Every data-quality result, passed and failed; none in the exempt part."""
    exempt: str = ""
    """Why this is the exempt part of the paper; empty for the public paper."""
    changes: list[Change] | None = None
    """What changed since `previous_version`, cell by cell; None when there is no earlier
    version."""
    previous_version: int | None = None
    """The version compared with; None for a first version, which has no changes annex."""
    quality_changes: dict[str, list[str]] | None = None
    """Rule codes under "newly failing" and "newly passing" since `previous_version`."""
    provisional: bool = False
    """The period has not ended (it ends on `as_of`): the figures will change."""
    resubmits: int | None = None
    """The approved or submitted version this one replaces; None for an ordinary version."""
    sign_off: SignOffBlock | None = None
    """The last page's sign-off block; None for a return that is not signed off."""


def provisional_words(end: date) -> str:
    """What every output of a provisional version says."""
    return f"PROVISIONAL: the period ends on {_long_date(end)}; these figures will change."


def write_pdf(report: BoardReport, path: Path) -> None:
    """Title page, chart, every table, the data-quality annex, then what changed."""
    doc = SimpleDocTemplate(
        str(path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, invariant=1, author=report.authority_name,
        title=f"{report.title}: {report.period_label}, version {report.version}"
              + (", provisional" if report.provisional else ""),
        subject=report.description)
    footer = partial(_footer, report)
    doc.build(_story(report), onFirstPage=footer, onLaterPages=footer)


def _story(report: BoardReport) -> list[Flowable]:
    story = _title_page(report)
    if report.chart is not None:
        story += [PageBreak(), *_chart_section(report.chart, report.tables)]
    story.append(PageBreak())
    for table, frame, note in report.tables:
        story += _table_section(table, frame, note)
    if report.exempt:
        return story
    story += [PageBreak(), *_annex(report.checks)]
    if report.previous_version is not None:
        story += [PageBreak(), *_changes_annex(report)]
    if report.sign_off is not None:
        story += [PageBreak(), *_sign_off_page(report, report.sign_off)]
    return story


def _footer(report: BoardReport, canvas: Canvas, doc: SimpleDocTemplate) -> None:
    text = (f"{report.authority_name} · {report.title} · {report.period_label} · "
            f"version {report.version}" + (" · EXEMPT: not for publication" if report.exempt
                                           else "") + f" · page {canvas.getPageNumber()}")
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, MARGIN - 4 * mm, PAGE[0] - MARGIN, MARGIN - 4 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(GREY)
    canvas.drawString(MARGIN, MARGIN - 8 * mm, text)
    if report.provisional:
        _provisional_marks(canvas, report.as_of)
    canvas.restoreState()


def _provisional_marks(canvas: Canvas, end: date) -> None:
    """The provisional notice above every page and at the right of its footer."""
    canvas.setFillColor(PROVISIONAL_COLOUR)
    canvas.setFont(BOLD, 8.5)
    canvas.drawRightString(PAGE[0] - MARGIN, PAGE[1] - MARGIN + 5 * mm, provisional_words(end))
    canvas.setFont(BOLD, 7.5)
    canvas.drawRightString(PAGE[0] - MARGIN, MARGIN - 8 * mm, "PROVISIONAL")


# --- title page ---------------------------------------------------------------------------

def _title_page(report: BoardReport) -> list[Flowable]:
    notices = _notices(report)
    page = [
        Paragraph(_plain(report.authority_name), AUTHORITY),
        Paragraph(_plain(report.title), TITLE),
        Paragraph(_plain(report.period_label), SUBTITLE),
        Paragraph(f"Version {_plain(report.version)} · Figures for the period ending "
                  f"{_long_date(report.as_of)}", BODY),
        *notices,
        Paragraph(_plain(report.description), BODY),
        Spacer(1, 8),
    ]
    if report.exempt:
        return [*page, Paragraph("Exempt part", SUBHEADING),
                Paragraph(_plain(report.exempt), WARNING)]
    page.append(_verdict_box(report.verdict, report.checks))
    if report.headline:
        page += [Paragraph("Headline figures", SUBHEADING), _headline_table(report.headline)]
    if report.sources:
        sources = _sources_table(report.sources)
        # The notices push the page down: the warning goes over with the sources, if it
        # must, never alone.
        sources.keepWithNext = bool(notices)
        page += [Paragraph("Sources", SUBHEADING), sources]
    return [*page, Paragraph(PUBLIC, NOTE)]


def _notices(report: BoardReport) -> list[Flowable]:
    """The provisional banner and the resubmission notice, when they apply: a line each."""
    notices: list[Flowable] = []
    if report.provisional:
        words = _style("provisional", 12.5, BOLD, textColor=colors.white)
        notices.append(_banner(Paragraph(_plain(provisional_words(report.as_of)), words),
                               PROVISIONAL_COLOUR))
    if report.resubmits is not None:
        words = _style("resubmission", 10.5, textColor=NAVY)
        notices.append(_banner(Paragraph(
            f"<b>Resubmission: replaces version {_plain(report.resubmits)}</b>, which was "
            "approved or submitted before its data were corrected.", words), NAVY, SHADE))
    return notices


def _banner(line: Paragraph, edge: colors.Color, fill: colors.Color | None = None) -> GridTable:
    """A full-width box of one line, a thick rule at its left; filled with `edge` unless
    `fill` is given."""
    box = GridTable([[line]], colWidths=[WIDTH], hAlign="LEFT", style=[
        ("BACKGROUND", (0, 0), (-1, -1), fill or edge),
        ("BOX", (0, 0), (-1, -1), 0.5, edge),
        ("LINEBEFORE", (0, 0), (0, -1), 5, edge),
        ("LEFTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ])
    box.spaceBefore, box.spaceAfter = 2, 4
    return box


def _verdict_box(verdict: str, checks: list[Check]) -> GridTable:
    fill, edge = VERDICT_COLOURS[verdict]
    failed = [c.severity for c in checks if not c.success]
    counts = (f"{_plural(len(checks), 'rule', 'rules')} checked: "
              f"{_plural(failed.count('error'), 'error', 'errors')}, "
              f"{_plural(failed.count('query'), 'query', 'queries')}")
    rows = [[Paragraph(_plain(VERDICT_WORDS[verdict]), _style("verdict", 12.5, BOLD))],
            [Paragraph(counts, _style("counts", 10))]]
    return GridTable(rows, colWidths=[WIDTH], hAlign="LEFT", style=[
        ("BACKGROUND", (0, 0), (-1, -1), fill),
        ("BOX", (0, 0), (-1, -1), 0.5, edge),
        ("LINEBEFORE", (0, 0), (0, -1), 5, edge),
        ("LEFTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, 0), 8),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
    ])


def _headline_table(headline: list[tuple[str, str]]) -> GridTable:
    rows = []
    for label, value in headline:
        sub = str(label).startswith("  ")
        style = _cell_style(9.5 if sub else 10, indent=14 if sub else 0, grey=sub)
        rows.append([Paragraph(_plain(str(label).strip()), style),
                     Paragraph(_plain(value), _cell_style(10, bold=not sub, right=True))])
    return GridTable(rows, colWidths=[280, 90], hAlign="LEFT", style=[
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ])


def _sources_table(sources: list[tuple[str, str, int | None, str | None, str]]) -> GridTable:
    size = 8.5
    rows = [[Paragraph(_plain(title), _cell_style(size)),
             Paragraph(_plain(file), _cell_style(size)),
             Paragraph("" if count is None else f"{count:,}", _cell_style(size, right=True)),
             Paragraph(_plain((sha256 or "")[:12]), _cell_style(size)),
             Paragraph(_plain(notes), _cell_style(size))]
            for title, file, count, sha256, notes in sources]
    header = _header(["Source", "File", "Rows", "SHA-256 (first 12)", "Notes"], size, {2})
    widths = [150, 190, 55, 95]
    return _house_table([header, *rows], [*widths, WIDTH - sum(widths)], size)


# --- chart --------------------------------------------------------------------------------

def _chart_section(chart: Chart,
                   tables: list[tuple[Table, pd.DataFrame, str]]) -> list[Flowable]:
    """Stacked bars when the series are the table's count columns (they add up to its
    Total), side-by-side bars when the declaration names them. A withheld count is no bar."""
    table, frame = {t.name: (t, f) for t, f, _ in tables}[chart.table]
    rows = frame[frame.iloc[:, 0].astype(str) != TOTAL]
    names = list(chart.values) or [c for c in frame.columns
                                   if c not in table.index and c != TOTAL]
    cells = [list(rows[name]) for name in names]
    data = [[0.0 if isinstance(v, str) else float(v) for v in series] for series in cells]
    withheld = any(isinstance(v, str) for series in cells for v in series)
    categories = [_short_month(str(v)) for v in rows[chart.category]]
    return [Paragraph(_plain(chart.title), HEADING),
            _bar_chart(categories, [str(n) for n in names], data, stacked=not chart.values),
            Paragraph(f"From the table “{_plain(table.title)}”."
                      + (" A withheld count ([c]) has no bar." if withheld else ""), NOTE)]


def _bar_chart(categories: list[str], names: list[str], data: list[list[float]],
               stacked: bool) -> Drawing:
    legend_width = max((stringWidth(n, FONT, 8) for n in names), default=0) + 40
    bars = VerticalBarChart()
    bars.x, bars.y = 45, 30
    bars.width = WIDTH - bars.x - legend_width - 20
    longest = max((stringWidth(c, FONT, 8) for c in categories), default=0)
    if longest > 0.9 * bars.width / max(len(categories), 1):
        bars.categoryAxis.labels.angle = 45
        bars.categoryAxis.labels.boxAnchor = "ne"
        bars.y = longest * 0.75 + 20
    bars.height = CHART_HEIGHT - bars.y - 10
    bars.data = data
    bars.categoryAxis.categoryNames = categories
    bars.categoryAxis.style = "stacked" if stacked else "parallel"
    bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = FONT
    bars.categoryAxis.labels.fontSize = bars.valueAxis.labels.fontSize = 8
    _value_axis(bars, [sum(col) for col in zip(*data, strict=True)] if stacked
                else [v for series in data for v in series])
    bars.bars.strokeColor = colors.white
    bars.bars.strokeWidth = 0.5
    pairs = []
    for i, name in enumerate(names):
        bars.bars[i].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        pairs.append((bars.bars[i].fillColor, name))

    legend = Legend()
    legend.x, legend.y = bars.x + bars.width + 20, bars.y + bars.height
    legend.boxAnchor = "nw"
    legend.alignment = "right"
    legend.colorNamePairs = pairs[::-1] if stacked else pairs  # top of the stack first
    legend.columnMaximum = max(len(pairs), 1)
    legend.fontName, legend.fontSize = FONT, 8
    legend.dx = legend.dy = 8
    legend.deltay = 14
    legend.strokeColor = None

    drawing = Drawing(WIDTH, CHART_HEIGHT)
    drawing.add(bars)
    drawing.add(legend)
    return drawing


def _value_axis(bars: VerticalBarChart, heights: list[float]) -> None:
    """From 0 to a round number above the tallest bar, in whole-number steps."""
    top = max(heights, default=0)
    magnitude = 10 ** max(math.floor(math.log10(top / 8)), 0) if top > 8 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if top / (m * magnitude) <= 8)
    axis = bars.valueAxis
    axis.valueMin, axis.valueStep = 0, step
    axis.valueMax = max(step * math.ceil(top / step), step)
    axis.labelTextFormat = lambda v: f"{v:,.0f}"
    axis.visibleGrid = 1
    axis.gridStrokeColor = colors.HexColor("#E0E0E0")
    axis.gridStrokeWidth = 0.5
    axis.strokeColor = bars.categoryAxis.strokeColor = RULE


# --- tables -------------------------------------------------------------------------------

def _table_section(table: Table, frame: pd.DataFrame, note: str) -> list[Flowable]:
    section = [CondPageBreak(120), Paragraph(_plain(table.title), SUBHEADING),
               _data_table(table, frame)]
    if note:
        section.append(Paragraph(_plain(note), NOTE))
    return section


def _data_table(table: Table, frame: pd.DataFrame) -> GridTable:
    """Index columns as wrapping text, the rest as right-aligned numbers; Total bold."""
    header = [str(c) for c in frame.columns]
    numeric = [c not in table.index for c in frame.columns]
    body = [[_number(v) if num else _text(v) for v, num in zip(row, numeric, strict=True)]
            for row in frame.itertuples(index=False)]
    size, widths = _fit(header, body, numeric)
    totals = [i for i, row in enumerate(body, start=1) if row[0] == TOTAL]
    rows = [_header(header, size, {j for j, num in enumerate(numeric) if num})]
    for i, row in enumerate(body, start=1):
        rows.append([text if num else Paragraph(_plain(text), _cell_style(size, i in totals))
                     for text, num in zip(row, numeric, strict=True)])
    commands = [("ALIGN", (j, 0), (j, -1), "RIGHT") for j, num in enumerate(numeric) if num]
    commands += [("FONT", (0, i), (-1, i), BOLD, size, size * 1.25) for i in totals]
    commands += [("LINEABOVE", (0, i), (-1, i), 0.75, NAVY) for i in totals]
    commands += [("FONT", (j, 1), (j, -1), BOLD, size, size * 1.25)
                 for j, name in enumerate(header) if name == TOTAL]
    return _house_table(rows, widths, size, *commands)


def _fit(header: list[str], body: list[list[str]],
         numeric: list[bool]) -> tuple[float, list[float]]:
    """The largest font size at which the table fits the page width, and column widths:
    natural if they fit, else text columns squeezed towards a comfortable width."""
    for size in FONT_SIZES:
        least, natural = zip(*(_widths(name, [row[j] for row in body], not numeric[j], size)
                               for j, name in enumerate(header)), strict=True)
        if sum(least) <= WIDTH:
            room, wanted = WIDTH - sum(least), sum(natural) - sum(least)
            share = min(room / wanted, 1) if wanted > 0 else 1
            return size, [lo + (hi - lo) * share for lo, hi in zip(least, natural, strict=True)]
    return size, [w * WIDTH / sum(least) for w in least]


def _widths(header: str, cells: list[str], wraps: bool, size: float) -> tuple[float, float]:
    """A column's least and natural (nothing wrapped) widths. Text may wrap to a
    comfortable width; numbers never wrap, and only their header does."""
    def width(text: str) -> float:
        return stringWidth(text, BOLD, size) + 2 * PADDING

    natural = max(width(text) for text in [header, *cells])
    if wraps:  # a word longer than is comfortable is split across lines
        comfort = COMFORT_EMS * size
        words = [min(width(w), comfort) for text in [header, *cells] for w in text.split()]
        return max([min(natural, comfort), *words]), natural
    return max([*(width(c) for c in cells), *(width(w) for w in header.split())],
               default=2 * PADDING), natural


def _header(names: list[str], size: float, right: set[int]) -> list[Paragraph]:
    return [Paragraph(_plain(name), _cell_style(size, bold=True, right=j in right))
            for j, name in enumerate(names)]


def _house_table(rows: list[list], widths: list[float], size: float,
                 *commands: tuple) -> GridTable:
    """The report's table look: shaded header repeated on each page, striped rows."""
    return GridTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", style=[
        ("FONT", (0, 0), (-1, -1), FONT, size, size * 1.25),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, NAVY),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *commands,
    ])


@lru_cache
def _cell_style(size: float, bold: bool = False, right: bool = False, indent: float = 0,
                grey: bool = False) -> ParagraphStyle:
    return _style(f"cell-{size}-{bold}-{right}-{indent}-{grey}", size, BOLD if bold else FONT,
                  alignment=TA_RIGHT if right else 0, leftIndent=indent,
                  textColor=GREY if grey else colors.black)


# --- data-quality annex -------------------------------------------------------------------

def _annex(checks: list[Check]) -> list[Flowable]:
    """What the run noted about its sources (how a draft rounds), then the failed checks."""
    notes = [c for c in checks if c.severity == quality.NOTE]
    checks = [c for c in checks if c.severity != quality.NOTE]
    failed = sorted((c for c in checks if not c.success), key=lambda c: c.severity != "error")
    passed = len(checks) - len(failed)
    flow: list[Flowable] = [Paragraph("Data-quality annex", HEADING),
                            *(Paragraph(_plain(n.message), BODY) for n in notes)]
    if not failed:
        return [*flow, Paragraph("Every check passed." if checks else "No checks were run.",
                                 BODY)]
    return [*flow, Paragraph(ANNEX_INTRO, BODY), Spacer(1, 4), _failed_table(failed),
            Spacer(1, 8),
            Paragraph(f"{_plural(passed, 'further check', 'further checks')} passed.", BODY)]


def _failed_table(failed: list[Check]) -> GridTable:
    size = 8
    rows = [_header(["Severity", "Code", "Rule", "How many", "Where", "Example values"], size,
                    {3})]
    for c in failed:
        severity = _style(f"severity-{c.severity}", size, BOLD,
                          textColor=SEVERITY_COLOURS.get(c.severity, colors.black))
        rows.append([Paragraph(_plain(c.severity), severity),
                     *(Paragraph(_plain(text), _cell_style(size))
                       for text in (c.code, c.message)),
                     Paragraph(f"{c.unexpected_count:,}", _cell_style(size, right=True)),
                     *(Paragraph(_plain(text), _cell_style(size))
                       for text in (c.location, c.sample))])
    widths = [50, 125, WIDTH - 530, 50, 135, 170]  # the rule takes what the rest leave
    return _house_table(rows, widths, size)


# --- sign-off -------------------------------------------------------------------------------

FOUR_EYES = ("Four eyes: whoever ran or corrected this version, or explained its queries, may "
             "not approve it.")


def _sign_off_page(report: BoardReport, block: SignOffBlock) -> list[Flowable]:
    """The sign-off block: version, the figures' checksum, who may approve and the lines
    for the approver's name, signature and date."""
    size = 9.5
    label, cell = _cell_style(size, bold=True), _cell_style(size)
    mono = _style("checksum", size, "Courier")
    terms = FOUR_EYES if not block.relaxed_because else \
        f"Four eyes relaxed for this return by the authority: {block.relaxed_because}"
    rows = [
        ("Return", Paragraph(_plain(f"{report.title}, {report.period_label}, version "
                                    f"{report.version}"), cell)),
        ("Figures checksum (sha256)", Paragraph(_plain(block.figures_sha256), mono)),
        ("May approve", Paragraph("<br/>".join(map(_plain, block.approvers))
                                  or "No approver is listed.", cell)),
        ("Terms", Paragraph(_plain(terms), cell)),
        ("Approved by (name)", ""), ("Signature", ""), ("Date", ""),
    ]
    table = GridTable([[Paragraph(_plain(k), label), v] for k, v in rows],
                      colWidths=[170, WIDTH - 170], hAlign="LEFT", style=[
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, 3), 4), ("BOTTOMPADDING", (0, 0), (-1, 3), 5),
        ("TOPPADDING", (0, 4), (-1, -1), 14), ("BOTTOMPADDING", (0, 4), (-1, -1), 14),
    ])
    said = ("The decision is recorded in the store with the approver's name and e-mail, the "
            "date and where it was made, against the checksum above")
    said += f": {block.audit_command} prints it." if block.audit_command else "."
    return [Paragraph("Sign-off", HEADING), table, Spacer(1, 8), Paragraph(_plain(said), NOTE)]


# --- what changed -------------------------------------------------------------------------

def _changes_annex(report: BoardReport) -> list[Flowable]:
    """The rules that turned, then the changed figures, tables shown by their titles."""
    flow: list[Flowable] = [
        Paragraph(f"What changed since version {_plain(report.previous_version)}", HEADING),
        Paragraph(f"Compared with version {_plain(report.previous_version)} of this return "
                  "for the same period: the figures of this paper's tables. Changes to counts "
                  "of people, which are withheld where small, and to tables not in this paper "
                  "are in the version's JSON record and the store.", BODY)]
    turned = report.quality_changes or {}
    for label in ("newly failing", "newly passing"):
        codes = turned.get(label, [])
        flow.append(Paragraph(f"<b>Rules {label}:</b> "
                              f"{_plain(', '.join(map(str, codes))) if codes else 'none'}.",
                              BODY))
    changes = report.changes or []
    if not changes:
        return [*flow, Paragraph("No figure changed.", BODY)]
    titles = {table.name: table.title for table, *_ in report.tables}
    flow += [Spacer(1, 4), _changes_table(changes[:CHANGES_SHOWN], titles)]
    if len(changes) > CHANGES_SHOWN:
        more = _plural(len(changes) - CHANGES_SHOWN, "more change is", "more changes are")
        flow += [Spacer(1, 6),
                 Paragraph(f"{more} not shown here: every change is in this version's JSON "
                           "file and in the store.", BODY)]
    return flow


def _changes_table(changes: list[Change], titles: dict[str, str]) -> GridTable:
    size = 8
    rows = [_header(["Table", "Row", "Column", "Was", "Now"], size, {3, 4})]
    for c in changes:
        rows.append([*(Paragraph(_plain(text), _cell_style(size))
                       for text in (titles.get(c.table, c.table), c.row, c.column)),
                     *(Paragraph(_plain(text), _cell_style(size, right=True))
                       for text in (c.old, c.new))])
    widths = [WIDTH - 520, 220, 140, 80, 80]  # the table's title takes what the rest leave
    return _house_table(rows, widths, size)


# --- words --------------------------------------------------------------------------------

def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _long_date(day: date) -> str:
    """31 October 2026, whatever the locale."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _short_month(text: str) -> str:
    """2026-10 -> Oct 26; anything else as it is."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        return text
    return f"{MONTH_NAMES[int(match[2]) - 1][:3]} {match[1][2:]}"


def _number(value: object) -> str:
    """A count or amount with thousands separators; blank where missing."""
    if pd.isna(value):
        return ""
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def _plain(value: object) -> str:
    """Text from the data, the declaration or the run, for a Paragraph: its markup
    characters escaped, so that it is shown as it is and tags in it change nothing."""
    return escape("" if value is None else str(value))


def _text(value: object) -> str:
    return "" if pd.isna(value) else str(value)
