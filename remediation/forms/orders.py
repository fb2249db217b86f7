"""Forms of orders to disclose (docs/domain.md §3 reason 2): shape only; the rules are the
service's (`remediation.services.orders`), whose errors `form_errors_from` puts back on the
form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from remediation.models import DisclosureOrder
from remediation.services.orders import ITEMS


class OrderCreateForm(forms.Form):
    enterprise_uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    items = forms.MultipleChoiceField(
        label=_("Items to disclose"), choices=ITEMS, widget=forms.CheckboxSelectMultiple
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=64,
        help_text=_("The number of the order (责令限期公示通知书)."),
    )
    ordered_on = forms.DateField(
        label=_("Ordered on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Default: today. The company has 10 days from the day after it."),
    )


class OrderWithdrawForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reasons = forms.CharField(
        label=_("Why the order is withdrawn"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Credit code, name or document number"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *DisclosureOrder.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
