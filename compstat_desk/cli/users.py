"""Who may do what on a shared workspace: `users add NAME --role R [--unit U]` gives a database user a role (analyst,
chair-staff, commander of a unit, reader), creating their login on the server when it is missing, and `users list`
shows them. The workspace's owner (the account that copied it to the server) runs them; the server then enforces
each role (core/store/roles.py). The new user's password is asked for at the terminal, or read from standard input
with --password-from-stdin: never an argument, never printed."""

from __future__ import annotations

import argparse
import getpass
import sys

from compstat_desk.cli._common import open_named_workspace, with_db
from compstat_desk.core.errors import CompstatError


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    with_db(parser)
    verbs = parser.add_subparsers(dest="users_command", metavar="add|list")
    add = with_db(verbs.add_parser("add", help="give a database user a role on this shared workspace (creating "
                                               "their login on the server when it is missing)"))
    add.add_argument("name", help="the user's login name on the database server")
    add.add_argument("--role", required=True, help="analyst, chair-staff, commander or reader")
    add.add_argument("--unit", help="a commander's unit (its code or name): its actions and those of the units "
                                    "below it are theirs to review")
    add.add_argument("--password-from-stdin", action="store_true",
                     help="read a new login's password from the first line of standard input (else it is asked "
                          "for at the terminal)")
    with_db(verbs.add_parser("list", help="the workspace's users and their roles"))


def _new_password(name: str, args: argparse.Namespace) -> str:
    if args.password_from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password for the new login {name}: ")
        if getpass.getpass("The same password again: ") != password:
            raise CompstatError("The two passwords differ: nothing was changed.")
    else:
        raise CompstatError(f"{name} has no login on the server yet: give its password on standard input with "
                            "--password-from-stdin, or run this at a terminal to be asked for it.")
    if not password:
        raise CompstatError("The password is empty: nothing was changed.")
    return password


def run(args: argparse.Namespace) -> int:
    from compstat_desk.core.store import roles

    with open_named_workspace(args) as ws:
        if not ws.on_server:
            roles.list_users(ws)  # says why a workspace file has no users
        if args.users_command == "add":
            roles.check_user(ws, args.name, args.role, args.unit)
            password = None if roles.can_log_in(ws, args.name) else _new_password(args.name, args)
            print(roles.add_user(ws, args.name, args.role, unit=args.unit, password=password))
            return 0
        users = roles.list_users(ws)
        if not users:
            print("No users yet: the workspace's owner adds them with `compstat-desk users add NAME --role R`.")
            return 0
        for u in users:
            words = roles.WORDS.get(u.role, (u.role, ""))[0]
            unit = f" of {u.unit}" if u.unit else ""
            state = "" if u.granted else (" (no login on the server)" if not u.can_log_in else
                                          " (the server has not granted the role)")
            print(f"{u.name}: {words}{unit}{state}; added {u.added_at[:16].replace('T', ' ')}"
                  f"{' by ' + u.added_by if u.added_by else ''}")
    return 0
