"""The benchmarks that open windows (gui, map, meeting) still start and print their reports, run on the sample with
tiny sizes through `compstat-desk bench`; they are never judged by their figures here."""

import pytest
from support.benchmarks import report, start_benchmarks, stop


@pytest.fixture(scope="module")
def started(built_sample, tmp_path_factory):
    import shutil

    work = tmp_path_factory.mktemp("benchmarks")
    big = work / "big.sqlite"  # the memory run's workspace (a copy: opening it may write beside it)
    shutil.copy(built_sample, big)
    procs = start_benchmarks({
        "gui": ["--db", str(built_sample), "--repeats", "1", "--big", str(big)],
        "map": ["--db", str(built_sample), "--n", "100", "--work", str(work / "map")],
        "meeting": ["--db", str(built_sample), "--rounds", "1", "--switches", "2"],
    }, cwd=work)
    yield procs
    stop(procs)


def test_the_gui_benchmark_reports_the_launch_ratio(started):
    out = report(started["gui"])
    assert "launch to a painted window (best of 1): bare PySide6" in out and "the main window's views built" in out
    assert "main window on big.sqlite: painted after" in out and "resident memory after visiting every tab" in out


def test_the_map_benchmark_reports_paints_and_hot_spots(started):
    out = report(started["map"])
    assert "first_paint_with_dots_ms" in out and "hot_spots_ready_ms" in out


def test_the_meeting_benchmark_reports_prepared_and_cold_switches(started):
    out = report(started["meeting"])
    assert "prepared (the usual case): median" in out and "cold (jumping to a slide never shown): median" in out
