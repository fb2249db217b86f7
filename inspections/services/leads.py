"""Leads (线索): reports of violations (举报), consumer complaints (投诉) and referrals from other
departments (移送), each on its own legal clock in working days (docs/domain.md §10
"Complaints and reports", 市场监督管理投诉举报处理暂行办法; numbers in `inspections.rules`).

Clocks (`credit_portal.workdays.deadline_after`: the day of the event never counts):
- 举报, a report, and a referral (verified like a report): verified and decided (case opened,
  or no case) within `REPORT_VERIFY_WORKING_DAYS` (15) WD of receipt, extendable once, with a
  reason, by `REPORT_EXTENSION_WORKING_DAYS` (15) WD counted from the first due day, before it
  runs out. A reporter who gave a name (and a way to reach them) is told within
  `REPORT_NOTIFY_WORKING_DAYS` (5) WD of the decision whether a case was opened; how and when
  they were told is recorded.
- 投诉, a complaint: accepted or refused (with the reason) within
  `COMPLAINT_ACCEPT_WORKING_DAYS` (7) WD of receipt; the mediation then ends within
  `COMPLAINT_MEDIATION_WORKING_DAYS` (45) WD of the acceptance (agreement, no agreement,
  withdrawn). A violation found during mediation is recorded as such.

What a lead leads to (docs/domain.md §2 "Triggered checks", §10): a report or referral with a
case opened, and a violation found during mediation, become a triggered inspection
(`inspections.services.inspections.inspection_trigger`, outside every random pool and its
exclusions), due `TRIGGERED_DUE_WORKING_DAYS` WD after the decision; they need the registered
entity and the items to check. A complaint accepted, or a report with a case opened, against a
registered entity appends the non-public ledger fact `complaint` (source: the lead), which says
only that one was made: no name, no content.

The reporter's identity (name, phone, email) is never disclosed: not in an audit event, a
ledger fact, a public page, the enterprise's pages or an API answer. Handling staff read it on
the lead's own page only, and each reading is audited (`lead_reporter_view`). A public reporter
keeps a receipt code (shown once, stored as a SHA-256 digest) to follow the lead's status.

Who acts: staff of the lead's handling department, and the bureau's (every lead); each step
locks the lead, compares the version read (a stale one is a `ConflictError`: nothing is
written), validates, writes and records its audit event (and its fact, its inspection) in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import Department, StaffProfile, User
from credit_portal.selectors import departments_of_jurisdiction
from credit_portal.text import character_label, invisible_characters, unstorable_character
from credit_portal.workdays import add_working_days, deadline_after
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from inspections import audit_events as events
from inspections import rules
from inspections.kinds import COMPLAINT
from inspections.models import Inspection, InspectionItem, Lead

Kind = Lead.Kind
Status = Lead.Status
Channel = Lead.Channel
Decision = Lead.Decision
Outcome = Lead.MediationOutcome

OPEN_STATUSES = (Status.RECEIVED, Status.VERIFYING, Status.MEDIATING)
# Lengths of free text (the model's limits; the content is kept to a readable size).
CONTENT_MAX = 4000
NOTE_MAX = 4000
REASON_MAX = 300
NAME_MAX = 64
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{5,30}[0-9]$")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
NUMBER_ATTEMPTS = 5
# How a named reporter was told of the decision.
NOTIFY_METHODS = tuple(Lead.NotifyMethod.values)


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- receipt codes


def receipt_code_new() -> str:
    """A fresh receipt code: `RECEIPT_CODE_LENGTH` symbols in groups of four (ABCD-EFGH-...)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(rules.RECEIPT_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def receipt_normalize(code: str) -> str:
    """A code as typed, without spaces and dashes, in capitals (what the digest is taken of)."""
    return re.sub(r"[\s\-－—]", "", code or "").upper()


def receipt_digest(code: str) -> str:
    return hashlib.sha256(receipt_normalize(code).encode()).hexdigest()


# --------------------------------------------------------------------------- helpers


def _is_staff(actor: User | None) -> bool:
    return bool(
        actor is not None
        and actor.is_authenticated
        and (actor.is_superuser or StaffProfile.objects.filter(user=actor).exists())
    )


def _actor_department(actor: User) -> Department | None:
    profile = StaffProfile.objects.filter(user=actor).select_related("department").first()
    return profile.department if profile is not None else None


def within_jurisdiction(actor: User | None, lead: Lead) -> bool:
    """Whether the lead's handling department is within the staff user's jurisdiction (the
    bureau's staff: every lead; a partner department's: its own)."""
    if actor is None or not actor.is_authenticated:
        return False
    return departments_of_jurisdiction(user=actor).filter(pk=lead.department_id).exists()


def _jurisdiction_problem(actor: User, lead: Lead) -> None:
    if not within_jurisdiction(actor, lead):
        raise ValidationError(
            _(
                "This lead is handled by another department: only that department and the "
                "bureau act on it."
            ),
            code="jurisdiction",
        )


def _text_problems(
    problems: dict[str, list[str]],
    field: str,
    value: str,
    *,
    limit: int,
    required: str | None = None,
    visible: bool = False,
) -> str:
    """`value` stripped; its problems (missing, too long, characters a database cannot hold,
    invisible characters in a name or an address) added to `problems[field]`."""
    value = (value or "").strip()
    if not value:
        if required:
            problems.setdefault(field, []).append(required)
        return value
    if len(value) > limit:
        problems.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
    bad = unstorable_character(value)
    if bad is not None:
        problems.setdefault(field, []).append(
            _("This text contains a character that cannot be stored (%(ch)s).")
            % {"ch": character_label(bad)}
        )
    elif visible:
        hidden = invisible_characters(value)
        if hidden:
            problems.setdefault(field, []).append(
                _("Remove the invisible characters: %(chars)s.")
                % {"chars": ", ".join(character_label(c) for c in hidden)}
            )
    return value


def _locked(lead: Lead, expected_version: int) -> Lead:
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else acted on this lead first: it is now “%(status)s”. Nothing was "
                "written; read it again before you act."
            )
            % {"status": locked.get_status_display()},
            current_version=locked.version,
        )
    return locked


