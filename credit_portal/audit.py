"""The audit log: who did what. Every service that changes state calls `audit_event_record`
inside its own transaction, so the change and its record commit or roll back together.

The request id and client IP come from `credit_portal.middleware.RequestContextMiddleware`
(through context variables), so services need not pass the request around; jobs have neither.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from credit_portal.bulk import bulk_insert
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User


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
