"""The six-monthly delivery report, built from the sample delivery unit and read back with pypdf: every fact
checked against the workspace read directly (SQL and pandas), the marking and the date on every page, missing data
said in words; and `compstat-desk report delivery`'s messages when there is nothing to report."""

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from support.pdf import page_count, page_texts

from compstat_desk.cli import main

AS_OF = dt.date(2026, 11, 22)
EARLY = dt.date(2026, 1, 15)  # after two stocktakes; AE's 2026/27 target not yet started
BEFORE = dt.date(2025, 6, 1)  # before the first stocktake


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def pages(pdf: Path, mode: str = "-layout") -> list[str]:
    """Each page's text: "-layout" keeps table rows on their lines, "-raw" keeps a wrapped cell's words together."""
    return page_texts(pdf, layout=mode == "-layout")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def db(built_delivery, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("delivery-report") / "delivery.sqlite"
    shutil.copy(built_delivery, copy)
    return copy


@pytest.fixture(scope="module")
def sql(db):
    conn = sqlite3.connect(db)
    yield lambda query, *params: pd.read_sql_query(query, conn, params=params)
    conn.close()


def _build(db: Path, out: Path, *extra: str) -> Path:
    assert main(["report", "delivery", "--db", str(db), "-o", str(out), *extra]) == 0
    return out


@pytest.fixture(scope="module")
def report(db, tmp_path_factory) -> Path:
    return _build(db, tmp_path_factory.mktemp("report") / "delivery.pdf", "--as-of", AS_OF.isoformat())


def sections(pdf: Path, codes: list[str], mode: str = "-layout") -> dict[str, str]:
    """Each priority's pages, from its heading ('AE: Reduce A&E waits' at the top of a page) to the next's."""
    texts = pages(pdf, mode)
    found: dict[str, list[str]] = {}
    current = None
    for laid_out, text in zip(pages(pdf), texts):  # the heading is found where it prints, under the page header
        for code in codes:
            if any(line.strip().startswith(f"{code}: ") for line in laid_out.splitlines()[:6]):
                current = code
        if current:
            found.setdefault(current, []).append(text)
    return {code: "\n".join(found.get(code, [])) for code in codes}


def test_every_page_carries_the_marking_top_and_bottom_the_date_and_page_x_of_y(report, sql):
    marking = sql("SELECT value FROM settings WHERE key = 'marking'")["value"].iloc[0]
    texts = pages(report)
    assert len(texts) == page_count(report) > 5
    for i, text in enumerate(texts, 1):
        lines = [line for line in text.splitlines() if line.strip()]
        assert marking in lines[0] and marking in lines[-1], f"page {i}"
        assert f"As of {long_date(AS_OF)}" in lines[0], f"page {i}"
        assert f"Page {i} of {len(texts)}" in lines[-1], f"page {i}"


def test_the_cover_lists_every_priority_with_its_sro_last_judgement_and_overdue_actions(report, sql):
    cover = pages(report)[0]
    raw = flat(pages(report, "-raw")[0])
    priorities = sql("SELECT id, code, title, sro FROM priorities ORDER BY id")
    last = sql("SELECT priority_id, likelihood, stocktake FROM delivery_assessments a WHERE stocktake <= ? AND id ="
               " (SELECT max(id) FROM delivery_assessments b WHERE b.priority_id = a.priority_id AND b.stocktake ="
               " (SELECT max(stocktake) FROM delivery_assessments c WHERE c.priority_id = a.priority_id"
               " AND c.stocktake <= ?))", AS_OF.isoformat(), AS_OF.isoformat()).set_index("priority_id")
    overdue = sql("SELECT priority_id, count(*) AS n FROM actions WHERE status IN ('open', 'in_progress')"
                  " AND due < ? AND priority_id IS NOT NULL GROUP BY priority_id", AS_OF.isoformat())
    overdue = overdue.set_index("priority_id")["n"]
    assert "Six-monthly delivery report" in cover
    rows = {r.code: r for r in priorities.itertuples()}
    for r in rows.values():
        assert r.title in raw and r.sro in raw
        row = next(line for line in cover.splitlines() if line.lstrip().startswith(r.code + " "))
        judged = last.loc[r.id]
        assert judged["likelihood"] in row, r.code  # the judgement's words, not only its colour
        assert f"at {long_date(dt.date.fromisoformat(judged['stocktake']))}" in raw
        n = int(overdue.get(r.id, 0))
        assert (f"⚠ {n} overdue" if n else "none overdue") in raw, r.code
    assert overdue.sum() > 0  # the sample has overdue actions: the check above saw the ⚠


def test_each_priority_has_its_people_and_its_latest_narrative(report, sql):
    priorities = sql("SELECT id, code, title, sro, description FROM priorities ORDER BY id")
    found = sections(report, priorities["code"].tolist(), "-raw")
    units = sql("SELECT pu.priority_id, u.code, u.name, pu.role FROM priority_units pu JOIN units u"
                " ON u.id = pu.unit_id")
    narratives = sql("SELECT priority_id, stocktake, narrative FROM delivery_assessments WHERE stocktake <= ?"
                     " ORDER BY stocktake, id", AS_OF.isoformat())
    for p in priorities.itertuples():
        text = flat(found[p.code])
        assert text, p.code
        assert f"{p.code}: {p.title}" in text and p.sro in text and p.description in text
        for u in units[units["priority_id"] == p.id].itertuples():
            assert f"{u.name} ({u.code})" in text
        mine = narratives[narratives["priority_id"] == p.id]
        latest = mine.iloc[-1]
        assert f"At the stocktake of {long_date(dt.date.fromisoformat(latest['stocktake']))}: " \
               f"{latest['narrative']}" in text
        for earlier in mine.iloc[:-1].itertuples():  # the earlier ones too, briefly
            assert earlier.narrative in text


def test_the_grid_has_a_column_for_each_stocktake_and_the_judgement_in_words(report, sql):
    priorities = sql("SELECT id, code FROM priorities ORDER BY id")
    found = sections(report, priorities["code"].tolist())
    for p in priorities.itertuples():
        held = sql("SELECT stocktake, likelihood, stage FROM delivery_assessments a WHERE priority_id = ? AND"
                   " stocktake <= ? AND id = (SELECT max(id) FROM delivery_assessments b WHERE b.priority_id ="
                   " a.priority_id AND b.stocktake = a.stocktake) ORDER BY stocktake", p.id, AS_OF.isoformat())
        days = [dt.date.fromisoformat(d) for d in held["stocktake"]]
        assert len({(d.year, d.month) for d in days}) == len(days)  # one a month: columns read 'Jul 2025'
        lines = found[p.code].splitlines()
        start = next(i for i, line in enumerate(lines) if "Delivery assessment across stocktakes" in line)
        header = next(line for line in lines[start + 1:] if line.strip())
        labels = [f"{d:%b %Y}" for d in days]
        assert header.split() == " ".join(labels).split(), p.code  # the columns, oldest first, and nothing else
        judged = next(line for line in lines[start:] if line.lstrip().startswith("Likelihood of delivery"))
        assert judged.split()[3:] == held["likelihood"].tolist(), p.code
        stages = next(line for line in lines[start:] if line.lstrip().startswith("Stage of delivery"))
        assert [int(w) for w in stages.split() if w.isdigit()] == held["stage"].tolist()


def test_overdue_actions_are_flagged_in_words_with_their_days(report, sql):
    late = sql("SELECT a.ref, a.due, p.code FROM actions a JOIN priorities p ON p.id = a.priority_id"
               " WHERE a.status IN ('open', 'in_progress') AND a.due < ?", AS_OF.isoformat())
    assert len(late) > 0
    found = sections(report, sorted(set(late["code"])))
    for r in late.itertuples():
        row = next(line for line in found[r.code].splitlines() if line.lstrip().startswith(r.ref + " "))
        days = (AS_OF - dt.date.fromisoformat(r.due)).days
        assert f"⚠ Overdue ({days}" in row and r.due in row, r.ref
    done = sql("SELECT a.ref, p.code FROM actions a JOIN priorities p ON p.id = a.priority_id"
               " WHERE a.status = 'done'")
    found = sections(report, sorted(set(done["code"])))
    for r in done.itertuples():
        row = next(line for line in found[r.code].splitlines() if line.lstrip().startswith(r.ref + " "))
        assert "✓ Done" in row and "Overdue" not in row


def test_the_milestones_and_the_options_appraisal(report, sql):
    priorities = sql("SELECT id, code FROM priorities ORDER BY id")
    found = {k: flat(v) for k, v in sections(report, priorities["code"].tolist(), "-raw").items()}
    milestones = sql("SELECT a.priority_id, a.text, a.owner FROM actions a WHERE a.milestone = 1")
    options = sql("SELECT priority_id, kind, title, evidence, cost, risk, effect, status FROM priority_options")
    kinds = {"more": "Do more", "new": "Do new", "better": "Do better", "less": "Do less"}
    marks = {"chosen": "✓ Chosen", "not_chosen": "✗ Not chosen", "proposed": "Proposed"}
    for p in priorities.itertuples():
        text = found[p.code]
        for m in milestones[milestones["priority_id"] == p.id].itertuples():
            assert m.text in text and m.owner in text
        mine = options[options["priority_id"] == p.id]
        if mine.empty:
            assert "No options had been appraised for this priority." in text
        for o in mine.itertuples():
            assert f"{kinds[o.kind]}: {o.title}" in text
            for said in (o.evidence, o.cost, o.risk, o.effect):
                assert said in text
            after = text[text.index(o.title):]
            assert marks[o.status] in after
    assert set(options["status"]) >= {"chosen", "not_chosen", "proposed"}


def test_a_chart_and_a_sentence_for_each_target_begun(report, sql):
    # "So far" reaches the last figure on or before the report's date, not the date itself.
    targets = sql("SELECT pt.priority_id, p.code, t.description, t.target_start, t.target_end, t.target_value,"
                  " (SELECT max(v.period_end) FROM indicator_values v WHERE v.indicator_id = t.indicator_id"
                  "  AND v.period_end <= ?) AS last_figure"
                  " FROM priority_targets pt JOIN targets t ON t.id = pt.target_id JOIN priorities p"
                  " ON p.id = pt.priority_id", AS_OF.isoformat())
    found = {k: flat(v) for k, v in sections(report, sorted(set(targets["code"])), "-raw").items()}
    for t in targets.itertuples():
        start, end = dt.date.fromisoformat(t.target_start), dt.date.fromisoformat(t.target_end)
        text = found[t.code]
        if start > AS_OF:
            assert f"{t.description} Its period starts on {long_date(start)}" in text
        elif end < AS_OF:
            assert f"{t.description} (ended)" in text
            assert f"The period ended on {long_date(end)}" in text
            assert f"against a target of {t.target_value:,.1f}" in text
        else:
            assert f"{t.description} (running)" in text
            assert f"So far, to {long_date(dt.date.fromisoformat(t.last_figure))}" in text


def test_a_report_as_of_an_earlier_date_leaves_later_stocktakes_out(db, sql, tmp_path):
    pdf = _build(db, tmp_path / "ae.pdf", "--as-of", EARLY.isoformat(), "--priority", "ae")
    text = flat("\n".join(pages(pdf, "-raw")))
    titles = sql("SELECT code, title FROM priorities")
    assert "AE: Reduce A&E waits" in text
    for r in titles[titles["code"] != "AE"].itertuples():
        assert f"{r.code}: {r.title}" not in text
    held = sql("SELECT stocktake, narrative FROM delivery_assessments WHERE priority_id = (SELECT id FROM priorities"
               " WHERE code = 'AE') ORDER BY stocktake")
    for r in held.itertuples():
        assert (r.narrative in text) == (r.stocktake <= EARLY.isoformat())
    later = sql("SELECT t.description, t.target_start FROM targets t JOIN priority_targets pt ON pt.target_id = t.id"
                " WHERE pt.priority_id = (SELECT id FROM priorities WHERE code = 'AE') AND t.target_start > ?",
                EARLY.isoformat())
    assert len(later)
    for r in later.itertuples():
        assert f"Its period starts on {long_date(dt.date.fromisoformat(r.target_start))}" in text
    raised_later = sql("SELECT text FROM actions WHERE raised > ? AND priority_id = (SELECT id FROM priorities"
                       " WHERE code = 'AE')", EARLY.isoformat())
    assert len(raised_later)
    for r in raised_later.itertuples():
        assert r.text not in text


def test_before_any_stocktake_the_report_says_so_instead_of_leaving_blanks(db, sql, tmp_path):
    pdf = _build(db, tmp_path / "before.pdf", "--as-of", BEFORE.isoformat())
    text = flat("\n".join(pages(pdf, "-raw")))
    n = len(sql("SELECT id FROM priorities"))
    assert sql("SELECT count(*) AS n FROM delivery_assessments WHERE stocktake <= ?", BEFORE.isoformat())["n"][0] == 0
    assert text.count(f"No delivery assessment had been recorded for this priority by {long_date(BEFORE)}.") == n
    assert text.count("Not assessed") >= n
    assert "No stocktake had assessed any priority by" in text
    # The cover counts only the actions raised by then, as the sections list them.
    raised = sql("SELECT p.code, count(a.id) AS n FROM priorities p LEFT JOIN actions a ON a.priority_id = p.id"
                 " AND a.raised <= ? GROUP BY p.code", BEFORE.isoformat()).set_index("code")["n"]
    cover = pages(pdf)[0]
    for code, n in raised.items():
        row = next(line for line in cover.splitlines() if line.lstrip().startswith(code + " "))
        assert f"{n} open" in row, code


def test_no_priorities_or_an_unknown_code_is_a_sentence_not_a_traceback(db, ws, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"an earlier report")
    ws.close()
    assert main(["report", "delivery", "--db", str(ws.path), "-o", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "no delivery priorities" in err and "Traceback" not in err
    assert out.read_bytes() == b"an earlier report"  # left as it was
    codes = pd.read_sql_query("SELECT code FROM priorities ORDER BY id", sqlite3.connect(db))["code"].tolist()
    assert main(["report", "delivery", "--db", str(db), "-o", str(out), "--priority", "NOPE", "--force"]) == 2
    err = capsys.readouterr().err
    assert "There is no priority 'NOPE'" in err and ", ".join(codes) in err and "Traceback" not in err
    assert out.read_bytes() == b"an earlier report"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("report")) == ["report.pdf"]


def test_the_report_replaces_the_file_whole(db, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"an earlier report")
    _build(db, out, "--as-of", AS_OF.isoformat(), "--priority", "ASY", "--force")  # replacing a file needs --force
    assert out.read_bytes().startswith(b"%PDF") and page_count(out) >= 2
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]  # no temporary file left behind
    assert f"({page_count(out)} pages" in capsys.readouterr().err


def test_a_stocktakes_agenda_pack_has_its_agenda_its_actions_and_every_priority(db, sql, tmp_path, capsys):
    """A delivery unit's workspace has no incidents: its pack is the stocktake's, not a refusal."""
    out = tmp_path / "stocktake-pack.pdf"
    assert main(["pack", "--db", str(db), "-o", str(out)]) == 0
    assert "the stocktake's pack" in capsys.readouterr().err
    texts = pages(out)
    marking = sql("SELECT value FROM settings WHERE key = 'marking'")["value"].iloc[0]
    assert all(marking in text for text in texts)
    whole = flat("\n".join(pages(out, "-raw")))
    meeting = sql("SELECT id, title FROM meetings WHERE status = 'planned' ORDER BY date LIMIT 1").iloc[0]
    assert meeting["title"] in whole and "Agenda pack" in whole
    items = sql("SELECT title FROM agenda_items WHERE meeting_id = ? AND removed_at IS NULL", int(meeting["id"]))
    assert len(items) and all(flat(t) in whole for t in items["title"])
    people = sql("SELECT title, sro FROM priorities")
    assert all(t in whole for t in people["title"]) and all(flat(s) in whole for s in people["sro"])
    # Each priority's assessment grid is there: as many "Likelihood of delivery (judgement)" rows as priorities.
    assert whole.count("Likelihood of delivery (judgement)") == len(people)


def test_targets_says_an_ended_target_was_met_or_not_instead_of_projecting_it(db, sql, capsys):
    """By hand: a proportion target's level for its period is the units' numerators over their denominators."""
    assert main(["targets", "--db", str(db), "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    blocks = {int(b.split()[0]): b for b in ("\n" + out).split("\n#")[1:]}
    ended = sql("SELECT t.id, t.unit_id, t.indicator_id, t.target_start, t.target_end, t.target_value"
                " FROM targets t JOIN indicators i ON i.id = t.indicator_id"
                " WHERE i.kind = 'proportion' AND t.target_end < ?", AS_OF.isoformat())
    assert len(ended)
    for t in ended.itertuples():
        values = sql("SELECT sum(numerator) AS n, sum(denominator) AS d FROM indicator_values v JOIN units u"
                     " ON u.id = v.unit_id WHERE v.indicator_id = ? AND (u.id = ? OR u.parent_id = ?)"
                     " AND v.period_end BETWEEN ? AND ?", int(t.indicator_id), int(t.unit_id), int(t.unit_id),
                     t.target_start, t.target_end).iloc[0]
        level = 100 * values["n"] / values["d"]
        verdict = "met" if level >= t.target_value else "not met"
        assert f"The period is over: {level:.1f} against a target of {t.target_value:.1f}: {verdict}." \
            in blocks[int(t.id)]
        assert "Projected" not in blocks[int(t.id)]


def test_priorities_takes_as_of_after_the_verb_as_the_readme_writes_it(db, capsys):
    assert main(["priorities", "--db", str(db), "--as-of", "2026-07-08", "show", "AE"]) == 0
    before = capsys.readouterr().out
    assert main(["priorities", "show", "AE", "--as-of", "2026-07-08", "--db", str(db)]) == 0
    after = capsys.readouterr().out
    assert main(["priorities", "show", "AE", "--db", str(db), "--as-of", AS_OF.isoformat()]) == 0
    later = capsys.readouterr().out
    assert before == after and after != later
