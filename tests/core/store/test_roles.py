"""Who may do what on a shared workspace is enforced by the PostgreSQL server: each test connects AS a role's user
(psycopg, raw SQL, or the core through open_workspace) and checks what the server lets through, reading the result
back as the workspace's owner. The workspace: a force, division D1 with its sector S1, division D2, an action for
each of S1, D1 and D2, copied to a new database owned by an owner who may create roles (as the guide sets it up)."""

import base64
import hashlib
import hmac
import io
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from support.throwaway_postgres import OwnedDatabase

from compstat_desk.cli import main
from compstat_desk.core.actions import tracker
from compstat_desk.core.errors import CompstatError, WorkspaceError
from compstat_desk.core.ingest import import_file
from compstat_desk.core.ingest.undo import undo_import
from compstat_desk.core.store import catalog, roles
from compstat_desk.core.store.pg_connection import NotPermitted
from compstat_desk.core.store.postgres import copy_workspace
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory) -> Path:
    """The small workspace file, built once: its actions are A1 (sector S1), A2 (division D1), A3 (division D2)."""
    path = tmp_path_factory.mktemp("roles") / "small.sqlite"
    with open_workspace(path) as ws:
        catalog.add_unit(ws, "D1", "North division", "division")
        catalog.add_unit(ws, "S1", "North sector", "sector", "D1")
        catalog.add_unit(ws, "D2", "South division", "division")
        for unit in ("S1", "D1", "D2"):
            tracker.add_action(ws, text=f"Cut burglary in {unit} by 10%", owner=f"Insp {unit}", unit=unit,
                               due="2026-06-30")
    return path


