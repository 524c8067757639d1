"""The worked example for a real force (docs/guide/real-force.md) is kept true: every `$ compstat-desk` command on
the page runs as written (in a folder holding the Chicago files), and every line the page shows under a command is
among what it prints. The workspace the steps make is then checked against pandas on the same files. Skipped where
the real data is absent. About 10 s (20 s under load): the page's last step builds Chicago's 56-page pack, as a
user following the page would."""

import io
import re
import shlex
import shutil
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest
from support.paths import ROOT, SHARED_DATA

from compstat_desk.cli import main
from compstat_desk.core.store.workspace import open_workspace

CHICAGO = SHARED_DATA / "chicago"
PAGE = ROOT / "docs" / "guide" / "real-force.md"
pytestmark = [pytest.mark.realdata,
              pytest.mark.skipif(not CHICAGO.is_dir(), reason="real data not found at ../shared/data")]


def steps() -> list[tuple[str, list[str]]]:
    """Each command of the page's console blocks, with the lines shown under it."""
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif line.strip() and out:
                out[-1][1].append(line)
    return out


def test_the_five_steps_on_the_page_run_as_written(tmp_path, monkeypatch):
    for name in ("police_districts_2012.geojson", "police_beats_2012_simplified.geojson",
                 "chicago_crimes_sample_2017_2019.csv"):
        shutil.copy(CHICAGO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    commands = steps()
    assert len(commands) == 6 and all(c.startswith("compstat-desk --db chicago.sqlite ") for c, _ in commands)
    for command, shown in commands:
        printed = io.StringIO()
        with redirect_stdout(printed), redirect_stderr(printed):
            status = main(shlex.split(command)[1:])
        said = printed.getvalue().splitlines()
        assert status == 0, (command, said)
        for line in shown:
            assert line in said, (command, line, said)
    assert (tmp_path / "chicago-pack.pdf").stat().st_size > 0
    # The workspace as pandas reads the same files: every beat under the district its feature names, and every
    # incident in the beat the file records.
    beats = pd.read_json(CHICAGO / "police_beats_2012_simplified.geojson")["features"].map(lambda f: f["properties"])
    beats = pd.DataFrame(beats.tolist()).drop_duplicates("BEAT_NUM")
    crimes = pd.read_csv(CHICAGO / "chicago_crimes_sample_2017_2019.csv", dtype=str)
    with open_workspace(tmp_path / "chicago.sqlite") as ws:
        parents = dict(ws.conn.execute("SELECT u.code, p.code FROM units u JOIN units p ON p.id = u.parent_id"
                                       " WHERE u.level = 'sector'"))
        counts = dict(ws.conn.execute("SELECT u.code, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id"
                                      " GROUP BY u.code"))
        assert ws.setting("time_zone") == "America/Chicago"
    assert parents == dict(zip(beats["BEAT_NUM"], beats["DISTRICT"].astype(int).astype(str), strict=True))
    recorded = crimes["beat"].astype(float).astype(int).astype(str).str.zfill(4).value_counts()
    assert counts == recorded.to_dict()
