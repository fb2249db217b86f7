"""Overrides of a computed class by a supervisor (issue 16 §7; docs/domain.md §1): with a
reason and an expiry, shown as such everywhere, audited, ending by themselves.

An override changes the class in effect at once: the enterprise's `CurrentClass` row (locked)
takes the override's class and points to it, in the same transaction as the override and its
audit event; its `computed_class` stays what the engine computed, and the nightly run keeps
the override's class while the override is open (`risk.engine`). Ending one, by hand or on its
expiry, puts the computed class back.

`ended_on` is the first day an override no longer applies: the day a supervisor ends it (or
replaces it), the day after its expiry when it ends by itself.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.bulk import bulk_insert
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User
from enterprises.models import Enterprise
from risk import audit_events as events
from risk import engine, rules
from risk.models import ClassOverride, CurrentClass

REASON_MAX = 2000


def _system() -> User:
    from credit_portal.services import system_user

    return system_user()


def override_set(
    *,
    enterprise: Enterprise,
    risk_class: str,
    reason: str,
    expires_on: dt.date,
    by: User,
) -> ClassOverride:
    """Override the enterprise's class from today until `expires_on` (inclusive).

    Rules (issue 16 §7; the caller checks `risk.override_class` and the jurisdiction): a
    reason is required; the class is one of A–D; the expiry is after today and at most
    `rules.OVERRIDE_MAX_DAYS` days ahead; the enterprise has a current class (an override
    replaces a computed class: one never classified has none); one open override per
    enterprise: a new one ends the open one (audited as ended, "replaced").
    Side effects: the `CurrentClass` row's `risk_class` and `override` change at once (row
    locked); audit `risk.override_set` (and `risk.override_ended` for a replaced one).
    """
    today = timezone.localdate()
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if risk_class not in rules.CLASSES:
        errors["risk_class"] = _("Choose a class: A, B, C or D.")
    if not reason:
        errors["reason"] = _("Give the reason for the override.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("The reason is too long (at most %(n)d characters).") % {
            "n": REASON_MAX
        }
    latest = today + dt.timedelta(days=rules.OVERRIDE_MAX_DAYS)
    if expires_on <= today:
        errors["expires_on"] = _("The override must last beyond today.")
    elif expires_on > latest:
        errors["expires_on"] = _(
            "An override lasts at most %(days)d days: until %(latest)s at the latest."
        ) % {"days": rules.OVERRIDE_MAX_DAYS, "latest": latest.isoformat()}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        engine.overrides_lock(shared=False)  # after a running step's commit, never under it
        current = (
            CurrentClass.objects.select_for_update().filter(enterprise_id=enterprise.pk).first()
        )
        if current is None:
            raise ValidationError(
                _(
                    "This enterprise has no class yet (it has never been classified, or is "
                    "not classified any more): there is nothing to override."
                ),
                code="not_classified",
            )
        before = current.risk_class
        replaced = (
            ClassOverride.objects.select_for_update()
            .filter(enterprise_id=enterprise.pk, ended_on__isnull=True)
            .first()
        )
        if replaced is not None:
            replaced.ended_on = max(today, replaced.starts_on)
            replaced.ended_by = by
            replaced.end_reason = _("Replaced by a new override")
            replaced.save(update_fields=["ended_on", "ended_by", "end_reason"])
            audit_event_record(
                actor=by,
                event_type=events.OVERRIDE_ENDED,
                target=replaced,
                enterprise=enterprise,
                extra={"class": replaced.risk_class, "how": "replaced", "on": today},
            )
        override = ClassOverride.objects.create(
            enterprise_id=enterprise.pk,
            risk_class=risk_class,
            reason=reason,
            starts_on=today,
            expires_on=expires_on,
            created_by=by,
        )
        current.risk_class = risk_class
        current.override = override
        current.save(update_fields=["risk_class", "override"])
        audit_event_record(
            actor=by,
            event_type=events.OVERRIDE_SET,
            target=override,
            enterprise=enterprise,
            extra={
                "old": {"class": before},
                "new": {"class": risk_class},
                "computed_class": current.computed_class,
                "expires_on": expires_on,
                "reason": reason,
                "replaced": replaced.pk if replaced is not None else None,
            },
        )
    return override


def override_end(*, override: ClassOverride, by: User, reason: str) -> ClassOverride:
    """End an open override today, before its expiry.

    Rules (issue 16 §7; the caller checks `risk.override_class` and the jurisdiction): a
    reason is required; only an open override ends.
    Side effects: the `CurrentClass` row (locked) goes back to its `computed_class` and loses
    the override; audit `risk.override_ended`.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for ending the override.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX}}
        )
    today = timezone.localdate()
    with transaction.atomic():
        engine.overrides_lock(shared=False)  # after a running step's commit, never under it
        # The current class first, then the override: the order `override_set` and
        # `overrides_expire` lock them in (the other order deadlocks against them).
        current = (
            CurrentClass.objects.select_for_update()
            .filter(enterprise_id=override.enterprise_id)
            .first()
        )
        locked = ClassOverride.objects.select_for_update().get(pk=override.pk)
        if locked.ended_on is not None:
            raise ValidationError(_("This override has already ended."), code="ended")
        locked.ended_on = max(today, locked.starts_on)
        locked.ended_by = by
        locked.end_reason = reason
        locked.save(update_fields=["ended_on", "ended_by", "end_reason"])
        back = ""
        if current is not None and current.override_id == locked.pk:
            back = current.computed_class
            current.risk_class = current.computed_class
            current.override = None
            current.save(update_fields=["risk_class", "override"])
        audit_event_record(
            actor=by,
            event_type=events.OVERRIDE_ENDED,
            target=locked,
            enterprise=locked.enterprise,
            extra={
                "old": {"class": locked.risk_class},
                "new": {"class": back},
                "how": "ended",
                "reason": reason,
                "on": today,
            },
        )
    override.refresh_from_db()
    return override


