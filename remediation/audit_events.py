"""The audit event types of the enforcement app: labels, and what one event changed in a few
words. Declared from `RemediationConfig.ready()`; one function per area."""

from __future__ import annotations

from typing import Any

from credit_portal.audit import AuditEventType, audit_event_types_declare

PENALTY_DRAFT_SAVED = "remediation.penalty_draft_saved"
PENALTY_RECORDED = "remediation.penalty_recorded"
PENALTY_WITHDRAWN = "remediation.penalty_withdrawn"
PENALTY_PUSHED = "remediation.penalty_pushed"
PENALTY_PUBLISHED = "remediation.penalty_published"
CATALOGUE_LOADED = "remediation.penalty_catalogue_loaded"


def _penalty_number(event: Any) -> dict[str, Any]:
    """The decision's number, and what changed where the event says (penalties)."""
    extra = event.extra or {}
    parts = [str(extra.get("number") or event.target_repr or "")]
    if extra.get("leniency_display"):
        parts.append(str(extra["leniency_display"]))
    if extra.get("withdrawal_display"):
        parts.append(str(extra["withdrawal_display"]))
    if extra.get("on"):
        parts.append(str(extra["on"]))
    return {"summary": " · ".join(p for p in parts if p)}


def _penalties() -> list[AuditEventType]:
    from django.utils.translation import gettext_lazy as _

    return [
        AuditEventType(PENALTY_DRAFT_SAVED, _("Penalty decision draft saved"), _penalty_number),
        AuditEventType(PENALTY_RECORDED, _("Penalty decision recorded"), _penalty_number),
        AuditEventType(PENALTY_WITHDRAWN, _("Penalty decision withdrawn"), _penalty_number),
        AuditEventType(
            PENALTY_PUSHED, _("Penalty information pushed to the home province"), _penalty_number
        ),
        AuditEventType(PENALTY_PUBLISHED, _("Penalty information published"), _penalty_number),
        AuditEventType(CATALOGUE_LOADED, _("Violation catalogue loaded")),
    ]


SOFT_ACTION_CREATED = "remediation.soft_action_created"
SOFT_ACTION_UPDATED = "remediation.soft_action_updated"
SOFT_ACTION_APPROVED = "remediation.soft_action_approved"
SOFT_ACTION_SERVED = "remediation.soft_action_served"
SOFT_ACTION_OPENED = "remediation.soft_action_opened_online"
SOFT_ACTION_RECTIFIED = "remediation.soft_action_rectified"
SOFT_ACTION_INTERVIEW = "remediation.soft_action_interview_recorded"
SOFT_ACTION_VISIT = "remediation.soft_action_visit_recorded"
SOFT_ACTION_OVERDUE = "remediation.soft_action_overdue"
SOFT_ACTION_ESCALATED = "remediation.soft_action_escalated"
SOFT_ACTION_CANCELLED = "remediation.soft_action_cancelled"
CONSENT_GIVEN = "remediation.electronic_service_consent_given"
CONSENT_WITHDRAWN = "remediation.electronic_service_consent_withdrawn"


def _soft_action_summary(event: Any) -> dict[str, Any]:
    """The document's number (or "draft") and the date or note the event names (soft
    enforcement)."""
    extra = event.extra or {}
    parts = [str(extra.get("number") or event.target_repr or "")]
    keys = ("served_on", "method", "rectified_on", "held_on", "visited_on", "deadline")
    parts.extend(str(extra[key]) for key in keys if extra.get(key))
    return {"summary": " · ".join(p for p in parts if p)}


