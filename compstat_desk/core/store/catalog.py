"""Units, categories and indicators: create them, find them by code, name or a user's alias, and read them (names,
levels, the force, the units under one, polarities); and what kinds of figures the workspace holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.migrations import LEVELS
from compstat_desk.core.store.workspace import Workspace

# Words users use for levels of the hierarchy, mapped onto the three the workspace keeps.
LEVEL_WORDS = {
    "force": "force", "city": "force", "citywide": "force", "trust": "force", "organisation": "force",
    "division": "division", "area": "division", "bcu": "division", "district": "division", "borough": "division",
    "patrol borough": "division", "directorate": "division",
    "sector": "sector", "beat": "sector", "neighbourhood": "sector", "neighborhood": "sector",
    "precinct": "sector", "ward": "sector", "lsoa": "sector", "team": "sector",
}

# An SQL prefix naming `below(id)`: the unit given as the first parameter and every unit under it.
BELOW_UNIT = ("WITH RECURSIVE below(id) AS (SELECT ? UNION ALL SELECT u.id FROM units u JOIN below b"
              " ON u.parent_id = b.id) ")

_NUMERIC = re.compile(r"^0*(\d+)(?:\.0+)?$")
_FLOAT_WHOLE = re.compile(r"^(\d+)\.0+$")


def level_of(word: str) -> str:
    key = word.strip().lower()
    if key not in LEVEL_WORDS:
        raise CompstatError(f"Unknown level {word!r}: use force, division or sector (or beat, district, area…).")
    return LEVEL_WORDS[key]


def normalise_key(values: pd.Series) -> pd.Series:
    """The form in which codes, names and aliases are compared: trimmed, case-folded, '08.0' == '8'."""
    s = values.astype(str).str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()
    return s.str.replace(_NUMERIC, r"\1", regex=True)


def normalise_one(value: str) -> str:
    """normalise_key for one value (without pandas: it is called once per distinct value, many times)."""
    text = " ".join(str(value).split()).casefold()
    return _NUMERIC.sub(r"\1", text)


def clean_text(values: pd.Series, *, code: bool = False) -> pd.Series:
    """Trimmed text. Files repeat a few values (categories, units) many times: each distinct one is cleaned once."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
    cleaned = pd.Series(uniques, dtype=object).astype(str).str.strip()
    if code:
        cleaned = cleaned.str.replace(_FLOAT_WHOLE, r"\1", regex=True)
    return pd.Series(cleaned.to_numpy(dtype=object)[codes], index=values.index, dtype=object)


def clean_code(values: pd.Series) -> pd.Series:
    """How a code from a file is stored: trimmed, and '8.0' (a number Excel wrote as float) as '8'."""
    return clean_text(values, code=True)


def clean_ids(values: pd.Series) -> pd.Series:
    """Source ids, nearly all distinct: trimmed, and '11023904.0' as '11023904', touching only what needs it."""
    s = values.astype(object)
    # One join tells whether any id needs touching at all (most files: none do).
    joined = "\x00".join(s.tolist())
    if any(c in joined for c in (" ", "\t", "\r", "\n", "\xa0")):
        s = s.str.strip()
    if "." not in joined:
        return s
    fix = s.str.endswith("0").to_numpy(dtype=bool)
    if fix.any():
        s = s.copy()
        s[fix] = s[fix].str.replace(_FLOAT_WHOLE, r"\1", regex=True)
    return s


@dataclass
class Lookup:
    """Maps normalised codes, names and aliases to ids."""

    ids: dict[str, int]

    def resolve(self, values: pd.Series) -> pd.Series:
        """Ids for each value (NaN where unknown). Normalises each distinct value once: files repeat them."""
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
        ids = normalise_key(pd.Series(uniques, dtype=object)).map(self.ids).to_numpy(dtype=float)
        return pd.Series(ids[codes], index=values.index)


