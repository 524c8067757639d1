"""Writing an output safely: every document, export and backup goes through here. The bytes are written beside the
target and renamed into place, so that the file appears whole or not at all (a kill, a full disk or a crash leaves
the last good copy, and on Linux no leftover either: the bytes go to an unnamed file first). A workspace, its
`-wal`/`-shm`, or any SQLite file is never a target; an existing file is replaced only when the caller says so
(`--force` on the command line, a question in the window); a folder that is missing, read-only or full gets a
sentence instead of a traceback."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compstat_desk.core.errors import CompstatError

SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_SUFFIXES = {".sqlite", ".sqlite3", ".db", ".db3"}
SIDE_FILES = ("-wal", "-shm", "-journal")
_LEFTOVER = re.compile(r"^\..+\.(\d+)\.writing$")


class OutputRefused(CompstatError):
    """An output cannot be written where asked; nothing was written."""


class OutputExists(OutputRefused):
    """The target exists and the caller did not say to replace it."""


def is_sqlite_file(path: Path) -> bool:
    """Whether the file at `path` is an SQLite database (by its first 16 bytes, whatever its name)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def check_target(path: str | Path, *, replace: bool = False, database: bool = False) -> Path:
    """The target, refused with a sentence when writing there could destroy something or cannot work. `database`:
    the output is itself an SQLite file (a backup copy), which may carry a workspace's name but never replace one."""
    target = Path(path).expanduser()
    name = target.name
    if not name or target.is_dir():
        raise OutputRefused(f"{target} is a folder: give the name of the file to write.")
    if any(name.endswith(side) for side in SIDE_FILES):
        raise OutputRefused(f"{name} is a workspace's own file (its journal): choose another name; nothing was "
                            "written.")
    if target.exists() and is_sqlite_file(target):
        raise OutputRefused(f"{target} is a workspace (an SQLite database): it is never replaced by an output. Choose "
                            "another name; nothing was written.")
    if not database and target.suffix.lower() in SQLITE_SUFFIXES:
        raise OutputRefused(f"{name} has a workspace's extension ({target.suffix}): give the output its own "
                            "extension (.pdf, .csv, .xlsx); nothing was written.")
    if any(Path(str(target) + side).exists() for side in ("-wal", "-shm")):
        raise OutputRefused(f"{target} belongs to an open workspace (its -wal file is beside it): choose another "
                            "name; nothing was written.")
    if target.exists() and (database or not replace):
        raise OutputExists(f"{target} exists already: give --force to replace it, or another name; nothing was "
                           "written.")
    folder = target.parent
    if not folder.is_dir():
        raise OutputRefused(f"The folder {folder} does not exist: create it first, or choose another; nothing was "
                            "written.")
    return target


