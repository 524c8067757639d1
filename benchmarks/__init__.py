"""The benchmarks: figures that matter, each a ratio against a baseline run in the same process where there is one.

They come with the source checkout, not with the installed package. From the repository's root:
`python -m benchmarks.NAME [options]`, or from anywhere `compstat-desk bench NAME [options]` (README.md here)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: benchmarks/ beside compstat_desk/


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a benchmark's own child processes: this checkout first on their path, so that they find
    `benchmarks` (and the same `compstat_desk`) whatever folder they are started in."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env
