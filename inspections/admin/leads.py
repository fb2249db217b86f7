"""Admin of leads (docs/domain.md §10): read-only. Leads are received and handled on the pages
(`inspections.views.leads`) and through the API, by the services, which write the audit log and
the ledger. The reporter's identity (name, phone, email) and the receipt digest are not shown
here at all (nor searchable): staff read the identity on the lead's own page, where each reading
is audited. Rows outside the user's jurisdiction (`leads_for_user`) are not listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from inspections.models import Lead
from inspections.selectors.leads import leads_for_user

# Never displayed, searched or exported by the admin.
PRIVATE_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "receipt_digest")


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "status",
        "channel",
        "received_on",
        "subject_name",
        "department",
        "verify_due",
        "accept_due",
        "mediation_due",
        "decision",
    ]
    list_filter = ["kind", "status", "channel", ("received_on", admin.DateFieldListFilter)]
    search_fields = ["number", "subject_name", "enterprise__uscc", "enterprise__name"]
    list_select_related = ["department", "enterprise"]
    raw_id_fields = ["enterprise", "handler", "created_by", "referring_department", "department"]
    exclude = PRIVATE_FIELDS
    readonly_fields = ["staff_page", "version"]

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: Lead) -> str:
        url = reverse("inspections:lead_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = leads_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)
