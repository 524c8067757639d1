"""The benchmarks run as a user runs them, `compstat-desk bench NAME [options]`, with tiny sizes and from a folder
that is not the checkout. A test module starts all of its benchmarks at once (they wait on child processes more than
they compute) and each test then checks that its own started and printed its report: figures at these sizes mean
nothing, and no test looks at them."""

import os
import subprocess
import sys
from pathlib import Path


def start_benchmarks(runs: dict[str, list[str]], cwd: Path) -> dict[str, subprocess.Popen]:
    """`compstat-desk bench NAME OPTIONS…` for each NAME: OPTIONS of `runs`, started together."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)  # the command must find benchmarks/ by itself
    return {name: subprocess.Popen([sys.executable, "-m", "compstat_desk", "bench", name, *options], cwd=cwd,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name, options in runs.items()}


def report(proc: subprocess.Popen, timeout: float = 120) -> str:
    """What a benchmark started by `start_benchmarks` printed, once it has exited successfully."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out}\n{err}"
    return out


def stop(procs: dict[str, subprocess.Popen]) -> None:
    """End any of them still running (a test that failed early, or was not selected)."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
