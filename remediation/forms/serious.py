"""Forms of the serious list (docs/domain.md §3, §5): shape only; the rules are the services'
(`remediation.services.serious`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from remediation.models import SeriousListing


class SeriousFilterForm(forms.Form):
    q = forms.CharField(label=_("Credit code or name"), max_length=100, required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *SeriousListing.State.choices],
    )


class SeriousRevokeForm(forms.Form):
    """An officer revokes a serious listing found wrongful, with the reasons."""

    reasons = forms.CharField(
        label=_("Why the listing is revoked"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
