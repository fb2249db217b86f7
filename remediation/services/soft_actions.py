"""Soft enforcement (柔性执法, docs/domain.md §9): the workflow of its documents.

A document (`SoftAction`: 行政提示书, 行政建议书, 警示告诫书, or the 约谈通知书 of an interview)
is drafted, approved (which numbers and issues it), served, and then rectified or overdue; an
overdue one may be rectified late or escalated to a case. The states and their moves are
`remediation.rules.SOFT_ACTION_TRANSITIONS`; every period and number format is in the "Soft
enforcement" section of `remediation.rules`.

Every service here that changes a document locks its row (`select_for_update`), checks the
`version` the caller read (required, keyword-only: `ConflictError` for a stale one), checks the
actor's jurisdiction (the document's issuing department must be one of
`departments_of_jurisdiction(user=actor)`: a partner department acts on its own department's
documents only, the bureau on every one; a `ValidationError`, behind the pages' and the API's
404), validates (a `ValidationError` whose messages, in the user's language, name the reason),
writes, records its audit event and appends its credit facts through
`enterprises.services.ledger`, all in one transaction. A follow-up visit changes no field of the
document (nor its version): it checks the jurisdiction but takes no version.

Interviews: the notice (约谈通知书) summons the party to attend within its period
(`deadline_working_days`, default `rules.INTERVIEW_ATTEND_WORKING_DAYS`) from the day of
service: its `deadline` is that "attend by" day, stated on the notice. Recording the interview
replaces it with the deadline of the commitments; a notice whose interview is not recorded by
its day is a no-show, marked overdue by the daily job like a letter not rectified, and may be
escalated (or its interview recorded late).

The ledger (docs/domain.md §9 "What is built"; `enterprises.selectors.letters`)
- Service of a letter to a market entity of the register is a non-public `soft_enforcement`
  fact dated the day of service, with the document number and
  `details = {"instrument", "instrument_label", "deadline", "deadline_provisional",
  "soft_action"}`; the letters pages derive "reply due / overdue / replied (late)" from it.
- An interview's fact is written when the interview is recorded (dated the day it was held,
  with the deadline its commitments set): the notice only summons; the interview and its
  commitments are the soft-enforcement act, and their deadline is not known before.
- Rectification is the `letter_reply` fact that closes that fact, dated the day of
  rectification (a day after the deadline reads "replied late").
- A document to a public body or to a party outside the register writes no fact.

Numbering: a document takes its number when it is approved (a draft has none, so cancelled
drafts leave no gaps): the next of its instrument and year (`remediation.rules.
soft_action_number`), after the highest that a document or a `soft_enforcement` record of the
ledger holds (the letters of the history before the portal carry numbers of the same form), and
never one the ledger holds already (passed over). Two approvals racing for one number are
kept apart by the unique index on the number: the later one's write waits for the earlier to
commit, is refused, and takes the next number (in a savepoint, at most
`SOFT_ACTION_NUMBER_ATTEMPTS` times). No counter row, and no gap: a rolled-back approval gives
its number back.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import DateField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record, model_diff, model_snapshot
from credit_portal.bulk import Sql, insert_select
from credit_portal.errors import ConflictError
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import CreditRecord, Enterprise
from enterprises.rules import EXTINCT_STATUSES
from enterprises.selectors import enterprise_list_for_user
from enterprises.services.ledger import credit_record_append
from remediation import audit_events as events
from remediation import rules
from remediation.kinds import LETTER_REPLY, SOFT_ENFORCEMENT
from remediation.models import (
    ElectronicServiceConsent,
    FollowUpVisit,
    Interview,
    PenaltyDecision,
    SoftAction,
)
from remediation.selectors.soft_actions import (
    consent_for,
    instrument_title,
    issuer_name,
    person_name,
)

Status = SoftAction.Status
Instrument = SoftAction.Instrument
Method = SoftAction.ServiceMethod

# The fields a draft's author writes (create, update).
DRAFT_FIELDS = (
    "instrument",
    "enterprise",
    "addressee_name",
    "department",
    "trigger",
    "penalty",
    "reason",
    "legal_basis",
    "facts",
    "required_actions",
    "deadline_working_days",
    "contact_person",
    "contact_phone",
)
_REQUIRED_TEXT = ("reason", "legal_basis", "required_actions")
_PHONE = re.compile(r"^[0-9+()\- ]{5,32}$")
# Service methods that need the name of who signed the proof of service (送达回证), or of the
# witness of service left at the premises (留置送达).
_NEEDS_SIGNATURE = frozenset({Method.DIRECT, Method.LEFT})


def _today() -> dt.date:
    return timezone.localdate()


def _locked(action: SoftAction) -> SoftAction:
    return (
        SoftAction.objects.select_for_update(of=("self",))
        .select_related("enterprise", "department")
        .get(pk=action.pk)
    )


def _check_version(locked: SoftAction, expected_version: int) -> None:
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this document first (you read version %(expected)d, it "
                "is now at version %(current)d). Nothing was saved; open it again."
            )
            % {"expected": expected_version, "current": locked.version},
            current_version=locked.version,
        )


def _check_jurisdiction(actor: User, action: SoftAction) -> None:
    """Refuse a step on a document another department issued (module docstring). The pages
    and the API never show such a document (a 404): this is the second line."""
    if not departments_of_jurisdiction(user=actor).filter(pk=action.department_id).exists():
        raise ValidationError(
            _("This document was issued by another department: only that department acts on it."),
            code="jurisdiction",
        )


def _check_move(locked: SoftAction, to: str) -> None:
    """Refuse a move the transition table does not allow, saying why in the user's words."""
    if to in rules.SOFT_ACTION_TRANSITIONS[locked.status]:
        return
    status = locked.get_status_display()
    messages: dict[str, str] = {
        Status.APPROVED: _("Only a draft can be approved; this document is: %(status)s."),
        Status.SERVED: _("Only an approved document can be served; this document is: %(status)s."),
        Status.RECTIFIED: _(
            "Rectification can be recorded only after the document was served; this document "
            "is: %(status)s."
        ),
        Status.ESCALATED: _(
            "Only a document whose rectification is overdue can be escalated; this document "
            "is: %(status)s."
        ),
        Status.CANCELLED: _(
            "Only a document not yet served can be cancelled; this document is: %(status)s."
        ),
        Status.OVERDUE: _("This document cannot become overdue; it is: %(status)s."),
    }
    raise ValidationError(
        messages.get(to, _("This document is: %(status)s.")) % {"status": status},
        code="invalid_state",
    )


