"""Enterprise accounts: activation codes issued by the bureau, and registration with one.

Invariants
- An activation code exists in plain text only in the response that issues it; the database
  keeps its SHA-256 digest. The audit log never sees the code (only the row id and expiry).
- A code is single use, expires, and at most one unused code per enterprise is live: issuing a
  new code revokes the earlier unused ones.
- Registration locks the code row (`select_for_update`), so two people racing with the same
  code cannot both become users; user, membership, code use and audit event commit together.
- Wrong credit code, unknown code and a code of another enterprise all get the same message,
  so nobody can learn from the answer whether a credit code or a code exists. Only a person who
  holds the right code for the right credit code learns that it expired, was used or revoked.
- Nor which usernames exist: whether the chosen username is taken is looked up, and said, only
  once the code has been accepted (the person holds the bureau's live code for this credit
  code, and must learn it to choose another name). A refused code gets the same answer, after
  the same queries, for a taken and a free username; the format, password and contact checks
  depend on the input alone. A "taken" answer counts as a failure for the throttle below, so
  even a code holder cannot probe usernames at scale.

Guessing (throttling)
A code has 16 symbols from a 32-symbol alphabet (80 bits), so guessing one is hopeless; the
limit below stops a client from even trying at scale and keeps the answers uninformative.
Failed registrations are counted in the default cache (Redis in production, shared by every
worker; local memory in development and tests), per client IP (from
`credit_portal.middleware`, which honours only trusted proxies) and per credit code, in a fixed
window of `REGISTRATION_WINDOW_SECONDS`. When either counter has reached its limit, further
attempts are refused with `RegistrationThrottledError` (the page answers 429) before any database
work, until the window ends. Successful registrations are not counted. The public-lookup
throttle in `credit_portal.throttling` counts every request instead, which would punish a
person who mistypes a field; hence this separate, failure-only counter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from credit_portal.audit import audit_event_record
from credit_portal.middleware import current_client_ip
from credit_portal.models import User
from credit_portal.roles import Role
from enterprises.models import ActivationCode, Enterprise, EnterpriseMembership
from enterprises.uscc import normalize

# 32 symbols without 0/O, 1/I: nothing a person can misread when copying from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
MIN_VALID_DAYS = 1
MAX_VALID_DAYS = 90
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers

REGISTRATION_WINDOW_SECONDS = 15 * 60
REGISTRATION_FAILURES_PER_IP = 10
REGISTRATION_FAILURES_PER_USCC = 20


class RegistrationThrottledError(Exception):
    """Too many failed registrations from this client or for this credit code."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        minutes = max(1, -(-wait_seconds // 60))
        super().__init__(
            ngettext(
                "Too many failed registration attempts. For your security, please wait "
                "%(n)d minute and try again, or call the bureau.",
                "Too many failed registration attempts. For your security, please wait "
                "%(n)d minutes and try again, or call the bureau.",
                minutes,
            )
            % {"n": minutes}
        )


def activation_code_normalize(code: str) -> str:
    """Upper case, full-width folded, spaces and hyphens removed: 'abcd-efgh' -> 'ABCDEFGH'."""
    folded = unicodedata.normalize("NFKC", code or "")
    return re.sub(r"[\s\-_]", "", folded).upper()


def activation_code_digest(code: str) -> str:
    return hashlib.sha256(activation_code_normalize(code).encode()).hexdigest()


def _code_generate() -> str:
    groups = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    ]
    return "-".join(groups)


