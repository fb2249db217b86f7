"""Penalty decisions (行政处罚决定, 不予行政处罚决定) with their leniency, and the publicity of
their information (docs/domain.md §5, §6, §10; SAMR Order 45).

The workflow
- `penalty_draft_save`: a draft is made and edited freely; only its shape, its number (used
  once, by decisions and by the credit ledger's penalty records), its statutory range (the
  catalogue's when the violation type has one) and its impossible dates are checked.
- `penalty_record`: every rule of §6 is checked (the dates, the number, limitation, the
  first-violation look-back, the list items, the range and the 从轻 band, the grounds and
  facts of any leniency, the penalties themselves and the limits of the simple procedure),
  each refusal naming its reason; then the
  publicity is computed (`remediation.rules.publicity_term`), and for a market entity of the
  register the ledger fact is written: `penalty`, public for its term from its publication,
  or `no_penalty` (never public) for a decision not to penalise, which also opens the
  education action (警示告诫书, APL art. 33 para 3) through
  `remediation.services.soft_actions.soft_action_create`.
- `penalty_publish_record`, `penalty_push_record`: the publication of a decision about a
  party outside the register, and the push of one about a party of another province (Order
  45 arts. 9, 10). A decision about a market entity of the register is published by recording
  it: the portal's ledger is the bureau's publication (the public profile and API).
- `penalty_withdraw`: a decision changed, revoked or found void is withdrawn (art. 11): a
  `penalty_withdrawal` fact closes the penalty record, which the public pages show no more; a
  record already closed (its term ended, it was repaired) gets a `penalty_withdrawn_note` that
  names it, so the history never reads a revoked decision as a valid penalty.
- `penalty_decision_document`: the 行政处罚决定书 or 不予行政处罚决定书 as an official document.

Every write locks the decision row, checks the version the caller read (a stale one is a
`ConflictError`) and that the decision's department is of the actor's jurisdiction (the
bureau: any; a partner department: its own; `penalty_in_jurisdiction`), writes its audit event
and its ledger facts in one transaction. The pages and the API answer 404 before that, since
such a decision is not visible (`penalties_for_user`); the service's refusal is the second line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record, model_diff, model_snapshot
from credit_portal.dates import chinese_date
from credit_portal.documents import (
    Addressee,
    Fields,
    Heading,
    NumberedList,
    OfficialDocument,
    Paragraph,
)
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.identity import id_digest, mask_id, resident_id_problem
from enterprises.kinds import CORRECTION
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors import enterprise_list_for_user
from enterprises.services.ledger import credit_record_append
from enterprises.services.register import EARLIEST_REGISTRATION
from enterprises.uscc import normalize, uscc_problems
from remediation import rules
from remediation.audit_events import (
    PENALTY_DRAFT_SAVED,
    PENALTY_PUBLISHED,
    PENALTY_PUSHED,
    PENALTY_RECORDED,
    PENALTY_WITHDRAWN,
)
from remediation.kinds import NO_PENALTY, PENALTY, PENALTY_WITHDRAWAL, PENALTY_WITHDRAWN_NOTE
from remediation.models import LeniencyListItem, PenaltyDecision, PenaltyMeasure, ViolationType
from remediation.selectors.penalties import (
    EarlierViolation,
    first_violation_lookback,
    penalty_in_jurisdiction,
)
from remediation.selectors.soft_actions import issuer_name

Status = PenaltyDecision.Status
Leniency = PenaltyDecision.Leniency
PartyKind = PenaltyDecision.PartyKind
MeasureKind = PenaltyMeasure.Kind

# The fields of a draft the service takes from `data` (the form, the API).
DRAFT_FIELDS = (
    "number",
    "decided_on",
    "department",
    "party_kind",
    "enterprise_uscc",
    "party_name",
    "party_code",
    "party_id",
    "party_other_province",
    "violation_type",
    "violation_on",
    "violation_ended_on",
    "discovered_on",
    "facts",
    "legal_basis",
    "procedure",
    "safety_harm",
    "leniency",
    "leniency_grounds",
    "leniency_facts",
    "leniency_item",
    "corrected_on",
    "range_kind",
    "range_min",
    "range_max",
    "base_kind",
    "base_amount",
    "public_summary",
)
MAX_MEASURES = 20

# An identity number or a mobile number in a public summary (Order 45 art. 6: personal data
# is taken out of what is published).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# The penalties as the official documents and the ledger summary write them (Chinese: the
# language of the decision itself).
_MEASURE_TEXT_ZH = {
    MeasureKind.WARNING: "警告",
    MeasureKind.PUBLIC_CRITICISM: "通报批评",
    MeasureKind.FINE: "罚款",
    MeasureKind.CONFISCATE_GAINS: "没收违法所得",
    MeasureKind.CONFISCATE_PROPERTY: "没收非法财物",
    MeasureKind.LICENCE_SUSPENSION: "暂扣许可证件",
    MeasureKind.QUALIFICATION_DOWNGRADE: "降低资质等级",
    MeasureKind.LICENCE_REVOCATION: "吊销许可证件",
    MeasureKind.BUSINESS_LICENCE_REVOCATION: "吊销营业执照",
    MeasureKind.RESTRICT_BUSINESS: "限制开展生产经营活动",
    MeasureKind.STOP_BUSINESS: "责令停产停业",
    MeasureKind.CLOSE: "责令关闭",
    MeasureKind.BAN: "限制从业",
    MeasureKind.OTHER: "其他行政处罚",
}
LENIENCY_ZH = {
    Leniency.STANDARD: "一般",
    Leniency.LIGHTER: "从轻处罚",
    Leniency.MITIGATED: "减轻处罚",
    Leniency.EXEMPT: "免予处罚",
    Leniency.FIRST_VIOLATION: "首违不罚",
}
# The lists as their documents name them (SAMR 国市监法〔2025〕10号; docs/domain.md §6).
LIST_ZH: dict[str, str] = {
    LeniencyListItem.ListKind.FIRST_VIOLATION: "市场监管行政违法行为首违不罚清单",
    LeniencyListItem.ListKind.MINOR: "市场监管轻微行政违法行为不予处罚清单",
}
WITHDRAWAL_ZH = {
    PenaltyDecision.Withdrawal.CHANGED: "行政处罚决定被依法变更",
    PenaltyDecision.Withdrawal.REVOKED: "行政处罚决定被依法撤销",
    PenaltyDecision.Withdrawal.VOID: "行政处罚决定被确认违法或者无效",
}


# --------------------------------------------------------------------------- helpers


def _today() -> dt.date:
    return timezone.localdate()


def yuan(amount: Decimal | None) -> str:
    """An amount as the documents write it: 5,000 or 1,234.50."""
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def measure_text_zh(kind: str, amount: Decimal | None, months: int | None, description: str) -> str:
    """One penalty in the words of a decision (Chinese)."""
    base = _MEASURE_TEXT_ZH.get(kind, kind)  # type: ignore[call-overload]
    if kind == MeasureKind.OTHER and description:
        base = description
    if amount is not None:
        base += f"人民币{yuan(amount)}元"
    if months:
        base += f"{months}个月"
    if description and kind != MeasureKind.OTHER:
        base += f"（{description}）"
    return base


def measures_text_zh(measures: Sequence[PenaltyMeasure]) -> str:
    return "；".join(measure_text_zh(m.kind, m.amount, m.months, m.description) for m in measures)


def _lock(decision: PenaltyDecision, expected_version: int | None) -> PenaltyDecision:
    """The decision's row, locked until the transaction ends; its version checked."""
    locked = (
        PenaltyDecision.objects.select_for_update(of=("self",))
        .select_related("department", "enterprise", "violation_type", "leniency_item")
        .get(pk=decision.pk)
    )
    if expected_version is None or locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed decision %(number)s first (it is now at version "
                "%(current)d, you read version %(expected)s). Nothing was saved: open it again."
            )
            % {
                "number": locked.number,
                "current": locked.version,
                "expected": expected_version if expected_version is not None else "?",
            },
            current_version=locked.version,
        )
    return locked


def _require_jurisdiction(actor: User, decision: PenaltyDecision) -> None:
    """Refuse a write on a decision whose department is outside the actor's jurisdiction (a
    partner department acts on its own department's cases only)."""
    if not penalty_in_jurisdiction(user=actor, decision=decision):
        raise ValidationError(
            _(
                "Decision %(number)s was taken by %(department)s: you may act only on the "
                "decisions of your own department."
            )
            % {"number": decision.number, "department": decision.department.name},
            code="jurisdiction",
        )


def _number_taken(number: str, decision: PenaltyDecision | None) -> bool:
    """Whether another decision already has this number."""
    taken = PenaltyDecision.objects.filter(number=number)
    if decision is not None and decision.pk is not None:
        taken = taken.exclude(pk=decision.pk)
    return taken.exists()


def _number_in_ledger(number: str, decision: PenaltyDecision | None) -> CreditRecord | None:
    """The credit ledger's `penalty` or `no_penalty` record that already carries this number as
    its document number, other than this decision's own (history imported before the portal,
    another system's decision, the demo's ledger), or None. Decision numbers are unique
    against the ledger too: the same number on two penalties would make the public record,
    a repair or a withdrawal name the wrong one."""
    found = CreditRecord.objects.filter(kind__in=(PENALTY, NO_PENALTY), document_number=number)
    if decision is not None and decision.pk is not None:
        found = found.exclude(
            source_app=PenaltyDecision._meta.app_label,
            source_model=PenaltyDecision._meta.model_name,
            source_id=str(decision.pk),
        )
        if decision.credit_record_id is not None:
            found = found.exclude(pk=decision.credit_record_id)
    return found.select_related("enterprise").order_by("occurred_on", "id").first()


