"""The benchmarks without a window (import, compstat, open, pack) still start and print their reports, run with tiny sizes
through `compstat-desk bench`; they are never judged by their figures here."""

import numpy as np
import pandas as pd
import pytest
from support.benchmarks import report, start_benchmarks, stop

from compstat_desk.core.ingest import import_file
from compstat_desk.core.meetings.agenda import create_meeting
from compstat_desk.core.store.workspace import open_workspace


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory):
    """Two units, two categories, a year of 1,500 incidents to Sunday 2025-12-28 and a meeting the day after: its
    pack takes a fraction of a second, where the sample's takes several."""
    folder = tmp_path_factory.mktemp("small-workspace")
    rng = np.random.default_rng(1)
    days = pd.date_range("2024-12-30", "2025-12-28")
    n = 1500
    occurred = days[rng.integers(0, len(days), n)] + pd.to_timedelta(rng.integers(0, 24 * 60, n), unit="min")
    pd.DataFrame({"id": [f"T{i}" for i in range(n)], "occurred": occurred.strftime("%Y-%m-%d %H:%M"),
                  "category": rng.choice(["Burglary", "Robbery"], n), "unit": rng.choice(["NORTH", "SOUTH"], n)},
                 ).to_csv(folder / "incidents.csv", index=False)
    with open_workspace(folder / "small.sqlite") as ws:
        import_file(ws, folder / "incidents.csv")
        create_meeting(ws, title="Small", date="2025-12-29")
    return folder / "small.sqlite"


@pytest.fixture(scope="module")
def started(small_workspace, tmp_path_factory):
    work = tmp_path_factory.mktemp("benchmarks")
    procs = start_benchmarks({
        "import": ["--rows", "2000", "--repeats", "1"],
        "compstat": ["--rows", "2000", "--repeats", "1"],
        "open": ["--rows", "1000,2000", "--repeats", "1"],
        "pack": ["--db", str(small_workspace), "--repeats", "1", "--dir", str(work / "pack")],
    }, cwd=work)
    yield procs
    stop(procs)


def test_the_import_benchmark_reports_its_ratio_and_peak_memory(started):
    out = report(started["import"])
    assert "import of 2,000 rows" in out and "ratio to the baseline" in out and "peak memory of the import" in out
    assert "sqlite3 shell" in out  # its ratio, or why there is none


def test_the_compstat_benchmark_reports_its_ratios_to_pandas_in_process_and_to_an_analysts_script(started):
    out = report(started["compstat"])
    assert "Compstat table for" in out and "over 2,000 incidents" in out and "pandas over the raw rows" in out
    assert "compstat-desk compstat --db bench_compstat_2000.sqlite: " in out
    assert "python analyst_compstat.py: " in out and "(bound <= 0.5)" in out


def test_the_open_benchmark_reports_opening_against_size_and_when_computing_starts(started):
    out = report(started["open"])
    assert "open_workspace" in out and "info process" in out and "compstat process" in out
    assert "computing starts" in out and "after the workspace is open" in out


def test_the_pack_benchmark_reports_seconds_and_pages(started):
    out = report(started["pack"])
    assert "Agenda pack of small.sqlite, end to end in a fresh process: best" in out and " pages, " in out


def test_the_server_benchmark_reports_its_ratios_to_sqlite_and_to_copy(postgres_server, tmp_path):
    procs = start_benchmarks({"server": ["--rows", "2000", "--import-rows", "2000", "--repeats", "1", "--server",
                                         postgres_server, "--dir", str(tmp_path)]}, cwd=tmp_path)
    try:
        out = report(procs["server"])
    finally:
        stop(procs)
    assert "Compstat table for" in out and "over 2,000 incidents" in out and "(bound <= 2.0)" in out
    assert "ratio to read_csv + COPY (binary) into a bare table" in out and "COPY of the raw file" in out
