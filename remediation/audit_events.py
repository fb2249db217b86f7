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


def declare() -> None:
    audit_event_types_declare(*_penalties(), *_soft_actions(), *_repairs())
