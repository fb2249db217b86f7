"""Writing XLSX files for download: exports, error reports, templates.

Every text cell goes through `safe_cell`, because a downloaded spreadsheet is opened in Excel or
WPS, where a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is
read as a formula: a name such as ``=HYPERLINK("http://evil", "点击")`` typed into a form would
run in the officer's spreadsheet ("CSV/formula injection", OWASP). Such text is prefixed with an
apostrophe, the OWASP recommendation, so it shows as text. Numbers, dates and booleans are written
as they are. openpyxl would also store a string starting with ``=`` as a formula, so the escape is
needed even before Excel sees the file.

Usage::

    content = rows_to_xlsx(headers=["行号", "列", "错误信息"], rows=[[2, "名称", "必填"]])
    return xlsx_response(content, "错误报告.xlsx")

    # several sheets:
    book = workbook_new()
    sheet_write(book, title="数据", headers=[...], rows=[...], widths=[20, 30])
    sheet_write(book, title="说明", headers=[...], rows=[...])
    return xlsx_response(workbook_bytes(book), "template.xlsx")

Workbooks are write-only (streamed): memory stays flat for exports of any size.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="12336B")  # the portal's navy
_HEADER_ALIGN = Alignment(vertical="center")


def safe_cell(value: Any) -> Any:
    """A value that is safe to put in a spreadsheet cell.

    Text beginning with = + - @ tab or CR gets a leading apostrophe; characters that XLSX cannot
    hold (control characters) are removed; numbers, dates, booleans and None pass unchanged;
    anything else (lazy translations, enums, UUIDs) is written as its text.
    """
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if _escaped(text):
        return "'" + text
    return text


def _escaped(text: str) -> bool:
    """Whether `safe_cell` puts an apostrophe before this text: a formula's first character,
    or an apostrophe before one (so that `cell_unescaped` is the exact inverse)."""
    return text.startswith(FORMULA_PREFIXES) or (
        text[:1] == "'" and text[1:].startswith(FORMULA_PREFIXES)
    )


def cell_unescaped(text: str) -> str:
    """Text as it was before `safe_cell` escaped it: the leading apostrophe before = + - @ tab
    or CR removed, so that an exported file imports back unchanged."""
    if text[:1] == "'" and _escaped(text[1:]):
        return text[1:]
    return text


def workbook_new() -> Workbook:
    """An empty streaming workbook (add sheets with `sheet_write`)."""
    return Workbook(write_only=True)


def sheet_write(
    book: Workbook,
    *,
    title: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] | None = None,
) -> WriteOnlyWorksheet:
    """Append a sheet with a bold header row (frozen) and the rows, every cell through
    `safe_cell`. `widths` are column widths in characters (default from the header length)."""
    sheet: WriteOnlyWorksheet = book.create_sheet(title=safe_cell(title)[:31])
    for index, header in enumerate(headers):
        width = widths[index] if widths and index < len(widths) else max(10, 2 * len(str(header)))
        sheet.column_dimensions[get_column_letter(index + 1)].width = width  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(header))
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    return sheet


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows_to_xlsx(
    *,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> bytes:
    """One-sheet workbook as bytes."""
    book = workbook_new()
    sheet_write(book, title=title, headers=headers, rows=rows, widths=widths)
    return workbook_bytes(book)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A download response; `filename` may be Chinese (RFC 6266 filename*, ASCII fallback)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    fallback = re.sub(r"[^A-Za-z0-9._-]", "", filename)
    if not fallback.lower().endswith(".xlsx") or fallback.startswith("."):
        fallback = "export.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
