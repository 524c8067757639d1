"""The workspace schema, as an ordered list of sqlite-utils migrations (never edit one that has shipped)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from compstat_desk.core.errors import CompstatError

Step = Callable[[Database], None]

# Every schema step, in order. A step is recorded in a workspace under its function's name, so a shipped step is
# never renamed either. sqlite-utils keeps its own list private, so this is the list to read (e.g. for the names a
# workspace of ours may have applied); `migrations` at the end runs it.
STEPS: list[Step] = []


def _step(fn: Step) -> Step:
    STEPS.append(fn)
    return fn


# Levels of the unit hierarchy, top down. Other words users use are mapped onto these.
LEVELS = ("force", "division", "sector")

_INITIAL = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_path TEXT,
    sha256 TEXT NOT NULL UNIQUE,
    size_bytes INTEGER NOT NULL,
    profile TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    imported_at TEXT NOT NULL,
    imported_by TEXT,
    seconds REAL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_accepted INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_merged INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('force', 'division', 'sector')),
    parent_id INTEGER REFERENCES units(id),
    commander TEXT,
    population INTEGER,
    boundary TEXT,
    created_by_import INTEGER REFERENCES imports(id)
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE unit_aliases (
    alias TEXT PRIMARY KEY COLLATE NOCASE,
    unit_id INTEGER NOT NULL REFERENCES units(id)
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    grp TEXT,
    polarity TEXT NOT NULL DEFAULT 'up_bad' CHECK (polarity IN ('up_bad', 'up_good')),
    headline INTEGER NOT NULL DEFAULT 0,
    created_by_import INTEGER REFERENCES imports(id)
);

CREATE TABLE category_aliases (
    alias TEXT PRIMARY KEY COLLATE NOCASE,
    category_id INTEGER NOT NULL REFERENCES categories(id)
);

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    source_id TEXT,
    -- ISO text whose length is its precision: 'YYYY-MM' (month only), 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM'.
    occurred TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    lon REAL,
    lat REAL,
    withheld INTEGER NOT NULL DEFAULT 0,
    unit_from_point INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    last_import_id INTEGER NOT NULL REFERENCES imports(id)
);
-- (incidents_source_id: see SOURCE_ID_INDEX; an import may drop it and build it again at its end)

-- One row per day, leaf unit and category with at least one incident; kept in the same
-- transaction as every import so that no window ever rescans incidents.
CREATE TABLE daily_counts (
    day TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    n INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (day, unit_id, category_id)
) WITHOUT ROWID;

CREATE TABLE rejected_rows (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    row_number INTEGER NOT NULL,
    raw TEXT NOT NULL,
    reason TEXT NOT NULL,
    resolved_by_import INTEGER REFERENCES imports(id)
);
CREATE INDEX rejected_rows_import ON rejected_rows(import_id);

CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    polarity TEXT NOT NULL DEFAULT 'up_good' CHECK (polarity IN ('up_bad', 'up_good')),
    kind TEXT NOT NULL DEFAULT 'value' CHECK (kind IN ('proportion', 'rate', 'mean', 'count', 'value')),
    unit_label TEXT
);

CREATE TABLE indicator_values (
    indicator_id INTEGER NOT NULL REFERENCES indicators(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period_end TEXT NOT NULL,
    value REAL,
    numerator REAL,
    denominator REAL,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    PRIMARY KEY (indicator_id, unit_id, period_end)
);

-- A published weekly report (e.g. one NYPD CompStat week), kept as it was published so that
-- later reports of the same week show the revisions.
CREATE TABLE weekly_reports (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    week_start TEXT NOT NULL,
    week_end TEXT NOT NULL,
    UNIQUE (import_id, week_end)
);

CREATE TABLE weekly_figures (
    report_id INTEGER NOT NULL REFERENCES weekly_reports(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    wtd_current INTEGER,
    wtd_prior INTEGER,
    d28_current INTEGER,
    d28_prior INTEGER,
    ytd_current INTEGER,
    ytd_prior INTEGER,
    extra TEXT,
    PRIMARY KEY (report_id, unit_id, category_id)
);

CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category_id INTEGER REFERENCES categories(id),
    indicator_id INTEGER REFERENCES indicators(id),
    baseline_start TEXT,
    baseline_end TEXT,
    target_start TEXT NOT NULL,
    target_end TEXT NOT NULL,
    change_pct REAL,
    target_value REAL,
    description TEXT,
    CHECK ((category_id IS NULL) <> (indicator_id IS NULL))
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    date TEXT NOT NULL,
    host_unit_id INTEGER REFERENCES units(id),
    chair TEXT,
    venue TEXT,
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'running', 'closed')),
    marking TEXT,
    distribution TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE attendees (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id)
);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    ref TEXT,
    text TEXT NOT NULL,
    owner TEXT,
    unit_id INTEGER REFERENCES units(id),
    category_id INTEGER REFERENCES categories(id),
    meeting_id INTEGER REFERENCES meetings(id),
    agenda_item TEXT,
    raised TEXT,
    due TEXT,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'in_progress', 'constrained', 'done', 'dropped')),
    priority TEXT,
    carried_forward INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE action_updates (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id),
    at TEXT NOT NULL,
    by TEXT,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    note TEXT
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT,
    import_id INTEGER REFERENCES imports(id),
    entity TEXT NOT NULL,
    entity_id INTEGER,
    field TEXT,
    old TEXT,
    new TEXT,
    note TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- The audit log and action history are append-only: the database itself refuses edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER action_updates_no_update BEFORE UPDATE ON action_updates
BEGIN SELECT RAISE(ABORT, 'action history is append-only'); END;
CREATE TRIGGER action_updates_no_delete BEFORE DELETE ON action_updates
BEGIN SELECT RAISE(ABORT, 'action history is append-only'); END;
"""


