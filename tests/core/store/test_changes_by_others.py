"""What others changed: Workspace.changes_seen moves when another connection writes (on either engine), and the
audit log's new rows are told apart from this connection's own, in words."""

from compstat_desk.core.store import overview
from compstat_desk.core.store.workspace import open_workspace


def test_another_connections_change_moves_changes_seen_and_is_said_by_name(ws, monkeypatch):
    before = ws.changes_seen()
    start = overview.last_change_id(ws)
    ws.set_setting("name", "Wessex")  # this connection's own change: never reported as someone else's
    monkeypatch.setenv("LOGNAME", "jsmith")
    monkeypatch.setenv("USER", "jsmith")
    with open_workspace(ws.path) as colleague:
        colleague.set_setting("marking", "OFFICIAL")
    monkeypatch.undo()
    assert ws.changes_seen() != before
    changes = overview.changes_since(ws, start)
    who = "jsmith"  # the login on this machine; on a server, the database user the server knows the colleague by
    if ws.on_server:
        import psycopg

        with psycopg.connect(ws.path) as pg:
            who = pg.execute("SELECT session_user").fetchone()[0]
    assert [(c.who, c.entity, c.field, c.new) for c in changes] == [(who, "settings", "marking", "OFFICIAL")]
    words = changes[0].words()
    assert words.startswith(f"{who} changed the workspace's marking to OFFICIAL at ")
    assert overview.last_change_id(ws) == start + 2  # both rows are in the log: one was this connection's
    assert overview.changes_since(ws, overview.last_change_id(ws)) == []
