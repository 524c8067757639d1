"""The bad-input corpus (issue 20, items 3 and 10): each file in tests/data/bad_input is imported into a fresh
workspace and must give what is written beside it here, worked out by hand from the file: refused with a sentence
(and the workspace unchanged), or read with every row accounted for (rows = accepted + rejected) and the rejected
rows' reasons. No file may give a traceback. A hypothesis test then corrupts valid tables at random (quotes,
delimiters, encodings, truncation, wild numbers) and asks the same of every one."""

import csv
import io
import random
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.paths import ROOT

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.ingest import ImportOptions, import_file
from compstat_desk.core.ingest.job import preview_file
from compstat_desk.core.store.workspace import open_workspace

CORPUS = ROOT / "tests" / "data" / "bad_input"

# file: ("refused", words the sentence holds) or (rows in the file, accepted, rejected, reasons of the rejected)
EXPECTED = {
    "unclosed_quote.csv": ("refused", "row 3: a quote opened in the column 'category' is not closed"),
    "quote_closed_late.csv": ("refused", "row 4: a quote opened in the column 'category' is not closed"),
    "extra_field_first_row.csv": (3, 2, 1, {"has 5 fields where the header has 4"}),
    "short_row.csv": (3, 2, 1, {"has 3 fields where the header has 4"}),
    "multiline_note.csv": (2, 2, 0, set()),  # a note of three lines (one blank) is one cell, not three rows
    "blank_lines.csv": (3, 2, 1, {"no date"}),  # blank lines are no rows; ',,,' is a row with nothing in it
    "crlf.csv": (6, 6, 0, set()),
    "no_final_newline.csv": (6, 6, 0, set()),
    "semicolons.csv": (6, 6, 0, set()),
    "utf16.csv": (6, 6, 0, set()),
    "cp1252.csv": (2, 2, 0, set()),
    "case_differing_units.csv": (3, 3, 0, set()),
    "nan_and_words.csv": (4, 0, 4, {"date 'not a date' is not a valid year-month-day (ISO) date", "no category",
                                    "no unit, and the location is withheld",
                                    "date '2026-13-45' is not a valid year-month-day (ISO) date"}),
    # A2 and A3 lose their impossible location and count by their unit; A4 has only a point, and no real one
    "coordinates_impossible.csv": (7, 6, 1, {"no unit, and the location is withheld"}),
    "weekly_inf.csv": (3, 1, 2, {"wtd_current 'inf' is not a whole number of crimes (0 to 10,000,000)",
                                 "wtd_current '1e20' is not a whole number of crimes (0 to 10,000,000)"}),
    "time_of_day_cell.xlsx": (4, 4, 0, set()),
    "two_data_sheets.xlsx": ("refused", "2 sheets with data: 'North', 'South'"),
    "mixed_encoding.csv": ("refused", "line(s) 2 are UTF-8 and line(s) 3 are Windows-1252"),
    "truncated.csv.gz": ("refused", "damaged or truncated gzip file"),
    "empty.csv": ("refused", "is empty"),
    "only_spaces.csv": ("refused", "is empty"),
    "header_only.csv": ("refused", "no rows"),
    "pdf_named_csv.csv": ("refused", "is a PDF"),
    "control_chars.csv": ("refused", "binary file"),  # a NUL in a CSV: not a text file
}


