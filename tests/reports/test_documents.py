"""The documents, read back as a reader would: the sample force's agenda pack, unit pack, challenger's briefing and
minutes as PDF text, page count, bookmarks and fonts (pypdf) and pixels (PDFium), with no poppler needed; the
figures in them checked against counts made here with pandas from the sample's own files."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.pdf import fonts, outline, page_count, page_texts, render_page

from compstat_desk.cli import main
from compstat_desk.core.samples.police import sample_files
from compstat_desk.core.store.workspace import now_iso, open_workspace

WEEK_END = dt.date(2026, 11, 15)  # the sample's latest complete week
NAME = "Siân O'Neill"


def pages_text(pdf: Path) -> list[str]:
    return page_texts(pdf, layout=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, built_sample) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    path = folder / "sample.sqlite"
    shutil.copy(built_sample, path)
    ws = open_workspace(path)
    with ws.transaction():  # a name that Helvetica could not print, among the next meeting's attendees
        ws.conn.execute("INSERT INTO attendees(meeting_id, name, role, unit_id) VALUES (2, ?, 'analyst',"
                        " (SELECT id FROM units WHERE code = 'KBN'))", (NAME,))
    ws.close()
    return path


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    frame = pd.read_csv(sample_files() / "incidents.csv.gz", usecols=["id", "occurred", "category", "unit"])
    frame = frame.drop_duplicates("id")  # one row per victim: an incident is a distinct id (the sample data's README)
    frame["day"] = pd.to_datetime(frame["occurred"].str[:10])
    units = pd.DataFrame([f["properties"] for f in json.loads(
        (sample_files() / "boundaries.geojson").read_text(encoding="utf-8"))["features"]])
    parent = dict(zip(units["code"], units["parent"]))
    frame["division"] = frame["unit"].map(lambda u: parent.get(u) or u)
    return frame


@pytest.fixture(scope="module")
def headline() -> set[str]:
    cats = pd.read_csv(sample_files() / "categories.csv")
    return set(cats.loc[cats["headline"] == 1, "code"])


def count(frame: pd.DataFrame, start: dt.date, end: dt.date) -> int:
    return int(((frame["day"] >= pd.Timestamp(start)) & (frame["day"] <= pd.Timestamp(end))).sum())


def windows_of(frame: pd.DataFrame) -> list[int]:
    """week, a year earlier, 28 days, a year earlier, year to date, a year earlier — counted here."""
    year = dt.timedelta(days=364)
    w0, d0 = WEEK_END - dt.timedelta(days=6), WEEK_END - dt.timedelta(days=27)
    y0, y_end_before = dt.date(2026, 1, 1), dt.date(2025, 11, 15)
    return [count(frame, w0, WEEK_END), count(frame, w0 - year, WEEK_END - year),
            count(frame, d0, WEEK_END), count(frame, d0 - year, WEEK_END - year),
            count(frame, y0, WEEK_END), count(frame, dt.date(2025, 1, 1), y_end_before)]


@pytest.fixture(scope="module")
def pack(sample, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "pack.pdf"
    assert main(["pack", "--db", str(sample), "--meeting", "next", "-o", str(out)]) == 0
    return out


def test_every_page_carries_the_marking_top_and_bottom_and_page_x_of_y(pack):
    texts = pages_text(pack)
    total = page_count(pack)
    assert len(texts) == total > 15
    for number, text in enumerate(texts, 1):
        lines = [line for line in text.splitlines() if line.strip()]
        assert "OFFICIAL-SENSITIVE" in lines[0], number
        assert "OFFICIAL-SENSITIVE" in lines[-1], number
        assert f"Page {number} of {total}" in lines[-1], number
        assert "Data to week ending 2026-11-15" in lines[0], number


def test_the_pack_has_its_sections_bookmarked_and_in_the_contents(pack):
    marks = outline(pack)
    wanted = ["Agenda", "Attendees", "Actions from the last meeting", "Other outstanding actions", "Performance pack",
              "Dashboard", "The Compstat table", "Trajectories", "Units against each other", "Maps and hot spots",
              "Annex: each division in detail", "Kingsbridge North (KBN)", "Wyvern Forest (WYV)",
              "Preflight: checks before issue", "Wessex Constabulary (FORCE)", "Kingsbridge North: what to ask about"]
    for title in wanted:
        assert title in marks, title
    contents = pages_text(pack)[1]
    assert "Contents" in contents and "Actions from the last meeting" in contents and "Annex" in contents


def test_the_cover_says_meeting_date_host_chair_venue_and_marking(pack):
    cover = pages_text(pack)[0]
    meeting = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))["next"]
    assert meeting["title"] in " ".join(cover.split())
    assert "Thursday 19 November 2026" in cover  # 2026-11-19
    assert "Kingsbridge North (KBN)" in cover and meeting["chair"] in cover and meeting["venue"] in cover
    assert cover.count("OFFICIAL-SENSITIVE") >= 3  # header, footer and on the cover itself


def test_fonts_are_embedded_and_names_with_accents_print(pack):
    assert fonts(pack) and all(embedded for _, embedded in fonts(pack))
    text = "\n".join(pages_text(pack))
    assert NAME in text


def test_the_kingsbridge_north_burglary_row_is_the_count_of_the_sample_incidents(pack, incidents):
    burglary = incidents[(incidents["division"] == "KBN") & (incidents["category"] == "BURG")]
    w, wp, d, dp, y, yp = windows_of(burglary)
    text = "\n".join(pages_text(pack))
    start = text.index("Counts first:")  # the Compstat table's key, under its heading
    block = text[text.index("Kingsbridge North (KBN)", start):text.index("Kingsbridge South (KBS)", start)]
    row = next(line for line in block.splitlines() if line.strip().startswith("Residential burglary"))
    pattern = rf"\b{w}\s+{wp}\s.*\b{d}\s+{dp}\s.*\b{y:,}\s+{yp:,}\b"
    assert re.search(pattern, row), (row, (w, wp, d, dp, y, yp))
    assert "▲" in row and "*" in row  # 106 against 48 is a real rise, marked as such (not by colour alone)


def test_the_dashboard_gives_force_headline_crime_counted_from_the_incidents(pack, incidents, headline):
    _, _, d, dp, _, _ = windows_of(incidents[incidents["category"].isin(headline)])
    text = "\n".join(pages_text(pack))
    board = text[text.index("Likelihood of delivery"):text.index("Counts first:")]
    row = next(line for line in board.splitlines() if "Wessex Constabulary (FORCE)" in line)
    assert re.search(rf"\b{d:,}\s+{dp:,}\b", row), (row, d, dp)
    for label in ("Green", "Red"):  # the sample's targets: 999 calls on track, burglary not
        assert re.search(rf"\b{label}\b", board)


def test_overdue_actions_are_marked_and_red(pack, tmp_path):
    meeting = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))
    day = meeting["next"]["date"]
    overdue = {a["ref"] for a in meeting["actions"]
               if a["status"] in ("open", "in_progress") and a.get("due") and a["due"] < day}
    assert overdue
    texts = pages_text(pack)
    number = next(i for i, t in enumerate(texts) if "Actions from the last meeting" in t and "Ref" in t)
    lines = texts[number].splitlines()
    for ref in overdue:
        row = next(line for line in lines if re.match(rf"\s*{ref}\s", line))
        assert "⚠ Overdue" in row, row
    # Red: render the page and look for the overdue colour (#b00020) in the pixels.
    image = render_page(pack, number + 1, dpi=72)
    pixels = np.asarray(image).astype(int)
    red = int(((pixels[..., 0] > 150) & (pixels[..., 1] < 60) & (pixels[..., 2] < 80)).sum())
    assert red > 100


def test_the_unit_pack_leads_with_its_28_days_and_its_actions(sample, tmp_path, incidents):
    out = tmp_path / "kbn.pdf"
    assert main(["pack", "--db", str(sample), "--meeting", "next", "--unit", "KBN", "-o", str(out)]) == 0
    texts = pages_text(out)
    body = "\n".join(texts[2:])
    first = body.index("Kingsbridge North: the last 28 days")
    assert first < body.index("Kingsbridge North: actions") < body.index("what the challenger will ask about")
    meeting = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))
    ours = [a["ref"] for a in meeting["actions"] if a.get("unit", "").startswith("KBN")
            and a["status"] in ("open", "in_progress", "constrained")]
    theirs = [a["ref"] for a in meeting["actions"] if a.get("unit") in ("STV", "CST")]
    actions = body[body.index("Kingsbridge North: actions"):body.index("what the challenger will ask about")]
    assert ours and all(re.search(rf"\b{r}\b", actions) for r in ours)
    assert not any(re.search(rf"^\s*{r}\s", actions, re.M) for r in theirs)
    assert all(f"Page {i} of {len(texts)}" in t for i, t in enumerate(texts, 1))


def test_the_briefing_pdf_has_the_probe_points_with_their_numbers(sample, tmp_path, incidents, capsys):
    out = tmp_path / "brief.pdf"
    assert main(["briefing", "--db", str(sample), "--unit", "KBN", "--pdf", str(out)]) == 0
    said = capsys.readouterr().err  # confirmed as the pack is: where, how many pages, how long, what
    assert re.fullmatch(rf"Wrote {re.escape(str(out))} \({page_count(out)} pages?, \d+\.\d s\): the challenger's "
                        r"briefing for Kingsbridge North, week ending 2026-11-15\.\n", said)
    text = " ".join(" ".join(pages_text(out)).split())
    burglary = incidents[(incidents["division"] == "KBN") & (incidents["category"] == "BURG")]
    _, _, d, dp, _, _ = windows_of(burglary)
    assert f"({d} vs {dp}, rate ratio {d / dp:.2f}, 95% " in text
    for title in ("What to ask Kingsbridge North about", "Actions to press on", "To recognise",
                  "Exceptions elsewhere"):
        assert title in outline(out)
    assert "Stourvale" in text  # the sample's slipping attendance, an exception elsewhere


@pytest.fixture(scope="module")
def held(sample, tmp_path_factory) -> tuple[Path, dict[str, object]]:
    """The November meeting held in a copy of the sample: an item's clock, a decision, a note, an award and an
    action captured, then closed."""
    from compstat_desk.core.meetings import agenda as m

    path = tmp_path_factory.mktemp("held") / "held.sqlite"
    shutil.copy(sample, path)
    ws = open_workspace(path)
    mid = m.meeting_id_of(ws, "next")
    shown = m.slides(ws, mid)
    first_slide = {}
    for s in shown:
        first_slide.setdefault(s.item_title, s.number)
    items = m.agenda(ws, mid)
    start = dt.datetime.fromisoformat(now_iso()) - dt.timedelta(minutes=120)
    # Item 1 for 10 minutes (planned 5), item 2 for 20 (planned 15), the rest share what is left.
    offsets = [0, 10, 30, 50, 70, 85, 95, 100, 105]
    for (title, offset) in zip(items["title"], offsets):
        m.go_to(ws, mid, first_slide[title], at=(start + dt.timedelta(minutes=offset)).isoformat(timespec="seconds"))
        if title.startswith("Actions from"):
            m.capture(ws, mid, "note", "Action A9 to be re-owned if no progress by December.")
        if title.startswith("Host unit"):
            m.capture(ws, mid, "decision", f"{NAME} to lead the burglary problem profile for KBN1.")
            m.capture_action(ws, mid, text="Burglary problem profile for Kingsbridge North", owner=f"Insp {NAME}",
                             due="2026-12-10", unit="KBN", category="BURG")
        if title == "Awards":
            m.capture(ws, mid, "award", "For the arrests that ended the KBN1 burglary series.", about=f"PC {NAME}")
    m.end_meeting(ws, mid)
    info = {"id": mid, "titles": list(items["title"]), "planned": list(items["planned_minutes"])}
    ws.close()
    return path, info


def test_the_minutes_record_each_item_the_actions_awards_and_distribution(held, tmp_path):
    path, info = held
    out = tmp_path / "minutes.pdf"
    assert main(["minutes", "--db", str(path), "--meeting", "last", "-o", str(out)]) == 0
    text = "\n".join(pages_text(out))
    flat = " ".join(text.split())
    meeting = json.loads((sample_files() / "meeting.json").read_text(encoding="utf-8"))
    for person in meeting["attendees"]:
        assert person["name"] in flat
    host = next(t for t in info["titles"] if t.startswith("Host unit"))
    record = flat[flat.rindex("Record of the meeting"):]  # the record itself, not the contents
    after_host = record[record.index(host):]
    assert after_host.index(f"{NAME} to lead the burglary") < after_host.index("Other units")  # under its item
    assert f"Insp {NAME}" in flat and "2026-12-10" in flat
    assert f"PC {NAME}" in flat and "ended the KBN1 burglary series" in flat
    for name in meeting["distribution"]:
        assert name in flat
    assert "10 of 5 planned minutes (+5)" in flat and "20 of 15 planned minutes (+5)" in flat
    for title in ("Attendance", "Record of the meeting", "Actions allocated", "Awards", "Time spent against the plan",
                  "Distribution"):
        assert title in outline(out)
    assert all("OFFICIAL-SENSITIVE" in page for page in pages_text(out))


def test_preflight_holds_a_pack_built_on_stale_data_unless_anyway(sample, tmp_path, capsys):
    from compstat_desk.core.actions.tracker import plan_meeting

    path = tmp_path / "stale.sqlite"
    shutil.copy(sample, path)
    ws = open_workspace(path)
    later = plan_meeting(ws, title="Force Performance Meeting, December 2026", date="2026-12-17", host_unit="KBS")
    ws.close()
    out = tmp_path / "held.pdf"
    assert main(["pack", "--db", str(path), "--meeting", str(later), "-o", str(out)]) == 1
    assert not out.exists()
    said = capsys.readouterr().err
    assert "[blocking] stale data" in said and "2026-11-15" in said and "2026-12-13" in said
    assert main(["pack", "--db", str(path), "--meeting", str(later), "--unit", "KBS", "--anyway", "-o",
                 str(out)]) == 0
    text = " ".join(" ".join(pages_text(out)).split())
    assert "stale data" in text
    cover = " ".join(pages_text(out)[0].split())  # said to commanders in their words, the details at the back
    assert ("Please note: this pack was issued before a problem with its figures could be put right: the latest "
            "figures had not all arrived when it was made, so the most recent days may be missing. The analysts' "
            "checks are listed on the last page.") in cover
    assert "[blocking]" not in cover and "Preflight" not in cover
    last = " ".join(pages_text(out)[-1].split())
    assert "Blocking (issued anyway): stale data. The latest incident is dated 2026-11-15" in last


def test_the_cover_leaves_warnings_to_the_analysts_page(pack):
    """The sample's wild swings on small bases are a warning for the analyst: listed on the last page, not printed
    on the cover that commanders read."""
    cover = " ".join(pages_text(pack)[0].split())
    for jargon in ("Preflight", "finding", "[warning]", "wild swing", "See the last page"):
        assert jargon not in cover
    assert "Please note" not in cover  # nothing held the pack
    last = " ".join(pages_text(pack)[-1].split())
    assert "Preflight: checks before issue" in last and "Warning: wild swing." in last


def test_preflight_finds_a_division_whose_data_did_not_arrive(sample, tmp_path, capsys):
    path = tmp_path / "missing.sqlite"
    shutil.copy(sample, path)
    ws = open_workspace(path)
    with ws.transaction():  # Wyvern Forest's last four weeks never arrived
        below = "(SELECT id FROM units WHERE code = 'WYV' OR parent_id = (SELECT id FROM units WHERE code = 'WYV'))"
        ws.conn.execute(f"DELETE FROM daily_counts WHERE day > '2026-10-18' AND unit_id IN {below}")
        ws.conn.execute(f"DELETE FROM weekly_counts WHERE week_end > julianday('2026-10-18') - julianday('1970-01-01')"
                        f" AND unit_id IN {below}")
    ws.close()
    assert main(["preflight", "--db", str(path), "--meeting", "next"]) == 1
    said = capsys.readouterr().out
    assert re.search(r"\[blocking\] missing unit: Wyvern Forest \(WYV\) has no incidents", said)
    assert "Kingsbridge" not in said.split("missing unit")[1][:80]


def test_preflight_calls_impossible_figures_blocking_and_small_base_swings_warnings():
    from compstat_desk.core.meetings.preflight import check_table

    rows = pd.DataFrame([
        {"unit": "A", "unit_name": "Alpha", "category": "X", "category_name": "Robbery", "window": "28d",
         "current": -3, "previous": 40, "pct_change": -107.5},
        {"unit": "A", "unit_name": "Alpha", "category": "Y", "category_name": "Burglary", "window": "28d",
         "current": 9, "previous": 3, "pct_change": 200.0},
        {"unit": "A", "unit_name": "Alpha", "category": "Z", "category_name": "Theft", "window": "28d",
         "current": 90, "previous": 40, "pct_change": 125.0},
    ])
    found = check_table(rows)
    assert [(f.severity, f.kind) for f in found] == [("blocking", "impossible figure"), ("warning", "wild swing")]
    assert "Robbery" in found[0].message and "Burglary" in found[1].message and "Theft" not in found[1].message


def test_the_dashboard_calls_stourvale_attendance_worse_with_the_pooled_percentages(pack):
    values = pd.read_csv(sample_files() / "indicators.csv")
    rows = values[(values["unit"] == "STV") & (values["indicator"] == "ATTEND_URBAN")].sort_values("period_end")
    now = rows[rows["period_end"] <= WEEK_END.isoformat()].tail(4)
    ends = pd.to_datetime(now["period_end"]) - pd.Timedelta(days=364)
    before = rows[rows["period_end"].isin(ends.dt.strftime("%Y-%m-%d"))]
    current = 100 * now["numerator"].sum() / now["denominator"].sum()
    previous = 100 * before["numerator"].sum() / before["denominator"].sum()
    text = "\n".join(pages_text(pack))
    board = text[text.index("Indicators by division"):text.index("Headline crime, last 28 days")]
    lines = board.splitlines()
    at = next(i for i, line in enumerate(lines) if "Stourvale (STV)" in line)
    assert f"{current:.1f}% (was {previous:.1f})" in lines[at]
    assert "▼ worse" in lines[at + 1]  # a real fall in a measure where up is good, said in words


def test_a_pack_built_off_the_gui_thread_reports_progress_and_can_be_cancelled(sample, tmp_path):
    from compstat_desk.reports.pack import Cancelled, run_pack

    seen: list[float] = []
    out = tmp_path / "kbn.pdf"
    week, findings, pages = run_pack(sample, "next", out, unit="KBN", progress=lambda f, _m: seen.append(f))
    assert week == WEEK_END and pages == page_count(out)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    stop = tmp_path / "stopped.pdf"
    with pytest.raises(Cancelled):
        run_pack(sample, "next", stop, unit="KBN", cancelled=lambda: len(seen) > 3,
                 progress=lambda f, _m: seen.append(f))
    assert not stop.exists() and not list(tmp_path.glob("stopped*"))


def test_the_trend_figure_draws_the_weekly_counts_of_the_incidents(sample, incidents):
    from compstat_desk.core.analysis.figures import ROLE_COLOURS, trend_figure

    ws = open_workspace(sample)
    try:
        fig = trend_figure(ws, "KBN", "BURG", WEEK_END)
    finally:
        ws.close()
    burglary = incidents[(incidents["division"] == "KBN") & (incidents["category"] == "BURG")]
    weekly = [count(burglary, WEEK_END - dt.timedelta(days=7 * k + 6), WEEK_END - dt.timedelta(days=7 * k))
              for k in range(51, -1, -1)]
    drawn = next(line for line in fig.lines if line.name == "weekly count")
    assert drawn.y == weekly
    upper = next(b for b in fig.bands if b.name == "99.8% limits")
    above = {int(x) for x, y in zip(drawn.x, drawn.y) if x in upper.x and y > upper.high[upper.x.index(x)]}
    marks = [m for m in fig.markers if m.group == "beyond"]  # (the weeks of a run are boxed besides)
    assert {int(m.x) for m in marks} == above and above  # every week beyond the limit is marked, no other
    assert all(m.colour == ROLE_COLOURS["worse"] and m.symbol == "triangle_up" for m in marks)
    for m in marks:  # said in words too
        assert f"({int(m.y)}, high: worse)" in fig.caption


def test_change_roles_read_the_polarity_and_need_a_real_change():
    from compstat_desk.core.analysis.figures import change_role

    assert change_role(106, 48, True) == "worse"  # more burglaries, real
    assert change_role(106, 48, False) == "none"  # not real: no colour at all
    assert change_role(19, 35, True) == "better"
    assert change_role(68.2, 81.9, True, "up_good") == "worse"  # a lower attendance rate
    assert change_role(None, 48, True) == "none" and change_role(5, 5, True) == "none"


def test_a_pack_without_boundaries_populations_targets_or_indicators_still_builds_and_says_why(sample, tmp_path):
    path = tmp_path / "bare.sqlite"
    shutil.copy(sample, path)
    ws = open_workspace(path)
    with ws.transaction():
        ws.conn.execute("UPDATE units SET boundary = NULL, population = NULL")
        ws.conn.execute("DELETE FROM targets")
        ws.conn.execute("DELETE FROM indicator_values")
    ws.close()
    out = tmp_path / "bare.pdf"
    assert main(["pack", "--db", str(path), "--meeting", "next", "-o", str(out)]) == 0
    text = " ".join(" ".join(pages_text(out)).split())
    assert "Not drawn: A funnel needs at least three divisions with a population" in text
    assert "Not drawn: Kingsbridge North has no unit boundaries to map" in text
    assert "Trajectories" not in outline(out) and "The Compstat table" in outline(out)


def test_italics_print_in_the_oblique_face_and_bold_italics_in_the_bold_oblique(tmp_path):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from compstat_desk.reports.fonts import REGULAR, register_fonts

    register_fonts()
    pdf = tmp_path / "faces.pdf"
    style = ParagraphStyle("body", fontName=REGULAR, fontSize=11)
    SimpleDocTemplate(str(pdf)).build([Paragraph("upright, <b>bold</b>, <i>as the SRO put it</i>, "
                                                 "<b><i>not agreed</i></b>", style)])
    # Subset fonts are named ABCDEF+Name; the canvas also names its default Helvetica, which prints nothing here.
    embedded = {name.split("+")[-1]: emb for name, emb in fonts(pdf) if "DejaVu" in name}
    assert embedded == {"DejaVuSans": True, "DejaVuSans-Bold": True, "DejaVuSans-Oblique": True,
                        "DejaVuSans-BoldOblique": True}
