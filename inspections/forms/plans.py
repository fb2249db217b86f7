"""Forms of sampling plans: the plan with its strata (one row per stratum, no JavaScript: a row
left without a ratio is a stratum the plan does not draw), approval and closing (the version
read), and the list's filters. They check the shape of input only; the rules are
`inspections.services.plans`', whose errors are put back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit_portal.models import Department
from inspections.models import InspectionItem, SamplingPlan, Stratum
from inspections.selectors.plans import PLAN_SET
from inspections.services.plans import StratumInput

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: InspectionItem) -> str:
        return f"{obj.code} {obj.name} ({obj.department})"


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Latin letters, digits, hyphens and underscores, e.g. 2026-food-01."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SamplingPlan.Kind.choices)
    lead_department = forms.ModelChoiceField(
        label=_("Lead department"), queryset=Department.objects.none(), to_field_name="code"
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments taking part"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,  # the service says what is missing, in its words
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The lead department and every partner: more than one makes a joint plan."),
    )
    items = ItemChoices(
        label=_("Inspection items"),
        queryset=InspectionItem.objects.none(),
        to_field_name="code",
        required=False,  # the service says what is missing, in its words
        widget=forms.CheckboxSelectMultiple,
    )
    industries = forms.CharField(
        label=_("Industry divisions"),
        required=False,
        max_length=400,
        help_text=_("GB/T 4754 divisions (two digits) separated by commas; empty: every industry."),
    )
    streets = forms.CharField(
        label=_("Streets and towns"),
        required=False,
        max_length=1000,
        help_text=_("As the register names them, separated by commas; empty: the whole district."),
    )
    entity_types = forms.MultipleChoiceField(
        label=_("Entity types"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    min_inspectors = forms.IntegerField(
        label=_("Inspectors per firm"), min_value=0, max_value=100, initial=2
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args: Any, lead_departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from enterprises.models import Enterprise

        self.fields["lead_department"].queryset = lead_departments  # type: ignore[attr-defined]
        self.fields["departments"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        )
        self.fields["items"].queryset = InspectionItem.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).select_related("department")
        self.fields["entity_types"].choices = Enterprise.EntityType.choices  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["departments"] = list(data.get("departments") or [])
        data["items"] = list(data.get("items") or [])
        return data


def plan_initial(plan: SamplingPlan) -> dict[str, Any]:
    return {
        "version": plan.version,
        "code": plan.code,
        "name": plan.name,
        "name_en": plan.name_en,
        "year": plan.year,
        "kind": plan.kind,
        "lead_department": plan.lead_department.code,
        "departments": [d.code for d in plan.departments.all()],
        "items": [i.code for i in plan.items.all()],
        "industries": ", ".join(plan.industries or []),
        "streets": ", ".join(plan.streets or []),
        "entity_types": list(plan.entity_types or []),
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "min_inspectors": plan.min_inspectors,
        "note": plan.note,
    }


class StratumForm(forms.Form):
    stratum = forms.ChoiceField(choices=Stratum.choices, widget=forms.HiddenInput)
    ratio = forms.DecimalField(
        label=_("Ratio (%)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    frequency = forms.IntegerField(
        label=_("Checks per year"), required=False, min_value=0, max_value=100, initial=1
    )


StratumFormSet = formset_factory(StratumForm, extra=0, max_num=len(Stratum.choices))


def strata_initial(plan: SamplingPlan | None) -> list[dict[str, Any]]:
    """One row per stratum, in order, with the plan's ratio and frequency where it has them."""
    given = {s.stratum: s for s in plan.strata.all()} if plan is not None else {}
    rows = []
    for value, _label in Stratum.choices:
        row = given.get(value)
        rows.append(
            {
                "stratum": value,
                "ratio": row.ratio if row else None,
                "frequency": row.frequency if row else 1,
            }
        )
    return rows


def strata_of(formset: Any) -> list[StratumInput]:
    """The rows with a ratio (the strata the plan draws)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("ratio") is None:
            continue
        rows.append(
            StratumInput(
                stratum=data["stratum"],
                ratio=data["ratio"],
                frequency=data.get("frequency") if data.get("frequency") is not None else 1,
            )
        )
    return rows


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlanCloseForm(VersionForm):
    """Closing a plan, confirmed: a box to tick on its own page (no script: the Content
    Security Policy forbids inline code), so that one click on the plan's page closes
    nothing (issue 17 leftovers)."""

    confirm = forms.BooleanField(
        label=_(
            "I confirm: close this plan. It will not be drawn again; its draws and "
            "inspections go on. A closed plan cannot be opened again."
        ),
        error_messages={"required": _("Tick the box to confirm that the plan is to be closed.")},
    )


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=pgettext_lazy("plan", "Status"),
        required=False,
        choices=[
            ("", _("All")),
            *SamplingPlan.Status.choices,
            (PLAN_SET, _("Set (every status but draft)")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *SamplingPlan.Kind.choices]
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All departments"),
    )
    joint = forms.ChoiceField(
        label=_("Joint"),
        required=False,
        choices=[("", _("All")), ("yes", _("Joint plans")), ("no", _("One department"))],
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
