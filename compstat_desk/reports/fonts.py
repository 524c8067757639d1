"""The documents' fonts: DejaVu Sans, bundled and embedded, so that names such as Siân O'Neill and the state
symbols (⚠ ◷ ⊘ ✓ ✗ → ▲ ▼) print on any machine (reportlab's built-in Helvetica covers basic Latin only and is
not embedded)."""

from __future__ import annotations

import re
from importlib import resources

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, oblique, bold oblique) once; <b> and <i> in paragraphs map to them."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    folder = resources.files("compstat_desk") / "resources" / "fonts"
    for name in (REGULAR, BOLD, ITALIC, BOLD_ITALIC):
        with resources.as_file(folder / f"{name}.ttf") as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)


RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")  # Hebrew, Arabic and their presentation forms


def joined(text: str) -> str:
    """Text with its Arabic letters joined as they are written (arabic-reshaper: each letter in the form it takes
    at the start, middle or end of a word), still in logical order, the order it was typed: a Paragraph
    (reports.paragraph) wraps it and puts each line in reading order."""
    import arabic_reshaper

    return arabic_reshaper.reshape(text)


def right_to_left(text: str) -> str:
    """Text holding right-to-left script, in the order a left-to-right line draws it: Arabic letters joined and each
    right-to-left run reversed by the Unicode bidirectional algorithm (python-bidi), so that "ראיון" prints as a
    Hebrew reader reads it. For text drawn on one line (a page header, a contents entry); each line of the text is
    ordered alone, so a Paragraph that may wrap takes `drawable` text instead and orders each line it breaks."""
    from bidi import get_display

    return "\n".join(get_display(line) for line in joined(text).split("\n"))


FALLBACK = "\u25a1"  # □: what a document prints for a character its font cannot draw (an emoji, say)
_drawable: frozenset[int] | None = None


def drawable(text: str) -> str:
    """`text` as the documents can print it: a character DejaVu Sans (regular and bold) cannot draw becomes □, the
    stated fallback glyph, rather than an invisible gap; invisible joiners and variation selectors it lacks (the
    parts of an emoji) and control characters are left out. Text the font covers is unchanged, but for Arabic letters,
    joined as written; right-to-left text stays in logical order (a Paragraph orders each line it breaks)."""
    global _drawable
    if text.isascii() and text.isprintable():
        return text
    if RTL.search(text):
        text = joined(text)
    if _drawable is None:
        register_fonts()
        faces = [pdfmetrics.getFont(name).face for name in (REGULAR, BOLD)]
        _drawable = frozenset.intersection(*(frozenset(face.charToGlyph) for face in faces))
    import unicodedata

    out = []
    for ch in text:
        if ord(ch) in _drawable or ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cf", "Mn", "Me", "Cc", "Cs"):
            continue
        else:
            out.append(FALLBACK)
    return "".join(out)
