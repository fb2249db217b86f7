"""HTML forms of the staff register pages. They check the shape of the input only (types,
lengths, choices); the rules live in `enterprises.services` and their errors are put back into
the form by `credit_portal.forms.form_errors_from`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit_portal.models import Department
from enterprises.industries import DIVISION_CHOICES, DIVISIONS, SECTION_CHOICES
from enterprises.models import LEGAL_REP, LEGAL_REP_TITLES, Enterprise
from enterprises.rules import MAX_SUSPENSION_DAYS, SUSPENSION_EXTENSION_WINDOW_DAYS
from enterprises.uscc import normalize

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _division_choices() -> list[tuple[Any, Any]]:
    """Divisions grouped under their section (<optgroup>): the section is derived from the
    division, so the form asks for the division only. Group and option labels are the lazy
    ones of `SECTION_CHOICES` / `DIVISION_CHOICES`: they follow the interface language."""
    divisions = dict(DIVISION_CHOICES)
    groups: list[tuple[Any, Any]] = [("", "---------")]
    for section, section_choice_label in SECTION_CHOICES:
        options = [
            (code, divisions[code]) for code, (sec, *_names) in DIVISIONS.items() if sec == section
        ]
        groups.append((section_choice_label, options))
    return groups


class EnterpriseForm(forms.Form):
    """Register data of one market entity (create; the edit form adds the version)."""

    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("18 characters; spaces, hyphens and lower case are accepted and normalised."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    allow_check_override = forms.BooleanField(
        label=_("Accept a credit code that fails its check"),
        required=False,
        help_text=_(
            "Only for historic codes (e.g. early pilot codes) that legitimately fail the check "
            "character. The override is recorded in the audit log."
        ),
    )
    legacy_reg_no = forms.CharField(
        label=_("Old registration number"),
        max_length=20,
        required=False,
        help_text=_("15 digits, if the entity had one."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    former_names = forms.CharField(
        label=_("Former names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    entity_type = forms.ChoiceField(
        label=_("Entity type"), choices=[("", "---------"), *Enterprise.EntityType.choices]
    )
    industry_section = forms.ChoiceField(
        label=_("Industry section"),
        choices=[("", "---------"), *SECTION_CHOICES],
        required=False,
        help_text=_("Narrows the divisions to choose from."),
    )
    industry_division = forms.ChoiceField(
        label=_("Industry (GB/T 4754-2017 division)"),
        choices=_division_choices,
        help_text=_("The section (A–T) follows from the division."),
    )
    registered_on = forms.DateField(label=_("Registration date"), widget=_DATE)
    registration_authority = forms.CharField(label=_("Registration authority"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=255)
    division = forms.CharField(
        label=_("Street or town"), max_length=64, help_text=_("The street (街道) or town (镇).")
    )
    legal_rep_name = forms.CharField(label=_("Legal representative"), max_length=64)
    legal_rep_id = forms.CharField(
        label=_("Identity number of the legal representative"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Only a masked value and a keyed digest are kept; the number is never stored."),
    )
    registered_capital = forms.DecimalField(
        label=_("Registered capital (CNY 10,000)"),
        max_digits=14,
        decimal_places=4,
        required=False,
    )
    business_scope = forms.CharField(
        label=_("Business scope"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    department = forms.ModelChoiceField(
        label=_("Responsible department"),
        queryset=Department.objects.filter(is_active=True),
        to_field_name="code",
    )

    bar_override_reason = forms.CharField(
        label=_("Reason for registering a barred person"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the register refuses the person because they are barred as the legal "
            "representative of an enterprise on the serious illegal and dishonest list. The "
            "reason is kept in the audit log."
        ),
    )

    # The form's fieldset of the registered person and capital (form.html).
    person_legend = _("Legal representative and capital")

    def __init__(
        self,
        *args: Any,
        can_override: bool = False,
        can_override_bar: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not can_override:
            del self.fields["allow_check_override"]
        if not can_override_bar:
            # Only registrars allowed to override the bar on legal representatives see it.
            del self.fields["bar_override_reason"]
        self._name_the_person(self._entity_type())

    def _entity_type(self) -> str | None:
        """The entity type the form is about: as posted, else as stored (edit)."""
        posted = self.data.get("entity_type") if self.is_bound else None
        if posted in Enterprise.EntityType.values:
            return str(posted)
        initial = self.initial.get("entity_type")
        return str(initial) if initial in Enterprise.EntityType.values else None

    def _name_the_person(self, entity_type: str | None) -> None:
        """Name the registered person as the entity type's business licence does: 经营者 (the
        operator) of an individual business, 负责人 of a branch... (`LEGAL_REP_TITLES`). While
        the type is not chosen, the generic label says who is meant for each."""
        person = self.fields["legal_rep_name"]
        if entity_type is None:
            person.help_text = _(
                "The operator, for an individual business; the person in charge, for a branch."
            )
            return
        person.label = str(LEGAL_REP_TITLES.get(entity_type, LEGAL_REP))
        if entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS:
            self.fields["legal_rep_id"].label = _("Identity number of the operator")
            self.fields["registered_capital"].label = _("Capital (CNY 10,000)")
            self.person_legend = _("Operator and capital")

    def override_requested(self) -> bool:
        return bool(self.cleaned_data.get("allow_check_override"))

    def bar_override_given(self) -> str:
        """The reason given for registering a barred legal representative ("" when none, or
        when the user may not override the bar: the field is not on the form)."""
        return str(getattr(self, "cleaned_data", {}).get("bar_override_reason") or "").strip()

    def service_data(self) -> dict[str, Any]:
        """The cleaned input in the shape `enterprise_clean` reads."""
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in {"allow_check_override", "bar_override_reason"}
        }
        data["former_names"] = [
            n.strip() for n in (data.get("former_names") or "").splitlines() if n.strip()
        ]
        if not data.get("legal_rep_id"):
            data.pop("legal_rep_id", None)
        return data


class EnterpriseCreateForm(EnterpriseForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registration_authority"].initial = settings.CREDIT_PORTAL["BUREAU_NAME"]
        self.fields["department"].initial = "amr"


class EnterpriseEditForm(EnterpriseForm):
    """Edit with optimistic locking: the version the user started from travels in a hidden
    field and the service refuses the change when someone else saved in between."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    correction = forms.BooleanField(
        label=_("This corrects an entry error"),
        required=False,
        help_text=_(
            "Tick it when the register held a typing mistake: no change of registration is "
            "recorded in the credit ledger (the audit log keeps the edit)."
        ),
    )

    def __init__(self, *args: Any, enterprise: Enterprise, **kwargs: Any) -> None:
        self.enterprise = enterprise
        kwargs.setdefault(
            "initial",
            {
                "uscc": enterprise.uscc,
                "legacy_reg_no": enterprise.legacy_reg_no,
                "name": enterprise.name,
                "former_names": "\n".join(enterprise.former_names or []),
                "entity_type": enterprise.entity_type,
                "industry_section": enterprise.industry_section,
                "industry_division": enterprise.industry_division,
                "registered_on": enterprise.registered_on,
                "registration_authority": enterprise.registration_authority,
                "address": enterprise.address,
                "division": enterprise.division,
                "legal_rep_name": enterprise.legal_rep_name,
                # 10, not 10.0000 (the column keeps four decimal places).
                "registered_capital": (
                    f"{enterprise.registered_capital.normalize():f}"
                    if enterprise.registered_capital is not None
                    else None
                ),
                "business_scope": enterprise.business_scope,
                "department": enterprise.department.code,
                "version": enterprise.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["legal_rep_id"].help_text = _(
            "Currently %(masked)s. Leave empty to keep it; only a masked value is stored."
        ) % {"masked": enterprise.legal_rep_id_masked or "—"}

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data.pop("version", None)
        data.pop("correction", None)
        # The credit code is checked again only when it changes: a historic code accepted by
        # override must not block every later edit of the entity.
        if data.get("uscc") and normalize(data["uscc"]) == self.enterprise.uscc:
            data.pop("uscc")
        return data


_STATUS_CHANGES = [
    (Enterprise.Status.SUSPENDED, _("Suspension, or extension of the current suspension")),
    (Enterprise.Status.OPERATING, _("Resumption of business")),
    (Enterprise.Status.DEREGISTERED, _("Deregistration")),
    (Enterprise.Status.REVOKED, _("Revocation of the business licence")),
    (Enterprise.Status.CANCELLED, _("Cancellation of the registration")),
    (Enterprise.Status.MOVED_OUT, _("Move out of the district")),
]


class StatusChangeForm(forms.Form):
    """Suspension (歇业) or its extension, resumption, deregistration, revocation."""

    new_status = forms.ChoiceField(
        label=pgettext_lazy("status form", "Change"),  # Django's admin has its own "Change"
        widget=forms.RadioSelect,
        choices=_STATUS_CHANGES,
    )
    effective_on = forms.DateField(
        label=_("Effective on"),
        widget=_DATE,
        help_text=_("For an extension: the filing date, within the window before the end."),
    )
    until = forms.DateField(
        label=_("Suspended until"),
        widget=_DATE,
        required=False,
        help_text=_("Required for a suspension or an extension."),
    )
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    note = forms.CharField(
        label=_("Internal note"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For staff only: shown in the ledger timeline of this page, never published."),
    )

    max_suspension_days = MAX_SUSPENSION_DAYS
    extension_window_days = SUSPENSION_EXTENSION_WINDOW_DAYS

    def __init__(self, *args: Any, possible: set[str] | None = None, **kwargs: Any) -> None:
        """`possible`: the changes the entity's status allows (the others are not offered)."""
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].initial = timezone.localdate()
        if possible is not None:
            # Only the widget's: a change posted anyway still reaches the service, whose message
            # says why it is refused ("only a suspended entity can resume business").
            widget = self.fields["new_status"].widget
            widget.choices = [(k, v) for k, v in _STATUS_CHANGES if k in possible]
