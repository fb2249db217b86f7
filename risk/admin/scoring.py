"""Admin of the scoring models and their versions (docs/domain.md §1 "General + professional";
issue 16 §2).

- A scoring model: the general one, or an industry model with its GB/T 4754 divisions; its
  versions are listed on its page. Saved through `scoring_model_save` (audited); the problems
  that stop its versions from being published are shown.
- A version: a draft is edited here, its indicators with their weights and its class bands as
  inlines, its hard rules and notes on the form; every change goes through the services of
  `risk.services.models` (checked, audited). What would stop it from being published is shown
  on its page (`version_problems`). The action "Publish" publishes the selected drafts, each
  refusal listing every problem; "New draft from this version" starts the next version of the
  model as a copy. A published version is read-only: its frozen definition, which the engine
  alone reads, is shown in tables.

Only the bureau's administrators change models (`risk.admin.common.BureauWrites`); publishing
needs `risk.publish_modelversion` as well.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from enterprises.industries import DIVISION_CHOICES, DIVISIONS
from enterprises.kinds import kind_get
from risk.admin.common import BureauWrites, administers_the_district
from risk.admin.indicators import REGISTER_FIELD_LABELS
from risk.models import Indicator, ModelVersion, ScoringModel, VersionBand, VersionIndicator
from risk.permissions import RiskPerm
from risk.services.models import (
    VersionRefused,
    scoring_model_problems,
    scoring_model_save,
    scoring_model_shape_problems,
    version_bands_set,
    version_draft_create,
    version_indicator_add,
    version_indicator_remove,
    version_problems,
    version_publish,
    version_rules_set,
    version_weight_set,
    weight_problems,
    weight_text,
)

Status = ModelVersion.Status


def _html_list(lines: list[str]) -> SafeString:
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((x,) for x in lines)))


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


# --------------------------------------------------------------------------- scoring models


class ScoringModelForm(forms.ModelForm):
    industry_divisions = forms.MultipleChoiceField(
        label=_("industry divisions"),
        required=False,
        choices=DIVISION_CHOICES,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_(
            "GB/T 4754 divisions an industry model applies to; none for the general model."
        ),
    )

    class Meta:
        model = ScoringModel
        fields = ["code", "name_zh", "name_en", "is_general", "industry_divisions", "description"]

    def _post_clean(self) -> None:  # the instance is built: check it as the service will
        super()._post_clean()  # type: ignore[misc]
        self.instance.industry_divisions = sorted(self.cleaned_data.get("industry_divisions") or [])
        for problem in scoring_model_shape_problems(self.instance):
            self.add_error(None, problem)


class VersionListInline(admin.TabularInline):
    """The model's versions (read-only here: each is edited on its own page)."""

    model = ModelVersion
    extra = 0
    fields = ["number", "status", "published_at", "published_by", "notes"]
    readonly_fields = ["number", "status", "published_at", "published_by", "notes"]
    show_change_link = True
    ordering = ["-number"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScoringModel)
