"""Create and change market entities. Every write locks the row, validates, writes its audit
event and (for status) its ledger record in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from json import dumps as json_dumps
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record, model_diff, model_snapshot
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.text import character_label, invisible_characters, pinyin_initials
from enterprises import industries
from enterprises.identity import id_digest, mask_id, resident_id_problem
from enterprises.kinds import (
    REGISTRATION,
    REGISTRATION_CHANGE,
    items_joined,
    registration_change_summary,
    registration_summary,
)
from enterprises.models import Enterprise
from enterprises.rules import EXTINCT_STATUSES
from enterprises.selectors import departments_of_jurisdiction
from enterprises.services.bars import (
    BarRefusal,
    representative_bar_check,
    representative_bar_override_record,
)
from enterprises.services.ledger import CreditFact, credit_fact_append
from enterprises.uscc import normalize, regno15_problems, uscc_problems

EARLIEST_REGISTRATION = dt.date(1949, 10, 1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# GB 32100 position 2 under authority 9 (market supervision): 1 enterprise, 2 individual
# business, 3 farmers' cooperative (docs/domain.md §8).
_TYPE_DIGIT = {
    Enterprise.EntityType.INDIVIDUAL_BUSINESS: "2",
    Enterprise.EntityType.FARMERS_COOP: "3",
}

REGISTER_FIELDS = [
    "uscc",
    "legacy_reg_no",
    "name",
    "former_names",
    "entity_type",
    "industry_section",
    "industry_division",
    "registered_on",
    "registration_authority",
    "address",
    "division",
    "legal_rep_name",
    "legal_rep_id",
    "registered_capital",
    "business_scope",
    "department",
]
REQUIRED = {
    "uscc",
    "name",
    "entity_type",
    "industry_division",
    "registered_on",
    "registration_authority",
    "address",
    "division",
    "legal_rep_name",
    "department",
}


@dataclass
class CleanResult:
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    check_overridden: bool = False

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def name_initials(name: str) -> str:
    """Pinyin initials of a Chinese name, for search: 成都蓉城餐饮 -> CDRCCY."""
    return pinyin_initials(name)


def _entity_types_by_label() -> dict[str, str]:
    """{label in the active language: entity type}, built once per language (an import asks
    for it on every row)."""
    language = translation.get_language()
    labels = _TYPE_BY_LABEL.get(language)
    if labels is None:
        labels = _TYPE_BY_LABEL[language] = {
            str(label): value for value, label in Enterprise.EntityType.choices
        }
    return labels


_TYPE_BY_LABEL: dict[str | None, dict[str, str]] = {}
_ENTITY_TYPES = frozenset(Enterprise.EntityType.values)


_MARKUP = re.compile(r"[<>＜＞]")


def _text(value: Any) -> str:
    """Text as stored: control characters removed, line ends as LF (browsers send a textarea's
    as CRLF, files and the API usually LF: the same scope must compare equal, or every save of
    the form would look like a change of registration), no surrounding space."""
    text = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _check_invisible(result: CleanResult, key: str, text: str) -> None:
    """Names and addresses hold no invisible or direction-changing characters
    (`credit_portal.text.invisible_characters`, docs/domain.md §8): they make two names that
    look the same different, or show a text in another order than it is stored."""
    found = invisible_characters(text)
    if found:
        result.add(
            key,
            _(
                "Contains an invisible or direction-changing character: %(chars)s. Remove it "
                "(it often comes with copied text) and type the text again."
            )
            % {"chars": items_joined(character_label(ch) for ch in found[:3])},
        )


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    text = text.replace("年", "-").replace("月", "-").replace("日", "")
    return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))


def enterprise_clean(
    raw: dict[str, Any],
    *,
    departments: dict[str, Department] | None = None,
    allow_check_override: bool = False,
    partial: bool = False,
    today: dt.date | None = None,
) -> CleanResult:
    """Validate and normalise register data from a form, an API call or an import row.

    Rules (docs/domain.md §8 for codes; GB/T 4754-2017 for industries):
    - the USCC is normalised and fully checked; a wrong check character is refused with the
      expected one, unless `allow_check_override` (permission override_uscc_check);
    - the entity-type digit of the code must match the entity type;
    - the old 15-digit registration number, when given, passes ISO 7064 MOD 11,10;
    - the division belongs to the section (the section is derived when missing);
    - the registration date is real, not in the future, not before 1949-10-01;
    - an identity number is validated, then kept only masked plus a keyed digest;
    - names, former names, the registration authority, the address, the street and the legal
      representative's name hold no invisible or direction-changing character (§8, "Names and
      addresses"); they are kept as written, not folded (full-width brackets stay).
    With `partial`, only the keys present are checked (updates). `today` (default: the local
    date now) is the limit of registration dates; a bulk caller passes it once.
    """
    result = CleanResult()
    keys = [k for k in REGISTER_FIELDS if k in raw] if partial else REGISTER_FIELDS
    for key in keys:
        value = raw.get(key)
        if key in REQUIRED and (value is None or _text(value) == ""):
            result.add(key, _("This field is required."))
    if "uscc" in keys and raw.get("uscc"):
        code = normalize(_text(raw["uscc"]))
        problems = uscc_problems(code)
        hard = [p for p in problems if not p.overridable]
        soft = [p for p in problems if p.overridable]
        for p in hard:
            result.add("uscc", p.message)
        if soft and not hard:
            if allow_check_override:
                result.check_overridden = True
            else:
                for p in soft:
                    result.add("uscc", p.message)
        result.data["uscc"] = code
    if "legacy_reg_no" in keys:
        regno = normalize(_text(raw.get("legacy_reg_no")))
        if regno:
            for p in regno15_problems(regno):
                result.add("legacy_reg_no", p.message)
        result.data["legacy_reg_no"] = regno
    for key, limit in (
        ("name", 200),
        ("registration_authority", 100),
        ("address", 255),
        ("division", 64),
        ("legal_rep_name", 64),
    ):
        if key in keys and raw.get(key) is not None:
            text = _text(raw[key])
            if len(text) > limit:
                result.add(key, _("At most %(n)d characters.") % {"n": limit})
            if key == "name" and _MARKUP.search(text):
                # A registered name is words, never markup (pages escape it anyway), and the
                # register feeds the public lookup: refuse rather than publish "<b>...".
                result.add(key, _("A name cannot contain the characters < or >."))
            _check_invisible(result, key, text)
            result.data[key] = text
    if "business_scope" in keys:
        result.data["business_scope"] = _text(raw.get("business_scope"))
    if "former_names" in keys:
        names = raw.get("former_names") or []
        if isinstance(names, str):
            names = re.split(r"[;；|\n]", names)
        result.data["former_names"] = [_text(n)[:200] for n in names if _text(n)]
        if any(_MARKUP.search(n) for n in result.data["former_names"]):
            result.add("former_names", _("A name cannot contain the characters < or >."))
        _check_invisible(result, "former_names", "\n".join(result.data["former_names"]))
    if "entity_type" in keys and raw.get("entity_type"):
        value = _text(raw["entity_type"])
        value = _entity_types_by_label().get(value, value)
        if value not in _ENTITY_TYPES:
            result.add("entity_type", _("Unknown entity type: %(v)s.") % {"v": value})
        else:
            result.data["entity_type"] = value
    if "industry_division" in keys and raw.get("industry_division"):
        division = _text(raw["industry_division"]).zfill(2)[:2]
        section = industries.section_of(division)
        # "C", or "C 制造业" as the register export writes it: the letter is what counts.
        given = _text(raw.get("industry_section")).upper()
        if len(given) > 1 and given[0].isascii() and given[0].isalpha() and not given[1].isalpha():
            given = given[0]
        if section is None:
            result.add(
                "industry_division",
                _("Unknown industry division %(v)s (GB/T 4754-2017 divisions are 01 to 97).")
                % {"v": _text(raw["industry_division"])},
            )
        elif given and given != section:
            result.add(
                "industry_section",
                _("Division %(d)s belongs to section %(s)s, not %(g)s.")
                % {"d": division, "s": section, "g": given},
            )
        else:
            result.data["industry_division"] = division
            result.data["industry_section"] = section
    if "registered_on" in keys and raw.get("registered_on") not in (None, ""):
        try:
            day = _date(raw["registered_on"])
        except (ValueError, TypeError):
            result.add("registered_on", _("Not a valid date; use YYYY-MM-DD."))
        else:
            if day > (today or timezone.localdate()):
                result.add("registered_on", _("The registration date cannot be in the future."))
            elif day < EARLIEST_REGISTRATION:
                result.add("registered_on", _("The registration date cannot be before 1949-10-01."))
            else:
                result.data["registered_on"] = day
    if "legal_rep_id" in keys and _text(raw.get("legal_rep_id")):
        problem = resident_id_problem(_text(raw["legal_rep_id"]))
        if problem:
            result.add("legal_rep_id", problem)
        else:
            result.data["legal_rep_id_masked"] = mask_id(_text(raw["legal_rep_id"]))
            result.data["legal_rep_id_digest"] = id_digest(_text(raw["legal_rep_id"]))
    if "registered_capital" in keys:
        capital = _text(raw.get("registered_capital")).replace(",", "")
        if capital:
            try:
                amount = Decimal(capital)
            except InvalidOperation:
                result.add("registered_capital", _("Not a number."))
            else:
                if not amount.is_finite():  # NaN, Infinity
                    result.add("registered_capital", _("Not a number."))
                elif amount < 0 or amount >= Decimal("10000000000"):
                    result.add(
                        "registered_capital",
                        _(
                            "Registered capital is at least 0 and below 10,000,000,000 "
                            "(CNY 10,000)."
                        ),
                    )
                else:
                    # Stored with 4 decimals (CNY 10,000 to the yuan); rounding here keeps a
                    # re-import of a spreadsheet float (33.333333333333336) a no-op.
                    result.data["registered_capital"] = amount.quantize(
                        Decimal("0.0001"), rounding=ROUND_HALF_UP
                    )
        else:
            result.data["registered_capital"] = None
    if "department" in keys and raw.get("department"):
        dept: Department | None = (
            raw["department"] if isinstance(raw["department"], Department) else None
        )
        if dept is None:
            lookup = (
                departments
                if departments is not None
                else {d.code: d for d in Department.objects.all()}
            )
            by_name = {d.name: d for d in lookup.values()}
            key = _text(raw["department"])
            dept = lookup.get(key) or by_name.get(key)
        if dept is None:
            result.add(
                "department", _("Unknown department: %(v)s.") % {"v": _text(raw["department"])}
            )
        else:
            result.data["department"] = dept
    uscc, etype = result.data.get("uscc"), result.data.get("entity_type")
    if uscc and etype and uscc[0] == "9" and not result.errors.get("uscc"):
        expected: str = _TYPE_DIGIT.get(etype) or "1"
        if uscc[1] != expected:
            result.add(
                "entity_type",
                _(
                    "The credit code's second character %(c)s does not fit this entity type "
                    "(expected %(e)s)."
                )
                % {"c": uscc[1], "e": expected},
            )
    return result


def _registration_details(entity_type: str) -> dict[str, Any]:
    """The details of a REGISTRATION fact: the status it sets, and the entity type its summary
    names (`enterprises.kinds.registration_summary`)."""
    return {"status": Enterprise.Status.OPERATING, "entity_type": str(entity_type)}


def registration_fact(
    *,
    enterprise_id: int,
    entity_type: str,
    registered_on: dt.date,
    registration_authority: str,
) -> CreditFact:
    """The REGISTRATION fact of a new enterprise: registration basics are public from the
    registration date (企业信息公示暂行条例 art. 6; docs/domain.md §5). Its source is the
    enterprise itself, so a registration is recorded once."""
    details = _registration_details(entity_type)
    return CreditFact(
        enterprise_id=enterprise_id,
        kind=REGISTRATION,
        occurred_on=registered_on,
        is_public=True,
        publicity_start=registered_on,
        authority=registration_authority,
        summary=registration_summary(details) or "",
        details=details,
        source=("enterprises", "enterprise", str(enterprise_id)),
    )


def registration_facts_select(*, codes: list[str]) -> tuple[str, list[Any]]:
    """The SQL twin of `registration_fact` for the enterprises with these credit codes, in id
    order, for `credit_facts_append_derived` (the import's new enterprises: no Python per row).
    The same fact column by column (pinned by tests/enterprises/test_import.py).
    Uses index: enterprises_enterprise_uscc_key."""
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    types = Enterprise.EntityType.values
    pg = connection.vendor == "postgresql"
    json, day, key = (
        ("CAST(%s AS jsonb)", "CAST(NULL AS date)", "CAST(NULL AS bigint)")
        if pg
        else ("%s", "NULL", "NULL")
    )
    summary = "CASE e.entity_type " + " ".join("WHEN %s THEN %s" for _t in types) + " END"
    details = "CASE e.entity_type " + " ".join(f"WHEN %s THEN {json}" for _t in types) + " END"
    by_type = {t: _registration_details(t) for t in types}
    summaries = [p for t in types for p in (t, registration_summary(by_type[t]) or "")]
    details_params = [p for t in types for p in (t, json_dumps(by_type[t]))]
    codes_in = ", ".join(["%s"] * len(codes))
    sql = (
        "SELECT ROW_NUMBER() OVER (ORDER BY e.id) - 1, e.id, %s, e.registered_on, %s, "  # noqa: S608
        f"e.registered_on, {day}, e.registration_authority, '', {summary}, {details}, "
        f"'enterprises', 'enterprise', CAST(e.id AS TEXT), {key} "
        f"FROM {table} e WHERE e.uscc IN ({codes_in})"
    )
    return sql, [REGISTRATION, True, *summaries, *details_params, *codes]


# The items of the business licence whose change is a change of registration (变更登记,
# 市场主体登记管理条例 art. 24): each change of one in the register becomes a ledger fact, so that
# the history shows it and risk classification can count "frequent changes of legal
# representative, name, address or scope; large capital changes" (docs/domain.md §1). A
# correction of an entry error is not a change and writes no such record.
REGISTRATION_ITEMS = (
    "name",
    "entity_type",
    "legal_rep_name",
    "registered_capital",
    "address",
    "business_scope",
)


def _item_text(field: str, value: Any) -> str | None:
    """A licence item's value as the ledger keeps it: text; capital without trailing zeros."""
    if value is None or value == "":
        return value
    if field == "registered_capital":
        return f"{Decimal(str(value)).normalize():f}"
    return str(value)


def registration_change_fact(
    *,
    enterprise: Enterprise,
    changes: dict[str, list[Any]],
    on: dt.date,
) -> CreditFact | None:
    """The REGISTRATION_CHANGE fact of the licence items among `changes` ({field: [old, new]}),
    or None when none of them changed.

    Rules: public from its date, as the publicity system shows changes of registration (变更
    信息: item, before, after, date; 企业信息公示暂行条例 art. 6; docs/domain.md §5); the public
    profile leaves out any item the law keeps private (`enterprises.public`). The details keep
    the entity type after the change, which names the registered person in the summary
    (法定代表人, 经营者...)."""
    items = {k: [_item_text(k, v) for v in changes[k]] for k in REGISTRATION_ITEMS if k in changes}
    if not items:
        return None
    details = {"changes": items, "entity_type": str(enterprise.entity_type)}
    return CreditFact(
        enterprise_id=enterprise.pk,
        kind=REGISTRATION_CHANGE,
        occurred_on=on,
        is_public=True,
        publicity_start=on,
        authority=enterprise.registration_authority,
        summary=registration_change_summary(details) or "",
        details=details,
    )


def _audit_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    """Field values for the audit log, without the keyed digest of the ID number: the masked
    number shows 8 of 18 characters, so the digest would let a key holder recover the rest,
    and the audit log is permanent."""
    snapshot = model_snapshot(enterprise)
    snapshot.pop("legal_rep_id_digest", None)
    return snapshot


def _check_legacy_unique(number: str, *, exclude_pk: int | None) -> None:
    """An old registration number belongs to one entity (it aliases the credit code)."""
    if not number:
        return
    holders = Enterprise.objects.filter(legacy_reg_no=number)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    owner = holders.values_list("uscc", flat=True).first()
    if owner:
        raise ValidationError(
            {
                "legacy_reg_no": [
                    _("The old registration number %(no)s already belongs to %(code)s.")
                    % {"no": number, "code": owner}
                ]
            }
        )


def _raise(result: CleanResult) -> None:
    if result.errors:
        raise ValidationError(dict(result.errors))


def _check_jurisdiction(actor: User | None, department: Department | None) -> None:
    """Staff of a partner department see only their department's entities, so they may assign
    entities only to it; bureau staff assign any department. Jobs (no actor) are not limited."""
    if actor is None or not actor.is_authenticated or department is None:
        return
    if not departments_of_jurisdiction(user=actor).filter(pk=department.pk).exists():
        raise ValidationError(
            {"department": [_("You can assign market entities only to your own department.")]}
        )


def enterprise_check(
    *,
    actor: User | None,
    data: dict[str, Any],
    enterprise: Enterprise | None = None,
    allow_check_override: bool = False,
    bar_override_reason: str = "",
) -> None:
    """Check register data without writing: the rules of `enterprise_create` (or, with
    `enterprise`, of `enterprise_update`) on the keys present, every error found at once. A
    form runs it on its valid fields while a required one is still empty, so that the user
    sees all the errors of one submit together (`credit_portal.forms.form_errors_all`).

    Rules: `enterprise_clean` (partial: keys present only); the credit code and the old
    registration number belong to no other entity; a new department lies in the actor's
    jurisdiction; a new legal representative is not barred (`_bar_checked`). Side effects:
    none. Raises `ValidationError` with every error found.
    """
    result = enterprise_clean(data, allow_check_override=allow_check_override, partial=True)
    errors: dict[str, list[Any]] = {k: list(v) for k, v in result.errors.items()}
    cleaned = result.data
    exclude_pk = enterprise.pk if enterprise is not None else None
    code = cleaned.get("uscc")
    if code and "uscc" not in errors and (enterprise is None or code != enterprise.uscc):
        holders = Enterprise.objects.filter(uscc=code)
        if exclude_pk is not None:
            holders = holders.exclude(pk=exclude_pk)
        if holders.exists():
            errors["uscc"] = [_("A market entity with this credit code already exists.")]
    legacy = cleaned.get("legacy_reg_no")
    department = cleaned.get("department")
    try:
        if legacy and (enterprise is None or legacy != enterprise.legacy_reg_no):
            _check_legacy_unique(legacy, exclude_pk=exclude_pk)
    except ValidationError as exc:
        errors.setdefault("legacy_reg_no", []).extend(exc.messages)
    try:
        if department is not None and (enterprise is None or department != enterprise.department):
            _check_jurisdiction(actor, department)
    except ValidationError as exc:
        errors.setdefault("department", []).extend(exc.messages)
    if "legal_rep_id" not in errors:
        try:
            _bar_checked(actor, cleaned, enterprise, bar_override_reason)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _bar_checked(
    actor: User | None, cleaned: dict[str, Any], enterprise: Enterprise | None, reason: str
) -> tuple[BarRefusal, str] | None:
    """The appointment of the legal representative in `cleaned` (its identity number given),
    against the bars on legal representatives of enterprises on the serious list
    (`enterprises.services.bars.representative_bar_check`: matched on the digest, never the
    name; a barred person refused unless a user allowed to override gives a reason). None when
    no identity number is given or nobody is barred."""
    digest = cleaned.get("legal_rep_id_digest")
    if not digest:
        return None
    return representative_bar_check(
        actor=actor,
        id_digest=digest,
        enterprise=enterprise,
        override_reason=reason,
        on=timezone.localdate(),
    )


@transaction.atomic
def enterprise_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    allow_check_override: bool = False,
    bar_override_reason: str = "",
) -> Enterprise:
    """Register a market entity.

    Rules: `enterprise_clean`; the USCC and the old registration number are unique; the legal
    representative is not barred, or the bar is overridden with `bar_override_reason`
    (`_bar_checked`).
    Side effects: a REGISTRATION ledger record (public: registration basics are public),
    an audit event; a check override is recorded in both; a bar overridden, in an audit event
    of its own with the reason.
    """
    result = enterprise_clean(data, allow_check_override=allow_check_override)
    _raise(result)
    cleaned = result.data
    _check_jurisdiction(actor, cleaned.get("department"))
    if Enterprise.objects.filter(uscc=cleaned["uscc"]).exists():
        raise ValidationError(
            {"uscc": [_("A market entity with this credit code already exists.")]}
        )
    _check_legacy_unique(cleaned.get("legacy_reg_no", ""), exclude_pk=None)
    overridden = _bar_checked(actor, cleaned, None, bar_override_reason)
    enterprise = Enterprise(
        **{k: v for k, v in cleaned.items() if k in {f.name for f in Enterprise._meta.fields}},
        uscc_check_overridden=result.check_overridden,
        name_initials=name_initials(cleaned["name"]),
    )
    enterprise.save()
    # Recorded by the enterprise_created event below: no event of its own.
    credit_fact_append(
        fact=registration_fact(
            enterprise_id=enterprise.pk,
            entity_type=enterprise.entity_type,
            registered_on=enterprise.registered_on,
            registration_authority=enterprise.registration_authority,
        ),
        actor=actor,
        audited=False,
    )
    audit_event_record(
        actor=actor,
        event_type="enterprises.enterprise_created",
        target=enterprise,
        enterprise=enterprise,
        extra={"new": _audit_snapshot(enterprise), "check_overridden": result.check_overridden},
    )
    if overridden is not None:
        representative_bar_override_record(
            actor=actor, enterprise=enterprise, overridden=overridden
        )
    return enterprise


