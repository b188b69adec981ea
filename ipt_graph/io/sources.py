"""Where importers read from: lenient delimited tables, folders and zip archives.

Exports arrive as CSV files (CRLF, quoted only when needed, sometimes with an unquoted line
break inside free text) in a folder or a zip made on any system (macOS adds ``__MACOSX/`` and
``.DS_Store``). :func:`parse_csv` reads such a file into a :class:`Table`, repairing what is
unambiguous and reporting it; :func:`source_files` lists the files of a folder or a zip,
refusing zip bombs (total size and compression ratio capped) and damaged archives with a
:class:`~ipt_graph.errors.ValidationError` that names the file, never its content.
"""

from __future__ import annotations

import csv
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import Problem, ValidationError

if TYPE_CHECKING:
    from .mapping import ImportReport

__all__ = [
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "ZIP_ERRORS",
    "SourceFile",
    "Table",
    "check_zip_sizes",
    "damaged_zip",
    "frame_table",
    "parse_csv",
    "read_zip_member",
    "sniff_separator",
    "source_files",
]

#: Cells and column names that may be shown in messages and reports: short codes, never
#: free text (a longer or spaced value could be a name).
SHOWABLE = re.compile(r"^[A-Za-z0-9_.+\-]{1,32}$")

#: Archives are refused when their members would unpack to more than this (zip bombs).
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: ... or when a member larger than 1 MiB is compressed more than this (bytes out per byte in).
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: What Python's zipfile raises on a damaged, truncated or hostile archive (a bad header, a
#: corrupt deflate stream, an offset past the end, an unknown compression, an encrypted member).
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zlib.error, struct.error, EOFError, NotImplementedError, RuntimeError,
    OSError, ValueError)

# --- Tables -----------------------------------------------------------------------------------


