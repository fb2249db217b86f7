"""The yearly report's one write: the audit event of a download (who took which year's figures
of which scope, as PDF or Word)."""

from __future__ import annotations

from django.db import transaction

from credit_portal.audit import audit_event_record
from credit_portal.models import User
from dashboard import audit_events
from dashboard.report.content import Report


@transaction.atomic
def report_download_record(*, actor: User, report: Report, form: str) -> None:
    """Record that `actor` downloaded `report` as `form` ("pdf" or "docx").
    Side effects: the audit event `dashboard.report_downloaded` (year, street, issuer, form)."""
    audit_event_record(
        actor=actor,
        event_type=audit_events.REPORT_DOWNLOADED,
        extra={
            "year": report.year,
            "street": report.street,
            "issuer": report.issuer,
            "form": form,
            "as_of": report.as_of.isoformat() if report.as_of else None,
        },
    )
