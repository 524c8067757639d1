"""The base every document shares: A4, the protective marking in the header and footer of every page,
"Page x of y", the data week it was built from, a bookmark in the PDF outline for every section and a table
of contents (built in as many passes as the page numbers need)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from compstat_desk.reports.fonts import BOLD, REGULAR, drawable, register_fonts, right_to_left
from compstat_desk.reports.paragraph import Paragraph

PAGE = A4
MARGIN = 16 * mm
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b0b0b0")
SHADE = colors.HexColor("#eef1f4")
LATE = colors.HexColor("#b00020")  # overdue: red, and always with ⚠ and the words


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=9.6, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=BOLD, fontSize=8, leading=9.6, spaceAfter=0),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=16, leading=20, spaceBefore=2, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=8,
                             spaceAfter=5),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=6,
                             spaceAfter=3),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=24, leading=30, alignment=TA_CENTER,
                                spaceAfter=10),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=18, alignment=TA_CENTER,
                                   spaceAfter=6),
        "marking": ParagraphStyle("marking", parent=base, fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER,
                                  textColor=INK),
    }


def esc(text: object) -> str:
    """Text for a Paragraph: &, < and > escaped (names and action texts are data, not markup), and each character
    the font cannot draw shown as the fallback glyph □ (fonts.drawable)."""
    return drawable(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Heading(Paragraph):
    """A section heading that puts itself in the outline (PDF bookmarks) and the table of contents."""

    def __init__(self, text: str, style: ParagraphStyle, level: int, key: str, toc: bool = True) -> None:
        super().__init__(esc(text), style)
        self.outline_text = text
        self.outline_level = level
        self.key = key
        self.in_toc = toc


class _PageCount(Flowable):
    """Asks for one more pass until the page count the footers printed ("of y") is the one the pass made."""

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.satisfied = False

    def isIndexing(self) -> int:
        return 1

    def isSatisfied(self) -> bool:
        return self.satisfied

    def beforeBuild(self) -> None:
        pass

    def notify(self, kind: str, stuff: object) -> None:
        pass

    def afterBuild(self) -> None:
        made = self.doc.pages_made
        self.satisfied = made == self.doc.total_pages
        self.doc.total_pages = made

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


class Document(BaseDocTemplate):
    """A4 with the marking top and bottom, "Page x of y", the data week, bookmarks and a table of contents."""

    def __init__(self, buffer: io.BytesIO, *, title: str, marking: str, stamp: str, author: str = "compstat-desk",
                 subject: str = "", short_title: str | None = None, footnote: str | None = None) -> None:
        super().__init__(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6 * mm,
                         bottomMargin=MARGIN + 6 * mm, title=title, author=author, subject=subject,
                         creator="compstat-desk", initialFontName=REGULAR, keywords=[stamp, marking])
        self.marking = marking
        self.stamp = stamp
        self.footnote = footnote  # said at the foot of every page (a meeting's data vintage), else "compstat-desk"
        self.doc_title = short_title or title
        self.total_pages = 0
        self.pages_made = 0
        self._outline_level = -1
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def beforeDocument(self) -> None:
        self.pages_made = 0
        self._outline_level = -1

    def afterPage(self) -> None:
        self.pages_made = self.page

    def _decorate(self, canv: Any, doc: Document) -> None:
        width, height = PAGE
        canv.saveState()
        canv.setFillColor(INK)
        canv.setFont(BOLD, 9)
        canv.drawCentredString(width / 2, height - MARGIN + 1 * mm, self.marking)
        canv.drawCentredString(width / 2, MARGIN - 6 * mm, self.marking)
        canv.setFont(REGULAR, 7.5)
        canv.setFillColor(MUTED)
        room = width / 2 - MARGIN - canv.stringWidth(self.marking, BOLD, 9) / 2 - 4 * mm
        canv.drawString(MARGIN, height - MARGIN + 1 * mm, _fit(right_to_left(self.doc_title), room, 7.5))
        canv.drawRightString(width - MARGIN, height - MARGIN + 1 * mm, self.stamp)
        total = self.total_pages or "?"
        canv.drawString(MARGIN, MARGIN - 6 * mm, _fit(self.footnote, room, 7.5) if self.footnote else "compstat-desk")
        canv.drawRightString(width - MARGIN, MARGIN - 6 * mm, f"Page {doc.page} of {total}")
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, height - MARGIN - 0.5 * mm, width - MARGIN, height - MARGIN - 0.5 * mm)
        canv.line(MARGIN, MARGIN - 3 * mm, width - MARGIN, MARGIN - 3 * mm)
        canv.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            # The outline may go down only one level at a time: clamp a deeper heading under the last one.
            level = min(flowable.outline_level, self._outline_level + 1)
            self._outline_level = level
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(flowable.outline_text, flowable.key, level=level, closed=level > 0)
            if flowable.in_toc and level <= 1:
                self.notify("TOCEntry", (level, esc(right_to_left(flowable.outline_text)), self.page, flowable.key))


def _fit(text: str, width: float, size: float) -> str:
    """`text`, shortened with an ellipsis to fit `width` points in the regular face at `size`."""
    if stringWidth(text, REGULAR, size) <= width:
        return text
    while text and stringWidth(text + "…", REGULAR, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class Story:
    """A document's flowables, with helpers for headings (bookmarked), text and tables in the house style."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.s = styles()
        self.items: list[Flowable] = [_PageCount(doc)]
        self._keys = 0

    def add(self, *flowables: Flowable) -> None:
        self.items.extend(flowables)

    def heading(self, text: str, level: int = 0, *, new_page: bool = False, toc: bool = True) -> None:
        if new_page:
            self.items.append(PageBreak())
        elif level == 0:
            self.items.append(CondPageBreak(60 * mm))
        else:
            self.items.append(CondPageBreak(35 * mm))
        self._keys += 1
        style = self.s["h1"] if level == 0 else self.s["h2"] if level == 1 else self.s["h3"]
        self.items.append(Heading(text, style, level, f"s{self._keys}", toc))

    def para(self, markup: str, style: str = "body") -> None:
        self.items.append(Paragraph(markup, self.s[style]))

    def text(self, text: str, style: str = "body") -> None:
        self.para(esc(text), style)

    def space(self, height_mm: float = 3) -> None:
        self.items.append(Spacer(1, height_mm * mm))

    def contents(self) -> None:
        toc = TableOfContents(dotsMinLevel=0)
        toc.levelStyles = [
            ParagraphStyle("toc0", fontName=BOLD, fontSize=10, leading=13, leftIndent=0, firstLineIndent=0,
                           spaceBefore=4),
            ParagraphStyle("toc1", fontName=REGULAR, fontSize=9, leading=11.5, leftIndent=12, firstLineIndent=0),
            ParagraphStyle("toc2", fontName=REGULAR, fontSize=8.5, leading=10.5, leftIndent=24, firstLineIndent=0),
        ]
        toc.tableStyle = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                                     ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                     ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])
        self.items.append(toc)

    def table(self, rows: list[list[Any]], widths: list[float], *, header_rows: int = 1,
              extra: list[tuple[Any, ...]] | None = None, font_size: float = 8, keep: bool = False,
              right: tuple[int, ...] = (), plain: tuple[int, ...] = ()) -> Table:
        """A table with a shaded, repeated header; cells may be text (wrapped in Paragraphs), flowables or lists of
        them; the columns in `right` (numbers) are right-aligned. Body cells in the `plain` columns stay one-line
        strings (never wrapped): much cheaper to lay out than Paragraphs, for numbers and short words."""
        cell = ParagraphStyle("c", parent=self.s["cell"], fontSize=font_size, leading=font_size * 1.2)
        head = ParagraphStyle("h", parent=self.s["cell_bold"], fontSize=font_size, leading=font_size * 1.2)
        styles_ = {(False, False): cell, (True, False): head,
                   (False, True): ParagraphStyle("cr", parent=cell, alignment=2),
                   (True, True): ParagraphStyle("hr", parent=head, alignment=2)}
        body = [[c if isinstance(c, Flowable | list) or (j in plain and i >= header_rows) else
                 Paragraph(esc(c) if c is not None else "", styles_[(i < header_rows, j in right)])
                 for j, c in enumerate(row)] for i, row in enumerate(rows)]
        # A row that may be taller than a page (a 10,000-character action) may split across pages instead of stopping
        # the whole document with a LayoutError; other tables keep each row whole on one page.
        table = Table(body, colWidths=widths, repeatRows=header_rows,
                      splitInRow=int(_tallest_row(rows, widths, font_size) > 0.6 * self.doc.height))
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
            ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, RULE),
            ("FONTSIZE", (0, 0), (-1, -1), font_size), ("LEADING", (0, 0), (-1, -1), font_size * 1.2),
        ]
        commands += [("ALIGN", (j, header_rows), (j, -1), "RIGHT") for j in right]
        if header_rows:
            commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE))
        commands += extra or []
        table.setStyle(TableStyle(commands))
        if keep:
            self.items.append(KeepTogether([table]))
        else:
            self.items.append(table)
        return table


