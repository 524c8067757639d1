"""Entry point of the import's parsing process: `python -m compstat_desk.core.ingest.worker` (see prepare.py)."""

import sys

from compstat_desk.core.ingest.prepare import serve

if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