# A later file carrying a known source id updates that incident: ids are unique where present.
SOURCE_ID_INDEX = ("CREATE UNIQUE INDEX IF NOT EXISTS incidents_source_id ON incidents(source_id)"
                   " WHERE source_id IS NOT NULL")


@_step
def m001_initial(db: Database) -> None:
    # executescript would COMMIT the migration's transaction, so run statement by statement.
    for statement in _split_sql(_INITIAL):
        db.execute(statement)
    db.execute(SOURCE_ID_INDEX)


def _split_sql(script: str) -> list[str]:
    """Split a schema script into statements (triggers contain ';' inside BEGIN … END)."""
    import sqlite3

    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


@_step
def m002_undo_imports(db: Database) -> None:
    """An import taken back out of the workspace stays in the log, marked with when it was undone."""
    db.execute("ALTER TABLE imports ADD COLUMN undone_at TEXT")


# How m003 read the `week_ends_on` setting and counted weeks when it shipped (bee9255), copied here so that a later
# change to store/counts.py cannot change what it does to an old file. The setting was stored unchecked before
# m003, so the names are matched as loosely as then ('wed', ' Sunday ').
_M003_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_M003_WEEKLY_FROM_DAILY = (
    "INSERT INTO weekly_counts(week_end, unit_id, category_id, n)"
    " SELECT CAST(julianday(day) - 2440587.5 AS INTEGER)"
    " + ((? - (CAST(strftime('%w', day) AS INTEGER) + 6) % 7 + 7) % 7) AS week,"
    " unit_id, category_id, sum(n) FROM daily_counts GROUP BY week, unit_id, category_id")


@_step
def m003_weekly_counts(db: Database) -> None:
    """Counts per Compstat week beside the daily ones, so that a report week's table reads far fewer rows."""
    db.execute("CREATE TABLE weekly_counts (\n"
               "    week_end INTEGER NOT NULL,  -- the week's last day, as days since 1970-01-01\n"
               "    unit_id INTEGER NOT NULL REFERENCES units(id),\n"
               "    category_id INTEGER NOT NULL REFERENCES categories(id),\n"
               "    n INTEGER NOT NULL CHECK (n >= 0),\n"
               "    PRIMARY KEY (week_end, unit_id, category_id)\n"
               ") WITHOUT ROWID")
    row = db.execute("SELECT value FROM settings WHERE key = 'week_ends_on'").fetchone()
    name = row[0] if row else "Sunday"
    key = (name or "").strip().lower()
    ends_on = next((i for i, day in enumerate(_M003_WEEKDAYS) if key in (day, day[:3])), None)
    if ends_on is None:
        raise CompstatError(f"{name!r} is not a day of the week (the week can end on Monday … Sunday).")
    # strftime('%w') counts Sunday as 0; ends_on counts Monday as 0.
    db.execute(_M003_WEEKLY_FROM_DAILY, (ends_on,))


