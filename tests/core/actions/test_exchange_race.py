"""A commanders' spreadsheet imported while the window saves a review of the same action (issue 20, item 6): the
review is never overwritten without a word; it is either seen as a conflict or lands after the import."""

import csv
import threading

from compstat_desk.core.actions import exchange
from compstat_desk.core.actions.exchange import export_actions, import_updates
from compstat_desk.core.actions.tracker import add_action, review
from compstat_desk.core.store import catalog
from compstat_desk.core.store.workspace import open_workspace


def test_a_review_saved_in_the_window_during_an_import_is_never_silently_overwritten(ws, tmp_path, monkeypatch):
    with ws.transaction():
        f = catalog.ensure_force(ws, name="Testshire", code="FORCE")
        catalog.insert_unit(ws, "N", "North", "division", f)
    a = add_action(ws, text="Visit 40 repeat victims", owner="Ann", unit="N", due="2026-12-01")
    sheet = tmp_path / "north.csv"
    export_actions(ws, sheet, unit="N")
    text = sheet.read_text(encoding="utf-8-sig")
    if text.startswith("Protective marking"):  # a spreadsheet saved without its marking comes back as well
        text = text.split("\n", 1)[1]
    rows = list(csv.DictReader(text.splitlines()))
    rows[0].update(new_status="done", progress_note="All 40 visited")
    with open(sheet, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    window_saved = threading.Event()

    def the_window_saves():  # the window's own connection, as a person clicks Save
        other = open_workspace(ws.path)
        try:
            review(other, a.ref, status="constrained", note="No van until Friday", blocked_by="Fleet", by="Chair")
        finally:
            other.close()
            window_saved.set()

    real_check = exchange._check
    savers = []

    def check_then_the_window_saves(*args, **kwargs):
        result = real_check(*args, **kwargs)
        saver = threading.Thread(target=the_window_saves)
        saver.start()
        savers.append(saver)
        window_saved.wait(1.0)  # the old importer let it in here, between its check and its write
        return result

    monkeypatch.setattr(exchange, "_check", check_then_the_window_saves)
    report = import_updates(ws, sheet, by="Ann")
    for saver in savers:
        saver.join(30)
    history = ws.conn.execute("SELECT id, by, field, new FROM action_updates WHERE action_id = "
                              "(SELECT id FROM actions WHERE ref = ?) AND field = 'status' ORDER BY id",
                              (a.ref,)).fetchall()
    chair = [h[0] for h in history if h[1] == "Chair"]
    ann = [h[0] for h in history if h[1] == "Ann"]
    assert chair, history  # the window's review is kept
    if ann and chair[0] < ann[0]:  # the review came first: the import must have seen it and refused the row
        raise AssertionError(f"the import overwrote the window's review without a conflict: {history}")
    if not ann:
        assert any("updated by Chair" in p for p in report.problems)