def _not_future(day: dt.date, field: str) -> None:
    if day > _today():
        raise ValidationError({field: [_("The date cannot be in the future.")]})


def _touch(locked: SoftAction, fields: list[str]) -> None:
    locked.version += 1
    locked.save(update_fields=[*fields, "version", "updated_at"])


def _audit(
    *,
    actor: User | None,
    event_type: str,
    action: SoftAction,
    extra: dict[str, Any] | None = None,
) -> None:
    audit_event_record(
        actor=actor,
        event_type=event_type,
        target=action,
        enterprise=action.enterprise,
        extra={"number": action.number, **(extra or {})},
    )


# --- Drafts -------------------------------------------------------------------------------


def soft_action_check(*, actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a draft's fields (create and update) and return them completed: the addressee
    from the enterprise when not given, the default period of the instrument.

    Rules (docs/domain.md §9): a known instrument and occasion; a market entity of the actor's
    jurisdiction that is not deregistered, required except for a suggestion (it may go to
    another public body) and for the education after a decision not to penalise a party outside
    the register; an issuing department of the actor's jurisdiction; reason, legal basis and
    required actions; a period of 1 to `SOFT_ACTION_MAX_WORKING_DAYS` working days (rectification;
    for an interview notice, attendance), the instrument's default when not given; a plausible
    phone number. Writes nothing.
    """
    errors: dict[str, list[str]] = {}
    cleaned = {k: data.get(k) for k in DRAFT_FIELDS}
    for name in ("addressee_name", "facts", "contact_person", "contact_phone", *_REQUIRED_TEXT):
        cleaned[name] = (cleaned.get(name) or "").strip()
    instrument = cleaned["instrument"]
    if instrument not in Instrument.values:
        errors["instrument"] = [_("Choose the kind of document.")]
    if not cleaned.get("trigger"):
        cleaned["trigger"] = (
            SoftAction.Trigger.NO_PENALTY if cleaned.get("penalty") else SoftAction.Trigger.OTHER
        )
    if cleaned["trigger"] not in SoftAction.Trigger.values:
        errors["trigger"] = [_("Choose the occasion of the document.")]
    enterprise: Enterprise | None = cleaned.get("enterprise")
    penalty: PenaltyDecision | None = cleaned.get("penalty")
    if enterprise is not None:
        if not enterprise_list_for_user(user=actor).filter(pk=enterprise.pk).exists():
            errors["enterprise"] = [_("This market entity is not in your jurisdiction.")]
        elif enterprise.status in EXTINCT_STATUSES:
            errors["enterprise"] = [
                _("%(name)s no longer exists (%(status)s): no document can be addressed to it.")
                % {"name": enterprise.name, "status": enterprise.get_status_display()}
            ]
        if not cleaned["addressee_name"]:
            cleaned["addressee_name"] = enterprise.name
        if penalty is not None and penalty.enterprise_id not in (None, enterprise.pk):
            errors["penalty"] = [_("The decision concerns another party.")]
    elif instrument != Instrument.SUGGESTION and penalty is None:
        errors["enterprise"] = [
            _(
                "Choose the market entity the document is addressed to. Only a suggestion may "
                "go to another public body."
            )
        ]
    if not cleaned["addressee_name"]:
        errors["addressee_name"] = [_("Name the addressee.")]
    department: Department | None = cleaned.get("department")
    if department is None:
        errors["department"] = [_("Choose the issuing department.")]
    elif not departments_of_jurisdiction(user=actor).filter(pk=department.pk).exists():
        errors["department"] = [_("You may issue documents only in your own department's name.")]
    for name in _REQUIRED_TEXT:
        if not cleaned[name]:
            errors[name] = [_("This field is required.")]
    days = cleaned.get("deadline_working_days")
    if days in (None, "") and instrument in Instrument.values:
        days = rules.soft_action_default_working_days(instrument)
    if days is not None and (
        not isinstance(days, int) or not 1 <= days <= rules.SOFT_ACTION_MAX_WORKING_DAYS
    ):
        errors["deadline_working_days"] = [
            _("The period is from 1 to %(max)d working days.")
            % {"max": rules.SOFT_ACTION_MAX_WORKING_DAYS}
        ]
    cleaned["deadline_working_days"] = days
    phone = cleaned["contact_phone"]
    if phone and not _PHONE.match(phone):
        errors["contact_phone"] = [
            _("A phone number has digits, spaces, +, - and brackets only (5 to 32).")
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def soft_action_create(
    *,
    actor: User,
    instrument: str,
    enterprise: Enterprise | None,
    addressee_name: str,
    department: Department,
    trigger: str,
    penalty: PenaltyDecision | None = None,
    reason: str,
    legal_basis: str,
    facts: str = "",
    required_actions: str,
    deadline_working_days: int | None = None,
    contact_person: str = "",
    contact_phone: str = "",
) -> SoftAction:
    """Draft a soft-enforcement document.

    Rules: `soft_action_check`. A draft has no number (it takes one at approval) and is not
    yet a credit fact. The penalty engineer's "education after a decision not to penalise"
    (APL art. 33 para 3) is such a draft, with `penalty` and trigger `no_penalty`.
    Side effects: the row; audit event `remediation.soft_action_created`.
    """
    data = soft_action_check(
        actor=actor,
        data={
            "instrument": instrument,
            "enterprise": enterprise,
            "addressee_name": addressee_name,
            "department": department,
            "trigger": trigger,
            "penalty": penalty,
            "reason": reason,
            "legal_basis": legal_basis,
            "facts": facts,
            "required_actions": required_actions,
            "deadline_working_days": deadline_working_days,
            "contact_person": contact_person,
            "contact_phone": contact_phone,
        },
    )
    action = SoftAction.objects.create(**data, status=Status.DRAFT, created_by=actor)
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_CREATED,
        action=action,
        extra={"instrument": action.instrument, "addressee": action.addressee_name},
    )
    return action


@transaction.atomic
def soft_action_update(
    *, actor: User, action: SoftAction, data: dict[str, Any], expected_version: int
) -> SoftAction:
    """Change a draft. `data` holds any of `DRAFT_FIELDS`; the others keep their values.

    Rules: the document's department within the actor's jurisdiction (and the new one too:
    `soft_action_check`); only a draft changes (an approved document is issued: cancel it and
    draft anew); the version read; `soft_action_check` on the result.
    Side effects: the row (version + 1); audit event `remediation.soft_action_updated` with the
    fields changed.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    _check_version(locked, expected_version)
    if locked.status != Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed; this document is: %(status)s.")
            % {"status": locked.get_status_display()},
            code="invalid_state",
        )
    current = {k: getattr(locked, k) for k in DRAFT_FIELDS}
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned = soft_action_check(actor=actor, data={**current, **data})
    before = model_snapshot(locked)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    _touch(locked, list(DRAFT_FIELDS))
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_UPDATED,
        action=locked,
        extra=model_diff(before, model_snapshot(locked)),
    )
    return locked