def _lookup(ws: Workspace, table: str, aliases: str, key: str) -> Lookup:
    ids: dict[str, int] = {}
    rows = ws.conn.execute(f"SELECT id, code, name FROM {table} ORDER BY id").fetchall()
    # Names first, codes after and aliases last, so that an exact code or a user's alias wins.
    for row_id, _code, name in rows:
        ids.setdefault(normalise_one(name), row_id)
    for row_id, code, _name in rows:
        ids[normalise_one(code)] = row_id
    for alias, row_id in ws.conn.execute(f"SELECT alias, {key} FROM {aliases}"):
        ids[normalise_one(alias)] = row_id
    return Lookup(ids)


def unit_lookup(ws: Workspace) -> Lookup:
    return _lookup(ws, "units", "unit_aliases", "unit_id")


def category_lookup(ws: Workspace) -> Lookup:
    return _lookup(ws, "categories", "category_aliases", "category_id")


def find_unit(ws: Workspace, text: str) -> int:
    uid = unit_lookup(ws).ids.get(normalise_one(text))
    if uid is None:
        raise CompstatError(f"There is no unit {text!r} in this workspace (give its code, name or an alias).")
    return uid


def find_category(ws: Workspace, text: str) -> int:
    cid = category_lookup(ws).ids.get(normalise_one(text))
    if cid is None:
        raise CompstatError(f"There is no category {text!r} in this workspace (give its code, name or an alias).")
    return cid


