"""The meeting's data vintage and the meeting room on the command line (issue 19): freeze, vintage, show and list say
which data a meeting shows; take and bring-back say what came back and end with status 1 on a conflict."""

from compstat_desk.cli import main
from compstat_desk.core.actions.tracker import review
from compstat_desk.core.store.workspace import open_workspace


def test_freeze_take_and_bring_back_from_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "ws.sqlite")
    (tmp_path / "a.csv").write_text("occurred,category,unit\n2026-02-23,Theft,N1\n2026-02-24,Burglary,N2\n")
    (tmp_path / "b.csv").write_text("occurred,category,unit\n2026-02-25,Theft,N1\n")
    assert main(["import", str(tmp_path / "a.csv"), "--db", db]) == 0
    assert main(["meetings", "plan", "--title", "March", "--date", "2026-03-04", "--freeze", "--db", db]) == 0
    assert "(import #1): meeting #1's documents show this data." in capsys.readouterr().out
    assert main(["import", str(tmp_path / "b.csv"), "--db", db]) == 0
    capsys.readouterr()
    assert main(["meetings", "vintage", "1", "--db", db]) == 0
    assert "(import #1); 1 later import left out (#2)." in capsys.readouterr().out
    assert main(["meetings", "freeze", "1", "--db", db]) == 2  # frozen already: moved only on purpose
    assert "--move-to-latest" in capsys.readouterr().err
    assert main(["meetings", "--db", db]) == 0
    assert "March (host N1); Data as of" in capsys.readouterr().out

    room = tmp_path / "room.sqlite"
    assert main(["meetings", "take", "1", "--to", str(room), "--db", db]) == 0
    assert "at its data vintage" in capsys.readouterr().out
    assert main(["actions", "add", "Patrol the N1 theft hot spot", "--owner", "Sgt Frost", "--meeting", "1",
                 "--db", db]) == 0
    with open_workspace(room, create=False) as laptop:
        assert laptop.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 2  # b.csv is not in it
    capsys.readouterr()
    assert main(["meetings", "--db", str(room)]) == 0
    assert f"A meeting-room copy of meeting #1, taken from {db}" in capsys.readouterr().out
    assert main(["meetings", "bring-back", str(room), "--db", db]) == 0
    assert "Brought back from the meeting room for meeting #1: nothing new." in capsys.readouterr().out

    with open_workspace(room, create=False) as laptop, open_workspace(db) as ws:
        # Agreed in the room, where A1 is free (the office's A1 came after the take): it comes back as A2.
        assert main(["actions", "add", "Brief the shifts", "--owner", "Insp Cole", "--meeting", "1",
                     "--db", str(room)]) == 0
        assert laptop.conn.execute("SELECT ref FROM actions WHERE text = 'Brief the shifts'").fetchone()[0] == "A1"
        assert main(["meetings", "bring-back", str(room), "--db", db]) == 0
        assert ws.conn.execute("SELECT text FROM actions WHERE ref = 'A2'").fetchone()[0] == "Brief the shifts"
        # Then the same action is reviewed in both places.
        review(laptop, "A1", note="Started in the room", status="in progress")
        review(ws, "A2", note="Started at the office", status="constrained", blocked_by="No cars")
    capsys.readouterr()
    assert main(["meetings", "bring-back", str(room), "--db", db]) == 1
    out = capsys.readouterr().out
    assert "Action A2 changed in the meeting room and here" in out and "'in_progress', here 'constrained'" in out