@_step
def m004_action_tracker(db: Database) -> None:
    """Actions follow-up: a linked indicator, what blocks a constrained action, the escalation level, the meeting
    whose agenda carries the action now, and no deleting (an action is dropped with a reason, never deleted)."""
    for statement in (
        "ALTER TABLE actions ADD COLUMN indicator_id INTEGER REFERENCES indicators(id)",
        "ALTER TABLE actions ADD COLUMN blocked_by TEXT",
        "ALTER TABLE actions ADD COLUMN escalation INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE actions ADD COLUMN on_meeting_id INTEGER REFERENCES meetings(id)",
        "ALTER TABLE meetings ADD COLUMN closed_at TEXT",
        "CREATE INDEX action_updates_action ON action_updates(action_id)",
        "CREATE TRIGGER actions_no_delete BEFORE DELETE ON actions\n"
        "BEGIN SELECT RAISE(ABORT, 'actions are never deleted: drop them with a reason'); END",
    ):
        db.execute(statement)
    # Open actions of a closed meeting wait for the next one; those of a planned or running one are on it.
    db.execute("UPDATE actions SET on_meeting_id = meeting_id WHERE meeting_id IN"
               " (SELECT id FROM meetings WHERE status <> 'closed')")


_MEETING_TABLES = """
CREATE TABLE agenda_items (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    planned_minutes REAL NOT NULL DEFAULT 0 CHECK (planned_minutes >= 0),
    unit_id INTEGER REFERENCES units(id),
    removed_at TEXT
);
CREATE INDEX agenda_items_meeting ON agenda_items(meeting_id, position);

CREATE TABLE slides (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES agenda_items(id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    panels TEXT NOT NULL DEFAULT '[]',
    removed_at TEXT
);
CREATE INDEX slides_item ON slides(item_id, position);

-- What the meeting decided, noted and awarded, as it was said: append-only (a correction is a new entry).
CREATE TABLE meeting_record (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    item_id INTEGER REFERENCES agenda_items(id),
    slide_id INTEGER REFERENCES slides(id),
    kind TEXT NOT NULL CHECK (kind IN ('decision', 'note', 'award')),
    text TEXT NOT NULL,
    about TEXT,
    unit_id INTEGER REFERENCES units(id),
    at TEXT NOT NULL,
    by TEXT
);
CREATE TRIGGER meeting_record_no_update BEFORE UPDATE ON meeting_record
BEGIN SELECT RAISE(ABORT, 'the meeting record is append-only'); END;
CREATE TRIGGER meeting_record_no_delete BEFORE DELETE ON meeting_record
BEGIN SELECT RAISE(ABORT, 'the meeting record is append-only'); END;

-- Pen, highlighter and zoom marks made on a slide during the meeting (coordinates 0..1 across the slide).
CREATE TABLE slide_marks (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    slide_id INTEGER NOT NULL REFERENCES slides(id),
    kind TEXT NOT NULL CHECK (kind IN ('pen', 'highlighter', 'zoom')),
    geometry TEXT NOT NULL,
    at TEXT NOT NULL
);

-- When each agenda item was on screen (an item returned to has several spans).
CREATE TABLE item_timings (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES agenda_items(id),
    started_at TEXT NOT NULL,
    ended_at TEXT
);
"""


@_step
def m005_meetings(db: Database) -> None:
    """The meeting itself: its agenda, slides of panels, the record of what was decided, marks on slides, the time
    spent on each item, and where a running meeting had got to (to resume after a crash)."""
    for statement in _split_sql(_MEETING_TABLES):
        db.execute(statement)
    for statement in ("ALTER TABLE meetings ADD COLUMN current_slide INTEGER",
                      "ALTER TABLE meetings ADD COLUMN started_at TEXT",
                      "ALTER TABLE meetings ADD COLUMN template TEXT",
                      "ALTER TABLE attendees ADD COLUMN present INTEGER"):
        db.execute(statement)


