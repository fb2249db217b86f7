"""Admin of orders to disclose: read-only (orders are issued and withdrawn on the staff pages,
and complied with or listed by the daily job, each through `remediation.services.orders`,
audited). Rows outside the user's jurisdiction are not listed (`orders_for_user`: the
department that issued the order)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from remediation.models import DisclosureOrder
from remediation.services.orders import items_label, orders_for_user


@admin.register(DisclosureOrder)
class DisclosureOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "document_number",
        "items_display",
        "ordered_on",
        "due_on",
        "status",
        "complied_on",
        "department",
    ]
    list_filter = ["status", ("due_on", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "document_number"]
    list_select_related = ["enterprise", "department"]
    raw_id_fields = ["enterprise", "created_by"]
    exclude = ["items"]
    readonly_fields = ["items_display", "staff_page", "version"]

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = orders_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    @admin.display(description=_("items to disclose"))
    def items_display(self, obj: DisclosureOrder) -> str:
        return items_label(list(obj.items or []))

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: DisclosureOrder) -> str:
        url = reverse("remediation:order_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the order"))
