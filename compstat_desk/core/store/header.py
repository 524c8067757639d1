"""What a window shows before the workspace is open: its name and protective marking, read with the standard
library alone (no pandas, no sqlite-utils), so that the window can paint its marking at once and open the
workspace properly straight after."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DEFAULT_SETTINGS = {"marking": DEFAULT_MARKING, "week_ends_on": "Sunday", "name": "Workspace",
                    "time_zone": "Europe/London"}


@dataclass(frozen=True)
class WorkspaceHeader:
    path: str
    name: str
    marking: str


def header_from(conn: sqlite3.Connection, path: str | Path) -> WorkspaceHeader:
    """The name and marking of the workspace open on `conn` (the defaults where it has none)."""
    settings = dict(conn.execute("SELECT key, value FROM settings WHERE key IN ('name', 'marking')").fetchall())
    return WorkspaceHeader(str(path), settings.get("name") or DEFAULT_SETTINGS["name"],
                           settings.get("marking") or DEFAULT_MARKING)


def read_header(path: str | Path) -> WorkspaceHeader | None:
    """The name and marking of the workspace file at `path`, read only; None when it cannot be read so (not an
    SQLite file, not a workspace, damaged, missing): opening it properly then says why, or creates or upgrades it."""
    path = Path(path).expanduser()
    try:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return None
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return None
    try:
        return header_from(conn, path)
    except sqlite3.Error:
        return None
    finally:
        conn.close()

