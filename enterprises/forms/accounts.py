"""Forms of the enterprise accounts pages. They check the shape of the input only; the rules
(code, password validators, contact) live in `enterprises.services.accounts`, whose errors are
put back into the form by `credit_portal.forms.form_errors_from`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enterprises.uscc import normalize, uscc_problems

VALID_DAYS_CHOICES = [
    (7, _("7 days")),
    (14, _("14 days")),
    (30, _("30 days")),
    (60, _("60 days")),
    (90, _("90 days")),
]


class RegisterForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("The 18-character code on your business licence."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "91510116…",
                "class": "mono",
            }
        ),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("16 letters and digits from the bureau's notice, e.g. ABCD-EFGH-JKLM-NPQR."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX-XXXX",
                "class": "mono",
            }
        ),
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _; you log in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters, not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_("A mobile number or an email address is required."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_uscc(self) -> str:
        """A mistyped credit code is said plainly (which character is wrong): that reveals
        nothing about activation codes, unlike a code/USCC mismatch, which stays generic."""
        value = normalize(self.cleaned_data.get("uscc", ""))
        problems = uscc_problems(value)
        if problems:
            raise ValidationError(problems[0].message)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class ActivationCodeIssueForm(forms.Form):
    valid_days = forms.TypedChoiceField(
        label=_("Valid for"),
        choices=VALID_DAYS_CHOICES,
        coerce=int,
        initial=30,
        help_text=_("The code stops working after this time if nobody has used it."),
    )
