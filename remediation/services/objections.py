"""Objections to a listing in the abnormal directory, or to an individual business's mark
(异议, docs/domain.md §3 "Objections and errors"; Order 68; IB: Order 69 art. 19).

Rules (numbers in `remediation.rules`, "The abnormal directory, ..."):
- An enterprise objects within `OBJECTION_DAYS` (30) calendar days of the listing's
  publication: counted as docs/domain.md "Counting periods in the code" says, from the day
  after the publication day (the listing record's `publicity_start`, else the case's
  `listed_on`), the 30th day included: published on 2025-07-14, the last day is 2025-08-13.
  Later objections are refused, naming the last day. The enterprise files online from
  self-service; staff record a paper objection with the day the bureau received it (which
  counts, not the day it is entered).
- One open objection per listing (received or accepted; the database refuses a second).
- The bureau accepts it or not within `OBJECTION_ACCEPTANCE_WORKING_DAYS` (5) WD of receipt
  (`acceptance_due`), then verifies within `OBJECTION_VERIFICATION_WORKING_DAYS` (20) WD of the
  acceptance (`verification_due`), on the portal's calendar (`credit_portal.workdays`; a date
  counted into a year whose schedule is not known is provisional).
- Upheld: the listing was wrongful. An `abnormal_revocation` fact (not public; source: the
  objection) closes the listing record, so that it leaves the public page and no longer counts
  against the entity; the case is REVOKED. Rejected: the listing stands. Reasons are required
  for every decision (the enterprise reads them), and for not accepting one.

Who acts: the member of the listed enterprise files and withdraws its own; staff of the
department that decided the listing (who decided, acts: the bureau for every case; a partner
department for its own, `case_decided_within`) record paper objections and decide. Every
transition locks the objection, compares the version the caller read (a stale one is a
`ConflictError`: two officers deciding at once, the second writes nothing), writes and
records its audit event in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.workdays import deadline_after
from enterprises.services.ledger import credit_record_append
from remediation import audit_events as events
from remediation import rules
from remediation.kinds import ABNORMAL_REVOCATION
from remediation.models import DirectoryCase, ListingObjection
from remediation.selectors.directory import case_decided_within
from remediation.services.repairs import reasons_required

Status = ListingObjection.Status
OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED)
GROUNDS_MAX = 4000
NAME_MAX = 64
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{5,30}[0-9]$")
# The revocation's summary, in the publicity system's words (the ledger keeps it as written).
REVOKED_SUMMARY = "撤销列入经营异常名录：经核实，异议成立，列入决定有误"
REVOKED_SUMMARY_IB = "撤销经营异常状态标记：经核实，异议成立，标记有误"


def _today() -> dt.date:
    return timezone.localdate()


def _day(day: dt.date) -> str:
    return date_format(day, "DATE_FORMAT")


@dataclass(frozen=True)
class ObjectionWindow:
    """When the listing was published and the last day to object (both included)."""

    published_on: dt.date
    last_day: dt.date

    def open_on(self, day: dt.date) -> bool:
        return self.published_on <= day <= self.last_day


def objection_window(case: DirectoryCase) -> ObjectionWindow | None:
    """The objection window of a listed case: from its publication (the listing record's
    publicity start, else `listed_on`) to `OBJECTION_DAYS` calendar days after it, counted from
    the next day, the last one included. None for a case never listed."""
    record = case.listing_record if case.listing_record_id else None
    published = (record.publicity_from if record is not None else None) or case.listed_on
    if published is None:
        return None
    return ObjectionWindow(published, published + dt.timedelta(days=rules.OBJECTION_DAYS))


def _is_member(actor: User, case: DirectoryCase) -> bool:
    membership = getattr(actor, "enterprise_membership", None)
    return membership is not None and membership.enterprise_id == case.enterprise_id


def _jurisdiction_problem(actor: User, case: DirectoryCase) -> None:
    if not case_decided_within(user=actor, case=case):
        raise ValidationError(
            _(
                "This listing was decided by another department: only that department deals "
                "with objections to it."
            ),
            code="jurisdiction",
        )


def _status_problem(objection: ListingObjection, allowed: Sequence[str]) -> None:
    if objection.status not in allowed:
        raise ValidationError(
            _("This objection is “%(status)s”: that step is no longer possible.")
            % {"status": objection.get_status_display()},
            code="status",
        )


def _locked(objection: ListingObjection, expected_version: int) -> ListingObjection:
    """The objection locked, or a ConflictError when someone acted on it first."""
    locked = ListingObjection.objects.select_for_update().get(pk=objection.pk)
    if locked.version != expected_version:
        by = ""
        if locked.decided_by_id is not None:
            by = _(" by %(who)s on %(day)s") % {
                "who": User.objects.filter(pk=locked.decided_by_id).first() or "—",
                "day": locked.decided_on,
            }
        raise ConflictError(
            _(
                "Someone else acted on this objection first: it is now “%(status)s”%(by)s. "
                "Nothing was written; read it again before you act."
            )
            % {"status": locked.get_status_display(), "by": by},
            current_version=locked.version,
        )
    return locked


def objection_file_check(
    *, case: DirectoryCase, received_on: dt.date, today: dt.date | None = None
) -> ObjectionWindow:
    """Whether an objection to `case` received on `received_on` may be filed: the listing in
    force, the day not in the future nor before the publication, within the window, and no
    objection open. Raises ValidationError (on "received_on" or "case") with the reason; returns
    the window. Side effects: none."""
    today = today or _today()
    window = objection_window(case)
    if case.state != DirectoryCase.State.LISTED or window is None or not case.listing_record_id:
        raise ValidationError(
            {
                "case": [
                    _("Only a listing in force can be objected to: this one is “%(state)s”.")
                    % {"state": case.get_state_display()}
                ]
            },
            code="state",
        )
    if received_on > today:
        raise ValidationError(
            {"received_on": [_("The day received cannot be in the future.")]}, code="future"
        )
    if received_on < window.published_on:
        raise ValidationError(
            {
                "received_on": [
                    _("The listing was published on %(day)s: an objection comes after it.")
                    % {"day": _day(window.published_on)}
                ]
            },
            code="early",
        )
    if received_on > window.last_day:
        raise ValidationError(
            {
                "received_on": [
                    _(
                        "Too late: an objection must be filed within %(n)d days of the "
                        "listing's publication on %(published)s; the last day was %(last)s. "
                        "Administrative review or a lawsuit remain open, or apply for the "
                        "removal of the listing once its cause is cured."
                    )
                    % {
                        "n": rules.OBJECTION_DAYS,
                        "published": _day(window.published_on),
                        "last": _day(window.last_day),
                    }
                ]
            },
            code="late",
        )
    open_one = (
        ListingObjection.objects.filter(case=case, status__in=OPEN_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )
    if open_one is not None:
        raise ValidationError(
            {
                "case": [
                    _("An objection to this listing is already open (no. %(id)d).")
                    % {"id": open_one}
                ]
            },
            code="open",
        )
    return window


@transaction.atomic
def objection_file(
    *,
    actor: User,
    case: DirectoryCase,
    grounds: str,
    received_on: dt.date | None = None,
    contact_name: str = "",
    contact_phone: str = "",
) -> ListingObjection:
    """File an objection to a listing (or an individual business's mark).

    Rules: the enterprise's own member files online (received today; `received_on` is not its
    to set); staff of the department that decided the listing record a paper one, with the day
    the bureau received it (default today). `objection_file_check` (the listing in force, the
    30-day window, one open objection); the grounds required (at most 4,000 characters); a
    contact phone, when given, a phone number. The acceptance is due 5 WD after the day
    received.
    Side effects: the objection; an audit event.
    """
    today = _today()
    locked_case = DirectoryCase.objects.select_for_update().get(pk=case.pk)
    member = _is_member(actor, locked_case)
    if not member:
        _jurisdiction_problem(actor, locked_case)
    elif received_on is not None and received_on != today:
        raise ValidationError(
            {"received_on": [_("An objection filed online is received the day it is filed.")]}
        )
    day = received_on or today
    problems: dict[str, list[str]] = {}
    grounds = (grounds or "").strip()
    if not grounds:
        problems["grounds"] = [
            _("Say why the listing is wrong, and what shows it (the grounds of the objection).")
        ]
    elif len(grounds) > GROUNDS_MAX:
        problems["grounds"] = [_("At most %(n)d characters.") % {"n": GROUNDS_MAX}]
    contact_name = (contact_name or "").strip()
    if len(contact_name) > NAME_MAX:
        problems["contact_name"] = [_("At most %(n)d characters.") % {"n": NAME_MAX}]
    contact_phone = (contact_phone or "").strip()
    if contact_phone and not PHONE_PATTERN.match(contact_phone):
        problems["contact_phone"] = [
            _("Give a phone number the bureau can call (digits, for example 13800000000).")
        ]
    try:
        objection_file_check(case=locked_case, received_on=day, today=today)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            problems.setdefault(key, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    due = deadline_after(day, rules.OBJECTION_ACCEPTANCE_WORKING_DAYS)
    try:
        with transaction.atomic():
            objection = ListingObjection.objects.create(
                created_by=actor,
                case=locked_case,
                enterprise_id=locked_case.enterprise_id,
                received_on=day,
                grounds=grounds,
                contact_name=contact_name,
                contact_phone=contact_phone,
                acceptance_due=due.day,
                due_provisional=due.provisional,
            )
    except IntegrityError as exc:  # a second open objection, raced in
        raise ValidationError(
            {"case": [_("An objection to this listing is already open.")]}, code="open"
        ) from exc
    audit_event_record(
        actor=actor,
        event_type=events.OBJECTION_FILED,
        target=objection,
        enterprise=locked_case.enterprise,
        extra={
            "objection": objection.pk,
            "case": locked_case.pk,
            "received_on": day,
            "channel": "online" if member else "paper",
            "acceptance_due": due.day,
        },
    )
    return objection


@transaction.atomic
def objection_accept(
    *, actor: User, objection: ListingObjection, expected_version: int
) -> ListingObjection:
    """Accept an objection for verification: verification is due 20 WD after today.

    Rules: the actor's department decided the listing; status received; the version read.
    Side effects: the objection; an audit event.
    """
    _jurisdiction_problem(actor, objection.case)
    locked = _locked(objection, expected_version)
    _status_problem(locked, [Status.RECEIVED])
    today = _today()
    due = deadline_after(today, rules.OBJECTION_VERIFICATION_WORKING_DAYS)
    locked.status = Status.ACCEPTED
    locked.accepted_on = today
    locked.verification_due = due.day
    locked.due_provisional = due.provisional
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.OBJECTION_ACCEPTED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"objection": locked.pk, "case": locked.case_id, "verification_due": due.day},
    )
    return locked


@transaction.atomic
def objection_not_accept(
    *, actor: User, objection: ListingObjection, reasons: str, expected_version: int
) -> ListingObjection:
    """Do not accept an objection (not a case for one: filed by someone else, nothing new),
    with the reasons the enterprise reads.

    Rules: the actor's department decided the listing; status received; reasons required; the
    version read. Side effects: the objection; an audit event.
    """
    _jurisdiction_problem(actor, objection.case)
    locked = _locked(objection, expected_version)
    _status_problem(locked, [Status.RECEIVED])
    reasons = reasons_required(
        reasons, _("Say why the objection is not accepted: the enterprise reads it.")
    )
    locked.status = Status.NOT_ACCEPTED
    locked.decided_on = _today()
    locked.decided_by = actor
    locked.reasons = reasons
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.OBJECTION_NOT_ACCEPTED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"objection": locked.pk, "case": locked.case_id, "reasons": reasons},
    )
    return locked


@transaction.atomic
def objection_decide(
    *,
    actor: User,
    objection: ListingObjection,
    upheld: bool,
    reasons: str,
    expected_version: int,
) -> ListingObjection:
    """Decide an accepted objection after verification.

    Rules: the actor's department decided the listing; status accepted; the version read (two
    officers deciding at once: the second gets a ConflictError and nothing of theirs is
    written); the reasons required either way (the enterprise reads them). Upheld: the listing
    must still be in force (a listing removed meanwhile has nothing left to revoke: decide the
    objection rejected, saying so).
    Side effects: the objection; upheld: an `abnormal_revocation` fact dated today closing the
    listing record (not public; details {"objection", "case", "reason_code",
    "individual_business"}; source: the objection), the case REVOKED (its end and record; the
    listing leaves the public page and no longer counts); an audit event.
    """
    _jurisdiction_problem(actor, objection.case)
    locked = _locked(objection, expected_version)
    _status_problem(locked, [Status.ACCEPTED])
    reasons = reasons_required(
        reasons,
        _("Say what the verification found and why the objection is upheld")
        if upheld
        else _("Say what the verification found and why the listing stands"),
    )
    today = _today()
    revocation = None
    if upheld:
        case = DirectoryCase.objects.select_for_update().get(pk=locked.case_id)
        if case.state != DirectoryCase.State.LISTED or case.listing_record_id is None:
            raise ValidationError(
                {
                    "upheld": [
                        _(
                            "The listing is no longer in force (“%(state)s”): there is nothing "
                            "to revoke. Decide the objection as rejected, saying so."
                        )
                        % {"state": case.get_state_display()}
                    ]
                },
                code="state",
            )
        revocation = credit_record_append(
            enterprise=case.enterprise,
            kind=ABNORMAL_REVOCATION,
            occurred_on=today,
            summary=REVOKED_SUMMARY_IB if case.individual_business else REVOKED_SUMMARY,
            actor=actor,
            is_public=False,
            authority=_authority(case),
            details={
                "objection": locked.pk,
                "case": case.pk,
                "reason_code": case.reason,
                "individual_business": case.individual_business,
            },
            source=locked,
            closes=case.listing_record,
        )
        case.state = DirectoryCase.State.REVOKED
        case.removed_on = today
        case.removal_record = revocation
        case.version += 1
        case.save()
    locked.status = Status.UPHELD if upheld else Status.REJECTED
    locked.decided_on = today
    locked.decided_by = actor
    locked.reasons = reasons
    locked.revocation_record = revocation
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.OBJECTION_UPHELD if upheld else events.OBJECTION_REJECTED,
        target=locked,
        enterprise=locked.enterprise,
        extra={
            "objection": locked.pk,
            "case": locked.case_id,
            "reasons": reasons,
            "revocation_record": revocation.pk if revocation is not None else None,
        },
    )
    return locked


@transaction.atomic
def objection_withdraw(
    *, actor: User, objection: ListingObjection, expected_version: int
) -> ListingObjection:
    """The enterprise withdraws its objection before it is decided.

    Rules: the actor is the member of the listed enterprise; status received or accepted; the
    version read. Side effects: the objection; an audit event.
    """
    if not _is_member(actor, objection.case):
        raise ValidationError(_("Only the listed enterprise withdraws its objection."))
    locked = _locked(objection, expected_version)
    _status_problem(locked, OPEN_STATUSES)
    locked.status = Status.WITHDRAWN
    locked.decided_on = _today()
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.OBJECTION_WITHDRAWN,
        target=locked,
        enterprise=locked.enterprise,
        extra={"objection": locked.pk, "case": locked.case_id},
    )
    return locked


def _authority(case: DirectoryCase) -> str:
    """The department that decided the listing, by the name its facts carry."""
    department = case.department
    if department.is_bureau:
        return str(settings.CREDIT_PORTAL.get("BUREAU_NAME", "") or department.name)
    return department.name
