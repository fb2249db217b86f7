"""The audit log: who did what. Every service that changes state calls `audit_event_record`
inside its own transaction, so the change and its record commit or roll back together.

The request id and client IP come from `credit_portal.middleware.RequestContextMiddleware`
(through context variables), so services need not pass the request around; jobs have neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from credit_portal.bulk import bulk_insert, insert_select
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User


@dataclass(frozen=True)
class AuditEventType:
    """One type of audit event, declared by the app whose services record it.

    `code` is what the log stores (`AuditEvent.event_type`), `label` the type in words for
    people (the admin's audit list, an enterprise's audit history), and `summary`, if given,
    what one event of the type changed in a few words: a callable ``(event) -> dict`` whose
    keys the enterprise's audit history shows (``summary``, and ``overridden`` when a check was
    overridden). The core knows only its own types; every app declares its own with
    `audit_event_types_declare`, from its `AppConfig.ready()`.
    """

    code: str
    label: Promise | str
    summary: Callable[[AuditEvent], dict[str, Any]] | None = None


_EVENT_TYPES: dict[str, AuditEventType] = {}


def _msgid(label: Promise | str) -> str:
    """The label untranslated: two declarations agree when their msgids do, in any language."""
    with translation.override(None):
        return str(label)


def audit_event_types_declare(*types: AuditEventType) -> None:
    """Declare event types (any app, at any time: a type declared later is welcome).

    Rules: a code is declared once; declaring it again with the same label and summary changes
    nothing, with another label or summary raises `ImproperlyConfigured` (two apps claiming
    one code, or a typo). Side effects: the registry only.
    """
    for event_type in types:
        known = _EVENT_TYPES.get(event_type.code)
        if known is None:
            _EVENT_TYPES[event_type.code] = event_type
            continue
        same_label = _msgid(known.label) == _msgid(event_type.label)
        if not same_label or known.summary is not event_type.summary:
            raise ImproperlyConfigured(
                f"Audit event type {event_type.code!r} is already declared as "
                f"{_msgid(known.label)!r}; it cannot be declared again differently."
            )


def audit_event_type(code: str) -> AuditEventType | None:
    """The declared type of this code, or None."""
    return _EVENT_TYPES.get(code)


# The admin's own events are named by their pattern: admin.<app>.<model>_<action>.
_ADMIN_ACTIONS = {
    "created": _("Added in the admin"),
    "changed": _("Changed in the admin"),
    "deleted": _("Deleted in the admin"),
}


def event_label(event_type: str) -> str:
    """The event type in words, in the active language (the code when it has none)."""
    declared = _EVENT_TYPES.get(event_type)
    if declared is not None:
        return str(declared.label)
    if event_type.startswith("admin."):
        action = event_type.rpartition("_")[2]
        if action in _ADMIN_ACTIONS:
            return str(_ADMIN_ACTIONS[action])
    return event_type


def event_summary(event: AuditEvent) -> dict[str, Any]:
    """What one event changed, in a few words, as its type's `summary` gives it; at least
    ``{"summary": ""}``."""
    declared = _EVENT_TYPES.get(event.event_type)
    if declared is None or declared.summary is None:
        return {"summary": ""}
    return {"summary": "", **declared.summary(event)}


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


# The core's own event types (accounts, the admin's role grants, the working-day calendar kept
# in the admin); every other app declares its own from its AppConfig.ready().
audit_event_types_declare(
    AuditEventType("accounts.api_token_created", _("API token issued")),
    AuditEventType("accounts.department_created", _("Department created")),
    AuditEventType("accounts.password_changed", _("Password changed")),
    AuditEventType("accounts.password_reset_by_admin", _("Password reset by an administrator")),
    AuditEventType("accounts.user_created", _("User created")),
    AuditEventType("accounts.user_logged_in", _("Logged in")),
    AuditEventType("accounts.user_logged_out", _("Logged out")),
    AuditEventType("admin.credit_portal.user_grants_changed", _("Roles and permissions changed")),
    # credit_portal.workdays: the bureau's holidays and adjusted working days, and the years
    # whose schedule is complete (AuditedAdminMixin names them admin.<label>_<action>).
    AuditEventType("admin.credit_portal.calendarentry_created", _("Calendar day added")),
    AuditEventType("admin.credit_portal.calendarentry_changed", _("Calendar day changed")),
    AuditEventType("admin.credit_portal.calendarentry_deleted", _("Calendar day deleted")),
    AuditEventType("admin.credit_portal.calendaryear_created", _("Calendar year added")),
    AuditEventType("admin.credit_portal.calendaryear_changed", _("Calendar year changed")),
    AuditEventType("admin.credit_portal.calendaryear_deleted", _("Calendar year deleted")),
)