@dataclass
class Table:
    """A delimited table read leniently: the header and each data row with its line.

    ``line_kind`` says what the numbers count: ``"line"`` is the physical line in the file
    (1-based, the header is line 1); ``"row"`` is the data row (1-based).
    """

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    line_kind: str = "line"

    def where(self, line: int) -> str:
        """Where a row is: ``"<name> line 4"`` (or ``row 4``, ``node 4``...)."""
        return f"{self.name} {self.line_kind} {line}"

    @property
    def header_where(self) -> str:
        """Where the header is: line 1 of a file; the table's name otherwise."""
        return self.where(1) if self.line_kind == "line" else self.name

    @property
    def columns(self) -> list[str]:
        """The header without repeated names (the first of each is kept)."""
        return list(dict.fromkeys(self.header))

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row as ``(line, {column: cell})``; a repeated column name keeps its first."""
        for line, cells in self.rows:
            record: dict[str, str] = {}
            for name, cell in zip(self.header, cells, strict=True):
                record.setdefault(name, cell)
            yield line, record


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")


def _physical_lines(text: str) -> list[tuple[str, str]]:
    """Split into (content, terminator) pairs; a terminator is CRLF, LF, CR or empty."""
    lines = []
    for match in _LINE.finditer(text):
        chunk = match.group(0)
        if not chunk:
            continue
        body = chunk.rstrip("\r\n")
        lines.append((body, chunk[len(body):]))
    return lines


def _split_fields(text: str, sep: str) -> list[str]:
    return next(csv.reader([text], delimiter=sep, quotechar='"', doublequote=True,
                           strict=False), [""])


def parse_csv(data: bytes | str, name: str, report: ImportReport | None = None, *,
              sep: str = ",") -> Table:
    """Read a delimited table leniently and exactly: quoted fields, CRLF, broken rows.

    Quoted fields may hold separators, quotes and line breaks. A line break that older
    exporters left unquoted inside free text splits a row in two: in a CRLF file, a line
    ending in a bare LF or CR is joined to the next one; otherwise consecutive rows with too
    few fields are joined when that gives exactly the header's number of fields. A joined row
    keeps the break as ``"\\n"`` and is listed in ``report.repaired``. Blank lines are skipped.

    Raises
    ------
    ValidationError
        A row that cannot be repaired, a row with too many fields, an unclosed quote, or
        bytes that are not UTF-8: each problem names the file, the line and the column.
    """
    problems: list[Problem] = []
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError([Problem(name, "", f"is not UTF-8 text (byte {error.start})")]
                                  ) from None
    else:
        text = data.removeprefix("\ufeff")
    physical = _physical_lines(text)
    # 1. Logical records: physical lines joined while a quoted field is open.
    records: list[tuple[int, list[tuple[str, str]]]] = []  # (first line, [(body, term)])
    pending: list[tuple[str, str]] = []
    start = 0
    quotes = 0
    for line_no, (body, term) in enumerate(physical, start=1):
        if not pending:
            start = line_no
        pending.append((body, term))
        quotes += body.count('"')
        if quotes % 2 == 0:
            records.append((start, pending))
            pending, quotes = [], 0
    if pending:
        problems.append(Problem(f"{name} line {start}", "",
                                "a quoted field is never closed (unbalanced quote)"))
    records = [(line, parts) for line, parts in records
               if any(body.strip() for body, _ in parts)]
    if not records:
        if problems:
            raise ValidationError(problems)
        return Table(name, [], [])

    def fields_of(parts: list[tuple[str, str]]) -> list[str]:
        return _split_fields("".join(body + term for body, term in parts[:-1]) + parts[-1][0],
                             sep)

    header = [cell.strip() for cell in fields_of(records[0][1])]
    width = len(header)
    if report is not None:
        for column in {c for c in header if header.count(c) > 1}:
            report.add("unmapped_columns", name, "the header repeats this name: the first "
                       "column is read", column=column if SHOWABLE.match(column) else
                       "<column>")
    crlf_file = records[0][1][-1][1] == "\r\n"
    rows: list[tuple[int, list[str]]] = []
    index = 1

    def column_at(position: int) -> str:
        return header[position] if 0 <= position < width else f"field {position + 1}"

    def repaired(line: int, column: str) -> None:
        if report is not None:
            report.add("repaired", f"{name} line {line}",
                       'held an unquoted line break; the row was joined with "\\n"',
                       column=column)

    while index < len(records):
        line, parts = records[index]
        cells = fields_of(parts)
        index += 1
        if crlf_file and parts[-1][1] in ("\n", "\r") and index < len(records):
            # A bare LF or CR ending a row of a CRLF file is a break inside a value.
            joined, after, last = list(cells), index, parts
            while last[-1][1] in ("\n", "\r") and after < len(records):
                last = records[after][1]
                following = fields_of(last)
                joined = [*joined[:-1], joined[-1] + "\n" + following[0], *following[1:]]
                after += 1
            if len(joined) == width:
                repaired(line, column_at(len(cells) - 1))
                rows.append((line, joined))
                index = after
                continue
            if len(cells) != width:
                problems.append(Problem(
                    f"{name} line {line}", column_at(len(cells) - 1),
                    "a line break inside a value could not be repaired: joined, the row has "
                    f"{len(joined)} fields where the header has {width}"))
                index = after
                continue
        elif len(cells) < width:
            # Too few fields: join the following short rows while that helps.
            joined, after = list(cells), index
            ambiguous = len(cells) == 1 and bool(rows)  # may continue the row before
            while len(joined) < width and after < len(records):
                following = fields_of(records[after][1])
                if len(joined) + len(following) - 1 > width:
                    break
                joined = [*joined[:-1], joined[-1] + "\n" + following[0], *following[1:]]
                after += 1
            if len(joined) == width and not ambiguous and after > index:
                repaired(line, column_at(len(cells) - 1))
                rows.append((line, joined))
            else:
                problems.append(Problem(
                    f"{name} line {line}", column_at(len(cells)),
                    f"the row has {len(cells)} fields where the header has {width}, and "
                    "joining it to the next line does not repair it unambiguously"))
            index = after
            continue
        if len(cells) > width:
            if all(not cell.strip() for cell in cells[width:]):
                cells = cells[:width]  # trailing empty fields (a trailing separator)
            else:
                problems.append(Problem(
                    f"{name} line {line}", column_at(width - 1),
                    f"the row has {len(cells)} fields where the header has {width}: "
                    f"{len(cells) - width} past this last column"))
                continue
        rows.append((line, cells))
    if problems:
        raise ValidationError(problems)
    return Table(name, header, rows)


def sniff_separator(data: bytes | str) -> str:
    """``;`` or ``,``: whichever the header line has more of (outside quotes)."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    first = _physical_lines(text[:65536])[:1]
    header = re.sub(r'"[^"]*"', "", first[0][0]) if first else ""
    return ";" if header.count(";") > header.count(",") else ","


def frame_table(frame: pd.DataFrame, name: str) -> Table:
    """A pandas DataFrame as a :class:`Table` of text cells; lines count data rows."""
    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if value is pd.NA or value is pd.NaT:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    rows = [(i, [cell(v) for v in values])
            for i, values in enumerate(frame.itertuples(index=False, name=None), start=1)]
    return Table(name, [str(c) for c in frame.columns], rows, line_kind="row")


