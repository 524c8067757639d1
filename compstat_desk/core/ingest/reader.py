"""Read a CSV or XLSX file as Excel writes it into chunks of text cells, or refuse it with a clear reason."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import queue
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from compstat_desk.core.errors import ImportRefused

SAMPLE_BYTES = 1 << 16
MAX_CELL = 32_767  # the most characters an Excel cell holds: a longer field is a broken row, not a value
ROW_NUMBER = "__row__"  # the row number a user sees in Excel: the header is row 1
Compression = Literal["gzip"] | None  # how a CSV file is packed (None: plain text)


class SeveralSheets(ImportRefused):
    """A workbook with more than one sheet of data, and no sheet named: `sheets` lists them, for a question."""

    def __init__(self, message: str, sheets: list[str]):
        super().__init__(message)
        self.sheets = sheets


@dataclass
class BadLine:
    row_number: int
    raw: str
    reason: str


@dataclass
class TableSource:
    """A readable table: its columns, how it was decoded, and a way to iterate its rows in chunks."""

    path: Path
    kind: str  # "csv" or "xlsx"
    columns: list[str]
    encoding: str | None = None
    delimiter: str = ","
    compression: Compression = None
    header_line: int = 0  # blank lines before the header
    header_lines: int = 1  # the lines before the first row that are not empty: the header, and any of spaces
    _arrow_rows: int = 0  # the records in Arrow's last chunk, before any set aside
    _quoted: bool = True  # the file holds a double quote: a cell may hold a line break
    bad_lines: list[BadLine] = field(default_factory=list)
    _frame: pd.DataFrame | None = None  # XLSX is read whole (Excel caps a sheet at ~1M rows)
    # What the readers saw, for the check against the file's own line count (check_accounted)
    records: int = 0  # rows yielded, and rows set aside as bad lines
    blank_rows: int = 0  # lines of nothing but delimiters or spaces: not rows
    inner_newlines: int = 0  # line breaks inside quoted cells
    inner_blank: int = 0  # of which ending an empty line (a blank line inside a cell)

    def chunks(self, chunksize: int = 200_000, *, read_ahead: bool = True,
               arrow_text: bool = False) -> Iterator[pd.DataFrame]:
        """Chunks in file order. With `read_ahead` the next is read on a thread while the caller works on this
        one (Arrow's reader releases the GIL); the parsing process has a core of its own and reads inline.
        With `arrow_text`, cells Arrow read stay Arrow strings (pandas' str dtype) instead of becoming Python
        strings: for a reader that works on whole columns (prepare.py)."""
        chunks = self._chunks(chunksize, arrow_text)
        return _read_ahead(chunks) if read_ahead else chunks

    def _chunks(self, chunksize: int, arrow_text: bool = False) -> Iterator[pd.DataFrame]:
        """Yield DataFrames of text cells ('' for empty) with a ROW_NUMBER column.

        Object dtype unless `arrow_text`: what most importers do with the cells is faster on Python strings.
        """
        if self._frame is not None:
            for start in range(0, max(len(self._frame), 1), chunksize):
                part = self._frame.iloc[start:start + chunksize]
                if len(part):
                    yield part
            return
        rows = 0
        self.records = self.blank_rows = self.inner_newlines = self.inner_blank = 0
        self.bad_lines = []
        self._quoted = _has_quotes(self.path, self.compression)
        try:
            try:
                for chunk in self._arrow_chunks(chunksize, arrow_text):
                    rows += self._arrow_rows
                    yield chunk
            except pa.ArrowInvalid:
                # A row with more or fewer fields than the header, or a cell too long for a block: go on from there
                # with Python's csv module, which keeps such rows aside. The rows already read are skipped.
                yield from self._python_chunks(chunksize, skip=rows)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ImportRefused(f"{self.path.name} is a damaged or truncated gzip file ({exc}): nothing was "
                                "imported. Copy or download it again.") from exc
        self.check_accounted()

    def check_accounted(self) -> None:
        """Every record of the file is a row read or a row set aside, checked against an independent count: the
        file's own lines (less blank ones), less the line breaks inside quoted cells. A difference means rows
        would vanish without a word: the file is refused instead, naming the difference."""
        lines, blank = count_lines(self.path, self.compression, self.encoding)
        expected = lines - blank - self.header_lines - (self.inner_newlines - self.inner_blank)
        read = self.records + self.blank_rows
        if expected != read:
            lone_cr = any(_LONE_CR.search(block) for block in _stream(self.path, self.compression))
            raise ImportRefused(
                f"{self.path.name}: the file holds {expected:,} rows but {read:,} were read, so "
                f"{abs(expected - read):,} would be lost or invented: nothing was imported. "
                + ("It holds a carriage return (CR) alone inside a line, which is read as a line break: "
                   if lone_cr else "Check its quotes (one left open at the end?) and line breaks: ")
                + "open it in a text editor, or save it again from Excel as 'CSV UTF-8'.")

    def _check_cells(self, values: list[str], row_number: int) -> None:
        """A cell holding line breaks is fine (a note of several lines); one whose later lines look like rows of
        their own is a quote left open, swallowing them: refused, naming the row."""
        width = len(self.columns)
        names = self.columns + [f"column {i + 1}" for i in range(width, len(values))]  # a row wider than the header
        for col, value in zip(names, values, strict=False):
            if "\n" not in value:
                continue
            self.inner_newlines += value.count("\n")
            self.inner_blank += len(_BLANK_INSIDE.findall(value))
            swallowed = [line for line in value.split("\n")[1:] if line.count(self.delimiter) >= max(1, width - 2)]
            if swallowed:
                raise ImportRefused(
                    f"{self.path.name}, row {row_number}: a quote opened in the column {col!r} is not closed where "
                    f"it should be, so the next {value.count(chr(10))} line(s) of the file (the first: "
                    f"{swallowed[0][:60]!r}) would be read as one cell and lost. Close or remove that quote, then "
                    "import the file again; nothing was imported.")

    def _arrow_chunks(self, chunksize: int, arrow_text: bool) -> Iterator[pd.DataFrame]:
        """Arrow's CSV reader, every cell as text: about seven times faster than pandas' C parser here."""
        encoding = "utf8" if self.encoding in (None, "utf-8", "utf-8-sig") else self.encoding  # Arrow drops a BOM
        stream: IO[bytes] = (cast(IO[bytes], gzip.open(self.path, "rb")) if self.compression == "gzip"
                             else open(self.path, "rb"))
        reader = pa_csv.open_csv(
            stream,
            # Skip the header (open_table has cleaned its names) and any blank lines before it; name the columns.
            # 1 MB blocks: Arrow's streaming reader keeps several blocks in flight, so larger ones cost memory (about
            # 60 MB at 1 MB, 100 MB at 4 MB, 660 MB at 16 MB) and save no time.
            read_options=pa_csv.ReadOptions(column_names=self.columns, skip_rows=self.header_line + 1,
                                            encoding=encoding, use_threads=False, block_size=1 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types={c: pa.string() for c in self.columns},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        offset = 2
        waiting: list[pa.RecordBatch] = []
        count = 0
        with stream:
            for batch in reader:
                waiting.append(batch)
                count += batch.num_rows
                while count >= chunksize:
                    table = pa.Table.from_batches(waiting)
                    yield self._arrow_frame(table.slice(0, chunksize), offset, arrow_text)
                    offset += chunksize
                    rest = table.slice(chunksize)
                    waiting, count = rest.to_batches(), rest.num_rows
            if count:
                yield self._arrow_frame(pa.Table.from_batches(waiting), offset, arrow_text)

    def _arrow_frame(self, table: pa.Table, first_row: int, arrow_text: bool) -> pd.DataFrame:
        """One chunk Arrow read, as text, its records counted and its cells checked: line breaks inside cells
        (`_check_cells`), and cells longer than a spreadsheet's, whose rows are set aside with the reason."""
        self._arrow_rows = table.num_rows
        self.records += table.num_rows
        suspect: Any = None
        for column in table.columns:  # the cheap tests first: a cell's bytes (from offsets), quotes in the file
            marks = None
            if (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL:
                marks = pc.greater(pc.utf8_length(column), pa.scalar(MAX_CELL))
            if self._quoted:
                newline = pc.match_substring(column, "\n")
                marks = newline if marks is None else pc.or_(marks, newline)
            if marks is not None:
                suspect = marks if suspect is None else pc.or_(suspect, marks)
        if suspect is not None and pc.any(suspect).as_py():
            rows = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
            long_rows = []
            for i in rows.tolist():
                values = [str(table.column(c)[i].as_py()) for c in range(table.num_columns)]
                if self._long_cell(values, first_row + i):
                    long_rows.append(i)
                else:
                    self._check_cells(values, first_row + i)
            if long_rows:  # set aside as bad lines, keeping their row numbers for the rest
                keep = np.ones(table.num_rows, dtype=bool)
                keep[long_rows] = False
                numbers = np.arange(first_row, first_row + table.num_rows)[keep]
                frame = _text_frame(table.filter(pa.array(keep)), first_row, arrow_text)
                frame[ROW_NUMBER] = numbers
                return frame
        return _text_frame(table, first_row, arrow_text)

    def _long_cell(self, values: list[str], row_number: int) -> bool:
        """Set the row aside (a bad line, with the reason) when a cell is longer than any spreadsheet's."""
        names = self.columns + [f"column {i + 1}" for i in range(len(self.columns), len(values))]
        for col, value in zip(names, values, strict=False):
            if len(value) > MAX_CELL:
                self.inner_newlines += sum(v.count("\n") for v in values)
                self.inner_blank += sum(len(_BLANK_INSIDE.findall(v)) for v in values)
                self.bad_lines.append(BadLine(row_number, _csv_line([v[:200] for v in values]) + " …",
                                              f"the column {col!r} holds {len(value):,} characters, more than a "
                                              f"spreadsheet cell can ({MAX_CELL:,}): the row is damaged"))
                return True
        return False

    def _python_chunks(self, chunksize: int, skip: int = 0) -> Iterator[pd.DataFrame]:
        """The slow reader, from the `skip`-th row on (rows counted as Arrow counts them: all but empty lines)."""
        opener = gzip.open if self.compression == "gzip" else open
        width = len(self.columns)
        csv.field_size_limit(2**31 - 1)  # a huge cell is read, then set aside with its reason (not a traceback)
        with opener(self.path, "rt", encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            for _ in range(self.header_line + 1):  # blank lines, then the header
                next(reader, None)
            while skip > 0:
                skipped = next(reader, None)
                if skipped is None:
                    return
                skip -= bool(skipped)
            rows: list[list[str]] = []
            numbers: list[int] = []
            while True:
                line = reader.line_num + 1  # where the record starts (a quoted cell may run over several lines)
                record = next(reader, None)
                if record is None:
                    break
                if not record:
                    continue
                if all(not c.strip() for c in record):
                    self.blank_rows += 1
                    continue
                self.records += 1
                if self._long_cell(record, line):
                    continue
                self._check_cells(record, line)
                if len(record) != width:
                    if len(record) > width and all(not c.strip() for c in record[width:]):
                        record = record[:width]
                    else:
                        self.bad_lines.append(BadLine(line, _csv_line(record),
                                                      f"has {len(record)} fields where the header has {width}"))
                        continue
                rows.append(record)
                numbers.append(line)
                if len(rows) >= chunksize:
                    yield _frame(rows, numbers, self.columns)
                    rows, numbers = [], []
            if rows:
                yield _frame(rows, numbers, self.columns)


_LONE_CR = re.compile(rb"\r(?!\n)")
_BLANK_INSIDE = re.compile("(?<=\n)\r?\n")  # a line break ending an empty line, inside a cell


def _has_quotes(path: Path, compression: Compression) -> bool:
    """Whether the file holds a double quote anywhere (without one, no cell can hold a line break)."""
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as fh:
        while block := fh.read(1 << 22):
            if b'"' in block:
                return True
    return False


def count_lines(path: Path, compression: Compression, encoding: str | None = None) -> tuple[int, int]:
    """The file's lines (a last line without a line break counts) and how many are empty, counted from its bytes
    alone: the independent count the readers' rows are checked against. Old Mac files end lines with CR."""
    opener = gzip.open if compression == "gzip" else open
    if encoding and encoding.lower().replace("_", "-").startswith("utf-16"):  # two bytes a character: decode
        with opener(path, "rb") as fh:
            text = fh.read().decode(encoding)
        body = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = body.count("\n") + (bool(body) and not body.endswith("\n"))
        return lines, len(re.findall("(?<=\n)\n", body)) + body.startswith("\n")
    lines = blank = 0
    tail = b"\n\n"  # the two bytes before each block: the file starts as if after an empty line
    last = b""
    with opener(path, "rb") as fh:
        while block := fh.read(1 << 22):
            data = np.frombuffer(tail + block, dtype=np.uint8)
            ends = np.flatnonzero(data[2:] == 10) + 2
            lines += len(ends)
            prev, prev2 = data[ends - 1], data[ends - 2]
            blank += int(np.count_nonzero((prev == 10) | ((prev == 13) & (prev2 == 10))))
            tail = (tail + block[-2:])[-2:]
            last = block[-1:]
    if lines == 0 and last:  # no LF at all: CR line ends (old Mac files), or one line
        with opener(path, "rb") as fh:
            raw = fh.read()
        lines = raw.count(b"\r")
        blank = len(re.findall(rb"(?<=\r)\r", raw)) + raw.startswith(b"\r")
    if last and last not in (b"\n", b"\r"):
        lines += 1
    return lines, blank


def _read_ahead(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Iterate `chunks` with the next one being read on a thread (at most one chunk ahead, to bound memory)."""
    done = None  # the end of the chunks
    box: queue.Queue[pd.DataFrame | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        box.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it as its own
            box.put(exc)

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while (item := box.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def _text_frame(table: pa.Table, first_row: int, arrow_text: bool) -> pd.DataFrame:
    """A DataFrame of text from Arrow text columns, numbered from `first_row`: Python strings (object dtype), or
    with `arrow_text` the Arrow strings themselves (pandas' str dtype; no copy)."""
    columns = zip(table.column_names, table.columns, strict=True)
    frame = pd.DataFrame({name: pd.Series(pd.arrays.ArrowStringArray(column)) for name, column in columns}
                         if arrow_text else
                         {name: pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
                          for name, column in columns})
    frame[ROW_NUMBER] = range(first_row, first_row + len(frame))
    return frame


def _frame(rows: list[list[str]], numbers: list[int], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame[ROW_NUMBER] = numbers
    return frame


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return buf.getvalue()


def raw_lines(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The rows of `frame` as CSV lines in the file's column order: how rejected rows are kept verbatim."""
    return [_csv_line(list(r)) for r in frame[columns].itertuples(index=False, name=None)]


def open_table(path: str | Path, *, sheet: str | None = None) -> TableSource:
    """Open a file for import, detecting its kind, encoding and delimiter.

    Raises ImportRefused naming the problem when the file is missing, empty, binary, an old .xls,
    in an unreadable encoding, or has no header row.
    """
    path = Path(path)
    if not path.exists():
        raise ImportRefused(f"{path} does not exist.")
    if path.is_dir():
        raise ImportRefused(f"{path} is a folder, not a file.")
    if path.stat().st_size == 0:
        raise ImportRefused(f"{path.name} is empty (0 bytes).")
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(f"{path.name} is an old Excel .xls workbook: open it in Excel and save it as .xlsx or CSV.")
    if head.startswith(b"%PDF"):
        raise ImportRefused(f"{path.name} is a PDF, not a table: import the CSV or Excel file the figures came from.")
    compression: Compression = None
    if head.startswith(b"\x1f\x8b"):
        compression = "gzip"
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(SAMPLE_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            raise ImportRefused(f"{path.name} is a damaged or truncated gzip file ({exc}): nothing was imported. "
                                "Copy or download it again.") from exc
    if not head.strip():
        raise ImportRefused(f"{path.name} is empty (it holds only blank space).")
    encoding = _detect_encoding(path, head, compression)
    text = head.decode(encoding, errors="replace")
    if "\x00" in text:
        raise ImportRefused(f"{path.name} is a binary file, not a CSV or Excel table.")
    lines = text.splitlines()
    if len(lines) <= 1 and len(head) == SAMPLE_BYTES:
        raise ImportRefused(f"The first line of {path.name} is longer than {SAMPLE_BYTES // 1024} KB: it is not the "
                            "header of a table (a header names each column once). Is it the right file?")
    header_line = next((i for i, line in enumerate(lines) if line.strip()), 0)
    first = lines[header_line] if lines else ""
    delimiter = _detect_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    columns = _clean_columns(header)
    if not any(columns):
        raise ImportRefused(f"{path.name} has no header row.")
    return TableSource(path, "csv", columns, encoding=encoding, delimiter=delimiter, compression=compression,
                       header_line=header_line, header_lines=1 + sum(1 for line in lines[:header_line] if line))


def data_sheets(path: Path) -> list[str]:
    """The sheets of a workbook that hold a table (a header and at least one row), in the workbook's order."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        found = []
        for sheet in book.worksheets:
            filled = 0
            for row in sheet.iter_rows(max_row=50, values_only=True):
                filled += any(v is not None and str(v).strip() for v in row)
                if filled >= 2:
                    found.append(sheet.title)
                    break
        return found
    finally:
        book.close()


def _open_xlsx(path: Path, sheet: str | None = None) -> TableSource:
    try:
        sheets = data_sheets(path)
        if sheet is not None and sheet not in sheets:
            raise ImportRefused(f"{path.name} has no sheet called {sheet!r} with a table in it"
                                + (f": its sheets with data are {', '.join(map(repr, sheets))}." if sheets else "."))
        if sheet is None and len(sheets) > 1:
            raise SeveralSheets(f"{path.name} has {len(sheets)} sheets with data: {', '.join(map(repr, sheets))}. "
                                "Say which to import (--sheet NAME on the command line); nothing was imported.",
                                sheets)
        frame = pd.read_excel(path, sheet_name=sheet or (sheets[0] if sheets else 0), dtype=object,
                              engine="openpyxl")
    except ImportRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for damaged or non-workbook zips
        raise ImportRefused(f"{path.name} cannot be read as an Excel workbook ({exc}).") from exc
    frame = frame.dropna(how="all")
    if frame.empty and not len(frame.columns):
        raise ImportRefused(f"{path.name} is an empty workbook.")
    columns = _clean_columns([str(c) for c in frame.columns])
    frame.columns = columns
    text = pd.DataFrame({c: _excel_text(frame[c]) for c in columns}, index=frame.index)
    text[ROW_NUMBER] = frame.index.to_numpy() + 2
    return TableSource(path, "xlsx", columns, _frame=text.reset_index(drop=True))


def _excel_text(col: pd.Series) -> pd.Series:
    """Cells as text: real date cells become ISO, whole-number floats lose their '.0'."""
    out = []
    for v in col.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
        elif isinstance(v, dt.time):  # a time-of-day cell: as Excel shows it
            out.append(v.isoformat(timespec="minutes" if not v.second else "seconds"))
        elif isinstance(v, dt.timedelta):  # a duration cell
            out.append(str(v))
        elif isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
            out.append(pd.Timestamp(v).isoformat(sep=" "))
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return pd.Series(out, index=col.index, dtype=object)


def _clean_columns(header: list[str]) -> list[str]:
    cols = [h.strip().strip("\ufeff") for h in header]
    seen: dict[str, int] = {}
    out = []
    for i, c in enumerate(cols):
        c = c or f"column {i + 1}"
        if c in seen:
            seen[c] += 1
            c = f"{c} ({seen[c]})"
        else:
            seen[c] = 1
        out.append(c)
    return out


def _detect_encoding(path: Path, head: bytes, compression: Compression) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportRefused(f"{path.name} is a binary file, not a CSV or Excel table.")
    if _is_utf8(path, compression):
        return "utf-8"
    _check_not_mixed(path, compression)
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    guess = (best.encoding if best else "").lower()
    if guess in {"", "ascii", "utf_8"} or guess.startswith(("cp125", "latin", "iso8859")):
        # Excel on Windows writes Windows-1252; it decodes every byte Latin-1 would, and more.
        return "cp1252" if _decodes(path, compression, "cp1252") else "latin-1"
    if _decodes(path, compression, guess):
        return guess
    raise ImportRefused(
        f"{path.name} is in an encoding that cannot be read (not UTF-8 or Windows-1252). "
        "Save it from Excel as 'CSV UTF-8' and import it again."
    )


def _stream(path: Path, compression: Compression) -> Iterator[bytes]:
    opener = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as fh:
            while block := fh.read(1 << 20):
                yield block
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImportRefused(f"{path.name} is a damaged or truncated gzip file ({exc}): nothing was imported. Copy "
                            "or download it again.") from exc


_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _check_not_mixed(path: Path, compression: Compression) -> None:
    """A file that is not UTF-8 as a whole but holds UTF-8 letters (é as the two bytes of 'Ã©') mixes two
    encodings: read as Windows-1252, its UTF-8 rows would become mojibake ("CafÃ© Quarter" beside "Café
    Quarter"). Refused, naming rows of each kind."""
    if not any(_UTF8_LETTER.search(block) for block in _stream(path, compression)):
        return
    utf8: list[int] = []
    other: list[int] = []
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8.append(number)
            except UnicodeDecodeError:
                other.append(number)
    if utf8 and other:
        def rows(found: list[int]) -> str:
            return ", ".join(map(str, found[:5])) + (f" and {len(found) - 5:,} more" if len(found) > 5 else "")

        raise ImportRefused(
            f"{path.name} mixes two encodings: line(s) {rows(utf8)} are UTF-8 and line(s) {rows(other)} are "
            "Windows-1252, so names would come in twice, one of them garbled (\"CafÃ©\" beside \"Café\"). Open it "
            "in Excel and save it as 'CSV UTF-8', then import it again; nothing was imported.")


def _decodes(path: Path, compression: Compression, encoding: str) -> bool:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        for block in _stream(path, compression):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _is_utf8(path: Path, compression: Compression) -> bool:
    return _decodes(path, compression, "utf-8")


def _detect_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in [",", ";", "\t", "|"]}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
