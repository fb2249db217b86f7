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
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Collate, Reverse, StrIndex
from django.db.models.lookups import GreaterThan

from credit_portal.models import AuditEvent, Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.kinds import Effect, kind_codes
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.uscc import CHARSET, looks_like_regno, looks_like_uscc, normalize


def enterprise_list_for_user(
    *, user: User, departments_listed: bool = False
) -> QuerySet[Enterprise]:
    """The enterprises a user may see.

    Rules: staff holding `view_enterprise` who work for the bureau see the district's register
    (the bureau supervises every entity in it); staff of a partner department see the entities
    that department is responsible for (docs/architecture.md: "staff login limited to their
    department"); an enterprise user sees only their own enterprise; anyone else nothing. The
    departments a user may see are one uncorrelated subquery of the same statement: no extra
    round trip, and (measured on 1M rows) no per-row cost, unlike a correlated EXISTS (3x on a
    full scan). With `departments_listed`, they are read first (one more query) and named
    in the statement, or left out when they are all of them: for a count estimate
    (`enterprises.selectors.counts`), since the planner knows how many rows each department
    has but not what the subquery returns.
    """
    qs = Enterprise.objects.select_related("department")
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm(EnterprisePerm.VIEW):
        if user.is_superuser:
            return qs
        departments = departments_of_jurisdiction(user=user).values("pk")
        if departments_listed:
            seen = ExpressionWrapper(Q(pk__in=departments), output_field=BooleanField())
            every = list(Department.objects.annotate(seen=seen).values_list("pk", "seen"))
            listed = [pk for pk, mine in every if mine]
            if len(listed) == len(every):
                # Every department, every entity (each has one): no condition, which the
                # planner estimates best. It sums no list's frequencies: it put 25 of them,
                # most without a row in its sample, at 86 % of the register.
                return qs
            return qs.filter(department_id__in=listed)
        return qs.filter(department_id__in=departments)
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None:
        return qs.filter(pk=membership.enterprise_id)
    return qs.none()


def _name_contains(term: str, *, bigrams: bool = False) -> Q:
    """`term` in the name or in a former name, written so that PostgreSQL's indexes can serve
    it: plain `LIKE` on the column (ent_name_trgm_idx) and on the former names' JSON text (an
    index on `(former_names::text) gin_trgm_ops` serves that side); with `bigrams` (PostgreSQL,
    two-character terms, which no trigram holds), the pair among the character pairs of both
    (migration 0005, alias from `_with_bigrams`). SQLite keeps JSON with \\uXXXX escapes, so
    non-ASCII text is also looked for in that spelling."""
    if bigrams and len(term) == 2:
        return Q(name_bigrams__contains=[term]) & _name_holds(term)
    former = Q(former_names_text__contains=term)
    escaped = json.dumps(term)[1:-1]
    if escaped != term:
        former |= Q(former_names_text__contains=escaped)
    return Q(name__contains=term) | former


def _name_holds(term: str) -> Q:
    """The exact test of a two-character term on PostgreSQL. strpos() is the same test as LIKE
    but no trigram index claims it (a useless full trigram-index scan for two characters); it is
    cheap, so PostgreSQL evaluates it before the pairs when it filters rows one by one
    (frequent pairs, ordered scans)."""
    in_name: GreaterThan[int] = GreaterThan(StrIndex("name", Value(term)), 0)
    in_former: GreaterThan[int] = GreaterThan(StrIndex("former_names_text", Value(term)), 0)
    return Q(in_name) | Q(in_former)


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


CODE_END_MIN = 4  # the end of a credit code, from 4 characters: 31^4 = 923,521 endings
ADDRESS_TERM_MIN = 3  # a part of an address, from 3 characters: what a trigram index serves


def enterprise_search(
    *, queryset: QuerySet[Enterprise], text: str, staff: bool = False
) -> QuerySet[Enterprise]:
    """Search by credit code, old registration number, name or former name (Chinese
    substring), or pinyin initials (ASCII letters); with `staff` (the register list, its
    export and the API, not the public lookup), also by the end of a credit code, the legal
    representative and the address, where clerks look.

    Rules: an 18-character code or a 15-digit number matches exactly (normalised: case,
    full-width characters, spaces and hyphens); 6 or more letters and digits match the start of
    a credit code; ASCII letters match the pinyin initials anywhere in the name ("xf" finds
    成都旭丰..., a single letter only at the start) or, from 3 letters on, a Latin part of the
    name (as typed, upper, lower or capitalised: index-friendly instead of a case-folding
    scan); other text matches a part of the name or of a former name, each
    space-separated word on its own ("蓉城 餐饮" finds 成都蓉城餐饮管理有限公司).
    Staff: 4 to 17 letters and digits of the code's alphabet also match the end of a credit
    code (the last characters, as read off a licence: "6K3C" finds ...MA6C4E6K3C); a word
    also matches the start of the legal representative's name (the whole name as read off a
    licence, or its start: "张伟" finds 张伟 and 张伟明), from 3 characters a part of the
    address ("棠湖中路", "杨柳路38号"), and the end of a credit code ("张伟 6K3C": his entity
    whose code ends so). On PostgreSQL each is served by an index (migration 0014); SQLite
    scans.
    """
    text = (text or "").strip()
    if not text:
        return queryset
    if looks_like_uscc(text):
        return queryset.filter(uscc=normalize(text))
    if looks_like_regno(text):
        return queryset.filter(legacy_reg_no=normalize(text))
    postgres = connections[queryset.db].vendor == "postgresql"
    code_end = staff and _is_code_end(text)
    if staff and postgres:
        queryset = queryset.alias(
            uscc_reversed=Reverse("uscc"), legal_rep_bytes=Collate("legal_rep_name", "C")
        )
    if text.isascii() and text.isalpha():
        initials = text.upper()
        if len(text) == 1:
            match = Q(name_initials__startswith=initials)  # anywhere: most of the register
        elif len(text) == 2 and postgres:
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
        if code_end:
            match |= _code_ends_with(normalize(text), postgres=postgres)
        return queryset.filter(match)
    if text.isascii() and text.isalnum() and len(text) >= 6:
        match = Q(uscc__startswith=normalize(text))
        if code_end:
            match |= _code_ends_with(normalize(text), postgres=postgres)
        return queryset.filter(match)
    queryset = queryset.alias(former_names_text=Cast("former_names", TextField()))
    if postgres:
        queryset = _with_bigrams(queryset)
    for term in text.split():
        match = _name_contains(term, bigrams=postgres)
        if staff:
            also = _person_starts_with(term, postgres=postgres)
            if len(term) >= ADDRESS_TERM_MIN:
                also |= Q(address__contains=term)
            if _is_code_end(term):
                also |= _code_ends_with(normalize(term), postgres=postgres)
            if postgres and len(term) == 2:
                # (pairs OR the others) AND (strpos OR the others): the indexes find the
                # candidates (a BitmapOr) and PostgreSQL drops that condition from the rows'
                # filter, as it matches the index conditions; the rows are then tested with
                # the cheap strpos() only. Written as "(pairs AND strpos) OR others", the
                # character pairs of each matching name were computed again (6 µs each).
                match = (Q(name_bigrams__contains=[term]) | also) & (_name_holds(term) | also)
            else:
                match |= also
        queryset = queryset.filter(match)
    return queryset


