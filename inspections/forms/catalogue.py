"""Forms of the list of items, the library of inspectors and recusals. They check the shape of
input only; the rules are the services' (`inspections.services.catalogue`, `.roster`), whose
errors are put back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department, User
from enterprises.uscc import normalize
from inspections.models import InspectionItem, Inspector, Recusal, Skill

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SkillChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Skill) -> str:
        return f"{obj.name} ({obj.code})"


class ItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Latin letters, digits, hyphens and underscores; fixed once a plan uses it."),
    )
    name = forms.CharField(label=_("Name"), max_length=128)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), to_field_name="code"
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    subject = forms.CharField(label=_("Who is checked"), max_length=200, required=False)
    content = forms.CharField(
        label=_("What is checked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    method = forms.ChoiceField(label=_("Method"), choices=InspectionItem.Method.choices)
    safety_sensitive = forms.BooleanField(
        label=_("Safety-sensitive"),
        required=False,
        help_text=_(
            "Personal, property or public safety is involved: new entities stay in the pool "
            "for this item during their observation year."
        ),
    )
    required_skill = SkillChoice(
        label=_("Skill required"),
        queryset=Skill.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("None"),
    )
    checklist = forms.CharField(
        label=_("Checklist published to firms"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
        help_text=_("One point per line; shown on the public list of items."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def item_initial(item: InspectionItem) -> dict[str, Any]:
    return {
        "version": item.version,
        "code": item.code,
        "name": item.name,
        "name_en": item.name_en,
        "department": item.department.code,
        "legal_basis": item.legal_basis,
        "subject": item.subject,
        "content": item.content,
        "method": item.method,
        "safety_sensitive": item.safety_sensitive,
        "required_skill": item.required_skill.code if item.required_skill else "",
        "checklist": item.checklist,
        "is_active": item.is_active,
    }


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All departments"),
    )
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Inactive"))],
    )


class InspectorCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username of the staff member"),
        max_length=150,
        help_text=_("A member of staff with an enforcement badge number on their profile."),
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_username(self) -> User | None:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No user has this username."))
        return user


class InspectorEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive inspector is no longer drawn."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class InspectorFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All departments"),
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("Any skill"),
    )
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Inactive"))],
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class RecusalForm(forms.Form):
    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=Inspector.objects.none())
    uscc = forms.CharField(label=_("Credit code of the market entity"), max_length=30)
    origin = forms.ChoiceField(label=_("Raised by"), choices=Recusal.Origin.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_from = forms.DateField(label=_("From"), widget=DateInput, required=False)

    def __init__(self, *args: Any, inspectors: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]

    def clean_uscc(self) -> str:
        return normalize(self.cleaned_data["uscc"])


class RecusalEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput, required=False)
