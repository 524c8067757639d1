"""Long and foreign text in the documents (issue 20, item 5): a 10,000-character action, right-to-left script and
emoji build in the unit pack and the minutes: the long text wraps and splits across pages (no LayoutError), every
word of it printed; a character the font cannot draw (an emoji) prints as the stated fallback glyph □."""

import io

import pypdf

from compstat_desk.core.actions.tracker import add_action
from compstat_desk.core.meetings.agenda import meeting_id_of
from compstat_desk.reports.fonts import FALLBACK, drawable
from compstat_desk.reports.minutes import build_minutes
from compstat_desk.reports.pack import build_pack

SENTENCE = "Visit every repeat victim in the Northgate estate and record what was done; "
LONG = (SENTENCE * 140)[:10_000]
FOREIGN = "ראיון עם הקורבנות — مقابلة الضحايا 🚓 😀 Zoë Ó Súilleabháin"


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_a_10000_character_action_and_foreign_text_build_in_the_unit_pack_and_the_minutes(sample_ws):
    meeting = meeting_id_of(sample_ws, "next")
    add_action(sample_ws, text=LONG, owner="Insp Ann Lee", unit="KBN", due="2027-01-30", meeting_id=meeting)
    add_action(sample_ws, text=FOREIGN, owner="Sgt Maria 🚔", unit="KBN", due="2027-01-30", meeting_id=meeting)
    for pdf in (build_pack(sample_ws, meeting, unit="KBN"), build_minutes(sample_ws, meeting)):
        texts = pages(pdf)
        words = " ".join(" ".join(texts).split())
        # the whole text is printed: as many times 'Northgate estate' as the action holds, split over pages
        assert words.count("Northgate estate and record") >= LONG.count("Northgate estate and record")
        spread = [i for i, t in enumerate(texts) if "Northgate estate and record" in " ".join(t.split())]
        assert len(spread) >= 2  # taller than a page: it goes on over the next
        # the name's words (it may wrap: the right-to-left line it ends is broken in the order it was typed)
        assert all(word in words.split() for word in "Zoë Ó Súilleabháin".split())
        assert FALLBACK in words and "😀" not in words


def test_the_fallback_glyph_stands_only_for_what_the_font_lacks():
    assert drawable("Siân O'Neill ⚠ ✓ → ▲ Café") == "Siân O'Neill ⚠ ✓ → ▲ Café"
    assert drawable("Car 🚓 stopped") == f"Car {FALLBACK} stopped"
    assert drawable("a\x00b\x1b[2Jc") == "ab[2Jc"  # control characters are left out, not boxed


def test_right_to_left_words_print_in_reading_order(tmp_path):
    import pypdfium2 as pdfium

    from compstat_desk.reports.document import render

    pdf = render("RTL", "OFFICIAL", "today", lambda s: s.table([["Action"], ["ראיון مقابلة"]], [300.0]))
    (tmp_path / "rtl.pdf").write_bytes(pdf)
    page = pdfium.PdfDocument(str(tmp_path / "rtl.pdf"))[0]
    text = page.get_textpage()
    chars = [(text.get_text_range(i, 1), text.get_charbox(i)[0]) for i in range(text.count_chars())]
    x = {c: left for c, left in chars}
    # Hebrew reads right to left: the word's first letter (resh) is drawn to the right of its last (final nun)
    assert x["ר"] > x["ן"]
    # and Arabic too: meem, the first letter of مقابلة, to the right of its last, teh marbuta
    assert x["\u0645"] > x["\u0629"]
    # the Hebrew word, typed first, stands to the right of the Arabic one
    assert x["ן"] > x["\u0645"]