_DELIVERY_TABLES = """
-- A delivery priority (e.g. 'Reduce A&E waits'): its senior responsible owner (SRO) and lead unit.
CREATE TABLE priorities (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title TEXT NOT NULL,
    sro TEXT NOT NULL,
    lead_unit_id INTEGER REFERENCES units(id),
    description TEXT,
    created_at TEXT NOT NULL
);

-- The units and partners that contribute to a priority (trusts, departments, councils…).
CREATE TABLE priority_units (
    priority_id INTEGER NOT NULL REFERENCES priorities(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    role TEXT NOT NULL DEFAULT 'contributing' CHECK (role IN ('lead', 'contributing', 'partner')),
    PRIMARY KEY (priority_id, unit_id)
);

-- The targets (with their trajectories) by which a priority is judged.
CREATE TABLE priority_targets (
    priority_id INTEGER NOT NULL REFERENCES priorities(id),
    target_id INTEGER NOT NULL REFERENCES targets(id),
    PRIMARY KEY (priority_id, target_id)
);

-- Options appraisal for a priority off track: do more, do new, do better, do less.
CREATE TABLE priority_options (
    id INTEGER PRIMARY KEY,
    priority_id INTEGER NOT NULL REFERENCES priorities(id),
    kind TEXT NOT NULL CHECK (kind IN ('more', 'new', 'better', 'less')),
    title TEXT NOT NULL,
    evidence TEXT,
    cost TEXT,
    risk TEXT,
    effect TEXT,
    target_id INTEGER REFERENCES targets(id),
    effect_value REAL,  -- expected change in the target's level for the period, in the indicator's own units
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'chosen', 'not_chosen')),
    proposed_at TEXT NOT NULL,
    proposed_by TEXT,
    decided_at TEXT,
    decided_by TEXT,
    decision_note TEXT
);
CREATE INDEX priority_options_priority ON priority_options(priority_id);

-- The judgement grid at each stocktake: append-only (a later stocktake adds a column; a correction at the
-- same stocktake is a new row that supersedes, never an edit).
CREATE TABLE delivery_assessments (
    id INTEGER PRIMARY KEY,
    priority_id INTEGER NOT NULL REFERENCES priorities(id),
    stocktake TEXT NOT NULL,
    meeting_id INTEGER REFERENCES meetings(id),
    challenge TEXT NOT NULL CHECK (challenge IN ('H', 'M', 'L')),
    planning TEXT NOT NULL CHECK (planning IN ('R', 'A', 'G')),
    capacity TEXT NOT NULL CHECK (capacity IN ('R', 'A', 'G')),
    stage INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 4),
    likelihood TEXT NOT NULL CHECK (likelihood IN ('Green', 'Amber/Green', 'Amber', 'Amber/Red', 'Red')),
    narrative TEXT,
    computed_probability REAL,
    computed_likelihood TEXT,
    computed_note TEXT,
    supersedes INTEGER REFERENCES delivery_assessments(id),
    assessed_at TEXT NOT NULL,
    assessed_by TEXT
);
CREATE INDEX delivery_assessments_priority ON delivery_assessments(priority_id, stocktake);
CREATE TRIGGER delivery_assessments_no_update BEFORE UPDATE ON delivery_assessments
BEGIN SELECT RAISE(ABORT, 'delivery assessments are append-only'); END;
CREATE TRIGGER delivery_assessments_no_delete BEFORE DELETE ON delivery_assessments
BEGIN SELECT RAISE(ABORT, 'delivery assessments are append-only'); END;
"""


@_step
def m006_delivery(db: Database) -> None:
    """The delivery-unit mode: priorities with their SRO, contributing units and targets; options appraisal; the
    delivery assessment at each stocktake (append-only); milestones and chosen options as actions of a priority."""
    for statement in _split_sql(_DELIVERY_TABLES):
        db.execute(statement)
    for statement in ("ALTER TABLE actions ADD COLUMN priority_id INTEGER REFERENCES priorities(id)",
                      "ALTER TABLE actions ADD COLUMN milestone INTEGER NOT NULL DEFAULT 0",
                      "ALTER TABLE actions ADD COLUMN option_id INTEGER REFERENCES priority_options(id)",
                      "CREATE INDEX actions_priority ON actions(priority_id)"):
        db.execute(statement)


@_step
def m007_withheld_index(db: Database) -> None:
    """A partial index of the incidents whose location is withheld: the workspace's summary counts them on every
    `info` and in the window's Overview, which otherwise read the whole table (0.3–0.4 s at 5,000,000)."""
    db.execute("CREATE INDEX IF NOT EXISTS incidents_withheld ON incidents(withheld) WHERE withheld = 1")