def _status_problem(lead: Lead, allowed: Sequence[str], kinds: Sequence[str] = ()) -> None:
    if kinds and lead.kind not in kinds:
        raise ValidationError(
            _("That step is not for a lead of this kind (“%(kind)s”).")
            % {"kind": lead.get_kind_display()},
            code="kind",
        )
    if lead.status not in allowed:
        raise ValidationError(
            _("This lead is “%(status)s”: that step is no longer possible.")
            % {"status": lead.get_status_display()},
            code="status",
        )


def _saved(lead: Lead) -> Lead:
    lead.version += 1
    lead.save()
    return lead


def _audit(actor: User | None, event_type: str, lead: Lead, **extra: Any) -> None:
    """An audit event of the lead. Never the reporter's identity nor the content: only the
    number, the kind and what the step changed."""
    audit_event_record(
        actor=actor,
        event_type=event_type,
        target=lead,
        enterprise=lead.enterprise,
        extra={"number": lead.number, "kind": lead.kind, **extra},
    )


def is_named(lead: Lead) -> bool:
    """Whether the reporter gave a name (and is therefore told of the decision)."""
    return not lead.anonymous and bool(lead.reporter_name.strip())


# --------------------------------------------------------------------------- numbers


def _next_seq(year: int) -> int:
    stem = rules.LEAD_NUMBER_FORMAT.split("{seq")[0].format(year=year)
    seqs = []
    for number in Lead.objects.filter(number__startswith=stem).values_list("number", flat=True):
        tail = number[len(stem) :]
        if tail.isdigit():
            seqs.append(int(tail))
    return max(seqs, default=0) + 1


