"""The documents' fonts: DejaVu Sans, bundled and embedded, so that names such as Siân O'Neill and the state
symbols (⚠ ◷ ⊘ ✓ ✗ → ▲ ▼) print on any machine (reportlab's built-in Helvetica covers basic Latin only and is
not embedded)."""

from __future__ import annotations

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
