"""The audit event types of the inspections app (credit_portal.audit), declared from
`InspectionsConfig.ready()`. One list, so that the areas do not collide."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare

# The list and the two libraries.
ITEM_SAVED = "inspections.item_saved"
SKILL_SAVED = "inspections.skill_saved"
INSPECTOR_SAVED = "inspections.inspector_saved"
RECUSAL_RECORDED = "inspections.recusal_recorded"
RECUSAL_ENDED = "inspections.recusal_ended"
# Plans.
PLAN_SAVED = "inspections.plan_saved"
PLAN_APPROVED = "inspections.plan_approved"
PLAN_CLOSED = "inspections.plan_closed"
# Draws.
DRAW_REQUESTED = "inspections.draw_requested"
DRAW_COMMITTED = "inspections.draw_committed"
DRAW_OUTSIDE_RECORDED = "inspections.draw_outside_recorded"
DRAW_DERIVED = "inspections.draw_derived"
DRAW_REVEALED = "inspections.draw_revealed"
DRAW_SUPERSEDED = "inspections.draw_superseded"
DRAW_FAILED = "inspections.draw_failed"
# Inspections.
INSPECTION_RECORDED = "inspections.inspection_recorded"
INSPECTION_RETURNED = "inspections.inspection_returned"
INSPECTION_REVIEWED = "inspections.inspection_reviewed"
INSPECTION_PUBLISHED = "inspections.inspection_published"
INSPECTION_CANCELLED = "inspections.inspection_cancelled"
INSPECTION_TRIGGERED = "inspections.inspection_triggered"
INSPECTION_FOLLOW_UP = "inspections.inspection_follow_up"
INSPECTION_ASSIGNED = "inspections.inspection_assigned"
# Leads.
LEAD_RECEIVED = "inspections.lead_received"
LEAD_CHANGED = "inspections.lead_changed"
LEAD_DECIDED = "inspections.lead_decided"
LEAD_CLOSED = "inspections.lead_closed"
REPORTER_VIEWED = "inspections.reporter_viewed"


def declare() -> None:
    audit_event_types_declare(
        AuditEventType(ITEM_SAVED, _("Inspection item saved")),
        AuditEventType(SKILL_SAVED, _("Inspector skill saved")),
        AuditEventType(INSPECTOR_SAVED, _("Inspector saved")),
        AuditEventType(RECUSAL_RECORDED, _("Recusal recorded")),
        AuditEventType(RECUSAL_ENDED, _("Recusal ended")),
        AuditEventType(PLAN_SAVED, _("Sampling plan saved")),
        AuditEventType(PLAN_APPROVED, _("Sampling plan approved")),
        AuditEventType(PLAN_CLOSED, _("Sampling plan closed")),
        AuditEventType(DRAW_REQUESTED, _("Draw requested")),
        AuditEventType(DRAW_COMMITTED, _("Draw committed")),
        AuditEventType(DRAW_OUTSIDE_RECORDED, _("Outside randomness recorded")),
        AuditEventType(DRAW_DERIVED, _("Draw made")),
        AuditEventType(DRAW_REVEALED, _("Draw revealed")),
        AuditEventType(DRAW_SUPERSEDED, _("Draw superseded by a redraw")),
        AuditEventType(DRAW_FAILED, _("Draw job failed")),
        AuditEventType(INSPECTION_RECORDED, _("Inspection result recorded")),
        AuditEventType(INSPECTION_RETURNED, _("Inspection result returned for correction")),
        AuditEventType(INSPECTION_REVIEWED, _("Inspection result reviewed")),
        AuditEventType(INSPECTION_PUBLISHED, _("Inspection result published")),
        AuditEventType(INSPECTION_CANCELLED, _("Inspection cancelled")),
        AuditEventType(INSPECTION_TRIGGERED, _("Triggered inspection created")),
        AuditEventType(INSPECTION_FOLLOW_UP, _("Follow-up of an inspection result")),
        AuditEventType(INSPECTION_ASSIGNED, _("Inspectors assigned by hand")),
        AuditEventType(LEAD_RECEIVED, _("Lead received")),
        AuditEventType(LEAD_CHANGED, _("Lead updated")),
        AuditEventType(LEAD_DECIDED, _("Decision on a lead")),
        AuditEventType(LEAD_CLOSED, _("Lead closed")),
        AuditEventType(REPORTER_VIEWED, _("Reporter's identity viewed")),
    )
