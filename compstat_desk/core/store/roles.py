"""Who may do what on a shared workspace, enforced by the PostgreSQL server: four group roles per workspace database
(`<dbname>_analyst`, `<dbname>_chair_staff`, `<dbname>_commander`, `<dbname>_reader`: PostgreSQL's roles are the
whole server's, its databases are not), table privileges for each, and row-level security on the action register,
so a commander's client cannot change another unit's actions even with its own SQL.

- analyst: imports, units and categories, targets, indicators, delivery priorities, meetings (planning one puts the
  actions waiting for a meeting on its agenda: the only change an analyst may make to the action register);
- chair's staff: meetings and the action register (add actions, change them, close a meeting: carry-forward);
- commander: reviews of the actions of their own unit and of the units below it (a division commander answers for
  the actions of its sectors): status, what blocks it, progress notes on its history; never an action's text,
  owner, unit or due date, which are the register's;
- reader: reads everything, changes nothing.

Each user's role and a commander's unit are recorded in `workspace_users` (the one schema: copied both ways; in a
workspace file it is only a record). The workspace's owner, the account that copied it to the server, runs
`set_up_roles` (`compstat-desk users add` does it each time: it is idempotent, and after a schema change it grants
the new tables too). Every writer also needs what no privilege grants: the write lock is an advisory lock (anyone
may take one), the statement trigger that counts changes runs as the owner (SECURITY DEFINER), and the audit log
names the database user who wrote each row whatever the client sends (a trigger)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compstat_desk.core.errors import CompstatError, WorkspaceError
from compstat_desk.core.store.pg_connection import CHANGES_FUNCTION, CHANGES_TABLE
from compstat_desk.core.store.pg_connection import ROLE_WORDS as WORDS

if TYPE_CHECKING:
    from compstat_desk.core.store.workspace import Workspace

ROLES = ("analyst", "chair_staff", "commander", "reader")
# The tables each writing role writes (INSERT, UPDATE, DELETE; the append-only ones refuse the last two themselves).
# A table named nowhere here (a later schema step's) is written by the analysts and the chair's staff, the team that
# prepares the meetings, and read by everyone; a test lists the schema's tables, so a new one is placed on purpose.
DATA_TABLES = ("settings", "imports", "units", "unit_aliases", "categories", "category_aliases", "incidents",
               "daily_counts", "weekly_counts", "rejected_rows", "indicators", "indicator_values", "weekly_reports",
               "weekly_figures", "baseline_rebases", "targets", "priorities", "priority_units", "priority_targets",
               "priority_options")
MEETING_TABLES = ("meetings", "attendees", "agenda_items", "slides", "meeting_record", "slide_marks", "item_timings",
                  "minutes_approvals", "delivery_assessments")
REGISTER_TABLES = ("actions", "action_updates")
OWNER_TABLES = ("_sqlite_migrations", "workspace_users")  # the schema's version and who may do what: the owner's
AUDIT_TABLE = "audit_log"  # every writer adds to it; nobody changes it
# The action's columns that are the register's, never a commander's: what is to be done, by whom, for which unit,
# by when, where it came from and where it goes next. A commander may change the others (status, blocked_by, and a
# later step's columns such as a row version).
REGISTER_COLUMNS = ("id", "ref", "text", "owner", "unit_id", "category_id", "indicator_id", "meeting_id",
                    "agenda_item", "raised", "due", "priority", "carried_forward", "escalation", "on_meeting_id",
                    "priority_id", "milestone", "option_id")
AGENDA_COLUMNS = ("on_meeting_id",)  # what an analyst's meeting planning changes on an action
COMMANDED_UNITS = "compstat_desk_commanded_units"  # the units whose actions the session's commander reviews
AUDIT_WHO = "compstat_desk_audit_who"  # the audit log's trigger: who is the database user
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")


@dataclass(frozen=True)
class WorkspaceUser:
    name: str
    role: str
    unit: str | None  # a commander's unit's code
    added_at: str
    added_by: str | None
    can_log_in: bool  # the server has a login of that name
    granted: bool  # the login holds the role's group role on this workspace


def role_code(text: str) -> str:
    """A role as a user writes it (analyst, chair-staff, chair's staff, commander, reader)."""
    key = re.sub(r"[^a-z]+", "_", text.strip().lower().replace("'s", "")).strip("_")
    key = {"chair": "chair_staff", "chairs_staff": "chair_staff", "staff": "chair_staff"}.get(key, key)
    if key not in ROLES:
        raise CompstatError(f"{text!r} is not a role: use analyst, chair-staff, commander or reader.")
    return key


def group_role(database: str, role: str) -> str:
    """The PostgreSQL group role of `role` on the workspace in `database`."""
    name = f"{database}_{role}"
    if len(name.encode()) > 63:
        raise WorkspaceError(f"The database's name {database!r} is too long for its roles' names (PostgreSQL keeps "
                             "63 characters): give the shared workspace a shorter database name.")
    return name


def _raw(ws: Workspace) -> Any:
    if not ws.on_server:
        raise WorkspaceError("Users and roles belong to a shared workspace on a PostgreSQL server; a workspace file "
                             "is as private as the folder it is in (whoever may open the file may change it).")
    return ws.conn.raw


def _refused_by_server(exc: Exception, doing: str) -> WorkspaceError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return WorkspaceError(f"The server refused to {doing}: {text}. Your database account needs CREATEROLE (ask the "
                          "database administrator), and must be the account that copied the workspace there.")


def set_up_roles(ws: Workspace) -> dict[str, str]:
    """Create (or bring up to date) the workspace's four group roles, their privileges and the row-level security
    on the action register; the workspace's owner runs it. Returns each role's group role name."""
    raw = _raw(ws)
    me, owner = raw.execute(
        "SELECT session_user, "
        "(SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'actions')").fetchone()
    if not raw.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", (owner,)).fetchone()[0]:
        raise WorkspaceError(f"Only the workspace's owner ({owner}, the account that copied it to the server) may set "
                             f"up its users; you are connected as {me}.")
    with ws.transaction():
        return grant_roles(raw)


def has_roles(raw: Any) -> bool:
    """Whether the workspace in the database `raw` is connected to has had its roles set up (any of its four)."""
    database = str(raw.execute("SELECT current_database()").fetchone()[0])
    return raw.execute("SELECT 1 FROM pg_roles WHERE rolname = ANY(%s)",
                       ([group_role(database, role) for role in ROLES],)).fetchone() is not None


def grant_roles(raw: Any) -> dict[str, str]:
    """What `set_up_roles` does, in the caller's transaction on `raw` (the owner's psycopg connection), which
    commits it: an upgrade of the workspace on the server re-applies its privileges and policies in its own
    transaction."""
    import psycopg
    from psycopg import sql

    database, schema = raw.execute("SELECT current_database(), current_schema()").fetchone()
    groups = {role: group_role(database, role) for role in ROLES}
    ident = {role: sql.Identifier(name) for role, name in groups.items()}
    everyone = sql.SQL(", ").join(ident.values())
    writers = sql.SQL(", ").join(ident[r] for r in ("analyst", "chair_staff", "commander"))
    tables = [str(r[0]) for r in raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                             "AND tablename <> %s ORDER BY tablename", (CHANGES_TABLE,)).fetchall()]
    columns = [str(r[0]) for r in raw.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND "
        "table_name = 'actions' ORDER BY ordinal_position").fetchall()]
    mine = sql.SQL("unit_id IN (SELECT {}())").format(sql.Identifier(COMMANDED_UNITS))
    try:
        for name in groups.values():
            if not raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                raw.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise _refused_by_server(exc, "create the workspace's roles") from exc
    owns_database = raw.execute("SELECT datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user) FROM "
                                "pg_database WHERE datname = current_database()").fetchone()[0]
    if owns_database:  # only the workspace's users may connect to it (else the administrator says so)
        raw.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(
            sql.Identifier(database)))
        # TEMPORARY as PUBLIC had it: an import's second file matches its ids through a temporary table.
        raw.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database),
                                                                                  everyone))
    raw.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), everyone))
    for table in tables:
        t = sql.Identifier(table)
        raw.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(t, everyone))
        raw.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(t, everyone))
        if table in OWNER_TABLES or table in REGISTER_TABLES:
            continue
        if table == AUDIT_TABLE:
            raw.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(t, writers))
            continue
        writing = ["analyst"] if table in DATA_TABLES else ["analyst", "chair_staff"]
        raw.execute(sql.SQL("GRANT INSERT, UPDATE, DELETE ON {} TO {}").format(
            t, sql.SQL(", ").join(ident[r] for r in writing)))
    # The action register: the chair's staff keep it; a commander reviews their units' actions; an analyst's
    # meeting puts waiting actions on its agenda.
    for table in REGISTER_TABLES:
        raw.execute(sql.SQL("GRANT INSERT, UPDATE ON {} TO {}").format(sql.Identifier(table), ident["chair_staff"]))
    raw.execute(sql.SQL("GRANT INSERT ON action_updates TO {}").format(ident["commander"]))
    reviewable = [c for c in columns if c not in REGISTER_COLUMNS]
    if reviewable:
        raw.execute(sql.SQL("GRANT UPDATE ({}) ON actions TO {}").format(
            sql.SQL(", ").join(map(sql.Identifier, reviewable)), ident["commander"]))
    raw.execute(sql.SQL("GRANT UPDATE ({}) ON actions TO {}").format(
        sql.SQL(", ").join(map(sql.Identifier, AGENDA_COLUMNS)), ident["analyst"]))
    raw.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
        sql.Identifier(schema), writers))  # identity columns: inserters take the next number
    # A commander's units: theirs (workspace_users) and every unit below it.
    raw.execute(sql.SQL(
        "CREATE OR REPLACE FUNCTION {}() RETURNS SETOF bigint LANGUAGE sql STABLE AS $$ "
        "WITH RECURSIVE below(id) AS (SELECT unit_id FROM workspace_users WHERE name = session_user AND "
        "role = 'commander' AND unit_id IS NOT NULL UNION SELECT u.id FROM units u JOIN below b ON "
        "u.parent_id = b.id) SELECT id FROM below $$").format(sql.Identifier(COMMANDED_UNITS)))
    policies = {
        "actions": [
            ("workspace_read", sql.SQL("FOR SELECT USING (true)")),
            ("register", sql.SQL("FOR ALL TO {} USING (true) WITH CHECK (true)").format(ident["chair_staff"])),
            ("agenda", sql.SQL("FOR UPDATE TO {} USING (true) WITH CHECK (true)").format(ident["analyst"])),
            # Any action may be aimed at, and the server then refuses (an error, not a quiet nothing) a change
            # whose row is not one of the commander's units' (the unit column itself is not theirs to change).
            ("own_units", sql.SQL("FOR UPDATE TO {} USING (true) WITH CHECK ({})").format(ident["commander"],
                                                                                         mine)),
        ],
        "action_updates": [
            ("workspace_read", sql.SQL("FOR SELECT USING (true)")),
            ("register", sql.SQL("FOR INSERT TO {} WITH CHECK (true)").format(ident["chair_staff"])),
            ("own_units", sql.SQL("FOR INSERT TO {} WITH CHECK (action_id IN (SELECT id FROM actions WHERE {}))")
             .format(ident["commander"], mine)),
        ],
    }
    for table, rules in policies.items():
        t = sql.Identifier(table)
        raw.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
        for name, rule in rules:
            raw.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(name), t))
            raw.execute(sql.SQL("CREATE POLICY {} ON {} ").format(sql.Identifier(name), t) + rule)
    # The change counter every writing statement moves (pg_connection.CHANGES_TABLE) is the owner's: its trigger
    # runs with the owner's rights, so no user may set the counter itself.
    raw.execute(sql.SQL("ALTER FUNCTION {}() SECURITY DEFINER SET search_path = {}").format(
        sql.Identifier(CHANGES_FUNCTION), sql.Identifier(schema)))
    raw.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(sql.Identifier(CHANGES_TABLE)))
    raw.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(CHANGES_TABLE), everyone))
    # The audit log names the database user who wrote the row, whatever the client says.
    raw.execute(sql.SQL("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "NEW.who := session_user; RETURN NEW; END $$").format(sql.Identifier(AUDIT_WHO)))
    raw.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(AUDIT_WHO),
                                                                   sql.Identifier(AUDIT_TABLE)))
    raw.execute(sql.SQL("CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW EXECUTE FUNCTION {}()").format(
        sql.Identifier(AUDIT_WHO), sql.Identifier(AUDIT_TABLE), sql.Identifier(AUDIT_WHO)))
    return groups