def _ledger_number_message(record: CreditRecord) -> str:
    return _(
        "This decision number is already used by a record in the credit ledger of %(name)s, "
        "dated %(d)s (%(kind)s). Decision numbers are used once: check the number."
    ) % {"name": record.enterprise.name, "d": record.occurred_on, "kind": record.kind_label}


def _date_problems(
    *,
    decided_on: dt.date | None,
    violation_on: dt.date | None,
    violation_ended_on: dt.date | None,
    discovered_on: dt.date | None,
    corrected_on: dt.date | None,
    enterprise: Enterprise | None,
) -> list[tuple[str, str]]:
    """Dates no decision can carry, by field: any date before 1949-10-01 (the register's
    plausibility floor, `EARLIEST_REGISTRATION`); a decision about a market entity of the
    register dated before the entity was registered; a correction before the violation, or
    after the decision that relies on it."""
    found: list[tuple[str, str]] = []
    too_early: set[str] = set()
    for name, day in (
        ("decided_on", decided_on),
        ("violation_on", violation_on),
        ("violation_ended_on", violation_ended_on),
        ("discovered_on", discovered_on),
        ("corrected_on", corrected_on),
    ):
        if day is not None and day < EARLIEST_REGISTRATION:
            too_early.add(name)
            found.append(
                (
                    name,
                    _("%(on)s is not a possible date: dates before %(d)s are not accepted.")
                    % {"on": day, "d": EARLIEST_REGISTRATION},
                )
            )
    if (
        enterprise is not None
        and decided_on is not None
        and "decided_on" not in too_early
        and enterprise.registered_on is not None
        and decided_on < enterprise.registered_on
    ):
        found.append(
            (
                "decided_on",
                _(
                    "The decision cannot be dated %(on)s: %(name)s was registered on "
                    "%(registered)s, after that date."
                )
                % {
                    "on": decided_on,
                    "name": enterprise.name,
                    "registered": enterprise.registered_on,
                },
            )
        )
    if corrected_on is not None and "corrected_on" not in too_early:
        if violation_on is not None and corrected_on < violation_on:
            found.append(
                (
                    "corrected_on",
                    _(
                        "The violation cannot have been corrected (%(c)s) before it happened "
                        "(%(on)s)."
                    )
                    % {"c": corrected_on, "on": violation_on},
                )
            )
        if decided_on is not None and corrected_on > decided_on:
            found.append(
                (
                    "corrected_on",
                    _(
                        "The correction (%(c)s) is dated after the decision (%(d)s): a decision "
                        "can rely only on a correction made before it."
                    )
                    % {"c": corrected_on, "d": decided_on},
                )
            )
    return found


def _party_lock(key: str) -> None:
    """Serialise the recording of decisions about one party (the look-back reads the party's
    decisions, then this one becomes one of them): a transaction-level advisory lock on
    PostgreSQL; SQLite serialises every writer anyway."""
    if key and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"penalty-party:{key}"])


def _errors_add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _as_date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        _errors_add(errors, field, _("Enter a date, not a date and time."))
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _errors_add(errors, field, _("Enter a valid date (YYYY-MM-DD)."))
        return None


def _as_decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _errors_add(errors, field, _("Enter a number."))
        return None
    if not amount.is_finite() or amount < 0:
        _errors_add(errors, field, _("Enter an amount of zero or more."))
        return None
    if amount >= Decimal("1e12"):
        _errors_add(errors, field, _("The amount is too large."))
        return None
    return amount.quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- drafts


@dataclass
class _Draft:
    """A draft's fields and penalties, cleaned."""

    fields: dict[str, Any]
    measures: list[dict[str, Any]]


