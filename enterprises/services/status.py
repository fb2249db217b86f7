"""Status changes of market entities (歇业, resumption, deregistration, revocation) and the
daily job that ends filed suspensions: register services that write their facts through the
ledger (`enterprises.services.ledger`). Rules: docs/domain.md §7, `enterprises.rules`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.models import User
from enterprises.kinds import STATUS_CHANGE, Effect, kind_codes, status_change_summary
from enterprises.models import CreditRecord, Enterprise
from enterprises.rules import (
    MAX_SUSPENSION_DAYS,
    STATUS_TRANSITIONS,
    SUSPENSION_EXTENSION_WINDOW_DAYS,
)
from enterprises.services.ledger import credit_record_append, enterprise_state_as_of
from enterprises.state import STATE_FIELDS, state_refresh_sql

Status = Enterprise.Status


@transaction.atomic
def enterprise_status_change(
    *,
    actor: User | None,
    enterprise: Enterprise,
    new_status: str,
    effective_on: dt.date,
    until: dt.date | None = None,
    note: str = "",
    document_number: str = "",
) -> CreditRecord:
    """Record a suspension (歇业), its extension, a resumption, a deregistration or a revocation.

    Rules (docs/domain.md §7): deregistered is final; revoked may only become deregistered;
    suspension needs an end date and at most 3 years in total; an extension of a suspension is
    filed within the 30 days before the current period ends; resumption only when suspended.
    Side effects: a public STATUS_CHANGE ledger record, the current-state fields, audit events.
    """
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    today = timezone.localdate()
    if effective_on > today:
        raise ValidationError({"effective_on": [_("The date cannot be in the future.")]})
    if effective_on < locked.registered_on:
        raise ValidationError({"effective_on": [_("The date is before the registration date.")]})
    last_status = (
        CreditRecord.objects.filter(enterprise=locked, kind__in=kind_codes(effect=Effect.STATUS))
        .order_by("-occurred_on", "-id")
        .first()
    )
    if last_status is not None and effective_on < last_status.occurred_on:
        raise ValidationError(
            {
                "effective_on": [
                    _("The date cannot precede the last recorded status change (%(d)s).")
                    % {"d": last_status.occurred_on}
                ]
            }
        )
    # Back-dated filings are judged by the state on their own date.
    state = enterprise_state_as_of(enterprise=locked, on=effective_on)
    current = state.status
    allowed = STATUS_TRANSITIONS
    if new_status == Status.OPERATING and current == Status.OPERATING:
        raise ValidationError(
            {"new_status": [_("Only a suspended market entity can resume business.")]}
        )
    if new_status not in allowed.get(current, set()):
        raise ValidationError(
            {
                "new_status": [
                    _("A market entity that is %(current)s cannot become %(new)s.")
                    % {"current": Status(current).label, "new": Status(new_status).label}
                ]
            }
        )
    details: dict[str, Any] = {"status": new_status, "previous": current}
    if new_status == Status.SUSPENDED:
        if until is None or until <= effective_on:
            raise ValidationError({"until": [_("A suspension needs an end date after its start.")]})
        start = effective_on
        if current == Status.SUSPENDED:
            if state.suspended_until is None or state.suspended_from is None:
                raise ValidationError(_("The current suspension has no recorded period."))
            days_left = (state.suspended_until - effective_on).days
            if days_left > SUSPENSION_EXTENSION_WINDOW_DAYS or days_left < 0:
                raise ValidationError(
                    {
                        "effective_on": [
                            _(
                                "An extension is filed within the 30 days before the "
                                "suspension ends (%(end)s)."
                            )
                            % {"end": state.suspended_until}
                        ]
                    }
                )
            start = state.suspended_from
        used = state.suspension_days_used + (until - start).days + 1
        if used > MAX_SUSPENSION_DAYS:
            raise ValidationError(
                {
                    "until": [
                        _(
                            "Suspension may last at most 3 years in total; "
                            "%(days)d days would be used."
                        )
                        % {"days": used}
                    ]
                }
            )
        details.update({"from": start.isoformat(), "until": until.isoformat()})
    elif new_status == Status.OPERATING and effective_on < (state.suspended_from or effective_on):
        raise ValidationError({"effective_on": [_("Resumption cannot precede the suspension.")]})
    record = credit_record_append(
        enterprise=locked,
        kind=STATUS_CHANGE,
        occurred_on=effective_on,
        actor=actor,
        is_public=True,
        authority=locked.registration_authority,
        document_number=document_number,
        details={**details, "note": note},
        summary=status_change_summary(details) or "",
    )
    locked.refresh_from_db()
    locked.status_changed_on = effective_on
    locked.save(update_fields=["status_changed_on", "updated_at"])
    audit_event_record(
        actor=actor,
        event_type="enterprises.status_changed",
        target=locked,
        enterprise=locked,
        extra={
            "old": {"status": current},
            "new": {"status": new_status, "until": until, "on": effective_on},
        },
    )
    enterprise.refresh_from_db()
    return record


def enterprise_states_refresh(*, on: dt.date | None = None, chunk: int = 500) -> int:
    """Bring the cached state of enterprises whose filed suspension has ended back in line
    with the ledger (they are operating again, docs/domain.md §7). Idempotent: a second run finds
    nothing to do. Returns the number of enterprises changed.

    Side effects: cached fields and one audit event (system actor) per changed enterprise.
    """
    on = on or timezone.localdate()
    changed = 0
    while True:
        ids = list(
            Enterprise.objects.filter(status=Status.SUSPENDED, suspended_until__lt=on)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return changed
        for pk in ids:
            with transaction.atomic():
                locked = Enterprise.objects.select_for_update().get(pk=pk)
                before = {name: getattr(locked, name) for name in STATE_FIELDS}
                state_refresh_sql("SELECT %s AS id", [pk], on=on)
                locked.refresh_from_db(fields=STATE_FIELDS)
                fields = [n for n in STATE_FIELDS if getattr(locked, n) != before[n]]
                if fields:
                    changed += 1
                    audit_event_record(
                        actor=None,
                        event_type="enterprises.state_refreshed",
                        target=locked,
                        enterprise=locked,
                        extra={"changed": fields},
                    )
        if len(ids) < chunk:
            return changed
