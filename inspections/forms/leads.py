"""Forms of leads (docs/domain.md §10): shape only; the rules are the services'
(`inspections.services.leads`), whose errors `form_errors_from` puts back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit_portal.models import Department
from inspections.models import InspectionItem, Lead

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

NOTIFY_METHOD_CHOICES = Lead.NotifyMethod.choices


class _LeadFields(forms.Form):
    """What every lead says: whom it is about and what happened; who reports."""

    uscc = forms.CharField(
        label=_("Credit code of the business (if known)"),
        max_length=30,
        required=False,
        help_text=_("The 18-character unified social credit code on its licence."),
    )
    subject_name = forms.CharField(
        label=_("Name of the business or person"),
        max_length=200,
        required=False,
        help_text=_("As on its sign or licence; required when the credit code is not given."),
    )
    subject_address = forms.CharField(label=_("Where"), max_length=255, required=False)
    content = forms.CharField(
        label=_("What happened"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When and where, what was sold or done, and what shows it."),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously (a report only; you will not be told of the decision)"),
        required=False,
    )
    reporter_name = forms.CharField(label=_("Your name"), max_length=64, required=False)
    reporter_phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    reporter_email = forms.EmailField(label=_("Email"), required=False)


class PublicLeadForm(_LeadFields):
    """The public's form: a report of a violation, or a consumer complaint."""

    kind = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (Lead.Kind.REPORT, _("Report a violation (举报)")),
            (Lead.Kind.COMPLAINT, _("Complain about a purchase or service (投诉)")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = [
        "kind",
        "uscc",
        "subject_name",
        "subject_address",
        "content",
        "anonymous",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
    ]


class StaffLeadForm(_LeadFields):
    """A lead entered by staff: a phone call, a letter, a visit, or a referral."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Lead.Kind.choices)
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[
            c for c in Lead.Channel.choices if c[0] not in (Lead.Channel.WEB, Lead.Channel.QUESTION)
        ],
    )
    received_on = forms.DateField(label=_("Received on"), widget=_DATE)
    department = forms.ModelChoiceField(
        label=_("Handling department"), queryset=Department.objects.none(), required=False
    )
    referring_department = forms.ModelChoiceField(
        label=_("Referred by"), queryset=Department.objects.none(), required=False
    )
    referral_document = forms.CharField(
        label=_("Referral document number"), max_length=64, required=False
    )
    field_order = [
        "kind",
        "channel",
        "received_on",
        "department",
        "referring_department",
        "referral_document",
        "uscc",
        "subject_name",
        "subject_address",
        "content",
        "anonymous",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
    ]

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        referring = self.fields["referring_department"]
        assert isinstance(department, forms.ModelChoiceField)  # noqa: S101 - declared above
        assert isinstance(referring, forms.ModelChoiceField)  # noqa: S101 - declared above
        department.queryset = departments or Department.objects.none()
        referring.queryset = Department.objects.filter(is_active=True)
        self.fields["reporter_name"].label = _("Reporter's or complainant's name")


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_(
            "The code shown when you sent the report or complaint, e.g. ABCD-EFGH-JKLM-NPQR."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class LeadQueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, credit code or name"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Lead.Kind.choices]
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("lead", "Status"),
        required=False,
        choices=[("", _("Any status")), *Lead.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class LeadActionForm(forms.Form):
    """One step on a lead (the buttons of the lead's page); each step reads its own fields."""

    ACTIONS = [
        ("assign", _("Assign")),
        ("link", _("Link to the registered entity")),
        ("extend", _("Extend the time to verify")),
        ("decide", _("Decide")),
        ("notify", _("Record that the reporter was told")),
        ("accept", _("Accept the complaint")),
        ("refuse", _("Refuse the complaint")),
        ("end_mediation", _("End the mediation")),
        ("violation", _("Violation found during mediation")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    handler = forms.IntegerField(label=_("Handler"), required=False, min_value=1)
    uscc = forms.CharField(label=_("Credit code"), max_length=30, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision = forms.ChoiceField(
        label=_("Decision"), required=False, choices=[("", "—"), *Lead.Decision.choices]
    )
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    items = forms.ModelMultipleChoiceField(
        label=_("Items to check"),
        queryset=InspectionItem.objects.filter(is_active=True).select_related("department"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notified_on = forms.DateField(label=_("Told on"), required=False, widget=_DATE)
    method = forms.ChoiceField(
        label=_("How"), required=False, choices=[("", "—"), *NOTIFY_METHOD_CHOICES]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "—"), *Lead.MediationOutcome.choices]
    )
