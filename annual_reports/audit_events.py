"""The audit event types of the annual-report app: labels, and what one event changed in a few
words. Declared from `AnnualReportsConfig.ready()`; one function per area (reports,
disclosures and invitations)."""

from __future__ import annotations

from typing import Any

from credit_portal.audit import AuditEventType, audit_event_types_declare

REPORT_DRAFT_SAVED = "annual_reports.report_draft_saved"
REPORT_SUBMITTED = "annual_reports.report_submitted"
REPORT_CORRECTION_STARTED = "annual_reports.report_correction_started"
REPORT_PAPER_ENTERED = "annual_reports.report_paper_entered"


def _report_summary(event: Any) -> dict[str, Any]:
    """The year, the revision and the channel or correction the event names (reports)."""
    extra = event.extra or {}
    parts = [str(extra["year"]) if extra.get("year") else str(event.target_repr or "")]
    if extra.get("revision"):
        parts.append(f"r{extra['revision']}")
    keys = ("channel", "correction", "filed_on", "reference")
    parts.extend(str(extra[key]) for key in keys if extra.get(key))
    if extra.get("late"):
        from django.utils.translation import gettext

        parts.append(gettext("late"))
    return {"summary": " · ".join(p for p in parts if p)}


def _reports() -> list[AuditEventType]:
    from django.utils.translation import gettext_lazy as _

    summary = _report_summary
    return [
        AuditEventType(REPORT_DRAFT_SAVED, _("Annual report draft saved"), summary),
        AuditEventType(REPORT_SUBMITTED, _("Annual report submitted"), summary),
        AuditEventType(REPORT_CORRECTION_STARTED, _("Annual report correction started"), summary),
        AuditEventType(REPORT_PAPER_ENTERED, _("Paper annual report entered"), summary),
    ]


DISCLOSURE_DRAFT_SAVED = "annual_reports.disclosure_draft_saved"
DISCLOSURE_DRAFT_DISCARDED = "annual_reports.disclosure_draft_discarded"
DISCLOSURE_SUBMITTED = "annual_reports.disclosure_submitted"
DISCLOSURE_CORRECTION_STARTED = "annual_reports.disclosure_correction_started"
DISCLOSURE_CORRECTED = "annual_reports.disclosure_corrected"
INVITATION_CREATED = "annual_reports.invitation_created"
INVITATION_CANCELLED = "annual_reports.invitation_cancelled"
INVITATION_USED = "annual_reports.invitation_used"
INVITATION_LAPSED = "annual_reports.invitation_lapsed"


def _disclosure_summary(event: Any) -> dict[str, Any]:
    """The item, the revision and the dates or reasons the event names (immediate disclosures
    and invitations to self-correct)."""
    extra = event.extra or {}
    parts = [str(extra.get("item_display") or extra.get("year") or event.target_repr or "")]
    if extra.get("revision"):
        parts.append(f"r{extra['revision']}")
    keys = ("changed_on", "filed_on", "respond_by", "reason_display")
    parts.extend(str(extra[key]) for key in keys if extra.get(key))
    if extra.get("late"):
        from django.utils.translation import gettext

        parts.append(gettext("late"))
    if extra.get("reasons"):
        reasons = str(extra["reasons"])
        parts.append(reasons if len(reasons) <= 60 else reasons[:59] + "…")
    return {"summary": " · ".join(p for p in parts if p)}


def _disclosures() -> list[AuditEventType]:
    """Immediate disclosures and the invitations to self-correct (issue 15, docs/domain.md §3,
    §4, §10)."""
    from django.utils.translation import gettext_lazy as _

    summary = _disclosure_summary
    return [
        AuditEventType(DISCLOSURE_DRAFT_SAVED, _("Immediate disclosure draft saved"), summary),
        AuditEventType(
            DISCLOSURE_DRAFT_DISCARDED, _("Immediate disclosure draft discarded"), summary
        ),
        AuditEventType(DISCLOSURE_SUBMITTED, _("Immediate information disclosed"), summary),
        AuditEventType(
            DISCLOSURE_CORRECTION_STARTED, _("Correction of a disclosure started"), summary
        ),
        AuditEventType(DISCLOSURE_CORRECTED, _("Immediate information corrected"), summary),
        AuditEventType(INVITATION_CREATED, _("Invitation to self-correct issued"), summary),
        AuditEventType(INVITATION_CANCELLED, _("Invitation to self-correct cancelled"), summary),
        AuditEventType(INVITATION_USED, _("Invitation to self-correct used"), summary),
        AuditEventType(INVITATION_LAPSED, _("Invitation to self-correct lapsed"), summary),
    ]


def declare() -> None:
    audit_event_types_declare(*_reports(), *_disclosures())
