"""Forms of penalty decisions: the draft with its penalties (a formset without JavaScript: a few
empty rows, more after each save), recording, withdrawal, publication and push, and the list's
filters. They check the shape of input only; the rules are the service's
(`remediation.services.penalties`), whose errors are put back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department
from remediation.models import LeniencyListItem, PenaltyDecision, PenaltyMeasure, ViolationType
from remediation.selectors.penalties import violation_type_name

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MEASURE_ROWS_EXTRA = 3


class ViolationTypeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ViolationType) -> str:
        return violation_type_name(obj)


class ListItemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: LeniencyListItem) -> str:
        kind = obj.get_list_kind_display()
        return f"{kind} {obj.item_number}. {obj.text} ({obj.list_name}, {obj.version})"


class PenaltyDraftForm(forms.Form):
    """The decision's fields (the service's `data`)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    number = forms.CharField(
        label=_("Decision number"),
        max_length=64,
        help_text=_("As on the decision, for example 双市监处罚〔2025〕12号."),
    )
    decided_on = forms.DateField(label=_("Decision date"), widget=DateInput)
    department = forms.ModelChoiceField(
        label=_("Deciding department"), queryset=Department.objects.none(), to_field_name="code"
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        choices=PenaltyDecision.Procedure.choices,
        initial=PenaltyDecision.Procedure.ORDINARY,
    )
    party_kind = forms.ChoiceField(
        label=_("Party"),
        choices=PenaltyDecision.PartyKind.choices,
        initial=PenaltyDecision.PartyKind.REGISTERED,
        widget=forms.RadioSelect,
    )
    enterprise_uscc = forms.CharField(
        label=_("Credit code of the market entity"),
        max_length=30,
        required=False,
        help_text=_("For a market entity of this register."),
    )
    party_name = forms.CharField(
        label=_("Party name"),
        max_length=200,
        required=False,
        help_text=_("For an organisation registered elsewhere, or a natural person."),
    )
    party_code = forms.CharField(
        label=_("Organisation's credit code"),
        max_length=30,
        required=False,
        help_text=_("Its province is read from the code (Order 45 art. 10)."),
    )
    party_id = forms.CharField(
        label=_("Resident identity number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Validated, then kept only masked and as a digest; leave empty to keep it."),
    )
    party_other_province = forms.BooleanField(
        label=_("The person lives in another province"), required=False
    )
    violation_type = ViolationTypeChoice(
        label=_("Type of violation"), queryset=ViolationType.objects.none(), to_field_name="code"
    )
    violation_on = forms.DateField(label=_("Violation date"), widget=DateInput)
    violation_ended_on = forms.DateField(
        label=_("Violation ended on"),
        widget=DateInput,
        required=False,
        help_text=_("If it continued: the limitation period runs from its last day."),
    )
    discovered_on = forms.DateField(label=_("Discovered on"), widget=DateInput)
    safety_harm = forms.BooleanField(
        label=_("Life, health or financial safety touched, with harmful results"),
        required=False,
        help_text=_("The limitation period is then 5 years (APL art. 36)."),
    )
    facts = forms.CharField(
        label=_("Facts"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    leniency = forms.ChoiceField(
        label=_("Leniency"),
        choices=PenaltyDecision.Leniency.choices,
        initial=PenaltyDecision.Leniency.STANDARD,
    )
    leniency_grounds = forms.MultipleChoiceField(
        label=_("Grounds"),
        choices=PenaltyDecision.LeniencyGround.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    leniency_facts = forms.CharField(
        label=_("Facts justifying the leniency"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    leniency_item = ListItemChoice(
        label=_("List item"),
        queryset=LeniencyListItem.objects.none(),
        required=False,
        help_text=_(
            "首违不罚 needs an item of a 首违不罚 list; 免予处罚 may name a 轻微免罚 item."
        ),
    )
    corrected_on = forms.DateField(label=_("Corrected on"), widget=DateInput, required=False)
    range_kind = forms.ChoiceField(
        label=_("Statutory range"),
        choices=[
            ("", _("As the violation type gives it")),
            ("none", _("No range")),
            ("amount", _("An amount")),
            ("multiple", _("A multiple of a base")),
        ],
        required=False,
        help_text=_(
            "Only for a violation type the catalogue gives no range: the range the law sets, "
            "which the legal basis cites. A type with a range in the catalogue takes it."
        ),
    )
    range_min = forms.DecimalField(
        label=_("Minimum (CNY or multiple)"), max_digits=14, decimal_places=2, required=False
    )
    range_max = forms.DecimalField(
        label=_("Maximum (CNY or multiple)"), max_digits=14, decimal_places=2, required=False
    )
    base_kind = forms.ChoiceField(
        label=_("Base of the multiple"),
        choices=[
            ("", "—"),
            ("goods_value", _("Value of goods (货值金额)")),
            ("illegal_gains", _("Illegal gains (违法所得)")),
        ],
        required=False,
    )
    base_amount = forms.DecimalField(
        label=_("Base amount (CNY)"), max_digits=14, decimal_places=2, required=False
    )
    public_summary = forms.CharField(
        label=_("Public summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "What is published: no personal data, no trade secrets (Order 45 arts. 4, 6). Left "
            "empty, it is written from the violation and the penalties."
        ),
    )

    def __init__(
        self,
        *args: Any,
        departments: Any,
        decision: PenaltyDecision | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        types = ViolationType.objects.filter(is_active=True)
        if decision is not None:
            types = ViolationType.objects.filter(pk=decision.violation_type_id) | types
        self.fields["violation_type"].queryset = types.distinct()  # type: ignore[attr-defined]
        self.fields["leniency_item"].queryset = LeniencyListItem.objects.select_related(  # type: ignore[attr-defined]
            "violation_type"
        )
        if decision is not None and not self.is_bound:
            self.initial.update(initial_of(decision))
        self.decision = decision

    def chosen_violation_type(self) -> ViolationType | None:
        """The violation type the form stands at: the one posted (when it is a known code),
        else the draft's; None for a new, unposted form."""
        if self.is_bound:
            code = self.data.get(self.add_prefix("violation_type"))
            if code:
                return ViolationType.objects.filter(code=str(code)).first()
            return None
        if self.decision is not None:
            return self.decision.violation_type
        return None

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        item = data.get("leniency_item")
        data["leniency_item"] = item.pk if item is not None else None
        return data


def initial_of(decision: PenaltyDecision) -> dict[str, Any]:
    """A draft's values as the form shows them (never the identity number)."""
    return {
        "version": decision.version,
        "number": decision.number,
        "decided_on": decision.decided_on,
        "department": decision.department.code,
        "procedure": decision.procedure,
        "party_kind": decision.party_kind,
        "enterprise_uscc": decision.enterprise.uscc if decision.enterprise is not None else "",
        "party_name": decision.party_name,
        "party_code": decision.party_code
        if decision.party_kind == PenaltyDecision.PartyKind.ORGANISATION
        else "",
        "party_other_province": decision.party_other_province,
        "violation_type": decision.violation_type.code,
        "violation_on": decision.violation_on,
        "violation_ended_on": decision.violation_ended_on,
        "discovered_on": decision.discovered_on,
        "safety_harm": decision.safety_harm,
        "facts": decision.facts,
        "legal_basis": decision.legal_basis,
        "leniency": decision.leniency,
        "leniency_grounds": decision.leniency_grounds,
        "leniency_facts": decision.leniency_facts,
        "leniency_item": decision.leniency_item_id,
        "corrected_on": decision.corrected_on,
        "range_kind": decision.range_kind,
        "range_min": decision.range_min,
        "range_max": decision.range_max,
        "base_kind": decision.base_kind,
        "base_amount": decision.base_amount,
        "public_summary": decision.public_summary,
    }


class MeasureForm(forms.Form):
    """One penalty; an empty row is ignored."""

    kind = forms.ChoiceField(
        label=_("Penalty"), choices=[("", "—"), *PenaltyMeasure.Kind.choices], required=False
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=1200, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


MeasureFormSet = formset_factory(MeasureForm, extra=MEASURE_ROWS_EXTRA, max_num=20)


def measures_of(formset: Any) -> list[dict[str, Any]]:
    """The filled rows of the penalties' formset, for the service."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("kind"):
            rows.append(
                {
                    "kind": data["kind"],
                    "amount": data.get("amount"),
                    "months": data.get("months"),
                    "description": data.get("description") or "",
                }
            )
    return rows


def measures_initial(decision: PenaltyDecision) -> list[dict[str, Any]]:
    return [
        {"kind": m.kind, "amount": m.amount, "months": m.months, "description": m.description}
        for m in decision.measures.all()
    ]


class VersionForm(forms.Form):
    """A confirmation that carries the version the user read (recording a decision)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WithdrawForm(VersionForm):
    withdrawal = forms.ChoiceField(
        label=_("Why is it withdrawn?"),
        choices=PenaltyDecision.Withdrawal.choices,
        widget=forms.RadioSelect,
    )
    changed_on = forms.DateField(
        label=_("Changed, revoked or found void on"),
        widget=DateInput,
        required=False,
        help_text=_(
            "The withdrawal is due 3 working days after it (Order 45 art. 11); today if empty."
        ),
    )
    withdrawal_reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class PublishForm(VersionForm):
    published_on = forms.DateField(label=_("Published on"), widget=DateInput)


class PushForm(VersionForm):
    pushed_on = forms.DateField(label=_("Pushed on"), widget=DateInput)


class PenaltyFilterForm(forms.Form):
    """The list's filters (all optional)."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *PenaltyDecision.Status.choices], required=False
    )
    leniency = forms.ChoiceField(
        label=_("Leniency"),
        choices=[("", _("All")), *PenaltyDecision.Leniency.choices],
        required=False,
    )
    violation_type = ViolationTypeChoice(
        label=_("Type of violation"),
        queryset=ViolationType.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )
    department = forms.ModelChoiceField(
        label=_("Deciding department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )
    year = forms.IntegerField(
        label=_("Year of decision"), min_value=2000, max_value=2100, required=False
    )
    publication = forms.ChoiceField(
        label=_("Publication"),
        choices=[
            ("", _("All")),
            ("due", _("Publication to do")),
            ("overdue", _("Publication overdue")),
            ("expired", _("Publicity term ended by itself")),
            ("deadline", _("With a publication deadline")),
        ],
        required=False,
    )
    expired_year = forms.IntegerField(
        label=_("Year the publicity term ended by itself"),
        min_value=2000,
        max_value=2100,
        required=False,
    )
    division = forms.CharField(label=_("Street or town"), required=False, max_length=64)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
