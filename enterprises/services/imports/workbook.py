"""Reading the first sheet of an XLSX workbook as a stream of rows, within fixed limits
(`Workbook`, used by `reading`).

Why not openpyxl (issue 12): its read-only mode parses every shared string when it opens a
workbook and walks every <row> element, so what a file costs follows what it declares, not the
data it holds: 6,000,000 shared strings in 250 KB held an upload request 51 s, and 10,000,000
empty <row/> elements (89 KB zipped) cost a worker 14 s and 1 GB. This reader, on `zipfile` and
expat, reads only what the import uses, as it goes:
- the parts, by their relationships (ECMA-376 Part 2, OPC): `_rels/.rels` names the workbook,
  the workbook's relationships name its first worksheet, its shared strings and its styles,
  wherever a program put them and whatever namespace prefix it used;
- the sheet row by row: `header()` stops after the first row (the upload form reads nothing
  more), `rows()` reads the rows below it and keeps only the columns under a header;
- the shared strings lazily, up to the highest index a cell read so far refers to, and kept for
  the next pass; the date formats of the styles once, when a pass starts.

Cells become the values openpyxl's read-only, data-only mode gave, so validation is unchanged:
- `t="s"` a shared string (its index checked), `t="inlineStr"` the text of <is>, `t="str"` (a
  formula's text) and `t="e"` (an error such as #N/A) the text of <v>, `t="b"` True or False,
  `t="d"` an ISO 8601 date and time; a formula gives its cached value, never its text;
- numbers (no `t`, or `t="n"`) an int when written without ".", "e" or "E", else a float; a
  number in a cell styled with a date format a datetime (`openpyxl.utils.datetime.from_excel`,
  the 1904 date system of old Mac workbooks honoured). Date formats are the built-in ones
  (ids 14-22 and 45-47, and 27-36 and 50-58, the dates of the Chinese, Japanese and Korean
  locales that openpyxl misses, ECMA-376 Part 1 §18.8.30) and the custom ones that openpyxl's
  `is_date_format` recognises (yyyy"年"m"月"d"日" among them);
- text as written: the _xHHHH_ escapes that Excel writes for control characters decoded
  (ST_Xstring, §22.9.2.19), phonetic guides (<rPh>, furigana) left out, rich-text runs joined.

Limits (`XlsxLimits`; from IMPORT_MAX_BYTES and IMPORT_MAX_ROWS, with floors so that a small
row limit does not make ordinary workbooks fail). Each is checked while streaming, the sizes of
the parts also up front from the zip's directory; a file over any of them is refused whole
with `ImportRefused`, before anything is written:
- the zip: at most 10,000 entries (from its end record, before `zipfile` builds an object for
  each entry), only the stored and deflate methods (OPC allows no others);
- each part read: at most 16 × IMPORT_MAX_BYTES unpacked (our own export writes about 1.2 KB
  of XML per row: 119 MB for 100,000 rows), and at most 100 times its packed size once past
  1 MiB (real sheets pack 5 to 10 times; the 10,000,000-row bomb about 700 times). Counted while
  decompressing too, since a zip's directory can lie; and no more than 1 MB of it without a
  ">" (`_TOKEN_BYTES`: expat holds a whole tag or comment in memory before it reports it);
- the sheet: 5 <row> elements for each row allowed, empty or not (Excel writes one for a row
  that only has a height or a format), so 10,000,000 empty rows are refused after one million;
  16,384 cells in a row (the XLSX maximum of columns) and 64 cells for each row allowed in all;
- text: 16 shared strings for each row allowed, IMPORT_MAX_BYTES characters of shared strings
  in all (no more text than a CSV file at the size limit holds), 32,767 characters in a cell
  (Excel's own limit), 65,536 in the header row (`_HEADER_CHARS`: what the upload form holds).

A damaged file is refused before anything is written: every cell of a column that is read is
resolved the same way in every pass, so the pass that counts the rows before the first chunk
is written (`Table.count`) meets any damage first: a shared-string index out of range, XML cut
off or not well-formed, a part whose CRC does not match, a number that is not one.

XML: expat, with a DOCTYPE refused outright: no OOXML part has one, so no entity can be
declared, expanded (the "billion laughs") or fetched.

Speed (100,000 rows of 13 columns; CPU seconds to open, count and read the rows, openpyxl's
read-only mode against this reader, runs interleaved on a loaded 2-core machine): the
benchmark's XLSX copy (inline strings) 16.4 s against 7.8 s; shared strings and date cells as
Excel writes them 10.0 s against 6.3 s; opening up to the header row (the upload form) 3 to 5
s against under 0.05 s. A pass over the rows costs 3 to 4 s: expat calls a few small Python
handlers per element, which compare names with strings made once per pass. The upload form's
worst case, a header that refers to the last of 3,200,000 shared strings, is refused after
about 2.4 s: the entries it skips are only counted, by one handler call each.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from enterprises.services.imports.reading import ImportRefused

_CHUNK = 1 << 16  # bytes decompressed and parsed at a time
_RATIO_FLOOR = 1 << 20  # parts that unpack to less are not held to the packing ratio
# Expat holds a whole tag (with its attributes) or comment in memory before it reports it: no
# run of a part may go this far without a ">" (a cell's longest text is under 128 KB).
_TOKEN_BYTES = 1 << 20
_MAX_COLUMNS = 16_384  # XLSX: columns A to XFD
_MAX_STYLES = 65_536  # cell formats (Excel allows 64,000)
# The text of the header row, inline and shared each: the template's 16 headers hold under 150
# characters, an export's 24 under 300; the upload form holds no more than this in memory.
_HEADER_CHARS = 65_536
_DIGITS = "0123456789"
# Built-in number formats that show dates or times (ECMA-376 Part 1 §18.8.30).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_REL_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/",  # strict OOXML
)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class XlsxLimits:
    """What a workbook may cost (module docstring, "Limits")."""

    part_bytes: int
    row_elements: int
    cells: int
    shared_strings: int
    shared_chars: int
    ratio: int = 100
    cells_per_row: int = _MAX_COLUMNS
    cell_chars: int = 32_767
    zip_entries: int = 10_000

    @classmethod
    def for_import(cls, *, max_bytes: int, max_rows: int) -> XlsxLimits:
        return cls(
            part_bytes=16 * max_bytes,
            row_elements=max(5 * max_rows, 10_000) + 1,  # and the header
            cells=max(64 * max_rows, 100_000),
            shared_strings=max(16 * max_rows, 100_000),
            shared_chars=max_bytes,
        )


class _Stop(Exception):  # noqa: N818 - ends a parse early; never leaves this module
    pass


def _refused_damaged(detail: str) -> ImportRefused:
    return ImportRefused(
        _("The file could not be read (%(e)s); save it again and retry.") % {"e": detail}
    )


def _refused_invalid() -> ImportRefused:
    return ImportRefused(_("The file is not a valid XLSX workbook."))


def _no_doctype(*_args: Any) -> None:
    raise _refused_invalid()


def _parser() -> Any:
    """An expat parser with namespaces (names as "uri}local"), text in large pieces, and no
    DOCTYPE (see the module docstring)."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _unescaped(text: str) -> str:
    """Text with the _xHHHH_ escapes of ST_Xstring decoded (_x005F_ is an underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = int(match[1], 16)
    return match[0] if 0xD800 <= code <= 0xDFFF else chr(code)  # no lone surrogates


@functools.cache
def _column_indexes() -> dict[str, int]:
    """Column letters (A to XFD) -> index from 0."""
    indexes: dict[str, int] = {}
    for index in range(_MAX_COLUMNS):
        letters, n = "", index + 1
        while n:
            n, rest = divmod(n - 1, 26)
            letters = chr(65 + rest) + letters
        indexes[letters] = index
    return indexes


def _zip_entries(data: bytes) -> tuple[int, int]:
    """(entries, size of the central directory) that a zip's end record declares (ZIP
    APPNOTE 4.3.14 to 4.3.16); (0, 0) when there is no end record (zipfile then refuses)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if end < 0 or len(data) < end + 22:
        return 0, 0
    entries, size = struct.unpack_from("<HI", data, end + 10)
    locator = end - 20
    zip64 = entries == 0xFFFF or size == 0xFFFFFFFF
    if zip64 and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        (offset,) = struct.unpack_from("<Q", data, locator + 8)
        if data[offset : offset + 4] == b"PK\x06\x06" and len(data) >= offset + 48:
            entries, size = struct.unpack_from("<QQ", data, offset + 32)
    return entries, size