def _tallest_row(rows: list[list[Any]], widths: list[float], font_size: float) -> float:
    """A generous estimate of the tallest row's height in points, from its texts' lengths (a character is taken as
    half the type size wide; lines break on words, so a column holds a little less than that)."""
    tallest = 0.0
    for row in rows:
        for cell, width in zip(row, widths, strict=False):
            text = cell if isinstance(cell, str) else getattr(cell, "text", None)  # a Paragraph keeps its text
            if isinstance(cell, list):
                text = "\n".join(str(getattr(c, "text", "")) for c in cell)
            if isinstance(text, str) and text:
                per_line = max(1.0, (float(width) - 6) / (0.5 * font_size)) * 0.85
                lines = sum(1 + len(part) / per_line for part in text.split("\n"))
                tallest = max(tallest, lines * font_size * 1.2 + 4)
    return tallest


def render(title: str, marking: str, stamp: str, fill: Callable[[Story], None], *, subject: str = "",
           short_title: str | None = None, footnote: str | None = None) -> bytes:
    """Build a document: `fill` adds the flowables; returns the PDF's bytes."""
    register_fonts()
    buffer = io.BytesIO()
    doc = Document(buffer, title=title, marking=marking, stamp=stamp, subject=subject, short_title=short_title,
                   footnote=footnote)
    story = Story(doc)
    fill(story)
    doc.multiBuild(story.items)
    return buffer.getvalue()