def _soft_actions() -> list[AuditEventType]:
    from django.utils.translation import gettext_lazy as _

    summary = _soft_action_summary
    return [
        AuditEventType(SOFT_ACTION_CREATED, _("Soft-enforcement document drafted"), summary),
        AuditEventType(SOFT_ACTION_UPDATED, _("Soft-enforcement draft changed"), summary),
        AuditEventType(SOFT_ACTION_APPROVED, _("Soft-enforcement document approved"), summary),
        AuditEventType(SOFT_ACTION_SERVED, _("Soft-enforcement document served"), summary),
        AuditEventType(SOFT_ACTION_OPENED, _("Document opened by the enterprise online"), summary),
        AuditEventType(SOFT_ACTION_RECTIFIED, _("Rectification recorded"), summary),
        AuditEventType(SOFT_ACTION_INTERVIEW, _("Interview recorded"), summary),
        AuditEventType(SOFT_ACTION_VISIT, _("Follow-up visit recorded"), summary),
        AuditEventType(SOFT_ACTION_OVERDUE, _("Rectification overdue"), summary),
        AuditEventType(SOFT_ACTION_ESCALATED, _("Escalated to a case"), summary),
        AuditEventType(SOFT_ACTION_CANCELLED, _("Soft-enforcement document cancelled"), summary),
        AuditEventType(CONSENT_GIVEN, _("Consent to electronic service given")),
        AuditEventType(CONSENT_WITHDRAWN, _("Consent to electronic service withdrawn")),
    ]


REPAIR_APPLIED = "remediation.repair_applied"
REPAIR_ACCEPTED = "remediation.repair_accepted"
REPAIR_NOT_ACCEPTED = "remediation.repair_not_accepted"
REPAIR_APPROVED = "remediation.repair_approved"
REPAIR_REFUSED = "remediation.repair_refused"
REPAIR_WITHDRAWN = "remediation.repair_withdrawn"
REPAIR_SYNC_EXPORTED = "remediation.repair_sync_exported"
REPAIR_SYNC_CONFIRMED = "remediation.repair_sync_confirmed"
REPAIR_ATTACHMENT_OPENED = "remediation.repair_attachment_opened"


def _repair_summary(event: Any) -> dict[str, Any]:
    """The application's number and, for a refusal, the start of its reasons (repairs)."""
    extra = event.extra or {}
    parts = [f"#{extra['application']}" if extra.get("application") else event.target_repr]
    if extra.get("reasons"):
        reasons = str(extra["reasons"])
        parts.append(reasons if len(reasons) <= 60 else reasons[:59] + "…")
    if extra.get("network"):
        parts.append(str(extra["network"]))
    if extra.get("rows") is not None:
        parts.append(str(extra["rows"]))
    return {"summary": " · ".join(str(p) for p in parts if p)}


def _repairs() -> list[AuditEventType]:
    from django.utils.translation import gettext_lazy as _

    return [
        AuditEventType(REPAIR_APPLIED, _("Credit repair applied for"), _repair_summary),
        AuditEventType(REPAIR_ACCEPTED, _("Credit repair application accepted"), _repair_summary),
        AuditEventType(
            REPAIR_NOT_ACCEPTED, _("Credit repair application not accepted"), _repair_summary
        ),
        AuditEventType(REPAIR_APPROVED, _("Credit repair approved"), _repair_summary),
        AuditEventType(REPAIR_REFUSED, _("Credit repair refused"), _repair_summary),
        AuditEventType(REPAIR_WITHDRAWN, _("Credit repair application withdrawn"), _repair_summary),
        AuditEventType(
            REPAIR_SYNC_EXPORTED, _("Credit repairs exported for a network"), _repair_summary
        ),
        AuditEventType(
            REPAIR_SYNC_CONFIRMED, _("Credit repairs confirmed by a network"), _repair_summary
        ),
        AuditEventType(
            REPAIR_ATTACHMENT_OPENED, _("Credit repair upload opened by staff"), _repair_summary
        ),
    ]


DIRECTORY_RUN = "remediation.directory_deadline_run"
DIRECTORY_DEFERRED = "remediation.directory_deferred"
DIRECTORY_LISTED = "remediation.directory_listed"
DIRECTORY_MARKED = "remediation.directory_marked"
DIRECTORY_PLEDGED = "remediation.directory_pledge_given"
DIRECTORY_REMINDED = "remediation.directory_reminder_sent"
DIRECTORY_CLOSED_NO_LISTING = "remediation.directory_closed_no_listing"
DIRECTORY_CLOSED_ENTITY = "remediation.directory_closed_entity_ceased"
DIRECTORY_CURED = "remediation.directory_year_filed"
DIRECTORY_RESTORED = "remediation.directory_mark_lifted"
DIRECTORY_REMOVED = "remediation.directory_removed"


