"""Forms of credit repair (docs/domain.md §5): shape only; the rules are the services'
(`remediation.services.repairs`), whose errors `form_errors_from` puts back on the form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from remediation.models import RepairApplication, RepairAttachment, RepairSync

ACCEPT = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (the checks of their content are `remediation.uploads`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RepairApplyForm(forms.Form):
    """The online application (信用修复申请书) with the pledge and the uploads, worded for
    its kind of repair (`remediation.services.repairs.statement_wording`): how the cause of a
    directory listing was cured, how the penalty behind the serious list was performed and the
    harm removed, how a penalty was carried out and the violation corrected."""

    applicant_name = forms.CharField(label=_("Applicant"), max_length=64)
    applicant_phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    statement = forms.CharField(
        label=_("How the penalty was carried out and the violation corrected"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
    )
    pledge_accepted = forms.BooleanField(
        label=_("I give the credit pledge above (信用承诺书)."), required=False
    )
    evidence = MultipleFileField(
        label=_("Evidence (required)"),
        help_text=_("The fine paid, the order complied with, the correction made: PDF or photos."),
    )
    application = MultipleFileField(
        label=_("Signed application form (optional)"),
        help_text=_("Only if you also signed and sealed a paper application."),
    )
    pledge = MultipleFileField(
        label=_("Signed credit pledge (optional)"),
        help_text=_("Only if you also signed and sealed a paper pledge."),
    )
    identity = MultipleFileField(
        label=_("Business licence or identity document (optional)"),
    )

    def __init__(self, *args: Any, kind: str = "", **kwargs: Any) -> None:
        from remediation.services.repairs import statement_wording

        super().__init__(*args, **kwargs)
        self.wording = statement_wording(kind)
        self.fields["statement"].label = self.wording.label
        self.fields["statement"].help_text = self.wording.example
        self.fields["evidence"].help_text = self.wording.evidence

    FILE_FIELDS = {
        "evidence": RepairAttachment.Kind.EVIDENCE,
        "application": RepairAttachment.Kind.APPLICATION,
        "pledge": RepairAttachment.Kind.PLEDGE,
        "identity": RepairAttachment.Kind.IDENTITY,
    }

    def files_for_service(self) -> list[tuple[str, UploadedFile]]:
        return [
            (str(kind), f)
            for name, kind in self.FILE_FIELDS.items()
            for f in self.cleaned_data.get(name) or []
        ]


class RepairActionForm(forms.Form):
    """An officer's step on an application: the version read, the action and the reasons."""

    ACTIONS = (
        ("accept", _("Accept")),
        ("not_accept", _("Do not accept")),
        ("approve", _("Approve the repair")),
        ("refuse", _("Refuse the repair")),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=ACTIONS)
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The declared conditions the officer confirms verified against the evidence: an approval
    # needs each (`repair_decide`). Choices: the application's declared conditions now.
    verified = forms.MultipleChoiceField(
        label=_("Verified against the evidence"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, declared: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.declared = list(declared)
        field = self.fields["verified"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = [(c.code, c.label) for c in self.declared]

    def checked(self) -> list[str]:
        """The codes ticked (the bound value, valid or not), to tick them again."""
        value = self["verified"].value() or []
        return [str(v) for v in value]


class RepairWithdrawForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


# The queue's status filter beyond one status (`remediation.selectors.repairs.STATUS_GROUPS`).
DECIDED, PENDING = "decided", "pending"


class RepairQueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Credit code, name or decision number"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *RepairApplication.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All statuses")),
            *RepairApplication.Status.choices,
            (DECIDED, _("Approved or refused")),
            (PENDING, _("Pending (submitted or accepted)")),
        ],
    )
    year = forms.IntegerField(
        label=_("Year decided"), required=False, min_value=2000, max_value=2100
    )
    submitted_year = forms.IntegerField(
        label=_("Year submitted"), required=False, min_value=2000, max_value=2100
    )
    division = forms.CharField(label=_("Street or town"), required=False, max_length=64)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class RepairSyncExportForm(forms.Form):
    network = forms.ChoiceField(choices=RepairSync.Network.choices)
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx")


class RepairSyncConfirmForm(forms.Form):
    batch = forms.CharField(label=_("Export batch"), max_length=40)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