class ScoringModelAdmin(BureauWrites, admin.ModelAdmin):
    form = ScoringModelForm
    list_display = ["code", "name", "is_general", "divisions", "versions_count", "in_force"]
    list_filter = ["is_general"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [VersionListInline]
    readonly_fields = ["problems"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScoringModel]:
        return super().get_queryset(request).annotate(versions_n=Count("versions"))

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.inlines

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions and assessments refer to it

    def save_model(self, request: HttpRequest, obj: ScoringModel, form: Any, change: bool) -> None:
        scoring_model_save(model=obj, by=request.user)  # type: ignore[arg-type]

    @admin.display(description=_("name"), ordering="name_zh")
    def name(self, obj: ScoringModel) -> str:
        return obj.name_zh if _zh() else obj.name_en

    @admin.display(description=_("industry divisions"))
    def divisions(self, obj: ScoringModel) -> str:
        if obj.is_general:
            return gettext("every other enterprise")
        return (
            ", ".join(
                f"{d} {DIVISIONS[d][0 if _zh() else 1]}" if d in DIVISIONS else d
                for d in obj.industry_divisions or []
            )
            or "—"
        )

    @admin.display(description=_("versions"), ordering="versions_n")
    def versions_count(self, obj: Any) -> int:
        return int(getattr(obj, "versions_n", 0))

    @admin.display(description=_("in force now"))
    def in_force(self, obj: ScoringModel) -> str:
        version = (
            obj.versions.filter(status=Status.PUBLISHED)
            .order_by("-published_at", "-number")
            .first()
        )
        return f"v{version.number}" if version is not None else "—"

    @admin.display(description=_("what would stop its versions from being published"))
    def problems(self, obj: ScoringModel) -> SafeString | str:
        if obj.pk is None:
            return "—"
        found = scoring_model_problems(obj)
        return _html_list(found) if found else gettext("Nothing.")


# --------------------------------------------------------------------------- versions


class _VersionPart:
    """A version's indicators and bands are parts of it: seen with the version, changed with
    it (`risk.change_modelversion`, the bureau), and only while it is a draft."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(RiskPerm.VIEW_MODEL) or self._changes(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._changes(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._changes(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._changes(request, obj)

    @staticmethod
    def _changes(request: HttpRequest, obj: Any) -> bool:
        return (
            _draft(obj)
            and request.user.has_perm(RiskPerm.CHANGE_MODEL)
            and administers_the_district(request)
        )


class EntryFormSet(BaseInlineFormSet):
    """Each weight within its indicator's range, each indicator active and once."""

    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            indicator: Indicator | None = data.get("indicator")
            if indicator is None:
                continue
            if indicator.pk in seen:
                form.add_error("indicator", gettext("This indicator is in the version already."))
            seen.add(indicator.pk)
            if not indicator.active and "indicator" in form.changed_data:
                form.add_error("indicator", gettext("This indicator is not active."))
            for problem in weight_problems(indicator, data.get("weight")):
                form.add_error("weight", problem)


class EntryInline(_VersionPart, admin.TabularInline):
    model = VersionIndicator
    formset = EntryFormSet
    extra = 0
    fields = ["indicator", "weight", "weight_range", "computed"]
    readonly_fields = ["weight_range", "computed"]
    autocomplete_fields = ["indicator"]
    ordering = ["indicator__family", "indicator__code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[VersionIndicator]:
        return super().get_queryset(request).select_related("indicator")

    @admin.display(description=_("range"))
    def weight_range(self, obj: VersionIndicator) -> str:
        if obj.pk is None:
            return ""
        i = obj.indicator
        return f"{weight_text(i.weight_min)}–{weight_text(i.weight_max)}"

    @admin.display(description=_("how it is computed"))
    def computed(self, obj: VersionIndicator) -> str:
        from risk.admin.indicators import indicator_text

        return indicator_text(obj.indicator) if obj.pk is not None else ""


class BandInline(_VersionPart, admin.TabularInline):
    model = VersionBand
    extra = 0
    fields = ["risk_class", "score_from", "score_to"]
    ordering = ["score_from"]


def _draft(obj: Any) -> bool:
    return isinstance(obj, ModelVersion) and obj.status == Status.DRAFT


class VersionAddForm(forms.ModelForm):
    """A new draft: its model and, optionally, the version it starts from (else the model's
    latest, else, for an industry model, the general model's latest published version)."""

    copy_from = forms.ModelChoiceField(
        label=_("start from"),
        queryset=ModelVersion.objects.select_related("model").order_by("model__code", "-number"),
        required=False,
        help_text=_(
            "Empty: the model's latest version; for a new industry model, the general model's "
            "latest published version."
        ),
    )

    class Meta:
        model = ModelVersion
        fields = ["model"]


class VersionChangeForm(forms.ModelForm):
    class Meta:
        model = ModelVersion
        fields = [
            "notes",
            "rule_serious_d",
            "rule_abnormal_min_c",
            "rule_new_entity_b",
            "new_entity_days",
        ]


@admin.register(ModelVersion)
class ModelVersionAdmin(BureauWrites, admin.ModelAdmin):
    list_display = [
        "__str__",
        "model",
        "number",
        "status",
        "indicators_count",
        "published_at",
        "published_by",
        "created_by",
    ]
    list_filter = ["model", "status"]
    list_select_related = ["model", "published_by", "created_by"]
    search_fields = ["model__code", "model__name_zh", "model__name_en", "notes"]
    actions = ["publish", "new_draft"]
    inlines = [EntryInline, BandInline]
    readonly_fields = [
        "model",
        "number",
        "status",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
        "problems",
        "definition_display",
    ]
    change_fields = [
        "model",
        "number",
        "status",
        "notes",
        ("rule_serious_d", "rule_abnormal_min_c", "rule_new_entity_b", "new_entity_days"),
        ("created_by", "created_at"),
        ("published_by", "published_at"),
        "problems",
        "definition_display",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModelVersion]:
        return super().get_queryset(request).annotate(entries_n=Count("entries"))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = VersionChangeForm if obj is not None else VersionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["model", "copy_from"]
        return self.change_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.inlines

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A published (or retired) version never changes: its page is read-only."""
        if obj is not None and obj.status != Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # assessments and runs refer to versions; a draft left aside is harmless

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RiskPerm.PUBLISH_MODEL) and administers_the_district(request)

    # -- writes, through the services

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        """A service's refusal (a version published meanwhile) comes back as messages on the
        same page; everything of the save was rolled back."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: ModelVersion, form: Any, change: bool) -> None:
        user: Any = request.user
        if not change:
            created = version_draft_create(
                model=obj.model, by=user, copy_from=form.cleaned_data.get("copy_from")
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        version_rules_set(
            version=obj,
            by=user,
            serious_d=obj.rule_serious_d,
            abnormal_min_c=obj.rule_abnormal_min_c,
            new_entity_b=obj.rule_new_entity_b,
            new_entity_days=obj.new_entity_days,
            notes=obj.notes,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        user: Any = request.user
        version: ModelVersion = form.instance
        if formset.model is VersionIndicator:
            self._save_entries(version, formset, user)
        elif formset.model is VersionBand:
            self._save_bands(version, formset, user)

    def _save_entries(self, version: ModelVersion, formset: Any, user: Any) -> None:
        formset.save(commit=False)  # fills new_objects, changed_objects, deleted_objects
        for entry in formset.deleted_objects:
            old = VersionIndicator.objects.select_related("indicator").get(pk=entry.pk)
            version_indicator_remove(version=version, indicator=old.indicator, by=user)
        for entry, changed in formset.changed_objects:
            old = VersionIndicator.objects.select_related("indicator").get(pk=entry.pk)
            if "indicator" in changed:
                version_indicator_remove(version=version, indicator=old.indicator, by=user)
                version_indicator_add(
                    version=version, indicator=entry.indicator, weight=entry.weight, by=user
                )
            else:
                version_weight_set(
                    version=version, indicator=old.indicator, weight=entry.weight, by=user
                )
        for entry in formset.new_objects:
            version_indicator_add(
                version=version, indicator=entry.indicator, weight=entry.weight, by=user
            )

    def _save_bands(self, version: ModelVersion, formset: Any, user: Any) -> None:
        formset.save(commit=False)  # nothing saved: the lists the admin's change message reads
        if not formset.has_changed():
            return
        bands = []
        for band_form in formset.forms:
            data = getattr(band_form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("risk_class"):
                continue
            bands.append((data["risk_class"], data["score_from"], data.get("score_to")))
        version_bands_set(version=version, bands=bands, by=user)

    def response_add(
        self, request: HttpRequest, obj: ModelVersion, post_url_continue: str | None = None
    ) -> HttpResponse:
        """To the new draft's page, where its indicators and bands are edited."""
        self.message_user(
            request,
            gettext("Draft %(version)s created: edit its indicators, weights and bands.")
            % {"version": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:risk_modelversion_change", args=[obj.pk]))

    # -- actions

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        user: Any = request.user
        for version in queryset.select_related("model").order_by("model__code", "number"):
            try:
                version_publish(version=version, by=user)
            except VersionRefused as refused:
                self.message_user(
                    request,
                    format_html(
                        "{}{}",
                        gettext("%(version)s was not published:") % {"version": version},
                        _html_list(refused.problems),
                    ),
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext("%(version)s is published; it applies from now on.")
                    % {"version": version},
                    messages.SUCCESS,
                )

    @admin.action(description=_("New draft from this version"), permissions=["add"])
    def new_draft(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        user: Any = request.user
        for version in queryset.select_related("model").order_by("model__code", "number"):
            draft = version_draft_create(model=version.model, by=user, copy_from=version)
            self.message_user(
                request,
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:risk_modelversion_change", args=[draft.pk]),
                    gettext("Draft %(draft)s created from %(version)s.")
                    % {"draft": draft, "version": version},
                ),
                messages.SUCCESS,
            )

    # -- display

    @admin.display(description=_("indicators"), ordering="entries_n")
    def indicators_count(self, obj: Any) -> int:
        return int(getattr(obj, "entries_n", 0))

    @admin.display(description=_("what would stop it from being published"))
    def problems(self, obj: ModelVersion) -> SafeString | str:
        if obj.status != Status.DRAFT:
            return gettext("It is published: it never changes.")
        found = version_problems(obj)
        return _html_list(found) if found else gettext("Nothing: it can be published.")

    @admin.display(description=_("frozen definition"))
    def definition_display(self, obj: ModelVersion) -> SafeString | str:
        if not obj.definition:
            return gettext("Written when the version is published.")
        return definition_html(obj.definition)


def _item_how(item: dict[str, Any]) -> str:
    """An indicator of a frozen definition in a line: what it reads and its points."""
    if item.get("source") == Indicator.Source.REGISTER:
        label = REGISTER_FIELD_LABELS.get(
            item.get("register_field", ""), item.get("register_field")
        )
        if item.get("mapping"):
            points = ", ".join(f"{k}: {v}" for k, v in item["mapping"].items())
        else:
            points = "; ".join(
                f"[{low}, {'∞' if high is None else high}): {p}"
                for low, high, p in item.get("bands") or []
            )
        return f"{label} — {points}"
    kinds = ", ".join(
        str(kind.label) if (kind := kind_get(k)) is not None else k for k in item.get("kinds") or []
    )
    parts = [gettext("%(points)s points a fact") % {"points": item.get("points_per_fact")}]
    if item.get("max_points"):
        parts.append(gettext("at most %(max)s") % {"max": item["max_points"]})
    if item.get("window_days"):
        parts.append(gettext("in %(days)s days") % {"days": item["window_days"]})
    if item.get("in_force_only"):
        parts.append(gettext("in force only"))
    return f"{kinds} — {', '.join(parts)}"


def _tenths_text(value: int | None) -> str:
    return "∞" if value is None else f"{Decimal(value) / 10:.1f}"


def definition_html(definition: dict[str, Any]) -> SafeString:
    """A frozen definition in three tables: indicators, class bands, hard rules."""
    name_key = "name_zh" if _zh() else "name_en"
    indicators = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                item.get("code"),
                item.get(name_key),
                str(dict(Indicator.Family.choices).get(item.get("family"), item.get("family"))),
                _item_how(item),
                weight_text(int(item.get("weight", 0))),
            )
            for item in definition.get("indicators", [])
        ),
    )
    bands = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (b.get("class"), _tenths_text(b.get("from")), _tenths_text(b.get("to")))
            for b in definition.get("bands", [])
        ),
    )
    rules = definition.get("rules", {})
    yes, no = gettext("yes"), gettext("no")
    rule_rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td></tr>",
        (
            (gettext("serious list → D"), yes if rules.get("serious_d") else no),
            (
                gettext("abnormal directory → at least C"),
                yes if rules.get("abnormal_min_c") else no,
            ),
            (
                gettext("new entity with no history → B (fewer than %(days)s days registered)")
                % {"days": rules.get("new_entity_days")},
                yes if rules.get("new_entity_b") else no,
            ),
        ),
    )
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>"
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>"
        "<table><tbody>{}</tbody></table>",
        gettext("code"),
        gettext("name"),
        gettext("family"),
        gettext("how it is computed"),
        gettext("weight"),
        indicators,
        gettext("class"),
        gettext("score from"),
        gettext("score below"),
        bands,
        rule_rows,
    )