def _clean_measures(
    measures: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    if len(measures) > MAX_MEASURES:
        _errors_add(
            errors, "measures", _("At most %(n)d penalties per decision.") % {"n": MAX_MEASURES}
        )
        return []
    cleaned = []
    for i, raw in enumerate(measures, start=1):
        kind = raw.get("kind") or ""
        if kind not in MeasureKind.values:
            _errors_add(
                errors, "measures", _("Penalty %(n)d: choose a kind of penalty.") % {"n": i}
            )
            continue
        amount = _as_decimal(raw.get("amount"), "measures", errors)
        if amount is not None and amount <= 0:
            _errors_add(
                errors, "measures", _("Penalty %(n)d: an amount must be above zero.") % {"n": i}
            )
            amount = None
        raw_months = raw.get("months")
        months: int | None = None
        if raw_months not in (None, ""):
            try:
                months = int(str(raw_months))
            except ValueError:
                months = -1
            if not 0 < months <= 1200:
                _errors_add(
                    errors,
                    "measures",
                    _("Penalty %(n)d: the duration is a whole number of months (1 to 1200).")
                    % {"n": i},
                )
                months = None
        if months is not None and kind not in rules.MEASURES_WITH_MONTHS:
            _errors_add(errors, "measures", _months_refusal(i, kind))
            months = None
        description = str(raw.get("description") or "").strip()[:300]
        cleaned.append(
            {"kind": kind, "amount": amount, "months": months, "description": description}
        )
    return cleaned


def _months_refusal(n: int, kind: str) -> str:
    """Why a penalty that does not last for a time takes no duration (a fine, a warning, a
    confiscation, a revocation, an order to close)."""
    return _(
        "Penalty %(n)d (%(kind)s) does not last for a time: only a suspension of a licence, a "
        "restriction of business activities, an order to stop production or business, a ban "
        "or another penalty set by law takes a duration in months. Remove the months."
    ) % {"n": n, "kind": MeasureKind(kind).label}


def _resolve_department(value: Any, actor: User, errors: dict[str, list[str]]) -> Department | None:
    if value in (None, ""):
        _errors_add(errors, "department", _("Choose the deciding department."))
        return None
    allowed = departments_of_jurisdiction(user=actor)
    if isinstance(value, Department):
        found = allowed.filter(pk=value.pk).first()
    else:
        found = allowed.filter(code=str(value)).first()
    if found is None:
        _errors_add(
            errors,
            "department",
            _("You may record decisions of your own department only (or of any, for the bureau)."),
        )
    return found


def _resolve_violation_type(
    value: Any, errors: dict[str, list[str]], *, current: ViolationType | None
) -> ViolationType | None:
    if value in (None, ""):
        _errors_add(errors, "violation_type", _("Choose the type of violation."))
        return None
    if isinstance(value, ViolationType):
        found: ViolationType | None = value
    else:
        found = ViolationType.objects.filter(code=str(value)).first()
        if found is None and str(value).isdigit():
            found = ViolationType.objects.filter(pk=int(value)).first()
    if found is None:
        _errors_add(errors, "violation_type", _("Unknown type of violation."))
        return None
    if not found.is_active and (current is None or current.pk != found.pk):
        _errors_add(
            errors,
            "violation_type",
            _("This type of violation is no longer in use in the catalogue."),
        )
    return found


def _resolve_item(value: Any, errors: dict[str, list[str]]) -> LeniencyListItem | None:
    if value in (None, ""):
        return None
    if isinstance(value, LeniencyListItem):
        return value
    found = None
    if str(value).isdigit():
        found = LeniencyListItem.objects.filter(pk=int(value)).first()
    if found is None:
        _errors_add(errors, "leniency_item", _("Unknown list item."))
    return found


def _clean_party(
    data: Mapping[str, Any],
    actor: User,
    decision: PenaltyDecision | None,
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """The party's fields: a market entity of the user's register (by credit code), an
    organisation registered elsewhere (name and credit code, which names its province), or a
    natural person (name and identity number, kept only as a digest and masked)."""
    kind = data.get("party_kind") or ""
    if kind not in PartyKind.values:
        _errors_add(errors, "party_kind", _("Choose who the party is."))
        return {}
    party: dict[str, Any] = {
        "party_kind": kind,
        "enterprise": None,
        "party_code": "",
        "party_id_digest": "",
        "party_id_masked": "",
        "party_other_province": False,
    }
    if kind == PartyKind.REGISTERED:
        code = normalize(str(data.get("enterprise_uscc") or ""))
        if not code and data.get("enterprise") is not None:
            code = data["enterprise"].uscc
        if not code:
            _errors_add(errors, "enterprise_uscc", _("Enter the market entity's credit code."))
            return party
        enterprise = enterprise_list_for_user(user=actor).filter(uscc=code).first()
        if enterprise is None:
            _errors_add(
                errors,
                "enterprise_uscc",
                _("No market entity with this credit code is visible to you."),
            )
            return party
        party.update(enterprise=enterprise, party_name=enterprise.name, party_code=enterprise.uscc)
        return party
    name = str(data.get("party_name") or "").strip()
    if not name:
        _errors_add(errors, "party_name", _("Enter the party's name."))
    elif len(name) > 200:
        _errors_add(errors, "party_name", _("At most 200 characters."))
    party["party_name"] = name[:200]
    if kind == PartyKind.ORGANISATION:
        code = normalize(str(data.get("party_code") or ""))
        problems = uscc_problems(code) if code else []
        if not code:
            _errors_add(errors, "party_code", _("Enter the organisation's credit code."))
        elif problems:
            for problem in problems:
                _errors_add(errors, "party_code", problem.message)
        elif Enterprise.objects.filter(uscc=code).exists():
            _errors_add(
                errors,
                "party_code",
                _(
                    "This credit code is in the register: choose a market entity of this "
                    "register as the party."
                ),
            )
        party["party_code"] = code
        party["party_other_province"] = bool(code) and code[2:4] != rules.home_province_code()
        return party
    # A natural person: the number is validated, then kept only masked and as a digest.
    number = normalize(str(data.get("party_id") or ""))
    if number:
        id_problem = resident_id_problem(number)
        if id_problem:
            _errors_add(errors, "party_id", id_problem)
        else:
            party["party_id_digest"] = id_digest(number)
            party["party_id_masked"] = mask_id(number)
    elif decision is not None and decision.party_kind == PartyKind.NATURAL_PERSON:
        party["party_id_digest"] = decision.party_id_digest
        party["party_id_masked"] = decision.party_id_masked
    if not party["party_id_digest"] and "party_id" not in errors:
        _errors_add(errors, "party_id", _("Enter the person's resident identity number."))
    party["party_other_province"] = bool(data.get("party_other_province"))
    return party


def _clean_draft(
    *,
    actor: User,
    decision: PenaltyDecision | None,
    data: Mapping[str, Any],
    measures: Sequence[Mapping[str, Any]],
) -> _Draft:
    """The draft's fields cleaned, or a ValidationError naming every problem of shape and
    every impossible date (a discovery before the violation, an end before the start)."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    number = str(data.get("number") or "").strip()
    if not number:
        _errors_add(errors, "number", _("Enter the decision number."))
    elif len(number) > 64:
        _errors_add(errors, "number", _("At most 64 characters."))
    elif _number_taken(number, decision):
        _errors_add(errors, "number", _("Another decision already has this number."))
    elif (in_ledger := _number_in_ledger(number, decision)) is not None:
        _errors_add(errors, "number", _ledger_number_message(in_ledger))
    fields["number"] = number
    fields["decided_on"] = _as_date(data.get("decided_on"), "decided_on", errors)
    if fields["decided_on"] is None and "decided_on" not in errors:
        _errors_add(errors, "decided_on", _("Enter the decision date."))
    fields["department"] = _resolve_department(data.get("department"), actor, errors)
    fields.update(_clean_party(data, actor, decision, errors))
    fields["violation_type"] = _resolve_violation_type(
        data.get("violation_type"),
        errors,
        current=decision.violation_type if decision is not None else None,
    )
    today = _today()
    for name, label in (
        ("violation_on", _("Enter the date of the violation.")),
        ("discovered_on", _("Enter the date the violation was discovered.")),
    ):
        fields[name] = _as_date(data.get(name), name, errors)
        if fields[name] is None and name not in errors:
            _errors_add(errors, name, label)
    fields["violation_ended_on"] = _as_date(
        data.get("violation_ended_on"), "violation_ended_on", errors
    )
    fields["corrected_on"] = _as_date(data.get("corrected_on"), "corrected_on", errors)
    start, end, found = (
        fields["violation_on"],
        fields["violation_ended_on"],
        fields["discovered_on"],
    )
    for name in ("violation_on", "violation_ended_on", "discovered_on", "corrected_on"):
        if fields[name] is not None and fields[name] > today:
            _errors_add(errors, name, _("This date is in the future."))
    if start and found and found < start:
        _errors_add(
            errors,
            "discovered_on",
            _("The violation cannot have been discovered (%(found)s) before it happened (%(on)s).")
            % {"found": found, "on": start},
        )
    if start and end and end < start:
        _errors_add(
            errors,
            "violation_ended_on",
            _("The violation cannot end (%(end)s) before it started (%(on)s).")
            % {"end": end, "on": start},
        )
    for name, message in _date_problems(
        decided_on=fields["decided_on"],
        violation_on=start,
        violation_ended_on=end,
        discovered_on=found,
        corrected_on=fields["corrected_on"],
        enterprise=fields.get("enterprise"),
    ):
        _errors_add(errors, name, message)
    fields["facts"] = str(data.get("facts") or "").strip()
    fields["legal_basis"] = str(data.get("legal_basis") or "").strip()
    procedure = data.get("procedure") or PenaltyDecision.Procedure.ORDINARY
    if procedure not in PenaltyDecision.Procedure.values:
        _errors_add(errors, "procedure", _("Choose the procedure."))
    fields["procedure"] = procedure
    fields["safety_harm"] = bool(data.get("safety_harm"))
    leniency = data.get("leniency") or Leniency.STANDARD
    if leniency not in Leniency.values:
        _errors_add(errors, "leniency", _("Choose the leniency."))
    fields["leniency"] = leniency
    grounds = data.get("leniency_grounds") or []
    if isinstance(grounds, str):
        grounds = [grounds]
    unknown = [g for g in grounds if g not in PenaltyDecision.LeniencyGround.values]
    if unknown:
        _errors_add(errors, "leniency_grounds", _("Unknown ground: %(g)s.") % {"g": unknown[0]})
    fields["leniency_grounds"] = sorted({g for g in grounds if g not in unknown})
    fields["leniency_facts"] = str(data.get("leniency_facts") or "").strip()
    fields["leniency_item"] = _resolve_item(data.get("leniency_item"), errors)
    _clean_range(data, fields, errors)
    summary = str(data.get("public_summary") or "").strip()
    if _ID_NUMBER.search(summary) or _MOBILE.search(summary):
        _errors_add(
            errors,
            "public_summary",
            _(
                "The public summary may not hold an identity number or a phone number: personal "
                "data is taken out of what is published (Order 45 art. 6)."
            ),
        )
    fields["public_summary"] = summary
    cleaned_measures = _clean_measures(measures, errors)
    if errors:
        raise ValidationError(errors)
    return _Draft(fields, cleaned_measures)


RANGE_FIELDS = ("range_kind", "range_min", "range_max", "base_kind")


def catalogue_range(vtype: ViolationType | None) -> dict[str, Any] | None:
    """The statutory range the catalogue gives a violation type (its kind, minimum, maximum and
    base), or None when it gives none (or an incomplete one: no maximum, or a multiple of no
    known base; the officer then enters the range, as for a type without one)."""
    if vtype is None or vtype.range_kind not in ("amount", "multiple") or vtype.range_max is None:
        return None
    if vtype.range_kind == "multiple" and vtype.base_kind not in ("goods_value", "illegal_gains"):
        return None
    return {
        "range_kind": vtype.range_kind,
        "range_min": vtype.range_min,
        "range_max": vtype.range_max,
        "base_kind": vtype.base_kind if vtype.range_kind == "multiple" else "",
    }


def catalogue_range_text(vtype: ViolationType) -> str:
    """The catalogue's range of a violation type in words (for the form and the refusals)."""
    found = catalogue_range(vtype)
    if found is None:
        return str(_("no statutory range"))
    low = yuan(found["range_min"] or Decimal(0))
    high = yuan(found["range_max"]) if found["range_max"] is not None else "—"
    if found["range_kind"] == "multiple":
        base = {
            "goods_value": _("the value of goods (货值金额)"),
            "illegal_gains": _("the illegal gains (违法所得)"),
        }.get(found["base_kind"], _("the base"))
        return _("%(low)s to %(high)s times %(base)s") % {"low": low, "high": high, "base": base}
    return _("CNY %(low)s to %(high)s") % {"low": low, "high": high}


def _same_range(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def amount(value: Any) -> Decimal:
        return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))

    kind = a.get("range_kind") or "none"
    return (
        kind == (b.get("range_kind") or "none")
        and amount(a.get("range_min")) == amount(b.get("range_min"))
        and (a.get("range_max") is None) == (b.get("range_max") is None)
        and amount(a.get("range_max")) == amount(b.get("range_max"))
        and (kind != "multiple" or (a.get("base_kind") or "") == (b.get("base_kind") or ""))
    )


def _catalogue_range_refusal(vtype: ViolationType) -> str:
    from remediation.selectors.penalties import violation_type_name

    return _(
        "The statutory range comes from the catalogue of violation types (%(range)s for "
        "“%(type)s”); an administrator corrects the catalogue. Leave the range as the violation "
        "type gives it."
    ) % {"range": catalogue_range_text(vtype), "type": violation_type_name(vtype)}


def _clean_range(
    data: Mapping[str, Any], fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """The statutory range applied (§6): the violation type's, when the catalogue gives it one
    (a range given that differs from it is refused: the 从轻 and 减轻 checks measure against
    the law's range, which the officer does not choose); only for a type without one may the
    officer enter the range, which the legal basis then cites."""
    vtype = fields.get("violation_type")
    given = data.get("range_kind")
    fixed = catalogue_range(vtype)
    if fixed is not None:
        assert vtype is not None  # noqa: S101 - a range comes from a type
        fields.update(fixed)
        if given not in (None, ""):
            entered = {
                "range_kind": given,
                "range_min": _as_decimal(data.get("range_min"), "range_min", errors),
                "range_max": _as_decimal(data.get("range_max"), "range_max", errors),
                "base_kind": str(data.get("base_kind") or ""),
            }
            if not _same_range(entered, fixed):
                _errors_add(errors, "range_kind", _catalogue_range_refusal(vtype))
    elif given in (None, "") and vtype is not None:
        fields.update(range_kind="none", range_min=None, range_max=None, base_kind="")
    else:
        kind = given or "none"
        if kind not in ("none", "amount", "multiple"):
            _errors_add(errors, "range_kind", _("Choose how the range is given."))
        fields["range_kind"] = kind
        fields["range_min"] = _as_decimal(data.get("range_min"), "range_min", errors)
        fields["range_max"] = _as_decimal(data.get("range_max"), "range_max", errors)
        fields["base_kind"] = str(data.get("base_kind") or "")
    fields["base_amount"] = _as_decimal(data.get("base_amount"), "base_amount", errors)
    low, high = fields.get("range_min"), fields.get("range_max")
    if low is not None and high is not None and high < low:
        _errors_add(errors, "range_max", _("The maximum is below the minimum."))
    if fields["range_kind"] != "none" and high is None:
        _errors_add(errors, "range_max", _("Enter the maximum of the statutory range."))
    if fields["range_kind"] == "multiple" and fields["base_kind"] not in (
        "goods_value",
        "illegal_gains",
    ):
        _errors_add(
            errors,
            "base_kind",
            _("Say what the range is a multiple of: the value of goods or the illegal gains."),
        )
    if fields["range_kind"] != "multiple":
        fields["base_kind"] = ""
        fields["base_amount"] = None


def penalty_draft_check(
    *,
    actor: User,
    decision: PenaltyDecision | None = None,
    data: Mapping[str, Any],
    measures: Sequence[Mapping[str, Any]],
) -> None:
    """The checks of `penalty_draft_save`, writing nothing (for a form that shows every error
    at once, `credit_portal.forms.form_errors_all`)."""
    _clean_draft(actor=actor, decision=decision, data=data, measures=measures)


@transaction.atomic
def penalty_draft_save(
    *,
    actor: User,
    decision: PenaltyDecision | None = None,
    data: Mapping[str, Any],
    measures: Sequence[Mapping[str, Any]],
    expected_version: int | None = None,
) -> PenaltyDecision:
    """Create a draft decision, or change one.

    Rules: only a draft can be changed, with the version the caller read (a stale one is a
    `ConflictError`), and only a draft of the actor's jurisdiction; the fields' shape and the
    impossible dates are checked (the rules of §6 are checked when the decision is recorded);
    a market entity is chosen by credit code from the actor's register, the department from the
    actor's jurisdiction; a decision number is used once (two officers saving the same number
    at once: the second gets the field error, not a server error), and never if a `penalty`
    or `no_penalty` record of the credit ledger carries it; no date before 1949-10-01, no
    decision before the registration of the market entity it is about, no correction before
    the violation or after the decision; months only on a penalty that lasts for a time;
    an organisation's credit
    code is validated (GB 32100) and tells its province; a natural person's identity number is
    validated and kept only as a keyed digest and masked; the statutory range is the violation
    type's from the catalogue (another one given is refused), entered only for a type without
    one; the penalties replace the draft's. The draft's publication due is
    counted from its decision date when its penalties would be published (20 WD, 10 to push:
    `rules.publication_deadline`), so that a decision not yet recorded shows overdue too.
    Side effects: the decision and its penalties; an audit event (`penalty_draft_saved`).
    """
    before: dict[str, Any] = {}
    if decision is not None:
        decision = _lock(decision, expected_version)
        _require_jurisdiction(actor, decision)
        if decision.status != Status.DRAFT:
            raise ValidationError(
                _("Decision %(number)s is recorded: it can no longer be changed.")
                % {"number": decision.number}
            )
        before = model_snapshot(decision)
    draft = _clean_draft(actor=actor, decision=decision, data=data, measures=measures)
    creating = decision is None
    if decision is None:
        decision = PenaltyDecision(created_by=actor)
    for name, value in draft.fields.items():
        setattr(decision, name, value)
    due = draft_publication_due(decision, draft.measures)
    decision.publication_due = due.day if due is not None else None
    decision.publication_due_provisional = due.provisional if due is not None else False
    if not creating:
        decision.version += 1
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:
        # Another officer saved the same number between the check and this write.
        if _number_taken(decision.number, decision):
            raise ValidationError(
                {"number": [_("This decision number is already used.")]}
            ) from None
        raise
    decision.measures.all().delete()
    PenaltyMeasure.objects.bulk_create(
        [PenaltyMeasure(decision=decision, **m) for m in draft.measures]
    )
    diff = model_diff(before, model_snapshot(decision))
    diff["old"].pop("party_id_digest", None)
    diff["new"].pop("party_id_digest", None)
    audit_event_record(
        actor=actor,
        event_type=PENALTY_DRAFT_SAVED,
        target=decision,
        enterprise=decision.enterprise,
        extra={
            "number": decision.number,
            "created": creating,
            "measures": [_measure_json(m) for m in decision.measures.all()],
            **diff,
        },
    )
    return decision


def draft_publication_due(
    decision: PenaltyDecision, measures: Sequence[Mapping[str, Any] | PenaltyMeasure]
) -> Any:
    """The day a decision's information is due (`rules.publication_deadline`, a `Deadline`)
    when its penalties would be published (`rules.publicity_term`), else None: a decision not
    to penalise, an on-the-spot decision, a warning alone."""
    if decision.is_no_penalty or decision.decided_on is None:
        return None
    term = rules.publicity_term(list(measures), decision_nature(decision), decision.procedure)
    if not term.published:
        return None
    return rules.publication_deadline(
        decision.decided_on, other_province=decision.party_other_province
    )


def _measure_json(m: PenaltyMeasure) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "amount": str(m.amount) if m.amount is not None else None,
        "months": m.months,
        "description": m.description,
    }


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class RangeView:
    """The statutory range applied to a decision and its 从轻 band, for the checks and pages."""

    minimum: Decimal
    maximum: Decimal
    band_max: Decimal


def decision_range(decision: PenaltyDecision) -> RangeView | None:
    """The range in CNY (a multiple taken of the base) and its 从轻 band, or None."""
    found = rules.fine_range(
        range_kind=decision.range_kind,
        range_min=decision.range_min,
        range_max=decision.range_max,
        base_amount=decision.base_amount,
    )
    if found is None:
        return None
    low, high = found
    return RangeView(low, high, rules.lighter_band(low, high)[1])


def decision_nature(decision: PenaltyDecision) -> str:
    """The party's legal nature for the lower-amount threshold (`rules.party_nature`)."""
    entity_type = decision.enterprise.entity_type if decision.enterprise is not None else ""
    return rules.party_nature(party_kind=decision.party_kind, entity_type=entity_type)


def decision_lookback(decision: PenaltyDecision) -> list[EarlierViolation]:
    """The earlier same-type violations of the party within the look-back (§6, §10)."""
    if decision.violation_type_id is None or decision.violation_on is None:
        return []
    return first_violation_lookback(
        violation_type_id=decision.violation_type_id,
        violation_on=decision.violation_on,
        enterprise=decision.enterprise,
        party_code=decision.party_code,
        party_id_digest=decision.party_id_digest,
        exclude_pk=decision.pk,
    )


def penalty_checks(
    *, decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], today: dt.date
) -> dict[str, Any]:
    """Every rule a decision must meet to be recorded (docs/domain.md §6, §10); returns what
    the checks found (kept on the decision), or raises a ValidationError naming each broken
    rule by field.

    Rules
    - Dates: the decision not in the future nor before the discovery; the discovery not
      before the violation; the violation's end not before its start; no date before
      1949-10-01 (`EARLIEST_REGISTRATION`); a decision about a market entity of the register
      not before its registration; a correction not before the violation nor after the
      decision.
    - The decision number is not a document number of a `penalty` or `no_penalty` record of
      the credit ledger (history imported before the portal), as it is no other decision's.
    - The statutory range is the catalogue's when the violation type has one (the 从轻 and
      减轻 checks below measure against the law's range, not one the officer chose).
    - Limitation (`rules.limitation_check`): discovered within 2 years of the violation (or of
      its last day if it continued), 5 with harm to life, health or financial safety, or the
      violation type's own period under a special law; the refusal names the period and the
      article.
    - The facts and the legal basis are stated.
    - Penalties: a decision not to penalise (免予处罚, 首违不罚) imposes none; any other
      imposes at least one; a fine has its amount; a ban or restriction its months; only the
      penalties that last for a time (`rules.MEASURES_WITH_MONTHS`) take months.
    - The simple procedure (on the spot, APL art. 51): a warning alone, or a fine alone of at
      most CNY 200 on a natural person (an individual business included) or CNY 3,000 on an
      organisation (`rules.simple_procedure_max_fine`).
    - Leniency other than standard: its grounds (APL art. 32 for 从轻 and 减轻, art. 33 for
      no penalty; each ground must fit) and the facts that justify it.
    - 首违不罚: a 首违不罚 list item of the same violation type, valid on the violation's date;
      the date the violation was corrected; and no violation of the same type by the same
      party in the 2 years before this violation, in the portal's decisions or the party's
      credit ledger (`first_violation_lookback`): the refusal names that decision or record by
      number and date. A ledger penalty in those 2 years whose type is not recorded (older
      history) refuses too, naming it: the officer checks it, and has the record corrected
      with its type if it was another violation, or records another leniency.
    - 免予处罚 with a list item: a 轻微免罚 item of the same type, valid on the violation date.
    - The fines against the statutory range, where there is one (a multiple taken of the
      base): standard inside it; 从轻 inside its lowest 30 %; 减轻 below its minimum (a 减轻
      that imposes no fine but a lighter kind of penalty is allowed: nothing to compare).
    """
    errors: dict[str, list[str]] = {}
    leniency_label = str(Leniency(decision.leniency).label)
    checks: dict[str, Any] = {"checked_on": today.isoformat()}
    if decision.decided_on > today:
        _errors_add(
            errors,
            "decided_on",
            _("The decision date %(d)s is in the future.") % {"d": decision.decided_on},
        )
    if decision.decided_on < decision.discovered_on:
        _errors_add(
            errors,
            "decided_on",
            _("The decision (%(d)s) cannot come before the discovery of the violation (%(f)s).")
            % {"d": decision.decided_on, "f": decision.discovered_on},
        )
    if decision.discovered_on < decision.violation_on:
        _errors_add(
            errors,
            "discovered_on",
            _("The violation cannot have been discovered (%(found)s) before it happened (%(on)s).")
            % {"found": decision.discovered_on, "on": decision.violation_on},
        )
    if decision.violation_ended_on and decision.violation_ended_on < decision.violation_on:
        _errors_add(
            errors,
            "violation_ended_on",
            _("The violation cannot end (%(end)s) before it started (%(on)s).")
            % {"end": decision.violation_ended_on, "on": decision.violation_on},
        )
    for name, message in _date_problems(
        decided_on=decision.decided_on,
        violation_on=decision.violation_on,
        violation_ended_on=decision.violation_ended_on,
        discovered_on=decision.discovered_on,
        corrected_on=decision.corrected_on,
        enterprise=decision.enterprise,
    ):
        _errors_add(errors, name, message)
    in_ledger = _number_in_ledger(decision.number, decision)
    if in_ledger is not None:
        _errors_add(errors, "number", _ledger_number_message(in_ledger))
    vtype = decision.violation_type
    fixed = catalogue_range(vtype)
    if fixed is not None and not _same_range(
        {name: getattr(decision, name) for name in RANGE_FIELDS}, fixed
    ):
        _errors_add(errors, "range_kind", _catalogue_range_refusal(vtype))
    limitation = rules.limitation_check(
        violation_on=decision.violation_on,
        violation_ended_on=decision.violation_ended_on,
        discovered_on=decision.discovered_on,
        safety_harm=decision.safety_harm,
        special_years=vtype.limitation_years,
        special_article=vtype.limitation_basis,
    )
    checks["limitation"] = {
        "runs_from": limitation.runs_from.isoformat(),
        "years": limitation.years,
        "article": limitation.article,
        "last_day": limitation.last_day.isoformat(),
    }
    if limitation.passed:
        _errors_add(
            errors,
            "discovered_on",
            _(
                "The limitation period has passed: %(years)d years from %(start)s (%(article)s) "
                "ended on %(last)s, and the violation was discovered on %(found)s. No penalty "
                "can be imposed."
            )
            % {
                "years": limitation.years,
                "start": limitation.runs_from,
                "article": limitation.article,
                "last": limitation.last_day,
                "found": decision.discovered_on,
            },
        )
    if not decision.facts:
        _errors_add(errors, "facts", _("State the facts of the violation."))
    if not decision.legal_basis:
        _errors_add(errors, "legal_basis", _("State the legal basis of the decision."))
    _check_measures(decision, measures, errors)
    _check_simple_procedure(decision, measures, errors)
    _check_leniency(decision, leniency_label, errors)
    if decision.leniency in rules.NO_PENALTY_LENIENCIES:
        _check_list_item(decision, errors)
    if decision.leniency == Leniency.FIRST_VIOLATION:
        earlier = decision_lookback(decision)
        start, end = rules.first_violation_window(decision.violation_on)
        checks["lookback"] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "found": [e.number for e in earlier],
        }
        if earlier:
            _errors_add(errors, "leniency", _lookback_refusal(earlier[0], start, end))
    checks["range"] = _check_range(decision, measures, errors)
    if errors:
        raise ValidationError(errors)
    return checks


