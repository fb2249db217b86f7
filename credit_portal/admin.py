"""Admin for accounts, departments, the audit log, the working-day calendar and the runs of
the daily jobs.

Every change made in the admin is attributed: `AuditedAdminMixin` writes an audit event with
the changed fields in the same transaction as the save or delete. The audit log itself is
read-only here (no add, change or delete permission for anyone).

Administrators (the role) manage accounts and grant roles, never single permissions, and
nobody but a superuser makes superusers or touches their accounts. An administrator of a
partner department works inside it: their department's staff accounts and departments of their
jurisdiction only; the audit log, the job schedules and their runs, and the working-day
calendar, which reach the whole district, are the bureau's (`_administers_the_district`).
"""

from __future__ import annotations

from typing import Any

import chinese_calendar
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credit_portal.audit import audit_event_record, event_label, model_diff, model_snapshot
from credit_portal.daily import daily_counts_text, daily_job_get
from credit_portal.models import (
    AuditEvent,
    CalendarEntry,
    CalendarYear,
    DailyRun,
    Department,
    StaffProfile,
    User,
)
from credit_portal.roles import Role, group_label
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.workdays import LIBRARY_YEARS


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows shown, never added, changed or deleted here, whatever the user's permissions: for
    append-only tables (the audit log, the credit ledger) and records that only a service
    writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdminMixin:
    """Write an audit event for every add, change and delete made through the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = {}
            if change:
                before = model_snapshot(type(obj).objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            after = model_snapshot(obj)
            diff = model_diff(before, after)
            for key in ("password",):  # never copy secrets into the log
                if key in diff["new"]:
                    diff["old"][key] = diff["new"][key] = "***"
            label = obj._meta.label_lower
            audit_event_record(
                actor=request.user,  # type: ignore[arg-type]
                event_type=f"admin.{label}_{'changed' if change else 'created'}",
                target=obj,
                extra=diff,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_event_record(
                actor=request.user,  # type: ignore[arg-type]
                event_type=f"admin.{obj._meta.label_lower}_deleted",
                target=obj,
                extra={"old": model_snapshot(obj)},
            )
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def _own_profile(request: HttpRequest, user_id: Any) -> bool:
    """The department decides what a user sees and whether they import: nobody but a superuser
    changes their own (it would be a way round the read-only roles of one's own account)."""
    return not request.user.is_superuser and user_id == request.user.pk


def _administers_the_district(request: HttpRequest) -> bool:
    """A superuser or a member of the bureau administers every account; an administrator of a
    partner department, the staff accounts of that department only. Asked once per request."""
    answer = getattr(request, "_cp_administers_the_district", None)
    if answer is None:
        user: Any = request.user
        answer = user.is_authenticated and bool(
            user.is_superuser or bureau_profiles(user=user).exists()
        )
        request._cp_administers_the_district = answer  # type: ignore[attr-defined]
    return answer


class JurisdictionMixin:
    """Rows outside the user's jurisdiction are not listed (nor found by address): partner
    departments' staff see their department's, as on the staff pages and the API.
    `jurisdiction_path` leads from the row to its department."""

    jurisdiction_path = "department"

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        user: Any = request.user
        departments = departments_of_jurisdiction(user=user)
        return queryset.filter(**{f"{self.jurisdiction_path}__in": departments})


class DepartmentChoiceInJurisdiction:
    """A ``department`` chosen in the admin is one the user has jurisdiction over: an
    administrator of a partner department cannot place a staff account in the bureau (which
    would show it the whole district) or in another department, nor an entity in another
    department's care."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department" and not request.user.is_superuser:
            user: Any = request.user
            kwargs["queryset"] = departments_of_jurisdiction(user=user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class DepartmentInJurisdictionFilter(admin.RelatedFieldListFilter):
    """A department list filter that offers the departments of the user's jurisdiction (every
    department for the bureau), read from the departments, not from the rows listed."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        user: Any = request.user
        departments = departments_of_jurisdiction(user=user)
        return [(d.pk, str(d)) for d in departments.order_by("sort_order", "code", "pk")]