def _directory_summary(event: Any) -> dict[str, Any]:
    """The case's number, the year, and the dates or code the event names (directory)."""
    extra = event.extra or {}
    parts = [f"#{extra['case']}" if extra.get("case") else str(event.target_repr or "")]
    if extra.get("year"):
        parts.append(str(extra["year"]))
    for key in ("listed_on", "buffer_deadline", "due", "pledged_on", "on"):
        if extra.get(key):
            parts.append(str(extra[key]))
            break
    if extra.get("code"):
        parts.append(f"({extra['code']})")
    if not extra.get("case"):  # the run's own event: its counts
        parts.extend(f"{k}={extra[k]}" for k in ("marked", "deferred", "listed") if k in extra)
    return {"summary": " · ".join(p for p in parts if p)}


def _directory() -> list[AuditEventType]:
    """The directory, its buffer and the deadline run's consequences (issue 15;
    `remediation.services.directory`)."""
    from django.utils.translation import gettext_lazy as _

    summary = _directory_summary
    return [
        AuditEventType(DIRECTORY_RUN, _("Annual-report deadline run made"), summary),
        AuditEventType(
            DIRECTORY_DEFERRED, _("Listing deferred into the punishment buffer"), summary
        ),
        AuditEventType(DIRECTORY_LISTED, _("Listed in the abnormal operations directory"), summary),
        AuditEventType(DIRECTORY_MARKED, _("Individual business marked as abnormal"), summary),
        AuditEventType(DIRECTORY_PLEDGED, _("Credit pledge given in the buffer"), summary),
        AuditEventType(DIRECTORY_REMINDED, _("Buffer reminder sent"), summary),
        AuditEventType(
            DIRECTORY_CLOSED_NO_LISTING,
            _("Closed without listing: report filed within the buffer"),
            summary,
        ),
        AuditEventType(DIRECTORY_CLOSED_ENTITY, _("Buffer closed: the entity has ceased"), summary),
        AuditEventType(DIRECTORY_CURED, _("Missing annual report filed (listing cured)"), summary),
        AuditEventType(DIRECTORY_RESTORED, _("Individual business restored to normal"), summary),
        AuditEventType(
            DIRECTORY_REMOVED, _("Removed from the abnormal operations directory"), summary
        ),
    ]


OBJECTION_FILED = "remediation.objection_filed"
OBJECTION_ACCEPTED = "remediation.objection_accepted"
OBJECTION_NOT_ACCEPTED = "remediation.objection_not_accepted"
OBJECTION_UPHELD = "remediation.objection_upheld"
OBJECTION_REJECTED = "remediation.objection_rejected"
OBJECTION_WITHDRAWN = "remediation.objection_withdrawn"


def _objection_summary(event: Any) -> dict[str, Any]:
    """The objection's number, the listing's case, the day received or due, and the start of
    the reasons (objections)."""
    extra = event.extra or {}
    parts = [f"#{extra['objection']}" if extra.get("objection") else str(event.target_repr or "")]
    if extra.get("case"):
        parts.append(f"case #{extra['case']}")
    parts.extend(str(extra[k]) for k in ("received_on", "verification_due") if extra.get(k))
    if extra.get("reasons"):
        reasons = str(extra["reasons"])
        parts.append(reasons if len(reasons) <= 60 else reasons[:59] + "…")
    return {"summary": " · ".join(p for p in parts if p)}


def _objections() -> list[AuditEventType]:
    """Objections to listings (issue 15; `remediation.services.objections`)."""
    from django.utils.translation import gettext_lazy as _

    summary = _objection_summary
    return [
        AuditEventType(OBJECTION_FILED, _("Objection to a listing filed"), summary),
        AuditEventType(OBJECTION_ACCEPTED, _("Objection accepted for verification"), summary),
        AuditEventType(OBJECTION_NOT_ACCEPTED, _("Objection not accepted"), summary),
        AuditEventType(OBJECTION_UPHELD, _("Objection upheld: listing revoked"), summary),
        AuditEventType(OBJECTION_REJECTED, _("Objection rejected: listing stands"), summary),
        AuditEventType(OBJECTION_WITHDRAWN, _("Objection withdrawn"), summary),
    ]