def _lookback_refusal(first: EarlierViolation, start: dt.date, end: dt.date) -> str:
    """Why 首违不罚 is refused, naming the earlier decision or ledger record."""
    values = {
        "number": first.number,
        "decided": first.decided_on,
        "leniency": first.leniency_display,
        "on": first.violation_on or first.decided_on,
        "authority": first.authority or "—",
        "years": rules.FIRST_VIOLATION_LOOKBACK_YEARS,
        "from": start,
        "to": end,
    }
    if first.type_unknown:
        return (
            _(
                "Check the party's earlier penalty first: its credit ledger holds penalty "
                "%(number)s of %(decided)s (%(authority)s), within the %(years)d years before "
                "this violation (%(from)s to %(to)s), and it does not say the type of violation. "
                "If it was a violation of the same type, 首违不罚 cannot be applied: record the "
                "decision with another leniency. If it was another type, have that record "
                "corrected with its type, then record this decision."
            )
            % values
        )
    if first.from_ledger:
        return (
            _(
                "Not a first violation: the party's credit ledger holds %(leniency)s "
                "%(number)s of %(decided)s (%(authority)s) for a violation of the same type, "
                "within the %(years)d years before this violation (%(from)s to %(to)s). "
                "首违不罚 cannot be applied."
            )
            % values
        )
    return (
        _(
            "Not a first violation: the same party has decision %(number)s of %(decided)s "
            "(%(leniency)s) for a violation of the same type on %(on)s, within the "
            "%(years)d years before this violation (%(from)s to %(to)s). 首违不罚 cannot "
            "be applied."
        )
        % values
    )