class Server(OwnedDatabase):
    """The workspace's database on the test server, its owner, and a login per user (dropped afterwards)."""

    def __init__(self, admin_url: str, small: Path):
        super().__init__(admin_url)
        self.logins: list[str] = [self.owner]
        shutil.copy(small, small.with_name(f"{self.db}.sqlite"))
        copy_workspace(str(small), self.url(self.owner))

    def add(self, role: str, unit: str | None = None) -> str:
        """A new login with `role` on the workspace, added by its owner through the core."""
        name = f"{self.db}_u{len(self.logins)}"
        with open_workspace(self.url(self.owner)) as ws:
            roles.add_user(ws, name, role, unit=unit, password="not used: the test server trusts 127.0.0.1")
        self.logins.append(name)
        return name

    def as_owner(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url(self.owner)) as conn:
            return conn.execute(sql, params).fetchall()

    def as_admin(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(sql, params).fetchall()

    def action_id(self, unit: str) -> int:
        return self.as_owner("SELECT a.id FROM actions a JOIN units u ON u.id = a.unit_id WHERE u.code = %s",
                             (unit,))[0][0]


@pytest.fixture
def server(postgres_server, small_workspace):
    made = Server(postgres_server, small_workspace)
    yield made
    made.drop()


def raw_sql(server: Server, user: str, sql: str, params: tuple = ()) -> int:
    """Run one statement as `user`, committed: the rows it changed."""
    with psycopg.connect(server.url(user)) as conn:
        return conn.execute(sql, params).rowcount


def test_a_commander_changes_only_their_units_actions_even_with_raw_sql(server):
    north = server.add("commander", "D1")
    s1, d1, d2 = (server.action_id(u) for u in ("S1", "D1", "D2"))
    # Another unit's action: refused by the server, an error rather than a quiet nothing, and left as it was.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        raw_sql(server, north, "UPDATE actions SET status = 'done' WHERE id = %s", (d2,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw_sql(server, north, "UPDATE actions SET status = 'done'")  # all of them at once: D2's among them
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw_sql(server, north, "INSERT INTO action_updates(action_id, at, field, new) VALUES (%s, '2026-01-01', "
                               "'status', 'done')", (d2,))
    # Nor may they take it into their unit, nor change what the register says of their own.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw_sql(server, north, "UPDATE actions SET unit_id = (SELECT id FROM units WHERE code = 'D1') WHERE id = %s",
                (d2,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw_sql(server, north, "UPDATE actions SET due = '2030-01-01', text = 'nothing' WHERE id = %s", (d1,))
    assert server.as_owner("SELECT status, due FROM actions WHERE id = %s", (d2,)) == [("open", "2026-06-30")]
    # Their own division's action and its sector's: allowed.
    assert raw_sql(server, north, "UPDATE actions SET status = 'in_progress' WHERE id IN (%s, %s)", (s1, d1)) == 2
    assert raw_sql(server, north, "INSERT INTO action_updates(action_id, at, field, new) VALUES (%s, '2026-01-01', "
                                  "'status', 'in_progress')", (s1,)) == 1
    assert dict(server.as_owner("SELECT id, status FROM actions")) == {s1: "in_progress", d1: "in_progress",
                                                                        d2: "open"}


def test_a_sector_commander_does_not_review_their_division(server):
    sector = server.add("commander", "S1")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw_sql(server, sector, "UPDATE actions SET status = 'done' WHERE id = %s", (server.action_id("D1"),))
    assert raw_sql(server, sector, "UPDATE actions SET status = 'done' WHERE id = %s", (server.action_id("S1"),)) == 1


def test_a_commanders_review_through_the_core_and_the_audit_log_names_them(server, monkeypatch):
    north = server.add("commander", "D1")
    updates_before = server.as_owner("SELECT count(*) FROM action_updates")[0][0]
    with open_workspace(server.url(north)) as ws:
        tracker.review(ws, "A1", note="Two arrests; patrols doubled", status="in progress")
        with pytest.raises(NotPermitted, match="You are a commander on this workspace: you may review only the "
                                               "actions of D1"):
            tracker.review(ws, "A3", note="Not mine", status="done")
    assert server.as_owner("SELECT ref, status FROM actions ORDER BY ref") == [
        ("A1", "in_progress"), ("A2", "open"), ("A3", "open")]
    # Two rows on A1's history (one review), none on A3's: the refused review saved nothing at all.
    assert server.as_owner("SELECT count(*) FROM action_updates")[0][0] == updates_before + 1
    audit = server.as_owner("SELECT who, new FROM audit_log WHERE entity = 'action' ORDER BY id DESC LIMIT 1")
    assert audit == [(north, "in_progress")]
    # Whatever a client writes as `who`, the server writes the database user.
    raw_sql(server, north, "INSERT INTO audit_log(at, who, entity, note) VALUES ('2026-01-01', 'the chief', "
                           "'test', 'forged')")
    assert server.as_owner("SELECT who FROM audit_log WHERE note = 'forged'") == [(north,)]


def test_a_reader_may_insert_nowhere(server):
    reader = server.add("reader")
    tables = [r[0] for r in server.as_owner("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert {"actions", "incidents", "audit_log", "workspace_users", "changes_counter"} <= set(tables)
    with psycopg.connect(server.url(reader), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM actions").fetchone() == (3,)  # reading is allowed
        for table in tables:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f'INSERT INTO "{table}" DEFAULT VALUES')
    with open_workspace(server.url(reader)) as ws:
        with pytest.raises(NotPermitted, match="^You are a reader on this workspace: you cannot change it"):
            ws.set_setting("marking", "SECRET")
        assert ws.marking != "SECRET"


def test_an_analyst_imports_but_does_not_change_the_action_register(server, tmp_path):
    analyst = server.add("analyst")
    rows = pd.DataFrame({"id": [f"R{i}" for i in range(12)], "occurred": [f"2026-03-{d:02d} 10:00" for d in
                                                                          range(1, 13)],
                         "category": ["Burglary", "Robbery", "Burglary"] * 4, "unit": ["S1", "D2", "S1", "D1"] * 3})
    path = tmp_path / "week.csv"
    rows.to_csv(path, index=False)
    with open_workspace(server.url(analyst)) as ws:
        report = import_file(ws, path)
        assert (report.rows_read, report.rows_accepted) == (12, 12)
        # A later file with known ids: R0 moves from S1 to D2, R12 is new (matched through a temporary table).
        later = pd.concat([rows.iloc[[0]].assign(unit="D2"), rows.iloc[[1]].assign(id="R12")])
        later.to_csv(path.with_name("later.csv"), index=False)
        again = import_file(ws, path.with_name("later.csv"))
        assert (again.added, again.updated) == (1, 1)
        assert again.import_id is not None
        undo_import(ws, again.import_id)  # and taken back out: the first file's counts again
        meeting = tracker.plan_meeting(ws, title="Weekly Compstat", date="2026-03-20")
        with pytest.raises(NotPermitted, match="You are an analyst on this workspace"):
            tracker.add_action(ws, text="More patrols", owner="Insp X", unit="D2", due="2026-04-01")
        with pytest.raises(NotPermitted):
            tracker.review(ws, "A3", note="done", status="done")
    counted = server.as_owner("SELECT u.code, c.code, sum(d.n) FROM daily_counts d JOIN units u ON u.id = d.unit_id "
                              "JOIN categories c ON c.id = d.category_id GROUP BY 1, 2")
    expected = rows.groupby(["unit", "category"]).size()
    assert {(u, c.lower()): int(n) for u, c, n in counted} == {(u, c.lower()): n for (u, c), n in expected.items()}
    # Planning the meeting put the three waiting actions on its agenda; nothing else in the register moved.
    assert server.as_owner("SELECT count(*), min(on_meeting_id), max(on_meeting_id), min(status), max(status) FROM "
                           "actions") == [(3, meeting, meeting, "open", "open")]
    assert {r[0] for r in server.as_owner("SELECT DISTINCT who FROM audit_log WHERE import_id IS NOT NULL OR "
                                          "entity = 'meeting'")} == {analyst}


def test_only_the_workspaces_users_may_connect(server):
    reader = server.add("reader")
    stranger = f"{server.db}_stranger"
    with psycopg.connect(server.admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {stranger} LOGIN")
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(server.url(stranger)).close()
    with psycopg.connect(server.url(reader)) as conn:
        assert conn.execute("SELECT count(*) FROM units").fetchone() == (4,)


def test_the_chairs_staff_keep_the_action_register(server):
    staff = server.add("chair-staff")
    d2 = server.action_id("D2")
    with open_workspace(server.url(staff)) as ws:
        captured = tracker.add_action(ws, text="Review the night-time economy plan", owner="Supt Y", unit="D2",
                                      due="2026-05-01")
        tracker.review(ws, "A3", note="Handed over", status="done")
        meeting = tracker.plan_meeting(ws, title="Weekly Compstat", date="2026-03-20")
        tracker.close_meeting(ws, meeting)
        with pytest.raises(NotPermitted, match="one of the chair's staff"):
            catalog.add_unit(ws, "D3", "East division", "division")
    assert server.as_owner("SELECT ref, status FROM actions WHERE id IN (%s, %s) ORDER BY ref",
                           (captured.action_id, d2)) == [("A3", "done"), ("A4", "open")]
    # Closing the meeting carried its three live actions (A1, A2, A4) forward once each.
    assert server.as_owner("SELECT ref FROM actions WHERE carried_forward = 1 ORDER BY ref") == [
        ("A1",), ("A2",), ("A4",)]


def test_users_are_recorded_and_listed_and_a_role_replaces_the_last(server):
    name = server.add("reader")
    with open_workspace(server.url(server.owner)) as ws:
        roles.add_user(ws, name, "commander", unit="D2")
        (user,) = roles.list_users(ws)
        with pytest.raises(CompstatError, match="give it with --unit"):
            roles.add_user(ws, name, "commander")
    assert (user.name, user.role, user.unit, user.can_log_in, user.granted) == (name, "commander", "D2", True, True)
    granted = server.as_owner("SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN "
                              "pg_roles u ON u.oid = m.member WHERE u.rolname = %s", (name,))
    assert granted == [(f"{server.db}_commander",)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # a reader no more, and a commander of D2 only
        raw_sql(server, name, "UPDATE actions SET status = 'done' WHERE id = %s", (server.action_id("D1"),))
    assert raw_sql(server, name, "UPDATE actions SET status = 'done' WHERE id = %s", (server.action_id("D2"),)) == 1


def test_only_the_owner_sets_up_roles(server):
    analyst = server.add("analyst")
    with open_workspace(server.url(analyst)) as ws, pytest.raises(WorkspaceError, match="Only the workspace's owner"):
        roles.add_user(ws, f"{server.db}_x", "reader", password="x")


def test_every_table_of_the_schema_has_its_place(tmp_path):
    with sqlite3.connect(tmp_path / "new.sqlite") as conn:
        open_workspace(tmp_path / "new.sqlite").close()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    placed = {*roles.DATA_TABLES, *roles.MEETING_TABLES, *roles.REGISTER_TABLES, *roles.OWNER_TABLES,
              roles.AUDIT_TABLE}
    assert tables - placed == set(), "a new table: say which roles write it in core/store/roles.py"


def test_users_add_on_the_command_line_sets_the_password_and_never_shows_it(server, monkeypatch, capsys):
    name = f"{server.db}_cli"
    server.logins.append(name)
    secret = "correct horse battery staple"
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    assert main(["--db", server.url(server.owner), "users", "add", name, "--role", "commander", "--unit", "S1",
                 "--password-from-stdin"]) == 0
    out, err = capsys.readouterr()
    assert f"{name}: created the login and gave it the role a commander of S1" in out
    assert secret not in out + err
    # A commander without a unit is refused before anyone is asked for a password.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--db", server.url(server.owner), "users", "add", f"{name}2", "--role", "commander"]) == 2
    assert "A commander answers for a unit: give it with --unit" in capsys.readouterr().err
    assert main(["--db", server.url(server.owner), "users", "list"]) == 0
    assert f"{name}: a commander of S1; added" in capsys.readouterr().out
    # The server keeps the password's SCRAM verifier, which the secret given reproduces (RFC 5802, worked here with
    # hashlib) and another password does not.
    (verifier,) = server.as_admin("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,))[0]
    assert scram_matches(verifier, secret) and not scram_matches(verifier, "wrong")


def scram_matches(verifier: str, password: str) -> bool:
    """Whether PostgreSQL's SCRAM-SHA-256$ITER:SALT$STOREDKEY:SERVERKEY verifier is that of `password`."""
    method, iterations_salt, keys = verifier.split("$")
    iterations, salt = iterations_salt.split(":")
    stored, server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and (base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored
                                          and base64.b64encode(hmac.new(salted, b"Server Key", "sha256").digest())
                                          .decode() == server_key)


def test_users_are_refused_on_a_workspace_file(small_workspace, tmp_path, capsys):
    copy = tmp_path / "mine.sqlite"
    shutil.copy(small_workspace, copy)
    assert main(["--db", str(copy), "users", "add", "jsmith", "--role", "reader"]) == 2
    assert "Users and roles belong to a shared workspace on a PostgreSQL server" in capsys.readouterr().err
