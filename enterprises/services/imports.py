"""Import of the register of market entities from CSV and XLSX files.

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

All-or-nothing or row by row? Row by row, in chunks.
- A file with a structural problem (unknown encoding, not a spreadsheet, unknown or duplicate
  headers, a required column missing, too large, too many rows, a malformed CSV line) is refused
  whole before anything is written: `ImportRefused`. Such a file is the wrong file or was saved
  the wrong way; nothing in it can be trusted.
- Otherwise every row is validated with `enterprise_clean` (the same rules as the forms and the
  API). Invalid rows are reported ({row, column, message}, in the active language) and skipped;
  valid rows are applied. A bureau's 100,000-row file with three mistyped codes should not be
  rejected whole: the officer fixes three rows and imports the file again, and the second run
  touches only those three rows (see idempotency).
- Valid rows are written in chunks (`CHUNK_SIZE` rows). Each chunk commits atomically with one
  summary audit event ("enterprises.import_applied": counts and the created and updated codes,
  with the old and new values of changed fields) and, for a job, with the job's progress
  counters, so what the progress bar shows is exactly what is in the register.

Upsert and idempotency
- A row whose USCC is new creates the enterprise plus its REGISTRATION ledger record (as
  `enterprise_create` does). A row whose USCC exists updates only the fields that differ, with
  the enterprise's version bumped (optimistic locking of the edit form); an equal row is
  "unchanged" and writes nothing. So the same file imported twice creates and updates nothing
  the second time and writes no audit event.
- The file is authoritative for the columns it has: an empty cell in a present column clears an
  optional field (business scope, capital...), while a column that is absent leaves the field
  alone. Exceptions: an empty identity-number cell keeps the stored (masked) number, and former
  names are merged, never dropped (a rename records the old name, as the edit form does).
- Import never changes the operating status (that goes through the ledger services) and never
  overrides a failed check character: a historic code that fails its check is created only
  through the form by an officer with `override_uscc_check`; once it is in the register, later
  files may carry it.
- The same USCC twice in one file: the later row is an error, the first is applied.
- Rows of existing enterprises are locked (SELECT ... FOR UPDATE) in their chunk, so an import
  and an officer's edit never lose each other's change; two imports creating the same code at
  once make one chunk retry, where the row is then an update.

Dry run: everything is read and validated and the outcome counted (would create, would update,
unchanged, errors) without writing enterprises, ledger records or audit events; a job still
records its own progress and counts.

Jobs (`ImportJob`, run by `enterprises.tasks.import_job_run_task` on the "bulk" queue): a finished
job is never rerun; a job interrupted mid-way (worker killed) is run again from the start, and
the chunks that were committed come out "unchanged". `started_at` is the run's token: a run
whose token was replaced by a newer run stops at its next chunk.

Speed (bench/import_bench.py; target 100,000 CSV rows in at most 60 s on PostgreSQL):
- rows are validated in Python with `enterprise_clean`, the departments preloaded, in a
  background thread one or two chunks ahead of the writer (`_validated_chunks`): the writer
  waits on PostgreSQL much of the time, with the GIL released. That thread also makes each
  row's values as a new enterprise and, on PostgreSQL, its line of COPY text, in case the row
  is new, so that the writer mostly waits for the database;
- writes are per chunk: one SELECT ... FOR UPDATE of the chunk's existing codes, COPY of the
  new enterprises (bulk_create elsewhere; `credit_portal.bulk`), then their REGISTRATION
  ledger records and their audit events made by the database from the enterprises just
  written, each in one INSERT ... SELECT (no Python per row: building those model instances
  and their COPY lines had been a third of the import's Python time); one bulk UPDATE of
  changed rows only; one summary audit event. Measured on a slow 2-core machine, 100,000 new
  rows: 59.7 s before the INSERT ... SELECT, 40.6 s after (Python CPU 46 s, then 28 s); the
  validating thread is now the one that sets the pace;
- pinyin initials are computed per word with a cache (`_initials`, the same result as
  `register.name_initials`, about five times faster);
- an XLSX file's rows are counted from its XML, not through openpyxl.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import logging
import queue
import threading
import unicodedata
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from credit_portal.audit import (
    audit_event_record,
    audit_events_bulk_record,
    audit_events_insert_select,
)
from credit_portal.bulk import Sql, bulk_insert, copy_line_of, insert_values
from credit_portal.models import Department, User
from enterprises.models import Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import bureau_profiles
from enterprises.services.export import export_columns
from enterprises.services.register import (
    REQUIRED,
    enterprise_clean,
    enterprises_by_codes,
    items_joined,
    registration_change_record_build,
    registration_records_insert,
)
from enterprises.tasks import import_job_run_task
from enterprises.uscc import uscc_problems
from enterprises.xlsx import cell_unescaped

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2_000  # rows per transaction: short locks, bounded memory, visible progress
MAX_STORED_ERRORS = 5_000
EXTENSIONS = (".csv", ".xlsx")
AUDIT_EVENT = "enterprises.import_applied"

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


# Entity types as written in Chinese registers, mapped to Enterprise.EntityType. The register's
# own labels ("有限责任公司(自然人投资或控股)", "有限合伙企业", "个人独资企业分支机构"...) are
# matched by the first rule whose fragment they contain, in this order; the values and the
# English and Chinese labels of Enterprise.EntityType are accepted as they are (by
# `enterprise_clean`).
ENTITY_TYPE_RULES: list[tuple[str, str]] = [
    ("分公司", Enterprise.EntityType.BRANCH),
    ("分支机构", Enterprise.EntityType.BRANCH),
    ("合作社", Enterprise.EntityType.FARMERS_COOP),
    ("个体", Enterprise.EntityType.INDIVIDUAL_BUSINESS),
    ("合伙", Enterprise.EntityType.PARTNERSHIP),
    ("个人独资", Enterprise.EntityType.SOLE_PROPRIETORSHIP),
    ("公司", Enterprise.EntityType.COMPANY),
]
_ENTITY_TYPE_EXACT = {
    **{v: v for v in Enterprise.EntityType.values},
    **{
        label.lower(): v
        for v, label in [
            ("company", "Company"),
            ("branch", "Branch"),
            ("partnership", "Partnership"),
            ("sole_proprietorship", "Sole proprietorship"),
            ("farmers_coop", "Farmers' cooperative"),
            ("individual_business", "Individual business"),
        ]
    },
}

# How each entity type is usually written (template and upload page).
ENTITY_TYPE_EXAMPLES: list[tuple[str, str]] = [
    (Enterprise.EntityType.COMPANY, "有限责任公司、股份有限公司、公司、company"),
    (Enterprise.EntityType.BRANCH, "分公司、分支机构、branch"),
    (Enterprise.EntityType.PARTNERSHIP, "普通合伙企业、有限合伙企业、合伙企业、partnership"),
    (Enterprise.EntityType.SOLE_PROPRIETORSHIP, "个人独资企业、sole_proprietorship"),
    (Enterprise.EntityType.FARMERS_COOP, "农民专业合作社、farmers_coop"),
    (Enterprise.EntityType.INDIVIDUAL_BUSINESS, "个体工商户、individual_business"),
]

# Model fields that each column sets (the section comes with the division).
_TARGETS: dict[str, list[str]] = {
    "uscc": [],
    "industry_section": [],
    "industry_division": ["industry_division", "industry_section"],
    "legal_rep_id": ["legal_rep_id_masked", "legal_rep_id_digest"],
}
_MODEL_FIELDS = {f.name for f in Enterprise._meta.concrete_fields}


class ImportRefused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The whole file is refused (structure, encoding, limits); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportOutcome:
    """Counts of one import (or of a dry run: what would happen)."""

    file_name: str = ""
    dry_run: bool = False
    total_rows: int = 0
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    error_total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # capped at MAX_STORED_ERRORS

    @property
    def errors_truncated(self) -> bool:
        return self.error_total > len(self.errors)

    def add_error(
        self, row: int, column: str, message: str, uscc: str = "", name: str = ""
    ) -> None:
        """One problem in one cell; the row's credit code and name as the file wrote them let
        the clerk find the row in the error report without the original file."""
        self.error_total += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(
                {"row": row, "uscc": uscc, "name": name, "column": column, "message": str(message)}
            )


def import_limits() -> tuple[int, int]:
    """(maximum file size in bytes, maximum data rows)."""
    conf = getattr(settings, "CREDIT_PORTAL", {})
    return (
        int(conf.get("IMPORT_MAX_BYTES", 64 * 1024 * 1024)),
        int(conf.get("IMPORT_MAX_ROWS", 200_000)),
    )


# --------------------------------------------------------------------------- reading files


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


# --------------------------------------------------------------------------- validation


_PINYIN = Pinyin(UltimateConverter())  # what pypinyin.lazy_pinyin builds with its defaults


@lru_cache(maxsize=100_000)
def _word_initials(word: str) -> str:
    pinyin = _PINYIN._converter.convert(word, Style.FIRST_LETTER, False, "ignore", strict=True)
    return "".join("".join(p) for p in pinyin)


def _initials(name: str) -> str:
    """`register.name_initials` computed per segmented word with a cache: pypinyin converts a
    text by segmenting it into words and converting each word on its own, so caching the
    conversion of each word gives the same result (pinned by a test), five times faster."""
    return "".join(_word_initials(w) for w in _PINYIN.seg(name)).upper()[:200]


def _entity_type(value: Any) -> Any:
    text = str(value if value is not None else "").strip()
    if not text:
        return value
    exact = _ENTITY_TYPE_EXACT.get(text.lower())
    if exact:
        return exact
    for fragment, entity_type in ENTITY_TYPE_RULES:
        if fragment in text:
            return str(entity_type)
    return text  # enterprise_clean knows the labels of the active language, or reports it


@dataclass
class _Row:
    number: int
    data: dict[str, Any]
    check_overridden: bool
    initials: str  # pinyin initials of data["name"], computed by the validating thread
    # Also made by the validating thread, in case the row is new: the new enterprise's values
    # ({attname: value}) and, on PostgreSQL, its line of COPY text (`credit_portal.bulk`).
    values: dict[str, Any] = field(default_factory=dict)
    copy_line: str | None = None


class _Validator:
    """Validates rows one by one with `enterprise_clean`; remembers codes seen in the file."""

    def __init__(self, table: Table, *, dry_run: bool = False) -> None:
        self.table = table
        self.departments = {d.code: d for d in Department.objects.all()}
        # Historic codes already accepted by an officer's override may come back in files.
        self.overridden = set(
            Enterprise.objects.filter(uscc_check_overridden=True).values_list("uscc", flat=True)
        )
        self.seen: dict[str, int] = {}
        # A dry run writes nothing: no COPY lines to prepare.
        self.copy_ahead = connection.vendor == "postgresql" and not dry_run
        self.today = timezone.localdate()
        # An old registration number belongs to one entity (register and file alike).
        self.legacy_owner: dict[str, str] = dict(
            Enterprise.objects.exclude(legacy_reg_no="").values_list("legacy_reg_no", "uscc")
        )

    def column(self, name: str) -> str:
        return self.table.column_of.get(name) or ZH_HEADER.get(name, name)

    def validate(self, number: int, raw: dict[str, Any]) -> tuple[_Row | None, list[_Error]]:
        if "entity_type" in raw:
            raw["entity_type"] = _entity_type(raw["entity_type"])
        result = enterprise_clean(
            raw, departments=self.departments, allow_check_override=True, today=self.today
        )
        code = result.data.get("uscc", "")
        if result.check_overridden and code not in self.overridden:
            result.check_overridden = False
            for problem in uscc_problems(code):
                result.add("uscc", problem.message)
        if code:
            first = self.seen.get(code)
            if first is not None:
                result.add(
                    "uscc",
                    _("The credit code %(code)s is already in row %(row)d of this file.")
                    % {"code": code, "row": first},
                )
            else:
                self.seen[code] = number
        legacy = result.data.get("legacy_reg_no", "")
        if legacy and code:
            owner = self.legacy_owner.setdefault(legacy, code)
            if owner != code:
                result.add(
                    "legacy_reg_no",
                    _("The old registration number %(no)s already belongs to %(code)s.")
                    % {"no": legacy, "code": owner},
                )
        if result.errors:
            written = (_as_written(raw.get("uscc"), 40), _as_written(raw.get("name"), 200))
            errors = [
                (number, self.column(name), str(message), *written)
                for name, messages in result.errors.items()
                for message in messages
            ]
            return None, errors
        row = _Row(number, result.data, result.check_overridden, _initials(result.data["name"]))
        # Work taken off the writer, which waits for PostgreSQL meanwhile (module docstring).
        row.values = _enterprise_values(row)
        if self.copy_ahead:
            row.copy_line = copy_line_of(Enterprise, row.values)
        return row, []

    def validate_chunk(self, index: int, records: list[tuple[int, dict[str, Any]]]) -> _Chunk:
        chunk = _Chunk(index=index, size=len(records), first=records[0][0], last=records[-1][0])
        for number, raw in records:
            row, errors = self.validate(number, raw)
            if row is not None:
                chunk.valid.append(row)
            else:
                chunk.error_rows += 1
                chunk.errors.extend(errors)
        return chunk


def _as_written(value: Any, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


_Error = tuple[int, str, str, str, str]  # row, column, message, credit code and name as written


@dataclass
class _Chunk:
    """One chunk of validated rows: what the writer applies."""

    index: int
    size: int
    first: int
    last: int
    valid: list[_Row] = field(default_factory=list)
    errors: list[_Error] = field(default_factory=list)
    error_rows: int = 0


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _validated_chunks(
    table: Table, validator: _Validator, chunk_size: int
) -> Generator[_Chunk, None, None]:
    """Read and validate the rows in a background thread, up to two chunks ahead of the writer.

    Why a thread: validation is pure Python and touches no database (departments and overridden
    codes are preloaded), while the writer spends much of its time waiting for PostgreSQL to
    insert rows and maintain indexes, with the GIL released, so the two overlap. The writer
    keeps its connection and transactions in the calling thread: nothing about transactions
    changes, and the thread never opens a database connection.
    """
    queue_: queue.Queue[_Chunk | _Failure | None] = queue.Queue(maxsize=2)
    stop = threading.Event()
    language = translation.get_language()

    def work() -> None:
        try:
            with translation.override(language):
                records: list[tuple[int, dict[str, Any]]] = []
                index = 0
                for record in table.records():
                    if stop.is_set():
                        return
                    records.append(record)
                    if len(records) >= chunk_size:
                        queue_.put(validator.validate_chunk(index, records))
                        records, index = [], index + 1
                if records and not stop.is_set():
                    queue_.put(validator.validate_chunk(index, records))
        except BaseException as exc:  # handed to the writer, which re-raises it
            queue_.put(_Failure(exc))
        finally:
            queue_.put(None)

    thread = threading.Thread(target=work, name="import-validate", daemon=True)
    thread.start()
    try:
        while (item := queue_.get()) is not None:
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a worker waiting on a full queue
            with contextlib.suppress(queue.Empty):
                queue_.get(timeout=0.05)
        thread.join()


# --------------------------------------------------------------------------- writing


def _enterprise_values(row: _Row) -> dict[str, Any]:
    """The new enterprise of a row, as {attname: value} (`credit_portal.bulk.insert_values`)."""
    values = {k: v for k, v in row.data.items() if k in _MODEL_FIELDS}
    if "department" in values:
        values["department_id"] = values.pop("department").pk
    return {**values, "uscc_check_overridden": row.check_overridden, "name_initials": row.initials}


# Each new enterprise's own audit event, made by the database (enterprises aliased e).
_CREATED_TARGET = {
    "enterprise_id": Sql("e.id"),
    "target_type": Enterprise._meta.label_lower,
    "target_id": Sql("CAST(e.id AS TEXT)"),
    "target_repr": Sql(f"SUBSTR({Enterprise.STR_SQL}, 1, 200)"),
}


def _audit_value(value: Any) -> Any:
    if isinstance(value, Department):
        return value.code
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _changes(enterprise: Enterprise, row: _Row, plan: _Plan) -> dict[str, list[Any]]:
    """Apply the row's values for the file's columns to `enterprise`; return the changes as
    {field: [old, new]} (empty: the row equals the register)."""
    data = row.data
    changed: dict[str, list[Any]] = {}
    for name in plan.targets:
        if name not in data or name == "former_names":
            continue
        new = data[name]
        if name == "department":
            if enterprise.department_id != new.pk:
                old_code = plan.department_codes.get(enterprise.department_id, "")
                changed[name] = [old_code, new.code]
                enterprise.department = new
            continue
        old = getattr(enterprise, name)
        if old != new:
            if name == "legal_rep_id_digest":
                # Never in the audit trail; the masked number stands for the change.
                masked = data.get("legal_rep_id_masked", enterprise.legal_rep_id_masked)
                changed.setdefault("legal_rep_id_masked", [enterprise.legal_rep_id_masked, masked])
            else:
                changed[name] = [_audit_value(old), _audit_value(new)]
            setattr(enterprise, name, new)
    old_name = changed.get("name", [None])[0]
    names = list(enterprise.former_names)
    if "former_names" in plan.targets:
        names += [n for n in data["former_names"] if n not in names]
    # As through the form: a deregistered entity's data is corrected, not renamed.
    if old_name and old_name not in names and enterprise.status != Enterprise.Status.DEREGISTERED:
        names.insert(0, old_name)
    if names != enterprise.former_names:
        changed["former_names"] = [enterprise.former_names, names]
        enterprise.former_names = names
    if "name" in changed:
        enterprise.name_initials = row.initials
    return changed


def _apply_chunk(chunk: _Chunk, plan: _Plan, outcome: ImportOutcome) -> None:
    """Create, update or count one chunk of valid rows. Runs inside the chunk's transaction.

    Existing rows are first read without a lock and compared; only the rows that differ are
    then locked (SELECT ... FOR UPDATE) and compared again, so re-importing an unchanged file
    locks and writes nothing.
    """
    rows = chunk.valid
    by_code = {r.data["uscc"]: r for r in rows}
    existing = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=list(by_code))}
    new_rows = [r for code, r in by_code.items() if code not in existing]
    new = [r.data["uscc"] for r in new_rows]
    differing = {e.pk for e in existing.values() if _changes(e, by_code[e.uscc], plan)}
    changed_rows: list[Enterprise] = []
    changes: dict[str, dict[str, list[Any]]] = {}
    fields: set[str] = set()
    if differing and not plan.dry_run:
        # Uses index: enterprises_enterprise_pkey.
        locked = Enterprise.objects.select_for_update().filter(pk__in=differing).order_by("pk")
        for enterprise in locked:
            row = by_code.get(enterprise.uscc)  # None: its code was edited meanwhile; skip
            diff = _changes(enterprise, row, plan) if row is not None else {}
            if diff:
                changes[enterprise.uscc] = diff
                changed_rows.append(enterprise)
                fields.update(diff)
    elif differing:
        changed_rows = [e for e in existing.values() if e.pk in differing]
    if "legal_rep_id_masked" in fields:
        fields.add("legal_rep_id_digest")
    if "name" in fields:
        fields.add("name_initials")
    created, updated = len(new), len(changed_rows)
    if not plan.dry_run and (new or changed_rows):
        if new:
            insert_values(
                Enterprise,
                [r.values for r in new_rows],
                lines=[r.copy_line for r in new_rows],
            )
            # The ledger record and the audit event of each new enterprise are derived from
            # its row by the database: no Python per row (module docstring, Speed).
            _check_written(
                "ledger records", registration_records_insert(codes=new, actor=plan.actor), new
            )
        if changed_rows:
            now = timezone.now()
            for enterprise in changed_rows:
                enterprise.version += 1
                enterprise.updated_at = now
            Enterprise.objects.bulk_update(
                changed_rows, sorted(fields | {"version", "updated_at"}), batch_size=500
            )
            # A changed licence item is a change of registration, as through the edit form.
            today = timezone.localdate()
            change_records = [
                record
                for enterprise in changed_rows
                if enterprise.status != Enterprise.Status.DEREGISTERED  # corrections by nature
                and (
                    record := registration_change_record_build(
                        enterprise=enterprise,
                        changes=changes[enterprise.uscc],
                        actor=plan.actor,
                        on=today,
                    )
                )
                is not None
            ]
            if change_records:
                bulk_insert(change_records)
        audit_event_record(
            actor=plan.actor,
            event_type=AUDIT_EVENT,
            target=plan.job,
            extra={
                "file": outcome.file_name,
                "job": plan.job.pk if plan.job is not None else None,
                "chunk": chunk.index,
                "rows": [chunk.first, chunk.last],
                "created": new,
                "updated": changes,
                "counts": {
                    "created": created,
                    "updated": updated,
                    "unchanged": len(rows) - created - updated,
                },
            },
        )
        # Each enterprise's own history shows the change too (staff detail page).
        job_ref = {"import_job": plan.job.pk if plan.job is not None else None}
        if new:
            source, params = enterprises_by_codes(new)
            written = audit_events_insert_select(
                actor=plan.actor,
                event_type="enterprises.enterprise_created",
                target=_CREATED_TARGET,
                extra=job_ref,
                source=source,
                params=params,
            )
            _check_written("audit events", written, new)
        audit_events_bulk_record(
            actor=plan.actor,
            event_type="enterprises.enterprise_changed",
            targets=[
                (
                    e,
                    {
                        **job_ref,
                        "old": {k: v[0] for k, v in changes.get(e.uscc, {}).items()},
                        "new": {k: v[1] for k, v in changes.get(e.uscc, {}).items()},
                    },
                )
                for e in changed_rows
            ],
        )
    outcome.created += created
    outcome.updated += updated
    outcome.unchanged += len(rows) - created - updated


def _check_written(what: str, written: int, codes: list[str]) -> None:
    """Rows derived by the database from the new enterprises: exactly one per enterprise, or the
    chunk rolls back (a bug, never a concurrent insert: the codes' unique index failed first)."""
    if written != len(codes):
        raise RuntimeError(f"import: {written} {what} written for {len(codes)} new enterprises")


ProgressCallback = Callable[[ImportOutcome, bool], None]


def _check_importer(actor: User | None) -> None:
    """A file may touch any entity of the district: only superusers and the bureau's own staff
    import (partner departments see only their entities). Commands and jobs without a user
    are not limited."""
    if actor is None or not actor.is_authenticated or actor.is_superuser:
        return
    if not bureau_profiles(user=actor).exists():
        raise ImportRefused(
            _(
                "Only staff of the bureau can import the register: a file may touch any "
                "entity of the district, beyond your department."
            )
        )


def enterprises_import(
    *,
    file: IO[bytes],
    file_name: str,
    actor: User | None,
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
    job: ImportJob | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Import (upsert by USCC) the register rows of a CSV or XLSX file, row by row in chunks.

    Rules: see the module docstring (structure refused whole; rows validated by
    `enterprise_clean`; duplicates within the file; no check-character override; idempotent).
    Side effects: per chunk with changes, in one transaction: new enterprises and their
    REGISTRATION ledger records, updates of changed fields, one "enterprises.import_applied"
    audit event attributed to `actor`, and `on_progress(outcome, errors_changed)` (a job's
    counters). A dry run writes nothing but calls `on_progress`.
    """
    _check_importer(actor)
    _max_bytes, max_rows = import_limits()
    table = table_open(file=file, file_name=file_name)
    outcome = ImportOutcome(file_name=file_name, dry_run=dry_run)
    try:
        outcome.total_rows = table.count(max_rows)
        if on_progress is not None:
            with transaction.atomic():
                on_progress(outcome, False)
        validator = _Validator(table, dry_run=dry_run)
        present = set(table.column_of)
        plan = _Plan(
            targets=[
                t
                for name in (f for f, *_rest in COLUMNS if f in present)
                for t in _TARGETS.get(name, [name])
            ],
            actor=actor,
            dry_run=dry_run,
            job=job,
            on_progress=on_progress,
            department_codes={d.pk: d.code for d in validator.departments.values()},
        )
        chunks = _validated_chunks(table, validator, chunk_size)
        try:
            for chunk in chunks:
                _run_chunk(chunk, plan, outcome)
        finally:
            chunks.close()
    except csv.Error as exc:  # pragma: no cover - the counting pass meets it first
        raise ImportRefused(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
    finally:
        table.close()
    return outcome


@dataclass
class _Plan:
    """What every chunk of one import shares."""

    targets: list[str]  # model fields the file's columns set
    actor: User | None
    dry_run: bool
    job: ImportJob | None
    on_progress: ProgressCallback | None
    department_codes: dict[int, str]


def _run_chunk(chunk: _Chunk, plan: _Plan, outcome: ImportOutcome) -> None:
    outcome.error_rows += chunk.error_rows
    for error in chunk.errors:
        outcome.add_error(*error)
    snapshot = (outcome.created, outcome.updated, outcome.unchanged, outcome.processed_rows)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                if chunk.valid:
                    _apply_chunk(chunk, plan, outcome)
                outcome.processed_rows += chunk.size
                if plan.on_progress is not None:
                    plan.on_progress(outcome, bool(chunk.errors))
            return
        except IntegrityError:
            # Another import created one of these codes meanwhile: the chunk rolled back;
            # run it once more, when those rows are updates.
            created, updated, unchanged, processed = snapshot
            outcome.created, outcome.updated, outcome.unchanged = created, updated, unchanged
            outcome.processed_rows = processed
            if attempt == 2:
                raise


# --------------------------------------------------------------------------- jobs


class _Superseded(Exception):  # noqa: N818
    """A newer run of the same job took over; this run stops (its chunk rolls back)."""


def import_job_create(*, upload: UploadedFile, dry_run: bool, actor: User) -> ImportJob:
    """Store an uploaded file as an import job and queue it (on commit).

    Rules: the file passes `import_file_check` (size, type, encoding, headers), else a
    ValidationError with the reason. Side effects: the file in default storage; the task
    `import_job_run_task` on the "bulk" queue after commit (in process without Redis).
    """
    name = upload.name or "import.csv"
    try:
        _check_importer(actor)
        import_file_check(file=upload, file_name=name)
    except ImportRefused as exc:
        raise ValidationError(exc.message) from exc
    with transaction.atomic():
        job = ImportJob(original_name=name[:255], dry_run=dry_run, created_by=actor)
        job.file.save(name, upload, save=False)
        job.save()
        transaction.on_commit(partial(import_job_run_task.delay, job.pk))
    return job


def import_job_run(*, job_id: int, chunk_size: int = CHUNK_SIZE) -> str:
    """Run an import job; returns its final status ("done", "failed") or "superseded".

    Rules: a finished job (done or failed) is not run again (idempotent task); a job left
    "running" by a killed worker runs again from the start (committed chunks are then
    unchanged). Progress, counts and the first `MAX_STORED_ERRORS` errors are committed with
    each chunk. A refused file fails the job with the reason and writes nothing.
    Side effects: those of `enterprises_import`, attributed to the job's creator.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return str(job.status)
        token = timezone.now()
        job.status, job.started_at, job.finished_at = ImportJob.Status.RUNNING, token, None
        job.total_rows = job.processed_rows = job.error_count = 0
        job.created_count = job.updated_count = job.unchanged_count = 0
        job.errors, job.message = [], ""
        job.save()

    def progress(outcome: ImportOutcome, errors_changed: bool) -> None:
        values: dict[str, Any] = {
            "total_rows": outcome.total_rows,
            "processed_rows": outcome.processed_rows,
            "created_count": outcome.created,
            "updated_count": outcome.updated,
            "unchanged_count": outcome.unchanged,
            "error_count": outcome.error_rows,
        }
        if errors_changed:
            values["errors"] = outcome.errors
        if not ImportJob.objects.filter(pk=job.pk, started_at=token).update(**values):
            raise _Superseded

    try:
        with job.file.open("rb") as handle:
            outcome = enterprises_import(
                file=handle,
                file_name=job.original_name,
                actor=job.created_by,
                dry_run=job.dry_run,
                chunk_size=chunk_size,
                job=job,
                on_progress=progress,
            )
    except _Superseded:
        logger.warning("enterprises.import.superseded", extra={"job_id": job.pk})
        return "superseded"
    except ImportRefused as exc:
        return _job_finish(job, token, ImportJob.Status.FAILED, exc.message)
    except Exception:
        logger.exception("enterprises.import.failed", extra={"job_id": job.pk})
        return _job_finish(
            job,
            token,
            ImportJob.Status.FAILED,
            _("The import stopped because of an internal error; the rows committed so far stay."),
        )
    message = ""
    if outcome.errors_truncated:
        message = _("Only the first %(n)s of %(total)s errors are stored.") % {
            "n": f"{len(outcome.errors):,}",
            "total": f"{outcome.error_total:,}",
        }
    return _job_finish(job, token, ImportJob.Status.DONE, message)


def _job_finish(job: ImportJob, token: dt.datetime, status: str, message: str) -> str:
    """Close the job. The uploaded file is deleted: it holds unmasked identity numbers, which
    the register keeps only masked (README: uploads are kept until their job ends)."""
    finished = ImportJob.objects.filter(pk=job.pk, started_at=token).update(
        status=status, message=message, finished_at=timezone.now()
    )
    if finished and job.file and job.file.storage.exists(job.file.name):
        job.file.storage.delete(job.file.name)
    return status


# --------------------------------------------------------------------------- reads


def import_jobs_for_user(*, user: User | AnonymousUser) -> QuerySet[ImportJob]:
    """Import jobs a user may see: all of them for those who may import (the bureau's staff
    with the import permission, superusers), else none: a job's errors name entities of the
    whole district (`_check_importer`)."""
    qs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")
    if not (user.is_authenticated and user.has_perm(EnterprisePerm.IMPORT)):
        return qs.none()
    if user.is_superuser:
        return qs
    # In the same statement (no extra query on the page): the user works for the bureau.
    return qs.filter(Exists(bureau_profiles(user=user)))


def import_template_rows() -> list[list[Any]]:
    """Rows of the explanation sheet of the template: header, field, required, format."""
    return [[zh, en, _("yes") if f in REQUIRED else "", str(note)] for f, zh, en, note in COLUMNS]


def entity_type_examples() -> list[tuple[str, str]]:
    """(entity type label, how it may be written) for the template and the upload page."""
    labels = dict(Enterprise.EntityType.choices)
    return [(str(labels[value]), written) for value, written in ENTITY_TYPE_EXAMPLES]