def _check_measures(
    decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], errors: dict[str, list[str]]
) -> None:
    if decision.is_no_penalty:
        if measures:
            _errors_add(
                errors,
                "measures",
                _(
                    "A decision not to penalise (%(leniency)s) imposes no penalty: remove the "
                    "penalties listed."
                )
                % {"leniency": Leniency(decision.leniency).label},
            )
        return
    if not measures:
        _errors_add(
            errors,
            "measures",
            _("A penalty decision imposes at least one penalty: list it."),
        )
    for i, m in enumerate(measures, start=1):
        label = MeasureKind(m.kind).label
        if m.kind in rules.MEASURES_WITH_AMOUNT and m.amount is None:
            _errors_add(
                errors,
                "measures",
                _("Penalty %(n)d (%(kind)s): enter the amount.") % {"n": i, "kind": label},
            )
        if m.kind in rules.MEASURES_NEED_MONTHS and not m.months:
            _errors_add(
                errors,
                "measures",
                _("Penalty %(n)d (%(kind)s): enter its duration in months.")
                % {"n": i, "kind": label},
            )
        if m.months and m.kind not in rules.MEASURES_WITH_MONTHS:
            _errors_add(errors, "measures", _months_refusal(i, m.kind))


def _check_simple_procedure(
    decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], errors: dict[str, list[str]]
) -> None:
    """A decision on the spot (APL art. 51): a warning alone, or a fine alone of at most CNY 200
    on a natural person (an individual business included) or CNY 3,000 on an organisation."""
    if decision.procedure != rules.SIMPLE_PROCEDURE or decision.is_no_penalty or not measures:
        return
    nature = decision_nature(decision)
    limit = rules.simple_procedure_max_fine(nature)
    values = {
        "limit": yuan(limit),
        "party": _("a natural person or an individual business")
        if nature == rules.NATURAL_PERSON
        else _("an organisation"),
        "article": rules.SIMPLE_PROCEDURE_ARTICLE,
    }
    kinds = {m.kind for m in measures}
    if len(kinds) > 1 or not kinds <= rules.SIMPLE_PROCEDURE_MEASURES:
        labels = "、".join(str(MeasureKind(k).label) for k in sorted(kinds))
        _errors_add(
            errors,
            "procedure",
            _(
                "The simple procedure (on the spot, %(article)s) allows only a warning, or a "
                "fine of at most CNY %(limit)s on %(party)s: %(found)s cannot be decided on the "
                "spot. Use the ordinary procedure."
            )
            % {**values, "found": labels},
        )
        return
    total = rules.fines_total(measures)
    if rules.FINE in kinds and total > limit:
        _errors_add(
            errors,
            "procedure",
            _(
                "A fine decided on the spot (%(article)s) is at most CNY %(limit)s on %(party)s; "
                "the fines total CNY %(t)s. Use the ordinary procedure."
            )
            % {**values, "t": yuan(total)},
        )


def _check_leniency(
    decision: PenaltyDecision, leniency_label: str, errors: dict[str, list[str]]
) -> None:
    if decision.leniency == Leniency.STANDARD:
        return
    grounds = list(decision.leniency_grounds or [])
    allowed = rules.LENIENCY_GROUNDS.get(decision.leniency, frozenset())
    if not grounds:
        _errors_add(
            errors,
            "leniency_grounds",
            _("%(leniency)s needs the ground it rests on (APL art. 32 or 33).")
            % {"leniency": leniency_label},
        )
    labels = dict(PenaltyDecision.LeniencyGround.choices)
    for ground in grounds:
        if ground not in allowed:
            _errors_add(
                errors,
                "leniency_grounds",
                _("The ground “%(ground)s” does not support %(leniency)s.")
                % {"ground": labels.get(ground, ground), "leniency": leniency_label},
            )
    if not decision.leniency_facts:
        _errors_add(
            errors,
            "leniency_facts",
            _("Describe the facts that justify %(leniency)s.") % {"leniency": leniency_label},
        )


def _check_list_item(decision: PenaltyDecision, errors: dict[str, list[str]]) -> None:
    """The list item a decision not to penalise relies on (§6)."""
    item = decision.leniency_item
    first = decision.leniency == Leniency.FIRST_VIOLATION
    wanted = LeniencyListItem.ListKind.FIRST_VIOLATION if first else LeniencyListItem.ListKind.MINOR
    if item is None:
        if first:
            _errors_add(
                errors,
                "leniency_item",
                _(
                    "First violation not penalised (首违不罚) applies an item of a 首违不罚 "
                    "list: choose it."
                ),
            )
        return
    if item.list_kind != wanted:
        _errors_add(
            errors,
            "leniency_item",
            _("The item chosen is on the list “%(list)s”; %(leniency)s needs an item of “%(w)s”.")
            % {
                "list": item.get_list_kind_display(),
                "leniency": Leniency(decision.leniency).label,
                "w": LeniencyListItem.ListKind(wanted).label,
            },
        )
    if item.violation_type_id != decision.violation_type_id:
        _errors_add(
            errors,
            "leniency_item",
            _(
                "List item %(n)d of %(list)s (%(version)s) is about another type of violation "
                "(%(type)s)."
            )
            % {
                "n": item.item_number,
                "list": item.list_name,
                "version": item.version,
                "type": item.violation_type.name,
            },
        )
    on = decision.violation_on
    if item.valid_from > on or (item.valid_until is not None and item.valid_until < on):
        _errors_add(
            errors,
            "leniency_item",
            _(
                "List item %(n)d of %(list)s (%(version)s) was not in force on the violation's "
                "date %(on)s (valid %(from)s to %(until)s)."
            )
            % {
                "n": item.item_number,
                "list": item.list_name,
                "version": item.version,
                "on": on,
                "from": item.valid_from,
                "until": item.valid_until or "—",
            },
        )
    if first and decision.corrected_on is None:
        _errors_add(
            errors,
            "corrected_on",
            _("首违不罚 requires the violation to have been corrected in time: enter the date."),
        )