# --- Approval and numbering ---------------------------------------------------------------


def _next_seq(instrument: str, year: int) -> int:
    """After the highest number of the instrument and year that a document or the ledger's
    `soft_enforcement` history holds (`rules.soft_action_number_seq`). The ledger is read from
    the year's first day on (its kind-and-date index): a letter is served after its issue."""
    stem = rules.soft_action_number_stem(instrument, year)
    numbers = list(
        SoftAction.objects.filter(number__startswith=stem).values_list("number", flat=True)
    )
    numbers += CreditRecord.objects.filter(
        kind=SOFT_ENFORCEMENT,
        occurred_on__gte=dt.date(year, 1, 1),
        document_number__startswith=stem,
    ).values_list("document_number", flat=True)
    seqs = [rules.soft_action_number_seq(n or "", instrument, year) for n in numbers]
    return max((n for n in seqs if n is not None), default=0) + 1


def _number_in_ledger(number: str) -> bool:
    """Whether a letter of the ledger (whatever its date) already carries `number`."""
    return CreditRecord.objects.filter(kind=SOFT_ENFORCEMENT, document_number=number).exists()


def _number_allocate(locked: SoftAction, issued_on: dt.date) -> str:
    """The next number of the document's instrument and year, written to its row (see the
    module docstring: the unique index and a retry keep racing approvals apart; a number the
    ledger holds is passed over)."""
    year = issued_on.year
    seq = _next_seq(locked.instrument, year)
    for _attempt in range(rules.SOFT_ACTION_NUMBER_ATTEMPTS):
        number = rules.soft_action_number(locked.instrument, year, seq)
        if _number_in_ledger(number):
            seq += 1
            continue
        try:
            with transaction.atomic():  # a savepoint: a refused number leaves the rest intact
                SoftAction.objects.filter(pk=locked.pk).update(number=number, issued_on=issued_on)
        except IntegrityError:  # taken by a racing approval since: read again
            seq = _next_seq(locked.instrument, year)
            continue
        return number
    raise ValidationError(
        _("No document number could be allocated just now; please try again."),
        code="number_busy",
    )


