"""Admin of immediate disclosures and invitations to self-correct: read-only (no add, change or
delete: a disclosure is changed by a correction, an invitation by its services, on the pages).
Rows outside the user's jurisdiction are not listed, by the pages' own rules
(`disclosures_for_user`, `invitations_for_user`); drafts are the company's own and never
listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annual_reports.models import CorrectionInvitation, ImmediateDisclosure
from annual_reports.selectors.disclosures import disclosures_for_user, invitations_for_user
from credit_portal.admin import ReadOnlyAdmin


@admin.register(ImmediateDisclosure)
class ImmediateDisclosureAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "item",
        "revision",
        "is_current",
        "changed_on",
        "due_on",
        "filed_on",
        "late",
    ]
    list_filter = ["item", "late", "is_current", ("filed_on", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "correction_of", "credit_record", "created_by"]
    readonly_fields = ["staff_page", "version"]

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = disclosures_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: ImmediateDisclosure) -> str:
        url = reverse("annual_reports:disclosure_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the disclosure"))


@admin.register(CorrectionInvitation)
class CorrectionInvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "year",
        "reason",
        "status",
        "invited_on",
        "respond_by",
        "department",
    ]
    list_filter = ["status", "reason", "year"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise", "department"]
    raw_id_fields = ["enterprise", "created_by"]
    readonly_fields = ["staff_page", "version"]

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = invitations_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: CorrectionInvitation) -> str:
        url = reverse("annual_reports:invitation_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the invitation"))