def _check_range(
    decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], errors: dict[str, list[str]]
) -> dict[str, Any]:
    """The fines against the statutory range and the leniency; what was compared."""
    if decision.range_kind == "multiple" and decision.base_amount is None:
        _errors_add(
            errors,
            "base_amount",
            _("The range is a multiple of a base: enter the base amount."),
        )
        return {}
    if decision.is_no_penalty:
        return {}  # no penalty: nothing to compare with the range
    view = decision_range(decision)
    has_fine = any(m.kind == rules.FINE for m in measures)
    total = rules.fines_total(measures)
    if view is None:
        return {"fine_total": str(total)}
    found = {
        "min": str(view.minimum),
        "max": str(view.maximum),
        "band_max": str(view.band_max),
        "fine_total": str(total),
    }
    if not has_fine:
        return found
    amounts = {"t": yuan(total), "min": yuan(view.minimum), "max": yuan(view.maximum)}
    if decision.leniency == Leniency.MITIGATED:
        if total >= view.minimum:
            _errors_add(
                errors,
                "measures",
                _(
                    "A mitigated penalty (减轻) goes below the statutory minimum of CNY %(min)s; "
                    "the fines total CNY %(t)s."
                )
                % amounts,
            )
        return found
    if not view.minimum <= total <= view.maximum:
        _errors_add(
            errors,
            "measures",
            _("The fines total CNY %(t)s, outside the statutory range of CNY %(min)s to %(max)s.")
            % amounts,
        )
    elif decision.leniency == Leniency.LIGHTER and total > view.band_max:
        _errors_add(
            errors,
            "measures",
            _(
                "A lighter penalty (从轻) lies in the lowest 30 %% of the range: CNY %(min)s to "
                "%(band)s; the fines total CNY %(t)s."
            )
            % {**amounts, "band": yuan(view.band_max)},
        )
    return found


# --------------------------------------------------------------------------- recording


def public_summary_default(decision: PenaltyDecision, measures: Sequence[PenaltyMeasure]) -> str:
    """The published summary when the officer wrote none: the violation, the provision and the
    penalties, without the party's personal data (Order 45 arts. 4, 6)."""
    vtype = decision.violation_type
    parts = [vtype.name]
    if vtype.violated_provision:
        parts.append(f"违反{vtype.violated_provision}")
    if decision.is_no_penalty:
        parts.append(f"不予行政处罚（{LENIENCY_ZH[Leniency(decision.leniency)]}）")
    elif measures:
        parts.append(f"依据{vtype.penalty_provision}" if vtype.penalty_provision else "")
        parts.append(measures_text_zh(measures))
    return "，".join(p for p in parts if p)


@transaction.atomic
def penalty_record(
    *, actor: User, decision: PenaltyDecision, expected_version: int | None
) -> PenaltyDecision:
    """Record a draft decision: check it, compute its publicity, write its ledger fact.

    Rules: every check of `penalty_checks`. Publicity (Order 45; `rules.publicity_term`): the
    term from the penalties, the party's legal nature and the procedure; the publication due
    20 WD after the decision (10 WD to push it, for a party of another province), provisional
    where the calendar is; a market entity of the register is published on the day it is
    recorded (the portal's ledger is the bureau's publication), its term counted from then;
    another party's publication is recorded when it is made (`penalty_publish_record`,
    `penalty_push_record`). Publication after its due date is recorded as such: the working days
    late in checks["published_late"] and in the audit event. Recorded decisions are never
    edited: a changed one is withdrawn. Only a decision of the actor's jurisdiction.
    Education after a decision not to penalise (APL art. 33 para 3) is owed to a party that
    still exists: for a deregistered market entity the decision is recorded without the
    admonition letter, and checks["education"] says why.
    Side effects: the decision (status, checks, dates); for a market entity of the register
    the ledger fact `penalty` (public for its term) or `no_penalty` (not public) with its
    enterprise's state; for a decision not to penalise, the education action (an admonition
    letter, `soft_action_create`); an audit event (`penalty_recorded`).
    """
    decision = _lock(decision, expected_version)
    _require_jurisdiction(actor, decision)
    if decision.status != Status.DRAFT:
        raise ValidationError(
            _("Decision %(number)s is already recorded.") % {"number": decision.number}
        )
    _party_lock(decision.party_code or decision.party_id_digest)
    measures = list(decision.measures.all())
    today = _today()
    checks = penalty_checks(decision=decision, measures=measures, today=today)
    term = rules.publicity_term(measures, decision_nature(decision), decision.procedure)
    decision.checks = checks
    decision.status = Status.RECORDED
    decision.recorded_on = today
    decision.publicity_term = term.code
    if not decision.public_summary:
        decision.public_summary = public_summary_default(decision, measures)
    decision.publication_due = None
    decision.publication_due_provisional = False
    if term.published:
        due = rules.publication_deadline(
            decision.decided_on, other_province=decision.party_other_province
        )
        decision.publication_due = due.day
        decision.publication_due_provisional = due.provisional
        if decision.enterprise is not None:
            decision.published_on = today
            decision.publicity_end = rules.publicity_end(today, term)
            _note_lateness(decision, today)
    education = None
    deregistered = (
        decision.enterprise is not None
        and decision.enterprise.status == Enterprise.Status.DEREGISTERED
    )
    if decision.is_no_penalty and deregistered:
        checks["education"] = "not_owed_deregistered"
    decision.version += 1
    decision.save()
    if decision.enterprise is not None:
        decision.credit_record = _ledger_fact(actor, decision, measures, term)
        decision.save(update_fields=["credit_record"])
    if decision.is_no_penalty and not deregistered:
        education = _education_action(actor, decision)
    audit_event_record(
        actor=actor,
        event_type=PENALTY_RECORDED,
        target=decision,
        enterprise=decision.enterprise,
        extra={
            "number": decision.number,
            "leniency": decision.leniency,
            "leniency_display": decision.get_leniency_display(),
            "term": term.code,
            "term_reason": term.reason,
            "published_on": decision.published_on,
            "publicity_end": decision.publicity_end,
            "publication_due": decision.publication_due,
            "checks": checks,
            "published_late": checks.get("published_late"),
            "education_action": education.pk if education is not None else None,
        },
    )
    return decision


def _note_lateness(decision: PenaltyDecision, published_on: dt.date) -> None:
    """Keep in the checks how many working days after its due date a decision was published
    (Order 45 arts. 9, 10: 20 WD), when it was late."""
    due = decision.publication_due
    if due is None or published_on <= due:
        return
    from credit_portal.workdays import working_days_between

    late = working_days_between(due, published_on)
    if late > 0:
        checks = decision.checks if isinstance(decision.checks, dict) else {}
        checks["published_late"] = late
        decision.checks = checks


def _ledger_fact(
    actor: User,
    decision: PenaltyDecision,
    measures: Sequence[PenaltyMeasure],
    term: rules.PublicityTerm,
) -> CreditRecord:
    """The decision's fact in the register's ledger (a market entity of the register only)."""
    assert decision.enterprise is not None  # noqa: S101 - the caller checks
    vtype = decision.violation_type
    details = {
        "violation_type": vtype.code,
        "violation_type_name": vtype.name,
        "violation_on": decision.violation_on.isoformat(),
        "violation_ended_on": (
            decision.violation_ended_on.isoformat() if decision.violation_ended_on else None
        ),
        "sector": vtype.sector,
        "leniency": decision.leniency,
        "procedure": decision.procedure,
        "measures": [_measure_json(m) for m in measures],
        "measures_text": measures_text_zh(measures),
        "fine_total": str(rules.fines_total(measures)),
        "term": term.code,
        "term_reason": term.reason,
    }
    if decision.is_no_penalty:
        return credit_record_append(
            enterprise=decision.enterprise,
            kind=NO_PENALTY,
            occurred_on=decision.decided_on,
            summary=f"不予行政处罚（{LENIENCY_ZH[Leniency(decision.leniency)]}）：{vtype.name}",
            actor=actor,
            is_public=False,
            authority=issuer_name(decision.department),
            document_number=decision.number,
            details=details,
            source=decision,
        )
    return credit_record_append(
        enterprise=decision.enterprise,
        kind=PENALTY,
        occurred_on=decision.decided_on,
        summary=decision.public_summary,
        actor=actor,
        is_public=term.published,
        publicity_start=decision.published_on if term.published else None,
        publicity_end=decision.publicity_end if term.published else None,
        authority=issuer_name(decision.department),
        document_number=decision.number,
        details=details,
        source=decision,
    )


def _education_action(actor: User, decision: PenaltyDecision) -> Any:
    """The admonition letter that educates the party after a decision not to penalise (APL
    art. 33 para 3; docs/domain.md §6, §9)."""
    from remediation.services.soft_actions import soft_action_create

    item = decision.leniency_item
    article = rules.LENIENCY_ARTICLES[decision.leniency]
    basis = [rules.EDUCATION_ARTICLE, article]
    if item is not None:
        basis.append(f"{item.list_name}《{LIST_ZH[item.list_kind]}》第{item.item_number}项")
    # The facts are the violation's; why it is not penalised (the leniency facts) is the
    # reason for the decision not to penalise, which the letter states with its number.
    grounds = decision.leniency_facts.strip().rstrip("。；;.")
    lenient = f"鉴于{grounds}，" if grounds else ""
    return soft_action_create(
        actor=actor,
        instrument="admonition",
        enterprise=decision.enterprise,
        addressee_name=decision.party_name,
        department=decision.department,
        trigger="no_penalty",
        penalty=decision,
        reason=(
            f"你（单位）{decision.violation_type.name}的行为违反了"
            f"{decision.violation_type.violated_provision or '有关法律法规'}。"
            f"{lenient}本机关依据{article}的规定，"
            f"作出不予行政处罚决定（{decision.number}）。"
        ),
        legal_basis="；".join(basis),
        facts=decision.facts,
        required_actions=(
            "立即停止违法行为，全面自查整改，依法退赔消费者损失、履行召回等义务，"
            "并在期限内向本机关书面报告整改情况。再次发生同类违法行为的，将依法从严处理。"
        ),
        deadline_working_days=None,  # the admonition letter's own period (soft enforcement)
    )