@transaction.atomic
def soft_action_approve(*, actor: User, action: SoftAction, expected_version: int) -> SoftAction:
    """Approve a draft: it is issued today and takes its number.

    Rules: the actor holds `approve_softaction`; the document's department within the actor's
    jurisdiction; a draft only; four eyes (`SOFT_ACTION_APPROVER_DIFFERS`): whoever drafted it
    does not approve it; the version read.
    Side effects: number, issue date, approver; status approved (version + 1); audit event
    `remediation.soft_action_approved`.
    """
    from remediation.permissions import RemediationPerm

    if not actor.has_perm(RemediationPerm.APPROVE_SOFT_ACTION):
        raise ValidationError(_("You may not approve soft-enforcement documents."), code="denied")
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    _check_version(locked, expected_version)
    _check_move(locked, Status.APPROVED)
    if rules.SOFT_ACTION_APPROVER_DIFFERS and locked.created_by_id == actor.pk:
        raise ValidationError(
            _("You drafted this document: another officer must approve it (four eyes)."),
            code="own_draft",
        )
    today = _today()
    locked.number = _number_allocate(locked, today)
    locked.issued_on = today
    locked.status = Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    _touch(locked, ["number", "issued_on", "status", "approved_by", "approved_at"])
    _audit(actor=actor, event_type=events.SOFT_ACTION_APPROVED, action=locked)
    return locked


@transaction.atomic
def soft_action_cancel(
    *, actor: User, action: SoftAction, reason: str, expected_version: int
) -> SoftAction:
    """Cancel a document that was not served (a draft, or an approved one that must not go
    out). An approved document keeps its number, so the year's numbers stay without gaps.

    Rules: the document's department within the actor's jurisdiction; draft or approved only;
    a reason; the version read.
    Side effects: status cancelled (version + 1); audit event `remediation.soft_action_cancelled`
    with the reason.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    _check_version(locked, expected_version)
    _check_move(locked, Status.CANCELLED)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the document is cancelled.")]})
    locked.status = Status.CANCELLED
    _touch(locked, ["status"])
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_CANCELLED,
        action=locked,
        extra={"reason": reason.strip()},
    )
    return locked


# --- Service ------------------------------------------------------------------------------


def consent_in_force(enterprise_id: int | None) -> ElectronicServiceConsent | None:
    """The enterprise's consent to electronic service in force now, or None."""
    return None if enterprise_id is None else consent_for(enterprise_id=enterprise_id)


def _letter_fact(
    *, actor: User | None, locked: SoftAction, occurred_on: dt.date, summary: str
) -> None:
    """The non-public `soft_enforcement` fact of a letter to a market entity of the register
    (module docstring); nothing for any other addressee."""
    if locked.enterprise is None:
        return
    title = instrument_title(locked.instrument)
    details: dict[str, Any] = {
        "instrument": locked.instrument,
        "instrument_label": title,
        "soft_action": locked.pk,
    }
    if locked.deadline is not None:
        details["deadline"] = locked.deadline.isoformat()
        details["deadline_provisional"] = locked.deadline_provisional
    record = credit_record_append(
        enterprise=locked.enterprise,
        kind=SOFT_ENFORCEMENT,
        occurred_on=occurred_on,
        summary=summary,
        actor=actor,
        is_public=False,
        authority=issuer_name(locked.department),
        document_number=locked.number or "",
        details=details,
        source=locked,
    )
    locked.credit_record = record


