"""Reading an import file: what a file may be, its header row and its rows.

What a file may be
- CSV in UTF-8 (with or without BOM) or GB18030/GBK, which is what WPS and Excel in Chinese
  produce; the encoding is detected by trying UTF-8 first, then GB18030. XLSX (first sheet).
  Old binary .xls is refused with a hint to save as .xlsx.
- Row 1 holds the column headers, in Chinese or English (`HEADER_ALIASES`); columns with an
  empty header are ignored. A file exported from the register list is accepted as it is: its
  columns that the import does not write (status, list flags, masked identity numbers, risk)
  are ignored (`_export_headers`), and text it escaped against formula injection ('=...)
  reads back as it was. Row numbers in messages are spreadsheet row numbers (the
  header is row 1), so a user finds the row at once. Empty rows are skipped.
- Limits: `IMPORT_MAX_BYTES` (64 MB) and `IMPORT_MAX_ROWS` (200,000), both overridable in
  settings.CREDIT_PORTAL. A 100,000-row register export with business scopes is about 27 MB
  in UTF-8 (18 MB in GB18030), so 64 MB holds the 200,000 rows with room to spare.

A file that breaks these rules is refused whole, before anything is written: `ImportRefused`
(see the package docstring, "All-or-nothing or row by row?").

Speed (see the package docstring): an XLSX file's rows are counted from its XML, not through
openpyxl (`_xlsx_table`).
"""

from __future__ import annotations

import csv
import functools
import io
import unicodedata
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.services.export import export_columns
from enterprises.services.register import REQUIRED, items_joined
from enterprises.xlsx import cell_unescaped

EXTENSIONS = (".csv", ".xlsx")

# The columns, in template order: field, Chinese header, English header, format note.
COLUMNS: list[tuple[str, str, str, Any]] = [
    ("uscc", "统一社会信用代码", "uscc", gettext_lazy("18 characters, GB 32100-2015")),
    ("name", "企业名称", "name", gettext_lazy("At most 200 characters")),
    (
        "former_names",
        "曾用名",
        "former_names",
        gettext_lazy("Several names separated by ; or |"),
    ),
    (
        "entity_type",
        "主体类型",
        "entity_type",
        gettext_lazy(
            "有限责任公司, 股份有限公司, 分公司, 合伙企业, 个人独资企业, 农民专业合作社, "
            "个体工商户 (or company, branch, partnership, sole_proprietorship, farmers_coop, "
            "individual_business)"
        ),
    ),
    (
        "industry_section",
        "行业门类",
        "industry_section",
        gettext_lazy("Letter A-T (optional: derived from the division)"),
    ),
    ("industry_division", "行业代码", "industry_division", gettext_lazy("GB/T 4754-2017, 01-97")),
    ("registered_on", "成立日期", "registered_on", gettext_lazy("YYYY-MM-DD")),
    ("registration_authority", "登记机关", "registration_authority", ""),
    ("address", "住所", "address", ""),
    ("division", "所属街道", "division", gettext_lazy("Street (街道) or town (镇)")),
    ("legal_rep_name", "法定代表人", "legal_rep_name", ""),
    (
        "legal_rep_id",
        "法定代表人证件号",
        "legal_rep_id",
        gettext_lazy("18-character resident identity number; stored masked only"),
    ),
    (
        "registered_capital",
        "注册资本(万元)",
        "registered_capital",
        gettext_lazy("Number, in CNY 10,000"),
    ),
    ("business_scope", "经营范围", "business_scope", ""),
    ("department", "管辖部门", "department", gettext_lazy("Department code or name")),
    (
        "legacy_reg_no",
        "原注册号",
        "legacy_reg_no",
        gettext_lazy("Old 15-digit registration number"),
    ),
]
ZH_HEADER = {f: zh for f, zh, _en, _note in COLUMNS}
REQUIRED_COLUMNS = [f for f, *_rest in COLUMNS if f in REQUIRED]

# Accepted headers (compared after `_header_key`: NFKC, lower case, no spaces, _, - or *).
_ALIASES: dict[str, list[str]] = {
    "uscc": ["社会信用代码", "信用代码", "credit_code", "unified_social_credit_code"],
    "name": ["名称", "主体名称", "市场主体名称", "企业名称(字号)"],
    "former_names": ["曾用名称", "原名称"],
    "entity_type": ["企业类型", "市场主体类型", "类型", "type"],
    "industry_section": ["门类", "section"],
    "industry_division": ["行业大类", "行业大类代码", "行业", "industry"],
    "registered_on": ["登记日期", "注册日期", "成立时间", "registration_date"],
    "registration_authority": ["登记机构", "authority"],
    "address": ["地址", "经营场所", "住所(经营场所)", "住所/经营场所"],
    "division": ["街道", "街道(乡镇)", "所属街道(乡镇)", "乡镇街道", "所属乡镇(街道)", "street"],
    "legal_rep_name": [
        "法定代表人姓名",
        "法定代表人(负责人)",
        "负责人",
        "经营者",
        "legal_representative",
    ],
    "legal_rep_id": ["法定代表人证件号码", "法定代表人身份证号", "身份证号", "证件号码"],
    "registered_capital": ["注册资本", "注册资金(万元)", "注册资金", "capital"],
    "business_scope": ["scope"],
    "department": ["管辖单位", "主管部门", "监管部门"],
    "legacy_reg_no": ["注册号", "旧注册号", "registration_number", "reg_no"],
}


