"""Reads of the register. Jurisdiction lives here: every view and endpoint fetches
enterprises through `enterprise_list_for_user`, so an enterprise outside a user's reach is a 404.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import (
    Count,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan

from credit_portal.models import AuditEvent, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.uscc import looks_like_regno, looks_like_uscc, normalize


def enterprise_list_for_user(*, user: User) -> QuerySet[Enterprise]:
    """The enterprises a user may see.

    Rules: staff holding `view_enterprise` who work for the bureau see the district's register
    (the bureau supervises every entity in it); staff of a partner department see the entities
    that department is responsible for (docs/architecture.md: "staff login limited to their
    department"); an enterprise user sees only their own enterprise; anyone else nothing. The
    departments a user may see are one uncorrelated subquery of the same statement: no extra
    round trip, and (measured on 1M rows) no per-row cost, unlike a correlated EXISTS (3x on a
    full scan).
    """
    qs = Enterprise.objects.select_related("department")
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm(EnterprisePerm.VIEW):
        if user.is_superuser:
            return qs
        return qs.filter(department_id__in=departments_of_jurisdiction(user=user).values("pk"))
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None:
        return qs.filter(pk=membership.enterprise_id)
    return qs.none()


def register_figures(*, user: User, since: dt.date) -> dict[str, int]:
    """Counts of the register a user may see, for the workbench, in one aggregate query: all,
    operating, suspended, in the abnormal directory, on the serious illegal list, registered
    on or after `since`."""
    status = Enterprise.Status
    return (
        enterprise_list_for_user(user=user)
        .select_related(None)
        .aggregate(
            total=Count("pk"),
            operating=Count("pk", filter=Q(status=status.OPERATING)),
            suspended=Count("pk", filter=Q(status=status.SUSPENDED)),
            abnormal=Count("pk", filter=Q(is_abnormal=True)),
            serious=Count("pk", filter=Q(on_serious_list=True)),
            new=Count("pk", filter=Q(registered_on__gte=since)),  # as the list's registered_from
        )
    )


def _name_contains(term: str, *, bigrams: bool = False) -> Q:
    """`term` in the name or in a former name, written so that PostgreSQL's indexes can serve
    it: plain `LIKE` on the column (ent_name_trgm_idx) and on the former names' JSON text (an
    index on `(former_names::text) gin_trgm_ops` serves that side); with `bigrams` (PostgreSQL,
    two-character terms, which no trigram holds), the pair among the character pairs of both
    (migration 0005, alias from `_with_bigrams`). SQLite keeps JSON with \\uXXXX escapes, so
    non-ASCII text is also looked for in that spelling."""
    if bigrams and len(term) == 2:
        # strpos() is the same test as LIKE but no trigram index claims it (a useless full
        # trigram-index scan for two characters); it is cheap, so PostgreSQL evaluates it
        # before the pairs when it filters rows one by one (frequent pairs, ordered scans).
        in_name: GreaterThan[int] = GreaterThan(StrIndex("name", Value(term)), 0)
        in_former: GreaterThan[int] = GreaterThan(StrIndex("former_names_text", Value(term)), 0)
        return Q(name_bigrams__contains=[term]) & (Q(in_name) | Q(in_former))
    former = Q(former_names_text__contains=term)
    escaped = json.dumps(term)[1:-1]
    if escaped != term:
        former |= Q(former_names_text__contains=escaped)
    return Q(name__contains=term) | former


def _with_bigrams(queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """The character pairs of the name and former names, as indexed (migration 0005)."""
    return queryset.alias(
        name_bigrams=Func(
            F("name"),
            F("former_names"),
            function="cp_name_bigrams",
            output_field=ArrayField(TextField()),
        )
    )


def enterprise_search(*, queryset: QuerySet[Enterprise], text: str) -> QuerySet[Enterprise]:
    """Search by credit code, old registration number, name or former name (Chinese
    substring), or pinyin initials (ASCII letters).

    Rules: an 18-character code or a 15-digit number matches exactly (normalised: case,
    full-width characters, spaces and hyphens); 6 or more letters and digits match the start of
    a credit code; ASCII letters match the pinyin initials anywhere in the name ("xf" finds
    成都旭丰..., a single letter only at the start) or, from 3 letters on, a Latin part of the
    name (as typed, upper, lower or capitalised: index-friendly instead of a case-folding
    scan); other text matches a part of the name or of a former name, each
    space-separated word on its own ("蓉城 餐饮" finds 成都蓉城餐饮管理有限公司).
    """
    text = (text or "").strip()
    if not text:
        return queryset
    if looks_like_uscc(text):
        return queryset.filter(uscc=normalize(text))
    if looks_like_regno(text):
        return queryset.filter(legacy_reg_no=normalize(text))
    if text.isascii() and text.isalpha():
        initials = text.upper()
        if len(text) == 1:
            match = Q(name_initials__startswith=initials)  # anywhere: most of the register
        elif len(text) == 2 and connections[queryset.db].vendor == "postgresql":
            # The pair among the initials' pairs (migration 0009), strpos() the exact test.
            queryset = queryset.alias(
                initials_bigrams=Func(
                    F("name_initials"),
                    Value([], output_field=JSONField()),  # as indexed: '[]'::jsonb
                    function="cp_name_bigrams",
                    output_field=ArrayField(TextField()),
                )
            )
            in_initials: GreaterThan[int] = GreaterThan(
                StrIndex("name_initials", Value(initials)), 0
            )
            match = Q(initials_bigrams__contains=[initials]) & Q(in_initials)
        else:
            match = Q(name_initials__contains=initials)
        if len(text) >= 3:
            for variant in {text, text.upper(), text.lower(), text.capitalize()}:
                match |= Q(name__contains=variant)
        return queryset.filter(match)
    if text.isascii() and text.isalnum() and len(text) >= 6:
        return queryset.filter(uscc__startswith=normalize(text))
    queryset = queryset.alias(former_names_text=Cast("former_names", TextField()))
    bigrams = connections[queryset.db].vendor == "postgresql"
    if bigrams:
        queryset = _with_bigrams(queryset)
    for term in text.split():
        queryset = queryset.filter(_name_contains(term, bigrams=bigrams))
    return queryset


def credit_records_for(*, enterprise: Enterprise) -> QuerySet[CreditRecord]:
    """All ledger records of an enterprise, newest first (staff and the enterprise itself)."""
    return (
        CreditRecord.objects.filter(enterprise=enterprise)
        .select_related("recorded_by", "closes", "closed_by")
        .order_by("-occurred_on", "-id")
    )


def public_credit_records(
    *, enterprise: Enterprise | OuterRef, on: dt.date
) -> QuerySet[CreditRecord]:
    """What the publicity system shows on `on` (docs/domain.md §3-§5): public records inside their
    publicity period that nothing has closed (no repaired, removed or expired records).
    `enterprise` may be an `OuterRef` to use this as a subquery."""
    target: Any = enterprise  # the stubs do not know that a lookup takes an OuterRef
    return (
        CreditRecord.objects.filter(
            enterprise=target,
            is_public=True,
            occurred_on__lte=on,
            publicity_start__lte=on,
            closed_by__isnull=True,
        )
        .filter(Q(publicity_end__isnull=True) | Q(publicity_end__gte=on))
        .order_by("-occurred_on", "-id")
    )


def audit_events_for(*, enterprise: Enterprise) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(enterprise=enterprise)
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )
