"""Reads of the enterprises app. Jurisdiction lives here: every view and endpoint fetches
enterprises through `enterprise_list_for_user`, so an enterprise outside a user's reach is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from credit_portal.models import AuditEvent, User
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.uscc import looks_like_regno, looks_like_uscc, normalize


def enterprise_list_for_user(*, user: User) -> QuerySet[Enterprise]:
    """The enterprises a user may see.

    Rules: staff holding `view_enterprise` see the district's register (the bureau supervises
    every entity in it); an enterprise user sees only their own enterprise; anyone else nothing.
    """
    qs = Enterprise.objects.select_related("department")
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm(EnterprisePerm.VIEW):
        return qs
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None:
        return qs.filter(pk=membership.enterprise_id)
    return qs.none()


def enterprise_search(*, queryset: QuerySet[Enterprise], text: str) -> QuerySet[Enterprise]:
    """Search by credit code, old registration number, name or former name (Chinese
    substring), or pinyin initials (ASCII letters)."""
    text = (text or "").strip()
    if not text:
        return queryset
    if looks_like_uscc(text):
        return queryset.filter(uscc=normalize(text))
    if looks_like_regno(text):
        return queryset.filter(legacy_reg_no=normalize(text))
    if text.isascii() and text.isalpha():
        return queryset.filter(Q(name_initials__startswith=text.upper()) | Q(name__icontains=text))
    if text.isascii() and text.isalnum() and len(text) >= 6:
        return queryset.filter(uscc__startswith=normalize(text))
    return queryset.filter(Q(name__contains=text) | Q(former_names__icontains=text))


def credit_records_for(*, enterprise: Enterprise) -> QuerySet[CreditRecord]:
    """All ledger records of an enterprise, newest first (staff and the enterprise itself)."""
    return (
        CreditRecord.objects.filter(enterprise=enterprise)
        .select_related("recorded_by", "closes", "closed_by")
        .order_by("-occurred_on", "-id")
    )


def public_credit_records(*, enterprise: Enterprise, on: dt.date) -> QuerySet[CreditRecord]:
    """What the publicity system shows on `on` (DOMAIN.md §3-§5): public records inside their
    publicity period that nothing has closed (no repaired, removed or expired records)."""
    return (
        CreditRecord.objects.filter(
            enterprise=enterprise,
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