def overrides_expire(*, on: dt.date, by: User | None = None) -> int:
    """End every open override whose expiry is before `on` (the daily job calls it).

    Rules (issue 16 §7, "ending by themselves"): an override applies up to and including its
    `expires_on`; it ends the day after (`ended_on`), by the system. Set-based (a constant
    number of statements whatever the number); idempotent: an ended override is not open.
    Side effects: the `CurrentClass` rows pointing to them go back to their computed class;
    one audit event `risk.override_ended` per override, by the system user.
    """
    actor = by or _system()
    with transaction.atomic():
        engine.overrides_lock(shared=False)  # after a running step's commit, never under it
        expired = ClassOverride.objects.filter(ended_on__isnull=True, expires_on__lt=on)
        # The current classes first, then the overrides: the order `override_set` and
        # `override_end` lock them in (the other order deadlocks against them).
        list(
            CurrentClass.objects.select_for_update()
            .filter(enterprise_id__in=expired.values("enterprise_id"))
            .order_by("enterprise_id")
            .values_list("enterprise_id", flat=True)
        )
        due = list(expired.select_for_update().order_by("pk"))
        if not due:
            return 0
        ids = [o.pk for o in due]
        CurrentClass.objects.filter(override_id__in=ids).update(
            risk_class=F("computed_class"), override=None
        )
        ClassOverride.objects.filter(pk__in=ids).update(
            ended_on=F("expires_on") + dt.timedelta(days=1), ended_by=actor
        )
        request_id, ip = current_request_id() or "", current_client_ip() or None
        bulk_insert(
            [
                AuditEvent(
                    actor=actor,
                    event_type=events.OVERRIDE_ENDED,
                    enterprise_id=o.enterprise_id,
                    target_type=o._meta.label_lower,
                    target_id=str(o.pk),
                    target_repr=str(o)[:200],
                    extra={
                        "old": {"class": o.risk_class},
                        "how": "expired",
                        "expires_on": o.expires_on.isoformat(),
                        "on": on.isoformat(),
                    },
                    request_id=request_id,
                    ip_address=ip,
                )
                for o in due
            ]
        )
    return len(ids)
