"""The serious illegal and dishonest list (严重违法失信名单) from the 3-year directory rule, its
end, its early repair, and the bar on the legal representative (docs/domain.md §3 "The 3-year
rule", §5 "Repairing the serious list", §10).

What is here
- `serious_move_due` (daily, order 170): for every enterprise listed in the directory (never an
  individual business: its mark does not lead to the serious list, §3 [U]) whose listing is
  still in force:
  * within the `SERIOUS_REMINDER_DAYS` (60) days before the 3 years are complete
    (`DirectoryCase.serious_due`, set at listing; computed from `listed_on` where missing), a
    reminder: `serious_reminded_on`, which self-service shows (SAIC Order 83 [S]);
  * on or after the day the 3 years are complete: the listing leaves the directory (an
    `abnormal_removal` fact with removal code 6, closing it; the case MOVED_SERIOUS) and the
    enterprise goes on the serious list (a `SeriousListing`, reason abnormal_three_years, with
    its public `serious_listing` fact), both dated the run's day but no later than the
    `SERIOUS_LISTING_WORKING_DAYS` (10) th working day after the mark (a late run dates them as
    a run in time would have); the term ends `SERIOUS_TERM_YEARS` after the listing (a
    setting, default 3 years, unverified: Order 44 (2021) [U]; the 2014 条例 said 5 [V]);
    the legal representative is barred for `REPRESENTATIVE_BAR_YEARS` (3) from the listing day
    (`enterprises.services.bars`; a representative whose identity number the register lacks is
    recorded as "missing", and the staff page warns).
  An entity closed meanwhile (deregistered, revoked, moved out) is not moved: its listing ends
  with code 7 (`remediation.services.directory.directory_closed_entities`).
- `serious_expire` (daily, order 175): a listing whose term has ended leaves the list: a
  `serious_removal` fact (details {"reason": "expired"}) dated the day the term ends, the
  listing EXPIRED. Not a repair, and counted apart (§10). The bar runs its own 3 years.
- `serious_listing_repaired` (the approval hook of `repair_decide`): an early removal by credit
  repair (after 1 year; §5): the listing REPAIRED by the `repair` fact, the bar lifted (a repair
  lifts the measures attached, §5 "What counts as repair"). The same hook removes a directory
  case whose listing a repair closed (`directory_case_removed_by_repair`).
- `serious_revoke`: staff revoke a serious listing found wrongful: an `abnormal_revocation`
  fact closes it (not public), the bar is lifted.

Set-based where the numbers can be large: the reminders are one UPDATE; the moves go in chunks
of `MOVE_CHUNK` cases, each its own short transaction (cases locked, facts through the ledger's
bulk path, the serious listings, bars and audit events written in a constant number of
statements). Idempotent: a case moved is no longer listed; a fact's source (the case, the
serious listing) lets the ledger refuse a second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import _jsonable, audit_event_record
from credit_portal.bulk import bulk_insert
from credit_portal.dates import add_years
from credit_portal.errors import ConflictError
from credit_portal.middleware import current_client_ip, current_request_id
from credit_portal.models import AuditEvent, User
from credit_portal.workdays import add_working_days
from enterprises import rules as register_rules
from enterprises.models import CreditRecord
from enterprises.services.bars import representative_bars_lift, representative_bars_record_many
from enterprises.services.ledger import CreditFact, credit_facts_append, credit_record_append
from remediation import audit_events as events
from remediation import rules
from remediation.kinds import (
    ABNORMAL_REMOVAL,
    ABNORMAL_REVOCATION,
    SERIOUS_LISTING,
    SERIOUS_REMOVAL,
)
from remediation.models import DirectoryCase, RepairApplication, SeriousListing
from remediation.selectors.directory import case_decided_within

State = SeriousListing.State
CaseState = DirectoryCase.State
# Cases moved per transaction: short locks; a run over thousands commits chunk by chunk.
MOVE_CHUNK = 500
FILL_CHUNK = 5_000
REASONS_MAX = 4000
# Entity statuses whose listings are not moved (their removal is code 7, or another bureau's).
CLOSED_STATUSES = register_rules.CLOSED_STATUSES
# The stored summaries, in the publicity system's words (the ledger keeps them as written).
REMOVED_SUMMARY = (
    "移出经营异常名录：被列入经营异常名录届满3年仍未履行相关义务，列入严重违法失信名单"
)
LISTED_SUMMARY = "列入严重违法失信名单：被列入经营异常名录届满3年仍未履行相关义务"
EXPIRED_SUMMARY = "移出严重违法失信名单：列入期限届满"
REVOKED_SUMMARY = "撤销列入严重违法失信名单：经核实，列入决定有误"


def _today() -> dt.date:
    return timezone.localdate()


def serious_term_years() -> int:
    """CREDIT_PORTAL["SERIOUS_TERM_YEARS"], default 3 [U] (open point 3)."""
    return int(rules.directory_setting("SERIOUS_TERM_YEARS", rules.SERIOUS_TERM_YEARS))  # type: ignore[call-overload]


def serious_number(year: int, pk: int) -> str:
    """A serious listing's document number: 双市监严〔2028〕12号 (the bureau's prefix and 严)."""
    return f"{rules.document_number_prefix()}严〔{year}〕{pk}号"


def serious_mark(case: DirectoryCase) -> dt.date | None:
    """The day a listing's 3 years on the directory are complete (its `serious_due`, else
    `listed_on` + 3 years); None for a mark of an individual business or a case never listed."""
    if case.individual_business or case.listed_on is None:
        return None
    return case.serious_due or add_years(case.listed_on, rules.SERIOUS_AFTER_YEARS)


def serious_move_day(mark: dt.date, on: dt.date) -> dt.date:
    """The day of the move: the run's day, but no later than the 10th working day after the
    3-year mark (never before the mark)."""
    latest = add_working_days(mark, rules.SERIOUS_LISTING_WORKING_DAYS)
    return max(mark, min(on, latest))


def _system() -> User:
    from remediation.services.directory import system_user

    return system_user()


def _authority(department: Any) -> str:
    if department.is_bureau:
        return str(settings.CREDIT_PORTAL.get("BUREAU_NAME", "") or department.name)
    return str(department.name)


def _movable() -> Q:
    """Enterprise listings in force, to be watched for the 3-year mark."""
    return Q(
        state=CaseState.LISTED,
        individual_business=False,
        listed_on__isnull=False,
        listing_record__isnull=False,
    ) & ~Q(enterprise__status__in=CLOSED_STATUSES)


def _events(event_type: str, rows: list[tuple[Any, dict[str, Any]]]) -> None:
    """One audit event per (target, extra), in one INSERT; by the system (no actor)."""
    request_id, ip = current_request_id() or "", current_client_ip() or None
    bulk_insert(
        [
            AuditEvent(
                actor=None,
                event_type=event_type,
                enterprise_id=getattr(target, "enterprise_id", None),
                target_type=target._meta.label_lower,
                target_id=str(target.pk),
                target_repr=str(target)[:200],
                extra=_jsonable(extra),
                request_id=request_id,
                ip_address=ip,
            )
            for target, extra in rows
        ]
    )


# --------------------------------------------------------------------------- the 3-year move


def _fill_serious_due() -> int:
    """`serious_due` for listings in force written without one (listed_on + 3 years)."""
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                DirectoryCase.objects.filter(_movable(), serious_due__isnull=True)
                .select_for_update(of=("self",), skip_locked=True)
                .order_by("pk")
                .only("pk", "listed_on")[:FILL_CHUNK]
            )
            if not rows:
                return done
            for case in rows:
                assert case.listed_on is not None  # noqa: S101 - _movable filters
                case.serious_due = add_years(case.listed_on, rules.SERIOUS_AFTER_YEARS)
            DirectoryCase.objects.bulk_update(rows, ["serious_due"])
            done += len(rows)
            if len(rows) < FILL_CHUNK:
                return done


def _remind(on: dt.date) -> int:
    """The reminders due on `on`: one UPDATE ... RETURNING, one audit event each."""
    window_end = on + dt.timedelta(days=rules.SERIOUS_REMINDER_DAYS)
    with transaction.atomic():
        ids = list(
            DirectoryCase.objects.filter(
                _movable(),
                serious_reminded_on__isnull=True,
                serious_due__gt=on,
                serious_due__lte=window_end,
            )
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        DirectoryCase.objects.filter(pk__in=ids).update(
            serious_reminded_on=on, updated_at=timezone.now()
        )
        cases = list(
            DirectoryCase.objects.filter(pk__in=ids).only("pk", "enterprise", "serious_due")
        )
        _events(
            events.SERIOUS_REMINDED,
            [(c, {"case": c.pk, "serious_due": c.serious_due, "on": on}) for c in cases],
        )
        return len(ids)


def _move_chunk(on: dt.date, after: int) -> tuple[int, int, int]:
    """Move one chunk of the listings whose 3 years are complete by `on` (ids above `after`).
    Returns (moved, missing identity numbers, the last id looked at; 0: none left)."""
    system = _system()
    term = serious_term_years()
    with transaction.atomic():
        cases = list(
            DirectoryCase.objects.filter(
                _movable(),
                serious_due__lte=on,
                pk__gt=after,
                listing_record__closed_by__isnull=True,
            )
            .select_for_update(of=("self",))
            .select_related("enterprise", "department", "listing_record")
            .order_by("pk")[:MOVE_CHUNK]
        )
        if not cases:
            return 0, 0, 0
        last = cases[-1].pk
        plans = []
        for case in cases:
            mark = serious_mark(case)
            assert mark is not None  # noqa: S101 - _movable: an enterprise's listing
            plans.append((case, serious_move_day(mark, on)))
        credit_facts_append(
            facts=[
                CreditFact(
                    enterprise_id=case.enterprise_id,
                    kind=ABNORMAL_REMOVAL,
                    occurred_on=day,
                    summary=REMOVED_SUMMARY,
                    is_public=True,
                    authority=_authority(case.department),
                    details={
                        "reason_code": DirectoryCase.Removal.THREE_YEARS.value,
                        "report_year": case.report_year,
                        "individual_business": False,
                        "case": case.pk,
                    },
                    source=CreditFact.source_of(case),
                    closes_id=case.listing_record_id,
                )
                for case, day in plans
            ],
            actor=None,
            audited=False,
        )
        serious = SeriousListing.objects.bulk_create(
            [
                SeriousListing(
                    created_by=system,
                    enterprise_id=case.enterprise_id,
                    department_id=case.department_id,
                    case=case,
                    reason=SeriousListing.Reason.ABNORMAL_THREE_YEARS,
                    state=State.LISTED,
                    listed_on=day,
                    term_ends=add_years(day, term),
                    bar_until=add_years(day, rules.REPRESENTATIVE_BAR_YEARS),
                )
                for case, day in plans
            ]
        )
        for entry in serious:
            entry.document_number = serious_number(entry.listed_on.year, entry.pk)
        credit_facts_append(
            facts=[
                CreditFact(
                    enterprise_id=entry.enterprise_id,
                    kind=SERIOUS_LISTING,
                    occurred_on=entry.listed_on,
                    summary=LISTED_SUMMARY,
                    is_public=True,
                    authority=_authority(case.department),
                    document_number=entry.document_number,
                    details={
                        "reason": SeriousListing.Reason.ABNORMAL_THREE_YEARS.value,
                        "case": case.pk,
                        "term_ends": entry.term_ends.isoformat() if entry.term_ends else None,
                    },
                    source=CreditFact.source_of(entry),
                )
                for entry, (case, _day) in zip(serious, plans, strict=True)
            ],
            actor=None,
            audited=False,
        )
        listed = dict(
            CreditRecord.objects.filter(
                source_app="remediation",
                source_model="seriouslisting",
                source_id__in=[str(s.pk) for s in serious],
                kind=SERIOUS_LISTING,
            ).values_list("source_id", "pk")
        )
        removed = dict(
            CreditRecord.objects.filter(
                source_app="remediation",
                source_model="directorycase",
                source_id__in=[str(c.pk) for c, _d in plans],
                kind=ABNORMAL_REMOVAL,
            ).values_list("source_id", "pk")
        )
        for entry in serious:
            entry.listing_record_id = listed[str(entry.pk)]
        SeriousListing.objects.bulk_update(serious, ["document_number", "listing_record"])
        now = timezone.now()
        for case, day in plans:
            case.state = CaseState.MOVED_SERIOUS
            case.removed_on = day
            case.removal_code = DirectoryCase.Removal.THREE_YEARS
            case.removal_record_id = removed[str(case.pk)]
            case.version += 1
            case.updated_at = now
        DirectoryCase.objects.bulk_update(
            [c for c, _d in plans],
            ["state", "removed_on", "removal_code", "removal_record", "version", "updated_at"],
        )
        bars = representative_bars_record_many(
            rows=[
                (case.enterprise, entry.listed_on, entry.bar_until, entry)
                for entry, (case, _day) in zip(serious, plans, strict=True)
                if entry.bar_until is not None
            ]
        )
        missing = {b.source_id for b in bars if not b.id_digest}
        _events(
            events.SERIOUS_LISTED,
            [
                (
                    entry,
                    {
                        "serious": entry.pk,
                        "case": case.pk,
                        "serious_due": case.serious_due,
                        "listed_on": entry.listed_on,
                        "term_ends": entry.term_ends,
                        "bar_until": entry.bar_until,
                        "bar_missing": str(entry.pk) in missing,
                        "removal_record": case.removal_record_id,
                        "listing_record": entry.listing_record_id,
                    },
                )
                for entry, (case, _day) in zip(serious, plans, strict=True)
            ],
        )
        return len(plans), len(missing), last


def serious_move_due(*, on: dt.date) -> dict[str, int]:
    """The 3-year rule on `on` (module docstring): the missing `serious_due` filled, the
    reminders in the 60 days before, then the moves of the listings whose 3 years are complete.
    Returns {"reminded", "moved", "bars_missing", "serious_due_set"}. Idempotent.
    Side effects: per reminder the case's `serious_reminded_on` and an audit event; per move
    the `abnormal_removal` fact (code 6) closing the listing, the case MOVED_SERIOUS, the
    `SeriousListing` with its public `serious_listing` fact (document number 双市监严〔Y〕N号),
    the legal representative's bar, and an audit event (the system's)."""
    counts = {"serious_due_set": _fill_serious_due(), "reminded": _remind(on)}
    moved = missing = 0
    after = 0
    while True:
        done, without_id, last = _move_chunk(on, after)
        if not last:
            break
        moved, missing, after = moved + done, missing + without_id, last
    counts.update(moved=moved, bars_missing=missing)
    return counts


# --------------------------------------------------------------------------- the term's end


def serious_expire(*, on: dt.date) -> int:
    """End the serious listings whose term ended on or before `on`: a `serious_removal` fact
    (public, not a repair; details {"reason": "expired", "serious", "term_ends"}; source: the
    listing) dated the day the term ends, closing the listing record; the listing EXPIRED (its
    end, record and version); an audit event each. In chunks, each its own transaction.
    Returns how many ended. Idempotent."""
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                SeriousListing.objects.filter(
                    state=State.LISTED,
                    term_ends__lte=on,
                    listing_record__isnull=False,
                    listing_record__closed_by__isnull=True,
                )
                .select_for_update(of=("self",))
                .select_related("department")
                .order_by("pk")[:MOVE_CHUNK]
            )
            if not rows:
                return done
            credit_facts_append(
                facts=[
                    CreditFact(
                        enterprise_id=entry.enterprise_id,
                        kind=SERIOUS_REMOVAL,
                        occurred_on=entry.term_ends,  # type: ignore[arg-type]
                        summary=EXPIRED_SUMMARY,
                        is_public=True,
                        authority=_authority(entry.department),
                        details={
                            "reason": "expired",
                            "serious": entry.pk,
                            "term_ends": entry.term_ends.isoformat() if entry.term_ends else None,
                        },
                        source=CreditFact.source_of(entry),
                        closes_id=entry.listing_record_id,
                    )
                    for entry in rows
                ],
                actor=None,
                audited=False,
            )
            removals = dict(
                CreditRecord.objects.filter(
                    source_app="remediation",
                    source_model="seriouslisting",
                    source_id__in=[str(e.pk) for e in rows],
                    kind=SERIOUS_REMOVAL,
                ).values_list("source_id", "pk")
            )
            now = timezone.now()
            for entry in rows:
                entry.state = State.EXPIRED
                entry.removed_on = entry.term_ends
                entry.removal_record_id = removals[str(entry.pk)]
                entry.version += 1
                entry.updated_at = now
            SeriousListing.objects.bulk_update(
                rows, ["state", "removed_on", "removal_record", "version", "updated_at"]
            )
            _events(
                events.SERIOUS_EXPIRED,
                [
                    (e, {"serious": e.pk, "term_ends": e.term_ends, "removed_on": e.removed_on})
                    for e in rows
                ],
            )
            done += len(rows)


# --------------------------------------------------------------------------- repair, revocation


def listing_repair_applied(
    *, application: RepairApplication, record: CreditRecord, repair: CreditRecord, on: dt.date
) -> None:
    """The approval hook of `repair_decide`, after the `repair` fact closing `record` is
    written, in its transaction: a directory listing's case is removed by it
    (`directory_case_removed_by_repair`); a serious listing is REPAIRED (removed on `on`, its
    removal record the repair) and its bar lifted. Records without a case or a listing of
    this app (recorded before them) need nothing."""
    kind = application.kind
    if kind == RepairApplication.Kind.ABNORMAL_REMOVAL:
        case = DirectoryCase.objects.filter(listing_record=record).first()
        if case is not None:
            from remediation.services.directory import directory_case_removed_by_repair

            directory_case_removed_by_repair(case=case, record=repair, on=on)
    elif kind == RepairApplication.Kind.SERIOUS_REMOVAL:
        entry = SeriousListing.objects.select_for_update().filter(listing_record=record).first()
        if entry is not None:
            serious_listing_repaired(serious=entry, repair=repair, on=on)


def serious_listing_repaired(*, serious: SeriousListing, repair: CreditRecord, on: dt.date) -> None:
    """A serious listing removed early by credit repair (`repair` closes its record): REPAIRED,
    its bar lifted (the measures attached end with the repair, §5). Idempotent. Side effects:
    the listing; the bar; an audit event (actor: who recorded the repair)."""
    if serious.state == State.REPAIRED and serious.removal_record_id == repair.pk:
        return
    if serious.state != State.LISTED:
        raise ValidationError(
            _("This serious listing is “%(state)s”: it cannot be repaired.")
            % {"state": serious.get_state_display()}
        )
    actor = User.objects.filter(pk=repair.recorded_by_id).first() if repair.recorded_by_id else None
    serious.state = State.REPAIRED
    serious.removed_on = on
    serious.removal_record = repair
    serious.version += 1
    serious.save()
    lifted = representative_bars_lift(
        source=serious, on=on, actor=actor, reason="serious listing removed early by repair"
    )
    audit_event_record(
        actor=actor,
        event_type=events.SERIOUS_REPAIRED,
        target=serious,
        enterprise=serious.enterprise,
        extra={
            "serious": serious.pk,
            "removed_on": on,
            "repair_record": repair.pk,
            "bars_lifted": lifted,
        },
    )


@transaction.atomic
def serious_revoke(
    *, actor: User, serious: SeriousListing, reasons: str, expected_version: int
) -> SeriousListing:
    """Revoke a serious listing found wrongful (its listing decision revoked on review).

    Rules: the actor's department decided it (who decided, acts); the listing is in force; the
    version read (a stale one is a ConflictError); reasons required.
    Side effects: an `abnormal_revocation` fact (not public; source: the listing; details
    {"serious", "reasons"}) closing its record — it leaves the public page and no longer
    counts; the listing REVOKED; the legal representative's bar lifted; an audit event.
    """
    if not case_decided_within(user=actor, case=serious):  # type: ignore[arg-type]
        raise ValidationError(
            _("This listing was decided by another department: only that department revokes it."),
            code="jurisdiction",
        )
    locked = SeriousListing.objects.select_for_update().get(pk=serious.pk)
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else acted on this listing first: it is now “%(state)s”. Nothing was "
                "written; read it again before you act."
            )
            % {"state": locked.get_state_display()},
            current_version=locked.version,
        )
    if locked.state != State.LISTED or locked.listing_record_id is None:
        raise ValidationError(
            _("This serious listing is “%(state)s”: there is nothing to revoke.")
            % {"state": locked.get_state_display()},
            code="state",
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [_("Say why the listing is revoked.")]})
    if len(reasons) > REASONS_MAX:
        raise ValidationError({"reasons": [_("At most %(n)d characters.") % {"n": REASONS_MAX}]})
    today = _today()
    revocation = credit_record_append(
        enterprise=locked.enterprise,
        kind=ABNORMAL_REVOCATION,
        occurred_on=today,
        summary=REVOKED_SUMMARY,
        actor=actor,
        is_public=False,
        authority=_authority(locked.department),
        details={"serious": locked.pk, "reasons": reasons},
        source=locked,
        closes=locked.listing_record,
    )
    locked.state = State.REVOKED
    locked.removed_on = today
    locked.removal_record = revocation
    locked.version += 1
    locked.save()
    lifted = representative_bars_lift(
        source=locked, on=today, actor=actor, reason="serious listing revoked"
    )
    audit_event_record(
        actor=actor,
        event_type=events.SERIOUS_REVOKED,
        target=locked,
        enterprise=locked.enterprise,
        extra={
            "serious": locked.pk,
            "removed_on": today,
            "reasons": reasons,
            "revocation_record": revocation.pk,
            "bars_lifted": lifted,
        },
    )
    return locked
