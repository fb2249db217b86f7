"""The audit event types of the credit station (credit_portal.audit), declared from
`StationConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare

MEASURE_SAVED = "station.measure_saved"


def _measure_summary(event: Any) -> dict[str, Any]:
    extra = event.extra or {}
    changed = ", ".join(extra.get("changed") or [])
    return {"summary": f"{extra.get('code', '')} v{extra.get('version', '')} {changed}".strip()}


def declare() -> None:
    audit_event_types_declare(
        AuditEventType(MEASURE_SAVED, _("Policy measure saved"), _measure_summary),
    )