def _serve(
    *,
    actor: User | None,
    locked: SoftAction,
    served_on: dt.date,
    method: str,
    receipt_signed_by: str,
) -> None:
    """Record the service of a locked, approved document (shared by staff and by the
    enterprise's opening under consent)."""
    locked.served_on = served_on
    locked.service_method = method
    locked.receipt_signed_by = receipt_signed_by
    locked.served_recorded_by = actor if actor is not None and actor.is_authenticated else None
    locked.status = Status.SERVED
    if locked.instrument == Instrument.INTERVIEW:
        # The "attend by" day the notice states (module docstring); no fact yet: the interview
        # and its commitments are the soft-enforcement act.
        days = locked.deadline_working_days or rules.INTERVIEW_ATTEND_WORKING_DAYS
        deadline = rules.soft_action_deadline(served_on, days)
        locked.deadline, locked.deadline_provisional = deadline.day, deadline.provisional
    elif locked.deadline_working_days:
        deadline = rules.soft_action_deadline(served_on, locked.deadline_working_days)
        locked.deadline, locked.deadline_provisional = deadline.day, deadline.provisional
        title = instrument_title(locked.instrument)
        _letter_fact(
            actor=actor,
            locked=locked,
            occurred_on=served_on,
            summary=f"{title}（{locked.number}）：{locked.reason}"[:1000],
        )
    _touch(
        locked,
        [
            "served_on",
            "service_method",
            "receipt_signed_by",
            "served_recorded_by",
            "status",
            "deadline",
            "deadline_provisional",
            "credit_record",
        ],
    )