def _number_allocate(lead_pk: int, year: int) -> str:
    """The next number of the year, written to the row (a unique index and a retry keep two
    leads entered at once apart)."""
    seq = _next_seq(year)
    for _attempt in range(NUMBER_ATTEMPTS):
        number = rules.LEAD_NUMBER_FORMAT.format(year=year, seq=seq)
        try:
            with transaction.atomic():
                Lead.objects.filter(pk=lead_pk).update(number=number)
        except IntegrityError:
            seq = max(_next_seq(year), seq + 1)  # taken by a lead entered meanwhile
            continue
        return number
    raise ValidationError(
        _("No lead number could be allocated just now; please try again."), code="number_busy"
    )


# --------------------------------------------------------------------------- create


def _contact_problems(problems: dict[str, list[str]], phone: str, email: str) -> tuple[str, str]:
    phone = (phone or "").strip()
    email = (email or "").strip()
    if phone and not PHONE_PATTERN.match(phone):
        problems.setdefault("reporter_phone", []).append(
            _("Give a phone number the bureau can call (digits, for example 13800000000).")
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.setdefault("reporter_email", []).append(_("Enter a valid email address."))
    return phone, email


@transaction.atomic
def lead_create(
    *,
    actor: User | None,
    kind: str,
    channel: str,
    received_on: dt.date,
    subject_name: str,
    content: str,
    enterprise: Enterprise | None = None,
    anonymous: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    referring_department: Department | None = None,
    referral_document: str = "",
    subject_address: str = "",
    department: Department | None = None,
) -> tuple[Lead, str]:
    """Receive a lead; returns it and its receipt code ("" for a referral), which is shown once
    and kept only as a digest.

    Rules:
    - From the public (no staff actor: anonymous visitors, enterprise users): the web form
      only, a report or a complaint, received today; handled by the bureau.
    - From staff: any channel but the web form; received on a day not in the future; handled
      by `department` (within the actor's jurisdiction), else the actor's own department
      (a referral: the bureau).
    - A referral comes through a referral document of another department: the referring
      department (not the handling one) and the document number required; no reporter.
    - A complaint needs the complainant's name and a phone number or email (they are party to
      the mediation): never anonymous. A report may be anonymous (then no name or contact is
      kept); a named reporter gives a phone number or an email, to be told of the decision.
    - Who and what: the name of whom it is about (the registered entity's name when one is
      given), what happened; names and addresses without invisible characters.
    Side effects: the lead, numbered 线索〔year〕NNNN; its first clock (verify by, or accept
    by); an audit event (no identity, no content).
    """
    today = _today()
    staff = _is_staff(actor)
    problems: dict[str, list[str]] = {}
    if kind not in Kind.values:
        problems.setdefault("kind", []).append(_("Choose the kind of lead."))
    if channel not in Channel.values:
        problems.setdefault("channel", []).append(_("Choose how the lead came in."))
    if not staff:
        if channel != Channel.WEB:
            problems.setdefault("channel", []).append(
                _("From the public, a lead comes through the web form.")
            )
        if kind == Kind.REFERRAL:
            problems.setdefault("kind", []).append(
                _("Only staff record a referral from another department.")
            )
        if received_on != today:
            problems.setdefault("received_on", []).append(
                _("A lead sent through the web form is received the day it is sent.")
            )
    elif channel == Channel.WEB:
        problems.setdefault("channel", []).append(
            _("The web form is the public's: enter a phone call, letter, visit or referral.")
        )
    if kind == Kind.REFERRAL and channel in Channel.values and channel != Channel.REFERRAL:
        problems.setdefault("channel", []).append(_("A referral comes with a referral document."))
    if kind in (Kind.REPORT, Kind.COMPLAINT) and channel == Channel.REFERRAL:
        problems.setdefault("channel", []).append(
            _("A referral document brings a referral: choose the kind “referral”.")
        )
    if received_on > today:
        problems.setdefault("received_on", []).append(
            _("The day received cannot be in the future.")
        )

    if enterprise is not None and not (subject_name or "").strip():
        subject_name = enterprise.name
    subject_name = _text_problems(
        problems,
        "subject_name",
        subject_name,
        limit=200,
        required=_("Name the business or person the lead is about."),
        visible=True,
    )
    subject_address = _text_problems(
        problems, "subject_address", subject_address, limit=255, visible=True
    )
    content = _text_problems(
        problems,
        "content",
        content,
        limit=CONTENT_MAX,
        required=_("Say what happened: when, where, what was sold or done."),
    )
    reporter_name = _text_problems(
        problems, "reporter_name", reporter_name, limit=NAME_MAX, visible=True
    )
    reporter_phone, reporter_email = _contact_problems(problems, reporter_phone, reporter_email)
    referral_document = _text_problems(problems, "referral_document", referral_document, limit=64)

    if kind == Kind.REFERRAL:
        if referring_department is None:
            problems.setdefault("referring_department", []).append(
                _("Choose the department that referred it.")
            )
        if not referral_document:
            problems.setdefault("referral_document", []).append(
                _("Give the referral document's number.")
            )
        if anonymous or reporter_name or reporter_phone or reporter_email:
            problems.setdefault("reporter_name", []).append(
                _("A referral has no reporter: the referring department is its source.")
            )
    else:
        if referring_department is not None or referral_document:
            problems.setdefault("referring_department", []).append(
                _("Only a referral names a referring department and its document.")
            )
        if kind == Kind.COMPLAINT:
            if anonymous:
                problems.setdefault("anonymous", []).append(
                    _("A complaint cannot be anonymous: the complainant is party to the mediation.")
                )
            if not reporter_name:
                problems.setdefault("reporter_name", []).append(_("Give the complainant's name."))
            if not (reporter_phone or reporter_email):
                problems.setdefault("reporter_phone", []).append(
                    _("Give a phone number or an email to reach the complainant.")
                )
        elif anonymous:
            if reporter_name or reporter_phone or reporter_email:
                problems.setdefault("anonymous", []).append(
                    _(
                        "An anonymous report keeps no name or contact: clear them, or report "
                        "with your name."
                    )
                )
        elif reporter_name and not (reporter_phone or reporter_email):
            problems.setdefault("reporter_phone", []).append(
                _("Give a phone number or an email, so that you can be told of the decision.")
            )
        elif not reporter_name and (reporter_phone or reporter_email):
            problems.setdefault("reporter_name", []).append(
                _("Give your name with your contact, or report anonymously.")
            )

    # The handling department.
    handling: Department | None = department
    if handling is None:
        if staff and kind != Kind.REFERRAL:
            assert actor is not None  # noqa: S101 - staff
            handling = _actor_department(actor)
        handling = handling or Department.objects.filter(is_bureau=True).first()
        if handling is None:
            problems.setdefault("department", []).append(
                _("The bureau is not set up: no department is marked as the bureau.")
            )
    elif not staff:
        problems.setdefault("department", []).append(
            _("The public does not choose the handling department.")
        )
    elif (
        kind != Kind.REFERRAL
        and actor is not None
        and not departments_of_jurisdiction(user=actor).filter(pk=handling.pk).exists()
    ):
        problems.setdefault("department", []).append(
            _("Choose a department within your jurisdiction.")
        )
    if (
        kind == Kind.REFERRAL
        and referring_department is not None
        and handling is not None
        and referring_department.pk == handling.pk
    ):
        problems.setdefault("referring_department", []).append(
            _("A referral comes from another department than the one that handles it.")
        )
    if problems:
        raise ValidationError(problems)
    assert handling is not None  # noqa: S101 - checked above

    code = "" if kind == Kind.REFERRAL else receipt_code_new()
    lead = Lead(
        number=f"tmp-{secrets.token_hex(8)}",
        kind=kind,
        channel=channel,
        received_on=received_on,
        enterprise=enterprise,
        subject_name=subject_name,
        subject_address=subject_address,
        content=content,
        anonymous=bool(anonymous) and kind == Kind.REPORT,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_email=reporter_email,
        receipt_digest=receipt_digest(code) if code else "",
        referring_department=referring_department if kind == Kind.REFERRAL else None,
        referral_document=referral_document,
        department=handling,
        created_by=actor if staff else None,
    )
    if kind == Kind.COMPLAINT:
        lead.accept_due = deadline_after(received_on, rules.COMPLAINT_ACCEPT_WORKING_DAYS).day
    else:
        lead.verify_due = deadline_after(received_on, rules.REPORT_VERIFY_WORKING_DAYS).day
    lead.save()
    lead.number = _number_allocate(lead.pk, today.year)
    _audit(
        actor if staff else None,
        events.LEAD_RECEIVED,
        lead,
        channel=channel,
        received_on=received_on,
        department=handling.pk,
        verify_due=lead.verify_due,
        accept_due=lead.accept_due,
        referring_department=lead.referring_department_id,
        referral_document=referral_document,
    )
    return lead, code


# --------------------------------------------------------------------------- staff steps


@transaction.atomic
def lead_assign(*, actor: User, lead: Lead, handler: User, expected_version: int) -> Lead:
    """Give the lead to a handler: a member of the handling department's staff (or the
    bureau's) who may handle leads. A report or referral just received is then being verified.
    Side effects: handler (status verifying for a report received); an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, OPEN_STATUSES)
    if not handler.has_perm("inspections.handle_lead") or not within_jurisdiction(handler, locked):
        raise ValidationError(
            {"handler": [_("Choose a colleague of the handling department who handles leads.")]}
        )
    locked.handler = handler
    if locked.kind != Kind.COMPLAINT and locked.status == Status.RECEIVED:
        locked.status = Status.VERIFYING
    _saved(locked)
    _audit(actor, events.LEAD_CHANGED, locked, step="assigned", handler=handler.pk)
    return locked


@transaction.atomic
def lead_link_enterprise(
    *, actor: User, lead: Lead, enterprise: Enterprise, expected_version: int
) -> Lead:
    """Link an open lead to the registered entity it is about (a lead may come in with a free
    text name). Side effects: enterprise; an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, OPEN_STATUSES)
    previous = locked.enterprise_id
    locked.enterprise = enterprise
    _saved(locked)
    _audit(
        actor,
        events.LEAD_CHANGED,
        locked,
        step="linked",
        enterprise_before=previous,
        uscc=enterprise.uscc,
    )
    return locked


