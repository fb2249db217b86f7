"""Admin of skills, the list of items, the library of inspectors, recusals and sampling plans
(issue 17 §1: "administrators in the admin"). Every write goes through the services of
`inspections.services.catalogue`, `.roster` and `.plans` (audited, validated as the pages and
the API validate): the item and inspector forms show the services' problems on their fields;
a plan's refusal (its strata are in the inline) comes back as messages on the same page, with
nothing written. Nothing here is deleted. Recusals are read-only (recorded and ended through
the pages and the service; the action "End" ends them today); a plan that is no longer a draft
is read-only, and is approved or closed by the actions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import DepartmentChoiceInJurisdiction, JurisdictionMixin
from inspections.models import (
    InspectionItem,
    Inspector,
    PlanStratum,
    Recusal,
    SamplingPlan,
    Skill,
)
from inspections.permissions import InspectionPerm
from inspections.services.catalogue import ITEM_FIELDS, item_problems, item_save, skill_save
from inspections.services.plans import (
    PLAN_FIELDS,
    StratumInput,
    plan_approve,
    plan_close,
    plan_save,
)
from inspections.services.roster import inspector_candidate_problem, inspector_save, recusal_end


def _actor(request: HttpRequest) -> Any:
    return request.user


class _RefusalsAsMessages:
    """A service's refusal during a save comes back as messages on the same page; the admin's
    transaction rolled everything back."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())


# --------------------------------------------------------------------------- skills


@admin.register(Skill)
class SkillAdmin(_RefusalsAsMessages, admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Skill, form: Any, change: bool) -> None:
        saved = skill_save(
            actor=_actor(request),
            code=obj.code,
            name=obj.name,
            name_en=obj.name_en,
            skill=Skill.objects.get(pk=obj.pk) if change else None,
        )
        obj.pk = saved.pk


# --------------------------------------------------------------------------- items


