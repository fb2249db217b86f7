"""The catalogue of policy measures (issue 18 §3 "policy boost: from a catalogue administrators
keep"): add and change a measure, validated (its conditions against `station.rules`), versioned
and audited. The admin writes through here; nothing is deleted (a measure is made inactive)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from station import audit_events as events
from station.models import PolicyMeasure
from station.rules import conditions_problems

MEASURE_FIELDS = (
    "code",
    "title",
    "summary",
    "benefit",
    "how_to_apply",
    "department",
    "document_number",
    "document_url",
    "valid_from",
    "valid_until",
    "is_active",
    "conditions",
)
_TEXT_LIMITS = {"code": 40, "title": 200, "benefit": 200, "document_number": 100}


def measure_problems(
    *, data: Mapping[str, Any], measure: PolicyMeasure | None = None
) -> dict[str, list[str]]:
    """Every problem of a measure's data, by field; empty: valid."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    code = str(data.get("code") or "").strip()
    if not code:
        add("code", _("Give the measure a short code (letters, digits, - and _)."))
    elif not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        add("code", _("A code uses letters, digits, - and _ only."))
    else:
        same = PolicyMeasure.objects.filter(code=code)
        if measure is not None:
            same = same.exclude(pk=measure.pk)
        if same.exists():
            add("code", _("Another measure has the code %(code)s.") % {"code": code})
    for field in ("title", "benefit"):
        if not str(data.get(field) or "").strip():
            add(field, _("This field is required."))
    for field, limit in _TEXT_LIMITS.items():
        if len(str(data.get(field) or "")) > limit:
            add(field, _("At most %(n)d characters.") % {"n": limit})
    url = str(data.get("document_url") or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            add("document_url", _("Give the document's web address (http or https)."))
    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    if not isinstance(valid_from, dt.date):
        add("valid_from", _("Give the day the measure takes effect."))
    if valid_until is not None and not isinstance(valid_until, dt.date):
        add("valid_until", _("Give a day, or leave it empty for no end."))
    elif (
        isinstance(valid_from, dt.date)
        and isinstance(valid_until, dt.date)
        and valid_until < valid_from
    ):
        add("valid_until", _("The measure cannot end before it takes effect."))
    for problem in conditions_problems(data.get("conditions", [])):
        add("conditions", problem)
    return errors


def _clean(field: str, value: Any) -> Any:
    if field == "is_active":
        return bool(value)
    if field == "conditions":
        return list(value or [])
    if field in {"department", "valid_from", "valid_until"}:
        return value
    return str(value or "").strip()


def measure_save(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    measure: PolicyMeasure | None = None,
    expected_version: int | None = None,
) -> PolicyMeasure:
    """Create a measure from `data` (`MEASURE_FIELDS`), or change `measure` (only the fields
    `data` names change).

    Rules: `measure_problems` (conditions: `station.rules.conditions_problems`); a change sends
    the version it read (`expected_version`, required: none is a `ValueError`): a stale one is a
    `ConflictError`, nothing written.
    Side effects: the measure (version + 1 on a change, who and when); audit
    `station.measure_saved` with the fields that changed and the conditions before and after
    (the catalogue's history).
    """
    if measure is not None and expected_version is None:
        # Every caller changing a measure read it at a version: without it a change would
        # overwrite someone else's silently.
        raise ValueError("measure_save: a change needs the expected_version read")
    with transaction.atomic():
        locked = None
        if measure is not None:
            locked = PolicyMeasure.objects.select_for_update().get(pk=measure.pk)
            if expected_version != locked.version:
                raise ConflictError(
                    _(
                        "Someone else changed this measure meanwhile (version %(current)d, you "
                        "read %(read)d). Nothing was saved: check their changes, then save again."
                    )
                    % {"current": locked.version, "read": expected_version},
                    current_version=locked.version,
                )
        merged: dict[str, Any] = (
            {field: getattr(locked, field) for field in MEASURE_FIELDS} if locked else {}
        )
        merged.update({k: v for k, v in data.items() if k in MEASURE_FIELDS})
        merged.setdefault("is_active", True)
        errors = measure_problems(data=merged, measure=locked)
        if errors:
            raise ValidationError(errors)
        target = locked or PolicyMeasure(created_by=actor if actor and actor.pk else None)
        before_conditions = list(locked.conditions) if locked else []
        changed: list[str] = []
        for field in MEASURE_FIELDS:
            value = _clean(field, merged.get(field))
            if locked is not None and getattr(target, field) != value:
                changed.append(field)
            setattr(target, field, value)
        if locked is not None:
            if not changed:
                return locked
            target.version = locked.version + 1
        target.updated_by = actor if actor and actor.pk else None
        target.save()
        extra: dict[str, Any] = {
            "code": target.code,
            "created": locked is None,
            "changed": changed,
            "version": target.version,
        }
        if locked is None or "conditions" in changed:
            extra["conditions_before"] = before_conditions
            extra["conditions_after"] = target.conditions
        audit_event_record(actor=actor, event_type=events.MEASURE_SAVED, target=target, extra=extra)
        return target
