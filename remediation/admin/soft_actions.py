"""Admin of soft enforcement (docs/domain.md §9): read-only. Documents are drafted, approved,
served and followed up on the staff pages (`remediation.views.soft_actions`), through the
services that number them, write their ledger facts and audit them; consents are given and
withdrawn by the enterprises in their self-service area. Rows outside the user's jurisdiction
(another department's) are not listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import JurisdictionMixin, ReadOnlyAdmin
from remediation.models import ElectronicServiceConsent, FollowUpVisit, Interview, SoftAction


class _ReadOnly:
    """Inline rows shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_INTERVIEW_FIELDS: tuple[str, ...] = (
    "held_on",
    "place",
    "attendees",
    "minutes",
    "commitments",
    "recorded_by",
    "recorded_at",
)
_VISIT_FIELDS: tuple[str, ...] = ("visited_on", "outcome", "notes", "visited_by", "recorded_at")


class InterviewInline(_ReadOnly, admin.StackedInline):
    model = Interview
    fields = _INTERVIEW_FIELDS
    readonly_fields = _INTERVIEW_FIELDS


class FollowUpVisitInline(_ReadOnly, admin.TabularInline):
    model = FollowUpVisit
    fields = _VISIT_FIELDS
    readonly_fields = _VISIT_FIELDS


@admin.register(SoftAction)
class SoftActionAdmin(JurisdictionMixin, ReadOnlyAdmin):
    list_display = [
        "number",
        "instrument",
        "addressee_name",
        "status",
        "issued_on",
        "served_on",
        "deadline",
        "department",
    ]
    list_filter = [
        "instrument",
        "status",
        "service_method",
        "trigger",
        ("issued_on", admin.DateFieldListFilter),
    ]
    search_fields = ["number", "addressee_name", "enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise", "department"]
    raw_id_fields = ["enterprise", "penalty", "credit_record", "reply_record"]
    inlines = [InterviewInline, FollowUpVisitInline]
    readonly_fields = ["staff_page", "deadline_provisional", "version"]
    date_hierarchy = "created_at"

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: SoftAction) -> str:
        url = reverse("remediation:soft_action_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the document's page"))


@admin.register(ElectronicServiceConsent)
class ElectronicServiceConsentAdmin(JurisdictionMixin, ReadOnlyAdmin):
    jurisdiction_path = "enterprise__department"
    list_display = ["enterprise", "given_by", "given_at", "withdrawn_at"]
    list_filter = [("given_at", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "given_by__username"]
    list_select_related = ["enterprise", "given_by"]
    raw_id_fields = ["enterprise", "given_by"]


@admin.register(Interview)
class InterviewAdmin(JurisdictionMixin, ReadOnlyAdmin):
    """Interview records, also shown inline on their document."""

    jurisdiction_path = "action__department"
    list_display = ["action", "held_on", "place", "recorded_by"]
    list_filter = [("held_on", admin.DateFieldListFilter)]
    search_fields = ["action__number", "action__addressee_name", "attendees"]
    list_select_related = ["action", "recorded_by"]
    raw_id_fields = ["action"]


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(JurisdictionMixin, ReadOnlyAdmin):
    """Follow-up visits (回访), also shown inline on their document."""

    jurisdiction_path = "action__department"
    list_display = ["action", "visited_on", "outcome", "visited_by"]
    list_filter = ["outcome", ("visited_on", admin.DateFieldListFilter)]
    search_fields = ["action__number", "action__addressee_name"]
    list_select_related = ["action", "visited_by"]
    raw_id_fields = ["action"]
