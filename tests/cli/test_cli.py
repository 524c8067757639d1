"""The command line: readable results and refusals, never a traceback."""

import io
import subprocess
import sys

import pandas as pd
import pytest

from compstat_desk.cli import main


def test_import_then_info_and_the_imports_log(tmp_path, capsys):
    csv = tmp_path / "w.csv"
    csv.write_text("id,occurred,category,unit\n1,31/01/2026,Theft,N1\n2,bad,Theft,N1\n3,01/02/2026,Burglary,N2\n")
    db = tmp_path / "ws.sqlite"
    assert main(["import", str(csv), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3 rows read" in out and "2 rows accepted (2 new incidents)" in out and "1 rejected" in out and "day/month/year (UK)" in out
    assert main(["info", "--db", str(db)]) == 0
    assert "Incidents: 2 (2026-01-31 to 2026-02-01)" in capsys.readouterr().out
    assert main(["imports", "1", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "row 3: date 'bad' is not a valid" in out and "2,bad,Theft,N1" in out


def test_a_refused_file_exits_2_with_a_message_and_no_traceback(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "compstat_desk", "import", str(empty), "--db",
                             str(tmp_path / "ws.sqlite")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "empty.csv is empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_alias_and_retry_from_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "ws.sqlite")
    (tmp_path / "a.csv").write_text("occurred,category,unit\n2026-03-01,Theft,Downtown\n")
    (tmp_path / "b.csv").write_text("occurred,category,unit\n2026-03-02,Theft,CBD\n2026-03-03,Theft,CBD\n")
    main(["import", str(tmp_path / "a.csv"), "--db", db])
    main(["import", str(tmp_path / "b.csv"), "--db", db])
    assert "Unknown units (2 rows): 'CBD' (2)" in capsys.readouterr().out
    assert main(["alias", "unit", "CBD", "Downtown", "--db", db]) == 0
    assert main(["retry", "2", "--db", db]) == 0
    assert "2 rows accepted" in capsys.readouterr().out
    assert main(["units", "list", "--db", db]) == 0
    table = capsys.readouterr().out
    downtown = [line for line in table.splitlines() if "Downtown" in line][0]
    assert downtown.split()[-1] == "3"  # incidents recorded in Downtown: 1 + the 2 retried


def test_weekly_figures_from_the_command_line_report_the_weeks(tmp_path, capsys):
    frame = pd.DataFrame({"week_start": ["2026-03-02"] * 2, "week_end": ["2026-03-08"] * 2,
                          "geography": ["citywide", "1st Precinct"], "category": ["Robbery"] * 2,
                          "wtd_current": [4, 4], "ytd_current": [40, 40]})
    frame.to_csv(tmp_path / "w.csv", index=False)
    assert main(["import", str(tmp_path / "w.csv"), "--db", str(tmp_path / "ws.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "as weekly-figures" in out and "1 report week, ending 2026-03-08." in out


def test_the_protective_marking_can_be_set_and_is_audited(tmp_path, capsys):
    db = str(tmp_path / "ws.sqlite")
    assert main(["marking", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "OFFICIAL-SENSITIVE"
    assert main(["marking", "official", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "OFFICIAL"
    from compstat_desk.core.store.workspace import open_workspace

    with open_workspace(db) as ws:
        assert ws.conn.execute("SELECT old, new FROM audit_log WHERE field = 'marking'").fetchone() == (
            "OFFICIAL-SENSITIVE", "OFFICIAL")


def test_a_wrong_date_format_can_be_corrected_by_retrying_the_rejected_rows(tmp_path, capsys):
    db = str(tmp_path / "ws.sqlite")
    (tmp_path / "d.csv").write_text("occurred,category,unit\n03/04/2026,Theft,N1\n05/06/2026,Theft,N1\n")
    assert main(["import", str(tmp_path / "d.csv"), "--db", db, "--date-format", "%Y/%m/%d"]) == 0
    assert "0 rows accepted" in capsys.readouterr().out
    assert main(["retry", "1", "--db", db, "--date-format", "dd/mm/yyyy"]) == 0
    assert "2 rows accepted" in capsys.readouterr().out
    from compstat_desk.core.store.workspace import open_workspace

    with open_workspace(db) as ws:
        days = [r[0] for r in ws.conn.execute("SELECT occurred FROM incidents ORDER BY occurred")]
        outstanding = ws.conn.execute("SELECT count(*) FROM rejected_rows WHERE resolved_by_import IS NULL").fetchone()
    assert days == ["2026-04-03", "2026-06-05"] and outstanding == (0,)


def test_the_command_list_loads_no_command_and_each_command_explains_itself(capsys):
    """`compstat-desk --help` lists every command without importing the code of any (it answers at once);
    `compstat-desk NAME --help` then shows that command's own options."""
    script = ("import sys\nfrom compstat_desk.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('compstat_desk.cli.') or m == 'pandas'),"
              " file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip() == "[]"
    listed = done.stdout.split("positional arguments:")[1].split("options:")[0]
    from compstat_desk.cli import COMMANDS

    assert all(f"\n    {name} " in listed for name in COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: compstat-desk {name} [-h]")


def test_the_compstat_text_table_goes_without_scipy_stats_and_the_csv_has_the_exact_p(tmp_path):
    """Importing scipy.stats takes longer than counting the table: the text table, which shows no exact binomial p,
    is printed without it; the CSV, which has that column, fills it in (by hand: 2 against 1 is p = 1)."""
    days = pd.date_range("2025-01-01", "2026-03-01")
    rows = [(f"{i}", f"{day:%Y-%m-%d}", "Theft", unit) for i, (day, unit) in enumerate(
        (day, unit) for day in days[::2] for unit in ("N1", "N2"))]
    rows += [("x1", "2026-02-24", "Robbery", "N1"), ("x2", "2026-02-25", "Robbery", "N1"),
             ("x3", "2025-02-25", "Robbery", "N1")]
    csv = tmp_path / "w.csv"
    pd.DataFrame(rows, columns=["id", "occurred", "category", "unit"]).to_csv(csv, index=False)
    db = tmp_path / "ws.sqlite"
    assert main(["import", str(csv), "--db", str(db)]) == 0
    script = ("import sys\nfrom compstat_desk.cli import main\nstatus = main(sys.argv[1:])\n"
              "print('scipy.stats' in sys.modules, file=sys.stderr)\nraise SystemExit(status)\n")

    def compstat(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", script, "compstat", "--db", str(db), "--week-ending",
                               "2026-03-01", *options], capture_output=True, text=True, timeout=60, check=True)

    text = compstat()
    assert text.stderr.strip() == "False"
    assert "N1 (N1), week ending 2026-03-01" in text.stdout and "Robbery" in text.stdout
    table = compstat("--format", "csv")
    assert table.stderr.strip().splitlines()[-1] == "True"
    counts = pd.read_csv(io.StringIO(table.stdout))
    robbery = counts[(counts["unit"] == "N1") & (counts["category"] == "Robbery") & (counts["window"] == "28d")]
    assert robbery[["current", "previous", "p_exact"]].values.tolist() == [[2, 1, 1.0]]
    assert counts["p_exact"].notna().all()


def test_populations_from_a_csv_on_the_command_line(tmp_path, capsys):
    import sqlite3

    db = str(tmp_path / "ws.sqlite")
    (tmp_path / "a.csv").write_text("occurred,category,unit\n2026-03-01,Theft,North\n2026-03-01,Theft,South\n")
    main(["import", str(tmp_path / "a.csv"), "--db", db])
    frame = pd.DataFrame({"unit": ["North", "South", "Nowhere"], "population": ["12,500", "9800", "7"]})
    frame.to_csv(tmp_path / "pop.csv", index=False)
    assert main(["units", "populations", str(tmp_path / "pop.csv"), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "populations set for 2 units (3 rows)" in out and "1 row names no unit of this workspace: row 4 (Nowhere)" in out
    conn = sqlite3.connect(db)
    try:
        stored = dict(conn.execute("SELECT name, population FROM units WHERE population IS NOT NULL"))
    finally:
        conn.close()
    assert stored == {"North": 12_500, "South": 9_800}
