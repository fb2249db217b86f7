"""Admin of the indicators (docs/domain.md §1 "Indicator families"; issue 16 §1).

An indicator is data: a register field mapped to points, or the ledger facts of given kinds in
a window. The form shows the ledger kinds the portal declares today with their labels (and
takes the codes of kinds a later part will declare, such as complaints: such an indicator is
kept, and the page says why no version using it can be published yet), checks the indicator's
shape (`risk.services.models.indicator_shape_problems`) and saves through
`indicator_save` (audited). "Used by" lists the versions that use it; published ones froze
what they use, so an edit here changes none of them. Nothing is deleted: an indicator no longer
wanted is made inactive. The code is fixed once a version uses it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from enterprises.kinds import kind_get, kinds_all
from enterprises.models import Enterprise
from risk import rules
from risk.admin.common import BureauWrites
from risk.models import Indicator, VersionIndicator
from risk.services.models import (
    indicator_problems,
    indicator_save,
    indicator_shape_problems,
    indicator_versions,
    weight_text,
)

REGISTER_FIELD_LABELS = {
    "entity_type": Enterprise._meta.get_field("entity_type").verbose_name,
    "industry_section": Enterprise._meta.get_field("industry_section").verbose_name,
    "industry_division": Enterprise._meta.get_field("industry_division").verbose_name,
    "status": Enterprise._meta.get_field("status").verbose_name,
    "age_years": _("years since registration"),
    "registered_capital": Enterprise._meta.get_field("registered_capital").verbose_name,
}


def _kind_choices() -> list[tuple[str, str]]:
    return sorted(
        ((k.code, f"{k.label} ({k.code})") for k in kinds_all()), key=lambda pair: pair[0]
    )


def _register_field_choices() -> list[tuple[str, str]]:
    return [
        ("", "—"),
        *(
            (field, f"{REGISTER_FIELD_LABELS.get(field, field)} ({field})")
            for field in rules.REGISTER_FIELDS
        ),
    ]


class IndicatorForm(forms.ModelForm):
    """The indicator with its ledger kinds as choices (declared kinds, labelled) plus the codes
    of kinds not declared yet; the shape checked as the service checks it."""

    declared_kinds = forms.MultipleChoiceField(
        label=_("ledger kinds"),
        required=False,
        choices=_kind_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of ledger fact the indicator counts (a ledger indicator)."),
    )
    future_kinds = forms.CharField(
        label=_("kinds not declared yet"),
        required=False,
        help_text=_(
            "Codes of kinds a later part of the portal will record, separated by commas (for "
            "example complaint). A version using such an indicator cannot be published until "
            "the kind exists."
        ),
    )
    register_field = forms.ChoiceField(
        label=_("register field"), required=False, choices=_register_field_choices
    )

    class Meta:
        model = Indicator
        exclude = ["kinds"]  # noqa: DJ006 - every other field; the kinds are the two above

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.instance.kinds if isinstance(self.instance.kinds, list) else []
        self.fields["declared_kinds"].initial = [k for k in kinds if kind_get(k) is not None]
        self.fields["future_kinds"].initial = ", ".join(k for k in kinds if kind_get(k) is None)

    def _post_clean(self) -> None:  # the instance is built: check it as the service will
        super()._post_clean()  # type: ignore[misc]
        declared = list(self.cleaned_data.get("declared_kinds") or [])
        future = [
            k.strip()
            for k in (self.cleaned_data.get("future_kinds") or "").split(",")
            if k.strip() and k.strip() not in declared
        ]
        self.instance.kinds = declared + future
        # An emptied JSON box is None: no points by value or band.
        if self.instance.mapping is None:
            self.instance.mapping = {}
        if self.instance.bands is None:
            self.instance.bands = []
        for problem in indicator_shape_problems(self.instance):
            self.add_error(None, problem)


class UsedByFilter(admin.SimpleListFilter):
    title = _("used by a version")
    parameter_name = "used"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Indicator]) -> QuerySet[Indicator]:
        used = VersionIndicator.objects.values("indicator_id")
        if self.value() == "yes":
            return queryset.filter(pk__in=used)
        if self.value() == "no":
            return queryset.exclude(pk__in=used)
        return queryset


@admin.register(Indicator)
class IndicatorAdmin(BureauWrites, admin.ModelAdmin):
    form = IndicatorForm
    list_display = [
        "code",
        "name",
        "family",
        "nature",
        "source",
        "computed",
        "weights",
        "active",
        "usable",
    ]
    list_filter = ["family", "source", "nature", "active", UsedByFilter]
    search_fields = ["code", "name_zh", "name_en", "basis", "description"]
    readonly_fields = ["problems", "used_by"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    ("name_zh", "name_en"),
                    ("family", "nature", "source"),
                    "active",
                    "description",
                    "basis",
                ]
            },
        ),
        (_("A register field"), {"fields": ["register_field", "mapping", "bands"]}),
        (
            _("Ledger facts"),
            {
                "fields": [
                    "declared_kinds",
                    "future_kinds",
                    ("window_days", "in_force_only"),
                    ("points_per_fact", "max_points"),
                ]
            },
        ),
        (
            _("Weights a model may give it (tenths: 10 = ×1.0)"),
            {"fields": [("weight_min", "weight_max")]},
        ),
        (_("Use"), {"fields": ["problems", "used_by"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions refer to it: make it inactive instead

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and VersionIndicator.objects.filter(indicator=obj).exists():
            fields.append("code")  # what the versions and their assessments name it by
        return fields

    def save_model(self, request: HttpRequest, obj: Indicator, form: Any, change: bool) -> None:
        indicator_save(indicator=obj, by=request.user)  # type: ignore[arg-type]

    @admin.display(description=_("name"), ordering="name_zh")
    def name(self, obj: Indicator) -> str:
        return obj.name_zh if (get_language() or "zh").startswith("zh") else obj.name_en

    @admin.display(description=_("how it is computed"))
    def computed(self, obj: Indicator) -> str:
        return indicator_text(obj)

    @admin.display(description=_("weights"))
    def weights(self, obj: Indicator) -> str:
        return f"{weight_text(obj.weight_min)}–{weight_text(obj.weight_max)}"

    @admin.display(description=_("can be published"), boolean=True)
    def usable(self, obj: Indicator) -> bool:
        return obj.active and not indicator_problems(obj)

    @admin.display(description=_("why it cannot be used in a published version"))
    def problems(self, obj: Indicator) -> SafeString | str:
        if obj.pk is None:
            return "—"
        problems = indicator_problems(obj)
        if not obj.active:
            problems.insert(0, gettext("It is not active."))
        if not problems:
            return gettext("Nothing: it can be used.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems))
        )

    @admin.display(description=_("used by"))
    def used_by(self, obj: Indicator) -> SafeString | str:
        if obj.pk is None:
            return "—"
        versions = indicator_versions(obj)
        if not versions:
            return gettext("No version.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:risk_modelversion_change", args=[v.pk]),
                        str(v),
                        v.get_status_display(),
                    )
                    for v in versions
                ),
            ),
        )


def indicator_text(obj: Indicator) -> str:
    """How an indicator is computed, in a line: "Administrative penalty (penalty): 15 points
    a fact, at most 45, in 1095 days" or "years since registration: by band"."""
    if obj.source == Indicator.Source.REGISTER:
        label = REGISTER_FIELD_LABELS.get(obj.register_field, obj.register_field)
        how = gettext("by value") if obj.mapping else gettext("by band")
        return f"{label}: {how}"
    kinds = ", ".join(
        str(kind.label) if (kind := kind_get(k)) is not None else f"{k} ({gettext('not declared')})"
        for k in obj.kinds or []
    )
    parts = [gettext("%(points)s points a fact") % {"points": obj.points_per_fact}]
    if obj.max_points:
        parts.append(gettext("at most %(max)s") % {"max": obj.max_points})
    if obj.window_days:
        parts.append(gettext("in %(days)s days") % {"days": obj.window_days})
    if obj.in_force_only:
        parts.append(gettext("in force only"))
    return f"{kinds}: {', '.join(parts)}"
