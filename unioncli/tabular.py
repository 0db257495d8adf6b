"""Spreadsheets in and out: the CSV and XLSX files grassroots unions send, and the ones we write.

Reading streams: a CSV is decoded in 64 KiB pieces and parsed by ``csv.reader`` in small batches,
so memory does not grow with the file. A clean batch (no cell to strip, no formula apostrophe, no
undecodable byte, every row as wide as the header) is turned into ``Row`` objects without any
Python code per cell; only batches that need it get the per-cell treatment. What needs it is
decided per 64 KiB piece of text with a few substring searches.

The format and the text encoding are detected from the content, never asked for and never taken
from the file name: clerks rename files, and Excel and WPS write CSV as GBK, UTF-8 with a BOM or
UTF-16 depending on the menu entry used.

Files written here hold personal data: they are created readable by their owner only (0600), and
cells that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``) get a leading
apostrophe, which reading removes again so that an export can be imported unchanged.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain, count, islice, repeat
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple, Self

from unioncli import i18n
from unioncli.errors import ExitCode, UnionCliError

i18n.register(
    {
        "tabular.empty": ("文件是空的：{file}", "the file is empty: {file}"),
        "tabular.binary": (
            "{file} 不是 CSV 或 XLSX 表格文件；请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入",
            "{file} is not a CSV or XLSX spreadsheet; save it as .xlsx or CSV in Excel or WPS "
            "and import that",
        ),
        "tabular.bad_xlsx": (
            "{file} 像是 XLSX 文件，但无法打开（文件可能已损坏，或不是 Excel 工作簿）；"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入",
            "{file} looks like an XLSX file but cannot be opened (it may be damaged, or not an "
            "Excel workbook); open it in Excel or WPS, save it again as .xlsx and import that",
        ),
        "tabular.xls": (
            "{file} 是旧版 Excel（.xls）文件，无法直接导入；"
            "请在 Excel 或 WPS 中“另存为” .xlsx 或 CSV 后再导入",
            "{file} is an old Excel (.xls) workbook, which cannot be imported; "
            "use Save As in Excel or WPS to save it as .xlsx or CSV and import that",
        ),
        "tabular.encrypted": (
            "{file} 设有打开密码，无法读取；请在 Excel 或 WPS 中取消密码后另存再导入",
            "{file} is protected with a password and cannot be read; remove the password in "
            "Excel or WPS, save it and import that",
        ),
        "tabular.unreadable": (
            "无法读取文件 {file}：{reason}",
            "cannot read the file {file}: {reason}",
        ),
        "tabular.bad_csv": (
            "{file} 第 {line} 行无法按 CSV 读取（{reason}）；请用 Excel 或 WPS 打开后另存再导入",
            "{file} cannot be read as CSV at line {line} ({reason}); open it in Excel or WPS, "
            "save it again and import that",
        ),
        "tabular.too_many_columns": (
            "{file} 的表头有 {columns} 列，超过上限 {max} 列；请删去多余的列后再导入",
            "the header of {file} has {columns} columns, more than the limit of {max}; "
            "remove the extra columns and import that",
        ),
        "tabular.line_too_long": (
            "{file} 中有一行超过 {max} 个字符，不像是表格文件；请用 Excel 或 WPS 打开后另存再导入",
            "{file} has a line longer than {max} characters and does not look like a "
            "spreadsheet; open it in Excel or WPS, save it again and import that",
        ),
        # The two row problems are shown as a row's reason without parameters (see problem_error).
        "tabular.xlsx_too_big": (
            "{file} 解压后有 {mb} MB，超出导入上限；请拆分后再导入，或另存为 CSV",
            "{file} unpacks to {mb} MB, more than an import takes: split it, or save it as CSV",
        ),
        "tabular.undecodable": (
            "含无法解码的字节（文件可能被截断或混用了编码）",
            "contains bytes that cannot be decoded (the file may be truncated or mix encodings)",
        ),
        "tabular.undecodable_as": (
            "含无法按 {encoding} 解码的字节（文件可能被截断或混用了编码）",
            "contains bytes that cannot be decoded as {encoding} "
            "(the file may be truncated or mix encodings)",
        ),
        "tabular.extra_cells": (
            "比表头多出有内容的单元格（多出的内容不会导入）；请删除多余内容或补上表头",
            "has more filled cells than the header has columns (the extra cells are not "
            "imported); remove them or add the missing header",
        ),
    }
)

SAMPLE_SIZE = 64 * 1024  # bytes looked at to tell the format, the encoding and the delimiter
_CHUNK = 64 * 1024  # bytes decoded at a time (small enough to stay in the CPU cache)
_BATCH = 64  # records checked at a time on the fast path
# Limits against hostile files, far above anything a union sends: memory stays bounded.
MAX_COLUMNS = 1000  # header columns
MAX_LINE = 4 * 1024 * 1024  # characters in one physical line of a CSV

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")  # stream name in a password-protected OLE

_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "gb18030": "GBK/GB18030",
}
DELIMITERS = (",", "\t", ";")

# Stripped from both ends of every cell. Kept to this set (rather than every Unicode space) so a
# few substring searches can tell that a piece of text has no cell to strip at all.
_WS = " \t\u3000\xa0"
_FORMULA_START = frozenset("=+-@")
_NEUTRALISE_START = frozenset("=+-@\t\r")

# Control bytes that do not occur in text (all but \t \n \f \r).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_TEXT_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_CONTROL_RE = re.compile("[" + re.escape(_CONTROL_BYTES.decode("latin-1")) + "]")
_APOSTROPHE_RE = re.compile("'[=+\\-@]")


class FileRejected(UnionCliError):
    """The file as a whole cannot be imported (empty, not a spreadsheet, damaged, unreadable)."""

    exit_code = ExitCode.IMPORT_REJECTED


@dataclass(frozen=True)
class Source:
    path: Path
    format: str  # "csv" or "xlsx"
    encoding: str | None  # the Python codec a CSV is read with; None for XLSX
    encoding_label: str  # what the clerk is told: "UTF-8", "UTF-8 (BOM)", "GBK/GB18030", ...
    delimiter: str | None  # ",", "\t" or ";" for CSV; None for XLSX


class Row(NamedTuple):
    line: int  # the row number Excel shows: the header is 1 (after any blank rows above it)
    cells: list[str]  # exactly one per header column
    problem: str | None  # None, "tabular.undecodable" or "tabular.extra_cells"


def problem_error(problem: str, source: Source) -> UnionCliError:
    """A row's problem as the error that rejects the row, naming the file's encoding if it helps."""
    if problem == "tabular.undecodable" and source.encoding is not None:
        return UnionCliError("tabular.undecodable_as", encoding=source.encoding_label)
    return UnionCliError(problem)


# ---------------------------------------------------------------------------------------------
# Decoding errors: replaced by U+FFFD, and counted so that clean files never look for U+FFFD.

_MARK = "unioncli-mark"
_marks = 0


def _mark(exc: UnicodeError) -> tuple[str, int]:
    global _marks
    if isinstance(exc, UnicodeDecodeError):
        _marks += 1
        return "\ufffd", exc.end
    raise exc


codecs.register_error(_MARK, _mark)

_new_row: Callable[..., Row] = tuple.__new__  # Row from (line, cells, problem) without Python code


# ---------------------------------------------------------------------------------------------
# Reading


class _Closing:
    """``with``: close at the end of the block."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Table(_Closing):
    """An open spreadsheet: its header, then its rows, streamed. Use it as a context manager."""

    source: Source
    header: list[str]
    total: int  # file size in bytes (CSV) or the sheet's row count (XLSX; 0 when unknown)

    def rows(self) -> Iterator[Row]:
        """The data rows in file order. Blank rows are skipped. Iterate once."""
        raise NotImplementedError

    def progress(self) -> int:
        """Bytes (CSV) or rows (XLSX) consumed so far, comparable with ``total``."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def open_table(path: Path) -> Table:
    """Open a CSV or XLSX file, detect its format, encoding and delimiter, and read its header."""
    path = Path(path)
    try:
        raw = open(path, "rb", buffering=0)  # noqa: SIM115 - owned by the returned Table
    except OSError as e:
        raise _unreadable(path, e) from None
    try:
        sample = _read_sample(raw)
        if sample.startswith(_ZIP_MAGIC):
            raw.close()
            return _XlsxTable(path)
        source = _detect_csv(path, sample)
        total = os.fstat(raw.fileno()).st_size
        raw.seek(0)
        return _CsvTable(source, raw, total)
    except OSError as e:
        raw.close()
        raise _unreadable(path, e) from None
    except BaseException:
        raw.close()
        raise


def _unreadable(path: Path, e: OSError) -> FileRejected:
    return FileRejected("tabular.unreadable", file=str(path), reason=e.strerror or type(e).__name__)


def _read_sample(raw: IO[bytes]) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < SAMPLE_SIZE:
        b = raw.read(SAMPLE_SIZE - size)
        if not b:
            break
        parts.append(b)
        size += len(b)
    return b"".join(parts)


def _detect_csv(path: Path, sample: bytes) -> Source:
    """Tell the encoding and the delimiter of a CSV from its first bytes."""
    file = str(path)
    if not sample:
        raise FileRejected("tabular.empty", file=file)
    if sample.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in sample:
            raise FileRejected("tabular.encrypted", file=file)
        raise FileRejected("tabular.xls", file=file)

    if sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in sample:
        encoding = _utf16_without_bom(sample) or ""
        if not encoding:
            raise FileRejected("tabular.binary", file=file)
    else:
        if _many_controls(sample.translate(None, _TEXT_BYTES), len(sample)):
            raise FileRejected("tabular.binary", file=file)
        encoding = _utf8_or_gb18030(sample)

    text = codecs.getincrementaldecoder(encoding)("replace").decode(sample, False)
    if encoding.startswith("utf-16") and _many_controls(_CONTROL_RE.findall(text), len(text)):
        raise FileRejected("tabular.binary", file=file)
    return Source(path, "csv", encoding, _LABELS[encoding], _sniff_delimiter(text))


def _many_controls(controls: Sized, size: int) -> bool:
    """True when there are "many" control characters: more than one, and over 1 % of the text."""
    n = len(controls)
    return n > 1 and n * 100 > size


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a BOM shows as ASCII text with a NUL after (LE) or before (BE) each char."""
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 2 * even and odd * 10 >= half:  # at least one character in ten is ASCII
        encoding = "utf-16-le"
    elif even > 2 * odd and even * 10 >= half:
        encoding = "utf-16-be"
    else:
        return None
    text = codecs.getincrementaldecoder(encoding)("replace").decode(sample, False)
    bad = text.count("\ufffd") + len(_CONTROL_RE.findall(text))
    if bad * 100 > len(text) or not any(c in text for c in ",\t;\n"):
        return None
    return encoding


