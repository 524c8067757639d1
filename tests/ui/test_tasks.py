"""The window's one helper for background work: jobs run off the GUI thread, one after another, and everything they
return, raise or report reaches the GUI thread in order; a cancelled job says so, a discarded one says nothing."""

import threading

import pytest

from compstat_desk.core.errors import CompstatError
from compstat_desk.core.store.workspace import open_reader
from compstat_desk.ui.tasks import TaskRunner


@pytest.fixture
def runner(qapp):
    r = TaskRunner()
    yield r
    r.shutdown()


def test_the_job_runs_off_the_gui_thread_and_its_result_and_progress_arrive_on_it(runner):
    seen = {}
    steps = []

    def job(state):
        seen["job"] = threading.current_thread()
        for i in range(1, 5):
            state.progress(i / 4, f"step {i}")
        return sum(range(10))

    def done(result):
        seen["done"] = (threading.current_thread(), result)

    task = runner.start(job, done=done, progress=lambda f, m: steps.append((f, m)))
    assert task.wait(10)
    assert seen["job"] is not threading.main_thread()
    assert seen["done"] == (threading.main_thread(), 45)
    assert steps == [(0.25, "step 1"), (0.5, "step 2"), (0.75, "step 3"), (1.0, "step 4")]
    assert task.outcome == ("ok", 45) and not task.running and not runner.busy


def test_an_error_is_handed_over_not_raised(runner):
    errors = []
    task = runner.start(lambda state: (_ for _ in ()).throw(CompstatError("No incidents in N division.")),
                        failed=errors.append)
    assert task.wait(10)
    assert [str(e) for e in errors] == ["No incidents in N division."]
    assert task.outcome[0] == "failed"


def test_cancel_stops_a_job_at_its_next_check_and_says_so(runner):
    started = threading.Event()
    calls = []

    def job(state):
        started.set()
        while not state.cancelled():
            started.wait(0.001)
        raise CompstatError("stopped as asked")

    task = runner.start(job, done=lambda r: calls.append("done"), failed=lambda e: calls.append("failed"),
                        cancelled=lambda e: calls.append(f"cancelled: {e}"))
    assert started.wait(5)
    task.cancel()
    assert task.wait(10)
    assert calls == ["cancelled: stopped as asked"]


def test_a_job_that_finished_before_its_cancel_reports_what_it_did(runner):
    # An import that committed just before Cancel was pressed has imported: the user must be told so.
    release = threading.Event()
    calls = []

    def job(state):
        release.wait(5)
        return "imported 12 rows"

    task = runner.start(job, done=calls.append, cancelled=lambda e: calls.append("cancelled"))
    task.cancel()  # the job never looks
    release.set()
    assert task.wait(10)
    assert calls == ["imported 12 rows"]


def test_jobs_run_one_after_another_and_a_discarded_one_reports_nothing(runner):
    order = []
    gate, running = threading.Event(), threading.Event()
    delivered = []

    def slow(state):
        running.set()
        gate.wait(5)
        order.append("first")
        return "stale"

    def quick(state):
        order.append("second")
        return "fresh"

    first = runner.start(slow, done=delivered.append, finished=lambda: delivered.append("first finished"))
    second = runner.start(quick, done=delivered.append)
    assert running.wait(5)
    first.discard()  # the user chose another category while the first was counting
    assert first.running is False and runner.busy
    gate.set()
    assert runner.wait(timeout_s=10)
    assert order == ["first", "second"]  # one worker: the second waited for the first
    assert delivered == ["fresh"]
    assert second.outcome == ("ok", "fresh")


def test_a_job_discarded_before_it_starts_never_runs(runner):
    gate = threading.Event()
    ran = []
    runner.start(lambda state: gate.wait(5))
    later = runner.start(lambda state: ran.append("ran"))
    later.discard()
    gate.set()
    assert runner.wait(timeout_s=10)
    assert ran == [] and later.outcome is None


def test_a_worker_reads_through_its_own_read_only_connection(runner, sample_ws):
    count = sample_ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    path = sample_ws.path

    def job(state):
        with open_reader(path) as ws:
            n = ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
            try:
                ws.conn.execute("DELETE FROM incidents")
            except Exception as exc:
                return n, str(exc)
            return n, "deleted"

    task = runner.start(job)
    assert task.wait(30)
    n, refusal = task.outcome[1]
    assert n == count > 0
    assert "readonly" in refusal.replace(" ", "").lower() or "read-only" in refusal.lower()
    assert sample_ws.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == count
