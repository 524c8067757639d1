"""Where the tests find the project and the real public data beside it (../shared/data, never copied in)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
