"""Reading an import file: what a file may be, its header row and its rows.

What a file may be
- CSV in UTF-8 (with or without BOM) or GB18030/GBK, which is what WPS and Excel in Chinese
  produce; the encoding is decided on all of the data, and a file that reads as neither
  (Big5, Shift-JIS, a file that reads as two encodings alike) is refused (`_csv_text`). XLSX
  (first sheet), read by a streaming reader of our own (`workbook`). Old binary .xls is
  refused with a hint to save as .xlsx.
- Row 1 holds the column headers, in Chinese or English (`HEADER_ALIASES`); columns with an
  empty header are ignored, and so is a row whose only values are in such columns. A file
  exported from the register list is accepted as it is: its
  columns that the import does not write (status, list flags, masked identity numbers, risk)
  are ignored (`_export_headers`), and text it escaped against formula injection ('=...)
  reads back as it was. Row numbers in messages are spreadsheet row numbers (the
  header is row 1), so a user finds the row at once. Empty rows are skipped.
- Limits: `IMPORT_MAX_BYTES` (64 MB) and `IMPORT_MAX_ROWS` (200,000), both overridable in
  settings.CREDIT_PORTAL. A 100,000-row register export with business scopes is about 27 MB
  in UTF-8 (18 MB in GB18030), so 64 MB holds the 200,000 rows with room to spare. An XLSX
  file is also held to limits on what it unpacks to, its rows counting empty ones, its cells
  and its text, derived from these two (`workbook.XlsxLimits`, issue 12): a hostile workbook
  costs what its data costs.

A file that breaks these rules is refused whole, before anything is written: `ImportRefused`
(see the package docstring, "All-or-nothing or row by row?"). Opening a file (`table_open`,
and so the upload form's `import_file_check`) reads an XLSX sheet up to its header row only;
`Table.count`, which `enterprises_import` calls before it writes, reads every row as
`Table.records` will, so damage anywhere in the file is met before the first chunk.

Speed (see the package docstring): an XLSX file is read by `workbook`, about twice as fast as
through openpyxl (the figures are there); deciding a GB18030 file's encoding costs about
0.35 s of CPU per 100,000 rows, a UTF-8 file's nothing beyond its decoding.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

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
        rows: Callable[[], Iterator[tuple[int, Sequence[Any]]]],
        close: Callable[[], None] | None = None,
    ) -> None:
        self.headers = headers
        self._rows = rows  # (spreadsheet row number, values) of the rows below the header
        self._close = close
        export_fields, export_ignored = _export_headers()
        keys = [_header_key(h) for h in headers]
        self.fields: list[str | None] = [
            HEADER_ALIASES.get(k) or export_fields.get(k) for k in keys
        ]
        self.ignored = {i for i, k in enumerate(keys) if k in export_ignored}
        # The columns under a header: a row with values elsewhere only is empty.
        self._headed = [i for i, k in enumerate(keys) if k]
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
        for number, values in self._rows():
            if self._filled(values):
                yield number, {f: _cell(values[i]) if i < len(values) else None for i, f in indexed}

    def _filled(self, values: Sequence[Any]) -> bool:
        """Whether a row holds anything under a header (a row of empty or blank cells is
        skipped)."""
        size = len(values)
        return any(
            i < size and values[i] is not None and str(values[i]).strip() for i in self._headed
        )

    def _filled_rows(self) -> Iterator[None]:
        for _number, values in self._rows():
            if self._filled(values):
                yield None

    def count(self, limit: int) -> int:
        """Number of non-empty data rows; refuses the file past `limit`, and a file with
        headers but no data (an empty template saved by mistake is not a finished import).

        This pass reads every cell as `records` will (for XLSX: shared strings resolved,
        numbers and dates parsed, every limit of `workbook` checked), so a damaged or hostile
        file is refused here, before the first chunk is written (issue 12)."""
        n = 0
        try:
            for _row in self._filled_rows():
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

    Rules: size limit, extension, encoding (CSV: UTF-8 with or without BOM, else GB18030
    when the text reads as Chinese, `_csv_text`), an XLSX file's limits up front
    (`workbook`), headers known, not duplicated, required columns present. Raises
    `ImportRefused`. Reads no further than the header row: the rows are read by `Table`.
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
    text = _csv_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(reader, None)
        yield from enumerate(reader, start=2)

    try:
        headers = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
    return Table(list(headers), rows)


# How a CSV file's encoding is told apart (`_csv_text`). A share of unusual characters above
# this is not Chinese text; Chinese register text stays far below 1 %.
_UNUSUAL_SHARE = 0.10


def _gb2312_common(encoded: bytes) -> bool:
    """GB2312's punctuation, symbols and full-width forms (rows 1-3) and its 6,763 Chinese
    characters (rows 16-87), as GB18030 encodes them."""
    return (
        len(encoded) == 2
        and encoded[1] >= 0xA1
        and (0xA1 <= encoded[0] <= 0xA3 or 0xB0 <= encoded[0] <= 0xF7)
    )


def _big5_common(encoded: bytes) -> bool:
    """Big5's symbols (A140-A3BF) and its 5,401 frequent characters (A440-C67E)."""
    return len(encoded) == 2 and (
        0xA1 <= encoded[0] <= 0xA3 or (0xA4 <= encoded[0] <= 0xC6 and encoded <= b"\xc6\x7e")
    )


