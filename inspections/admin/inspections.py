"""Admin of inspections (issue 17 §6): read-mostly. Inspections are made by draws and leads,
recorded, reviewed and published on the staff pages and the API
(`inspections.services.inspections`); here administrators read them with their checks and
inspectors, within what `inspections_for_user` lets them see, and may publish reviewed results
(the service's rules apply, one by one)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from credit_portal.models import User
from inspections.models import Inspection, InspectionAssignment, InspectionCheck
from inspections.permissions import InspectionPerm
from inspections.selectors.inspections import inspections_for_user
from inspections.services.inspections import inspection_publish


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CheckInline(_ReadOnlyInline):
    model = InspectionCheck
    fields = ("item", "plan", "result", "note")
    readonly_fields = ("item", "plan", "result", "note")


class AssignmentInline(_ReadOnlyInline):
    model = InspectionAssignment
    fields = ("position", "inspector")
    readonly_fields = ("position", "inspector")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "origin",
        "status",
        "department",
        "due_by",
        "result",
        "publish_due",
        "published_on",
    ]
    list_filter = ["status", "origin", "department", "problems_found"]
    list_select_related = ["enterprise", "department"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    date_hierarchy = "due_by"
    raw_id_fields = ["enterprise", "draw", "lead", "recorded_by", "reviewed_by"]
    inlines = [CheckInline, AssignmentInline]
    actions = ["publish_reviewed"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Inspection]:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the admin needs a login
        return inspections_for_user(user=user)

    @admin.display(description=_("result"))
    def result(self, obj: Inspection) -> str:
        return " ".join(obj.result_codes or []) or "—"

    @admin.action(description=_("Publish the selected reviewed results"))
    def publish_reviewed(self, request: HttpRequest, queryset: QuerySet[Inspection]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101
        if not user.has_perm(InspectionPerm.REVIEW):
            self.message_user(
                request, gettext("You may not publish inspection results."), messages.ERROR
            )
            return
        done = 0
        for inspection in queryset.order_by("pk"):
            try:
                inspection_publish(actor=user, inspection=inspection, expected_version=None)
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"#{inspection.pk}: {' '.join(exc.messages)}",
                    messages.WARNING,
                )
            else:
                done += 1
        self.message_user(
            request, gettext("%(n)d results published.") % {"n": done}, messages.SUCCESS
        )
