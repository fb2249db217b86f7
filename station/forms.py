"""Forms of the policy catalogue's staff pages: the shape of input only. A measure's rules are
the service's (`station.services.measure_save`); its conditions are composed row by row (a
fact, an operator, a value: `station.rules.FACTS`), each row's problems shown on the row."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department
from station.rules import (
    CONDITIONS_MAX,
    FACTS,
    OPERATORS,
    condition_from_parts,
    condition_parts,
    condition_value_problem,
)

# Empty rows offered below the conditions a measure has (save, then more are offered).
EXTRA_ROWS = 3


class MeasureForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("A short code: letters, digits, - and _ (it names the measure in the API)."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    benefit = forms.CharField(
        label=_("Benefit"),
        max_length=200,
        help_text=_("What a qualifying enterprise gets, in a line."),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    how_to_apply = forms.CharField(
        label=_("How to apply"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    department = forms.ModelChoiceField(
        label=_("Issuing department"), queryset=Department.objects.none(), required=False
    )
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    document_url = forms.URLField(
        label=_("Document link"), required=False, assume_scheme="https", max_length=200
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: no end."),
    )
    # The version the page was read at (the optimistic lock): required on the edit page (a
    # save without it would overwrite someone else's change), empty on the add page.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, departments: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        field: Any = self.fields["department"]
        field.queryset = departments

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.editing and cleaned.get("version") is None and not self.has_error("version"):
            raise forms.ValidationError(
                _("The version this page was read at is missing: reload the page and try again."),
                code="version_missing",
            )
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ConditionRowForm(forms.Form):
    fact = forms.ChoiceField(
        label=_("Fact"),
        required=False,
        choices=[("", "—"), *((f.code, f.label) for f in FACTS.values())],
    )
    operator = forms.ChoiceField(
        label=_("Operator"),
        required=False,
        choices=[("", "—"), *OPERATORS.items()],
    )
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=2000,
        help_text=_("A list: separate the entries with commas or 、."),
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any((data.get("fact"), data.get("operator"), (data.get("value") or "").strip()))


ConditionFormSet = forms.formset_factory(
    ConditionRowForm, extra=0, max_num=CONDITIONS_MAX + EXTRA_ROWS, absolute_max=100
)


def condition_rows_initial(conditions: list[Any]) -> list[dict[str, str]]:
    """The rows of a measure's stored conditions, then empty ones to add more."""
    rows = []
    for condition in conditions or []:
        fact, operator, value = condition_parts(condition)
        rows.append({"fact": fact, "operator": operator, "value": value})
    return rows + [{} for _i in range(EXTRA_ROWS)]


def conditions_from_rows(formset: Any) -> list[dict[str, Any]] | None:
    """The conditions the filled rows compose (empty rows skipped), or None when a row is
    wrong: each problem is put on its row, naming the row as the page numbers it."""
    conditions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    wrong = False
    for number, row in enumerate(formset.forms, start=1):
        if not row.is_valid():
            wrong = True
            continue
        if row.is_blank():
            continue
        data = row.cleaned_data
        condition, problem = condition_from_parts(data["fact"], data["operator"], data["value"])
        if condition is not None:
            problem = condition_value_problem(condition) or ""
        if condition is not None and not problem and condition["type"] in seen:
            problem = gettext("the same condition is already set in row %(n)d.") % {
                "n": seen[condition["type"]]
            }
        if problem:
            row.add_error(
                None, gettext("Row %(n)d: %(problem)s") % {"n": number, "problem": problem}
            )
            wrong = True
            continue
        assert condition is not None  # noqa: S101 - no problem means a condition
        seen[condition["type"]] = number
        conditions.append(condition)
    return None if wrong else conditions
