"""Fails when the documents (reports/), the command line (cli/) or the window (ui/) hold SQL: every query belongs in
the core, which they ask. Usage: python scripts/check_no_sql.py [folders or files] (by default those three).

Two things are reported, by file and line: a string literal (f-strings and implicitly joined strings included;
docstrings not) that holds an SQL statement (SELECT, INSERT INTO, UPDATE … SET, DELETE FROM, WITH RECURSIVE,
written in capitals as the code base writes SQL), and a call that runs SQL whatever its text: `.execute`,
`.executemany`, `.executescript` or pandas' `read_sql*`."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = [ROOT / "compstat_desk" / "reports", ROOT / "compstat_desk" / "cli", ROOT / "compstat_desk" / "ui"]
STATEMENT = re.compile(r"\bSELECT\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
                       r"|\bWITH\s+RECURSIVE\b")
RUNS_SQL = {"execute", "executemany", "executescript", "read_sql", "read_sql_query", "read_sql_table"}


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string constants that are docstrings (of the module, a class or a function)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def sql_in(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, what) for each SQL statement in a string literal, and each call that runs SQL, in `source`."""
    tree = ast.parse(source, filename)
    skip = _docstrings(tree)
    # The literal parts of an f-string are reported once, with the whole f-string.
    skip |= {id(v) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for v in f.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts joined, the holes left as {}
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            if STATEMENT.search(text):
                found.append((node.lineno, f"SQL in a string: {text[:70]!r}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if STATEMENT.search(node.value):
                found.append((node.lineno, f"SQL in a string: {node.value[:70]!r}"))
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                node.func.id if isinstance(node.func, ast.Name) else ""
            if name in RUNS_SQL:
                found.append((node.lineno, f"runs SQL: {name}(…)"))
    return sorted(set(found))


def main(paths: list[str]) -> int:
    files = []
    for path in [Path(p) for p in paths] or CHECKED:
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    problems = [(f, line, what) for f in files for line, what in sql_in(f.read_text(encoding="utf-8"), str(f))]
    for f, line, what in problems:
        shown = f.relative_to(ROOT) if f.is_relative_to(ROOT) else f
        print(f"{shown}:{line}: {what}")
    if problems:
        print(f"{len(problems)} place(s) with SQL outside the core: give the core a function for each and call it.",
              file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
