"""Killing a compstat-desk command at a chosen moment, as a power cut or `kill -9` would: SIGKILL as soon as it prints
a given progress line, so the test knows how far it had gone."""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import dataclass

COMMAND = [sys.executable, "-c", "import sys; from compstat_desk.cli import main; sys.exit(main(sys.argv[1:]))"]


@dataclass
class Killed:
    pid: int
    lines: list[str]  # what it printed before the kill
    returncode: int


def kill_at_line(arguments: list[str], starts: str, timeout: float = 120) -> Killed:
    """Run `compstat-desk ARGUMENTS` (this interpreter, this checkout) and SIGKILL it the moment it prints a line that
    starts with `starts` (leading spaces aside)."""
    lines: list[str] = []
    with subprocess.Popen(COMMAND + arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.strip().startswith(starts):
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=timeout)
        if proc.returncode != -signal.SIGKILL:
            lines.append(proc.stderr.read() if proc.stderr else "")
    return Killed(proc.pid, lines, proc.returncode)


def kill_when_marked(script: str, arguments: list[str], marker, timeout: float = 60) -> int:
    """Run `script` (Python source) with ARGUMENTS in a child process and SIGKILL it the moment it creates the file
    `marker` (its way of saying it is in the middle of the work): the child's return code, -SIGKILL when killed."""
    import os
    import time
    from pathlib import Path

    marker = Path(marker)
    child = subprocess.Popen([sys.executable, "-c", script, *arguments], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert marker.exists(), child.communicate()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return child.returncode
