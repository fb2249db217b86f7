"""Forms of immediate disclosures and invitations to self-correct: shape only; the rules are
the services' (`annual_reports.services.disclosures`, `annual_reports.services.invitations`),
whose errors `form_errors_from` puts back on the form.

A disclosure's form is one per item: the day of the change, the item's fields (a licence, a
pledge) or its rows (the shareholders' contributions, the changes of equity: a formset with a
few empty rows to fill; empty rows are ignored), and, for a correction, what was corrected and
why. `content()` gives the content as the service takes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from annual_reports.models import CorrectionInvitation, ImmediateDisclosure
from annual_reports.services.disclosures import (
    CONTRIBUTION_FORMS,
    CONTRIBUTION_ROW_FIELDS,
    EQUITY_ROW_FIELDS,
    IP_KINDS,
    IP_PLEDGE_FIELDS,
    LICENCE_FIELDS,
)

Item = ImmediateDisclosure.Item
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EXTRA_ROWS = 3


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class ContributionRowForm(forms.Form):
    name = forms.CharField(label=_("Shareholder"), max_length=200, required=False)
    subscribed = forms.DecimalField(
        label=_("Subscribed (CNY 10,000)"), required=False, max_digits=16, decimal_places=2
    )
    subscribed_form = forms.ChoiceField(
        label=_("Form subscribed"), choices=_blank(CONTRIBUTION_FORMS), required=False
    )
    subscribed_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)
    paid = forms.DecimalField(
        label=_("Paid in (CNY 10,000)"), required=False, max_digits=16, decimal_places=2
    )
    paid_form = forms.ChoiceField(
        label=_("Form paid in"), choices=_blank(CONTRIBUTION_FORMS), required=False
    )
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DATE)


class EquityRowForm(forms.Form):
    shareholder = forms.CharField(label=_("Shareholder"), max_length=200, required=False)
    before = forms.DecimalField(
        label=_("Share before (%)"), required=False, max_digits=5, decimal_places=2
    )
    after = forms.DecimalField(
        label=_("Share after (%)"), required=False, max_digits=5, decimal_places=2
    )


ContributionFormSet = forms.formset_factory(ContributionRowForm, extra=EXTRA_ROWS, max_num=200)
EquityFormSet = forms.formset_factory(EquityRowForm, extra=EXTRA_ROWS, max_num=200)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return None
    return str(value) if not isinstance(value, str) else value


class DisclosureForm(forms.Form):
    """The fields every item has; an item's form adds its own (`disclosure_form_for`)."""

    item_code: str = ""
    row_fields: tuple[str, ...] = ()
    formset_class: Any = None
    rows_key = ""

    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    changed_on = forms.DateField(
        label=_("Date of the change"),
        widget=DATE,
        help_text=_("Disclose within 20 working days of this day."),
    )
    correction_reason = forms.CharField(
        label=_("What was corrected and why"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the correction, beside the version it replaces."),
    )

    def __init__(
        self,
        *args: Any,
        correcting: bool = False,
        content: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.correcting = correcting
        if not correcting:
            del self.fields["correction_reason"]
        self.formset = None
        if self.formset_class is not None:
            initial = list((content or {}).get(self.rows_key) or []) if not self.is_bound else None
            self.formset = self.formset_class(
                self.data if self.is_bound else None, prefix="rows", initial=initial
            )

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.formset is not None:
            valid = self.formset.is_valid() and valid
        return valid

    def content(self) -> dict[str, Any]:
        """The content as the service takes it (its checks decide what is missing)."""
        if self.formset is not None:
            rows = []
            for form in self.formset.forms:
                data = getattr(form, "cleaned_data", None) or {}
                if not any(v not in (None, "") for v in data.values()):
                    continue
                rows.append({k: _jsonable(data.get(k)) for k in self.row_fields})
            return {self.rows_key: rows}
        return {k: _jsonable(self.cleaned_data.get(k)) for k in self.row_fields}


class ContributionForm(DisclosureForm):
    item_code = Item.CONTRIBUTION
    row_fields = CONTRIBUTION_ROW_FIELDS
    formset_class = ContributionFormSet
    rows_key = "shareholders"


class EquityChangeForm(DisclosureForm):
    item_code = Item.EQUITY_CHANGE
    row_fields = EQUITY_ROW_FIELDS
    formset_class = EquityFormSet
    rows_key = "changes"


class LicenceForm(DisclosureForm):
    item_code = Item.LICENCE
    row_fields = LICENCE_FIELDS

    name = forms.CharField(label=_("Licence name"), max_length=200)
    number = forms.CharField(label=_("Licence number"), max_length=200)
    authority = forms.CharField(label=_("Issuing authority"), max_length=200)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for a licence without end."),
    )


class IpPledgeForm(DisclosureForm):
    item_code = Item.IP_PLEDGE
    row_fields = IP_PLEDGE_FIELDS

    ip_kind = forms.ChoiceField(label=_("Kind of right"), choices=_blank(IP_KINDS))
    ip_name = forms.CharField(label=_("Right pledged"), max_length=200)
    certificate_number = forms.CharField(
        label=_("Certificate or registration number"), max_length=200
    )
    pledgor = forms.CharField(label=_("Pledgor"), max_length=200)
    pledgee = forms.CharField(label=_("Pledgee"), max_length=200)
    registered_on = forms.DateField(label=_("Pledge registered on"), widget=DATE)
    pledge_until = forms.DateField(label=_("Pledge until"), required=False, widget=DATE)


FORMS: dict[str, type[DisclosureForm]] = {
    Item.CONTRIBUTION: ContributionForm,
    Item.EQUITY_CHANGE: EquityChangeForm,
    Item.LICENCE: LicenceForm,
    Item.IP_PLEDGE: IpPledgeForm,
}


def disclosure_form_for(
    item: str,
    data: Any = None,
    *,
    disclosure: ImmediateDisclosure | None = None,
) -> DisclosureForm:
    """The form of `item`, bound to `data` (a POST) or filled from `disclosure` (a draft)."""
    form_class = FORMS[item]
    correcting = disclosure is not None and disclosure.correction_of_id is not None
    if data is not None:
        return form_class(data, correcting=correcting)
    initial: dict[str, Any] = {}
    content: dict[str, Any] = {}
    if disclosure is not None:
        content = dict(disclosure.content or {})
        initial = {
            "version": disclosure.version,
            "changed_on": disclosure.changed_on,
            "correction_reason": disclosure.correction_reason,
        }
        if form_class.formset_class is None:
            initial.update({k: content.get(k) for k in form_class.row_fields})
    return form_class(initial=initial, correcting=correcting, content=content)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CorrectionStartForm(forms.Form):
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class DisclosureFilterForm(forms.Form):
    q = forms.CharField(label=_("Credit code or name"), required=False, max_length=100)
    item = forms.ChoiceField(
        label=_("Item"), required=False, choices=[("", _("All items")), *Item.choices]
    )
    year = forms.IntegerField(
        label=_("Year disclosed"), required=False, min_value=2014, max_value=9999
    )
    late = forms.BooleanField(label=_("Disclosed late only"), required=False)
    corrected = forms.BooleanField(label=_("Corrected only"), required=False)


class InvitationForm(forms.Form):
    """An officer's invitation to self-correct (the enterprise by its credit code)."""

    enterprise_uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    year = forms.IntegerField(label=_("Year reported on"), min_value=2000, max_value=9999)
    reason = forms.ChoiceField(
        label=_("Reason"), choices=_blank(list(CorrectionInvitation.Reason.choices))
    )
    findings = forms.CharField(
        label=_("What the check found"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The enterprise reads it: say which information is wrong and what is right."),
    )
    source = forms.CharField(
        label=_("Source (inspection, case)"),
        max_length=100,
        required=False,
        help_text=_("Optional: the inspection or check that found it."),
    )


class InvitationCancelForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reasons = forms.CharField(
        label=_("Why the invitation is cancelled"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationFilterForm(forms.Form):
    q = forms.CharField(label=_("Credit code or name"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *CorrectionInvitation.Status.choices],
    )
    year = forms.IntegerField(
        label=_("Year reported on"), required=False, min_value=2000, max_value=9999
    )


class SelfCorrectionFilterForm(forms.Form):
    WHAT = (
        ("", _("Everything")),
        ("annual_report", _("Annual reports")),
        ("disclosure", _("Immediate disclosures")),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2014, max_value=9999)
    what = forms.ChoiceField(label=_("What was corrected"), required=False, choices=WHAT)
    division = forms.CharField(label=_("Street or town"), required=False, max_length=64)
    counted = forms.BooleanField(
        label=_("Counted for my department (corrections it invited)"), required=False
    )
    q = forms.CharField(label=_("Credit code or name"), required=False, max_length=100)
