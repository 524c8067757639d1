"""Read a CSV or XLSX file as Excel writes it into chunks of text cells, or refuse it with a clear reason."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, cast

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from compstat_desk.core.errors import ImportRefused

SAMPLE_BYTES = 1 << 16
ROW_NUMBER = "__row__"  # the row number a user sees in Excel: the header is row 1
Compression = Literal["gzip"] | None  # how a CSV file is packed (None: plain text)


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
    bad_lines: list[BadLine] = field(default_factory=list)
    _frame: pd.DataFrame | None = None  # XLSX is read whole (Excel caps a sheet at ~1M rows)

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
        try:
            for chunk in self._arrow_chunks(chunksize, arrow_text):
                rows += len(chunk)
                yield chunk
        except pa.ArrowInvalid:
            # A row with more or fewer fields than the header: go on from there with Python's csv module, which
            # keeps such rows aside (or pads them). The rows already read are skipped, not read twice.
            yield from self._python_chunks(chunksize, skip=rows)

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
                    yield _text_frame(table.slice(0, chunksize), offset, arrow_text)
                    offset += chunksize
                    rest = table.slice(chunksize)
                    waiting, count = rest.to_batches(), rest.num_rows
            if count:
                yield _text_frame(pa.Table.from_batches(waiting), offset, arrow_text)

    def _python_chunks(self, chunksize: int, skip: int = 0) -> Iterator[pd.DataFrame]:
        """The slow reader, from the `skip`-th row on (rows counted as Arrow counts them: all but empty lines)."""
        opener = gzip.open if self.compression == "gzip" else open
        width = len(self.columns)
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
            for record in reader:
                line = reader.line_num
                if not record or all(not c.strip() for c in record):
                    continue
                if len(record) > width:
                    if all(not c.strip() for c in record[width:]):
                        record = record[:width]
                    else:
                        self.bad_lines.append(BadLine(line, _csv_line(record),
                                                      f"has {len(record)} fields where the header has {width}"))
                        continue
                record = record + [""] * (width - len(record))
                rows.append(record)
                numbers.append(line)
                if len(rows) >= chunksize:
                    yield _frame(rows, numbers, self.columns)
                    rows, numbers = [], []
            if rows:
                yield _frame(rows, numbers, self.columns)


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


def open_table(path: str | Path) -> TableSource:
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
        return _open_xlsx(path)
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
        except OSError as exc:
            raise ImportRefused(f"{path.name} is a damaged gzip file ({exc}).") from exc
    if not head.strip():
        raise ImportRefused(f"{path.name} is empty (it holds only blank space).")
    encoding = _detect_encoding(path, head, compression)
    text = head.decode(encoding, errors="replace")
    if "\x00" in text:
        raise ImportRefused(f"{path.name} is a binary file, not a CSV or Excel table.")
    lines = text.splitlines()
    header_line = next((i for i, line in enumerate(lines) if line.strip()), 0)
    first = lines[header_line] if lines else ""
    delimiter = _detect_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    columns = _clean_columns(header)
    if not any(columns):
        raise ImportRefused(f"{path.name} has no header row.")
    return TableSource(path, "csv", columns, encoding=encoding, delimiter=delimiter, compression=compression,
                       header_line=header_line)


def _open_xlsx(path: Path) -> TableSource:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
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
    with opener(path, "rb") as fh:
        while block := fh.read(1 << 20):
            yield block


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
