"""The audit event types of the enforcement app: labels, and what one event changed in a few
words. Declared from `RemediationConfig.ready()`; one function per area."""

from __future__ import annotations

from credit_portal.audit import AuditEventType, audit_event_types_declare


def _penalties() -> list[AuditEventType]:
    return []


def _soft_actions() -> list[AuditEventType]:
    return []


def _repairs() -> list[AuditEventType]:
    return []


def declare() -> None:
    audit_event_types_declare(*_penalties(), *_soft_actions(), *_repairs())
