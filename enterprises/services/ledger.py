"""The credit ledger: append-only facts, and the enterprise state they imply.

Invariants
- A record is never changed or deleted (ORM guard + PostgreSQL trigger).
- A removal, repair or correction is a new record whose `closes` points at the older record;
  a record can be closed once (one-to-one), only by a record of the same enterprise.
- `Enterprise.status`, `is_abnormal` and `on_serious_list` equal `enterprise_state_as_of(today)`
  after every append; both are written in one transaction with the record and its audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise

Kind = CreditRecord.Kind
Status = Enterprise.Status
# 市场主体登记管理条例 art. 30 / 实施细则 art. 40-43 (DOMAIN.md §7): suspension at most 3 years
# in total; an extension is filed within the 30 days before the current period ends.
MAX_SUSPENSION_DAYS = 3 * 365 + 1
EXTENSION_WINDOW_DAYS = 30


@dataclass
class EnterpriseState:
    """What the ledger says about an enterprise on a given day."""

    on: dt.date
    status: str = Status.OPERATING
    suspended_from: dt.date | None = None
    suspended_until: dt.date | None = None
    abnormal_listings: list[CreditRecord] = field(default_factory=list)
    serious_listings: list[CreditRecord] = field(default_factory=list)
    penalties_in_publicity: list[CreditRecord] = field(default_factory=list)
    suspension_days_used: int = 0

    @property
    def is_abnormal(self) -> bool:
        return bool(self.abnormal_listings)

    @property
    def on_serious_list(self) -> bool:
        return bool(self.serious_listings)


def _expire_suspension(state: EnterpriseState, day: dt.date) -> None:
    """A suspension whose filed period ended before `day` has become operating again
    (DOMAIN.md §7 state machine: automatic return when the filed period ends)."""
    if state.status == Status.SUSPENDED and state.suspended_until and state.suspended_until < day:
        start = state.suspended_from or state.suspended_until
        state.suspension_days_used += (state.suspended_until - start).days + 1
        state.status, state.suspended_from, state.suspended_until = Status.OPERATING, None, None


def _fold(records: list[CreditRecord], on: dt.date) -> EnterpriseState:
    state = EnterpriseState(on=on)
    closed = {r.closes_id for r in records if r.closes_id is not None}
    for r in records:
        if r.kind not in (Kind.REGISTRATION, Kind.STATUS_CHANGE):
            continue
        _expire_suspension(state, r.occurred_on)
        new_status = r.details.get("status", state.status)
        if new_status == Status.SUSPENDED:
            if state.status != Status.SUSPENDED:  # an extension keeps the original start
                state.suspended_from = dt.date.fromisoformat(r.details["from"])
            state.suspended_until = dt.date.fromisoformat(r.details["until"])
        elif state.status == Status.SUSPENDED and state.suspended_from is not None:
            state.suspension_days_used += (r.occurred_on - state.suspended_from).days
            state.suspended_from = state.suspended_until = None
        state.status = new_status
    _expire_suspension(state, on)
    state.abnormal_listings = [
        r for r in records if r.kind == Kind.ABNORMAL_LISTING and r.pk not in closed
    ]
    state.serious_listings = [
        r for r in records if r.kind == Kind.SERIOUS_LISTING and r.pk not in closed
    ]
    state.penalties_in_publicity = [
        r for r in records if r.kind == Kind.PENALTY and r.is_public_on(on, closed=r.pk in closed)
    ]
    return state


def enterprise_state_as_of(*, enterprise: Enterprise, on: dt.date) -> EnterpriseState:
    """Replay the ledger up to and including `on` (records dated later, and closings dated
    later, are ignored), so the state of any past day can be shown and explained."""
    records = list(
        CreditRecord.objects.filter(enterprise=enterprise, occurred_on__lte=on).order_by(
            "occurred_on", "id"
        )
    )
    return _fold(records, on)


def _refresh_current_state(enterprise: Enterprise, on: dt.date | None = None) -> list[str]:
    """Write the ledger's state of `on` (today) into the cached fields; return the changed
    fields."""
    state = enterprise_state_as_of(enterprise=enterprise, on=on or timezone.localdate())
    wanted = {
        "status": state.status,
        "suspended_from": state.suspended_from,
        "suspended_until": state.suspended_until,
        "is_abnormal": state.is_abnormal,
        "on_serious_list": state.on_serious_list,
    }
    changed = [k for k, v in wanted.items() if getattr(enterprise, k) != v]
    if changed:
        for k in changed:
            setattr(enterprise, k, wanted[k])
        enterprise.version += 1
        enterprise.save(update_fields=[*changed, "version", "updated_at"])
    return changed


@transaction.atomic
def credit_record_append(
    *,
    enterprise: Enterprise,
    kind: str,
    occurred_on: dt.date,
    summary: str,
    actor: User | None,
    is_public: bool = False,
    publicity_start: dt.date | None = None,
    publicity_end: dt.date | None = None,
    authority: str = "",
    document_number: str = "",
    details: dict[str, Any] | None = None,
    source: models.Model | None = None,
    closes: CreditRecord | None = None,
) -> CreditRecord:
    """Append one credit fact and bring the enterprise's current state in line with it.

    Rules: the date is not in the future; closing kinds (removal, repair, correction) must
    close an open record of the same enterprise, and a removal must close a listing of its own
    pair (abnormal/serious); a public record's publicity starts on its date unless given; a
    source object gives at most one record of each kind.
    Side effects: current-state fields of the enterprise; one audit event.
    """
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": [_("The date cannot be in the future.")]})
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of credit record.")]})
    if (kind in CreditRecord.CLOSING_KINDS) != (closes is not None):
        raise ValidationError(
            {
                "closes": [
                    _(
                        "Removals, repairs and corrections must name the record they close; "
                        "other records close nothing."
                    )
                ]
            }
        )
    if closes is not None:
        if closes.enterprise_id != locked.pk:
            raise ValidationError({"closes": [_("That record belongs to another market entity.")]})
        if CreditRecord.objects.filter(closes=closes).exists():
            raise ValidationError({"closes": [_("That record has already been closed.")]})
        paired: dict[str, str] = {v: k for k, v in CreditRecord.OPENING_KINDS.items()}
        if kind in paired and closes.kind != paired[kind]:
            raise ValidationError(
                {"closes": [_("A removal must close a listing of the same list.")]}
            )
        if occurred_on < closes.occurred_on:
            raise ValidationError(
                {"occurred_on": [_("A record cannot be closed before the date it happened.")]}
            )
    if is_public and publicity_start is None:
        publicity_start = occurred_on
    if publicity_start and publicity_end and publicity_end < publicity_start:
        raise ValidationError({"publicity_end": [_("The publicity period ends before it starts.")]})
    if (
        source is not None
        and CreditRecord.objects.filter(
            source_app=source._meta.app_label,
            source_model=source._meta.model_name,
            source_id=str(source.pk),
            kind=kind,
        ).exists()
    ):
        raise ValidationError(_("This fact has already been recorded."), code="duplicate")
    record = CreditRecord(
        enterprise=locked,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary,
        is_public=is_public,
        publicity_start=publicity_start,
        publicity_end=publicity_end,
        authority=authority,
        document_number=document_number,
        details=details or {},
        closes=closes,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        source_app=source._meta.app_label if source is not None else "",
        source_model=source._meta.model_name or "" if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
    )
    record.save()
    changed = _refresh_current_state(locked)
    enterprise.refresh_from_db()
    audit_event_record(
        actor=actor,
        event_type="enterprises.credit_record_appended",
        target=record,
        enterprise=locked,
        extra={
            "kind": kind,
            "occurred_on": occurred_on,
            "closes": closes.pk if closes else None,
            "state_changed": changed,
        },
    )
    return record


# The status changes the register allows from each status (市场主体登记管理条例 art. 30,
# 实施细则 art. 40-43): a suspension is extended by a further suspension; a revoked entity can
# only be deregistered; deregistration is final.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.OPERATING: {Status.SUSPENDED, Status.DEREGISTERED, Status.REVOKED},
    Status.SUSPENDED: {Status.SUSPENDED, Status.OPERATING, Status.DEREGISTERED, Status.REVOKED},
    Status.REVOKED: {Status.DEREGISTERED},
    Status.DEREGISTERED: set(),
}


def _status_summary(new_status: str, details: dict[str, Any]) -> str:
    """The ledger line of a status change; a suspension names its filed period. The officer's
    note is not part of it: the line is public (publicity system, enterprise's own page), the
    note is kept in the record's details for staff."""
    summary = _("Status: %(new)s") % {"new": Status(new_status).label}
    if new_status == Status.SUSPENDED and details.get("from") and details.get("until"):
        summary += _(" (from %(start)s to %(end)s)") % {
            "start": details["from"],
            "end": details["until"],
        }
    return summary


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

    Rules (DOMAIN.md §7): deregistered is final; revoked may only become deregistered;
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
        CreditRecord.objects.filter(
            enterprise=locked, kind__in=[Kind.REGISTRATION, Kind.STATUS_CHANGE]
        )
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
            if days_left > EXTENSION_WINDOW_DAYS or days_left < 0:
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
        kind=Kind.STATUS_CHANGE,
        occurred_on=effective_on,
        actor=actor,
        is_public=True,
        authority=locked.registration_authority,
        document_number=document_number,
        details={**details, "note": note},
        summary=_status_summary(new_status, details),
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
    with the ledger (they are operating again, DOMAIN.md §7). Idempotent: a second run finds
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
                fields = _refresh_current_state(locked, on)
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
