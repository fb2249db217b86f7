"""Forms of the inspections work (issue 17 §4, §6): the task list's filters, the result form
(one line per item checked), the supervisor's review, publication, the inspectors of a
triggered inspection and the triggered inspection itself. Shape only: the rules are the
services' (`inspections.services.inspections`), whose errors `form_errors_from` puts back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inspections import rules
from inspections.models import Inspection, InspectionCheck, Inspector
from inspections.selectors.inspections import SCOPES
from inspections.services.inspections import (
    APPROVE,
    CHECK_NOTE_MAX,
    FINDINGS_MAX,
    ORDER_NUMBER_MAX,
    RETURN,
    REVIEW_NOTE_MAX,
)

CheckResult = InspectionCheck.Result
SCOPE_LABELS = {
    "mine": _("My tasks"),
    "department": _("My department"),
    "review": _("To review"),
    "publish": _("To publish"),
    "all": _("All"),
}
CHECK_CHOICES = [
    (CheckResult.OK, pgettext_lazy("check", "In order")),
    (CheckResult.PROBLEM, pgettext_lazy("check", "Problem")),
    (CheckResult.NOT_APPLICABLE, pgettext_lazy("check", "Not applicable")),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def code_choices() -> list[tuple[str, Any]]:
    return [(code, f"{code} · {label}") for code, label in rules.RESULT_CODES.items()]


def order_item_choices() -> list[tuple[str, Any]]:
    from remediation.services.orders import ITEMS

    return list(ITEMS)


class TaskFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Show"), required=False, choices=[(s, SCOPE_LABELS[s]) for s in SCOPES]
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("inspection", "Status"),
        required=False,
        choices=[("", _("Any status")), *Inspection.Status.choices],
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("Any origin")), *Inspection.Origin.choices],
    )
    year = forms.IntegerField(
        label=_("Year the check ended"), required=False, min_value=2000, max_value=2100
    )
    division = forms.CharField(label=_("Street or town"), required=False, max_length=64)
    with_result = forms.BooleanField(label=_("With a result"), required=False)
    problems = forms.BooleanField(label=_("Problems found"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Credit code or name"), required=False, max_length=100)


class RecordForm(forms.Form):
    """The result form: a result and a note per item checked (`check_<id>`, `note_<id>`), the
    result codes, findings, the days of the check and, for B, the order to disclose."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    result_codes = forms.MultipleChoiceField(
        label=_("Result"),
        choices=code_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Several codes may be combined; “1 No problem found” stands alone."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=FINDINGS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when a problem was found: what, where, how it was established."),
    )
    checked_from = forms.DateField(label=_("Check started"), widget=DATE_INPUT)
    check_ended_on = forms.DateField(
        label=_("Check ended"),
        widget=DATE_INPUT,
        help_text=_("The result is published within 20 working days of this day."),
    )
    disclose_items = forms.MultipleChoiceField(
        label=_("Items to disclose (result B)"),
        required=False,
        choices=order_item_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    order_number = forms.CharField(
        label=_("Number of the order to disclose (result B)"),
        required=False,
        max_length=ORDER_NUMBER_MAX,
        help_text=_("The order gives 10 days; it is issued when the supervisor approves."),
    )

    def __init__(self, *args: Any, checks: list[InspectionCheck], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        for check in checks:
            self.fields[f"check_{check.pk}"] = forms.ChoiceField(
                label=f"{check.item.code} {check.item.name}",
                choices=CHECK_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"note_{check.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=CHECK_NOTE_MAX
            )

    def check_rows(self) -> list[dict[str, Any]]:
        """Each item checked with its two bound fields, for the template."""
        return [
            {"check": c, "result": self[f"check_{c.pk}"], "note": self[f"note_{c.pk}"]}
            for c in self.checks
        ]

    def checks_data(self) -> dict[int, dict[str, str]]:
        data = self.cleaned_data
        return {
            c.pk: {
                "result": data.get(f"check_{c.pk}") or "",
                "note": data.get(f"note_{c.pk}") or "",
            }
            for c in self.checks
        }


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (RETURN, _("Return for correction"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision: approve or return for correction.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REVIEW_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to return: what to correct."),
    )
    confirm_unreachable = forms.BooleanField(
        label=_("I confirm the entity cannot be reached at its registered address (result 6)"),
        required=False,
    )
    self_correction = forms.BooleanField(
        label=_("Self-correction applies (result C): no listing"), required=False
    )
    self_correction_reason = forms.CharField(
        label=_("Why self-correction applies"),
        required=False,
        max_length=REVIEW_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_now = forms.BooleanField(label=_("Publish on approval"), required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class InspectorChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Inspector) -> str:
        skills = ", ".join(s.name for s in obj.skills.all())
        return f"{obj.user} · {obj.department}" + (f" · {skills}" if skills else "")


class AssignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    inspectors = InspectorChoice(
        label=_("Inspectors"),
        queryset=Inspector.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "At least two, one of the lead department; inspectors recused from this entity are "
            "not offered."
        ),
    )

    def __init__(self, *args: Any, available: list[Inspector], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspectors"]
        assert isinstance(field, InspectorChoice)  # noqa: S101
        field.queryset = (
            Inspector.objects.filter(pk__in=[i.pk for i in available])
            .select_related("user", "department")
            .prefetch_related("skills")
        )
        order = {i.pk: n for n, i in enumerate(available)}
        self.ordered = sorted(field.queryset, key=lambda i: order.get(i.pk, 0))