def _refusal(exc: OSError, target: Path) -> OutputRefused:
    """The sentence for an operating system's refusal."""
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return OutputRefused(f"The disk holding {target.parent} is full: {target.name} was not written (the last "
                             "copy, if any, is untouched). Free some space and try again.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputRefused(f"{target.name} cannot be written in {target.parent}: the folder (or the file) is "
                             "read-only for you. Choose another folder; nothing was written.")
    return OutputRefused(f"{target} could not be written ({exc.strerror or exc}); nothing was written.")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers(folder: Path) -> list[Path]:
    """Remove what a writer killed mid-way left in `folder` (`.NAME.PID.writing`, of a process that is gone)."""
    gone: list[Path] = []
    try:
        names = list(folder.iterdir())
    except OSError:
        return gone
    for entry in names:
        match = _LEFTOVER.match(entry.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            try:
                entry.unlink()
                gone.append(entry)
            except OSError:
                pass
    return gone


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def writing(path: str | Path, *, replace: bool = False, database: bool = False) -> Iterator[Path]:
    """For a writer that needs a file name (SQLite's backup, a spreadsheet library): yields a temporary path beside
    the target; when the block ends the file is flushed to disk and renamed into place, and when it fails (or the
    process is killed, see `sweep_leftovers`) the temporary file goes and the target is untouched."""
    target = check_target(path, replace=replace, database=database)
    sweep_leftovers(target.parent)
    tmp = target.parent / f".{target.name}.{os.getpid()}.writing"
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if database and target.exists():
            raise OutputExists(f"{target} appeared while it was being written; nothing was replaced.")
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _refusal(exc, target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_output(path: str | Path, data: bytes, *, replace: bool = False) -> Path:
    """Write `data` to `path` whole or not at all; returns the path written. `replace`: the user agreed to replace
    an existing file. Raises OutputRefused with a sentence (nothing written) when it cannot be done."""
    target = check_target(path, replace=replace)
    sweep_leftovers(target.parent)
    tmpfile = getattr(os, "O_TMPFILE", 0)
    if tmpfile and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(target.parent, tmpfile | os.O_WRONLY, 0o644)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise _refusal(exc, target) from exc
        else:  # an unnamed file: a kill before it is linked leaves nothing at all
            named = target.parent / f".{target.name}.{os.getpid()}.writing"
            try:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    os.fsync(fd)
                    named.unlink(missing_ok=True)
                    os.link(f"/proc/self/fd/{fd}", named, follow_symlinks=True)
                finally:
                    os.close(fd)
                os.replace(named, target)
                _fsync_folder(target.parent)
                return target
            except OSError as exc:
                named.unlink(missing_ok=True)
                if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOENT, errno.EOPNOTSUPP):
                    raise _refusal(exc, target) from exc
    with writing(target, replace=True) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as exc:
            raise _refusal(exc, target) from exc
    return target


# -- what goes into exported files and onto the terminal --------------------------------------------------------
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls but tab, newline, return
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full widths
MARKING_PREFIX = "Protective marking: "
EXCEL_CELL = 32_767  # the most characters an Excel cell keeps


def clean_text(text: str) -> str:
    """`text` without control characters (NUL, escape sequences and the like): tab, newline and return stay."""
    return _CONTROL.sub("", text)


def neutral_cell(text: str) -> str:
    """A text cell as OWASP's CSV-injection rules ask: a cell a spreadsheet would run as a formula (it starts with
    =, +, -, @, a tab or a return) gets a leading apostrophe, which shows it as the text it is."""
    text = clean_text(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(frame: Any, marking: str) -> bytes:
    """A table as CSV for a spreadsheet (UTF-8 with a BOM, so Excel reads accents right), its first line the
    protective marking (`read_marked_csv` reads it back), every text cell neutralised."""
    import io

    from pandas.api.types import is_numeric_dtype

    shown = frame.copy()
    for name in shown.columns:
        if not is_numeric_dtype(shown[name]):  # object or string columns: texts
            shown[name] = shown[name].map(lambda v: neutral_cell(v) if isinstance(v, str) else v).astype(object)
    buffer = io.StringIO()
    buffer.write(f"{MARKING_PREFIX}{clean_text(marking)}\n")
    shown.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, Any], marking: str) -> bytes:
    """Tables as one XLSX workbook: on every sheet the protective marking in its first row and in the printed header
    and footer, every text cell stored as text (never a formula), control characters removed."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    words = f"{MARKING_PREFIX}{clean_text(marking)}"
    for title, frame in sheets.items():
        for name in frame.columns:  # Excel cuts a longer cell short without a word: refuse instead
            long = [i for i, v in enumerate(frame[name].tolist()) if isinstance(v, str) and len(v) > EXCEL_CELL]
            if long:
                raise OutputRefused(f"Row {long[0] + 3} of the sheet {title!r} holds {len(frame[name].iat[long[0]]):,} "
                                    f"characters in {name!r}, more than an Excel cell keeps ({EXCEL_CELL:,}): export "
                                    "to a .csv file instead, which keeps it whole; nothing was written.")
        sheet = book.create_sheet(title)
        sheet.append([words])
        sheet["A1"].font = Font(bold=True, color="C00000")
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([None if v is None or (isinstance(v, float) and v != v)
                          else clean_text(v) if isinstance(v, str) else v for v in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with '=': never a live formula
        for header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader, sheet.oddFooter, sheet.evenFooter,
                       sheet.firstFooter):
            header.center.text = clean_text(marking)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def marked_header_rows(first_cell: str) -> int:
    """How many lines to skip before a table's header: 1 when the first line is the marking an export wrote."""
    return 1 if str(first_cell).lstrip("\ufeff").startswith(MARKING_PREFIX) else 0