ORDER_CREATED = "remediation.order_created"
ORDER_WITHDRAWN = "remediation.order_withdrawn"
ORDER_COMPLIED = "remediation.order_complied"
ORDER_LISTED = "remediation.order_listed"


def _order_summary(event: Any) -> dict[str, Any]:
    """The order's number, its due day and what the event names (orders to disclose)."""
    extra = event.extra or {}
    parts = [str(extra.get("number") or event.target_repr or "")]
    keys = ("due_on", "complied_on", "case")
    parts.extend(str(extra[key]) for key in keys if extra.get(key))
    if extra.get("reasons"):
        reasons = str(extra["reasons"])
        parts.append(reasons if len(reasons) <= 60 else reasons[:59] + "…")
    return {"summary": " · ".join(p for p in parts if p)}


def _orders() -> list[AuditEventType]:
    """Orders to disclose immediate information (issue 15)."""
    from django.utils.translation import gettext_lazy as _

    summary = _order_summary
    return [
        AuditEventType(ORDER_CREATED, _("Order to disclose issued"), summary),
        AuditEventType(ORDER_WITHDRAWN, _("Order to disclose withdrawn"), summary),
        AuditEventType(ORDER_COMPLIED, _("Order to disclose complied with"), summary),
        AuditEventType(ORDER_LISTED, _("Order not complied with: listed"), summary),
    ]


SERIOUS_REMINDED = "remediation.serious_reminder_sent"
SERIOUS_LISTED = "remediation.serious_listed"
SERIOUS_EXPIRED = "remediation.serious_expired"
SERIOUS_REPAIRED = "remediation.serious_repaired"
SERIOUS_REVOKED = "remediation.serious_revoked"


def _serious_summary(event: Any) -> dict[str, Any]:
    """The serious listing's or case's number, and the dates the event names (serious list)."""
    extra = event.extra or {}
    parts = []
    if extra.get("serious"):
        parts.append(f"#{extra['serious']}")
    if extra.get("case"):
        parts.append(f"case #{extra['case']}")
    if not parts:
        parts.append(str(event.target_repr or ""))
    keys = ("serious_due", "listed_on", "term_ends", "removed_on", "bar_until")
    parts.extend(str(extra[k]) for k in keys if extra.get(k))
    if extra.get("bar_missing"):
        parts.append("ID missing")
    return {"summary": " · ".join(p for p in parts if p)}


def _serious() -> list[AuditEventType]:
    """The serious list and the legal representative's bar (issue 15;
    `remediation.services.serious`; the bar's own events are the register's)."""
    from django.utils.translation import gettext_lazy as _

    summary = _serious_summary
    return [
        AuditEventType(
            SERIOUS_REMINDED, _("Reminder: three years in the directory are near"), summary
        ),
        AuditEventType(
            SERIOUS_LISTED,
            _("Moved to the serious illegal and dishonest list (three years uncured)"),
            summary,
        ),
        AuditEventType(SERIOUS_EXPIRED, _("Serious listing ended with its term"), summary),
        AuditEventType(SERIOUS_REPAIRED, _("Serious listing removed early by repair"), summary),
        AuditEventType(SERIOUS_REVOKED, _("Serious listing revoked"), summary),
    ]


DIRECTORY_NOTICE_OPENED = "remediation.directory_notice_opened"


def _directory_notices() -> list[AuditEventType]:
    """The notices of directory cases (remediation.services.directory_notices)."""
    from django.utils.translation import gettext_lazy as _

    return [
        AuditEventType(
            DIRECTORY_NOTICE_OPENED,
            _("Directory notice opened by the enterprise"),
            lambda event: {"summary": str((event.extra or {}).get("state") or "")},
        ),
    ]


def declare() -> None:
    audit_event_types_declare(
        *_directory_notices(),
        *_penalties(),
        *_soft_actions(),
        *_repairs(),
        *_directory(),
        *_objections(),
        *_serious(),
        *_orders(),
    )
