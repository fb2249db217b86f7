"""The audit event types of the dashboard app (credit_portal.audit), declared from
`DashboardConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare

# The yearly work report (dashboard.report): who downloaded which year's figures, in which form.
REPORT_DOWNLOADED = "dashboard.report_downloaded"


def declare() -> None:
    audit_event_types_declare(
        AuditEventType(REPORT_DOWNLOADED, _("Yearly work report downloaded")),
    )
