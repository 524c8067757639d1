"""Action updates from the field, offline: a unit's or owner's live actions out to a CSV or XLSX file, and the
file, filled in, back in — validated row by row, each change on the record, nothing applied twice.

The file carries each action's `version` (its latest update when exported). A returned row whose change was
already made is skipped; one whose action was changed in the same respect since the file was exported is a
conflict, reported and not applied, so that nobody's update is silently overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compstat_desk.core.actions.tracker import STATUS_WORDS, actions_table, record_update, status_code
from compstat_desk.core.errors import CompstatError
from compstat_desk.core.outputs import check_target, csv_bytes, marked_header_rows, write_output, xlsx_bytes
from compstat_desk.core.store.workspace import Workspace, current_user, now_iso

SHOWN = ["action_id", "ref", "unit", "owner", "text", "due", "status", "blocked_by", "last_review", "last_note",
         "version"]
FILLED = ["new_status", "progress_note", "what_blocks_it", "new_due"]
HELP = ("Fill in the last four columns only: new_status (open, in progress, constrained, done or dropped), "
        "progress_note (what has been done; required to drop an action), what_blocks_it (for constrained), "
        "new_due (YYYY-MM-DD, with a note saying why). Leave a row blank to leave its action as it is.")


def export_actions(ws: Workspace, path: str | Path, *, unit: str | None = None, owner: str | None = None,
                   as_of: dt.date | None = None, replace: bool = False) -> int:
    """Write the live actions of a unit (and the units under it) or an owner to CSV or XLSX (by the file's
    extension); returns how many. The file carries the workspace's marking (the CSV's first line; on every sheet of
    the XLSX), its texts are never formulas, and it is written whole or not at all (core.outputs); an existing file
    is replaced only when `replace`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CompstatError(f"{path.name}: export to a .csv or .xlsx file.")
    check_target(path, replace=replace)
    table = actions_table(ws, as_of=as_of, unit=unit, owner=owner)
    table = table[table["status"].isin(["open", "in_progress", "constrained"])]
    versions = dict(ws.conn.execute("SELECT action_id, max(id) FROM action_updates GROUP BY action_id").fetchall())
    out = pd.DataFrame({
        "action_id": table["id"], "ref": table["ref"], "unit": table["unit"], "owner": table["owner"],
        "text": table["text"], "due": table["due"], "status": table["status"].map(STATUS_WORDS),
        "blocked_by": table["blocked_by"], "last_review": table["last_review"].str[:10],
        "last_note": table["last_note"], "version": table["id"].map(versions).fillna(0).astype(int),
    })
    for name in FILLED:
        out[name] = ""
    if suffix == ".xlsx":
        data = xlsx_bytes({"Actions": out, "Read me": pd.DataFrame({"How to fill this in": [HELP]})}, ws.marking)
    else:
        data = csv_bytes(out, ws.marking)
    write_output(path, data, replace=replace)
    ws.audit("actions", None, field="exported", new=path.name, note=f"{len(out)} live actions"
             + (f" of {unit}" if unit else "") + (f" owned by {owner}" if owner else ""))
    return len(out)


@dataclass
class UpdateReport:
    file_name: str
    applied: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # rows not applied, each with its row number and reason

    def lines(self) -> list[str]:
        out = [f"{self.file_name}: {len(self.applied)} changes applied, {len(self.already)} already applied before, "
               f"{self.unchanged} rows left blank, {len(self.problems)} rows not applied."]
        out += [f"  applied: {a}" for a in self.applied]
        out += [f"  already applied: {a}" for a in self.already]
        out += [f"  not applied: {p}" for p in self.problems]
        return out


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise CompstatError(f"{path} does not exist.")
    if path.stat().st_size == 0:
        raise CompstatError(f"{path.name} is empty.")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            first = pd.read_excel(path, sheet_name=0, header=None, nrows=1, dtype=str, keep_default_na=False)
            skip = marked_header_rows(str(first.iat[0, 0])) if first.size else 0
            frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False, skiprows=skip)
            frame.attrs["skipped"] = skip
            return frame
        raw = path.read_bytes()
        if b"\x00" in raw[:4096]:
            raise CompstatError(f"{path.name} is not a text file: send back the .csv or .xlsx that was exported.")
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        from io import StringIO

        skip = marked_header_rows(text.split("\n", 1)[0])
        frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skiprows=skip)
        frame.attrs["skipped"] = skip
        return frame
    except CompstatError:
        raise
    except Exception as exc:  # a damaged spreadsheet or a CSV pandas cannot read
        raise CompstatError(f"{path.name} cannot be read as an actions file ({exc}).") from exc