@transaction.atomic
def lead_extend(*, actor: User, lead: Lead, reason: str, expected_version: int) -> Lead:
    """Extend the time to verify a report or referral, once, by `REPORT_EXTENSION_WORKING_DAYS`
    WD counted from the day it was due (domain.md §10), with the reason, before it runs out.
    Side effects: verify_due, extended_on, extension_reason; an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, (Status.RECEIVED, Status.VERIFYING), (Kind.REPORT, Kind.REFERRAL))
    today = _today()
    problems: dict[str, list[str]] = {}
    reason = _text_problems(
        problems, "reason", reason, limit=REASON_MAX, required=_("Say why more time is needed.")
    )
    if locked.extended_on is not None:
        problems.setdefault("reason", []).append(
            _("The time to verify was already extended on %(day)s: it is extended once only.")
            % {"day": locked.extended_on.isoformat()}
        )
    assert locked.verify_due is not None  # noqa: S101 - set at creation
    if today > locked.verify_due:
        problems.setdefault("reason", []).append(
            _("The time to verify ended on %(day)s: an extension is decided before it runs out.")
            % {"day": locked.verify_due.isoformat()}
        )
    if problems:
        raise ValidationError(problems)
    before = locked.verify_due
    locked.verify_due = add_working_days(before, rules.REPORT_EXTENSION_WORKING_DAYS)
    locked.extended_on = today
    locked.extension_reason = reason
    _saved(locked)
    _audit(
        actor,
        events.LEAD_CHANGED,
        locked,
        step="extended",
        verify_due_before=before,
        verify_due=locked.verify_due,
        reason=reason,
    )
    return locked


def _items_problems(
    problems: dict[str, list[str]], items: Sequence[InspectionItem] | QuerySet[InspectionItem]
) -> list[InspectionItem]:
    chosen = list(items)
    if not chosen:
        problems.setdefault("items", []).append(_("Choose the items the inspection checks."))
    inactive = [i.code for i in chosen if not i.is_active]
    if inactive:
        problems.setdefault("items", []).append(
            _("These items are no longer in use: %(codes)s.") % {"codes": ", ".join(inactive)}
        )
    return chosen


def _enterprise_problems(problems: dict[str, list[str]], lead: Lead) -> None:
    if lead.enterprise_id is None:
        problems.setdefault("enterprise", []).append(
            _(
                "An inspection needs the registered entity: link the lead to it first (by its "
                "credit code)."
            )
        )


def _trigger(actor: User, lead: Lead, items: list[InspectionItem], today: dt.date) -> Inspection:
    """The triggered inspection of a lead (H3's service; imported here, when needed)."""
    from inspections.services.inspections import inspection_trigger

    due = deadline_after(today, rules.TRIGGERED_DUE_WORKING_DAYS).day
    return inspection_trigger(actor=actor, lead=lead, items=items, due_by=due)


def _complaint_fact(actor: User, lead: Lead, today: dt.date) -> CreditRecord | None:
    """The non-public `complaint` fact against a registered entity (source: the lead): it says
    a complaint was accepted or a report led to a case, nothing of who or what."""
    if lead.enterprise is None:
        return None
    summary = "投诉已受理" if lead.kind == Kind.COMPLAINT else "举报经核查已立案"
    return credit_record_append(
        enterprise=lead.enterprise,
        kind=COMPLAINT,
        occurred_on=today,
        summary=summary,
        actor=actor,
        is_public=False,
        details={"lead": lead.number, "lead_kind": lead.kind},
        source=lead,
    )


@transaction.atomic
def lead_decide(
    *,
    actor: User,
    lead: Lead,
    decision: str,
    note: str,
    expected_version: int,
    items: Sequence[InspectionItem] | QuerySet[InspectionItem] = (),
) -> Lead:
    """Decide a verified report or referral: a case opened, or none (with what the verification
    found). A case opened becomes a triggered inspection of the chosen items (the registered
    entity needed) and, for a report against a registered entity, the non-public `complaint`
    fact. A named reporter is to be told within `REPORT_NOTIFY_WORKING_DAYS` WD.
    Side effects: decision, decided_on, decision_note, notify_due, status closed; the
    inspection; the fact; an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, (Status.RECEIVED, Status.VERIFYING), (Kind.REPORT, Kind.REFERRAL))
    today = _today()
    problems: dict[str, list[str]] = {}
    if decision not in Decision.values:
        problems.setdefault("decision", []).append(_("Choose: a case opened, or no case."))
    note = _text_problems(
        problems,
        "note",
        note,
        limit=NOTE_MAX,
        required=_("Say what the verification found."),
    )
    chosen: list[InspectionItem] = []
    if decision == Decision.CASE_OPENED:
        _enterprise_problems(problems, locked)
        chosen = _items_problems(problems, items)
    if problems:
        raise ValidationError(problems)
    locked.decision = decision
    locked.decided_on = today
    locked.decision_note = note
    locked.status = Status.CLOSED
    if is_named(locked):
        locked.notify_due = deadline_after(today, rules.REPORT_NOTIFY_WORKING_DAYS).day
    _saved(locked)
    inspection = None
    fact = None
    if decision == Decision.CASE_OPENED:
        inspection = _trigger(actor, locked, chosen, today)
        if locked.kind == Kind.REPORT:
            fact = _complaint_fact(actor, locked, today)
    _audit(
        actor,
        events.LEAD_DECIDED,
        locked,
        step="decided",
        decision=decision,
        late=bool(locked.verify_due and today > locked.verify_due),
        notify_due=locked.notify_due,
        inspection=inspection.pk if inspection is not None else None,
        record=fact.pk if fact is not None else None,
    )
    return locked


@transaction.atomic
def lead_notify(
    *,
    actor: User,
    lead: Lead,
    notified_on: dt.date,
    method: str,
    expected_version: int,
    note: str = "",
) -> Lead:
    """Record that the named reporter was told of the decision: on which day (from the
    decision to today) and how. Side effects: notified_on, notify_method; an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    problems: dict[str, list[str]] = {}
    if locked.decided_on is None or not is_named(locked):
        raise ValidationError(
            _("Only a named reporter of a decided report is told of the decision."), code="status"
        )
    if locked.notified_on is not None:
        raise ValidationError(
            _("The reporter was already told, on %(day)s.")
            % {"day": locked.notified_on.isoformat()},
            code="status",
        )
    if method not in NOTIFY_METHODS:
        problems.setdefault("method", []).append(_("Say how the reporter was told."))
    if notified_on > _today():
        problems.setdefault("notified_on", []).append(_("The day cannot be in the future."))
    elif notified_on < locked.decided_on:
        problems.setdefault("notified_on", []).append(
            _("The decision was taken on %(day)s: the reporter is told after it.")
            % {"day": locked.decided_on.isoformat()}
        )
    note = _text_problems(problems, "note", note, limit=REASON_MAX)
    if problems:
        raise ValidationError(problems)
    locked.notified_on = notified_on
    locked.notify_method = method
    _saved(locked)
    _audit(
        actor,
        events.LEAD_CHANGED,
        locked,
        step="notified",
        notified_on=notified_on,
        method=method,
        late=bool(locked.notify_due and notified_on > locked.notify_due),
        note=note,
    )
    return locked


@transaction.atomic
def lead_accept(*, actor: User, lead: Lead, expected_version: int) -> Lead:
    """Accept a complaint: mediation starts and ends within
    `COMPLAINT_MEDIATION_WORKING_DAYS` WD; against a registered entity, the non-public
    `complaint` fact. Side effects: accepted_on, mediation_due, status mediating; the fact; an
    audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, (Status.RECEIVED,), (Kind.COMPLAINT,))
    today = _today()
    locked.accepted_on = today
    locked.mediation_due = deadline_after(today, rules.COMPLAINT_MEDIATION_WORKING_DAYS).day
    locked.status = Status.MEDIATING
    _saved(locked)
    fact = _complaint_fact(actor, locked, today)
    _audit(
        actor,
        events.LEAD_DECIDED,
        locked,
        step="accepted",
        late=bool(locked.accept_due and today > locked.accept_due),
        mediation_due=locked.mediation_due,
        record=fact.pk if fact is not None else None,
    )
    return locked


@transaction.atomic
def lead_refuse(*, actor: User, lead: Lead, reason: str, expected_version: int) -> Lead:
    """Refuse a complaint, with the reason (the complainant reads it on the status page).
    Side effects: refused_on, refusal_reason, status refused; an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, (Status.RECEIVED,), (Kind.COMPLAINT,))
    problems: dict[str, list[str]] = {}
    reason = _text_problems(
        problems,
        "reason",
        reason,
        limit=REASON_MAX,
        required=_("Say why the complaint is not accepted: the complainant reads it."),
    )
    if problems:
        raise ValidationError(problems)
    today = _today()
    locked.refused_on = today
    locked.refusal_reason = reason
    locked.status = Status.REFUSED
    _saved(locked)
    _audit(
        actor,
        events.LEAD_DECIDED,
        locked,
        step="refused",
        reason=reason,
        late=bool(locked.accept_due and today > locked.accept_due),
    )
    return locked