@transaction.atomic
def soft_action_serve(
    *,
    actor: User,
    action: SoftAction,
    served_on: dt.date,
    method: str,
    receipt_signed_by: str,
    expected_version: int,
) -> SoftAction:
    """Record the service of an approved document (the proof of service, 送达回证).

    Rules: served once ("a document served twice" is refused, naming the first service); an
    approved document only; the version read; the day of service not in the future and not
    before the issue date; a known method; the signature on the proof of service for service
    in person or left at the premises; electronic service only while the enterprise's consent
    is in force (APL art. 61); the document's department within the actor's jurisdiction. The
    deadline is `deadline_working_days` WD after the day of service
    (`rules.soft_action_deadline`), stored with its provisional flag; for an interview notice,
    the day to attend by (its commitments set the next deadline: `interview_record`).
    Side effects: the document (status served, version + 1); for a letter to a market entity
    of the register, the `soft_enforcement` fact (module docstring); audit event
    `remediation.soft_action_served`.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    if locked.served_on is not None and locked.version != expected_version:
        # Two officers recording one service: the later one read the document before it was
        # served (a stale version), so it is a conflict, which says what happened.
        raise ConflictError(
            _(
                "Someone else recorded the service of this document first: served on %(day)s "
                "(%(method)s). A document is served once; nothing was recorded."
            )
            % {"day": locked.served_on.isoformat(), "method": locked.get_service_method_display()},
            current_version=locked.version,
        )
    if locked.served_on is not None:
        raise ValidationError(
            _(
                "This document was already served on %(day)s (%(method)s). A document is served "
                "once; nothing was recorded."
            )
            % {"day": locked.served_on.isoformat(), "method": locked.get_service_method_display()},
            code="served_twice",
        )
    _check_version(locked, expected_version)
    _check_move(locked, Status.SERVED)
    receipt_signed_by = (receipt_signed_by or "").strip()
    errors: dict[str, list[str]] = {}
    if served_on > _today():
        errors["served_on"] = [_("The date cannot be in the future.")]
    elif locked.issued_on is not None and served_on < locked.issued_on:
        errors["served_on"] = [
            _("A document cannot be served before it was issued (%(day)s).")
            % {"day": locked.issued_on.isoformat()}
        ]
    if method not in Method.values:
        errors["method"] = [_("Choose how the document was served.")]
    elif method == Method.ELECTRONIC and consent_in_force(locked.enterprise_id) is None:
        errors["method"] = [
            _(
                "Electronic service counts only where the party has consented to it (APL art. "
                "61), and this addressee has not."
            )
        ]
    if method in _NEEDS_SIGNATURE and not receipt_signed_by:
        errors["receipt_signed_by"] = [
            _("Name who signed the proof of service (or witnessed the service).")
        ]
    if errors:
        raise ValidationError(errors)
    _serve(
        actor=actor,
        locked=locked,
        served_on=served_on,
        method=method,
        receipt_signed_by=receipt_signed_by,
    )
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_SERVED,
        action=locked,
        extra={"served_on": served_on, "method": method, "deadline": locked.deadline},
    )
    return locked


@transaction.atomic
def soft_action_opened_online(*, user: User, action: SoftAction) -> SoftAction:
    """The enterprise opened its document in the self-service area (its page or its PDF).

    Rules: only a user of the addressed enterprise, and only a document it may see (approved
    or later); the first opening is recorded (`opened_at`) whatever else holds; the opening
    counts as service (method electronic, served that day) only while the enterprise's consent
    to electronic service is in force (APL art. 61, docs/domain.md §10) and the document is
    approved and not yet served. A later opening changes nothing.
    Side effects: `opened_at` the first time (audit event
    `remediation.soft_action_opened_online`); on service, as `soft_action_serve`, recorded by
    the system (no `served_recorded_by`, the ledger fact's recorder none; the receipt signed by
    this user; the audit event `remediation.soft_action_served` names this user).
    """
    membership = getattr(user, "enterprise_membership", None)
    if (
        membership is None
        or action.enterprise_id is None
        or membership.enterprise_id != action.enterprise_id
    ):
        raise ValidationError(_("This document is not addressed to your enterprise."))
    locked = _locked(action)
    if locked.status not in rules.SOFT_ACTION_VISIBLE_TO_ENTERPRISE:
        return locked
    first = locked.opened_at is None
    serves = locked.status == Status.APPROVED and consent_in_force(locked.enterprise_id)
    if not first and not serves:
        return locked
    if first:
        # Not a change staff act on: the version stays, so no officer's form goes stale.
        locked.opened_at = timezone.now()
        locked.save(update_fields=["opened_at"])
        _audit(
            actor=user,
            event_type=events.SOFT_ACTION_OPENED,
            action=locked,
            extra={"opened_at": locked.opened_at},
        )
    if serves:
        today = _today()
        # Served by the system on the department's behalf: no officer records it, so the
        # document names no server (the proof of service names the department) and the ledger
        # fact is recorded by the system; the audit events name the user who opened it.
        _serve(
            actor=None,
            locked=locked,
            served_on=today,
            method=Method.ELECTRONIC,
            receipt_signed_by=person_name(user)[:64],
        )
        _audit(
            actor=user,
            event_type=events.SOFT_ACTION_SERVED,
            action=locked,
            extra={"served_on": today, "method": Method.ELECTRONIC, "deadline": locked.deadline},
        )
    return locked


# --- Consent to electronic service --------------------------------------------------------


def _member_enterprise(user: User) -> Enterprise:
    membership = getattr(user, "enterprise_membership", None)
    if membership is None:
        raise ValidationError(_("Only a user of an enterprise can give or withdraw its consent."))
    return Enterprise.objects.select_for_update().get(pk=membership.enterprise_id)


@transaction.atomic
def electronic_service_consent_give(*, user: User) -> ElectronicServiceConsent:
    """The enterprise consents to electronic service (APL art. 61): from now on, the first
    opening of an approved document in the self-service area is its service.

    Rules: a user of the enterprise; one consent in force at a time (giving it again is
    refused, saying since when it holds).
    Side effects: the consent row; audit event `remediation.electronic_service_consent_given`.
    """
    enterprise = _member_enterprise(user)  # the lock serialises two clicks
    current = consent_in_force(enterprise.pk)
    if current is not None:
        raise ValidationError(
            _("Your enterprise has consented to electronic service since %(day)s.")
            % {"day": timezone.localdate(current.given_at).isoformat()},
            code="already",
        )
    consent = ElectronicServiceConsent.objects.create(enterprise=enterprise, given_by=user)
    audit_event_record(
        actor=user, event_type=events.CONSENT_GIVEN, target=consent, enterprise=enterprise
    )
    return consent


@transaction.atomic
def electronic_service_consent_withdraw(*, user: User) -> ElectronicServiceConsent:
    """The enterprise withdraws its consent: documents are served on paper again. A service
    already made stays made.

    Rules: a user of the enterprise; a consent in force.
    Side effects: `withdrawn_at`; audit event
    `remediation.electronic_service_consent_withdrawn`.
    """
    enterprise = _member_enterprise(user)
    current = consent_in_force(enterprise.pk)
    if current is None:
        raise ValidationError(
            _("Your enterprise has not consented to electronic service."), code="none"
        )
    current.withdrawn_at = timezone.now()
    current.save(update_fields=["withdrawn_at"])
    audit_event_record(
        actor=user, event_type=events.CONSENT_WITHDRAWN, target=current, enterprise=enterprise
    )
    return current


# --- After service ------------------------------------------------------------------------


def _after_service(locked: SoftAction, day: dt.date, field: str) -> None:
    _not_future(day, field)
    if locked.served_on is not None and day < locked.served_on:
        raise ValidationError(
            {
                field: [
                    _("The date is before the document was served (%(day)s).")
                    % {"day": locked.served_on.isoformat()}
                ]
            }
        )


@transaction.atomic
def soft_action_rectified(
    *,
    actor: User,
    action: SoftAction,
    rectified_on: dt.date,
    report: str,
    expected_version: int,
) -> SoftAction:
    """Record that the addressee rectified (its report received and verified).

    Rules: the document's department within the actor's jurisdiction; a served or overdue
    document (rectification after the deadline is allowed and reads "replied late"); not
    before service, not in the future; an interview only after it was held, and not before
    that day; the report; the version read.
    Side effects: status rectified (version + 1); the `letter_reply` fact closing the letter's
    fact, dated `rectified_on`; audit event `remediation.soft_action_rectified`.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    _check_version(locked, expected_version)
    _check_move(locked, Status.RECTIFIED)
    interview = Interview.objects.filter(action=locked).first()
    if locked.instrument == Instrument.INTERVIEW and interview is None:
        raise ValidationError(
            _("Record the interview and its commitments before its rectification."),
            code="no_interview",
        )
    _after_service(locked, rectified_on, "rectified_on")
    if interview is not None and rectified_on < interview.held_on:
        raise ValidationError(
            {
                "rectified_on": [
                    _("The date is before the interview was held (%(day)s).")
                    % {"day": interview.held_on.isoformat()}
                ]
            }
        )
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": [_("Summarise the rectification report.")]})
    if locked.credit_record_id is not None:
        title = instrument_title(locked.instrument)
        locked.reply_record = credit_record_append(
            enterprise=locked.enterprise,  # type: ignore[arg-type]
            kind=LETTER_REPLY,
            occurred_on=rectified_on,
            summary=f"收到对{title}（{locked.number}）的整改报告"[:1000],
            actor=actor,
            is_public=False,
            authority=issuer_name(locked.department),
            document_number=locked.number or "",
            details={
                "soft_action": locked.pk,
                "late": bool(locked.deadline and rectified_on > locked.deadline),
            },
            source=locked,
            closes=locked.credit_record,
        )
    locked.status = Status.RECTIFIED
    locked.rectified_on = rectified_on
    locked.rectification_report = report
    locked.rectification_verified_by = actor
    _touch(
        locked,
        [
            "status",
            "rectified_on",
            "rectification_report",
            "rectification_verified_by",
            "reply_record",
        ],
    )
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_RECTIFIED,
        action=locked,
        extra={"rectified_on": rectified_on, "deadline": locked.deadline},
    )
    return locked