def state(ws):
    tables = [r[0] for r in ws.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: ws.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_every_corpus_file_has_its_expectation():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_file_gives_a_sentence_or_accounts_for_every_row(tmp_path, name):
    expected = EXPECTED[name]
    with open_workspace(tmp_path / "w.sqlite") as ws:
        before = state(ws)
        if expected[0] == "refused":
            with pytest.raises(CompstatError, match=expected[1].replace("(", r"\(").replace(")", r"\)")):
                import_file(ws, CORPUS / name)
            assert state(ws) == before
            return
        rows, accepted, rejected, reasons = expected
        report = import_file(ws, CORPUS / name, ImportOptions(add_missing=True))
        assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (rows, accepted, rejected)
        assert {r for (r,) in ws.conn.execute("SELECT reason FROM rejected_rows")} == reasons


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_import_dialogs_preview_of_a_bad_file_shows_rows_or_a_sentence(name):
    """The preview reads only the first rows (a fault further down is the import's to find): it shows them, or says
    why it cannot, and never raises anything but a sentence."""
    try:
        shown = preview_file(CORPUS / name)
    except CompstatError as exc:
        assert str(exc)
        return
    assert len(shown.rows) <= 20 and list(shown.columns)


def test_time_of_day_cells_are_read_as_excel_shows_them(tmp_path):
    with open_workspace(tmp_path / "w.sqlite") as ws:
        import_file(ws, CORPUS / "time_of_day_cell.xlsx", ImportOptions(add_missing=True))
        assert ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 4


def test_one_sheet_of_several_is_imported_when_named(tmp_path):
    from compstat_desk.cli import main

    db = tmp_path / "w.sqlite"
    assert main(["import", str(CORPUS / "two_data_sheets.xlsx"), "--db", str(db)]) == 2
    assert main(["import", str(CORPUS / "two_data_sheets.xlsx"), "--db", str(db), "--sheet", "South"]) == 0
    with open_workspace(db) as ws:
        assert sorted(r[0] for r in ws.conn.execute("SELECT source_id FROM incidents")) == [f"S{i}" for i in
                                                                                            range(10)]


def test_a_huge_cell_an_over_long_header_and_a_30_mb_extra_field(tmp_path):
    rows = "".join(f"A{i},2026-01-{i % 28 + 1:02d},Theft,N{i % 2 + 1}\n" for i in range(50))
    huge_extra = tmp_path / "extra.csv"  # a 30 MB field beyond the header's four: set aside, named, not dropped
    huge_extra.write_text("id,occurred,category,unit\nB1,2026-01-05,Theft,N1," + "x" * 30_000_000 + "\n" + rows)
    long_cell = tmp_path / "cell.csv"  # a quoted cell longer than a spreadsheet's (32,767 characters)
    long_cell.write_text('id,occurred,category,unit\nB1,2026-01-05,"' + "y" * 40_000 + '",N1\n' + rows)
    wide = tmp_path / "wide.csv"
    wide.write_text("id,occurred,category,unit," + ",".join(f"c{i}" for i in range(20_000)) + "\nA1,2026-01-05,x,N1\n")
    with open_workspace(tmp_path / "w.sqlite") as ws:
        for path in (huge_extra, long_cell):
            report = import_file(ws, path, ImportOptions(add_missing=True))
            assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (51, 50, 1), path.name
        reasons = [r for (r,) in ws.conn.execute("SELECT reason FROM rejected_rows ORDER BY id")]
        assert reasons[0].startswith("the column 'column 5' holds 30,000,000 characters")
        assert "the column 'category' holds 40,000 characters" in reasons[1]
        before = state(ws)
        with pytest.raises(CompstatError, match="longer than 64 KB"):
            import_file(ws, wide)
        assert state(ws) == before


# -- random corruption ------------------------------------------------------------------------------------------
def valid_table(rng: random.Random, n: int) -> list[list[str]]:
    units = ["N1", "N2", "S1"]
    cats = ["Theft", "Burglary", "Criminal damage, arson", 'Robbery "street"']
    return [[f"R{i}", f"2026-0{rng.randint(1, 9)}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:00",
             rng.choice(cats), rng.choice(units), f"{-1.5 + rng.random() / 10:.5f}", f"{51 + rng.random() / 10:.5f}",
             rng.choice(["", "note", "a note, with a comma", "two\nlines", "Café Quarter"])] for i in range(n)]


def as_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "occurred", "category", "unit", "lon", "lat", "notes"])
    writer.writerows(rows)
    return buffer.getvalue()