@transaction.atomic
def lead_mediation_end(
    *, actor: User, lead: Lead, outcome: str, note: str, expected_version: int
) -> Lead:
    """End a complaint's mediation: agreement, no agreement, or withdrawn.
    Side effects: mediation_ended_on, mediation_outcome, decision_note, status closed; an audit
    event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, (Status.MEDIATING,), (Kind.COMPLAINT,))
    problems: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        problems.setdefault("outcome", []).append(_("Choose how the mediation ended."))
    note = _text_problems(problems, "note", note, limit=NOTE_MAX)
    if problems:
        raise ValidationError(problems)
    today = _today()
    locked.mediation_ended_on = today
    locked.mediation_outcome = outcome
    if note:
        locked.decision_note = note
    locked.status = Status.CLOSED
    _saved(locked)
    _audit(
        actor,
        events.LEAD_CLOSED,
        locked,
        step="mediation_ended",
        outcome=outcome,
        late=bool(locked.mediation_due and today > locked.mediation_due),
    )
    return locked


@transaction.atomic
def lead_violation_found(
    *,
    actor: User,
    lead: Lead,
    note: str,
    expected_version: int,
    items: Sequence[InspectionItem] | QuerySet[InspectionItem] = (),
) -> Lead:
    """A violation came to light during a complaint's mediation (domain.md §10): it becomes a
    triggered inspection of the chosen items (the registered entity needed); the mediation
    goes on. Once per complaint.
    Side effects: violation_found, decision_note; the inspection; an audit event."""
    _jurisdiction_problem(actor, lead)
    locked = _locked(lead, expected_version)
    _status_problem(locked, (Status.MEDIATING,), (Kind.COMPLAINT,))
    problems: dict[str, list[str]] = {}
    if locked.violation_found:
        problems.setdefault("note", []).append(
            _("A violation was already recorded for this complaint; its inspection is open.")
        )
    note = _text_problems(
        problems, "note", note, limit=NOTE_MAX, required=_("Say what violation came to light.")
    )
    _enterprise_problems(problems, locked)
    chosen = _items_problems(problems, items)
    if problems:
        raise ValidationError(problems)
    today = _today()
    locked.violation_found = True
    locked.decision_note = note
    _saved(locked)
    inspection = _trigger(actor, locked, chosen, today)
    _audit(
        actor,
        events.LEAD_DECIDED,
        locked,
        step="violation_found",
        inspection=inspection.pk,
    )
    return locked


# --------------------------------------------------------------------------- the reporter


@dataclass(frozen=True)
class Reporter:
    """Who reported: for the handling staff's eyes only."""

    anonymous: bool
    name: str
    phone: str
    email: str


@transaction.atomic
def lead_reporter_view(*, actor: User, lead: Lead) -> Reporter:
    """The reporter's identity, for handling staff (handle_lead) of the lead's department or
    the bureau. Every reading is an audit event (`REPORTER_VIEWED`: who read whose lead, not
    what they read). Side effects: the audit event."""
    if not actor.has_perm("inspections.handle_lead"):
        raise ValidationError(_("Only staff handling leads may see who reported."), code="denied")
    _jurisdiction_problem(actor, lead)
    audit_event_record(
        actor=actor,
        event_type=events.REPORTER_VIEWED,
        target=lead,
        extra={"number": lead.number},
    )
    return Reporter(
        anonymous=lead.anonymous,
        name=lead.reporter_name,
        phone=lead.reporter_phone,
        email=lead.reporter_email,
    )