def _utf8_or_gb18030(sample: bytes) -> str:
    candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(sample, False)
        except UnicodeDecodeError:
            continue
        return encoding

    def errors(encoding: str) -> int:
        return (
            codecs.getincrementaldecoder(encoding)("replace").decode(sample, False).count("\ufffd")
        )

    return min(candidates, key=errors)  # min keeps the first on a tie: UTF-8


def _sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            best = max(DELIMITERS, key=line.count)
            return best if line.count(best) else ","
    return ","


def _header(cells: Iterable[str], path: Path) -> list[str]:
    header = [
        _unneutralise(unicodedata.normalize("NFKC", c).strip().strip("\ufeff\u200b")) for c in cells
    ]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise FileRejected(
            "tabular.too_many_columns", file=str(path), columns=len(header), max=MAX_COLUMNS
        )
    return header


def _unneutralise(c: str) -> str:
    """Undo ``neutralise``: ``'=x`` is ``=x``, ``''=x`` is ``'=x``; other cells are unchanged."""
    if len(c) > 1 and c[0] == "'" and c.lstrip("'")[:1] in _FORMULA_START:
        return c[1:]
    return c


def _finish(cells: list[str], line: int, ncols: int, check_decoding: bool) -> Row | None:
    """Pad or cut cleaned cells to the header's width; None for a blank row."""
    if not any(cells):
        return None
    problem = None
    if check_decoding and any("\ufffd" in c for c in cells):
        problem = "tabular.undecodable"
    n = len(cells)
    if n < ncols:
        cells.extend([""] * (ncols - n))
    elif n > ncols:
        if problem is None and any(cells[ncols:]):
            problem = "tabular.extra_cells"
        del cells[ncols:]
    return Row(line, cells, problem)