# --- Archives and folders ---------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """A file in a folder or an archive: its base name, the name shown, and its bytes."""

    name: str
    display: str
    read: Callable[[], bytes]


def _macos_junk(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return ("__MACOSX" in parts or parts[-1] == ".DS_Store" or parts[-1].startswith("._")
            or parts[-1] == "Thumbs.db")


def source_files(path: str | Path, suffixes: tuple[str, ...], report: ImportReport, *,
                 max_total: int = MAX_TOTAL_BYTES, max_ratio: float = MAX_RATIO
                 ) -> list[SourceFile]:
    """The files ending in ``suffixes`` in a folder (recursively), a zip, or a single file.

    macOS metadata (``__MACOSX/``, ``.DS_Store``, ``._*``) is skipped and reported; other
    files are skipped and reported too. A zip is refused (:class:`ValidationError`, a
    ``ValueError``) when its members would unpack to more than ``max_total`` bytes or a
    member larger than 1 MiB is compressed more than ``max_ratio`` to 1 (the usual signs of a
    zip bomb), or when it is damaged.
    """
    path = Path(path)
    wanted = tuple(s.lower() for s in suffixes)
    if path.is_dir():
        files = []
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            relative = item.relative_to(path).as_posix()
            if _macos_junk(relative):
                report.add("skipped_files", relative, "macOS metadata")
            elif item.name.lower().endswith(wanted):
                files.append(SourceFile(item.name, relative, item.read_bytes))
            else:
                report.add("skipped_files", relative, "not a file this importer reads")
        return files
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if zipfile.is_zipfile(path):
        return _zip_members(path, wanted, report, max_total, max_ratio)
    return [SourceFile(path.name, path.name, path.read_bytes)]


def damaged_zip(name: str) -> ValidationError:
    """The error for an archive that Python's zipfile cannot read."""
    return ValidationError([Problem(name, "", "is not a readable zip archive (damaged or "
                                    "truncated)")])


def _zip_members(path: Path, wanted: tuple[str, ...], report: ImportReport, max_total: int,
                 max_ratio: float) -> list[SourceFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except ZIP_ERRORS:
        raise damaged_zip(path.name) from None
    chosen = []
    for info in infos:
        display = f"{path.name}:{info.filename}"
        if _macos_junk(info.filename):
            report.add("skipped_files", display, "macOS metadata")
        elif info.filename.lower().endswith(wanted):
            chosen.append(info)
        else:
            report.add("skipped_files", display, "not a file this importer reads")
    check_zip_sizes(path.name, chosen, max_total, max_ratio)
    budget = [max_total]

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        return lambda: read_zip_member(path, info, budget)

    return [SourceFile(info.filename.replace("\\", "/").rsplit("/", 1)[-1],
                       f"{path.name}:{info.filename}", reader(info)) for info in chosen]


def check_zip_sizes(name: str, infos: Iterable[zipfile.ZipInfo], max_total: int = MAX_TOTAL_BYTES,
                    max_ratio: float = MAX_RATIO) -> None:
    """Refuse an archive whose declared sizes look like a zip bomb.

    Raises
    ------
    ValidationError
        (a ``ValueError``) naming the archive; member names are not shown, since file names
        can hold names.
    """
    total = 0
    for info in infos:
        total += info.file_size
        if (info.file_size > _RATIO_FLOOR
                and info.file_size > max_ratio * max(info.compress_size, 1)):
            raise ValidationError([Problem(name, "", (
                f"a member is compressed {info.file_size / max(info.compress_size, 1):.0f}:1, "
                f"more than {max_ratio:g}:1 (a zip bomb?); refused"))])
        if total > max_total:
            raise ValidationError([Problem(name, "", f"unpacks to more than {max_total} bytes "
                                           "(a zip bomb?); refused")])


def read_zip_member(path: Path, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """Read one member, never more than its declared size nor the remaining ``budget``."""
    limit = min(info.file_size, budget[0])
    try:
        with zipfile.ZipFile(path) as archive, archive.open(info) as stream:
            data = stream.read(limit + 1)
    except ZIP_ERRORS:
        raise damaged_zip(path.name) from None
    if len(data) > limit:
        raise ValidationError([Problem(path.name, "", "a member unpacks to more than it "
                                       "declares or than the size limit allows (a zip "
                                       "bomb?); refused")])
    budget[0] -= len(data)
    return data