def import_updates(ws: Workspace, path: str | Path, *, by: str | None = None) -> UpdateReport:
    """Apply a returned actions file. Rows are validated one by one; the valid changes go in together."""
    path = Path(path)
    frame = _read(path)
    skip = int(frame.attrs.get("skipped", 0))
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("action_id", "version", "new_status", "progress_note") if c not in frame.columns]
    if missing:
        raise CompstatError(f"{path.name} is not an exported actions file: it lacks the column(s) "
                            f"{', '.join(missing)}. Export one with `{ws.command('actions export')}`.")
    for name in ("what_blocks_it", "new_due"):
        if name not in frame.columns:
            frame[name] = ""
    report = UpdateReport(path.name)
    by = by or current_user()
    at = now_iso()
    planned: list[tuple[int, str, dict[str, str | None]]] = []
    # Checked and applied in one transaction: a review saved in the window while the file is read can neither slip
    # between the check and the write nor be overwritten (the version check sees it, or it waits for this).
    with ws.transaction():
        for i, row in frame.iterrows():
            line = int(str(i)) + 2 + skip  # the spreadsheet's row number (the header is row 1, or 2 under a marking)
            cells = {k: str(row[k]).strip() for k in ("action_id", "version", "new_status", "progress_note",
                                                       "what_blocks_it", "new_due")}
            if not (cells["new_status"] or cells["progress_note"] or cells["new_due"] or cells["what_blocks_it"]):
                report.unchanged += 1
                continue
            try:
                planned.append(_check(ws, line, cells, report))
            except CompstatError as exc:
                report.problems.append(f"row {line}: {exc}")
        for action_id, ref, change in planned:
            if not change:
                continue
            if change.get("due"):
                old_due = ws.conn.execute("SELECT due FROM actions WHERE id = ?", (action_id,)).fetchone()[0]
                record_update(ws, action_id, "due", old_due, change["due"], change.get("note"), by, at)
                ws.conn.execute("UPDATE actions SET due = ? WHERE id = ?", (change["due"], action_id))
                report.applied.append(f"{ref} due {old_due or 'none'} → {change['due']}")
            status = change.get("status")
            if status or change.get("note"):
                _review_inside(ws, action_id, change, by, at)
                report.applied.append(f"{ref} " + (f"status {STATUS_WORDS[status]}" if status else "progress note"))
        ws.audit("actions", None, field="updates imported", new=path.name,
                 note=f"{len(report.applied)} applied, {len(report.problems)} not applied")
    return report


def _review_inside(ws: Workspace, action_id: int, change: dict[str, str | None], by: str, at: str) -> None:
    """review() opens its own transaction; inside ours the same checks have been made, so write directly."""
    current, old_block = ws.conn.execute("SELECT status, blocked_by FROM actions WHERE id = ?",
                                         (action_id,)).fetchone()
    new = change.get("status") or current
    record_update(ws, action_id, "status", current, new, change.get("note"), by, at)
    ws.conn.execute("UPDATE actions SET status = ? WHERE id = ?", (new, action_id))
    block = change.get("blocked_by")
    if block and block != old_block:
        record_update(ws, action_id, "blocked_by", old_block, block, None, by, at)
        ws.conn.execute("UPDATE actions SET blocked_by = ? WHERE id = ?", (block, action_id))


def _check(ws: Workspace, line: int, cells: dict[str, str], report: UpdateReport,
           ) -> tuple[int, str, dict[str, str | None]]:
    """Validate one row against the action as it is now; return what to apply (empty if already applied)."""
    raw_id = cells["action_id"]
    try:
        action_id = int(float(raw_id))
    except ValueError as exc:
        raise CompstatError(f"action_id {raw_id!r} is not a number.") from exc
    row = ws.conn.execute("SELECT ref, status, due, blocked_by FROM actions WHERE id = ?", (action_id,)).fetchone()
    if row is None:
        raise CompstatError(f"there is no action #{action_id} in this workspace.")
    ref, status, due, block = row
    ref = ref or f"#{action_id}"
    new_status = status_code(cells["new_status"]) if cells["new_status"] else None
    note = cells["progress_note"] or None
    new_due = None
    if cells["new_due"]:
        try:
            new_due = dt.date.fromisoformat(cells["new_due"][:10]).isoformat()
        except ValueError as exc:
            raise CompstatError(f"{ref}: new_due {cells['new_due']!r} is not a date (YYYY-MM-DD).") from exc
    blocked_by = cells["what_blocks_it"] or None
    if new_status == "dropped" and not note:
        raise CompstatError(f"{ref}: say why it is dropped in progress_note.")
    if new_status == "constrained" and not (blocked_by or block):
        raise CompstatError(f"{ref}: say what blocks it in what_blocks_it.")
    try:
        version = int(float(cells["version"] or 0))
    except ValueError as exc:
        raise CompstatError(f"{ref}: version {cells['version']!r} was changed; it must stay as exported.") from exc
    # Already applied: this file (or a copy) was imported before, and nothing else has changed since.
    latest_note = ws.conn.execute("SELECT note FROM action_updates WHERE action_id = ? AND field = 'status'"
                                  " ORDER BY id DESC LIMIT 1", (action_id,)).fetchone()
    same_status = new_status in (None, status)
    same_note = note is None or (latest_note is not None and latest_note[0] == note)
    same_due = new_due in (None, due)
    if same_status and same_note and same_due and (blocked_by in (None, block)):
        report.already.append(ref)
        return action_id, ref, {}
    # A conflict: since the export, someone else changed what this row changes.
    since = ws.conn.execute("SELECT field, by, at FROM action_updates WHERE action_id = ? AND id > ? ORDER BY id",
                            (action_id, version)).fetchall()
    clash = [(f, b, a) for f, b, a in since if (f in {"status", "blocked_by"} and (new_status or note or blocked_by))
             or (f == "due" and new_due)]
    if clash:
        f, b, a = clash[-1]
        now = f"status now {STATUS_WORDS.get(status, status)}" if f == "status" else f"{f.replace('_', ' ')} changed"
        raise CompstatError(f"{ref} was updated by {b or 'someone'} on {str(a)[:10]} after this file was exported "
                            f"({now}); not applied, so that neither update is lost. Export a fresh file.")
    change: dict[str, str | None] = {}
    if new_status and new_status != status:
        change["status"] = new_status
    if note and not same_note:
        change["note"] = note
    if new_due and new_due != due:
        change["due"] = new_due
        change.setdefault("note", note)
    if blocked_by and blocked_by != block:
        change["blocked_by"] = blocked_by
        change.setdefault("status", new_status or status)
    return action_id, ref, change

