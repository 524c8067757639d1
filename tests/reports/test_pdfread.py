"""The suite's PDF checks need nothing outside the virtualenv: with an empty PATH (no poppler, no shell tools) the
reader gets back what a hand-made two-page PDF holds: its text by row, its bookmarks, its fonts and its colours."""

import numpy as np
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from support.pdf import fonts, outline, page_count, page_texts, render_page

from compstat_desk.reports.fonts import REGULAR, register_fonts


def test_pdfs_are_read_and_drawn_with_no_poppler_on_path(tmp_path, monkeypatch):
    register_fonts()
    pdf = tmp_path / "two.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A4)
    c.setFont(REGULAR, 12)
    c.drawString(72, 770, "Burglary")
    c.drawString(300, 770, "52")
    c.drawString(400, 770, "38")
    c.bookmarkPage("one")
    c.addOutlineEntry("Siân's table", "one", level=0)
    c.showPage()
    c.setFillColorRGB(0.69, 0, 0.125)  # the overdue red, #b00020
    c.rect(100, 100, 200, 100, stroke=0, fill=1)
    c.setFont(REGULAR, 12)
    c.drawString(72, 770, "Page two")
    c.showPage()
    c.save()

    monkeypatch.setenv("PATH", "")
    assert page_count(pdf) == 2
    first, second = page_texts(pdf)
    row = next(line for line in first.splitlines() if "Burglary" in line)
    assert row.split() == ["Burglary", "52", "38"]  # one table row stays on one line
    assert "Page two" in second and "Burglary" not in second
    assert outline(pdf) == ["Siân's table"]
    # DejaVu is embedded (as a subset, ABCDEF+DejaVuSans); the canvas's default Helvetica is named but not embedded
    assert {name.split("+")[-1]: embedded for name, embedded in fonts(pdf)} == {"DejaVuSans": True,
                                                                               "/Helvetica": False}
    image = render_page(pdf, 2, dpi=72)
    assert abs(image.width - A4[0]) <= 1 and abs(image.height - A4[1]) <= 1  # PDFium rounds 595.3 pt up
    pixels = np.asarray(image).astype(int)
    red = int(((pixels[..., 0] > 150) & (pixels[..., 1] < 60) & (pixels[..., 2] < 80)).sum())
    assert abs(red - 200 * 100) < 1000  # the rectangle's 20,000 points at 72 dpi, give or take its edges