# --------------------------------------------------------------------------- publication


def _recorded(decision: PenaltyDecision) -> None:
    if decision.status != Status.RECORDED:
        raise ValidationError(
            _("Decision %(number)s is not recorded (%(status)s).")
            % {"number": decision.number, "status": decision.get_status_display()}
        )


def _day_in_range(
    day: dt.date, decision: PenaltyDecision, field: str, *, not_before: dt.date | None = None
) -> None:
    if day > _today():
        raise ValidationError({field: [_("This date is in the future.")]})
    floor = max(decision.decided_on, not_before or decision.decided_on)
    if day < floor:
        raise ValidationError(
            {field: [_("This date is before %(d)s.") % {"d": floor}]},
        )


@transaction.atomic
def penalty_publish_record(
    *,
    actor: User,
    decision: PenaltyDecision,
    published_on: dt.date,
    expected_version: int | None,
) -> PenaltyDecision:
    """Record the publication on 公示系统 of a decision about a party outside the register
    (by the bureau, or by the party's home province after a push), which starts its term.

    Rules: a recorded decision of the actor's jurisdiction with a publicity term, not yet
    published; the date not in the future nor before the decision (nor the push); the term's
    last day from it (`rules.publicity_end`); a publication after its due date is kept as such
    (checks["published_late"], working days). A market entity of the register is published when
    recorded.
    Side effects: the decision; an audit event (`penalty_published`).
    """
    decision = _lock(decision, expected_version)
    _require_jurisdiction(actor, decision)
    _recorded(decision)
    term = rules.PublicityTerm.from_code(decision.publicity_term)
    if term is None:
        raise ValidationError(
            _("Decision %(number)s is not published (Order 45 art. 2).")
            % {"number": decision.number}
        )
    if decision.published_on is not None:
        raise ValidationError(
            _("Decision %(number)s was published on %(d)s.")
            % {"number": decision.number, "d": decision.published_on}
        )
    _day_in_range(published_on, decision, "published_on", not_before=decision.pushed_on)
    decision.published_on = published_on
    decision.publicity_end = rules.publicity_end(published_on, term)
    _note_lateness(decision, published_on)
    decision.version += 1
    decision.save()
    audit_event_record(
        actor=actor,
        event_type=PENALTY_PUBLISHED,
        target=decision,
        enterprise=decision.enterprise,
        extra={
            "number": decision.number,
            "on": published_on,
            "publicity_end": decision.publicity_end,
            "published_late": (decision.checks or {}).get("published_late"),
        },
    )
    return decision


@transaction.atomic
def penalty_push_record(
    *,
    actor: User,
    decision: PenaltyDecision,
    pushed_on: dt.date,
    expected_version: int | None,
) -> PenaltyDecision:
    """Record that a decision about a party of another province was pushed, through the
    province's bureau, to the party's home province (Order 45 art. 10: within 10 WD of the
    decision; the home province publishes within 10 WD of receipt).

    Rules: a recorded decision of the actor's jurisdiction with a publicity term, about a party
    of another province, not pushed yet; the date not in the future nor before the decision.
    The publication due moves to 10 WD after the push (the home province's part).
    Side effects: the decision; an audit event (`penalty_pushed`).
    """
    decision = _lock(decision, expected_version)
    _require_jurisdiction(actor, decision)
    _recorded(decision)
    if not decision.party_other_province or not decision.publicity_term:
        raise ValidationError(
            _("Only the published decisions about a party of another province are pushed.")
        )
    if decision.pushed_on is not None:
        raise ValidationError(
            _("Decision %(number)s was pushed on %(d)s.")
            % {"number": decision.number, "d": decision.pushed_on}
        )
    _day_in_range(pushed_on, decision, "pushed_on")
    from credit_portal.workdays import deadline_after

    due = deadline_after(pushed_on, rules.OTHER_PROVINCE_PUBLISH_WORKING_DAYS)
    decision.pushed_on = pushed_on
    decision.publication_due = due.day
    decision.publication_due_provisional = due.provisional
    decision.version += 1
    decision.save()
    audit_event_record(
        actor=actor,
        event_type=PENALTY_PUSHED,
        target=decision,
        enterprise=decision.enterprise,
        extra={"number": decision.number, "on": pushed_on, "publication_due": due.day},
    )
    return decision


@transaction.atomic
def penalty_withdraw(
    *,
    actor: User,
    decision: PenaltyDecision,
    withdrawal: str,
    reason: str,
    expected_version: int | None,
    changed_on: dt.date | None = None,
) -> PenaltyDecision:
    """Withdraw a decision that was changed, revoked, or found unlawful or void (Order 45 art.
    11): its penalty information leaves publicity, with the reason.

    Rules: a recorded decision of the actor's jurisdiction; the kind of withdrawal and its
    reason; `changed_on` (the day the decision was changed, revoked or found void; today by
    default) not in the future nor before the decision; due 3 WD after it
    (`rules.withdrawal_deadline`), done today. For a market entity of the register, the open
    `penalty` record is closed by a `penalty_withdrawal` fact (the public profile and API show
    it no more); a `no_penalty` record, never public, is closed by a correction; a record
    already closed (its term ended, or it was repaired) cannot be closed again, so the
    withdrawal is written as a `penalty_withdrawn_note` that names it (details["withdraws"])
    and closes nothing: the history then never reads a revoked or void decision as a valid
    penalty. A withdrawn decision that was changed still counts in the first-violation
    look-back; a revoked or void one does not (`first_violation_lookback`). The education
    letters of a decision not to penalise that are not served yet are cancelled with it; a
    served one stays (`_education_withdraw`).
    Side effects: the decision; the withdrawal fact; the letters cancelled (each with its
    audit event); an audit event (`penalty_withdrawn`, naming the letters cancelled and kept).
    """
    decision = _lock(decision, expected_version)
    _require_jurisdiction(actor, decision)
    _recorded(decision)
    errors: dict[str, list[str]] = {}
    if withdrawal not in PenaltyDecision.Withdrawal.values:
        _errors_add(
            errors, "withdrawal", _("Say whether the decision was changed, revoked or void.")
        )
    reason = (reason or "").strip()
    if not reason:
        _errors_add(errors, "withdrawal_reason", _("State the reason for the withdrawal."))
    today = _today()
    changed_on = changed_on or today
    if changed_on > today:
        _errors_add(errors, "changed_on", _("This date is in the future."))
    elif changed_on < decision.decided_on:
        _errors_add(
            errors,
            "changed_on",
            _("This date is before the decision (%(d)s).") % {"d": decision.decided_on},
        )
    if errors:
        raise ValidationError(errors)
    due = rules.withdrawal_deadline(changed_on)
    decision.status = Status.WITHDRAWN
    decision.withdrawal = withdrawal
    decision.withdrawal_reason = reason
    decision.withdrawal_due = due.day
    decision.withdrawn_on = today
    decision.version += 1
    decision.save()
    closing = _close_record(actor, decision, today)
    cancelled, kept = _education_withdraw(actor, decision)
    audit_event_record(
        actor=actor,
        event_type=PENALTY_WITHDRAWN,
        target=decision,
        enterprise=decision.enterprise,
        extra={
            "number": decision.number,
            "withdrawal": withdrawal,
            "withdrawal_display": decision.get_withdrawal_display(),
            "reason": reason,
            "changed_on": changed_on,
            "withdrawal_due": due.day,
            "closing_record": closing.pk if closing is not None else None,
            "education_cancelled": cancelled,
            "education_kept_served": kept,
        },
    )
    return decision


# The states of an education letter that has not gone out yet (a withdrawal cancels it).
EDUCATION_NOT_SERVED = ("draft", "approved")


def _education_withdraw(actor: User, decision: PenaltyDecision) -> tuple[list[int], list[int]]:
    """The education letters of a withdrawn decision not to penalise: those not served yet
    (a draft, or approved and waiting to be served) are cancelled, with the withdrawal as the
    reason, in the withdrawal's transaction (`soft_action_cancel`, with each letter's current
    version); one already served stays as it is (it reached the party; the detail page says
    so). Returns the ids cancelled and the ids kept."""
    from remediation.models import SoftAction
    from remediation.services.soft_actions import soft_action_cancel

    cancelled: list[int] = []
    kept: list[int] = []
    why = WITHDRAWAL_ZH[PenaltyDecision.Withdrawal(decision.withdrawal)]
    reason = f"不予行政处罚决定（{decision.number}）已撤回：{why}。{decision.withdrawal_reason}"
    # Locked before their state is read: a letter served meanwhile is kept, not cancelled.
    letters = SoftAction.objects.select_for_update(of=("self",)).filter(penalty=decision)
    for letter in letters.order_by("id"):
        if letter.status in EDUCATION_NOT_SERVED:
            soft_action_cancel(
                actor=actor, action=letter, reason=reason, expected_version=letter.version
            )
            cancelled.append(letter.pk)
        elif letter.status != SoftAction.Status.CANCELLED:
            kept.append(letter.pk)
    return cancelled, kept