@transaction.atomic
def interview_record(
    *,
    actor: User,
    action: SoftAction,
    held_on: dt.date,
    place: str,
    attendees: str,
    minutes: str,
    commitments: str,
    commitments_due: dt.date | None = None,
    expected_version: int,
) -> Interview:
    """Record a reminder interview (约谈): who attended, the minutes, the commitments and the
    day they are due.

    Rules: the document's department within the actor's jurisdiction; an interview document,
    served (its notice), recorded once; held on or after the day of service, not in the future;
    place, attendees, minutes and commitments given; the commitments' deadline after the
    interview (without one: `INTERVIEW_COMMITMENT_WORKING_DAYS` WD after it); the version read.
    A notice marked overdue for want of a recorded interview (a no-show) may still have its
    interview recorded (held late, or recorded late): it is then served again, with the
    commitments' deadline.
    Side effects: the interview row; the document's deadline (version + 1; status served,
    `overdue_on` cleared for a no-show); for a market entity of the register, the
    `soft_enforcement` fact, dated the day held, with that deadline (module docstring); audit
    event `remediation.soft_action_interview_recorded`.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    _check_version(locked, expected_version)
    if locked.instrument != Instrument.INTERVIEW:
        raise ValidationError(_("Only an interview has minutes and commitments."), code="kind")
    if Interview.objects.filter(action=locked).exists():
        raise ValidationError(_("This interview has already been recorded."), code="twice")
    if locked.status not in (Status.SERVED, Status.OVERDUE):
        raise ValidationError(
            _("Record the interview after its notice was served; this document is: %(status)s.")
            % {"status": locked.get_status_display()},
            code="invalid_state",
        )
    _after_service(locked, held_on, "held_on")
    texts = {
        "place": (place or "").strip(),
        "attendees": (attendees or "").strip(),
        "minutes": (minutes or "").strip(),
        "commitments": (commitments or "").strip(),
    }
    errors = {k: [_("This field is required.")] for k, v in texts.items() if not v}
    if commitments_due is not None and commitments_due <= held_on:
        errors["commitments_due"] = [_("The commitments fall due after the interview.")]
    if errors:
        raise ValidationError(errors)
    no_show = locked.status == Status.OVERDUE
    if commitments_due is None:
        deadline = rules.soft_action_deadline(held_on, rules.INTERVIEW_COMMITMENT_WORKING_DAYS)
        locked.deadline, locked.deadline_provisional = deadline.day, deadline.provisional
    else:
        from credit_portal.workdays import is_provisional

        locked.deadline = commitments_due
        locked.deadline_provisional = is_provisional(held_on, commitments_due)
    interview = Interview.objects.create(action=locked, recorded_by=actor, held_on=held_on, **texts)
    _letter_fact(
        actor=actor,
        locked=locked,
        occurred_on=held_on,
        summary=(
            f"约谈提醒（{locked.number}）：{locked.reason.rstrip('。；;. ')}。"
            f"承诺：{texts['commitments']}"
        )[:1000],
    )
    if no_show:
        locked.status, locked.overdue_on = Status.SERVED, None
    _touch(locked, ["deadline", "deadline_provisional", "credit_record", "status", "overdue_on"])
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_INTERVIEW,
        action=locked,
        extra={"held_on": held_on, "deadline": locked.deadline, "recorded_late": no_show},
    )
    return interview


@transaction.atomic
def follow_up_visit_record(
    *,
    actor: User,
    action: SoftAction,
    visited_on: dt.date,
    outcome: str,
    notes: str = "",
) -> FollowUpVisit:
    """Record a return visit (回访) to check the rectification.

    Rules: the document's department within the actor's jurisdiction; after service (the day
    not before it, not in the future); any state from served on (a visit may come after the
    rectification or the escalation); a known outcome; notes for "not rectified".
    Side effects: the visit row; audit event `remediation.soft_action_visit_recorded`. The
    document is not changed (nor its version): rectification is recorded on its own.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    if locked.served_on is None:
        raise ValidationError(
            _("A follow-up visit comes after the document was served."), code="invalid_state"
        )
    _after_service(locked, visited_on, "visited_on")
    errors: dict[str, list[str]] = {}
    if outcome not in FollowUpVisit.Outcome.values:
        errors["outcome"] = [_("Choose what the visit found.")]
    notes = (notes or "").strip()
    if outcome == FollowUpVisit.Outcome.NOT_RECTIFIED and not notes:
        errors["notes"] = [_("Say what was found not rectified.")]
    if errors:
        raise ValidationError(errors)
    visit = FollowUpVisit.objects.create(
        action=locked, visited_on=visited_on, outcome=outcome, notes=notes, visited_by=actor
    )
    _audit(
        actor=actor,
        event_type=events.SOFT_ACTION_VISIT,
        action=locked,
        extra={"visited_on": visited_on, "outcome": outcome},
    )
    return visit