def _header_key(text: Any) -> str:
    folded = unicodedata.normalize("NFKC", str(text if text is not None else "")).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-*")


HEADER_ALIASES: dict[str, str] = {}
for _field, _zh, _en, _note in COLUMNS:
    for _alias in [_field, _zh, _en, *_ALIASES.get(_field, [])]:
        HEADER_ALIASES[_header_key(_alias)] = _field

# The columns of the register export (`enterprises.services.export`) that the import sets, by
# the export's column name. Its other columns (status and suspension, the abnormal and serious
# list flags, the masked identity number, risk) are facts the import never writes: they are
# recognised and ignored, so that an export can be corrected in a spreadsheet and imported back.
_EXPORT_COLUMN_FIELDS = {
    "uscc": "uscc",
    "legacy_reg_no": "legacy_reg_no",
    "name": "name",
    "former_names": "former_names",
    "entity_type": "entity_type",
    "industry_section": "industry_section",
    "industry_division": "industry_division",
    "registered_on": "registered_on",
    "registration_authority": "registration_authority",
    "address": "address",
    "division": "division",
    "legal_rep_name": "legal_rep_name",
    "registered_capital": "registered_capital",
    "business_scope": "business_scope",
    "department__name": "department",
}


@functools.cache
def _export_headers() -> tuple[dict[str, str], frozenset[str]]:
    """(header key -> field, header keys to ignore) for the export's headers in every language
    of the portal; computed once per process (labels change only with a deploy)."""
    fields: dict[str, str] = {}
    ignored: set[str] = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, label, _width in export_columns(include_risk=True):
                key = _header_key(label)
                if key in HEADER_ALIASES:
                    continue  # already an import header (of the same field: tested)
                if column in _EXPORT_COLUMN_FIELDS:
                    fields[key] = _EXPORT_COLUMN_FIELDS[column]
                else:
                    ignored.add(key)
    return fields, frozenset(ignored)


class ImportRefused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The whole file is refused (structure, encoding, limits); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_limits() -> tuple[int, int]:
    """(maximum file size in bytes, maximum data rows)."""
    conf = getattr(settings, "CREDIT_PORTAL", {})
    return (
        int(conf.get("IMPORT_MAX_BYTES", 64 * 1024 * 1024)),
        int(conf.get("IMPORT_MAX_ROWS", 200_000)),
    )


