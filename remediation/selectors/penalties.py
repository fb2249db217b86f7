"""Reads of penalty decisions (docs/domain.md §5, §6, §10): who sees which decisions, the queue
of decisions whose publication is due, where a decision's publication stands, and the
first-violation look-back.

Jurisdiction (`penalties_for_user`)
- Bureau staff holding `view_penaltydecision` see every decision of the district (every
  department is of their jurisdiction, `credit_portal.selectors.departments_of_jurisdiction`,
  as for the register).
- A partner department's staff holding it see the decisions their own department took, and
  no other: a case belongs to the department that decided it (issue 14: "partner departments
  see their own department's cases"), even when it is about an entity the department is
  responsible for. The writes check the same rule (`remediation.services.penalties`).
- An enterprise user sees the recorded and withdrawn decisions about their own enterprise,
  never a draft.
- Anyone else sees nothing. A decision outside a user's reach is a 404 on every page and
  endpoint.

The decisions come annotated with the closing of their ledger record (`publicity_closed_by`,
the kind of the fact that closed it, and `publicity_closed_on`, its date): one subquery each in
the same statement, no query per row, for `publication_state`.

The look-back (`first_violation_lookback`) is the exception: the law asks whether the party
violated before, not whether the reader may see the earlier decision, so it reads every
department's decisions and the party's credit ledger; what it tells a reader is the earlier
decision's (or record's) number and dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from credit_portal.models import AuditEvent, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.kinds import CORRECTION, kind_label
from enterprises.models import CreditRecord, Enterprise
from enterprises.uscc import normalize
from remediation import rules
from remediation.kinds import (
    NO_PENALTY,
    PENALTY,
    PENALTY_WITHDRAWAL,
    PUBLICITY_EXPIRED,
    REPAIR,
)
from remediation.models import PenaltyDecision, ViolationType
from remediation.permissions import RemediationPerm
from remediation.rules import first_violation_window
from remediation.selectors.figures import expired_terms_q

Status = PenaltyDecision.Status


def violation_type_name(vtype: ViolationType | None) -> str:
    """A violation type's name in the interface language: its English name (`name_en`) when
    the active language is English and the catalogue has one, else its name (Chinese, the
    catalogue's language). The pages, the API's `display_name` and the forms' choices use it;
    the decision documents and the ledger keep the Chinese name."""
    if vtype is None:
        return ""
    if vtype.name_en and (get_language() or "").startswith("en"):
        return vtype.name_en
    return vtype.name


def _closing(field: str) -> Subquery:
    """A field of the ledger fact that closed a decision's record (one-to-one: at most one)."""
    return Subquery(
        CreditRecord.objects.filter(closes_id=OuterRef("credit_record_id")).values(field)[:1]
    )


def penalties_for_user(*, user: User) -> QuerySet[PenaltyDecision]:
    """The penalty decisions a user may see (the rules in the module's docstring), annotated
    with the closing of their ledger record."""
    qs = PenaltyDecision.objects.select_related(
        "department", "enterprise", "violation_type", "leniency_item", "created_by"
    ).annotate(publicity_closed_by=_closing("kind"), publicity_closed_on=_closing("occurred_on"))
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm(RemediationPerm.VIEW_PENALTY):
        if user.is_superuser:
            return qs
        # Every department for the bureau's staff, their own for a partner's: one uncorrelated
        # subquery of the same statement (as `enterprise_list_for_user`).
        departments = departments_of_jurisdiction(user=user).values("pk")
        return qs.filter(department_id__in=departments)
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None:
        return qs.filter(enterprise_id=membership.enterprise_id).exclude(status=Status.DRAFT)
    return qs.none()


def penalty_in_jurisdiction(*, user: User, decision: PenaltyDecision) -> bool:
    """Whether `user` may act on `decision`: its department is one of the user's jurisdiction
    (the bureau: any; a partner department: its own)."""
    return departments_of_jurisdiction(user=user).filter(pk=decision.department_id).exists()


def penalties_publication_due(
    *, user: User, today: dt.date | None = None
) -> QuerySet[PenaltyDecision]:
    """The queue of decisions whose publication is still to be done, overdue first: drafts (a
    decision taken but not yet recorded here runs against its 20 WD all the same: its due date
    is set from the decision date when it is saved, if its penalties would be published), and
    recorded decisions with a publicity term not yet published, by the bureau or, after a push,
    by the party's home province (Order 45 arts. 9, 10). Ordered by due date, the drafts
    without one after them by decision date.

    `overdue` is annotated: 1 when the due date is before `today`.
    """
    today = today or timezone.localdate()
    queue = penalties_for_user(user=user).filter(Q(status=Status.DRAFT) | publication_waiting_q())
    return queue.annotate(
        overdue=Case(
            When(publication_due__lt=today, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).order_by("-overdue", F("publication_due").asc(nulls_last=True), "decided_on", "id")


def publication_waiting_q() -> Q:
    """Decisions whose publication is still to be done: recorded ones with a publicity term
    that are not published yet (by the bureau, or by the party's home province after a push),
    and drafts whose penalties would be published (they carry a due date from their decision
    date)."""
    recorded = Q(status=Status.RECORDED, published_on__isnull=True) & ~Q(publicity_term="")
    drafts = Q(status=Status.DRAFT, publication_due__isnull=False)
    return recorded | drafts


def publication_overdue_q(today: dt.date) -> Q:
    """Of those, the ones whose publication (or push) was due before `today`."""
    return publication_waiting_q() & Q(publication_due__lt=today)


def penalties_overdue_first(
    queryset: QuerySet[PenaltyDecision], today: dt.date
) -> QuerySet[PenaltyDecision]:
    """The decisions with those whose publication is overdue first, then newest first
    (`overdue` annotated: 1 or 0)."""
    return queryset.annotate(
        overdue=Case(
            When(publication_overdue_q(today), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).order_by("-overdue", "-decided_on", "-id")


def publication_deadline_q() -> Q:
    """Decisions whose publication deadline is tracked (the dashboard's
    `publication_deadline`, docs/domain.md Appendix A): recorded, or recorded and since
    withdrawn, with a publication due date; published, or still to publish (recorded)."""
    return Q(
        status__in=[Status.RECORDED, Status.WITHDRAWN],
        recorded_on__isnull=False,
        publication_due__isnull=False,
    ) & (Q(published_on__isnull=False) | Q(published_on__isnull=True, status=Status.RECORDED))


def penalty_list_filter(
    *, queryset: QuerySet[PenaltyDecision], data: dict[str, Any], today: dt.date
) -> QuerySet[PenaltyDecision]:
    """The list's filters (`PenaltyFilterForm`'s cleaned data, the API's query): status,
    leniency, violation type, department, year of decision, publication to do or overdue (or
    the term ended by itself, or with a publication deadline: the dashboard's
    `publication_deadline`), the year the term ended by itself (`expired_year`: a
    `publicity_expired` fact of that year closes the decision's record), the party's street
    (`division`), and a search by decision number, party name or credit code."""
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("leniency"):
        queryset = queryset.filter(leniency=data["leniency"])
    if data.get("violation_type") is not None:
        queryset = queryset.filter(violation_type=data["violation_type"])
    if data.get("department") is not None:
        queryset = queryset.filter(department=data["department"])
    if data.get("year"):
        queryset = queryset.filter(decided_on__year=data["year"])
    if data.get("division"):
        queryset = queryset.filter(enterprise__division=data["division"])
    if data.get("expired_year"):
        year = data["expired_year"]
        expired = CreditRecord.objects.filter(
            expired_terms_q(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            closes_id=OuterRef("credit_record_id"),
        )
        queryset = queryset.filter(Exists(expired))
    if data.get("publication") == "overdue":
        queryset = queryset.filter(publication_overdue_q(today))
    elif data.get("publication") == "due":
        queryset = queryset.filter(publication_waiting_q())
    elif data.get("publication") == "deadline":
        # The decisions the dashboard's `publication_deadline` counts (docs/domain.md App. A).
        queryset = queryset.filter(publication_deadline_q())
    elif data.get("publication") == "expired":
        # Terms that ran out by themselves (the dashboard's `expired_terms`, not repairs).
        queryset = queryset.filter(
            Exists(
                CreditRecord.objects.filter(
                    closes_id=OuterRef("credit_record_id"), kind=PUBLICITY_EXPIRED
                )
            )
        )
    text = (data.get("q") or "").strip()
    if text:
        code = normalize(text)
        queryset = queryset.filter(
            Q(number__icontains=text)
            | Q(party_name__icontains=text)
            | Q(party_code=code)
            | Q(enterprise__uscc=code)
        )
    return queryset


def publicity_closing(decision: PenaltyDecision) -> tuple[str, dt.date] | None:
    """The kind and date of the ledger fact that closed a decision's record, or None: from the
    annotations of `penalties_for_user`, else read (one query, for a decision fetched
    otherwise)."""
    if hasattr(decision, "publicity_closed_by"):
        kind, on = decision.publicity_closed_by, getattr(decision, "publicity_closed_on", None)
    elif decision.credit_record_id is not None:
        found = (
            CreditRecord.objects.filter(closes_id=decision.credit_record_id)
            .values_list("kind", "occurred_on")
            .first()
        )
        kind, on = found if found is not None else (None, None)
    else:
        kind, on = None, None
    return (kind, on) if kind and on else None


def publication_state(decision: PenaltyDecision, today: dt.date) -> dict[str, Any]:
    """Where a decision's publication stands, for the list, the detail and the API: a code, its
    words, a badge tone, whether it is overdue, and when and by what its publicity ended
    (`ended_on`, `ended_by`, for a published decision only: the ledger fact that closed its
    record, `repair`, `publicity_expired`, `penalty_withdrawal` or `correction`; without one,
    the withdrawal or the end of the term as the decision records them).

    Rules: a draft whose penalties would be published is overdue once the 20 WD from its
    decision date have passed (S5); the ledger's closing wins over the dates on the decision,
    so a repaired, expired or withdrawn penalty never reads as public.
    """
    term = rules.PublicityTerm.from_code(decision.publicity_term)
    due = decision.publication_due
    overdue = due is not None and due < today
    ended_by: str | None = None
    ended_on: dt.date | None = None
    if decision.published_on is not None:
        closing = publicity_closing(decision)
        if closing is not None:
            ended_by, ended_on = closing
        elif decision.status == Status.WITHDRAWN and decision.withdrawn_on is not None:
            # A party outside the register has no ledger: its decision says how it ended.
            ended_by, ended_on = PENALTY_WITHDRAWAL, decision.withdrawn_on
    if (
        ended_by is None
        and decision.published_on is not None
        and decision.publicity_end is not None
        and decision.publicity_end < today
    ):
        # The term has run out; the daily job writes its fact dated the first day not shown.
        ended_by = PUBLICITY_EXPIRED
        ended_on = decision.publicity_end + dt.timedelta(days=rules.PUBLICITY_EXPIRED_AFTER_DAYS)
    state: dict[str, Any] = {"ended_by": ended_by, "ended_on": ended_on, "overdue": False}
    if decision.status == Status.DRAFT:
        if overdue:
            text = _("Not recorded yet; publication overdue (due %(d)s)") % {"d": due}
            return {**state, "code": "draft", "text": text, "tone": "bad", "overdue": True}
        return {**state, "code": "draft", "text": _("Not recorded yet"), "tone": "muted"}
    if decision.status == Status.WITHDRAWN or ended_by == PENALTY_WITHDRAWAL:
        return {**state, "code": "withdrawn", "text": _("Withdrawn"), "tone": "muted"}
    if term is None:
        return {**state, "code": "not_published", "text": _("Not published"), "tone": "muted"}
    if ended_by == REPAIR:
        text = _("Publicity ended early by credit repair (%(d)s)") % {"d": ended_on}
        return {**state, "code": "repaired", "text": text, "tone": "muted"}
    if ended_by == CORRECTION:
        text = _("Publicity ended by a correction of the record (%(d)s)") % {"d": ended_on}
        return {**state, "code": "corrected", "text": text, "tone": "muted"}
    if ended_by is not None:
        text = _("Publicity ended (%(d)s)") % {"d": ended_on}
        return {**state, "code": "ended", "text": text, "tone": "muted"}
    if decision.published_on is not None:
        return {**state, "code": "public", "text": _("Public"), "tone": "ok"}
    if decision.party_other_province and decision.pushed_on is None:
        text = (
            _("Push to the home province overdue") if overdue else _("To push to the home province")
        )
        return {
            **state,
            "code": "push_due",
            "text": text,
            "tone": "bad" if overdue else "warn",
            "overdue": overdue,
        }
    text = _("Publication overdue") if overdue else _("To publish")
    return {
        **state,
        "code": "publish_due",
        "text": text,
        "tone": "bad" if overdue else "warn",
        "overdue": overdue,
    }


@dataclass(frozen=True)
class EarlierViolation:
    """An earlier violation that bars 首违不罚, what the look-back tells its reader: a decision
    of this portal (`pk`), or a record of the party's credit ledger that no decision here
    stands behind (`record_pk`: older history, another system's decision). `type_unknown`: a
    ledger penalty whose details do not say the type of violation, which the officer must
    check before applying 首违不罚."""

    pk: int | None
    number: str
    decided_on: dt.date
    violation_on: dt.date | None
    leniency: str
    leniency_display: str
    status: str
    record_pk: int | None = None
    authority: str = ""
    type_unknown: bool = False

    @property
    def from_ledger(self) -> bool:
        return self.record_pk is not None and self.pk is None


def _same_party(
    *, enterprise: Enterprise | None, party_code: str, party_id_digest: str
) -> Q | None:
    """The decisions about the same party: the same market entity, the same credit code, or
    the same person (identity-number digest). None when the party is not identified."""
    conditions = []
    if enterprise is not None:
        conditions.append(Q(enterprise=enterprise))
    if party_code:
        conditions.append(Q(party_code=party_code))
    if party_id_digest:
        conditions.append(Q(party_id_digest=party_id_digest))
    if not conditions:
        return None
    result = conditions[0]
    for condition in conditions[1:]:
        result |= condition
    return result


# Where a ledger record's details may give the violation's dates (this portal's decisions
# write `violation_on` and `violation_ended_on`); without them, the record's date stands in.
LEDGER_VIOLATION_ON_KEYS = ("violation_on", "violation_date")
LEDGER_VIOLATION_ENDED_KEYS = ("violation_ended_on",)


def _details_date(details: dict[str, Any], keys: tuple[str, ...]) -> dt.date | None:
    for key in keys:
        value = details.get(key)
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                continue
    return None


def _ledger_lookback(
    *, enterprise: Enterprise, type_code: str, start: dt.date, end: dt.date
) -> list[EarlierViolation]:
    """The party's ledger `penalty` and `no_penalty` records in the window that no decision of
    this portal stands behind (those are read from the decisions themselves): of the same type
    (details["violation_type"]), or penalties whose details carry no type at all. A record a
    correction closed (entered wrongly) does not count. The violation's days are the details'
    when they give them, else the record's date."""
    own = Q(
        source_app=PenaltyDecision._meta.app_label,
        source_model=PenaltyDecision._meta.model_name,
    ) & ~Q(source_id="")
    rows = (
        CreditRecord.objects.filter(enterprise=enterprise, kind__in=(PENALTY, NO_PENALTY))
        .exclude(own)
        .exclude(closed_by__kind=CORRECTION)
        # A decision is dated after the violation it decides: older records cannot be in.
        .filter(occurred_on__gte=start)
        .order_by("-occurred_on", "-id")
        .only("pk", "kind", "occurred_on", "document_number", "authority", "details")
    )
    found = []
    for record in rows:
        details = record.details if isinstance(record.details, dict) else {}
        recorded_type = details.get("violation_type")
        violation_on = _details_date(details, LEDGER_VIOLATION_ON_KEYS)
        first_day = violation_on or record.occurred_on
        last_day = _details_date(details, LEDGER_VIOLATION_ENDED_KEYS) or first_day
        if last_day < start or first_day > end:
            continue
        if recorded_type == type_code:
            type_unknown = False
        elif not recorded_type and record.kind == PENALTY:
            type_unknown = True
        else:
            continue
        found.append(
            EarlierViolation(
                pk=None,
                number=record.document_number or f"#{record.pk}",
                decided_on=record.occurred_on,
                violation_on=violation_on,
                leniency="",
                leniency_display=kind_label(record.kind),
                status="",
                record_pk=record.pk,
                authority=record.authority,
                type_unknown=type_unknown,
            )
        )
    return found


def first_violation_lookback(
    *,
    violation_type_id: int,
    violation_on: dt.date,
    enterprise: Enterprise | None = None,
    party_code: str = "",
    party_id_digest: str = "",
    exclude_pk: int | None = None,
) -> list[EarlierViolation]:
    """The earlier violations that make this violation not a first one (docs/domain.md §6,
    §10), newest first; those of the same type before any `type_unknown` one.

    Rules: the same party (same market entity, same credit code, or same identity-number
    digest) with a violation of the same type committed in the 2 years before this violation's
    date, both ends included (`rules.first_violation_window`); a violation that started before
    the window but went on into it counts (its last day, or its date when it did not continue,
    is in the window). Penalised or not, an earlier 首违不罚 or 免予处罚 included. Read from:
    - this portal's decisions: recorded ones, and withdrawn ones whose withdrawal changed the
      decision (the violation stays found); not drafts, nor decisions revoked or found void
      (they establish no violation);
    - for a market entity of the register, its credit ledger: `penalty` and `no_penalty`
      records of the same type (details["violation_type"]) dated, by their details' violation
      date or else their own date, in the window, other than this portal's decisions (read
      above); and, marked `type_unknown`, `penalty` records in the window whose details give no
      type (older history), which the officer must check. A record a correction closed does
      not count.
    Reads every department's decisions (see the module's docstring).
    """
    party = _same_party(
        enterprise=enterprise, party_code=party_code, party_id_digest=party_id_digest
    )
    if party is None:
        return []
    start, end = first_violation_window(violation_on)
    counted = Q(status=Status.RECORDED) | Q(
        status=Status.WITHDRAWN, withdrawal=PenaltyDecision.Withdrawal.CHANGED
    )
    rows = (
        PenaltyDecision.objects.filter(party, counted)
        .annotate(last_day=Coalesce("violation_ended_on", "violation_on"))
        .filter(violation_type_id=violation_type_id, last_day__gte=start, violation_on__lte=end)
        .order_by("-violation_on", "-id")
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    leniencies = dict(PenaltyDecision.Leniency.choices)
    found = [
        EarlierViolation(
            pk=d.pk,
            number=d.number,
            decided_on=d.decided_on,
            violation_on=d.violation_on,
            leniency=d.leniency,
            leniency_display=str(leniencies.get(d.leniency, d.leniency)),
            status=d.status,
            record_pk=d.credit_record_id,
        )
        for d in rows.only(
            "pk", "number", "decided_on", "violation_on", "leniency", "status", "credit_record_id"
        )
    ]
    if enterprise is not None:
        code = ViolationType.objects.filter(pk=violation_type_id).values_list("code", flat=True)
        type_code = code.first()
        if type_code:
            found += _ledger_lookback(
                enterprise=enterprise, type_code=type_code, start=start, end=end
            )
    found.sort(key=lambda e: (e.violation_on or e.decided_on, e.decided_on), reverse=True)
    found.sort(key=lambda e: e.type_unknown)  # stable: same-type violations first
    return found


def penalty_audit_events(*, decision: PenaltyDecision) -> QuerySet[AuditEvent]:
    """The audit history of one decision, newest first."""
    return (
        AuditEvent.objects.filter(
            target_type=PenaltyDecision._meta.label_lower, target_id=str(decision.pk)
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )


def penalty_ledger_records(*, decision: PenaltyDecision) -> list[CreditRecord]:
    """The ledger records of one decision, oldest first: its own facts (the penalty or the
    decision not to penalise, its withdrawal) and whatever closed its record (the end of its
    term, a repair)."""
    own = Q(
        source_app=PenaltyDecision._meta.app_label,
        source_model=PenaltyDecision._meta.model_name,
        source_id=str(decision.pk),
    )
    if decision.credit_record_id is not None:
        own |= Q(pk=decision.credit_record_id) | Q(closes_id=decision.credit_record_id)
    return list(
        CreditRecord.objects.filter(own)
        .select_related("recorded_by", "closes")
        .order_by("occurred_on", "id")
    )


def ledger_penalties_without_decision(*, enterprise: Enterprise) -> list[CreditRecord]:
    """An enterprise's ledger `penalty` records that no decision of this portal stands behind
    (history recorded before online case handling, or another system's decisions), newest
    first, each with its enterprise set (no query per record). The enterprise's /me/penalties/
    page lists them apart from its decisions."""
    decided = PenaltyDecision.objects.filter(credit_record_id=OuterRef("pk"))
    records = list(
        CreditRecord.objects.filter(enterprise=enterprise, kind=PENALTY)
        .exclude(Exists(decided))
        .order_by("-occurred_on", "-id")
    )
    for record in records:
        record.enterprise = enterprise
    return records
