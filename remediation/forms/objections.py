"""Forms of objections to listings (docs/domain.md §3): shape only; the rules are the services'
(`remediation.services.objections`), whose errors `form_errors_from` puts back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from remediation.models import ListingObjection

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ObjectionFileForm(forms.Form):
    """The enterprise's objection, filed online (received the day it is sent)."""

    grounds = forms.CharField(
        label=_("Why the listing is wrong"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For example: the annual report was filed on time on …; the business is at its "
            "registered address; the information was disclosed on … Name what shows it."
        ),
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=64, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class ObjectionPaperForm(ObjectionFileForm):
    """A paper objection, entered by staff with the day the bureau received it."""

    case = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    received_on = forms.DateField(
        label=_("Received on"),
        widget=_DATE,
        help_text=_("The day the bureau received it: the 30 days count to this day."),
    )


class ObjectionActionForm(forms.Form):
    """An officer's step: accept, do not accept, uphold, reject."""

    ACTIONS = [
        ("accept", _("Accept for verification")),
        ("not_accept", _("Do not accept")),
        ("uphold", _("Uphold: revoke the listing")),
        ("reject", _("Reject: the listing stands")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ObjectionQueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Credit code or name"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ListingObjection.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class ObjectionWithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
