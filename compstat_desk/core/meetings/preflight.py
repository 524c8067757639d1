"""Preflight: what is about to go out, checked before a pack is issued — impossible figures, wild swings on small
bases, missing units or categories, stale data and fragile changes — as findings an analyst reads, some of which
hold the pack (blocking) until they are fixed or the analyst issues it anyway."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from compstat_desk.core.analysis.compstat import HEADLINE, SMALL_PREVIOUS, compstat_table, latest_week_ending
from compstat_desk.core.store import catalog
from compstat_desk.core.store.counts import weekday_number
from compstat_desk.core.store.workspace import Workspace

BLOCKING, WARNING, NOTE = "blocking", "warning", "note"
SEVERITY_ORDER = {BLOCKING: 0, WARNING: 1, NOTE: 2}
WILD_PCT = 100.0  # a change of this many % or more on a base below SMALL_PREVIOUS is a wild swing
MISSING_FROM = 20  # a unit or category with none now, having had at least this many a year earlier, is missing
SHOWN_LEVELS = ("force", "division")  # what a pack prints


@dataclass
class Finding:
    severity: str  # blocking, warning, note
    kind: str  # impossible figure, wild swing, missing unit, missing category, stale data, fragile change,
    # data incomplete
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def report_week(ws: Workspace, meeting_date: str | dt.date | None = None) -> dt.date:
    """The report week for a meeting: the last complete Compstat week before its date (else the data's latest)."""
    if meeting_date is None:
        return latest_week_ending(ws)
    day = dt.date.fromisoformat(str(meeting_date)[:10]) - dt.timedelta(days=1)
    ends_on = weekday_number(ws.setting("week_ends_on") or "Sunday")
    return day - dt.timedelta(days=(day.weekday() - ends_on) % 7)


def check_table(table: pd.DataFrame) -> list[Finding]:
    """Findings in a Compstat table: impossible figures (negative counts, a fall beyond −100%) block; wild swings
    on small bases (shown as counts, never as a headline %) are listed as warnings."""
    out: list[Finding] = []
    current = pd.to_numeric(table["current"], errors="coerce")
    previous = pd.to_numeric(table["previous"], errors="coerce")
    pct = pd.to_numeric(table["pct_change"], errors="coerce")
    bad = (pct < -100) | (current < 0) | (previous < 0)
    r: Any  # a row of the table: pandas types no column of it
    for r in table[bad.fillna(False)].itertuples():
        out.append(Finding(BLOCKING, "impossible figure",
                           f"{r.category_name} in {r.unit_name}, {r.window}: {r.current} now against {r.previous} "
                           f"({'' if pd.isna(r.pct_change) else f'{r.pct_change:+.1f}%'}): a count cannot be "
                           "negative nor fall by more than 100%. Check the import."))
    small = (previous < SMALL_PREVIOUS) & (previous > 0) & (pct.abs() >= WILD_PCT)
    wild = table[small.fillna(False) & (table["window"] != "week")]
    if not wild.empty:
        shown = wild.head(6)[["category_name", "unit_name", "window", "previous", "current", "pct_change"]]
        examples = "; ".join(f"{category} in {unit} ({window}) {int(was)} → {int(now)} ({pct:+.0f}%)"
                             for category, unit, window, was, now, pct in shown.itertuples(index=False, name=None))
        more = f" and {len(wild) - 6} more" if len(wild) > 6 else ""
        out.append(Finding(WARNING, "wild swing",
                           f"{len(wild)} changes of {WILD_PCT:.0f}% or more on a base under {SMALL_PREVIOUS}: "
                           f"{examples}{more}. The pack prints these as counts, not percentages; do not headline "
                           "them unless they are marked as real."))
    return out


def preflight(ws: Workspace, meeting_id: int | None = None, week_ending: dt.date | None = None,
              table: pd.DataFrame | None = None) -> tuple[dt.date, list[Finding]]:
    """The report week a pack would be built from and the findings about it, most serious first."""
    from compstat_desk.core.meetings.agenda import meeting_info

    meeting_date = meeting_info(ws, meeting_id)["date"] if meeting_id is not None else None
    has_incidents = catalog.has_incidents(ws)
    findings: list[Finding] = []
    if week_ending is None:
        week_ending = report_week(ws, meeting_date) if meeting_date else (
            latest_week_ending(ws) if has_incidents else dt.date.today())
    if not (has_incidents or catalog.has_published_figures(ws) or catalog.has_indicator_values(ws)):
        findings.append(Finding(BLOCKING, "no data", "The workspace holds no incidents, published weekly figures or "
                                "indicators: there is nothing to report. Import the week's files first."))
    findings += _staleness(ws, week_ending, has_incidents)
    if has_incidents:
        data_week = min(week_ending, latest_week_ending(ws))
        if table is None:
            table = compstat_table(ws, data_week)
        shown = table[table["unit"].isin(_units_at(ws, SHOWN_LEVELS))]
        findings += check_table(shown)
        findings += _incomplete(shown, table.attrs.get("warnings", []))
        findings += _missing(ws, table)
    if catalog.has_published_figures(ws):
        findings += _fragile(ws, week_ending)
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return week_ending, findings


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == BLOCKING]