def force_unit(ws: Workspace) -> int | None:
    """The id of the force, the top of the hierarchy (the first made, should there be more); None before it exists."""
    row = ws.conn.execute("SELECT id FROM units WHERE level = 'force' ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else None


def force_code(ws: Workspace) -> str | None:
    """The code of the force (see force_unit); None before it exists."""
    row = ws.conn.execute("SELECT code FROM units WHERE level = 'force' ORDER BY id LIMIT 1").fetchone()
    return str(row[0]) if row else None


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    level: str  # force, division or sector


def unit_info(ws: Workspace, text: str) -> UnitInfo:
    """A unit found by its code, name or an alias (find_unit: an unknown one is a CompstatError), as stored."""
    unit_id = find_unit(ws, text)
    code, name, level = ws.conn.execute("SELECT code, name, level FROM units WHERE id = ?", (unit_id,)).fetchone()
    return UnitInfo(unit_id, str(code), str(name), str(level))


def unit_boundaries(ws: Workspace) -> list[tuple[str, str, str, str]]:
    """(code, name, level, GeoJSON text) of every unit that has a boundary, by level (as text) and code."""
    rows = ws.conn.execute("SELECT code, name, level, boundary FROM units WHERE boundary IS NOT NULL"
                           " AND boundary != '' ORDER BY level, code")
    return [(str(code), str(name), str(level), str(boundary)) for code, name, level, boundary in rows]


def unit_name(ws: Workspace, code: str) -> str | None:
    """The name of the unit with this code (in any case); None when there is none. No names or aliases."""
    row = ws.conn.execute("SELECT name FROM units WHERE code = ?", (code,)).fetchone()
    return str(row[0]) if row else None


def unit_names(ws: Workspace) -> dict[str, str]:
    """Every unit's name by its code."""
    return {str(code): str(name) for code, name in ws.conn.execute("SELECT code, name FROM units")}


def units_at(ws: Workspace, level: str) -> list[tuple[str, str]]:
    """(code, name) of every unit at a level (force, division, sector, or a word for one: level_of), by code."""
    rows = ws.conn.execute("SELECT code, name FROM units WHERE level = ? ORDER BY code", (level_of(level),))
    return [(str(code), str(name)) for code, name in rows]


def child_codes(ws: Workspace, unit: str) -> list[str]:
    """The codes of the units directly under `unit` (found by code, name or alias), by code."""
    rows = ws.conn.execute("SELECT code FROM units WHERE parent_id = ? ORDER BY code", (find_unit(ws, unit),))
    return [str(r[0]) for r in rows]


def codes_below(ws: Workspace, unit: str) -> set[str]:
    """The codes of `unit` (found by code, name or alias) and of every unit under it, at any depth."""
    rows = ws.conn.execute(BELOW_UNIT + "SELECT code FROM units WHERE id IN (SELECT id FROM below)",
                           (find_unit(ws, unit),))
    return {str(r[0]) for r in rows}


def ensure_force(ws: Workspace, name: str = "Force", code: str = "FORCE", import_id: int | None = None) -> int:
    """The top of the hierarchy, created on first need. Call inside a transaction."""
    existing = force_unit(ws)
    if existing is not None:
        return existing
    cur = ws.conn.execute(
        "INSERT INTO units(code, name, level, created_by_import) VALUES (?, ?, 'force', ?)", (code, name, import_id)
    )
    ws.audit("unit", cur.lastrowid, field="created", new=code, import_id=import_id)
    return int(cur.lastrowid or 0)


def insert_unit(
    ws: Workspace, code: str, name: str, level: str, parent_id: int | None, *,
    commander: str | None = None, population: int | None = None, boundary: str | None = None,
    import_id: int | None = None,
) -> int:
    """Create one unit (inside the caller's transaction) and audit it."""
    if level not in LEVELS:
        level = level_of(level)
    cur = ws.conn.execute(
        "INSERT INTO units(code, name, level, parent_id, commander, population, boundary, created_by_import)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (code, name, level, parent_id, commander, population, boundary, import_id),
    )
    ws.audit("unit", cur.lastrowid, field="created", new=code, import_id=import_id)
    return int(cur.lastrowid or 0)


def add_unit(
    ws: Workspace, code: str, name: str, level: str, parent: str | None = None, *,
    commander: str | None = None, population: int | None = None, boundary: str | None = None,
) -> int:
    """Add a unit from the user (CLI/GUI), saved at once."""
    with ws.transaction():
        parent_id = find_unit(ws, parent) if parent else ensure_force(ws)
        return insert_unit(ws, code, name, level_of(level), parent_id, commander=commander, population=population,
                           boundary=boundary)


def _add_alias(ws: Workspace, entity: str, alias: str, target_id: int) -> None:
    with ws.transaction():
        ws.conn.execute(
            f"INSERT INTO {entity}_aliases(alias, {entity}_id) VALUES (?, ?)"
            f" ON CONFLICT(alias) DO UPDATE SET {entity}_id = excluded.{entity}_id", (alias.strip(), target_id))
        ws.audit(f"{entity}_alias", target_id, field="alias", new=alias.strip())


def add_unit_alias(ws: Workspace, alias: str, unit: str) -> None:
    """Teach the workspace another name for a unit (e.g. 'Central Business District' is 'Downtown')."""
    _add_alias(ws, "unit", alias, find_unit(ws, unit))


def insert_category(
    ws: Workspace, code: str, name: str, *, group: str | None = None, polarity: str = "up_bad",
    headline: bool = False, import_id: int | None = None,
) -> int:
    cur = ws.conn.execute(
        "INSERT INTO categories(code, name, grp, polarity, headline, created_by_import) VALUES (?, ?, ?, ?, ?, ?)",
        (code, name, group, polarity, int(headline), import_id),
    )
    ws.audit("category", cur.lastrowid, field="created", new=code, import_id=import_id)
    return int(cur.lastrowid or 0)


def add_category(
    ws: Workspace, code: str, name: str, *, group: str | None = None, polarity: str = "up_bad", headline: bool = False,
) -> int:
    with ws.transaction():
        return insert_category(ws, code, name, group=group, polarity=polarity, headline=headline)


def add_category_alias(ws: Workspace, alias: str, category: str) -> None:
    """Teach the workspace another name for a category (e.g. a force's local name for a national one)."""
    _add_alias(ws, "category", alias, find_category(ws, category))


def has_units(ws: Workspace) -> bool:
    """Whether the workspace is established (units beyond the force itself exist)."""
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM units WHERE level != 'force')").fetchone()[0] == 1)


def has_categories(ws: Workspace) -> bool:
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM categories)").fetchone()[0] == 1)


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    polarity: str  # 'up_bad' or 'up_good' (analysis.polarity reads it)
    headline: bool  # counts towards the headline total