class Table:
    """A parsed header row and a re-iterable stream of data rows (values by field)."""

    def __init__(
        self,
        headers: list[str],
        rows: Callable[[], Iterator[tuple[Any, ...]]],
        close: Any = None,
        filled_rows: Callable[[], Iterator[Any]] | None = None,
    ) -> None:
        self.headers = headers
        self._rows = rows
        self._close = close
        self._filled_rows = filled_rows  # a faster way to count rows, where there is one
        export_fields, export_ignored = _export_headers()
        keys = [_header_key(h) for h in headers]
        self.fields: list[str | None] = [
            HEADER_ALIASES.get(k) or export_fields.get(k) for k in keys
        ]
        self.ignored = {i for i, k in enumerate(keys) if k in export_ignored}
        self.column_of: dict[str, str] = {
            f: str(h).strip() for f, h in zip(self.fields, headers, strict=True) if f
        }
        self._check_headers()

    def _check_headers(self) -> None:
        unknown = [
            str(h).strip()
            for i, (h, f) in enumerate(zip(self.headers, self.fields, strict=True))
            if f is None and _header_key(h) and i not in self.ignored
        ]
        if unknown:
            raise ImportRefused(
                _(
                    "Unknown column headers: %(cols)s. Use the headers of the template (Chinese or "
                    "English). If the headers look garbled, save the file as UTF-8 or GB18030 CSV "
                    "or as XLSX."
                )
                % {"cols": items_joined(unknown[:10])}
            )
        seen: dict[str, str] = {}
        for header, name in zip(self.headers, self.fields, strict=True):
            if name is None:
                continue
            if name in seen:
                raise ImportRefused(
                    _("The columns %(a)s and %(b)s mean the same thing; keep one of them.")
                    % {"a": seen[name], "b": str(header).strip()}
                )
            seen[name] = str(header).strip()
        missing = [ZH_HEADER[f] for f in REQUIRED_COLUMNS if f not in seen]
        if missing:
            raise ImportRefused(
                _("Required columns are missing: %(cols)s.") % {"cols": items_joined(missing)}
            )

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(spreadsheet row number, {field: value}) for every non-empty data row."""
        indexed = [(i, f) for i, f in enumerate(self.fields) if f]
        for number, values in enumerate(self._rows(), start=2):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            yield number, {f: _cell(values[i]) if i < len(values) else None for i, f in indexed}

    def count(self, limit: int) -> int:
        """Number of non-empty data rows; refuses the file past `limit`, and a file with
        headers but no data (an empty template saved by mistake is not a finished import)."""
        n = 0
        filled = self._filled_rows or (
            lambda: (v for v in self._rows() if any(x is not None and str(x).strip() for x in v))
        )
        try:
            for _row in filled():
                n += 1
                if n > limit:
                    raise ImportRefused(
                        _(
                            "The file has more than %(n)s rows; split it into files of at "
                            "most %(n)s rows."
                        )
                        % {"n": f"{limit:,}"}
                    )
        except ImportRefused:
            raise
        except csv.Error as exc:
            raise ImportRefused(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
        except Exception as exc:  # a damaged workbook shows only when its rows are read
            raise ImportRefused(
                _("The file could not be read (%(e)s); save it again and retry.") % {"e": exc}
            ) from exc
        if n == 0:
            raise ImportRefused(_("The file has column headers but no rows of data below them."))
        return n

    def close(self) -> None:
        if self._close is not None:
            self._close()


def _cell(value: Any) -> Any:
    """XLSX numbers that are whole (industry code 5.0, capital 100.0) as integers; text that an
    export escaped against formula injection as it was (`xlsx.cell_unescaped`)."""
    if isinstance(value, str):
        return cell_unescaped(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_open(*, file: IO[bytes], file_name: str) -> Table:
    """Read and check a CSV or XLSX file up to its header row.

    Rules: size limit, extension, encoding (CSV: UTF-8 with or without BOM, else GB18030),
    headers known, not duplicated, required columns present. Raises `ImportRefused`.
    """
    max_bytes, _max_rows = import_limits()
    name = (file_name or "").lower()
    if name.endswith(".xls"):
        raise ImportRefused(
            _("Old .xls workbooks are not accepted; save the file as .xlsx or as CSV.")
        )
    if not name.endswith(EXTENSIONS):
        raise ImportRefused(_("Only .csv and .xlsx files can be imported."))
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImportRefused(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    if name.endswith(".xlsx"):
        return _xlsx_table(data)
    return _csv_table(data)


def _csv_table(data: bytes) -> Table:
    text: str | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    if text is None or "\x00" in text:
        raise ImportRefused(
            _(
                "The file's text encoding is not recognised. Save it as CSV in UTF-8 or GB18030 "
                "(GBK), or as XLSX."
            )
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)

    def rows() -> Iterator[tuple[Any, ...]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(reader, None)
        for row in reader:
            yield tuple(row)

    try:
        headers = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
    return Table(list(headers), rows)


def _xlsx_table(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        header_row = next(sheet.iter_rows(max_row=1, values_only=True), ())
    except Exception as exc:  # zip, XML and openpyxl errors alike: not a workbook we can read
        raise ImportRefused(_("The file is not a valid XLSX workbook.")) from exc

    def rows() -> Iterator[tuple[Any, ...]]:
        yield from sheet.iter_rows(min_row=2, values_only=True)

    headers = ["" if h is None else str(h) for h in header_row]
    while headers and not headers[-1].strip():
        headers.pop()
    if not headers:
        book.close()
        raise ImportRefused(_("The first row must hold the column headers."))

    def filled_rows() -> Iterator[None]:
        # Counting rows through openpyxl costs as much as reading them; a pass over the
        # sheet's XML that only looks for rows holding a value is several times faster. The
        # first such row is the header. (The same parser openpyxl uses; expat >= 2.4 limits
        # entity expansion.)
        main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        header = True
        with sheet._get_source() as source:  # type: ignore[attr-defined]
            for _event, element in ElementTree.iterparse(source):  # noqa: S314
                if element.tag != main + "row":
                    continue
                if any(
                    c.find(main + "v") is not None or c.find(main + "is") is not None
                    for c in element
                ):
                    if not header:
                        yield None
                    header = False
                element.clear()

    rows_after_header = filled_rows if hasattr(sheet, "_get_source") else None
    try:
        table = Table(headers, rows, close=book.close, filled_rows=rows_after_header)
    except ImportRefused:
        book.close()
        raise
    return table


def import_file_check(*, file: IO[bytes], file_name: str) -> list[str]:
    """Check a file's size, type, encoding and headers (for upload forms); returns the
    recognised fields. Raises `ImportRefused`. Rewinds the file."""
    try:
        table = table_open(file=file, file_name=file_name)
        table.close()
        return [f for f in table.fields if f]
    finally:
        file.seek(0)