def may_change_schema(ws: Workspace) -> bool:
    """Whether this connection may drop and build the workspace's indexes: always in a workspace file; on a server,
    the workspace's owner only."""
    if not ws.on_server:
        return True
    row = ws.conn.raw.execute("SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables WHERE "
                              "schemaname = current_schema() AND tablename = 'incidents'").fetchone()
    return bool(row and row[0])


def can_log_in(ws: Workspace, name: str) -> bool:
    """Whether the server has a login of that name already (`add_user` then needs no password)."""
    return _raw(ws).execute("SELECT 1 FROM pg_roles WHERE rolname = %s AND rolcanlogin", (name,)).fetchone() \
        is not None


def check_user(ws: Workspace, name: str, role: str, unit: str | None) -> str:
    """Refuse, in a sentence, a user `add_user` cannot add (before anyone is asked for a password); else the
    role's code."""
    from compstat_desk.core.store import catalog

    _raw(ws)
    role = role_code(role)
    if not _NAME.match(name.strip()):
        raise CompstatError(f"{name!r} cannot be a database user's name: use letters, digits and _ . @ - (starting "
                            "with a letter), at most 63 characters.")
    if role == "commander" and not unit:
        raise CompstatError("A commander answers for a unit: give it with --unit (its code or name).")
    if role != "commander" and unit:
        raise CompstatError(f"Only a commander has a unit here; {WORDS[role][0]} works across the workspace (leave "
                            "out --unit).")
    if unit:
        catalog.find_unit(ws, unit)
    return role


