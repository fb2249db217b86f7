"""Admin of objections to listings (docs/domain.md §3): read-only. Objections are filed and
decided on the pages (`remediation.views.objections`) and through the API, by the services,
which write the ledger and the audit log. Rows outside the user's jurisdiction (the department
that decided the listing; `cases_for_user`) are not listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from remediation.models import ListingObjection
from remediation.selectors.directory import cases_for_user


@admin.register(ListingObjection)
class ListingObjectionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "case",
        "status",
        "received_on",
        "acceptance_due",
        "verification_due",
        "decided_on",
    ]
    list_filter = ["status", ("received_on", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "grounds"]
    list_select_related = ["enterprise", "case"]
    raw_id_fields = ["enterprise", "case", "revocation_record", "created_by", "decided_by"]
    readonly_fields = ["staff_page", "version"]

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: ListingObjection) -> str:
        url = reverse("remediation:objection_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = cases_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(case__in=visible)