def category_info(ws: Workspace, text: str) -> CategoryInfo:
    """A category found by its code, name or an alias (find_category: an unknown one is a CompstatError), as stored."""
    category_id = find_category(ws, text)
    code, name, polarity, headline = ws.conn.execute(
        "SELECT code, name, polarity, headline FROM categories WHERE id = ?", (category_id,)).fetchone()
    return CategoryInfo(category_id, str(code), str(name), str(polarity), bool(headline))


def category_names(ws: Workspace) -> dict[str, str]:
    """Every category's name by its code, in the order of the names (as a selector lists them)."""
    return {str(code): str(name) for code, name in ws.conn.execute("SELECT code, name FROM categories ORDER BY name")}


def has_headline_categories(ws: Workspace) -> bool:
    """Whether any category counts towards the headline total (so that the total has a meaning here)."""
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM categories WHERE headline = 1)").fetchone()[0])


def category_polarities(ws: Workspace) -> dict[str, str]:
    """Every category's polarity ('up_bad' or 'up_good': analysis.polarity reads them) by its code."""
    return {str(code): str(polarity) for code, polarity in ws.conn.execute("SELECT code, polarity FROM categories")}


def indicator_names(ws: Workspace) -> dict[str, str]:
    """Every indicator's name by its code, in the order of the codes."""
    return {str(code): str(name) for code, name in ws.conn.execute("SELECT code, name FROM indicators ORDER BY code")}


def unit_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(code, name) of every unit, in the order people look for one: the force, its divisions, then sectors, each
    by code."""
    rows = ws.conn.execute("SELECT code, name FROM units ORDER BY CASE level WHEN 'force' THEN 0"
                           " WHEN 'division' THEN 1 ELSE 2 END, code")
    return [(str(code), str(name)) for code, name in rows]


def category_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(code, name) of every category, by name."""
    return list(category_names(ws).items())


def category_facts(ws: Workspace) -> dict[str, CategoryInfo]:
    """Every category as stored (name, polarity, headline flag) by code, in code order, without counting its
    incidents (overview.categories counts them all: a scan a selector need not wait for)."""
    rows = ws.conn.execute("SELECT id, code, name, polarity, headline FROM categories ORDER BY code").fetchall()
    return {str(code): CategoryInfo(int(i), str(code), str(name), str(polarity), bool(headline))
            for i, code, name, polarity, headline in rows}


def indicator_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(code, name) of every indicator, by name."""
    return [(str(code), str(name)) for code, name in ws.conn.execute("SELECT code, name FROM indicators ORDER BY name")]


def has_incidents(ws: Workspace) -> bool:
    """Whether the workspace holds any incidents (counted by day: the Compstat table, trends and maps need them)."""
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM daily_counts)").fetchone()[0])


def has_published_figures(ws: Workspace) -> bool:
    """Whether the workspace holds weekly figures as published (a CompStat report such as the NYPD's)."""
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM weekly_reports)").fetchone()[0])


def has_indicator_values(ws: Workspace) -> bool:
    """Whether the workspace holds any indicator values (999 calls answered in time, response times …)."""
    return bool(ws.conn.execute("SELECT EXISTS(SELECT 1 FROM indicator_values)").fetchone()[0])


def set_parent(ws: Workspace, unit: str, parent: str) -> None:
    """Place a unit under another (e.g. a precinct under its patrol borough), audited."""
    uid, pid = find_unit(ws, unit), find_unit(ws, parent)
    if uid == pid:
        raise CompstatError("A unit cannot be its own parent.")
    ancestor: int | None = pid
    while ancestor is not None:
        if ancestor == uid:
            raise CompstatError(f"{parent!r} is inside {unit!r}: that would make a loop.")
        ancestor = ws.conn.execute("SELECT parent_id FROM units WHERE id = ?", (ancestor,)).fetchone()[0]
    with ws.transaction():
        old = ws.conn.execute("SELECT parent_id FROM units WHERE id = ?", (uid,)).fetchone()[0]
        ws.conn.execute("UPDATE units SET parent_id = ? WHERE id = ?", (pid, uid))
        ws.audit("unit", uid, field="parent_id", old=old, new=pid)