def add_user(ws: Workspace, name: str, role: str, *, unit: str | None = None, password: str | None = None) -> str:
    """Give the database user `name` the `role` on this workspace (and a commander `unit`): the server's login is
    created when missing (with `password`, sent to the server only as its SCRAM verifier, never as text), the
    workspace's roles are set up or brought up to date first, and the user's earlier role here is taken away.
    Returns a sentence saying what was done."""
    import psycopg
    from psycopg import sql

    from compstat_desk.core.store import catalog
    from compstat_desk.core.store.workspace import now_iso

    raw = _raw(ws)
    name, role = name.strip(), check_user(ws, name, role, unit)
    unit_id = catalog.find_unit(ws, unit) if unit else None
    groups = set_up_roles(ws)
    exists = raw.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    if exists is not None and name in groups.values():
        raise CompstatError(f"{name} is one of the workspace's own roles, not a person's login.")
    if exists is None and not password:
        raise CompstatError(f"There is no login {name} on the server yet: give the new user's password.")
    old = ws.conn.execute("SELECT role FROM workspace_users WHERE name = ?", (name,)).fetchone()
    with ws.transaction():
        try:
            if exists is None:
                assert password is not None
                verifier = raw.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
                raw.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name),
                                                                              sql.Literal(verifier.decode())))
            for other in ROLES:
                if other != role:
                    raw.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(groups[other]),
                                                                    sql.Identifier(name)))
            raw.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(groups[role]), sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise _refused_by_server(exc, f"create or grant the login {name}") from exc
        ws.conn.execute(
            "INSERT INTO workspace_users(name, role, unit_id, added_at, added_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET role = excluded.role, unit_id = excluded.unit_id, "
            "added_at = excluded.added_at, added_by = excluded.added_by",
            (name, role, unit_id, now_iso(), ws.user))
        ws.audit("user", None, field="role", old=old[0] if old else None,
                 new=f"{role} of {unit}" if unit else role, note=name)
    made = "created the login and gave it" if exists is None else "gave the existing login"
    of = f" of {unit} (and the units below it)" if unit else ""
    return f"{name}: {made} the role {WORDS[role][0]}{of} on this workspace ({groups[role]})."


def list_users(ws: Workspace) -> list[WorkspaceUser]:
    """The workspace's users, as recorded, with whether the server has their login and has granted their role."""
    raw = _raw(ws)
    database = str(raw.execute("SELECT current_database()").fetchone()[0])
    rows = ws.conn.execute("SELECT w.name, w.role, u.code, w.added_at, w.added_by FROM workspace_users w LEFT JOIN "
                           "units u ON u.id = w.unit_id ORDER BY w.role, w.name").fetchall()
    users = []
    for name, role, unit, added_at, added_by in rows:
        login = raw.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        member = raw.execute("SELECT pg_has_role(%s, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                             (name, group_role(database, role))).fetchone() if login is not None else None
        granted = bool(member and member[0])
        users.append(WorkspaceUser(str(name), str(role), unit, str(added_at), added_by,
                                   bool(login and login[0]), granted))
    return users
