"""Forms shared by the apps, and `form_errors_from`, which puts a service's errors on a form."""

from __future__ import annotations

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