def _shift_jis_common(encoded: bytes) -> bool:
    """Shift-JIS's symbols, full-width forms and kana (81-84) and the 2,965 kanji of JIS X
    0208 level 1 (889F-9872)."""
    return len(encoded) == 2 and (
        0x81 <= encoded[0] <= 0x84 or b"\x88\x9f" <= encoded <= b"\x98\x72"
    )


def _unusual_share(text: str, encoding: str, common: Callable[[bytes], bool]) -> float | None:
    """The share of the non-ASCII characters of `text` (decoded from `encoding`) that are not
    `common` in it; None when the text holds a code point that no register holds
    (unassigned, a surrogate, a control character)."""
    unusual: list[str] = []
    for char in set(text):
        if char < "\x80":
            continue
        if unicodedata.category(char) in ("Cn", "Cs", "Cc"):
            return None
        if not common(char.encode(encoding)):
            unusual.append(char)
    if not unusual:
        return 0.0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    found = re.subn("[" + re.escape("".join(unusual)) + "]", "", text)[1]
    return found / non_ascii


def _csv_text(data: bytes) -> str:
    """The text of a CSV file, in the one encoding that reads it as a register.

    Rules, decided on all of the data, never on the headers alone (issue 12: a Big5 or
    Shift-JIS file is valid GB18030 byte for byte, and with ASCII headers it created
    entities named in mojibake):
    - UTF-8, with or without BOM, when the bytes decode as UTF-8 (text in another encoding
      almost never does);
    - else GB18030 (which holds GBK and GB2312), when the bytes decode and the text reads as
      Chinese: no unassigned, surrogate or control code point, and at most `_UNUSUAL_SHARE`
      of its non-ASCII characters outside GB2312's Chinese characters and punctuation.
      Register text stays far below 1 %, rare characters of personal names (堃, 旸, 喆, 𠀾,
      all outside GB2312) included; Big5 read as GB18030 lands largely in GBK's extension
      areas, kana rows and user-defined areas (about 80 % of its characters in company names),
      and Shift-JIS almost entirely in GBK/3, where its lead bytes fall;
    - refused as ambiguous when the bytes also decode as Big5 or Shift-JIS and read as
      plausibly there (the same measure against Big5's frequent characters or the kanji of
      JIS X 0208 level 1): a short file could pass the test above by chance;
    - refused otherwise. A deterministic rule rather than a statistical detector
      (charset-normalizer): short files decide the same way every time, and the refusal can
      say why. Either refusal tells the user to save the file as UTF-8 or GB18030 CSV, or as
      XLSX.
    Speed: one pass over the text for its distinct characters (`set`), one more only when
    unusual characters are present: about 0.35 s of CPU for 100,000 rows in GB18030; UTF-8
    files pay only their decoding.
    """
    unknown = _(
        "The file's text encoding is not recognised. Save it as CSV in UTF-8 or GB18030 "
        "(GBK), or as XLSX."
    )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportRefused(unknown) from None
        share = _unusual_share(text, "gb18030", _gb2312_common)
        if share is None or share > _UNUSUAL_SHARE:
            raise ImportRefused(
                _(
                    "The file's text encoding is not recognised: read as GB18030 it does not "
                    "look like Chinese text (it may be Big5 or Shift-JIS). Save it as CSV in "
                    "UTF-8 or GB18030 (GBK), or as XLSX."
                )
            ) from None
        for encoding, common in (("cp950", _big5_common), ("cp932", _shift_jis_common)):
            try:
                other = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            other_share = _unusual_share(other, encoding, common)
            if other_share is not None and other_share <= _UNUSUAL_SHARE:
                raise ImportRefused(
                    _(
                        "The file's text encoding is ambiguous: it reads as GB18030 and as "
                        "%(other)s alike. Save it as CSV in UTF-8 or GB18030 (GBK), or as XLSX."
                    )
                    % {"other": "Big5" if encoding == "cp950" else "Shift-JIS"}
                ) from None
    if "\x00" in text:
        raise ImportRefused(unknown)
    return text


def _xlsx_table(data: bytes) -> Table:
    """The first sheet of a workbook, through the streaming reader `workbook.Workbook`:
    opened and read up to its header row only (no sheet-wide scan, so the upload form costs
    what the header costs); its rows are read in each pass over `Table`."""
    # Imported here: `workbook` imports `ImportRefused` from this module.
    from enterprises.services.imports.workbook import Workbook, XlsxLimits

    max_bytes, max_rows = import_limits()
    book = Workbook(data, limits=XlsxLimits.for_import(max_bytes=max_bytes, max_rows=max_rows))
    try:
        headers = ["" if h is None else str(h) for h in book.header()]
        while headers and not headers[-1].strip():
            headers.pop()
        if not headers:
            raise ImportRefused(_("The first row must hold the column headers."))
        # Only the columns under a header are read: the others are ignored (module docstring).
        keep = [bool(_header_key(h)) for h in headers]
        return Table(headers, functools.partial(book.rows, keep=keep), close=book.close)
    except BaseException:
        book.close()
        raise


def import_file_check(*, file: IO[bytes], file_name: str) -> list[str]:
    """Check a file's size, type, encoding and headers (for upload forms); returns the
    recognised fields. Raises `ImportRefused`. Rewinds the file. An XLSX sheet is read up to
    its header row only, whatever follows (`table_open`)."""
    try:
        table = table_open(file=file, file_name=file_name)
        table.close()
        return [f for f in table.fields if f]
    finally:
        file.seek(0)