@transaction.atomic
def soft_action_escalate(
    *, actor: User, action: SoftAction, note: str, expected_version: int
) -> SoftAction:
    """Escalate an overdue document: the officer proposes to open a case (or a listing), with
    the reasons. The case itself is opened through its own service.

    Rules: the document's department within the actor's jurisdiction; overdue only (§9:
    OVERDUE → escalation; an interview notice not attended is overdue too); a note; the version
    read.
    Side effects: status escalated, dated today (version + 1); audit event
    `remediation.soft_action_escalated`.
    """
    locked = _locked(action)
    _check_jurisdiction(actor, locked)
    _check_version(locked, expected_version)
    _check_move(locked, Status.ESCALATED)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why and how the matter is escalated.")]})
    locked.status = Status.ESCALATED
    locked.escalated_on = _today()
    locked.escalation_note = note
    _touch(locked, ["status", "escalated_on", "escalation_note"])
    _audit(actor=actor, event_type=events.SOFT_ACTION_ESCALATED, action=locked)
    return locked


# --- The daily job ------------------------------------------------------------------------


def soft_actions_mark_overdue(*, on: dt.date) -> int:
    """Mark overdue every served document whose deadline has passed by `on`: the daily job
    (called by the portal's job runner for the run's date; idempotent: a second run finds
    nothing). Returns how many were marked.

    Rules: status served and deadline < `on` (the deadline day itself is in time); the date
    the law fixes is kept: `overdue_on` is the day after the deadline, whatever day the job
    runs. An interview notice whose interview is not recorded by its "attend by" day (its
    deadline while served) is a no-show and is marked overdue the same way. Set-based: one
    UPDATE whose filter is its own source (no list of ids), stamping the rows it changes with
    this run's `updated_at`; one INSERT ... SELECT of their audit events from the rows so
    stamped (the UPDATE holds their locks until the commit, so no other writer comes between);
    no query per document.
    Side effects: status overdue, `overdue_on`, version + 1; audit events
    `remediation.soft_action_overdue` (actor: the system). No ledger fact: the letters pages
    derive "overdue" from the deadline the fact already holds.
    """
    with transaction.atomic():
        stamp = timezone.now()
        marked = SoftAction.objects.filter(status=Status.SERVED, deadline__lt=on).update(
            status=Status.OVERDUE,
            overdue_on=ExpressionWrapper(
                F("deadline") + dt.timedelta(days=1), output_field=DateField()
            ),
            version=F("version") + 1,
            updated_at=stamp,
        )
        if not marked:
            return 0
        table = connection.ops.quote_name(SoftAction._meta.db_table)
        postgres = connection.vendor == "postgresql"
        build = "jsonb_build_object" if postgres else "json_object"
        insert_select(
            AuditEvent,
            {
                "actor_id": None,
                "event_type": events.SOFT_ACTION_OVERDUE,
                "enterprise_id": Sql("s.enterprise_id"),
                "target_type": SoftAction._meta.label_lower,
                "target_id": Sql("CAST(s.id AS TEXT)"),
                "target_repr": Sql(
                    "SUBSTR(COALESCE(s.number, '') || ' ' || s.addressee_name, 1, 200)"
                ),
                "extra": Sql(
                    f"{build}('number', s.number, 'deadline', CAST(s.deadline AS TEXT), "
                    f"'overdue_on', CAST(s.overdue_on AS TEXT), 'run_on', CAST(%s AS TEXT))",
                    (on.isoformat(),),
                ),
                "request_id": current_request_id() or "",
                "ip_address": current_client_ip() or None,
            },
            source=f"{table} s WHERE s.status = %s AND s.updated_at = %s",
            params=[Status.OVERDUE, connection.ops.adapt_datetimefield_value(stamp)],
        )
        return int(marked)
