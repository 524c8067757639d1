"""Large files are parsed in a second process: the result must be exactly what pandas says the file holds."""

import numpy as np
import pandas as pd
import pytest

from compstat_desk.core.errors import ImportRefused
from compstat_desk.core.ingest import import_file
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture
def messy(tmp_path):
    """12,000 rows with repeated ids (victims), rows without ids, bad dates and missing categories."""
    rng = np.random.default_rng(3)
    n = 12_000
    ids = np.array([f"C{i // 2 if i % 10 == 0 else i}" for i in range(n)], dtype=object)
    ids[rng.random(n) < 0.1] = ""
    frame = pd.DataFrame({
        "id": ids,
        "occurred": (pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 500 * 1440, n), unit="min"))
        .strftime("%d/%m/%Y %H:%M"),
        "category": rng.choice(["Theft", "Burglary", "Robbery"], n),
        "unit": rng.choice(["N1", "N2", "S1", "S2"], n),
    })
    frame.loc[rng.choice(n, 40, replace=False), "occurred"] = "31/02/2025"
    frame.loc[rng.choice(n, 25, replace=False), "category"] = ""
    path = tmp_path / "messy.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.parametrize("where", ["never", "always"])
def test_the_parsing_process_gives_what_pandas_expects(tmp_path, monkeypatch, messy, where):
    monkeypatch.setenv("COMPSTAT_IMPORT_PROCESS", where)
    path, frame = messy
    bad = (frame["occurred"] == "31/02/2025") | (frame["category"] == "")
    good = frame[~bad]
    keyed = good[good["id"] != ""]
    expected_incidents = keyed["id"].nunique() + int((good["id"] == "").sum())
    with open_workspace(tmp_path / f"{where}.sqlite") as ws:
        report = import_file(ws, path, chunksize=1_000)  # many chunks: ids repeat across them
        assert report.rows_read == len(frame)
        assert report.rows_rejected == int(bad.sum())
        assert report.rows_merged == len(keyed) - keyed["id"].nunique()
        assert ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == expected_incidents
        rejected = [r[0] for r in ws.conn.execute("SELECT row_number FROM rejected_rows ORDER BY row_number")]
        assert rejected == (np.flatnonzero(bad.to_numpy()) + 2).tolist()
        first = good.drop_duplicates("id", keep="first")
        first = pd.concat([first[first["id"] != ""], good[good["id"] == ""]])
        per_unit = dict(ws.conn.execute(
            "SELECT u.code, sum(d.n) FROM daily_counts d JOIN units u ON u.id = d.unit_id GROUP BY u.code"))
        assert per_unit == first.groupby("unit").size().to_dict()
        # Incidents keep the file's order.
        order = [r[0] for r in ws.conn.execute("SELECT source_id FROM incidents WHERE source_id IS NOT NULL ORDER BY id")]
        assert order == first[first["id"] != ""]["id"].tolist()


def test_a_refusal_in_the_parsing_process_reaches_the_user_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPSTAT_IMPORT_PROCESS", "always")
    path = tmp_path / "ambiguous.csv"
    path.write_text("occurred,category,unit\n03/04/2026,Theft,N1\n05/06/2026,Theft,N1\n")
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        with pytest.raises(ImportRefused, match="--date-format"):
            import_file(ws, path)
        assert ws.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_cancelling_while_the_parsing_process_runs_writes_nothing(tmp_path, monkeypatch, messy):
    import time

    from compstat_desk.core.errors import ImportCancelled

    monkeypatch.setenv("COMPSTAT_IMPORT_PROCESS", "always")
    path, _frame = messy
    answers = iter([False, False, False] + [True] * 100)
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        started = time.monotonic()
        with pytest.raises(ImportCancelled):
            import_file(ws, path, chunksize=1_000, cancelled=lambda: next(answers))
        assert time.monotonic() - started < 5  # the parsing process is stopped, not waited for
        for table in ("imports", "incidents", "daily_counts", "rejected_rows", "units"):
            assert ws.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