@transaction.atomic
def activation_code_issue(
    *, actor: User, enterprise: Enterprise, valid_days: int = 30
) -> tuple[ActivationCode, str]:
    """Issue a one-time activation code for `enterprise`; return the row and the plain code.

    Rules: the enterprise is not deregistered nor its registration cancelled;
    1 <= valid_days <= 90. The caller has checked the permission and fetched the enterprise
    through `enterprise_list_for_user`.
    Side effects: earlier unused codes of the enterprise are revoked; one audit event (row id,
    expiry and the number revoked; never the code). The plain code is returned once and
    stored nowhere.
    """
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if locked.status == Enterprise.Status.DEREGISTERED:
        raise ValidationError(
            _("This market entity is deregistered; it cannot get an activation code.")
        )
    if locked.status == Enterprise.Status.CANCELLED:
        raise ValidationError(
            _(
                "The registration of this market entity was cancelled; "
                "it cannot get an activation code."
            )
        )
    if not MIN_VALID_DAYS <= valid_days <= MAX_VALID_DAYS:
        raise ValidationError(
            {
                "valid_days": [
                    _("A code is valid for %(min)d to %(max)d days.")
                    % {"min": MIN_VALID_DAYS, "max": MAX_VALID_DAYS}
                ]
            }
        )
    now = timezone.now()
    revoked = ActivationCode.objects.filter(
        enterprise=locked, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    plain = _code_generate()
    code = ActivationCode.objects.create(
        enterprise=locked,
        code_digest=activation_code_digest(plain),
        issued_by=actor,
        issued_at=now,
        expires_at=now + dt.timedelta(days=valid_days),
    )
    audit_event_record(
        actor=actor,
        event_type="enterprises.activation_code_issued",
        target=code,
        enterprise=locked,
        extra={"expires_at": code.expires_at, "valid_days": valid_days, "revoked": revoked},
    )
    return code, plain


# Registration throttle ---------------------------------------------------------------------


def _throttle_keys(uscc: str) -> list[tuple[str, int]]:
    keys = []
    ip = current_client_ip()
    if ip:
        keys.append((f"enterprise_register:ip:{ip}", REGISTRATION_FAILURES_PER_IP))
    if uscc:
        digest = hashlib.sha256(uscc.encode()).hexdigest()[:32]
        keys.append((f"enterprise_register:uscc:{digest}", REGISTRATION_FAILURES_PER_USCC))
    return keys


def _throttle_check(uscc: str) -> None:
    for key, limit in _throttle_keys(uscc):
        entry = cache.get(key)
        if entry and entry[0] >= limit:
            raise RegistrationThrottledError(max(1, int(entry[1] - time.time())))


def _throttle_fail(uscc: str) -> None:
    now = time.time()
    for key, _limit in _throttle_keys(uscc):
        count, ends = cache.get(key) or (0, now + REGISTRATION_WINDOW_SECONDS)
        if ends <= now:
            count, ends = 0, now + REGISTRATION_WINDOW_SECONDS
        cache.set(key, (count + 1, ends), timeout=max(1, int(ends - now)) + 1)


# Registration ------------------------------------------------------------------------------


def _password_message(error: ValidationError) -> str:
    # Django 5.2.19 changed this msgid and its Chinese catalogue has not caught up yet.
    if error.code == "password_too_short" and error.params:
        return _("This password is too short: it needs at least %(n)d characters.") % {
            "n": error.params.get("min_length", 0)
        }
    return " ".join(error.messages)


def _validate_person(
    *, username: str, password: str, phone: str, email: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Choose a username.")]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = [
                _("A username may contain letters, digits and @ . + - _ only (at most 150).")
            ]
        if len(username) > 150:
            errors["username"] = [_("A username has at most 150 characters.")]
    if phone and not MOBILE_RE.match(phone):
        errors["phone"] = [_("Enter an 11-digit mainland mobile number, e.g. 13812345678.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if not phone and not email:
        errors["phone"] = [
            _("Give a mobile number or an email address so the bureau can reach you.")
        ]
    try:
        validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = [_password_message(e) for e in exc.error_list]
    return errors


def _phone_normalize(phone: str) -> str:
    """A mobile number as typed, folded: full-width digits, spaces and hyphens, +86."""
    phone = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", phone or ""))
    return phone[3:] if phone.startswith("+86") else phone


def enterprise_user_check(*, username: str, password: str, phone: str, email: str) -> None:
    """Check what a registering person typed, without the activation code: the username's
    form, the password validators, a mobile number or an email address (the checks of
    `enterprise_user_register` that depend on the input alone, so they reveal nothing about
    codes or existing usernames). The registration form runs it while a field of its own is
    still wrong, to show every error at once (`credit_portal.forms.form_errors_all`).

    Side effects: none. Raises `ValidationError` with the errors found.
    """
    errors = _validate_person(
        username=(username or "").strip(),
        password=password,
        phone=_phone_normalize(phone),
        email=(email or "").strip(),
    )
    if errors:
        raise ValidationError(errors)


def enterprise_user_register(
    *, uscc: str, code: str, username: str, password: str, phone: str = "", email: str = ""
) -> User:
    """Register a person as a user of the enterprise with credit code `uscc`, using the
    activation code the bureau issued to it.

    Rules: the code matches the enterprise of the credit code and is neither used, revoked nor
    expired (one generic message for a mismatch, see the module docstring); the username is
    free (checked only for a valid code: the module docstring); the password passes the
    project's validators; a mainland mobile number or an email address is given. Throttled
    against guessing (module docstring).
    Side effects: a user in the "enterprise_user" role, an `EnterpriseMembership`, the code
    marked used, one audit event; nothing at all when anything is refused.
    Raises `ValidationError` (field errors; the code problem under NON_FIELD_ERRORS) or
    `RegistrationThrottledError`.
    """
    uscc = normalize(uscc or "")
    code_norm = activation_code_normalize(code)
    username = (username or "").strip()
    phone = _phone_normalize(phone)
    email = (email or "").strip()
    _throttle_check(uscc)
    counted_failure = False
    try:
        with transaction.atomic():
            code_row = (
                ActivationCode.objects.select_for_update(of=("self",))
                .select_related("enterprise")
                .filter(code_digest=hashlib.sha256(code_norm.encode()).hexdigest())
                .first()
                if code_norm
                else None
            )
            errors = _validate_person(
                username=username, password=password, phone=phone, email=email
            )
            problem = _code_problem(code_row, uscc=uscc)
            if problem is not None:
                counted_failure = True
                errors = {NON_FIELD_ERRORS: [problem], **errors}
            elif "username" not in errors and _username_taken(username):
                # Said only to the holder of a live code for this credit code, and counted
                # like a refused code, so that nobody learns at scale which usernames exist.
                counted_failure = True
                errors["username"] = [_("This username is taken; choose another.")]
            if errors or code_row is None:  # a missing code always has a problem
                raise ValidationError(errors)
            return _user_create(
                code=code_row, username=username, password=password, phone=phone, email=email
            )
    except ValidationError:
        if counted_failure:
            _throttle_fail(uscc)
        raise
    except IntegrityError:
        # Someone took the username between the check and the insert (all rolled back).
        raise ValidationError(
            {"username": [_("This username is taken; choose another.")]}
        ) from None


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _code_problem(code: ActivationCode | None, *, uscc: str) -> str | None:
    if code is None or not uscc or code.enterprise.uscc != uscc:
        return _(
            "The credit code and the activation code do not match. Check both against the "
            "notice the bureau gave you (the code has 16 letters and digits)."
        )
    if code.used_at is not None:
        return _(
            "This activation code has already been used. If you did not use it, call the "
            "bureau at once; it can issue a new code."
        )
    if code.revoked_at is not None:
        return _(
            "This activation code was replaced by a newer one. Use the newest notice from the "
            "bureau, or ask for a new code."
        )
    if code.expires_at <= timezone.now():
        return _("This activation code expired on %(date)s. Ask the bureau for a new one.") % {
            "date": timezone.localtime(code.expires_at).strftime("%Y-%m-%d %H:%M")
        }
    return None


def _user_create(
    *, code: ActivationCode, username: str, password: str, phone: str, email: str
) -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    user.groups.add(Group.objects.get(name=str(Role.ENTERPRISE_USER)))
    membership = EnterpriseMembership.objects.create(
        user=user,
        enterprise=code.enterprise,
        role=EnterpriseMembership.Role.FILER,
        phone=phone,
        email=email,
        activation_code=code,
    )
    code.used_at = timezone.now()
    code.used_by = user
    code.save(update_fields=["used_at", "used_by"])
    audit_event_record(
        actor=user,
        event_type="enterprises.enterprise_user_registered",
        target=membership,
        enterprise=code.enterprise,
        extra={
            "username": username,
            "activation_code_id": code.pk,
            "contact": {"phone": bool(phone), "email": bool(email)},
        },
    )
    return user


def activation_code_state(code: ActivationCode, *, now: dt.datetime | None = None) -> str:
    """'used', 'revoked', 'expired' or 'valid', for listing a code without showing it."""
    now = now or timezone.now()
    if code.used_at is not None:
        return "used"
    if code.revoked_at is not None:
        return "revoked"
    if code.expires_at <= now:
        return "expired"
    return "valid"


def registration_limits() -> dict[str, Any]:
    """The throttle parameters, for documentation pages and tests."""
    return {
        "window_seconds": REGISTRATION_WINDOW_SECONDS,
        "per_ip": REGISTRATION_FAILURES_PER_IP,
        "per_uscc": REGISTRATION_FAILURES_PER_USCC,
        "cache": settings.CACHES["default"]["BACKEND"],
    }
