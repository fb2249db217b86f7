"""Forms of soft enforcement (docs/domain.md §9): the list's filters, the draft, and one form per
step of the workflow. They check the shape of the input only; the services decide the rules,
and their errors are put back on the form (`credit_portal.forms.form_errors_from`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from remediation import rules
from remediation.models import FollowUpVisit, SoftAction

_DATE = {"type": "date"}
_TEXT_ROWS = 3


def _date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )


def _text(label: Any, *, required: bool = True, rows: int = _TEXT_ROWS, **kw: Any) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=kw.pop("max_length", 4000),
        **kw,
    )


class VersionForm(forms.Form):
    """The version the user read (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- The list -----------------------------------------------------------------------------


class SoftActionFilterForm(forms.Form):
    QUEUE_CHOICES = [
        ("", _("All")),
        ("overdue", _("Rectification overdue")),
        ("approval", _("Awaiting approval")),
        ("service", _("Awaiting service")),
        ("due", _("Rectification due")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    queue = forms.ChoiceField(label=_("Queue"), required=False, choices=QUEUE_CHOICES)
    instrument = forms.ChoiceField(
        label=_("Instrument"),
        required=False,
        choices=[("", _("All instruments")), *SoftAction.Instrument.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *SoftAction.Status.choices],
    )
    department = forms.ModelChoiceField(
        label=_("Issuing department"),
        required=False,
        queryset=Department.objects.none(),
        empty_label=_("All departments"),
    )
    year = forms.IntegerField(
        label=_("Year served (interviews: year held)"),
        required=False,
        min_value=2000,
        max_value=2100,
    )
    division = forms.CharField(label=_("Street or town"), required=False, max_length=64)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_of_jurisdiction(user=user)  # type: ignore[attr-defined]


# --- The draft ----------------------------------------------------------------------------


class SoftActionForm(forms.Form):
    """A draft: the enterprise by its credit code (the view finds it in the user's
    jurisdiction), or only an addressee's name for a suggestion to a public body."""

    instrument = forms.ChoiceField(label=_("Instrument"), choices=SoftAction.Instrument.choices)
    enterprise_uscc = forms.CharField(
        label=_("Credit code of the market entity"),
        required=False,
        max_length=30,
        help_text=_(
            "18 characters. Leave it empty only for a suggestion to another public body "
            "(name it as the addressee)."
        ),
    )
    addressee_name = forms.CharField(
        label=_("Addressee"),
        required=False,
        max_length=200,
        help_text=_("Defaults to the entity's name."),
    )
    department = forms.ModelChoiceField(
        label=_("Issuing department"), queryset=Department.objects.none()
    )
    trigger = forms.ChoiceField(label=_("Occasion"), choices=SoftAction.Trigger.choices)
    reason = _text(_("Reason"))
    legal_basis = _text(_("Legal basis"), rows=2)
    facts = _text(_("Facts"), required=False)
    required_actions = _text(_("Required actions"), rows=4)
    deadline_working_days = forms.IntegerField(
        label=_("Rectification period (working days)"),
        required=False,
        min_value=1,
        max_value=rules.SOFT_ACTION_MAX_WORKING_DAYS,
    )
    contact_person = forms.CharField(label=_("Contact person"), required=False, max_length=64)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=32)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_of_jurisdiction(user=user)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        defaults = rules.SOFT_ACTION_DEFAULT_WORKING_DAYS
        self.fields["deadline_working_days"].help_text = _(
            "Counted from the day of service. Empty: the instrument's default (prompt "
            "%(prompt)s, suggestion %(suggestion)s, admonition %(admonition)s working days to "
            "rectify; an interview notice %(interview)s working days to attend, after which its "
            "commitments set their own)."
        ) % {
            "prompt": defaults[rules.PROMPT],
            "suggestion": defaults[rules.SUGGESTION],
            "admonition": defaults[rules.ADMONITION],
            "interview": defaults[rules.INTERVIEW],
        }
        if not self.is_bound and "department" not in self.initial:
            own = getattr(getattr(user, "staff_profile", None), "department_id", None)
            if own is not None:
                self.initial["department"] = own

    @classmethod
    def initial_from(cls, action: SoftAction) -> dict[str, Any]:
        return {
            "instrument": action.instrument,
            "enterprise_uscc": action.enterprise.uscc if action.enterprise else "",
            "addressee_name": action.addressee_name,
            "department": action.department_id,
            "trigger": action.trigger,
            "reason": action.reason,
            "legal_basis": action.legal_basis,
            "facts": action.facts,
            "required_actions": action.required_actions,
            "deadline_working_days": action.deadline_working_days,
            "contact_person": action.contact_person,
            "contact_phone": action.contact_phone,
            "version": action.version,
        }


# --- The steps ----------------------------------------------------------------------------


class ServeForm(VersionForm):
    served_on = _date_field(_("Served on"))
    method = forms.ChoiceField(
        label=_("Service method"),
        choices=SoftAction.ServiceMethod.choices,
        widget=forms.RadioSelect,
        initial=SoftAction.ServiceMethod.DIRECT,
    )
    receipt_signed_by = forms.CharField(
        label=_("Receipt signed by"),
        required=False,
        max_length=64,
        help_text=_(
            "As on the proof of service (送达回证); for service left at the premises, the witness."
        ),
    )


class RectifyForm(VersionForm):
    rectified_on = _date_field(_("Rectified on"), help_text=_("The day the report was received."))
    report = _text(_("Rectification report"), rows=4)


class InterviewForm(VersionForm):
    held_on = _date_field(_("Held on"))
    place = forms.CharField(label=_("Place"), max_length=200)
    attendees = _text(_("Attendees"), rows=2)
    minutes = _text(_("Minutes"), rows=5)
    commitments = _text(_("Commitments"), rows=3)
    commitments_due = _date_field(_("Commitments due"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commitments_due"].help_text = _(
            "Empty: %(n)s working days after the interview."
        ) % {"n": rules.INTERVIEW_COMMITMENT_WORKING_DAYS}


class VisitForm(forms.Form):
    visited_on = _date_field(_("Visited on"))
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=FollowUpVisit.Outcome.choices, widget=forms.RadioSelect
    )
    notes = _text(_("Notes"), required=False, rows=2)


class EscalateForm(VersionForm):
    note = _text(
        _("Escalation"),
        help_text=_("Why, and what is proposed: a case, or a listing."),
    )


class CancelForm(VersionForm):
    reason = _text(_("Reason for cancelling"), rows=2)


class ConsentForm(forms.Form):
    """Give (with the confirmation) or withdraw the consent to electronic service."""

    ACTIONS = [("give", _("Give consent")), ("withdraw", _("Withdraw consent"))]

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        required=False,
        label=_(
            "I act for the enterprise and agree that its documents are served electronically, "
            "by their first opening in this self-service area."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "give" and not cleaned.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm the consent."))
        return cleaned