class StaffProfileInline(DepartmentChoiceInJurisdiction, admin.StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ["department"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _own_profile(request, obj.pk):  # obj: the user being edited
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _own_profile(request, obj.pk):
            return False
        return super().has_add_permission(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        """An administrator of a partner department gives every account a department (theirs):
        an account without one would be outside everyone's list but the bureau's."""
        if not _administers_the_district(request):
            kwargs.update(min_num=1, validate_min=True)
        return super().get_formset(request, obj, **kwargs)


class _RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return group_label(obj.name, with_code=True)


class _RoleFilter(admin.RelatedFieldListFilter):
    """The groups filter, with the roles' labels instead of their codenames."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        return [
            (pk, group_label(str(name)))
            for pk, name in super().field_choices(field, request, model_admin)
        ]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "display_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = [
        "is_active",
        "is_staff",
        ("groups", _RoleFilter),
        ("staff_profile__department", DepartmentInJurisdictionFilter),
    ]
    search_fields = ["username", "display_name", "email", "first_name", "last_name"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Display"), {"fields": ("display_name",)}),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)
        if _administers_the_district(request):
            return qs
        user: Any = request.user
        return qs.filter(staff_profile__department__in=departments_of_jurisdiction(user=user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only a superuser makes superusers: an administrator manages accounts and roles, but
        must not lift any account, their own included, above every permission check. Nor may
        anyone but a superuser change their own roles, permissions or account state: granting
        roles is the administrator's job for other people's accounts, where every grant is
        audited (save_related), never a way to raise their own. Roles, not single
        permissions: an administrator who could grant any permission to an account of their
        own making (API tokens, roles, lockouts) would hold every permission through it."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
            if obj is not None and obj.pk == request.user.pk:
                fields += ["groups", "is_staff", "is_active"]
        return fields

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """The roles an administrator grants are the portal's roles (data migrations define
        them); any other group is a superuser's."""
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=[str(role) for role in Role])
        if db_field.name == "groups":
            kwargs["form_class"] = _RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """An administrator of a partner department must give each new account a department,
        so they need the right to add one."""
        if not _administers_the_district(request) and not request.user.has_perm(
            "credit_portal.add_staffprofile"
        ):
            return False
        return super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nor may they take over a superuser's account (its password, roles or address)."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Roles and permissions are many-to-many and saved after the user row: audit them
        here, with the sets before and after (granting a role is the change that matters)."""
        user = form.instance

        def grants() -> dict[str, list[str]]:
            return {
                "groups": sorted(user.groups.values_list("name", flat=True)),
                "user_permissions": sorted(
                    f"{p.content_type.app_label}.{p.codename}"
                    for p in user.user_permissions.select_related("content_type")
                ),
            }

        with transaction.atomic():
            before = grants() if change else {"groups": [], "user_permissions": []}
            super().save_related(request, form, formsets, change)
            after = grants()
            if before != after:
                audit_event_record(
                    actor=request.user,  # type: ignore[arg-type]
                    event_type="admin.credit_portal.user_grants_changed",
                    target=user,
                    extra=model_diff(before, after),
                )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """The admin's password page bypasses save_model: record the reset here."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                audit_event_record(
                    actor=request.user,  # type: ignore[arg-type]
                    event_type="accounts.password_reset_by_admin",
                    target=user,
                )
                from rest_framework.authtoken.models import Token

                Token.objects.filter(user=user).delete()
        return response


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "is_bureau", "is_active", "sort_order"]
    list_filter = ["is_bureau", "is_active"]
    search_fields = ["code", "name", "name_en"]

    def get_queryset(self, request: HttpRequest) -> Any:
        """An administrator of a partner department sees and edits their own department only
        (this also limits the department autocomplete of the account pages)."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        user: Any = request.user
        return qs.filter(pk__in=departments_of_jurisdiction(user=user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _administers_the_district(request) and super().has_add_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Which department is the bureau (whose staff see the whole district) is a superuser's
        decision; a partner department's administrator edits its names, not its code or
        whether it is active."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_bureau")
        if not _administers_the_district(request):
            fields += ["code", "is_active"]
        return fields


@admin.register(StaffProfile)
class StaffProfileAdmin(
    JurisdictionMixin, AuditedAdminMixin, DepartmentChoiceInJurisdiction, admin.ModelAdmin
):
    list_display = ["user", "department", "phone", "badge_number"]
    list_filter = [("department", DepartmentInJurisdictionFilter)]
    search_fields = ["user__username", "user__display_name", "badge_number"]
    autocomplete_fields = ["user", "department"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """An administrator of a partner department gives a department on the account's own
        page (the user admin's inline); here they could attach a profile to any account without
        one (an enterprise user's, say) and so take it into their list."""
        return _administers_the_district(request) and super().has_add_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not _administers_the_district(request):
            fields.append("user")  # nor move a profile of their department to another account
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _own_profile(request, obj.user_id):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _own_profile(request, obj.user_id):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: Any, change: bool) -> None:
        if _own_profile(request, obj.user_id):  # adding a profile for oneself
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class _EventTypeFilter(admin.SimpleListFilter):
    """Event types in words (the codes are kept in the URL)."""

    title = _("event type")
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        types = AuditEvent.objects.order_by().values_list("event_type", flat=True).distinct()
        return sorted(((t, event_label(t)) for t in types), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.filter(event_type=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "event", "actor", "target_repr", "ip_address", "request_id"]
    list_filter = [_EventTypeFilter, ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["event_type", "target_repr", "target_id", "request_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"

    @admin.display(description=_("Event"), ordering="event_type")
    def event(self, obj: AuditEvent) -> str:
        # The admin's .nowrap class: the Content Security Policy refuses style attributes.
        return format_html('<span class="nowrap">{}</span>', event_label(obj.event_type))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The log records changes across the whole district (entities, accounts, departments):
        not for the administrator of a partner department, who administers only theirs."""
        return _administers_the_district(request) and super().has_view_permission(request, obj)


class DistrictAdministratorsOnly:
    """For admin pages whose changes reach the whole district, such as the schedules of the
    periodic jobs (Celery beat): an administrator of a partner department neither sees nor
    changes them, whatever their role grants."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and _administers_the_district(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and _administers_the_district(request)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _administers_the_district(request)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _administers_the_district(request)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _administers_the_district(request)  # type: ignore[misc]


def _for_district_administrators_only(app_label: str) -> None:
    """Re-register an installed app's admin pages with `DistrictAdministratorsOnly` (the app's
    admin module is loaded before this one: INSTALLED_APPS order)."""
    for model in apps.get_app_config(app_label).get_models():
        if admin.site.is_registered(model):
            original = type(admin.site.get_model_admin(model))
            admin.site.unregister(model)
            admin.site.register(
                model, type(original.__name__, (DistrictAdministratorsOnly, original), {})
            )


_for_district_administrators_only("django_celery_beat")


class RoleGroupAdmin(DjangoGroupAdmin):
    """Groups with the role each stands for, in the page's language."""

    list_display = ["role", "name"]

    @admin.display(description=_("Role"), ordering="name")
    def role(self, obj: Group) -> str:
        return group_label(obj.name)


admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)


# --------------------------------------------------------------------------- working-day calendar


class _CalendarYearFilter(admin.SimpleListFilter):
    """The years that have calendar days, and the current and next year."""

    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        today = timezone.localdate()
        years = {day.year for day in CalendarEntry.objects.dates("day", "year")}
        years |= {today.year, today.year + 1}
        return [(str(y), str(y)) for y in sorted(years, reverse=True)]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.filter(day__year=int(value)) if value and value.isdigit() else queryset


@admin.register(CalendarEntry)
class CalendarEntryAdmin(DistrictAdministratorsOnly, AuditedAdminMixin, admin.ModelAdmin):
    """The bureau's holidays and adjusted working days (`credit_portal.workdays`): each
    overrides the library's calendar for its day. Every change is audited."""

    list_display = ["day", "weekday", "kind", "name", "library"]
    list_filter = [_CalendarYearFilter, "kind"]
    search_fields = ["name", "note"]
    ordering = ["day"]
    fields = ["day", "kind", "name", "note"]

    @admin.display(description=_("Weekday"))
    def weekday(self, obj: CalendarEntry) -> str:
        return str(WEEKDAYS[obj.day.weekday()])

    @admin.display(description=_("Without this entry"))
    def library(self, obj: CalendarEntry) -> str:
        """What the day would be without the entry: shows which entries change anything."""
        if obj.day.year not in LIBRARY_YEARS:
            return str(_("Year not known to the library"))
        if chinese_calendar.is_workday(obj.day):
            return str(_("Working day"))
        return str(_("Day off"))


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "schedule_complete", "published_reference"]

    def clean(self) -> dict[str, Any]:
        """A year is marked complete only once its days are entered (a year of the library
        excepted): a mark on an empty year would make weekday counting look official."""
        data = super().clean() or self.cleaned_data
        year = data.get("year")
        if (
            data.get("schedule_complete")
            and year is not None
            and year not in LIBRARY_YEARS
            and not CalendarEntry.objects.filter(
                day__year=year, kind=CalendarEntry.Kind.HOLIDAY
            ).exists()
        ):
            raise forms.ValidationError(
                _(
                    "No holiday of %(year)s is entered yet: enter the year's holidays and "
                    "adjusted working days as calendar days first."
                ),
                params={"year": year},
            )
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(DistrictAdministratorsOnly, AuditedAdminMixin, admin.ModelAdmin):
    """The years whose schedule the bureau has entered in full. Every change is audited."""

    form = CalendarYearForm
    list_display = [
        "year",
        "schedule_complete",
        "published_reference",
        "holidays",
        "working_days",
        "entered_by",
        "updated_at",
    ]
    list_filter = ["schedule_complete"]
    search_fields = ["published_reference"]
    readonly_fields = ["entered_by", "updated_at"]
    list_select_related = ["entered_by"]

    def _count(self, obj: CalendarYear, kind: str) -> int:
        return CalendarEntry.objects.filter(day__year=obj.year, kind=kind).count()

    @admin.display(description=_("Holidays entered"))
    def holidays(self, obj: CalendarYear) -> int:
        return self._count(obj, CalendarEntry.Kind.HOLIDAY)

    @admin.display(description=_("Working days entered"))
    def working_days(self, obj: CalendarYear) -> int:
        return self._count(obj, CalendarEntry.Kind.WORKING_DAY)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        obj.entered_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(DailyRun)
class DailyRunAdmin(DistrictAdministratorsOnly, ReadOnlyAdmin):
    """The runs of the daily jobs (`credit_portal.daily`), written only by the runs."""

    list_display = [
        "job",
        "on",
        "run_number",
        "status",
        "counts_display",
        "forced",
        "duration_display",
        "attempts",
        "finished_at",
    ]
    list_filter = ["status", "forced", "name"]
    search_fields = ["name", "message"]
    date_hierarchy = "on"

    @admin.display(description=_("Job"), ordering="name")
    def job(self, obj: DailyRun) -> str:
        known = daily_job_get(obj.name)
        return f"{known.label} ({obj.name})" if known is not None else obj.name

    @admin.display(description=_("Counts"))
    def counts_display(self, obj: DailyRun) -> str:
        return daily_counts_text(obj.name, obj.counts or {}) or "—"

    @admin.display(description=_("Duration"))
    def duration_display(self, obj: DailyRun) -> str:
        duration = obj.duration
        return f"{duration.total_seconds():.1f} s" if duration is not None else "—"
