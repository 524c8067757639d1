"""Right-to-left text that wraps (issue 20): a Hebrew or Arabic action text long enough to run over several lines
prints its lines in reading order, the first words on the first line, each line read from the right; mixed text (an
English sentence holding a Hebrew name, digits inside Arabic) reads as its reader expects. The words are found by
where their letters stand on the page (PDFium's boxes), never by the order the PDF lists them in."""

import unicodedata

import pypdfium2 as pdfium

from compstat_desk.core.actions.tracker import add_action
from compstat_desk.core.meetings.agenda import meeting_id_of
from compstat_desk.reports.document import render
from compstat_desk.reports.minutes import build_minutes

HEBREW = ("ביקור אצל כל נפגע חוזר בשכונה ותיעוד מה שנעשה בכל ביקור כולל שם השוטר ותאריך הביקור ודיווח לפגישה הבאה "
          "על מספר הביקורים שבוצעו בפועל ועל מה שנמצא בהם וכן בדיקת התאורה ברחובות הסמוכים והצעת שיפורים למועצה "
          "המקומית עד סוף החודש")
ARABIC = ("زيارة كل ضحية متكررة في الحي وتسجيل ما تم في كل زيارة بما في ذلك اسم الضابط وتاريخ الزيارة وتقديم "
          "تقرير إلى الاجتماع القادم عن عدد الزيارات التي تمت فعلا وعن ما وجد فيها وكذلك فحص الإنارة في الشوارع "
          "المجاورة واقتراح تحسينات للمجلس المحلي قبل نهاية الشهر")


def is_hebrew(ch: str) -> bool:
    return "\u0590" <= ch <= "\u05ff"


def is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff"


def glyphs(pdf: bytes) -> list[tuple[int, str, float, float, float]]:
    """Every printed character but spaces: (page, character, left, right, baseline), from its box on the page."""
    document = pdfium.PdfDocument(pdf)
    out = []
    for number in range(len(document)):
        text = document[number].get_textpage()
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if ch.isspace() or not ch:
                continue
            left, bottom, right, _top = text.get_charbox(i, loose=True)  # loose: the advance, letters touch
            out.append((number, ch, left, right, round(bottom, 1)))
    document.close()
    return out


def printed_lines(pdf: bytes, keep) -> list[list[str]]:
    """The lines holding the kept characters, top to bottom over the pages; each as its words from left to right, as
    they stand on the page (a gap between letters wider than a point ends a word)."""
    rows: dict[tuple[int, float], list[tuple[float, float, str]]] = {}
    for page, ch, left, right, base in glyphs(pdf):
        if keep(ch):
            rows.setdefault((page, -base), []).append((left, right, ch))
    lines = []
    for key in sorted(rows):
        chars = sorted(rows[key])
        words = [[chars[0][2]]]
        for (_l, right, _c), (left, _r, ch) in zip(chars, chars[1:], strict=False):
            if left - right > 1.0:
                words.append([])
            words[-1].append(ch)
        lines.append(["".join(w) for w in words])
    return lines


def lines_read_right_to_left(pdf: bytes, keep) -> list[list[str]]:
    """The lines holding the kept letters, each read from the right: its words right to left, each word's letters
    right to left, normalised (NFKC turns Arabic's joined forms back into plain letters)."""
    return [[unicodedata.normalize("NFKC", w[::-1]) for w in line[::-1]] for line in printed_lines(pdf, keep)]


def paragraphs_read_right_to_left(pdf: bytes, keep) -> list[list[list[str]]]:
    """lines_read_right_to_left, in blocks: a line more than 15 points below the one before it (or on another page)
    starts a new block, as when the same action is printed in two places."""
    blocks: list[list[list[str]]] = []
    last = None
    for (page, baseline), line in zip(baselines(pdf, keep), lines_read_right_to_left(pdf, keep), strict=True):
        if last is None or page != last[0] or last[1] - baseline > 15:
            blocks.append([])
        blocks[-1].append(line)
        last = (page, baseline)
    return blocks


def baselines(pdf: bytes, keep) -> list[tuple[int, float]]:
    """(page, baseline) of each line printed_lines gives, in the same order."""
    return sorted({(page, base) for page, ch, _l, _r, base in glyphs(pdf) if keep(ch)}, key=lambda k: (k[0], -k[1]))


def assert_reads_in_order(lines: list[list[str]], text: str) -> None:
    words = [unicodedata.normalize("NFKC", w) for w in text.split()]
    assert len(lines) >= 3, lines  # long enough to wrap onto several lines
    # the first printed line holds the first words, the last line the last ones, and the lines follow each other
    assert lines[0] == words[: len(lines[0])]
    assert lines[-1] == words[-len(lines[-1]):]
    assert [w for line in lines for w in line] == words


def test_a_wrapping_hebrew_or_arabic_action_prints_its_lines_in_reading_order(sample_ws):
    meeting = meeting_id_of(sample_ws, "next")
    add_action(sample_ws, text=HEBREW, owner="Insp Ann Lee", unit="KBN", due="2027-01-30", meeting_id=meeting)
    add_action(sample_ws, text=ARABIC, owner="Insp Ann Lee", unit="KBN", due="2027-01-30", meeting_id=meeting)
    pdf = build_minutes(sample_ws, meeting)
    for keep, text in ((is_hebrew, HEBREW), (is_arabic, ARABIC)):
        blocks = paragraphs_read_right_to_left(pdf, keep)
        assert blocks  # the minutes print each action where it was agreed and again in the list of open actions
        for lines in blocks:
            assert_reads_in_order(lines, text)


def test_an_english_sentence_with_a_hebrew_name_and_arabic_with_digits_read_as_written():
    english = ("Visit every repeat victim with Sgt רון גבאי and report to the next meeting on the Northgate estate, "
               "whether the estate saw fewer burglaries than before")
    arabic = ("تقديم تقرير إلى الاجتماع القادم عن 12 زيارة تمت في الحي خلال الأسبوع الماضي مع الضابط المسؤول عن الحي "
              "وعن نتائجها")

    def build(story):  # the English in a column wide enough for "Sgt", the name and "and" on its first line
        story.table([["Action"], [english]], [280.0])
        story.table([["Action"], [arabic]], [150.0])

    pdf = render("Mixed", "OFFICIAL", "today", build)
    # The English reads left to right and the name inside it from the right: worked by hand, the page shows "Sgt",
    # then גבאי (the second word) spelt from its last letter, then רון (the first) likewise, then "and".
    [line] = [words for words in printed_lines(pdf, lambda ch: True) if any(is_hebrew(c) for w in words for c in w)]
    at = line.index("Sgt")
    assert line[at:at + 4] == ["Sgt", "יאבג", "ןור", "and"], line
    # The Arabic reads from the right over several lines, and 12 inside it from the left: read from the right, letter
    # by letter, the number comes out as 21
    lines = lines_read_right_to_left(pdf, lambda ch: is_arabic(ch) or ch.isdigit())
    lines = [line for line in lines if any(is_arabic(ch) for word in line for ch in word)]  # not "Page 1 of 1"
    assert_reads_in_order(lines, arabic.replace("12", "21"))
