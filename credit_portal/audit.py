"""The audit log: who did what. Every service that changes state calls `audit_event_record`
inside its own transaction, so the change and its record commit or roll back together.

The request id and client IP come from `credit_portal.middleware.RequestContextMiddleware`
(through context variables), so services need not pass the request around; jobs have neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from credit_portal.bulk import bulk_insert, insert_select
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User

# What each event type means, for people (the admin's audit list, an enterprise's audit history).
# A type missing here is shown as its code; the admin's own events are named by their pattern.
EVENT_LABELS: dict[str, Promise] = {
    "accounts.api_token_created": _("API token issued"),
    "accounts.department_created": _("Department created"),
    "accounts.password_changed": _("Password changed"),
    "accounts.password_reset_by_admin": _("Password reset by an administrator"),
    "accounts.user_created": _("User created"),
    "accounts.user_logged_in": _("Logged in"),
    "accounts.user_logged_out": _("Logged out"),
    "admin.credit_portal.user_grants_changed": _("Roles and permissions changed"),
    "demo.district_seeded": _("Demo district built"),
    "enterprises.activation_code_issued": _("Activation code issued"),
    "enterprises.credit_record_appended": _("Credit record added"),
    "enterprises.enterprise_changed": _("Register data changed"),
    "enterprises.enterprise_created": _("Added to the register"),
    "enterprises.enterprise_user_registered": _("Enterprise user registered"),
    "enterprises.import_applied": _("Register file imported"),
    "enterprises.register_exported": _("Register exported"),
    "enterprises.state_refreshed": _("Status brought up to date"),
    "enterprises.status_changed": _("Status changed"),
}
_ADMIN_ACTIONS = {
    "created": _("Added in the admin"),
    "changed": _("Changed in the admin"),
    "deleted": _("Deleted in the admin"),
}


def event_label(event_type: str) -> str:
    """The event type in words, in the active language (the code when it has none)."""
    label = EVENT_LABELS.get(event_type)
    if label is not None:
        return str(label)
    if event_type.startswith("admin."):
        action = event_type.rpartition("_")[2]
        if action in _ADMIN_ACTIONS:
            return str(_ADMIN_ACTIONS[action])
    return event_type


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def audit_event_record(
    *,
    actor: User | None,
    event_type: str,
    target: models.Model | None = None,
    enterprise: models.Model | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event.

    Rules: must run inside the caller's transaction (an event without its change, or a change
    without its event, is impossible). `actor=None` means a system job.
    Side effects: none beyond the row.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_event_record must be called inside the service's transaction")
    if actor is not None and not actor.is_authenticated:
        actor = None
    event = AuditEvent(
        actor=actor,
        event_type=event_type,
        enterprise_id=enterprise.pk if enterprise is not None else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        extra=_jsonable(extra or {}),
        request_id=current_request_id() or "",
        ip_address=current_client_ip(),
    )
    event.save()
    return event


def model_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{"old": {...}, "new": {...}} for the keys whose values differ."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {
        "old": {k: _jsonable(before.get(k)) for k in changed},
        "new": {k: _jsonable(after.get(k)) for k in changed},
    }


def model_snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a row, for `model_diff`."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def audit_events_bulk_record(
    *,
    actor: User | None,
    event_type: str,
    targets: list[tuple[models.Model, dict[str, Any]]],
) -> None:
    """Append one event per (enterprise, extra) in one COPY (PostgreSQL) or INSERT: for bulk
    jobs (import), so that every changed enterprise's own audit history shows the change.

    Rules: inside the caller's transaction, like `audit_event_record`. Side effects: none.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_events_bulk_record must be called inside a transaction")
    if actor is not None and not actor.is_authenticated:
        actor = None
    request_id, ip = current_request_id() or "", current_client_ip() or None
    bulk_insert(
        [
            AuditEvent(
                actor=actor,
                event_type=event_type,
                enterprise_id=target.pk,
                target_type=target._meta.label_lower,
                target_id=str(target.pk),
                target_repr=str(target)[:200],
                extra=_jsonable(extra),
                request_id=request_id,
                ip_address=ip,
            )
            for target, extra in targets
        ]
    )


def audit_events_insert_select(
    *,
    actor: User | None,
    event_type: str,
    target: dict[str, Any],
    extra: dict[str, Any],
    source: str,
    params: Sequence[Any] = (),
) -> int:
    """Append one event per row of `source` in one INSERT ... SELECT (`bulk.insert_select`):
    for bulk jobs whose targets were just written by the database (the enterprises of an
    import), with no Python per row. `target` gives the SQL of enterprise_id, target_type,
    target_id and target_repr over the source; `extra` is the same for every event.

    Rules: inside the caller's transaction, like `audit_event_record`; every event has the
    same time. Side effects: none.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_events_insert_select must be called inside a transaction")
    if actor is not None and not actor.is_authenticated:
        actor = None
    return insert_select(
        AuditEvent,
        {
            **target,
            "actor_id": actor.pk if actor is not None else None,
            "event_type": event_type,
            "extra": _jsonable(extra),
            "request_id": current_request_id() or "",
            "ip_address": current_client_ip() or None,
        },
        source=source,
        params=params,
    )
