"""The tests' throwaway PostgreSQL server: it listens on 127.0.0.1 only, leaves nothing behind, and says what to
install when its programs are missing (the tests then fail, never skip)."""

import importlib.util

import psycopg
import pytest
from support import throwaway_postgres
from support.throwaway_postgres import NoServerError, start


def test_a_server_starts_on_localhost_and_its_folder_goes_when_it_stops():
    server = start()
    try:
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
            assert conn.execute("SHOW fsync").fetchone()[0] == "off"
    finally:
        server.stop()
    assert not server.folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url, connect_timeout=2)


def test_without_the_servers_programs_the_message_says_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pgserver" else real(name, *a))
    with pytest.raises(NoServerError, match=r"scripts/setup.sh test"):
        throwaway_postgres.start()
