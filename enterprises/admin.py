"""Admin for the register. Register edits go through the services (validation, audit, ledger);
the ledger is read-only here, like the audit log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit_portal.admin import (
    AuditedAdminMixin,
    DepartmentChoiceInJurisdiction,
    DepartmentInJurisdictionFilter,
    DistrictAdministratorsOnly,
    JurisdictionMixin,
    ReadOnlyAdmin,
)
from credit_portal.audit import model_snapshot
from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import (
    ActivationCode,
    CreditRecord,
    Enterprise,
    EnterpriseMembership,
    ImportJob,
    LedgerChange,
    RepresentativeBar,
)
from enterprises.permissions import EnterprisePerm
from enterprises.services.imports import import_jobs_for_user
from enterprises.services.register import (
    REGISTER_FIELDS,
    enterprise_clean,
    enterprise_create,
    enterprise_update,
)


class _JurisdictionMixin(JurisdictionMixin):
    """For rows that belong to an entity: the entity's department decides."""

    jurisdiction_path = "enterprise__department"


class EnterpriseAdminForm(forms.ModelForm):
    """Runs the register rules of `enterprise_clean` as form validation, so that a rule broken
    in the admin shows on the form (not as a server error), and carries the version the admin
    loaded, so that a concurrent edit is refused instead of overwritten.

    Optimistic locking, as on the staff edit page and the API (`enterprise_update`): a change
    must send the version it was loaded at (a hidden field); without it, or with an older one,
    nothing is saved and the form comes back with the person's input and a message. The check
    locks the row (the admin validates and saves in one transaction), so no other edit can come
    between the check and the save.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    allow_check_override = False

    class Meta:
        model = Enterprise
        exclude = ["legal_rep_id_digest"]  # noqa: DJ006 - every other field, as the admin shows

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = {k: cleaned[k] for k in REGISTER_FIELDS if cleaned.get(k) not in (None, "")}
        result = enterprise_clean(raw, allow_check_override=self.allow_check_override, partial=True)
        for field, messages in result.errors.items():
            self.add_error(field if field in self.fields else None, messages)
        if self.instance.pk:
            self._check_version(cleaned.get("expected_version"))
        return cleaned

    def _check_version(self, expected: int | None) -> None:
        if expected is None:
            if "expected_version" not in self.errors:
                self.add_error(
                    None,
                    _(
                        "This form did not say which version of the market entity it was "
                        "loaded from, so it was not saved. Open the market entity again and "
                        "make your change there."
                    ),
                )
            return
        rows = Enterprise.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()  # held until the admin's save commits
        current = rows.values_list("version", flat=True).first()
        if current is not None and current != expected:
            self.add_error(
                None,
                _(
                    "Someone else changed this market entity while you were editing it "
                    "(you started from version %(expected)d, it is now at version "
                    "%(current)d), so your change was not saved. Your input is still on this "
                    "form: open the market entity in a new tab to see their change, then make "
                    "yours there."
                )
                % {"expected": expected, "current": current},
            )


@admin.register(Enterprise)
class EnterpriseAdmin(JurisdictionMixin, DepartmentChoiceInJurisdiction, admin.ModelAdmin):
    """A partner department's staff see and edit only their department's entities here too."""

    form = EnterpriseAdminForm
    # Few columns so that names stay readable beside the admin's side menu at 1280 px.
    list_display = ["name", "uscc", "status", "is_abnormal", "registered_on"]
    list_filter = [
        "status",
        "entity_type",
        "industry_section",
        ("risk_current__risk_class", admin.ChoicesFieldListFilter),  # RISK_FILTER
        "is_abnormal",
        "on_serious_list",
        ("department", DepartmentInJurisdictionFilter),
    ]
    search_fields = ["uscc", "legacy_reg_no", "name", "name_initials"]
    list_select_related = ["department"]
    readonly_fields = [
        "status",
        "suspended_from",
        "suspended_until",
        "status_changed_on",
        "is_abnormal",
        "on_serious_list",
        "uscc_check_overridden",
        "legal_rep_id_masked",
    ]
    exclude = ["legal_rep_id_digest"]
    # The class filter and the current class shown read-only: `view_risk` only (classes are
    # internal, docs/domain.md §1); written by the classification, never here.
    RISK_FILTER = ("risk_current__risk_class", admin.ChoicesFieldListFilter)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # entities are deregistered, never deleted

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if not request.user.has_perm(EnterprisePerm.VIEW_RISK):
            filters.remove(self.RISK_FILTER)
        return filters

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and request.user.has_perm(EnterprisePerm.VIEW_RISK):
            fields.append("current_risk_display")
        return fields

    @admin.display(description=gettext_lazy("Current risk class"))
    def current_risk_display(self, obj: Enterprise) -> str:
        current = obj.current_risk
        if current is None:
            return _("Not yet classified.")
        text = _("%(label)s, score %(score)s, as of %(day)s") % {
            "label": current.get_risk_class_display(),
            "score": current.score,
            "day": current.as_of.isoformat(),
        }
        if current.override_id is not None:
            text += " · " + _("set by a supervisor's override; the computed class is %(c)s") % {
                "c": current.computed_class
            }
        return text

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.allow_check_override = request.user.has_perm(  # type: ignore[attr-defined]
            EnterprisePerm.OVERRIDE_USCC_CHECK
        )
        return form

    def save_model(self, request: HttpRequest, obj: Enterprise, form: Any, change: bool) -> None:
        data = {k: getattr(obj, k) for k in REGISTER_FIELDS if hasattr(obj, k)}
        allow = request.user.has_perm(EnterprisePerm.OVERRIDE_USCC_CHECK)
        # The form ran the same rules and, for a change, checked the version under a row lock
        # held until this transaction commits: the services refuse nothing here.
        if change:
            original = Enterprise.objects.get(pk=obj.pk)
            before = model_snapshot(original)
            changed = {k: v for k, v in data.items() if before.get(k, before.get(f"{k}_id")) != v}
            saved = enterprise_update(
                actor=request.user,  # type: ignore[arg-type]
                enterprise=original,
                data=changed,
                expected_version=form.cleaned_data["expected_version"],
                allow_check_override=allow,
            )
        else:
            saved = enterprise_create(actor=request.user, data=data, allow_check_override=allow)  # type: ignore[arg-type]
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(CreditRecord)
class CreditRecordAdmin(_JurisdictionMixin, ReadOnlyAdmin):
    list_display = [
        "occurred_on",
        "enterprise",
        "kind",
        "is_public",
        "publicity_start",
        "publicity_end",
        "authority",
        "recorded_by",
    ]
    list_filter = ["kind", "is_public", ("occurred_on", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "summary", "document_number"]
    list_select_related = ["enterprise", "recorded_by"]
    raw_id_fields = ["enterprise", "closes"]


@admin.register(ActivationCode)
class ActivationCodeAdmin(_JurisdictionMixin, ReadOnlyAdmin):
    list_display = ["enterprise", "issued_by", "issued_at", "expires_at", "used_at", "revoked_at"]
    list_filter = [("issued_at", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise", "issued_by"]
    exclude = ["code_digest"]


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(_JurisdictionMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "enterprise", "role", "phone", "email", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "enterprise__uscc", "enterprise__name", "phone", "email"]
    list_select_related = ["user", "enterprise"]
    raw_id_fields = ["user", "enterprise", "activation_code"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """An enterprise of the user's jurisdiction, and an account that is not a staff
        account (the raw id widgets accept any id: the form checks it against these)."""
        user: Any = request.user
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(staff_profile__isnull=True, is_superuser=False)
        elif not user.is_superuser and db_field.name in ("enterprise", "activation_code"):
            departments = departments_of_jurisdiction(user=user)
            model = db_field.related_model
            path = "department" if model is Enterprise else "enterprise__department"
            kwargs["queryset"] = model._default_manager.filter(**{f"{path}__in": departments})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "status",
        "dry_run",
        "total_rows",
        "created_count",
        "updated_count",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "dry_run"]
    search_fields = ["original_name"]
    list_select_related = ["created_by"]

    def get_queryset(self, request: HttpRequest) -> Any:
        """The jobs the user may see on the import page (the bureau's staff only): a job's
        errors and file name entities of the whole district."""
        jobs = import_jobs_for_user(user=request.user)
        return super().get_queryset(request).filter(pk__in=jobs.values("pk"))


@admin.register(LedgerChange)
class LedgerChangeAdmin(DistrictAdministratorsOnly, ReadOnlyAdmin):
    """Enterprises with new credit facts, waiting for the subscribers (district-wide)."""

    list_display = ["id", "subscriber", "enterprise_id", "recorded_at"]
    list_filter = ["subscriber"]
    date_hierarchy = "recorded_at"
    show_full_result_count = False  # a queue can be long: no COUNT(*) per page


@admin.register(RepresentativeBar)
class RepresentativeBarAdmin(ReadOnlyAdmin):
    """Barred legal representatives (enterprises.services.bars): written by the serious list's
    services, lifted by them; read here, never edited or deleted. The keyed digest is not shown
    (the masked number stands for it); a bar without one cannot be matched ("missing"). Rows
    outside the user's jurisdiction (the listed enterprise's department) are not listed."""

    list_display = [
        "id_masked",
        "name",
        "listed_enterprise",
        "barred_from",
        "barred_until",
        "lifted_on",
        "matchable",
    ]
    list_filter = [("barred_until", admin.DateFieldListFilter), "lifted_on"]
    search_fields = ["name", "id_masked", "listed_enterprise__uscc", "listed_enterprise__name"]
    list_select_related = ["listed_enterprise"]
    raw_id_fields = ["listed_enterprise"]
    exclude = ["id_digest"]
    readonly_fields = ["matchable"]

    @admin.display(description=gettext_lazy("identity number on file"), boolean=True)
    def matchable(self, obj: RepresentativeBar) -> bool:
        return bool(obj.id_digest)

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        user: Any = request.user
        return queryset.filter(
            listed_enterprise__department__in=departments_of_jurisdiction(user=user)
        )