def _person_starts_with(term: str, *, postgres: bool) -> Q:
    """The legal representative's name starts with `term`. PostgreSQL: as the range of the
    names that start so in the C collation (byte order, which is code-point order in UTF-8):
    'term' <= name < 'ters', the last character moved on by one, which is the condition of an
    index on `(legal_rep_name COLLATE "C")` (migration 0014, alias `legal_rep_bytes`), so that
    PostgreSQL drops it from the rows' filter (a LIKE would stay there); SQLite: LIKE 'term%'.
    """
    after = ord(term[-1]) + 1
    if 0xD800 <= after <= 0xDFFF:  # no character is a surrogate
        after = 0xE000
    if not postgres or after > 0x10FFFF:
        return Q(legal_rep_name__startswith=term)
    return Q(legal_rep_bytes__gte=term, legal_rep_bytes__lt=term[:-1] + chr(after))


def _is_code_end(text: str) -> bool:
    """Could `text` be the last characters of a credit code (4 to 17 of its alphabet)?"""
    code = normalize(text)
    return code.isascii() and CODE_END_MIN <= len(code) < 18 and set(code) <= set(CHARSET)


def _code_ends_with(code: str, *, postgres: bool) -> Q:
    """The credit code ends with `code`. PostgreSQL: the reversed code starts with it reversed,
    a prefix an index on `reverse(uscc) text_pattern_ops` serves (migration 0014; alias
    `uscc_reversed`); SQLite: LIKE '%code'."""
    if postgres:
        return Q(uscc_reversed__startswith=code[::-1])
    return Q(uscc__endswith=code)


def credit_records_for(*, enterprise: Enterprise) -> QuerySet[CreditRecord]:
    """All ledger records of an enterprise, newest first (staff and the enterprise itself)."""
    return (
        CreditRecord.objects.filter(enterprise=enterprise)
        .select_related("recorded_by", "closes", "closed_by")
        .order_by("-occurred_on", "-id")
    )


def public_credit_records(
    *, enterprise: Enterprise | OuterRef, on: dt.date, listing_history: bool = False
) -> QuerySet[CreditRecord]:
    """What the publicity system shows on `on` (docs/domain.md §3-§5): public records inside their
    publicity period that nothing has closed (no repaired, removed or expired records), and
    the records of the kinds the law makes public whatever their own flag says, from their
    date (changes of registration: `enterprises.kinds`, always_public; the ledger is
    append-only, so they are published by kind, no row rewritten). `enterprise` may be an
    `OuterRef` to use this as a subquery. `CreditRecord.is_public_on` is the same rule.

    `listing_history`: the public profile's rule (docs/domain.md §3): a closed record of a
    kind shown with its closing record (`history_public`: listings in the abnormal directory
    and on the serious list, beside their removal) stays, unless the record that closed it is of
    a kind that hides what it closes (`hides_closed`: a listing revoked as wrongful, a record
    corrected). The caller reads the closing record through `closed_by`."""
    target: Any = enterprise  # the stubs do not know that a lookup takes an OuterRef
    flagged = Q(is_public=True, publicity_start__lte=on)
    by_kind = kind_codes(always_public=True)
    if by_kind:
        flagged |= Q(kind__in=by_kind) & (
            Q(publicity_start__isnull=True) | Q(publicity_start__lte=on)
        )
    open_or_shown = Q(closed_by__isnull=True)
    if listing_history:
        history = kind_codes(history_public=True)
        shown_closers = sorted(
            set(kind_codes(effect=Effect.CLOSES)) - set(kind_codes(hides_closed=True))
        )
        if history and shown_closers:
            open_or_shown |= Q(kind__in=history, closed_by__kind__in=shown_closers)
    return (
        CreditRecord.objects.filter(enterprise=target, occurred_on__lte=on)
        .filter(open_or_shown)
        .filter(flagged)
        .filter(Q(publicity_end__isnull=True) | Q(publicity_end__gte=on))
        .order_by("-occurred_on", "-id")
    )


def audit_events_for(*, enterprise: Enterprise) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(enterprise=enterprise)
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )
