"""A shared workspace whose server connection is lost mid-meeting (a restart, an administrator ending it: here
`pg_terminate_backend` from another connection) carries on: the next statement reconnects; a change caught in the
middle is said plainly to be unsaved and is saved when tried again, never half-saved and never lost."""


import psycopg
import pytest

from compstat_desk.core.actions import tracker
from compstat_desk.core.store.pg_connection import ConnectionLost
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture
def server_db(sample_on_server):
    return sample_on_server


def cut(url, pid):
    """End the workspace's connection from another one, as a server restart would."""
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def updates(url):
    with psycopg.connect(url) as pg:
        return pg.execute("SELECT u.by, u.new, u.note FROM action_updates u JOIN actions a ON a.id = u.action_id "
                          "WHERE a.ref = 'A12' ORDER BY u.id").fetchall()


def test_the_next_read_after_the_connection_was_ended_reconnects(server_db):
    ws = open_workspace(server_db)
    try:
        with psycopg.connect(server_db) as pg:
            actions = pg.execute("SELECT count(*) FROM actions").fetchone()[0]
        first = ws.conn.raw.info.backend_pid
        cut(server_db, first)
        assert ws.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == actions
        assert ws.conn.raw.info.backend_pid != first  # a new connection
        assert len(tracker.actions_table(ws)) == actions
    finally:
        ws.close()


def test_a_review_after_the_connection_was_ended_is_saved(server_db):
    ws = open_workspace(server_db)
    try:
        before = updates(server_db)
        cut(server_db, ws.conn.raw.info.backend_pid)
        tracker.review(ws, "A12", note="Captured after the restart", status="in_progress", by="chair")
        assert updates(server_db) == before + [("chair", "in_progress", "Captured after the restart")]
    finally:
        ws.close()


def test_a_change_caught_mid_transaction_is_said_unsaved_then_saved_when_tried_again(server_db):
    ws = open_workspace(server_db)
    try:
        before = updates(server_db)

        def capture(cut_midway):
            with ws.transaction():
                tracker.record_update(ws, tracker.find_action(ws, "A12"), "status", "open", "in_progress",
                                      "Captured in the meeting", "chair", "2026-11-20T10:15:00+00:00")
                if cut_midway:
                    cut(server_db, ws.conn.raw.info.backend_pid)
                ws.conn.execute("UPDATE actions SET status = 'in_progress' WHERE ref = 'A12'")

        with pytest.raises(ConnectionLost, match="nothing of this change was saved"):
            capture(True)
        assert updates(server_db) == before  # the server rolled the half-made change back
        capture(False)  # tried again (the window's save queue does so by itself: it is a WorkspaceBusy)
        assert updates(server_db) == before + [("chair", "in_progress", "Captured in the meeting")]
    finally:
        ws.close()


def test_a_server_restarted_mid_meeting_loses_nothing_captured(tmp_path):
    """A real restart of the server (its own throwaway server, stopped and started again on the same port) between
    two captures of a running meeting: the capture after it reconnects and is saved, the one before it is kept."""
    import datetime as dt

    from support.throwaway_postgres import _run, start

    from compstat_desk.core.meetings import agenda
    from compstat_desk.core.store.postgres import copy_workspace

    server = start()  # a folder of its own under the system temp folder, which the server's user can reach
    try:
        url = server.url.rsplit("/", 1)[0] + "/meeting"
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE meeting")
        source = tmp_path / "small.sqlite"
        with open_workspace(source) as small:
            meeting_id = agenda.create_meeting(small, title="December", date=dt.date(2026, 12, 8))
        copy_workspace(str(source), url)
        with open_workspace(url) as ws:
            agenda.start_meeting(ws, meeting_id)
            agenda.capture(ws, meeting_id, "decision", "Patrols doubled on the Ridgeway")
            data = str(server.folder / "data")
            stopped = _run(server.programs, "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
            assert stopped.returncode == 0
            options = (f"-h 127.0.0.1 -p {server.port} -k '' -c fsync=off -c max_connections=40 "
                       "-c shared_buffers=32MB")
            _run(server.programs, "pg_ctl", "-D", data, "-l", f"{data}/server.log", "-o", options, "-w", "start")
            agenda.capture(ws, meeting_id, "decision", "Review the lighting on Station Road")
        with psycopg.connect(url) as pg:
            said = [r[0] for r in pg.execute("SELECT text FROM meeting_record WHERE meeting_id = %s ORDER BY id",
                                              (meeting_id,)).fetchall()]
        assert said == ["Patrols doubled on the Ridgeway", "Review the lighting on Station Road"]
    finally:
        server.stop()
