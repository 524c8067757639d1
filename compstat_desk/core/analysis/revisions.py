"""Revisions of published weekly figures: how much the past moved between one report and the next."""

from __future__ import annotations

import pandas as pd

from compstat_desk.core.store.frames import read_frame
from compstat_desk.core.store.workspace import Workspace

COLUMNS = ["unit", "category", "week_end", "wtd", "ytd", "revision"]


def revisions(ws: Workspace, unit: str | None = None) -> pd.DataFrame:
    """For each unit, category and report week: its week-to-date and year-to-date counts as published, and
    `revision` = ytd − the previous report's ytd − wtd (empty for a first report and across 1 January).

    A positive revision means earlier weeks gained incidents after they were first published (late records,
    reclassification); a negative one, that they lost some. Where a week was published more than once, the
    latest publication of it is used.
    """
    frame = read_frame(
        "SELECT u.code AS unit, c.code AS category, r.week_end, f.wtd_current AS wtd, f.ytd_current AS ytd,"
        " r.import_id, r.id AS report_id FROM weekly_figures f JOIN weekly_reports r ON r.id = f.report_id"
        " JOIN units u ON u.id = f.unit_id JOIN categories c ON c.id = f.category_id", ws.conn)
    if unit is not None:
        from compstat_desk.core.store.catalog import find_unit

        code = ws.conn.execute("SELECT code FROM units WHERE id = ?", (find_unit(ws, unit),)).fetchone()[0]
        frame = frame[frame["unit"] == code]
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    latest = frame.sort_values("report_id").drop_duplicates(["unit", "category", "week_end"], keep="last")
    latest = latest.sort_values(["unit", "category", "week_end"]).reset_index(drop=True)
    previous = latest.groupby(["unit", "category"])[["week_end", "ytd"]].shift(1)
    week_end = pd.to_datetime(latest["week_end"])
    follows = (week_end - pd.to_datetime(previous["week_end"])).dt.days == 7
    same_year = week_end.dt.year == pd.to_datetime(previous["week_end"]).dt.year
    revision = latest["ytd"].astype("Int64") - previous["ytd"].astype("Int64") - latest["wtd"].astype("Int64")
    # Only a report that directly follows the last one, in the same year, says how much the past moved.
    latest["revision"] = revision.where(follows & same_year)
    out = latest[COLUMNS].copy()
    for col in ("wtd", "ytd", "revision"):
        out[col] = out[col].astype("Int64")
    return out
