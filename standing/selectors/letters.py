"""Reads of issued letters: an enterprise's own, a staff user's (through jurisdiction), and a
letter by its verification code (the public verification)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from credit_portal.models import User
from enterprises.models import Enterprise
from enterprises.selectors.register import enterprise_list_for_user
from standing import rules
from standing.models import StandingLetter


def letters_for(*, enterprise: Enterprise) -> QuerySet[StandingLetter]:
    """The letters issued for `enterprise`, newest first (the enterprise's own page, the staff
    section, the credit station)."""
    return StandingLetter.objects.filter(enterprise=enterprise).order_by("-issued_at", "-id")


def letters_for_user(*, user: User) -> QuerySet[StandingLetter]:
    """The letters of the enterprises `user` may see (`enterprise_list_for_user`: an
    enterprise user its own, staff their jurisdiction), newest first."""
    return (
        StandingLetter.objects.filter(
            enterprise__in=enterprise_list_for_user(user=user).values("pk")
        )
        .select_related("enterprise")
        .order_by("-issued_at", "-id")
    )


def letter_status(letter: StandingLetter, *, today: dt.date) -> str:
    """ "valid", "expired" or "revoked" on `today` (not re-checking the ledger)."""
    return letter.status_on(today)


def code_normalize(raw: str) -> str | None:
    """A typed or scanned code in its stored form XXXX-XXXX-XXXX-XXXX, or None when it cannot be
    one: spaces and dashes ignored, lower case accepted, I and L read as 1, O as 0 (Crockford's
    decoding; the alphabet has none of them)."""
    if not raw or len(raw) > rules.CODE_INPUT_MAX:
        return None
    text = "".join(ch for ch in raw.upper() if ch not in " -\t")
    text = text.translate(str.maketrans("ILO", "110"))
    if len(text) != rules.CODE_LENGTH or any(ch not in rules.CODE_ALPHABET for ch in text):
        return None
    n = rules.CODE_GROUP_LENGTH
    return "-".join(text[i : i + n] for i in range(0, rules.CODE_LENGTH, n))


def letter_by_code(code: str) -> StandingLetter | None:
    """The letter with this (normalized) code, with its enterprise (one query), or None."""
    return StandingLetter.objects.select_related("enterprise").filter(code=code).first()
