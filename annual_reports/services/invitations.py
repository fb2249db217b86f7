"""Invitations to self-correct an annual report after 30 June (信息自我纠错; docs/domain.md §3
"Self-correction", §10).

Until 30 June of the year after the year reported on, an enterprise corrects its report freely
(条例 art. 12). After it, a correction is possible only when a check invites it: staff (holding
`add_correctioninvitation`, within their jurisdiction) or, later, an inspection (`source`)
find wrong general-status information, or an obvious unintentional error in important
information that did no harm, and invite the enterprise to correct it within
`INVITATION_DAYS` calendar days (Kunming's 7 days). The correction that follows counts as a
self-correction, not as false information (the seed's conditions).

States: open → used (the correction was submitted: engineer A's correction service, which asks
`invitation_open_for` and marks it with `invitation_mark_used`) | lapsed (the day to correct by
passed: the daily job `invitations_lapse`) | cancelled (by staff, with reasons). At most one
invitation is open per enterprise and year (a constraint of the table).

Jurisdiction: an invitation belongs to the department that issued it (the actor's): the
bureau's staff act on every one, a partner department's only on its own, and only for the
entities their department supervises.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annual_reports import audit_events as events
from annual_reports.models import AnnualReport, CorrectionInvitation
from annual_reports.rules import INVITATION_DAYS, WINDOW_END
from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises import rules as register_rules
from enterprises.models import Enterprise

Status = CorrectionInvitation.Status
Reason = CorrectionInvitation.Reason
FINDINGS_MAX = 4000
REASONS_MAX = 2000
SOURCE_MAX = 100
LAPSE_CHUNK = 1000
CLOSED_STATUSES = frozenset(register_rules.CLOSED_STATUSES)


def _today() -> dt.date:
    return timezone.localdate()


def free_correction_until(year: int) -> dt.date:
    """The last day a report for `year` is corrected freely: 30 June of the next year (条例
    art. 12); the same day as the reporting deadline."""
    return dt.date(year + 1, *WINDOW_END)


def invitation_respond_by(invited_on: dt.date) -> dt.date:
    """The day to correct by: `INVITATION_DAYS` calendar days after the invitation (the day of
    the invitation not counted; docs/domain.md "Counting periods in the code")."""
    return invited_on + dt.timedelta(days=INVITATION_DAYS)


def actor_department(actor: User) -> Department:
    """The department an officer acts for: their staff profile's; the bureau for an account
    without one (a superuser)."""
    profile = getattr(actor, "staff_profile", None)
    if profile is not None:
        return profile.department
    bureau = Department.objects.filter(is_bureau=True).order_by("pk").first()
    if bureau is None:
        raise ValidationError(_("No department to act for: give the account a staff profile."))
    return bureau


def _event_extra(invitation: CorrectionInvitation, **more: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "invitation": invitation.pk,
        "year": invitation.year,
        "reason": invitation.reason,
        "reason_display": str(invitation.get_reason_display()),
        "respond_by": invitation.respond_by,
    }
    extra.update(more)
    return extra


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    enterprise: Enterprise,
    year: int,
    reason: str,
    findings: str,
    source: str = "",
) -> CorrectionInvitation:
    """Invite `enterprise` to correct its report for `year` after 30 June.

    Rules: the enterprise is within the actor's jurisdiction (its department is one of
    `departments_of_jurisdiction`) and still registered here; `year`'s free correction period
    has ended (after 30 June of year+1: before it, the enterprise corrects freely) and the
    enterprise filed a report for it (there is something to correct); the reason is one of
    `CorrectionInvitation.Reason` (wrong general-status information; an obvious unintentional
    error that did no harm); the findings are required (at most 4,000 characters); no other
    invitation for the enterprise and year is open. Invited today; to correct by
    `invitation_respond_by(today)`. The invitation belongs to the actor's department.
    Side effects: the invitation; an audit event.
    """
    today = _today()
    errors: dict[str, list[str]] = {}
    if not departments_of_jurisdiction(user=actor).filter(pk=enterprise.department_id).exists():
        raise ValidationError(
            _("This market entity is supervised by another department: you cannot invite it."),
            code="jurisdiction",
        )
    if enterprise.status in CLOSED_STATUSES:
        errors.setdefault("enterprise", []).append(
            _("This market entity is %(status)s: it corrects nothing any more.")
            % {"status": enterprise.get_status_display()}
        )
    if not isinstance(year, int) or year < 1990 or year > today.year:
        errors.setdefault("year", []).append(_("Choose a year reported on."))
    elif today <= free_correction_until(year):
        errors.setdefault("year", []).append(
            _(
                "Until %(day)s the enterprise corrects its %(year)d report freely: an "
                "invitation is for corrections after that day."
            )
            % {"day": free_correction_until(year).isoformat(), "year": year}
        )
    elif not AnnualReport.objects.filter(
        enterprise=enterprise, year=year, status=AnnualReport.Status.SUBMITTED
    ).exists():
        errors.setdefault("year", []).append(
            _("The enterprise has filed no report for %(year)d: there is nothing to correct.")
            % {"year": year}
        )
    if reason not in Reason.values:
        errors.setdefault("reason", []).append(
            _(
                "Choose the reason: wrong general-status information, or an obvious "
                "unintentional error that did no harm."
            )
        )
    findings = (findings or "").replace("\r\n", "\n").strip()
    if not findings:
        errors.setdefault("findings", []).append(
            _("Say what the check found: the enterprise reads it.")
        )
    elif len(findings) > FINDINGS_MAX:
        errors.setdefault("findings", []).append(
            _("At most %(n)d characters.") % {"n": FINDINGS_MAX}
        )
    source = (source or "").strip()
    if len(source) > SOURCE_MAX:
        errors.setdefault("source", []).append(_("At most %(n)d characters.") % {"n": SOURCE_MAX})
    if errors:
        raise ValidationError(errors)
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one at a time
    open_one = CorrectionInvitation.objects.filter(
        enterprise=enterprise, year=year, status=Status.OPEN
    ).first()
    if open_one is not None:
        raise ValidationError(
            {
                "year": [
                    _(
                        "An invitation to correct the %(year)d report is already open (no. "
                        "%(id)d, to correct by %(day)s)."
                    )
                    % {"year": year, "id": open_one.pk, "day": open_one.respond_by.isoformat()}
                ]
            },
            code="open",
        )
    try:
        with transaction.atomic():
            invitation = CorrectionInvitation.objects.create(
                enterprise=enterprise,
                year=year,
                reason=reason,
                findings=findings,
                source=source,
                department=actor_department(actor),
                invited_on=today,
                respond_by=invitation_respond_by(today),
                created_by=actor,
            )
    except IntegrityError as exc:  # raced in
        raise ValidationError(
            {"year": [_("An invitation to correct this report is already open.")]}, code="open"
        ) from exc
    audit_event_record(
        actor=actor,
        event_type=events.INVITATION_CREATED,
        target=invitation,
        enterprise=enterprise,
        extra=_event_extra(invitation, source=source),
    )
    return invitation


def invitation_open_for(
    *, enterprise: Enterprise, year: int, on: dt.date
) -> CorrectionInvitation | None:
    """The invitation that allows `enterprise` to correct its `year` report on `on`, if any:
    open, issued on or before `on`, and `on` no later than its day to correct by (one that
    passed is lapsed even before the nightly job marks it). Inside a transaction the row is
    locked (the caller marks it used in the same transaction: `invitation_mark_used`).
    Side effects: none."""
    qs = CorrectionInvitation.objects.filter(
        enterprise=enterprise,
        year=year,
        status=Status.OPEN,
        invited_on__lte=on,
        respond_by__gte=on,
    )
    if transaction.get_connection().in_atomic_block:
        qs = qs.select_for_update()
    return qs.first()


@transaction.atomic
def invitation_mark_used(
    *, actor: User | None, invitation: CorrectionInvitation, report: Any = None
) -> CorrectionInvitation:
    """Record that the invited correction was submitted (called by the annual report's
    correction service in its own transaction). Rules: the invitation is open. Side effects:
    the status; an audit event naming the report (its id, when given)."""
    locked = CorrectionInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != Status.OPEN:
        raise ValidationError(
            _("This invitation is “%(status)s”: it allows no correction.")
            % {"status": locked.get_status_display()},
            code="status",
        )
    locked.status = Status.USED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit_event_record(
        actor=actor,
        event_type=events.INVITATION_USED,
        target=locked,
        enterprise=locked.enterprise,
        extra=_event_extra(locked, report=getattr(report, "pk", None)),
    )
    return locked


def invitation_within(*, user: User, invitation: CorrectionInvitation) -> bool:
    """Whether the invitation's department is within the user's jurisdiction."""
    return departments_of_jurisdiction(user=user).filter(pk=invitation.department_id).exists()


@transaction.atomic
def invitation_cancel(
    *, actor: User, invitation: CorrectionInvitation, reasons: str, expected_version: int
) -> CorrectionInvitation:
    """Cancel an open invitation (issued in error, or the finding withdrawn), with reasons.

    Rules: the invitation's department within the actor's jurisdiction; open; reasons required
    (kept in the audit event and shown on the page); the version read.
    Side effects: the status; an audit event with the reasons.
    """
    if not invitation_within(user=actor, invitation=invitation):
        raise ValidationError(
            _("This invitation was issued by another department: only that department acts on it."),
            code="jurisdiction",
        )
    locked = (
        CorrectionInvitation.objects.select_for_update()
        .select_related("enterprise")
        .get(pk=invitation.pk)
    )
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else acted on this invitation first: it is now “%(status)s”. Nothing "
                "was written; read it again before you act."
            )
            % {"status": locked.get_status_display()},
            current_version=locked.version,
        )
    if locked.status != Status.OPEN:
        raise ValidationError(
            _("This invitation is “%(status)s”: it can no longer be cancelled.")
            % {"status": locked.get_status_display()},
            code="status",
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [_("Say why the invitation is cancelled.")]})
    if len(reasons) > REASONS_MAX:
        raise ValidationError({"reasons": [_("At most %(n)d characters.") % {"n": REASONS_MAX}]})
    locked.status = Status.CANCELLED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit_event_record(
        actor=actor,
        event_type=events.INVITATION_CANCELLED,
        target=locked,
        enterprise=locked.enterprise,
        extra=_event_extra(locked, reasons=reasons),
    )
    return locked


def invitations_lapse(*, on: dt.date) -> int:
    """Mark lapsed every open invitation whose day to correct by is before `on` (catching up
    any day missed). Returns how many lapsed.

    Rules: idempotent (a lapsed invitation is not open any more). Chunks of `LAPSE_CHUNK` rows,
    each its own transaction with the rows locked (skipping one a correction holds right now:
    the next run takes it if it is still open).
    Side effects: the status (and version); one audit event per invitation, by the system.
    """
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                CorrectionInvitation.objects.select_for_update(skip_locked=True)
                .filter(status=Status.OPEN, respond_by__lt=on)
                .select_related("enterprise")
                .order_by("pk")[:LAPSE_CHUNK]
            )
            if not rows:
                return done
            for row in rows:
                row.status = Status.LAPSED
                row.version += 1
            CorrectionInvitation.objects.bulk_update(rows, ["status", "version"])
            for row in rows:
                audit_event_record(
                    actor=None,
                    event_type=events.INVITATION_LAPSED,
                    target=row,
                    enterprise=row.enterprise,
                    extra=_event_extra(row, run_on=on),
                )
            done += len(rows)
            if len(rows) < LAPSE_CHUNK:
                return done
