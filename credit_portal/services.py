"""Account services: the writes that concern users themselves, each with its audit event; the
portal's own account (`system_user`), author of what the jobs decide."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from credit_portal.audit import audit_event_record
from credit_portal.models import User


@transaction.atomic
def user_login_record(*, user: User) -> None:
    """Record a successful login. Rules: none. Side effects: none."""
    audit_event_record(actor=user, event_type="accounts.user_logged_in", target=user)


@transaction.atomic
def user_logout_record(*, user: User) -> None:
    """Record a logout. Rules: none. Side effects: none."""
    audit_event_record(actor=user, event_type="accounts.user_logged_out", target=user)


@transaction.atomic
def user_password_change(*, request: HttpRequest, form: PasswordChangeForm) -> User:
    """Change the logged-in user's password (the form has checked the old one and the rules).

    Side effects: the session stays valid (its auth hash is refreshed); other sessions end and
    the user's API token is revoked.
    """
    user: User = form.save()
    update_session_auth_hash(request, user)
    Token.objects.filter(user=user).delete()  # a token issued before the change dies with it
    audit_event_record(actor=user, event_type="accounts.password_changed", target=user)
    return user


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """Give the user their API token (the existing one, or a new one). Audited on creation.

    Rules: the caller has authenticated the user. Side effects: none.
    """
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit_event_record(actor=user, event_type="accounts.api_token_created", target=user)
    return token


# The portal's own account: inactive, no usable password, never a person.
SYSTEM_USERNAME = "credit-portal-system"


def system_user() -> User:
    """The portal's own account, author of the cases, runs and overrides' ends the system makes
    (a row that needs an author, where none of the bureau's people decided). Made on first use:
    inactive, no usable password."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        return user
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": "系统（自动）", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