def _units_at(ws: Workspace, levels: tuple[str, ...]) -> set[str]:
    marks = ",".join("?" * len(levels))
    return {r[0] for r in ws.conn.execute(f"SELECT code FROM units WHERE level IN ({marks})", levels)}


def _staleness(ws: Workspace, week_ending: dt.date, has_incidents: bool) -> list[Finding]:
    out = []
    if has_incidents:
        last = dt.date.fromisoformat(ws.conn.execute("SELECT max(day) FROM daily_counts").fetchone()[0])
        if last < week_ending:
            out.append(Finding(BLOCKING, "stale data",
                               f"The latest incident is dated {last}, before the end of the report week "
                               f"({week_ending}): the pack would show {(week_ending - last).days} days as empty. "
                               "Import the latest extract first."))
    row = ws.conn.execute("SELECT max(period_end) FROM indicator_values").fetchone()
    if row and row[0]:
        last_ind = dt.date.fromisoformat(row[0][:10])
        # Judged against today when the report week has not ended yet (a pack made well before its meeting).
        due = min(week_ending, dt.date.today())
        if last_ind < due - dt.timedelta(days=6 if due == week_ending else 13):  # today: last week's may be out
            out.append(Finding(WARNING, "stale data",
                               f"The latest indicator values are for the period ending {last_ind}, more than a week "
                               f"before {'the report week ending ' if due == week_ending else 'today, '}{due}: the "
                               "indicators in the pack are old."))
    return out


def _incomplete(shown: pd.DataFrame, warnings: list[str]) -> list[Finding]:
    """A pack whose force or division rows compare a period the data only partly holds (a sparse extract, a change of
    system) would headline a change in the data, not in crime: it blocks."""
    if "incomplete" not in shown or not shown["incomplete"].fillna(False).astype(bool).any():
        return []
    said = [w.removeprefix("Data incomplete: ") for w in warnings if w.startswith("Data incomplete:")]
    return [Finding(BLOCKING, "data incomplete",
                    "The comparisons of a period the data only partly holds would be headlined: "
                    + " ".join(said[:3]) + (f" ({len(said) - 3} more.)" if len(said) > 3 else "")
                    + " Import the missing records, or choose a report week the data covers; built anyway, the pack "
                    "marks those changes 'incomplete'.")]