@transaction.atomic
def enterprise_update(
    *,
    actor: User | None,
    enterprise: Enterprise,
    data: dict[str, Any],
    expected_version: int | None = None,
    allow_check_override: bool = False,
    correction: bool = False,
    bar_override_reason: str = "",
) -> Enterprise:
    """Change register data (not status: see `enterprise_status_change`).

    Rules: the row is locked; when `expected_version` is given and another edit came first,
    the change is refused with `ConflictError` (no lost updates); the same checks as on creation
    (a new legal representative: not barred, or overridden with `bar_override_reason`).
    Side effects: an audit event with the changed fields; a REGISTRATION_CHANGE ledger record
    when a licence item changed (`REGISTRATION_ITEMS`), unless the edit is a `correction` of an
    entry error or the entity is deregistered (then the audit event alone records it);
    nothing when nothing changed.
    """
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this market entity while you were editing it, so your "
                "change was not saved. Look at their change, then submit yours again."
            ),
            current_version=locked.version,
        )
    result = enterprise_clean(data, allow_check_override=allow_check_override, partial=True)
    _raise(result)
    cleaned = result.data
    if "department" in cleaned and cleaned["department"] != locked.department:
        _check_jurisdiction(actor, cleaned["department"])
    if "uscc" in cleaned and cleaned["uscc"] != locked.uscc:
        if Enterprise.objects.filter(uscc=cleaned["uscc"]).exclude(pk=locked.pk).exists():
            raise ValidationError(
                {"uscc": [_("A market entity with this credit code already exists.")]}
            )
        locked.uscc_check_overridden = result.check_overridden
    if cleaned.get("legacy_reg_no") and cleaned["legacy_reg_no"] != locked.legacy_reg_no:
        _check_legacy_unique(cleaned["legacy_reg_no"], exclude_pk=locked.pk)
    overridden = _bar_checked(actor, cleaned, locked, bar_override_reason)
    before = _audit_snapshot(locked)
    digest_before = locked.legal_rep_id_digest
    names = {f.name for f in Enterprise._meta.fields}
    for key, value in cleaned.items():
        if key in names:
            setattr(locked, key, value)
    # A correction, or any edit of an entity that no longer exists, mends an entry: the old text
    # was never the entity's registered name, so it does not become a (public) former name.
    is_change = not correction and locked.status not in EXTINCT_STATUSES
    if "name" in cleaned:
        renamed = cleaned["name"] != before["name"]
        if renamed and is_change and before["name"] not in locked.former_names:
            locked.former_names = [before["name"], *locked.former_names]
        locked.name_initials = name_initials(locked.name)
    diff = model_diff(before, _audit_snapshot(locked))
    if locked.legal_rep_id_digest != digest_before:  # say that it changed, never the value
        diff["old"]["legal_rep_id"] = diff["new"]["legal_rep_id"] = "(changed)"
    diff["old"].pop("updated_at", None)
    diff["new"].pop("updated_at", None)
    if not diff["new"]:
        return locked
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type="enterprises.enterprise_changed",
        target=locked,
        enterprise=locked,
        # Whether the edit was declared a correction: that decided that no ledger fact was written.
        extra={**diff, "check_overridden": result.check_overridden, "correction": not is_change},
    )
    if overridden is not None:
        representative_bar_override_record(actor=actor, enterprise=locked, overridden=overridden)
    change = None
    if is_change:
        change = registration_change_fact(
            enterprise=locked,
            changes={k: [diff["old"].get(k), v] for k, v in diff["new"].items()},
            on=timezone.localdate(),
        )
    if change is not None:
        credit_fact_append(fact=change, actor=actor)
        locked.refresh_from_db()
    return locked