def _close_record(actor: User, decision: PenaltyDecision, today: dt.date) -> CreditRecord | None:
    record = decision.credit_record
    if decision.enterprise is None or record is None:
        return None
    why = WITHDRAWAL_ZH[PenaltyDecision.Withdrawal(decision.withdrawal)]
    details = {
        "withdrawal": decision.withdrawal,
        "reason": decision.withdrawal_reason,
        "withdraws": record.pk,
    }
    closing = CreditRecord.objects.filter(closes=record).first()
    if closing is not None:
        # Its term ended, or it was repaired: nothing public to take down, and a record is
        # closed once. The withdrawal is a fact of its own that names the record.
        return credit_record_append(
            enterprise=decision.enterprise,
            kind=PENALTY_WITHDRAWN_NOTE,
            occurred_on=today,
            summary=(
                f"撤回{'行政处罚' if record.kind == PENALTY else '不予行政处罚'}决定"
                f"（{decision.number}）：{why}。{decision.withdrawal_reason}"
            ),
            actor=actor,
            authority=issuer_name(decision.department),
            document_number=decision.number,
            details={**details, "closed_by": closing.kind, "closed_on": str(closing.occurred_on)},
            source=decision,
        )
    if record.kind == PENALTY:
        return credit_record_append(
            enterprise=decision.enterprise,
            kind=PENALTY_WITHDRAWAL,
            occurred_on=today,
            summary=f"撤回行政处罚公示信息（{decision.number}）：{why}。{decision.withdrawal_reason}",
            actor=actor,
            authority=issuer_name(decision.department),
            document_number=decision.number,
            details=details,
            source=decision,
            closes=record,
        )
    return credit_record_append(
        enterprise=decision.enterprise,
        kind=CORRECTION,
        occurred_on=today,
        summary=f"撤回不予行政处罚决定（{decision.number}）：{why}。{decision.withdrawal_reason}",
        actor=actor,
        authority=issuer_name(decision.department),
        document_number=decision.number,
        details=details,
        source=decision,
        closes=record,
    )


# --------------------------------------------------------------------------- the document

_TERM_ZH = {3: "三个月", 36: "三年"}
_NUMERALS = "〇一二三四五六七八九十"


def _cn(n: int) -> str:
    """A whole number from 0 to 99 in Chinese numerals, as documents write periods (六十日)."""
    if n <= 10:
        return _NUMERALS[n]
    tens, units = divmod(n, 10)
    head = "十" if tens == 1 else f"{_NUMERALS[tens]}十"
    return head + (_NUMERALS[units] if units else "")


def _term_zh(months: int) -> str:
    if months in _TERM_ZH:
        return _TERM_ZH[months]
    if months % 12 == 0 and months // 12 <= 10:
        return f"{_cn(months // 12)}年"
    return f"{months}个月"


def _party_fields(decision: PenaltyDecision) -> list[tuple[str, str]]:
    fields = [("当事人", decision.party_name)]
    ent = decision.enterprise
    if ent is not None:
        fields.append(("统一社会信用代码", ent.uscc))
        fields.append(("住所（经营场所）", ent.address))
        title = (
            "经营者"
            if ent.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
            else "法定代表人（负责人）"
        )
        fields.append((title, ent.legal_rep_name))
    elif decision.party_kind == PartyKind.ORGANISATION:
        fields.append(("统一社会信用代码", decision.party_code))
    else:
        fields.append(("身份证件号码", decision.party_id_masked))
    return fields


def penalty_decision_document(decision: PenaltyDecision) -> OfficialDocument:
    """The decision as an official document (Chinese): the 行政处罚决定书, or the
    不予行政处罚决定书 for a decision not to penalise.

    Rules: the party, the facts, the provisions violated and applied, the leniency with the
    APL article and the list item it rests on, the penalties (a fine paid within 15 days,
    APL art. 67), the education given after a decision not to penalise (art. 33 para 3), the
    notice that a published penalty will be published on 国家企业信用信息公示系统 and for how
    long (Order 45 art. 8), and the remedies: reconsideration within 60 days, a lawsuit within
    6 months. A withdrawn decision says so at its foot. Issued in the deciding department's
    name (the bureau's configured name for the bureau).
    """
    vtype = decision.violation_type
    measures = list(decision.measures.all())
    no_penalty = decision.is_no_penalty
    leniency = Leniency(decision.leniency)
    details = (
        [f"统一社会信用代码：{decision.party_code}"]
        if decision.party_code
        else ([f"身份证件号码：{decision.party_id_masked}"] if decision.party_id_masked else [])
    )
    body: list[Paragraph | Heading | Fields | NumberedList] = [
        Fields(items=_party_fields(decision))
    ]
    when = f"{chinese_date(decision.violation_on)}"
    if decision.violation_ended_on:
        when += f"至{chinese_date(decision.violation_ended_on)}"
    body.append(Heading(text="一、违法事实和证据"))
    body.append(
        Paragraph(
            text=(
                f"本机关于{chinese_date(decision.discovered_on)}发现，当事人于{when}"
                f"存在{vtype.name}的行为。"
            )
        )
    )
    if decision.facts:
        body.append(Paragraph(text=decision.facts))
    body.append(Heading(text="二、违反的规定和处理依据"))
    violated = vtype.violated_provision or "有关法律、法规、规章"
    body.append(Paragraph(text=f"当事人的上述行为违反了{violated}的规定。"))
    if decision.legal_basis:
        body.append(Paragraph(text=f"依据：{decision.legal_basis}"))
    section = 3
    if leniency != Leniency.STANDARD:
        body.append(Heading(text=f"{_NUMERALS[section]}、{LENIENCY_ZH[leniency]}的理由和依据"))
        article = rules.LENIENCY_ARTICLES[leniency]
        if "art33_no_fault" in (decision.leniency_grounds or []):
            article = rules.NO_FAULT_ARTICLE
        if decision.leniency_facts:
            body.append(Paragraph(text=decision.leniency_facts))
        item = decision.leniency_item
        if item is not None:
            body.append(
                Paragraph(
                    text=(
                        f"当事人的行为符合{item.list_name}《{LIST_ZH[item.list_kind]}》"
                        f"（{item.version}）第{item.item_number}项“{item.text}”规定的情形。"
                    )
                )
            )
        if decision.corrected_on:
            body.append(
                Paragraph(text=f"当事人已于{chinese_date(decision.corrected_on)}改正违法行为。")
            )
        body.append(Paragraph(text=f"上述情形符合{article}的规定。"))
        section += 1
    if no_penalty:
        body.append(Heading(text=f"{_NUMERALS[section]}、处理决定"))
        body.append(Paragraph(text="本机关决定对当事人不予行政处罚。"))
        body.append(
            Paragraph(
                text=(
                    f"根据{rules.EDUCATION_ARTICLE}的规定，本机关对当事人进行了教育，责令其立即"
                    "停止违法行为、全面整改，并书面报告整改情况"
                    + (
                        "（警示告诫书另行送达）。"
                        if decision.pk and decision.education_actions.exists()
                        else "。"
                    )
                )
            )
        )
        body.append(Paragraph(text="本决定不属于行政处罚，不作为行政处罚信息公示。"))
    else:
        body.append(Heading(text=f"{_NUMERALS[section]}、行政处罚的内容"))
        body.append(Paragraph(text="本机关决定对当事人作出如下行政处罚："))
        body.append(
            NumberedList(
                items=[measure_text_zh(m.kind, m.amount, m.months, m.description) for m in measures]
            )
        )
        if any(m.kind == rules.FINE for m in measures):
            body.append(
                Paragraph(
                    text=(
                        f"当事人应当自收到本决定书之日起{_cn(rules.FINE_PAYMENT_DAYS)}日内，到指定的银行"
                        "或者通过电子支付系统缴纳罚款。到期不缴纳罚款的，本机关可以依照"
                        f"{rules.LATE_FINE_ARTICLE}的规定每日按罚款数额的"
                        f"百分之{_cn(rules.LATE_FINE_SURCHARGE_PERCENT)}加处罚款。"
                    )
                )
            )
        term = rules.PublicityTerm.from_code(decision.publicity_term)
        if term is not None:
            body.append(
                Paragraph(
                    text=(
                        "根据《市场监督管理行政处罚信息公示规定》第八条，本行政处罚决定信息将通过"
                        f"国家企业信用信息公示系统向社会公示，公示期为{_term_zh(term.months)}，"
                        "自公示之日起计算。"
                    )
                )
            )
    body.append(
        Paragraph(
            text=(
                f"当事人如不服本决定，可以在收到本决定书之日起{_cn(rules.RECONSIDERATION_DAYS)}日内依法"
                f"申请行政复议，也可以在{_cn(rules.LAWSUIT_MONTHS)}个月内依法向人民法院提起行政诉讼。"
                + (
                    ""
                    if no_penalty
                    else "申请行政复议或者提起行政诉讼的，行政处罚不停止执行，法律另有规定的除外。"
                )
            )
        )
    )
    footer = ["本文书一式两份，一份送达当事人，一份归档。"]
    if decision.status == Status.WITHDRAWN and decision.withdrawn_on:
        why = WITHDRAWAL_ZH[PenaltyDecision.Withdrawal(decision.withdrawal)]
        footer.append(f"本决定已于{chinese_date(decision.withdrawn_on)}撤回公示：{why}。")
    issuer: dict[str, str] = {}
    if not decision.department.is_bureau:
        issuer["issuer"] = decision.department.name
    return OfficialDocument(
        title="不予行政处罚决定书" if no_penalty else "行政处罚决定书",
        number=decision.number,
        date=decision.decided_on,
        addressee=Addressee(name=decision.party_name, details=details),
        body=body,
        seal_placeholder=True,
        footer=footer,
        **issuer,
    )