def _missing(ws: Workspace, table: pd.DataFrame) -> list[Finding]:
    """A division with no incidents at all in the 28 days, or a category with none force-wide, when the same
    28 days a year earlier had some: most likely a feed that did not arrive, not a crime-free month."""
    out = []
    rows = table[(table["window"] == "28d")]
    divisions = _units_at(ws, ("division",))
    every = rows[rows["category"] != HEADLINE].astype({"current": float, "previous": float})
    totals = every.groupby(["unit", "unit_name"], as_index=False)[["current", "previous"]].sum(min_count=1)
    r: Any  # a row of the totals or of the categories: pandas types no column of it
    for r in totals[totals["unit"].isin(divisions)].itertuples():
        if (pd.isna(r.current) or r.current == 0) and not pd.isna(r.previous) and r.previous > 0:
            severity = BLOCKING if r.previous >= MISSING_FROM else WARNING
            out.append(Finding(severity, "missing unit",
                               f"{r.unit_name} ({r.unit}) has no incidents in the last 28 days against "
                               f"{int(r.previous)} a year earlier: is its data missing?"))
    force = catalog.force_code(ws)
    if force is not None:
        cats = rows[(rows["unit"] == force) & (rows["category"] != HEADLINE)]
        for r in cats.itertuples():
            if (pd.isna(r.current) or r.current == 0) and not pd.isna(r.previous) and r.previous > 0:
                severity = BLOCKING if r.previous >= MISSING_FROM else WARNING
                out.append(Finding(severity, "missing category",
                                   f"No {r.category_name.lower()} recorded force-wide in the last 28 days against "
                                   f"{int(r.previous)} a year earlier: is the category missing from the extract?"))
    never = ws.conn.execute("SELECT u.name, u.code FROM units u WHERE u.level = 'division' AND NOT EXISTS"
                            " (SELECT 1 FROM units s WHERE s.parent_id = u.id) AND u.id NOT IN"
                            " (SELECT DISTINCT unit_id FROM daily_counts)").fetchall()
    for name, code in never:
        out.append(Finding(WARNING, "missing unit", f"{name} ({code}) has never had an incident recorded."))
    return out


def _fragile(ws: Workspace, week_ending: dt.date) -> list[Finding]:
    from compstat_desk.core.analysis.weekly_table import weekly_table
    from compstat_desk.core.errors import CompstatError

    try:
        table = weekly_table(ws, week_ending)
    except CompstatError:
        try:
            table = weekly_table(ws, None)
        except CompstatError:
            return []
    if "fragile" not in table:
        return []
    rows = table[table["fragile"].astype(bool) & table["significant"].astype(bool)]
    if rows.empty:
        return []
    shown = rows.head(6)[["category_name", "unit_name", "window", "previous", "current", "break_even"]]
    examples = "; ".join(f"{category} in {unit} ({window}: {int(was)} → {int(now)}, {int(even)} would erase it)"
                         for category, unit, window, was, now, even in shown.itertuples(index=False, name=None))
    return [Finding(WARNING, "fragile change",
                    f"{len(rows)} significant changes could be erased by revisions at their recent pace: {examples}"
                    f"{' …' if len(rows) > 6 else ''}. They are listed last and never headlined.")]


# What each blocking kind means to a commander reading a pack issued regardless (the analyst's words are the
# findings' own messages, on the pack's last page).
PLAIN_WORDS = {
    "no data": "the workspace held no figures when it was made",
    "stale data": "the latest figures had not all arrived when it was made, so the most recent days may be missing",
    "impossible figure": "some figures in it cannot be right (a count below zero or a fall of more than 100%) and "
                         "are being checked",
    "missing unit": "the figures of a unit appear to be missing for the last four weeks",
    "missing category": "the figures of a category appear to be missing for the last four weeks",
}


def cover_note(findings: list[Finding]) -> str | None:
    """A sentence for the cover of a pack issued although preflight held it, in words a commander uses; None when
    nothing held it (warnings are for the analysts, on the pack's last page, not for the cover)."""
    held = blocking(findings)
    if not held:
        return None
    said = list(dict.fromkeys(PLAIN_WORDS.get(f.kind, f.kind) for f in held))
    words = said[0] if len(said) == 1 else "; ".join(said[:-1]) + "; and " + said[-1]
    return (f"Please note: this pack was issued before a problem with its figures could be put right: {words}. "
            "The analysts' checks are listed on the last page.")


def findings_text(week_ending: dt.date, findings: list[Finding]) -> str:
    lines = [f"Preflight for the report week ending {week_ending}:"]
    if not findings:
        lines.append("  Nothing found: the figures are ready to go out.")
    for f in findings:
        lines.append(f"  [{f.severity}] {f.kind}: {f.message}")
    held = len(blocking(findings))
    if held:
        plural = "s" if held > 1 else ""
        lines.append(f"{held} blocking finding{plural}: fix the data, or issue the pack with --anyway.")
    return "\n".join(lines)

