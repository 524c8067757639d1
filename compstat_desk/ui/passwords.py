"""A shared workspace's password, kept in the system keyring (PyPI `keyring`: the desktop's secret service, macOS
Keychain, Windows Credential Locker) and nowhere else: never in the window's settings, a log or the title. Where
there is no keyring (a headless Linux machine often has none, or `keyring` is not installed) the window says so and
asks for the password each time it opens the workspace. Qt-free."""

from __future__ import annotations

import os
from typing import Any

SERVICE = "compstat-desk"  # the keyring entry's service; its user name is the workspace's address (no password)


def _keyring() -> Any | None:
    """The keyring backend that can keep a password here, or None (no `keyring`, or only its 'fail' and 'null'
    backends: nowhere safe to keep one)."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration: treated as none, the password asked each time
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    return backend


def keyring_available() -> bool:
    return _keyring() is not None


NO_KEYRING = ("This computer has no keyring to keep the password in (no secret service is running), so "
              "compstat-desk asks for it each time it opens a shared workspace.")


def _entry(address: str) -> str:
    from compstat_desk.core.store.pg_connection import shown_url

    return shown_url(address)


def stored_password(address: str) -> str | None:
    """The password kept in the keyring for this shared workspace, or None (none kept, or no keyring)."""
    backend = _keyring()
    if backend is None:
        return None
    try:
        value = backend.get_password(SERVICE, _entry(address))
    except Exception:  # a locked or unreachable keyring: asked for instead
        return None
    return str(value) if value is not None else None


def store_password(address: str, password: str) -> bool:
    """Keep the password in the keyring for this shared workspace; False when there is no keyring to keep it in."""
    backend = _keyring()
    if backend is None:
        return False
    try:
        backend.set_password(SERVICE, _entry(address), password)
    except Exception:  # locked, refused, or unreachable: it is asked for next time
        return False
    return True


def forget_password(address: str) -> None:
    """Take the password out of the keyring (it was refused by the server)."""
    backend = _keyring()
    if backend is None:
        return
    try:
        backend.delete_password(SERVICE, _entry(address))
    except Exception:  # there was none, or the keyring cannot be reached: nothing to forget
        pass


def known_password(address: str) -> str | None:
    """A password there is no need to ask for: PGPASSWORD when it is set (libpq's own), else the keyring's."""
    return os.environ.get("PGPASSWORD") or stored_password(address)
