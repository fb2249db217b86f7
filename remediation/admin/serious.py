"""Admin of the serious list (docs/domain.md §3, §5): read-only. Entries are made by the daily
3-year move, ended by their term or a credit repair, and revoked on the staff page
(`remediation.services.serious`), which write the ledger and the audit log. Rows outside the
user's jurisdiction (the deciding department) are not listed. The bars on legal representatives
are the register's (`enterprises.admin.RepresentativeBarAdmin`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from remediation.models import SeriousListing
from remediation.selectors.serious import serious_for_user


@admin.register(SeriousListing)
class SeriousListingAdmin(ReadOnlyAdmin):
    list_display = [
        "document_number",
        "enterprise",
        "reason",
        "state",
        "listed_on",
        "term_ends",
        "bar_until",
        "removed_on",
    ]
    list_filter = ["state", "reason", ("listed_on", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "document_number"]
    list_select_related = ["enterprise"]
    raw_id_fields = [
        "enterprise",
        "case",
        "listing_record",
        "removal_record",
        "created_by",
        "department",
    ]
    readonly_fields = ["staff_page", "version"]

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: SeriousListing) -> str:
        url = reverse("remediation:serious_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = serious_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)
