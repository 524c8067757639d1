"""Allow `python -m compstat_desk`."""

from compstat_desk.cli import main

raise SystemExit(main())
