"""The public form's abuse limits without a captcha (`questions.rules`, issue 18 §4): keyed
digests of the client address and of the contact, the signed time the form was served (a
minimum time to fill it), the honeypot, and the counts per address and per contact.

Nothing here stores an address: the counts run on `Question.client_digest` and
`Question.contact_digest`, HMAC-SHA256 digests under the SECRET_KEY (one salt each), which find
the same address or contact again without revealing it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from questions import rules
from questions.models import Question


def keyed_digest(salt: str, value: str) -> str:
    """HMAC-SHA256 of `value` under the SECRET_KEY and `salt`; "" for an empty value."""
    value = (value or "").strip()
    if not value:
        return ""
    return salted_hmac(salt, value, algorithm="sha256").hexdigest()


def client_digest(address: str | None) -> str:
    return keyed_digest(rules.CLIENT_DIGEST_SALT, address or "")


def contact_normalize(phone: str, email: str) -> str:
    """The contact the limit counts: the phone's digits, else the email in lower case."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits:
        return f"tel:{digits}"
    email = (email or "").strip().lower()
    return f"mail:{email}" if email else ""


def contact_digest(phone: str, email: str) -> str:
    return keyed_digest(rules.CONTACT_DIGEST_SALT, contact_normalize(phone, email))


# --------------------------------------------------------------------------- the form's time


def _token_mac(stamp: str) -> str:
    return salted_hmac(rules.FORM_TOKEN_SALT, stamp, algorithm="sha256").hexdigest()[:32]


def form_token_new(now: float | None = None) -> str:
    """The token put in the form when it is served: the time, and its HMAC."""
    stamp = str(int(time.time() if now is None else now))
    return f"{stamp}.{_token_mac(stamp)}"


def form_token_problem(token: str, now: float | None = None) -> tuple[str, str] | None:
    """Why a form's token is refused, as (code, message); None when it is good: signed by us,
    served at least `MIN_FILL_SECONDS` and at most `FORM_MAX_AGE_SECONDS` ago."""
    stamp, _dot, mac = (token or "").partition(".")
    if not stamp.isdigit() or not constant_time_compare(mac, _token_mac(stamp)):
        return "form_token", _("This form could not be checked. Reload the page and send it again.")
    age = (time.time() if now is None else now) - int(stamp)
    if age < rules.MIN_FILL_SECONDS:
        return "too_fast", _(
            "The form was sent too quickly after it was opened. Check your question and send "
            "it again."
        )
    if age > rules.FORM_MAX_AGE_SECONDS:
        return "form_stale", _("This form is too old. Reload the page and send it again.")
    return None


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class LimitReached:
    """A limit that refuses the question, its message, and the seconds until it frees."""

    message: str
    retry_after: int


def _wait(rows: list[dt.datetime], allowed: int, window: dt.timedelta, now: dt.datetime) -> int:
    oldest_counted = rows[allowed - 1]  # newest first: the one whose expiry frees a place
    return max(1, int((oldest_counted + window - now).total_seconds()) + 1)


def limit_reached(
    *, client: str, contact: str, now: dt.datetime | None = None
) -> LimitReached | None:
    """Whether a new question from this client digest (and contact digest) is over a limit:
    `PER_ADDRESS_PER_HOUR`, `PER_ADDRESS_PER_DAY`, `PER_CONTACT_PER_DAY`. Three small indexed
    queries at most."""
    now = now or timezone.now()
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    checks: list[tuple[str, str, int, dt.timedelta]] = []
    if client:
        checks.append(("client_digest", client, rules.PER_ADDRESS_PER_HOUR, hour))
        checks.append(("client_digest", client, rules.PER_ADDRESS_PER_DAY, day))
    if contact:
        checks.append(("contact_digest", contact, rules.PER_CONTACT_PER_DAY, day))
    for field, digest, allowed, window in checks:
        rows = list(
            Question.objects.filter(**{field: digest, "asked_at__gt": now - window})
            .order_by("-asked_at")
            .values_list("asked_at", flat=True)[:allowed]
        )
        if len(rows) < allowed:
            continue
        wait = _wait(rows, allowed, window, now)
        minutes = max(1, (wait + 59) // 60)
        if field == "contact_digest":
            message = ngettext(
                "Too many questions with this phone number or email today. Please try again "
                "in %(n)d minute.",
                "Too many questions with this phone number or email today. Please try again "
                "in %(n)d minutes.",
                minutes,
            )
        else:
            message = ngettext(
                "Too many questions from your address in a short time. Please try again in "
                "%(n)d minute.",
                "Too many questions from your address in a short time. Please try again in "
                "%(n)d minutes.",
                minutes,
            )
        return LimitReached(message % {"n": minutes}, wait)
    return None
