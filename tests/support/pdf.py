"""Reading a PDF back as a reader would, with PyPI libraries only (no poppler on PATH needed): pypdf for the text,
the page count, the bookmarks and the fonts; pypdfium2 to render a page to pixels."""

from __future__ import annotations

from pathlib import Path

import pypdf


def page_count(pdf: Path) -> int:
    return len(pypdf.PdfReader(pdf).pages)


def page_texts(pdf: Path, layout: bool = True) -> list[str]:
    """Each page's text. `layout` keeps a table's row on one line, as printed (like `pdftotext -layout`); without it
    the text comes in the order it was drawn, which keeps a wrapped cell's words together (like `pdftotext -raw`)."""
    mode = "layout" if layout else "plain"
    return [page.extract_text(extraction_mode=mode) for page in pypdf.PdfReader(pdf).pages]


def outline(pdf: Path) -> list[str]:
    """Every bookmark's title, depth first."""
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(pypdf.PdfReader(pdf).outline)
    return titles


def fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(base font name, embedded?) for every font a page uses, once each."""
    found: dict[str, bool] = {}
    for page in pypdf.PdfReader(pdf).pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources else None
        for ref in (font_dict.get_object().values() if font_dict else []):
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:  # a composite (Type0) font keeps it one down
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont"))] = embedded
    return sorted(found.items())


def render_page(pdf: Path, number: int, dpi: int = 72):
    """Page `number` (1-based) as a PIL image, drawn by PDFium."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return document[number - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
