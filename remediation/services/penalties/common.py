"""The pieces the penalty-decision workflow shares: the choices, the fields of a draft, the Chinese
texts of penalties, leniency and lists, the row lock and the jurisdiction check, and the checks
of dates and numbers that both saving a draft and recording a decision make.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.errors import ConflictError
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.register import EARLIEST_REGISTRATION
from remediation.kinds import NO_PENALTY, PENALTY
from remediation.models import LeniencyListItem, PenaltyDecision, PenaltyMeasure
from remediation.selectors.penalties import (
    penalty_in_jurisdiction,
)

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


def _months_refusal(n: int, kind: str) -> str:
    """Why a penalty that does not last for a time takes no duration (a fine, a warning, a
    confiscation, a revocation, an order to close)."""
    return _(
        "Penalty %(n)d (%(kind)s) does not last for a time: only a suspension of a licence, a "
        "restriction of business activities, an order to stop production or business, a ban "
        "or another penalty set by law takes a duration in months. Remove the months."
    ) % {"n": n, "kind": MeasureKind(kind).label}


def _measure_json(m: PenaltyMeasure) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "amount": str(m.amount) if m.amount is not None else None,
        "months": m.months,
        "description": m.description,
    }