class ItemAdminForm(forms.ModelForm):
    actor: Any = None
    stored: InspectionItem | None = None

    class Meta:
        model = InspectionItem
        fields = list(ITEM_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            for field, problems in item_problems(
                actor=self.actor, data=data, item=self.stored
            ).items():
                for problem in problems:
                    self.add_error(field if field in self.fields else None, problem)
        return data

    def validate_unique(self) -> None:  # the service says it in its own words
        return


@admin.register(InspectionItem)
class InspectionItemAdmin(DepartmentChoiceInJurisdiction, _RefusalsAsMessages, admin.ModelAdmin):
    form = ItemAdminForm
    list_display = ["code", "name", "department", "method", "safety_sensitive", "is_active"]
    list_filter = ["department", "method", "safety_sensitive", "is_active"]
    list_select_related = ["department"]
    search_fields = ["code", "name", "name_en", "legal_basis"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        stored = InspectionItem.objects.get(pk=obj.pk) if obj is not None else None
        return type(base.__name__, (base,), {"actor": request.user, "stored": stored})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # plans and inspections name items: make one inactive instead

    def save_model(
        self, request: HttpRequest, obj: InspectionItem, form: Any, change: bool
    ) -> None:
        data = {field: form.cleaned_data.get(field) for field in ITEM_FIELDS}
        saved = item_save(
            actor=_actor(request),
            data=data,
            item=InspectionItem.objects.get(pk=obj.pk) if change else None,
        )
        obj.pk, obj.version = saved.pk, saved.version


# --------------------------------------------------------------------------- inspectors


class InspectorAdminForm(forms.ModelForm):
    class Meta:
        model = Inspector
        fields = ["user", "skills", "is_active", "note"]

    def clean_user(self) -> Any:
        user = self.cleaned_data.get("user")
        if self.instance.pk is None:
            problem = inspector_candidate_problem(user)
            if problem:
                raise forms.ValidationError(problem)
        return user


@admin.register(Inspector)
class InspectorAdmin(JurisdictionMixin, _RefusalsAsMessages, admin.ModelAdmin):
    form = InspectorAdminForm
    list_display = ["__str__", "department", "badge", "is_active"]
    list_filter = ["department", "is_active", "skills"]
    list_select_related = ["user", "user__staff_profile", "department"]
    search_fields = ["user__username", "user__display_name", "user__staff_profile__badge_number"]
    filter_horizontal = ["skills"]
    autocomplete_fields = ["user"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["user", "skills", "note"]
        return ["user", "department", "badge", "skills", "is_active", "note", "version"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user", "department", "badge", "version"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # assignments name inspectors: make one inactive instead

    @admin.display(description=_("badge number"))
    def badge(self, obj: Inspector) -> str:
        profile = getattr(obj.user, "staff_profile", None)
        return profile.badge_number if profile is not None else "—"

    def save_model(self, request: HttpRequest, obj: Inspector, form: Any, change: bool) -> None:
        skills = form.cleaned_data.get("skills") or []
        if change:
            saved = inspector_save(
                actor=_actor(request),
                inspector=obj,
                skills=skills,
                is_active=form.cleaned_data.get("is_active"),
                note=form.cleaned_data.get("note") or "",
            )
        else:
            saved = inspector_save(
                actor=_actor(request),
                user=form.cleaned_data["user"],
                skills=skills,
                note=form.cleaned_data.get("note") or "",
            )
        obj.pk, obj.version, obj.department_id = saved.pk, saved.version, saved.department_id

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return  # the skills were set by the service


# --------------------------------------------------------------------------- recusals


@admin.register(Recusal)
class RecusalAdmin(JurisdictionMixin, admin.ModelAdmin):
    jurisdiction_path = "inspector__department"
    list_display = ["inspector", "enterprise", "origin", "valid_from", "ended_on", "created_by"]
    list_filter = ["origin", ("ended_on", admin.EmptyFieldListFilter)]
    list_select_related = ["inspector__user", "enterprise", "created_by"]
    search_fields = ["enterprise__uscc", "enterprise__name", "inspector__user__username", "reason"]
    actions = ["end_today"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded through the pages (the pool check): /inspections/recusals/new/

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_end_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(InspectionPerm.CHANGE_RECUSAL)

    @admin.action(description=_("End the selected recusals today"), permissions=["end"])
    def end_today(self, request: HttpRequest, queryset: QuerySet[Recusal]) -> None:
        for recusal in queryset.filter(ended_on__isnull=True):
            try:
                recusal_end(actor=_actor(request), recusal=recusal)
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.ERROR)
            else:
                self.message_user(
                    request, gettext("%(r)s has ended.") % {"r": recusal}, messages.SUCCESS
                )


# --------------------------------------------------------------------------- plans


class StratumInlineForm(forms.ModelForm):
    class Meta:
        model = PlanStratum
        fields = ["stratum", "ratio", "frequency"]

    def clean_ratio(self) -> Any:
        ratio = self.cleaned_data.get("ratio")
        if ratio is not None and not 0 <= ratio <= 100:
            raise forms.ValidationError(
                gettext("A ratio is between 0 and 100 %%, not %(r)s %%.") % {"r": ratio}
            )
        return ratio


class StratumInline(admin.TabularInline):
    model = PlanStratum
    form = StratumInlineForm
    extra = 0
    fields = ["stratum", "ratio", "frequency"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != SamplingPlan.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class PlanAdminForm(forms.ModelForm):
    class Meta:
        model = SamplingPlan
        fields = list(PLAN_FIELDS)  # what the plan service saves

    def validate_unique(self) -> None:  # the service says it in its own words
        return

    def _post_clean(self) -> None:
        # The service checks everything with its own messages (the model's constraints
        # included); only the fields' own parsing runs here.
        return


@admin.register(SamplingPlan)
class SamplingPlanAdmin(_RefusalsAsMessages, admin.ModelAdmin):
    form = PlanAdminForm
    inlines = [StratumInline]
    list_display = [
        "code",
        "name",
        "year",
        "kind",
        "status",
        "lead_department",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["year", "status", "kind", "lead_department"]
    list_select_related = ["lead_department"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["departments", "items"]
    readonly_fields = ["status", "version", "created_by", "approved_by", "approved_at"]
    actions = ["approve", "close"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SamplingPlan]:
        from inspections.selectors.plans import plans_for_user

        if request.user.is_superuser:
            return super().get_queryset(request)
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=plans_for_user(user=_actor(request)).values("pk"))
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != SamplingPlan.Status.DRAFT:
            return False  # approved or closed: it no longer changes
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # draws name plans: close one instead

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(InspectionPerm.APPROVE_PLAN)

    def save_model(self, request: HttpRequest, obj: SamplingPlan, form: Any, change: bool) -> None:
        return  # written with its strata by `save_related`, through the service

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        strata: list[StratumInput] | None = None
        for formset in formsets:
            formset.save(commit=False)  # the lists the change message reads; nothing saved
            if formset.model is PlanStratum:
                strata = []
                for row in formset.forms:
                    data = getattr(row, "cleaned_data", None)
                    if not data or data.get("DELETE") or not data.get("stratum"):
                        continue
                    strata.append(
                        StratumInput(data["stratum"], data.get("ratio"), data.get("frequency") or 1)
                    )
        data = dict(form.cleaned_data)
        data["departments"] = list(data.get("departments") or [])
        data["items"] = list(data.get("items") or [])
        stored = SamplingPlan.objects.get(pk=form.instance.pk) if change else None
        saved = plan_save(
            actor=_actor(request),
            data=data,
            strata=strata if strata is not None else [],
            plan=stored,
        )
        for field in ("pk", "code", "name", "status", "version"):
            setattr(form.instance, field, getattr(saved, field))

    @admin.action(description=_("Approve the selected drafts"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[SamplingPlan]) -> None:
        for plan in queryset.order_by("code"):
            try:
                plan_approve(actor=_actor(request), plan=plan)
            except ValidationError as refused:
                self.message_user(
                    request,
                    gettext("%(code)s was not approved: %(why)s")
                    % {"code": plan.code, "why": " ".join(refused.messages)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext("%(code)s is approved.") % {"code": plan.code},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Close the selected plans"), permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[SamplingPlan]) -> None:
        for plan in queryset.order_by("code"):
            try:
                plan_close(actor=_actor(request), plan=plan)
            except ValidationError as refused:
                self.message_user(
                    request,
                    gettext("%(code)s was not closed: %(why)s")
                    % {"code": plan.code, "why": " ".join(refused.messages)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request, gettext("%(code)s is closed.") % {"code": plan.code}, messages.SUCCESS
                )