class _SharedStrings:
    """The shared-string table, parsed as far as the cells read so far need. Every entry
    parsed counts toward the limits; `items` keeps them all for the passes over the rows,
    `fetch` only the ones asked for (the header row's, for the upload form)."""

    def __init__(self, chunks: Generator[bytes, None, None] | None, limits: XlsxLimits) -> None:
        self.items: list[str] = []
        self._count = 0  # entries parsed
        self._wanted: set[int] | None = None  # with `fetch`: the entries to keep
        self._found: dict[int, str] = {}
        self._found_chars = 0
        self._chunks = chunks
        self._limits = limits
        self._chars = 0
        self._parser = _parser()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data
        self._parts: list[str] = []
        self._size = 0
        self._collecting = False
        self._phonetic = 0
        self._t = self._si = self._rph = "\0"  # element names, set by the root element

    def close(self) -> None:
        if self._chunks is not None:
            self._chunks.close()
            self._chunks = None

    def get(self, index: int, row: int) -> str:
        """The string at `index`, for a cell of `row`; a missing one is damage."""
        self._read_past(index, row)
        return self.items[index]

    def fetch(self, wanted: set[int]) -> dict[int, str]:
        """The strings at these indexes, keeping no other (a table that is used once), at most
        `_HEADER_CHARS` characters of them. The entries between them are only counted, by one
        handler call each (`_skipped`)."""
        self._wanted = wanted
        self._read_past(max(wanted), 1)
        self._read_past(min(wanted), 1)  # a negative index
        return self._found

    def _read_past(self, index: int, row: int) -> None:
        """Parse until entry `index` is read; refuse the file when it has no such entry (a
        cell of `row` refers to it)."""
        while index >= self._count and self._chunks is not None:
            chunk = next(self._chunks, None)
            try:
                if chunk is None:
                    self._chunks = None
                    self._parser.Parse(b"", True)
                else:
                    self._parser.Parse(chunk, False)
            except expat.ExpatError as exc:
                raise _refused_damaged(_("shared strings: %(e)s") % {"e": exc}) from exc
        if not 0 <= index < self._count:
            raise _refused_damaged(
                _("row %(row)s: a cell refers to shared string %(i)s, and the workbook has %(n)s")
                % {"row": f"{row:,}", "i": f"{index:,}", "n": f"{self._count:,}"}
            )

    def _start(self, name: str, _attrs: dict[str, str]) -> None:
        if name == self._t:
            if not self._phonetic:
                self._collecting = True
        elif name == self._si:
            self._parts, self._size = [], 0
        elif name == self._rph:
            self._phonetic += 1
        elif self._si == "\0":  # the root element: its namespace names the rest
            space = name[: -len(_local(name))]
            self._t, self._si, self._rph = space + "t", space + "si", space + "rPh"
            self._skip_unwanted()

    def _skip_unwanted(self) -> None:
        """With `fetch`: read the next entry only if it is wanted, else only count it."""
        if self._wanted is None:
            return
        parser = self._parser
        if self._count in self._wanted:
            parser.StartElementHandler = self._start
            parser.EndElementHandler = self._end
            parser.CharacterDataHandler = self._data
        else:
            parser.StartElementHandler = parser.CharacterDataHandler = None
            parser.EndElementHandler = self._skipped

    def _skipped(self, name: str) -> None:
        if name == self._si:
            self._count += 1
            self._check_count()
            self._skip_unwanted()

    def _end(self, name: str) -> None:
        if name == self._t:
            self._collecting = False
        elif name == self._si:
            if self._wanted is None:
                self.items.append(_unescaped("".join(self._parts)))
            elif self._count in self._wanted:
                self._found[self._count] = _unescaped("".join(self._parts))
                self._found_chars += self._size
                if self._found_chars > _HEADER_CHARS:
                    raise _refused_header()
            self._count += 1
            self._check_count()
            self._skip_unwanted()
            self._chars += self._size
            if self._chars > self._limits.shared_chars:
                raise ImportRefused(
                    _(
                        "The workbook holds more than %(n)s characters of text; save it as "
                        "CSV, or split it into smaller files."
                    )
                    % {"n": f"{self._limits.shared_chars:,}"}
                )
        elif name == self._rph:
            self._phonetic -= 1

    def _check_count(self) -> None:
        if self._count > self._limits.shared_strings:
            raise ImportRefused(
                _(
                    "The workbook holds more than %(n)s different texts; save it as CSV, "
                    "or split it into smaller files."
                )
                % {"n": f"{self._limits.shared_strings:,}"}
            )

    def _data(self, text: str) -> None:
        if self._collecting:
            self._parts.append(text)
            self._size += len(text)
            if self._size > self._limits.cell_chars:
                raise _refused_cell_chars(self._limits)


