"""Recording a penalty decision and what follows (`penalty_record`, `penalty_publish_record`,
`penalty_push_record`, `penalty_withdraw`): its ledger facts, the education action of a decision
not to penalise, and its withdrawal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.models import User
from enterprises.kinds import CORRECTION
from enterprises.models import CreditRecord
from enterprises.rules import EXTINCT_STATUSES
from enterprises.services.ledger import credit_record_append
from remediation import rules
from remediation.audit_events import (
    PENALTY_PUBLISHED,
    PENALTY_PUSHED,
    PENALTY_RECORDED,
    PENALTY_WITHDRAWN,
)
from remediation.kinds import NO_PENALTY, PENALTY, PENALTY_WITHDRAWAL, PENALTY_WITHDRAWN_NOTE
from remediation.models import PenaltyDecision, PenaltyMeasure
from remediation.selectors.soft_actions import issuer_name
from remediation.services.penalties.checks import decision_nature, penalty_checks
from remediation.services.penalties.common import (
    LENIENCY_ZH,
    LIST_ZH,
    WITHDRAWAL_ZH,
    Leniency,
    Status,
    _errors_add,
    _lock,
    _measure_json,
    _require_jurisdiction,
    _today,
    measures_text_zh,
)


def _party_lock(key: str) -> None:
    """Serialise the recording of decisions about one party (the look-back reads the party's
    decisions, then this one becomes one of them): a transaction-level advisory lock on
    PostgreSQL; SQLite serialises every writer anyway."""
    if key and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"penalty-party:{key}"])


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
    deregistered = (  # or its registration cancelled: no one left to educate
        decision.enterprise is not None and decision.enterprise.status in EXTINCT_STATUSES
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
