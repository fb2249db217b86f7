"""The audit event types of the register: their labels, and for the types that change an
entity, what one event changed in a few words (the enterprise's audit history on the staff
detail page). Declared from `EnterprisesConfig.ready()`; the core's audit log knows none of
them (`credit_portal.audit.audit_event_types_declare`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from credit_portal.audit import AuditEventType, audit_event_types_declare
from credit_portal.models import AuditEvent
from enterprises.kinds import items_joined, kind_label
from enterprises.models import Enterprise

# Changed in every edit (or derived from another field): not worth naming.
_NOT_NAMED = {"version", "name_initials"}


def _status_changed(event: AuditEvent) -> dict[str, Any]:
    """Old → new status."""
    extra = event.extra or {}
    old = (extra.get("old") or {}).get("status", "")
    new = (extra.get("new") or {}).get("status", "")
    statuses = dict(Enterprise.Status.choices)
    return {"summary": f"{statuses.get(old, old)} → {statuses.get(new, new)}"}


def _import_source(extra: dict[str, Any]) -> dict[str, Any]:
    """The import that made the change, for the events an import writes per enterprise
    (`enterprises.services.imports.applying`): its job's id (the history links to the job's
    page) or, for a file imported on the command line without a job, the file's name."""
    job = extra.get("import_job")
    if isinstance(job, int) and not isinstance(job, bool):
        return {"import_job": job}
    if extra.get("import_file"):
        return {"import_file": str(extra["import_file"])}
    return {}


def _enterprise_changed(event: AuditEvent) -> dict[str, Any]:
    """The names of the changed fields; whether a failing code check was overridden; the
    import that made the change."""
    extra = event.extra or {}
    labels = {f.attname: str(f.verbose_name) for f in Enterprise._meta.concrete_fields}
    changed = [labels.get(k, k) for k in (extra.get("new") or {}) if k not in _NOT_NAMED]
    return {
        "summary": items_joined(changed),
        "overridden": extra.get("check_overridden"),
        **_import_source(extra),
    }


def _enterprise_created(event: AuditEvent) -> dict[str, Any]:
    """Whether a failing code check was overridden; the import that made the entity."""
    extra = event.extra or {}
    return {"summary": "", "overridden": extra.get("check_overridden"), **_import_source(extra)}


def _bar_summary(event: AuditEvent) -> dict[str, Any]:
    """Until when, the enterprise on the serious list, and the reason of an override or a lift."""
    extra = event.extra or {}
    parts = [
        str(extra[key])
        for key in ("barred_until", "listed_enterprise", "lifted_on", "reason")
        if extra.get(key)
    ]
    if extra.get("missing"):
        parts.append(str(_("identity number missing: cannot be matched")))
    return {"summary": " · ".join(parts)}


def _credit_record_appended(event: AuditEvent) -> dict[str, Any]:
    """The kind of record."""
    return {"summary": kind_label(str((event.extra or {}).get("kind") or ""))}


EVENT_TYPES = (
    AuditEventType(
        "enterprises.activation_code_issued",
        _("Activation code issued"),
    ),
    AuditEventType(
        "enterprises.credit_record_appended",
        _("Credit record added"),
        _credit_record_appended,
    ),
    AuditEventType(
        "enterprises.enterprise_changed",
        _("Register data changed"),
        _enterprise_changed,
    ),
    AuditEventType(
        "enterprises.enterprise_created",
        _("Added to the register"),
        _enterprise_created,
    ),
    AuditEventType(
        "enterprises.enterprise_user_registered",
        _("Enterprise user registered"),
    ),
    AuditEventType("enterprises.import_applied", _("Register file imported")),
    # The bar on legal representatives of enterprises on the serious list (enterprises.services.
    # bars): recorded by the listing, lifted on revocation or repair, overridden with a reason.
    AuditEventType(
        "enterprises.representative_bar_recorded",
        _("Legal representative barred"),
        _bar_summary,
    ),
    AuditEventType(
        "enterprises.representative_bar_lifted",
        _("Bar on a legal representative lifted"),
        _bar_summary,
    ),
    AuditEventType(
        "enterprises.representative_bar_overridden",
        _("Barred legal representative registered by override"),
        _bar_summary,
    ),
    AuditEventType("enterprises.register_exported", _("Register exported")),
    AuditEventType("enterprises.state_refreshed", _("Status brought up to date")),
    AuditEventType(
        "enterprises.status_changed",
        _("Status changed"),
        _status_changed,
    ),
    # Recorded by `enterprises.demo.demo_district_seed`, which builds the register.
    AuditEventType("demo.district_seeded", _("Demo district built")),
)


def declare() -> None:
    audit_event_types_declare(*EVENT_TYPES)
