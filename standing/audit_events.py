"""The audit event types of the standing app (credit_portal.audit), declared from
`StandingConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare

LETTER_ISSUED = "standing.letter_issued"
LETTER_REVOKED = "standing.letter_revoked"


def _issued(event: Any) -> dict[str, Any]:
    extra = event.extra or {}
    return {
        "summary": gettext("Code %(code)s, as of %(day)s")
        % {"code": extra.get("code", ""), "day": extra.get("as_of", "")}
    }


def _revoked(event: Any) -> dict[str, Any]:
    extra = event.extra or {}
    return {
        "summary": gettext("Code %(code)s: %(reason)s")
        % {"code": extra.get("code", ""), "reason": extra.get("reason", "")}
    }


def declare() -> None:
    audit_event_types_declare(
        AuditEventType(LETTER_ISSUED, _("Letter of good standing issued"), _issued),
        AuditEventType(LETTER_REVOKED, _("Letter of good standing revoked"), _revoked),
    )