def corrupt(text: str, rng: random.Random, how: str) -> bytes:
    lines = text.split("\n")
    if len(lines) < 2:
        lines.append("")
    i = rng.randrange(1, len(lines))
    if how == "quote":
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + '"' + lines[i][pos:]
    elif how == "delimiter":
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rng.choice([",", ";", "\t", ",,"]) + lines[i][pos:]
    elif how == "drop_field":
        lines[i] = lines[i].rsplit(",", 1)[0]
    elif how == "truncate":
        return "\n".join(lines).encode("utf-8")[: rng.randrange(1, len(text.encode("utf-8")))]
    elif how == "wild_number":
        cells = lines[i].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(["inf", "-inf", "nan", "1e308", "1e20", "-0", "511.0994",
                                                       "NaN", "9" * 40])
        lines[i] = ",".join(cells)
    elif how == "cp1252_row":
        raw = [line.encode("utf-8") for line in lines]
        raw[i] = (lines[i] + ",Café").encode("cp1252", errors="replace")
        return b"\n".join(raw)
    elif how == "control":
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rng.choice(["\x00", "\x1b[2J", "\r", "\x0b", "\u202e"]) + lines[i][pos:]
    elif how == "garbage":
        lines[i] = "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 80)))
    return "\n".join(lines).encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 25),
       hows=st.lists(st.sampled_from(["quote", "delimiter", "drop_field", "truncate", "wild_number", "cp1252_row",
                                      "control", "garbage"]), min_size=1, max_size=3))
def test_a_randomly_corrupted_table_accounts_for_every_row_or_is_refused_and_changes_nothing(seed, n, hows):
    rng = random.Random(seed)
    data = as_csv(valid_table(rng, n)).encode("utf-8")
    for how in hows:
        if how != "truncate" or len(data) > 2:
            data = corrupt(data.decode("utf-8", errors="replace"), rng, how)
    with tempfile.TemporaryDirectory() as folder:  # a fresh workspace for each example
        path = Path(folder) / "corrupt.csv"
        path.write_bytes(data)
        try:  # the import dialog's preview: its first rows, or a sentence
            preview_file(path)
        except CompstatError:
            pass
        with open_workspace(Path(folder) / "w.sqlite") as ws:
            before = state(ws)
            try:
                report = import_file(ws, path, ImportOptions(add_missing=True))
            except CompstatError:
                assert state(ws) == before  # a refused file changes nothing
                return
            assert report.rows_read == report.rows_accepted + report.rows_rejected
            kept = ws.conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0]
            assert kept == report.rows_rejected  # every rejected row is kept, with its reason
            stored = ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
            assert stored + report.rows_merged == report.rows_accepted
            lats = [v for (v,) in ws.conn.execute("SELECT lat FROM incidents WHERE lat IS NOT NULL")]
            assert all(-90 <= v <= 90 for v in lats)


def test_a_parsing_process_killed_mid_import_gives_a_sentence_and_changes_nothing(tmp_path, monkeypatch):
    import subprocess
    import sys

    from compstat_desk.core.ingest import prepare

    class KilledWorker(prepare.Worker):  # the parsing process, killed (out of memory, say) before it answers
        def __init__(self):
            self.errors = tempfile.TemporaryFile()
            self.child = subprocess.Popen([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), 9)"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)

    monkeypatch.setattr(prepare, "Worker", KilledWorker)
    monkeypatch.setenv("COMPSTAT_IMPORT_PROCESS", "always")
    path = tmp_path / "incidents.csv"
    path.write_text("id,occurred,category,unit\n" + "".join(f"A{i},2026-01-05,Theft,N1\n" for i in range(100)))
    with open_workspace(tmp_path / "w.sqlite") as ws:
        before = state(ws)
        with pytest.raises(CompstatError, match="parsing process stopped unexpectedly"):
            import_file(ws, path)
        assert state(ws) == before
