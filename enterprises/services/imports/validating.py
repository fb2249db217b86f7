"""Validating an import file's rows, one by one, with `enterprise_clean` (the same rules as the
forms and the API), in a background thread that works a chunk or two ahead of the writer.

Beyond those rules (see also the package docstring, "All-or-nothing or row by row?")
- Import never overrides a failed check character: a historic code that fails its check is
  created only through the form by an officer with `override_uscc_check`; once it is in the
  register, later files may carry it.
- The same USCC twice in one file: the later row is an error, the first is applied.
- A legal representative barred because an enterprise they represented is on the serious
  illegal and dishonest list is refused, matched on the identity number's digest
  (`enterprises.services.bars`: the rule of the forms and the API, `BarIndex.refusal`, on the
  bars read once per file); a row that keeps an enterprise's current representative appoints
  nobody. The import never overrides the bar: a registrar does, with a reason, in the form.

Speed (see the package docstring):
- rows are validated in Python with `enterprise_clean`, the departments preloaded, in a
  background thread one or two chunks ahead of the writer (`_validated_chunks`): the writer
  waits on PostgreSQL much of the time, with the GIL released. That thread also makes each
  row's values as a new enterprise and, on PostgreSQL, its line of COPY text, in case the row
  is new, so that the writer mostly waits for the database;
- pinyin initials are computed per word with a cache (`credit_portal.text.pinyin_initials`,
  the same result as `register.name_initials`, about five times faster than pypinyin's
  `lazy_pinyin`).
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import unicodedata
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from credit_portal.bulk import copy_line_of
from credit_portal.models import Department
from credit_portal.text import pinyin_initials
from enterprises.models import Enterprise
from enterprises.services.bars import representative_bar_index
from enterprises.services.imports.reading import ZH_HEADER, Table
from enterprises.services.register import enterprise_clean, items_joined
from enterprises.uscc import uscc_problems

_MODEL_FIELDS = {f.name for f in Enterprise._meta.concrete_fields}


# Entity types as written in Chinese registers and business licences, mapped to
# Enterprise.EntityType: a cell must be one of these names (compared after NFKC, so full-width
# and ASCII brackets alike, without spaces, in any case), optionally followed by the qualifier
# a licence prints in brackets ("有限责任公司（自然人投资或控股）"), or a value or English label
# of Enterprise.EntityType. Nothing is matched by a part of the text: "股份公司X" is refused
# with the accepted names, not read as a company because it contains 公司 (issue 13).
ENTITY_TYPE_NAMES: dict[str, tuple[str, ...]] = {
    Enterprise.EntityType.COMPANY: (
        "有限责任公司",
        "股份有限公司",
        "公司",
        "一人有限责任公司",
        "国有独资公司",
        "其他有限责任公司",
        "其他股份有限公司",
    ),
    Enterprise.EntityType.BRANCH: (
        "分公司",
        "分支机构",
        "有限责任公司分公司",
        "股份有限公司分公司",
        "其他有限责任公司分公司",
        "其他股份有限公司分公司",
        "合伙企业分支机构",
        "个人独资企业分支机构",
        "农民专业合作社分支机构",
    ),
    Enterprise.EntityType.PARTNERSHIP: (
        "合伙企业",
        "普通合伙企业",
        "有限合伙企业",
        "特殊普通合伙企业",
    ),
    Enterprise.EntityType.SOLE_PROPRIETORSHIP: ("个人独资企业",),
    Enterprise.EntityType.FARMERS_COOP: ("农民专业合作社", "农民专业合作社联合社"),
    Enterprise.EntityType.INDIVIDUAL_BUSINESS: ("个体工商户", "个体户"),
}
_ENGLISH_LABELS = {
    "company": "Company",
    "branch": "Branch",
    "partnership": "Partnership",
    "sole_proprietorship": "Sole proprietorship",
    "farmers_coop": "Farmers' cooperative",
    "individual_business": "Individual business",
}
_QUALIFIED = re.compile(r"^(?P<name>[^()]+)\([^()]+\)$")


def _type_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace()).lower()


_ENTITY_TYPE_EXACT: dict[str, str] = {
    **{_type_key(v): str(v) for v in Enterprise.EntityType.values},
    **{_type_key(label): value for value, label in _ENGLISH_LABELS.items()},
    **{_type_key(n): str(t) for t, names in ENTITY_TYPE_NAMES.items() for n in names},
}


def entity_type_match(value: Any) -> str | None:
    """The entity type a cell names, or None when it names none (see `ENTITY_TYPE_NAMES`)."""
    key = _type_key(str(value if value is not None else ""))
    exact = _ENTITY_TYPE_EXACT.get(key)
    if exact is not None:
        return exact
    qualified = _QUALIFIED.match(key)
    if qualified is not None:
        return _ENTITY_TYPE_EXACT.get(qualified["name"])
    return None


def _entity_type_refused(value: Any) -> str:
    """The message for a cell that names no entity type: the accepted names."""
    return _(
        "Unknown entity type: %(v)s. Write one of %(names)s (or another name the template's "
        "sheet of entity types lists), optionally with the qualifier in brackets the business "
        "licence prints, e.g. 有限责任公司（自然人投资或控股）."
    ) % {
        "v": str(value).strip(),
        "names": items_joined(names[0] for names in ENTITY_TYPE_NAMES.values()),
    }


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
        # The bars on legal representatives active today, read once (the thread reads no
        # database): a few hundred rows at most.
        self.bars = representative_bar_index(on=self.today)

    def column(self, name: str) -> str:
        return self.table.column_of.get(name) or ZH_HEADER.get(name, name)

    def validate(self, number: int, raw: dict[str, Any]) -> tuple[_Row | None, list[_Error]]:
        refused_type = None
        written_type = raw.get("entity_type")
        if written_type is not None and str(written_type).strip():
            matched = entity_type_match(written_type)
            if matched is None:
                refused_type = _entity_type_refused(written_type)
            else:
                raw["entity_type"] = matched
        result = enterprise_clean(
            raw, departments=self.departments, allow_check_override=True, today=self.today
        )
        if refused_type is not None:
            result.errors["entity_type"] = [refused_type]
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
        digest = result.data.get("legal_rep_id_digest", "")
        if digest and "legal_rep_id" not in result.errors:
            barred = self.bars.refusal(id_digest=digest, uscc=code)
            if barred is not None:
                result.add("legal_rep_id", barred.message)
        if result.errors:
            written = (_as_written(raw.get("uscc"), 40), _as_written(raw.get("name"), 200))
            errors = [
                (number, self.column(name), str(message), *written)
                for name, messages in result.errors.items()
                for message in messages
            ]
            return None, errors
        row = _Row(
            number, result.data, result.check_overridden, pinyin_initials(result.data["name"])
        )
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


# The new enterprise of a valid row, made by the validating thread in case the row is new.
def _enterprise_values(row: _Row) -> dict[str, Any]:
    """The new enterprise of a row, as {attname: value} (`credit_portal.bulk.insert_values`)."""
    values = {k: v for k, v in row.data.items() if k in _MODEL_FIELDS}
    if "department" in values:
        values["department_id"] = values.pop("department").pk
    return {**values, "uscc_check_overridden": row.check_overridden, "name_initials": row.initials}