class _CsvTable(Table):
    def __init__(self, source: Source, raw: IO[bytes], total: int) -> None:
        assert source.encoding is not None and source.delimiter is not None
        self.source = source
        self.total = total
        self._raw = raw
        d = source.delimiter
        self._ws = _WS.replace(d, "")
        ws = "".join(re.escape(c) for c in self._ws)
        dd = re.escape(d)
        # a strippable character at the edge of a cell: after/before a delimiter, a quote or a
        # line break (false positives only cost speed)
        self._edge = re.compile(f'(?:^|[{dd}"\\r\\n])[{ws}]|[{ws}](?:[{dd}"\\r\\n]|$)')
        self._marks = _marks
        self._decoding_failed = False  # the error handler fired since this file was opened
        self._dirty = False  # the piece of text being parsed needs per-cell work
        self._batch_dirty = False
        self._line = 0  # records read so far, blank ones included
        self._reader = csv.reader(chain.from_iterable(self._pieces()), delimiter=d)
        self.header = self._read_header()
        self._ncols = len(self.header)

    def _pieces(self) -> Iterator[io.StringIO]:
        """The file's text in pieces that end at a line break, each looked at once."""
        assert self.source.encoding is not None
        decode = codecs.getincrementaldecoder(self.source.encoding)(_MARK).decode
        read = self._raw.read
        pending = ""
        while True:
            b = read(_CHUNK)
            if b:
                text = pending + decode(b)
                cut = text.rfind("\n")
                if cut < 0:  # old Mac line ends, or one very long line
                    cut = text.rfind("\r", 0, len(text) - 1)
                    if cut < 0:
                        if len(text) > MAX_LINE:
                            raise FileRejected(
                                "tabular.line_too_long", file=str(self.source.path), max=MAX_LINE
                            )
                        pending = text
                        continue
                pending = text[cut + 1 :]
                text = text[: cut + 1]
            else:
                text = (pending + decode(b"", True)).rstrip("\x1a")  # DOS end-of-file mark
                if not text:
                    return
            dirty = self._needs_work(text)
            self._dirty = dirty
            if dirty:
                self._batch_dirty = True
            yield io.StringIO(text, newline="")
            if not b:
                return

    def _needs_work(self, text: str) -> bool:
        for c in self._ws:
            if c in text:
                if self._edge.search(text):
                    return True
                break
        if "'" in text and _APOSTROPHE_RE.search(text):
            return True
        if not self._decoding_failed and _marks != self._marks:
            self._decoding_failed = True
        return self._decoding_failed and "\ufffd" in text

    def _next_records(self, out: list[list[str]], n: int) -> None:
        try:
            out.extend(islice(self._reader, n))
        except csv.Error as e:
            raise FileRejected(
                "tabular.bad_csv",
                file=str(self.source.path),
                line=self._line + len(out) + 1,
                reason=str(e),
            ) from None
        except OSError as e:
            raise _unreadable(self.source.path, e) from None

    def _read_header(self) -> list[str]:
        while True:
            records: list[list[str]] = []
            self._next_records(records, 1)
            if not records:
                raise FileRejected("tabular.empty", file=str(self.source.path))
            self._line += 1
            header = _header(records[0], self.source.path)
            if header:
                return header

    def rows(self) -> Iterator[Row]:
        return chain.from_iterable(self._batches())

    def _batches(self) -> Iterator[Iterable[Row]]:
        ncols = self._ncols
        width_ok = ncols.__eq__
        while True:
            self._batch_dirty = self._dirty
            batch: list[list[str]] = []
            self._next_records(batch, _BATCH)
            if not batch:
                return
            line = self._line
            self._line = line + len(batch)
            if (
                not self._batch_dirty
                and all(map(width_ok, map(len, batch)))
                and all(map(any, batch))
            ):
                yield map(_new_row, repeat(Row), zip(count(line + 1), batch, repeat(None)))
            else:
                yield self._slow(batch, line)

    def _slow(self, batch: list[list[str]], line: int) -> list[Row]:
        ws = self._ws
        ncols = self._ncols
        check = self._decoding_failed
        rows = []
        for record in batch:
            line += 1
            cells = [_unneutralise(c.strip(ws)) if c else c for c in record]
            row = _finish(cells, line, ncols, check)
            if row is not None:
                rows.append(row)
        return rows

    def progress(self) -> int:
        if self._raw.closed:
            return self.total
        return self._raw.tell()

    def close(self) -> None:
        self._raw.close()


