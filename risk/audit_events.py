"""The audit event types of the classification app (credit_portal.audit), declared from
`RiskConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare

RUN_STARTED = "risk.run_started"
RUN_FINISHED = "risk.run_finished"
RUN_DISCARDED = "risk.run_discarded"
VERSION_CREATED = "risk.version_created"
VERSION_CHANGED = "risk.version_changed"
VERSION_PUBLISHED = "risk.version_published"
INDICATOR_CHANGED = "risk.indicator_changed"
MODEL_CHANGED = "risk.model_changed"
OVERRIDE_SET = "risk.override_set"
OVERRIDE_ENDED = "risk.override_ended"
TASK_DONE = "risk.task_done"


def declare() -> None:
    audit_event_types_declare(
        AuditEventType(RUN_STARTED, _("Classification run started")),
        AuditEventType(RUN_FINISHED, _("Classification run finished")),
        AuditEventType(RUN_DISCARDED, _("Classification run discarded: the queue was unavailable")),
        AuditEventType(VERSION_CREATED, _("Scoring model version drafted")),
        AuditEventType(VERSION_CHANGED, _("Scoring model version changed")),
        AuditEventType(VERSION_PUBLISHED, _("Scoring model version published")),
        AuditEventType(INDICATOR_CHANGED, _("Indicator changed")),
        AuditEventType(MODEL_CHANGED, _("Scoring model changed")),
        AuditEventType(OVERRIDE_SET, _("Risk class overridden")),
        AuditEventType(OVERRIDE_ENDED, _("Risk class override ended")),
        AuditEventType(TASK_DONE, _("Class change task acknowledged")),
    )
