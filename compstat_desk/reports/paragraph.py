"""The documents' Paragraph: reportlab's, with right-to-left text (Hebrew, Arabic) wrapped first and put in reading
order line by line afterwards, so that a Hebrew action text that runs over three lines prints its first words on
the first line, each line read from the right. (reportlab's own right-to-left support needs rlbidi, which is not on
PyPI; text reordered before wrapping, as a whole, comes out with its lines in reverse order.)"""

from __future__ import annotations

import copy
from typing import Any

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph as _ReportlabParagraph

from compstat_desk.reports.fonts import RTL


def base_level(text: str) -> int | None:
    """0 for a paragraph that reads left to right, 1 for one that reads right to left (its first letter with a
    direction decides, as the Unicode bidirectional algorithm says), None for one with no right-to-left letter at
    all, which needs nothing done."""
    if not RTL.search(text):
        return None
    from bidi import get_base_level

    return get_base_level(text)


def visual_order(line: str, level: int) -> list[tuple[int, str]]:
    """The characters of one printed line from left to right, each as (its place in `line`, the character drawn:
    a bracket in right-to-left text is mirrored), by the Unicode bidirectional algorithm with the paragraph's
    direction `level` (0 left to right, 1 right to left)."""
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = level
    storage["base_dir"] = "LR"[level]
    algorithm.get_embedding_levels(line, storage)
    for place, char in enumerate(storage["chars"]):
        char["place"] = place
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    algorithm.reorder_resolved_levels(storage, False)
    algorithm.apply_mirroring(storage, False)
    return [(char["place"], char["ch"]) for char in storage["chars"]]


def visual_line(line: str, level: int) -> str:
    return "".join(ch for _place, ch in visual_order(line, level))


class Paragraph(_ReportlabParagraph):
    """A reportlab Paragraph whose text, given in logical order (as typed), is wrapped into lines first and each line
    then drawn in visual order; a paragraph that reads right to left is right-aligned."""

    def __init__(self, text: str, style: ParagraphStyle | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(text, style, *args, **kwargs)
        self._bidi_level = base_level(" ".join(_text(frag) for frag in getattr(self, "frags", [])))
        if self._bidi_level == 1 and self.style.alignment == TA_LEFT:
            self.style = ParagraphStyle(f"{self.style.name}-rtl", parent=self.style, alignment=TA_RIGHT)

    def drawPara(self, debug: int = 0) -> None:
        level = self._bidi_level
        if level is None or self.blPara.kind not in (0, 1):
            super().drawPara(debug)
            return
        logical = self.blPara
        visual = copy.copy(logical)
        if logical.kind == 0:
            visual.lines = [(space, visual_line(" ".join(words), level).split(" ")) for space, words in logical.lines]
        else:
            visual.lines = [_visual_frag_line(line, level) for line in logical.lines]
        self.blPara = visual
        try:
            super().drawPara(debug)
        finally:
            self.blPara = logical


def _text(frag: Any) -> str:
    """A fragment's text; the second part of a paragraph split over two pages holds its words instead."""
    return frag.text if hasattr(frag, "text") else " ".join(getattr(frag, "words", []))


def _visual_frag_line(line: Any, level: int) -> Any:
    """A line of several fragments (bold, italic, colour) in visual order: its characters reordered across the
    fragments, each run of characters from one fragment drawn in that fragment's font. A line holding an image or an
    anchor (drawn by a callback, with no text) is left as it is; a <br/> (no text either) stays at its end."""
    frags = line.words
    if any(hasattr(frag, "cbDefn") for frag in frags):
        return line
    owner = [i for i, frag in enumerate(frags) for _ch in frag.text]
    text = "".join(frag.text for frag in frags)
    runs: list[tuple[int, list[str]]] = []
    for place, ch in visual_order(text, level):
        if runs and runs[-1][0] == owner[place]:
            runs[-1][1].append(ch)
        else:
            runs.append((owner[place], [ch]))
    words = []
    for i, chars in runs:
        frag = copy.copy(frags[i])
        frag.text = "".join(chars)
        words.append(frag)
    words += [frag for frag in frags if not frag.text]
    out = copy.copy(line)
    out.words = words
    return out