def _float_text(v: float) -> str:
    """A float as Excel shows it: 15 significant digits, never in scientific notation."""
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    s = format(v, ".15g")
    if "e" in s:
        s = format(Decimal(s), "f")
    return s


def _xlsx_text(v: object) -> str:
    if isinstance(v, str):
        return _unneutralise(v.strip(_WS)) if v else v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float_text(v)
    if isinstance(v, datetime):
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.strftime("%H:%M:%S")
    if isinstance(v, timedelta):
        return str(v)
    return str(v).strip(_WS)


# openpyxl reads the shared-strings part whole: a small file that unpacks to gigabytes is refused
MAX_XLSX_UNPACKED = 512 * 1024 * 1024


def _refuse_zip_bomb(raw: IO[bytes], path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(raw) as z:
            unpacked = sum(info.file_size for info in z.infolist())
    except zipfile.BadZipFile:
        raise FileRejected("tabular.bad_xlsx", file=str(path)) from None
    finally:
        raw.seek(0)
    if unpacked > MAX_XLSX_UNPACKED:
        raise FileRejected("tabular.xlsx_too_big", file=str(path), mb=unpacked // (1024 * 1024))


class _XlsxTable(Table):
    def __init__(self, path: Path) -> None:
        from openpyxl import load_workbook

        self._line = 0
        # a file object, not the path: openpyxl refuses names not ending in .xlsx, and clerks
        # rename files
        self._file = open(path, "rb")  # noqa: SIM115 - owned by this Table
        try:
            _refuse_zip_bomb(self._file, path)
            self._wb: Any = load_workbook(self._file, read_only=True, data_only=True)
            if not self._wb.worksheets:
                raise FileRejected("tabular.empty", file=str(path))
            ws = self._wb.worksheets[0]
            self.total = ws.max_row or 0
            # some writers record a wrong sheet size, which would cut rows short: read it all
            ws.reset_dimensions()
            self._values: Iterator[tuple[object, ...]] = ws.iter_rows(values_only=True)
        except FileRejected:
            self.close()
            raise
        except OSError as e:
            self.close()
            raise _unreadable(path, e) from None
        except Exception:
            self.close()
            raise FileRejected("tabular.bad_xlsx", file=str(path)) from None
        self.source = Source(path, "xlsx", None, "XLSX", None)
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    def _next(self) -> tuple[object, ...] | None:
        try:
            return next(self._values)
        except StopIteration:
            return None
        except OSError as e:
            raise _unreadable(self.source.path, e) from None
        except Exception:
            raise FileRejected("tabular.bad_xlsx", file=str(self.source.path)) from None

    def _read_header(self) -> list[str]:
        while True:
            values = self._next()
            if values is None:
                raise FileRejected("tabular.empty", file=str(self.source.path))
            self._line += 1
            header = _header(map(_xlsx_text, values), self.source.path)
            if header:
                return header

    def rows(self) -> Iterator[Row]:
        ncols = len(self.header)
        while True:
            values = self._next()
            if values is None:
                return
            self._line += 1
            row = _finish(list(map(_xlsx_text, values)), self._line, ncols, False)
            if row is not None:
                yield row

    def progress(self) -> int:
        return self._line

    def close(self) -> None:
        wb = getattr(self, "_wb", None)
        if wb is not None:
            wb.close()
        self._file.close()


# ---------------------------------------------------------------------------------------------
# Writing


def neutralise(cell: str) -> str:
    """Stop a spreadsheet from running a cell as a formula: prefix an apostrophe.

    A cell that already starts with apostrophes and a formula character (``'=x``) gets one more,
    so reading the file back, which removes one, gives the cell unchanged.
    """
    if cell and (
        cell[0] in _NEUTRALISE_START or (cell[0] == "'" and cell.lstrip("'")[:1] in _FORMULA_START)
    ):
        return "'" + cell
    return cell


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _create_private(path: Path) -> int:
    """Open ``path`` for writing, readable by its owner only, even if it existed before."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    if hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):  # someone else's file we may write but not chmod
            os.fchmod(fd, 0o600)
    return fd


class TableWriter(_Closing):
    """Write a CSV or XLSX file row by row; the header is written at once. A context manager."""

    def __init__(
        self,
        path: Path,
        header: list[str],
        *,
        format: str = "csv",
        encoding: str = "utf-8-sig",
        delimiter: str = ",",
    ) -> None:
        if format not in ("csv", "xlsx"):
            raise ValueError(f"unknown table format: {format}")
        self.path = Path(path)
        self.format = format
        self.rows_written = 0
        self._closed = False
        fd = _create_private(self.path)
        if format == "csv":
            self._text = open(fd, "w", encoding=encoding, errors="replace", newline="")  # noqa: SIM115
            self._csv = csv.writer(self._text, delimiter=delimiter, lineterminator="\r\n")
            self._csv.writerow([_cell_text(h) for h in header])
        else:
            from openpyxl import Workbook
            from openpyxl.styles import Font

            self._binary = open(fd, "wb")  # noqa: SIM115
            self._wb: Any = Workbook(write_only=True)
            self._ws: Any = self._wb.create_sheet()
            self._cells: list[Any] = []  # one styled cell per column, reused row after row
            bold = Font(bold=True)
            self._ws.append([self._xlsx_cell(_cell_text(h), bold) for h in header])

    def _xlsx_cell(self, value: str, font: Any = None) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._ws, value=_xlsx_safe(value) or None)
        cell.number_format = "@"  # text: a clerk retyping an ID here does not get 5.1E+17
        if font is not None:
            cell.font = font
        return cell

    def write(self, cells: Sequence[object]) -> None:
        texts = [_cell_text(c) for c in cells]
        if self.format == "csv":
            self._csv.writerow(texts)
        else:
            pool = self._cells
            while len(pool) < len(texts):
                pool.append(self._xlsx_cell(""))
            for cell, text in zip(pool, texts, strict=False):
                cell.value = _xlsx_safe(text) or None
            self._ws.append(pool[: len(texts)])
        self.rows_written += 1

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.format == "csv":
            self._text.close()
        else:
            try:
                self._wb.save(self._binary)
            finally:
                self._binary.close()


_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_safe(text: str) -> str:
    """XLSX cannot hold most control characters: drop them."""
    return _XLSX_ILLEGAL.sub("", text) if _XLSX_ILLEGAL.search(text) else text


def writer_like(source: Source, path: Path, header: list[str]) -> TableWriter:
    """A writer for a file like ``source`` (a rejects file): same format, encoding, delimiter."""
    if source.format == "xlsx":
        return TableWriter(path, header, format="xlsx")
    return TableWriter(
        path,
        header,
        format="csv",
        encoding=source.encoding or "utf-8-sig",
        delimiter=source.delimiter or ",",
    )
