"""Forms shared by the apps, and `form_errors_from`, which puts a service's errors on a form
(`form_errors_all`: with the form's own errors, so that every error shows at once)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


def form_errors_from(
    form: forms.BaseForm, exc: ValidationError, *, aliases: dict[str, str] | None = None
) -> None:
    """Attach a service's ValidationError to the form: the errors of a field the form has go to
    that field (through `aliases` when the service names it differently, e.g. `password` for
    the form's `password1`), the rest to the top of the form. Codes and parameters are kept."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = aliases.get(name, name)
        if target in form.fields and target != NON_FIELD_ERRORS:
            form.add_error(target, errors)
        else:
            form.add_error(None, errors)


def form_errors_all(
    form: forms.BaseForm,
    check: Callable[[], object],
    *,
    aliases: dict[str, str] | None = None,
) -> None:
    """For a form whose own checks failed (a required field left empty, a malformed date):
    run the service's checks on the fields that passed and show their errors too, so that the
    user sees every error at once instead of the next one after each submit.

    `check` validates what the form holds and writes nothing (a service's check function, fed
    from `form.cleaned_data`), raising `ValidationError`. Its errors go where
    `form_errors_from` puts them, except on a field that already has an error of its own (a
    required field the service also finds missing is said once).
    """
    try:
        check()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc)
            return
        aliases = aliases or {}
        fresh = {
            name: errors
            for name, errors in exc.error_dict.items()
            if aliases.get(name, name) not in form.errors
        }
        if fresh:
            form_errors_from(form, ValidationError(fresh), aliases=aliases)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "The username or password is not correct. After %(limit)s failed attempts the "
            "account is locked for 30 minutes."
        ),
        "inactive": _("This account has been disabled. Please contact the bureau."),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )
