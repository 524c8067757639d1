"""The workspace between engines: `workspace copy SRC DST` copies a whole workspace from an SQLite file to an empty
PostgreSQL database (postgresql://USER@HOST[:PORT]/DBNAME) and back. The password comes from PGPASSWORD or is asked
for at the terminal; it is never stored or shown."""

from __future__ import annotations

import argparse
import sys


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="workspace_command", required=True, metavar="copy")
    copy = verbs.add_parser("copy", help="copy a whole workspace from an SQLite file to an empty PostgreSQL database, "
                                         "or back")
    copy.add_argument("source", help="a workspace file, or postgresql://USER@HOST[:PORT]/DBNAME")
    copy.add_argument("destination", help="postgresql://USER@HOST[:PORT]/DBNAME (an empty database), or a new file")
    copy.add_argument("--force", action="store_true", help="replace an existing destination file")


def run(args: argparse.Namespace) -> int:
    from compstat_desk.core.store.pg_connection import PasswordNeeded, is_postgres_url
    from compstat_desk.core.store.postgres import copy_workspace

    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows:,} rows", flush=True)

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
