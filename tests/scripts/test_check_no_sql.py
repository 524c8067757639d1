"""scripts/check_no_sql.py: the documents and the command line hold no SQL, and the check would see it if they did."""

import importlib.util
import subprocess
import sys

from support.paths import ROOT

SCRIPT = ROOT / "scripts" / "check_no_sql.py"
_spec = importlib.util.spec_from_file_location("check_no_sql", SCRIPT)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

SOURCE = '''"""A module whose docstring may say SELECT code FROM units without being SQL."""
import pandas as pd


def names(ws):
    """Nor may a function's: DELETE FROM units."""
    return dict(ws.conn.execute("SELECT code, name FROM units"))


def below(ws, unit_id, table):
    rows = pd.read_sql_query(BELOW + "SELECT code FROM units WHERE id IN (SELECT id FROM below)", ws.conn,
                             params=(unit_id,))
    ws.conn.execute(f"DELETE FROM {table} WHERE id = ?", (unit_id,))
    sql = ("UPDATE units SET name = ?"
           " WHERE id = ?")
    text = "INSERT INTO audit_log(entity) VALUES (?)"
    return ws.conn.executemany(sql, rows), text


def words():
    return "Select a unit to update its settings, or delete from the list."
'''


def test_sql_in_strings_and_calls_that_run_sql_are_found_with_their_lines():
    found = check.sql_in(SOURCE)
    assert [(line, what.split(":")[0]) for line, what in found] == [
        (7, "SQL in a string"), (7, "runs SQL"),  # names: the literal and the call
        (11, "SQL in a string"), (11, "runs SQL"),  # read_sql_query over a prefix + a literal
        (13, "SQL in a string"), (13, "runs SQL"),  # an f-string, reported once
        (14, "SQL in a string"),  # two strings joined implicitly: one statement
        (16, "SQL in a string"),
        (17, "runs SQL"),  # executemany, whatever its text
    ]
    assert (13, "SQL in a string: 'DELETE FROM {} WHERE id = ?'") in found  # the holes shown as {}


def test_docstrings_and_prose_are_not_sql():
    assert check.sql_in('"""SELECT the units to show."""\n\ndef f():\n    """INSERT INTO nothing."""\n'
                        '    return "Select a unit to update; delete from the list."\n') == []


def test_the_documents_the_command_line_and_the_map_tab_hold_no_sql():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_fails_on_a_file_with_sql(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def f(ws):\n    return ws.conn.execute("SELECT 1").fetchone()\n', encoding="utf-8")
    result = subprocess.run([sys.executable, str(SCRIPT), str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{bad}:2: SQL in a string: 'SELECT 1'" in result.stdout and f"{bad}:2: runs SQL" in result.stdout