class _SharedIndex(int):
    """A shared-string index in the header row, until the row is read (`Workbook.header`)."""


def _refused_header() -> ImportRefused:
    return ImportRefused(
        _("The first row holds more than %(n)s characters; it must hold the column headers.")
        % {"n": f"{_HEADER_CHARS:,}"}
    )


def _refused_cell_chars(limits: XlsxLimits) -> ImportRefused:
    return ImportRefused(
        _("A cell holds more than %(n)s characters, more than a spreadsheet allows.")
        % {"n": f"{limits.cell_chars:,}"}
    )


class Workbook:
    """The first worksheet of an XLSX file: its header row and its rows, read as streams.

    Opening reads the zip's directory and the small parts that say where the sheet is; raises
    `ImportRefused` for a file that is not a workbook or breaks a limit up front.
    """

    def __init__(self, data: bytes, *, limits: XlsxLimits) -> None:
        self.limits = limits
        entries, directory = _zip_entries(data)
        # An entry takes at least 46 bytes of the directory, a real one rarely over 256.
        if entries > limits.zip_entries or directory > limits.zip_entries * 256:
            raise ImportRefused(
                _(
                    "The workbook holds more than %(n)s parts; save the register sheet alone, "
                    "or as CSV."
                )
                % {"n": f"{limits.zip_entries:,}"}
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except Exception as exc:  # zipfile's errors, and what a crafted directory raises
            raise _refused_invalid() from exc
        try:
            self._open()
        except BaseException:
            self._zip.close()
            raise
        self._strings = _SharedStrings(
            self._chunks(self._strings_part) if self._strings_part else None, limits
        )
        self._dates: tuple[frozenset[str], dt.datetime] | None = None

    def close(self) -> None:
        self._strings.close()
        self._zip.close()

    # --- the parts -----------------------------------------------------------------------

    def _open(self) -> None:
        names = {info.filename.lower(): info for info in self._zip.infolist()}
        self._names = names
        root_rels = self._relationships("")
        book_name = next(
            (target for kind, target in root_rels.values() if kind == "officeDocument"),
            "xl/workbook.xml",
        )
        rels = self._relationships(book_name)
        epoch, sheet_ids = self._workbook(book_name)
        sheet = next(
            (rels[i][1] for i in sheet_ids if i in rels and rels[i][0] == "worksheet"), None
        )
        if sheet is None:
            raise _refused_invalid()
        self._sheet_part = self._part(sheet)
        kinds = dict(rels.values())
        strings = kinds.get("sharedStrings")
        styles = kinds.get("styles")
        self._strings_part = self._part(strings) if strings and self._has(strings) else None
        self._styles_part = self._part(styles) if styles and self._has(styles) else None
        self._epoch = epoch
        for part in (self._sheet_part, self._strings_part, self._styles_part):
            if part is not None:
                self._check_size(part)  # up front: a bomb is refused before it is opened

    def _has(self, name: str) -> bool:
        return name.lower() in self._names

    def _part(self, name: str) -> zipfile.ZipInfo:
        info = self._names.get(name.lower())
        if info is None:
            raise _refused_invalid()
        return info

    def _check_size(self, info: zipfile.ZipInfo, unpacked: int | None = None) -> None:
        size = info.file_size if unpacked is None else unpacked
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refused_invalid()
        if size > self.limits.part_bytes:
            raise ImportRefused(
                _(
                    "The workbook is too large once unpacked (%(part)s: more than %(mb)s MB); "
                    "save it as CSV, or split it into smaller files."
                )
                % {"part": info.filename, "mb": f"{self.limits.part_bytes // (1 << 20):,}"}
            )
        if size > max(_RATIO_FLOOR, self.limits.ratio * info.compress_size):
            raise ImportRefused(
                _(
                    "The workbook unpacks to more than %(n)s times its packed size "
                    "(%(part)s), which no spreadsheet program writes; save it again, or as CSV."
                )
                % {"part": info.filename, "n": self.limits.ratio}
            )

    def _chunks(self, info: zipfile.ZipInfo) -> Generator[bytes, None, None]:
        """The part's bytes as they are decompressed, counted against the limits (a zip's
        directory can lie about sizes); damage (bad CRC, cut-off data) is ImportRefused."""
        self._check_size(info)
        total = since_markup = 0  # bytes since the last ">"
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > info.file_size:
                        raise _refused_damaged(info.filename)
                    self._check_size(info, total)
                    first = chunk.find(b">")
                    if first < 0:
                        since_markup += len(chunk)
                    else:
                        since_markup += first
                    if since_markup > _TOKEN_BYTES:
                        raise ImportRefused(
                            _(
                                "The workbook holds a piece of markup or text of more than "
                                "%(n)s MB (%(part)s), which no spreadsheet program writes; "
                                "save it again, or as CSV."
                            )
                            % {"n": _TOKEN_BYTES >> 20, "part": info.filename}
                        )
                    if first >= 0:
                        since_markup = len(chunk) - chunk.rfind(b">") - 1
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            raise _refused_damaged(f"{info.filename}: {exc}") from exc

    def _elements(
        self, info: zipfile.ZipInfo, handle: Callable[[str, dict[str, str]], None]
    ) -> None:
        """Parse a small part, calling `handle(local name, attributes)` for each element
        until it raises `_Stop`."""
        parser = _parser()
        parser.StartElementHandler = lambda name, attrs: handle(_local(name), attrs)
        try:
            for chunk in self._chunks(info):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Stop:
            return
        except expat.ExpatError as exc:
            raise _refused_damaged(f"{info.filename}: {exc}") from exc

    def _relationships(self, source: str) -> dict[str, tuple[str, str]]:
        """{id: (type's last word, part name)} of a part's relationships (OPC §9.3)."""
        folder, name = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        if not self._has(rels_name):
            return {}
        found: dict[str, tuple[str, str]] = {}

        def handle(local: str, attrs: dict[str, str]) -> None:
            if local != "Relationship" or attrs.get("TargetMode") == "External":
                return
            kind, target = attrs.get("Type", ""), attrs.get("Target", "")
            for prefix in _REL_TYPES:
                if kind.startswith(prefix):
                    kind = kind[len(prefix) :]
            if target.startswith("/"):
                part = target.lstrip("/")
            else:
                part = posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (kind, part)

        self._elements(self._part(rels_name), handle)
        return found

    def _workbook(self, name: str) -> tuple[dt.datetime, list[str]]:
        """(date epoch, relationship ids of the sheets in order) from the workbook part."""
        epoch = [WINDOWS_EPOCH]
        sheets: list[str] = []

        def handle(local: str, attrs: dict[str, str]) -> None:
            if local == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                epoch[0] = MAC_EPOCH
            elif local == "sheet":
                sheets.extend(v for k, v in attrs.items() if "}" in k and _local(k) == "id")

        self._elements(self._part(name), handle)
        return epoch[0], sheets

    def _date_styles(self) -> frozenset[str]:
        """The cell styles (their `s` attribute as written) whose number format is a date."""
        if self._styles_part is None:
            return frozenset()
        custom: dict[str, str] = {}
        formats: list[str] = []
        inside = [False]

        def handle(local: str, attrs: dict[str, str]) -> None:
            if local == "numFmt" and len(custom) < _MAX_STYLES:
                custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")[:255]
            elif local == "cellXfs":
                inside[0] = True
            elif local == "xf" and inside[0]:
                formats.append(attrs.get("numFmtId", "0"))
                if len(formats) > _MAX_STYLES:
                    raise _refused_damaged(_("more than %(n)s cell styles") % {"n": _MAX_STYLES})
            elif local in ("cellStyles", "dxfs") and inside[0]:
                raise _Stop  # past the cell formats

        self._elements(self._styles_part, handle)
        return frozenset(
            str(index) for index, fmt in enumerate(formats) if self._is_date_format(fmt, custom)
        )

    @staticmethod
    def _is_date_format(fmt: str, custom: dict[str, str]) -> bool:
        if fmt in custom:
            return bool(is_date_format(custom[fmt]))
        return fmt.isdigit() and int(fmt) in _DATE_FORMAT_IDS

    # --- the sheet -----------------------------------------------------------------------

    def header(self) -> list[Any]:
        """The values of the first row (row 1), up to its last cell with a value; empty when
        the sheet's first row element is not row 1. Its shared strings are read from a table
        of their own that keeps only them: a header that refers to the millionth string costs
        the upload form the parse up to it, not the memory of a million strings."""
        for number, values in self._read(keep=None, header=True):
            if number != 1:
                return []
            wanted = {v for v in values if isinstance(v, _SharedIndex)}
            if wanted:
                part = self._strings_part
                table = _SharedStrings(self._chunks(part) if part else None, self.limits)
                try:
                    found = table.fetch({int(v) for v in wanted})
                finally:
                    table.close()
                values = [found[v] if isinstance(v, _SharedIndex) else v for v in values]
            while values and values[-1] is None:
                values.pop()
            return values
        return []

    def rows(self, *, keep: list[bool]) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) for every row below the header that has a value in a kept
        column (`keep[i]`: column i is read); other columns are None."""
        return self._read(keep=keep, header=False)

    def _read(self, *, keep: list[bool] | None, header: bool) -> Iterator[tuple[int, list[Any]]]:
        limits = self.limits
        if self._dates is None:
            self._dates = (self._date_styles(), self._epoch)
        date_styles, epoch = self._dates
        strings = self._strings
        shared = strings.items  # the strings read so far (the list only grows)
        columns = _column_indexes()
        width = len(keep) if keep is not None else _MAX_COLUMNS
        kept = keep if keep is not None else [True] * _MAX_COLUMNS
        out: list[tuple[int, list[Any]]] = []
        names: dict[str, str] = {}
        # The state of the parse, in closure variables (the handlers run once per element).
        row_elements = cells = row_cells = number = column = 0
        values: list[Any] | None = None
        skip_first = not header
        kind: str | None = None
        style: str | None = None
        parts: list[str] | None = None
        size = header_chars = 0
        cell_chars = min(limits.cell_chars, _HEADER_CHARS) if header else limits.cell_chars
        collecting = False
        inline = phonetic = 0
        c_name = v_name = row_name = is_name = t_name = rph_name = "\0"

        def damaged(detail: str) -> ImportRefused:
            return _refused_damaged(
                _("row %(row)s: %(detail)s") % {"row": f"{number:,}", "detail": detail}
            )

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row_cells, column, kind, style, parts, size, collecting, inline, phonetic
            nonlocal row_elements, number, values
            nonlocal c_name, v_name, row_name, is_name, t_name, rph_name
            if name == c_name:
                row_cells += 1
                if row_cells > limits.cells_per_row:
                    raise ImportRefused(
                        _("Row %(row)s has more than %(n)s cells.")
                        % {"row": f"{number:,}", "n": f"{limits.cells_per_row:,}"}
                    )
                ref = attrs.get("r")
                if ref is None:
                    column += 1
                else:
                    found = columns.get(ref.rstrip(_DIGITS))
                    if found is None:
                        found = columns.get(ref.rstrip(_DIGITS).upper())
                        if found is None:
                            raise damaged(_("bad cell reference %(r)r") % {"r": ref[:20]})
                    column = found
                if column < width and kept[column]:
                    kind, style, parts, size = attrs.get("t"), attrs.get("s"), [], 0
                else:
                    parts = None
            elif name == v_name:
                if parts is not None and kind != "inlineStr":
                    collecting = True
            elif name == row_name:
                row_elements += 1
                if row_elements > limits.row_elements:
                    raise ImportRefused(
                        _(
                            "The sheet has more than %(n)s rows, counting empty ones; delete "
                            "the empty rows below the data, or save the file as CSV."
                        )
                        % {"n": f"{limits.row_elements - 1:,}"}
                    )
                ref = attrs.get("r")
                if ref is None:
                    number += 1
                else:
                    try:
                        number = int(ref)
                    except ValueError:
                        raise damaged(_("bad row number %(r)r") % {"r": ref[:20]}) from None
                row_cells, column, values = 0, -1, None
            elif name == is_name:
                inline += 1
            elif name == t_name:
                if inline and not phonetic and parts is not None and kind == "inlineStr":
                    collecting = True
            elif name == rph_name:
                phonetic += 1
            elif not names:  # the root element: its namespace names the rest
                space = name[: -len(_local(name))]
                names.update(
                    {local: space + local for local in ("c", "v", "row", "is", "t", "rPh")}
                )
                c_name, v_name, row_name = names["c"], names["v"], names["row"]
                is_name, t_name, rph_name = names["is"], names["t"], names["rPh"]

        def end(name: str) -> None:
            nonlocal parts, collecting, inline, phonetic, values, cells, skip_first, header_chars
            if name == c_name:
                if header and parts is not None:
                    header_chars += size
                    if header_chars > _HEADER_CHARS:
                        raise _refused_header()
                if parts:
                    value = resolve("".join(parts))
                    if value is not None:
                        if values is None:
                            values = [None] * (column + 1 if keep is None else width)
                        elif column >= len(values):
                            values.extend([None] * (column + 1 - len(values)))
                        values[column] = value
                parts = None
            elif name in (v_name, t_name):
                collecting = False
            elif name == row_name:
                cells += row_cells
                if cells > limits.cells:
                    raise ImportRefused(
                        _(
                            "The sheet has more than %(n)s cells, counting empty ones; delete "
                            "the empty rows and columns around the data, or save it as CSV."
                        )
                        % {"n": f"{limits.cells:,}"}
                    )
                if header:
                    out.append((number, values or []))
                    raise _Stop
                if skip_first:
                    skip_first = False  # the header row
                elif values is not None:
                    out.append((number, values))
                values = None
            elif name == is_name:
                inline -= 1
            elif name == rph_name:
                phonetic -= 1

        def data(text: str) -> None:
            nonlocal size
            if collecting and parts is not None:
                parts.append(text)
                size += len(text)
                if size > cell_chars:
                    raise _refused_header() if header else _refused_cell_chars(limits)

        def resolve(text: str) -> Any:
            if kind == "s":
                try:
                    index = int(text)
                except ValueError:
                    raise damaged(
                        _("%(v)r is not a shared string index") % {"v": text[:20]}
                    ) from None
                if header:
                    return _SharedIndex(index)  # resolved after the row (`header`)
                if 0 <= index < len(shared):
                    return shared[index]
                return strings.get(index, number)  # read further, or refused as damage
            if kind is None or kind == "n":
                try:
                    value: Any = (
                        float(text) if "." in text or "e" in text or "E" in text else int(text)
                    )
                except ValueError:
                    raise damaged(_("%(v)r is not a number") % {"v": text[:20]}) from None
                if style is not None and style in date_styles:
                    try:
                        return from_excel(value, epoch)
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # as openpyxl: a date out of range
                return value
            if kind == "inlineStr" or kind == "str":
                return _unescaped(text)
            if kind == "b":
                if text not in ("0", "1"):
                    raise damaged(_("%(v)r is not a boolean") % {"v": text[:20]})
                return text == "1"
            if kind == "d":
                try:
                    return dt.datetime.fromisoformat(text)
                except ValueError:
                    raise damaged(_("%(v)r is not a date") % {"v": text[:20]}) from None
            return text  # "e" (#N/A...) and types this reader does not know

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        chunks = self._chunks(self._sheet_part)
        try:
            for chunk in chunks:
                try:
                    parser.Parse(chunk, False)
                except _Stop:
                    yield from out
                    return
                except expat.ExpatError as exc:
                    raise damaged(str(exc)) from exc
                yield from out
                out.clear()
            try:
                parser.Parse(b"", True)
            except expat.ExpatError as exc:
                raise damaged(str(exc)) from exc
            yield from out
        finally:
            chunks.close()
