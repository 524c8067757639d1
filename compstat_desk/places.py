"""Where workspaces live on this machine: the user's own workspace and the bundled samples, built on first use.

Nothing here imports pandas or Qt until a sample has to be built, so that the window can paint before them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

SAMPLES = {
    "police": "the sample police force (Wessex Constabulary): incidents, indicators, meetings and actions",
    "delivery": "the sample delivery unit: priorities across health, education and home affairs, with stocktakes",
}


def workspace_address(text: str) -> Path:
    """What `--db` takes: a workspace file, or a shared workspace's address on a PostgreSQL server
    (postgresql://USER@HOST[:PORT]/DBNAME), kept as written (a Path would fold its '//')."""
    if text.startswith(("postgresql://", "postgres://")):
        return ServerAddress(text)  # type: ignore[return-value]
    return Path(text)


class ServerAddress(str):
    """A shared workspace's address as `--db` gave it: `exists()` asks nothing of the file system."""

    def exists(self) -> bool:
        return True

    def expanduser(self) -> ServerAddress:
        return self


def on_server(path: object) -> bool:
    return isinstance(path, ServerAddress)


def server_title(address: str) -> str:
    """A shared workspace named as a user says it: its database on its server ('compstat on db.example.org'),
    never with a password."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address)
        host = parts.hostname or "this computer"
    except ValueError:  # a malformed port: the address as written, less any password
        from compstat_desk.core.store.pg_connection import shown_url

        return shown_url(address)
    database = parts.path.strip("/") or "?"
    return f"{database} on {host}"


def data_folder() -> Path:
    """The folder compstat-desk keeps its files in (~/.local/share/compstat-desk on Linux)."""
    from platformdirs import user_data_path

    return user_data_path("compstat-desk", appauthor=False)


def default_workspace() -> Path:
    """Your workspace: the one `compstat-desk` opens when given no other."""
    return data_folder() / "workspace.sqlite"


def sample_workspace(kind: str, folder: Path | None = None) -> Path:
    """Where the bundled sample of this kind ('police' or 'delivery') is kept, apart from your own workspace."""
    if kind not in SAMPLES:
        raise ValueError(f"There is no {kind!r} sample: choose one of {', '.join(SAMPLES)}.")
    return (folder or data_folder()) / "samples" / f"{kind}.sqlite"


def build_sample(kind: str, path: Path, progress: Callable[[float, str], None] | None = None) -> None:
    """Build the sample of this kind at `path` (written to a temporary file first: a crash leaves nothing),
    reporting `progress(fraction, message)` as it goes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "delivery":
        from compstat_desk.core.samples.delivery import build_delivery_workspace

        build_delivery_workspace(path, progress=progress or _quiet)
    else:
        from compstat_desk.core.samples.police import build_sample_workspace

        build_sample_workspace(path, progress=progress or _quiet)


def _quiet(fraction: float, message: str) -> None:
    """No progress to report."""


def ensure_sample(kind: str, folder: Path | None = None) -> Path:
    """The sample workspace of this kind, built first if it is not there yet."""
    path = sample_workspace(kind, folder)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_sample(kind, path)
    return path