_MINUTES_TABLES = """
-- Approved minutes, kept as approved: who approved them and when, and the PDF itself with its SHA-256, which is what
-- is issued from then on. Minutes with no row here are a draft. Never changed, never deleted.
CREATE TABLE minutes_approvals (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings(id),
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TRIGGER minutes_approvals_no_update BEFORE UPDATE ON minutes_approvals
BEGIN SELECT RAISE(ABORT, 'approved minutes are kept as they were approved'); END;
CREATE TRIGGER minutes_approvals_no_delete BEFORE DELETE ON minutes_approvals
BEGIN SELECT RAISE(ABORT, 'approved minutes are kept as they were approved'); END;
"""


@_step
def m008_minutes_record(db: Database) -> None:
    """Minutes as a record: the last action update written when a meeting closed (what the meeting agreed is read as
    it stood then, and any update after it is a later change), and approved minutes kept as approved. A meeting
    closed before this step gets the last update made by its closing time."""
    for statement in _split_sql(_MINUTES_TABLES):
        db.execute(statement)
    db.execute("ALTER TABLE meetings ADD COLUMN closed_update_id INTEGER")
    db.execute("UPDATE meetings SET closed_update_id = (SELECT max(u.id) FROM action_updates u"
               " WHERE u.at <= meetings.closed_at) WHERE status = 'closed' AND closed_at IS NOT NULL")


@_step
def m009_incident_place(db: Database) -> None:
    """Where an incident happened in words, as the file gives it (the UK street file's 'On or near …', Vancouver's
    hundred block, an address): hot spots, events and repeat locations are named by it."""
    db.execute("ALTER TABLE incidents ADD COLUMN place TEXT")


_REBASE_TABLES = """
-- A recorded rebase of a weekly series' baseline: from the week ending `starts`, the unit's weeks of `category` (a
-- category's code, or HEADLINE) are judged against their own new level, for the reason given. Suggested by a
-- sustained shift, never made by itself; withdrawn rather than deleted, so the record of what was judged stays.
CREATE TABLE baseline_rebases (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category TEXT NOT NULL,
    starts TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT,
    withdrawn_at TEXT,
    withdrawn_by TEXT
);
CREATE INDEX baseline_rebases_series ON baseline_rebases(unit_id, category);
"""


@_step
def m010_baseline_rebases(db: Database) -> None:
    """Recorded rebases of a control chart's baseline, each with its reason (the NHS's 'recalculate the limits
    after a sustained, explained shift')."""
    for statement in _split_sql(_REBASE_TABLES):
        db.execute(statement)


_WORKSPACE_USERS = """
-- Who may do what on a shared workspace (core/store/roles.py): each database user's role, and a commander's unit
-- (its actions and those of the units below it are theirs to review). On PostgreSQL the server enforces it; in a
-- workspace file it is only a record, carried both ways by `workspace copy`.
CREATE TABLE workspace_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('analyst', 'chair_staff', 'commander', 'reader')),
    unit_id INTEGER REFERENCES units(id),
    added_at TEXT NOT NULL,
    added_by TEXT
);
"""


@_step
def m011_roles_workspace_users(db: Database) -> None:
    """The workspace's users: each one's role, and a commander's unit."""
    for statement in _split_sql(_WORKSPACE_USERS):
        db.execute(statement)


@_step
def m012_concurrency_row_versions(db: Database) -> None:
    """A row version on targets, priorities and meetings, counted up by every change the core makes to the row:
    a view hands back the version it showed, so that a change made meanwhile by someone else on a shared workspace
    is shown, never silently overwritten (actions have theirs: their latest update)."""
    for table in ("targets", "priorities", "meetings"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 0")


@_step
def m013_meeting_vintage(db: Database) -> None:
    """A meeting's frozen data vintage: the latest import its documents show (the imports log's id) and when it was
    frozen; newer imports are left out of its pack, slides and briefing until the chair moves it on."""
    db.execute("ALTER TABLE meetings ADD COLUMN vintage_import_id INTEGER REFERENCES imports(id)")
    db.execute("ALTER TABLE meetings ADD COLUMN vintage_at TEXT")


def migration_set(steps: Iterable[Step]) -> Migrations:
    """A sqlite-utils migration set of ours that runs `steps` in order, each under its function's name."""
    result = Migrations("compstat_desk")
    for fn in steps:
        result(name=fn.__name__)(fn)
    return result


migrations = migration_set(STEPS)
