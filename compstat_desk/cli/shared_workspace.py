"""The workspace between engines: `workspace copy SRC DST` copies a whole workspace from an SQLite file to an empty
PostgreSQL database (postgresql://USER@HOST[:PORT]/DBNAME) and back; `workspace upgrade --db URL` brings a workspace
on the server up to this version's schema. The password comes from PGPASSWORD or is asked for at the terminal; it is
never stored or shown."""

from __future__ import annotations

import argparse
import sys


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="workspace_command", required=True, metavar="copy|upgrade")
    copy = verbs.add_parser("copy", help="copy a whole workspace from an SQLite file to an empty PostgreSQL database, "
                                         "or back")
    copy.add_argument("source", help="a workspace file, or postgresql://USER@HOST[:PORT]/DBNAME")
    copy.add_argument("destination", help="postgresql://USER@HOST[:PORT]/DBNAME (an empty database), or a new file")
    copy.add_argument("--force", action="store_true", help="replace an existing destination file")
    upgrade = verbs.add_parser("upgrade", help="bring a shared workspace on a PostgreSQL server up to this version's "
                                               "schema (its owner runs it)")
    upgrade.add_argument("--db", required=True, metavar="postgresql://USER@HOST[:PORT]/DBNAME",
                         help="the shared workspace's address")


def _progress(table: str, rows: int) -> None:
    print(f"  {table}: {rows:,} rows", flush=True)


def run(args: argparse.Namespace) -> int:
    from compstat_desk.core.store.pg_connection import PasswordNeeded, is_postgres_url
    from compstat_desk.core.store.postgres import copy_workspace

    if args.workspace_command == "upgrade":
        return _upgrade(args)
    progress = _progress
    try:
        report = copy_workspace(args.source, args.destination, force=args.force, progress=progress)
    except PasswordNeeded:
        if not sys.stdin.isatty():
            raise
        import getpass

        server = args.destination if is_postgres_url(args.destination) else args.source
        password = getpass.getpass(f"Password for {server.split('//', 1)[-1].split('/', 1)[0]}: ")
        report = copy_workspace(args.source, args.destination, force=args.force, password=password,
                                progress=progress)
    print("\n".join(report.lines()))
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from compstat_desk.core.errors import CompstatError
    from compstat_desk.core.store.pg_connection import PasswordNeeded, is_postgres_url
    from compstat_desk.core.store.postgres import upgrade_on_server

    if not is_postgres_url(str(args.db)):
        raise CompstatError("A workspace file is brought up to date when it opens: `workspace upgrade` is for a "
                            "shared workspace, --db postgresql://USER@HOST[:PORT]/DBNAME.")
    print(f"Checking the workspace at {args.db} (while it is upgraded, its other users wait).", flush=True)
    try:
        report = upgrade_on_server(str(args.db), progress=_progress)
    except PasswordNeeded:
        if not sys.stdin.isatty():
            raise
        import getpass

        password = getpass.getpass(f"Password for {str(args.db).split('//', 1)[-1].split('/', 1)[0]}: ")
        report = upgrade_on_server(str(args.db), password=password, progress=_progress)
    print("\n".join(report.lines()))
    return 0
