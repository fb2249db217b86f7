"""Admin of the abnormal directory's cases (docs/domain.md §3): read-only. A case changes only
through its services (`remediation.services.directory`: the deadline run, the buffer, listing,
removal) and their pages (`remediation.views.directory`), never by editing its state here; no
case is deleted. Rows outside the user's jurisdiction are not listed, by the pages' own rule
(`cases_for_user`: who decided, acts). Objections, orders and the serious list have their own
admins (remediation.admin.objections, orders, serious)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from enterprises.models import CreditRecord
from remediation.models import DirectoryCase
from remediation.selectors.directory import cases_for_user


def _record_link(record: CreditRecord | None) -> SafeString | str:
    """A ledger record as a link to its admin page: date, kind, document number."""
    if record is None:
        return "—"
    url = reverse("admin:enterprises_creditrecord_change", args=[record.pk])
    label = f"{record.occurred_on} · {record.kind_label}"
    if record.document_number:
        label += f" · {record.document_number}"
    return format_html('<a href="{}">#{} {}</a>', url, record.pk, label)


@admin.register(DirectoryCase)
class DirectoryCaseAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "individual_business",
        "reason",
        "report_year",
        "state",
        "detected_on",
        "buffer_deadline",
        "listed_on",
        "removed_on",
        "removal_code",
    ]
    list_filter = [
        "state",
        "reason",
        "individual_business",
        "source",
        "report_year",
        "removal_code",
        ("listed_on", admin.DateFieldListFilter),
    ]
    search_fields = ["enterprise__uscc", "enterprise__name", "document_number"]
    list_select_related = ["enterprise", "department"]
    raw_id_fields = ["enterprise", "department", "order", "created_by"]
    date_hierarchy = "detected_on"
    exclude = ["deferral_record", "listing_record", "removal_record", "reminders"]
    readonly_fields = [
        "staff_page",
        "ledger_records",
        "reminders_display",
        "version",
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = cases_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: DirectoryCase) -> str:
        url = reverse("remediation:directory_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the case"))

    @admin.display(description=_("ledger records"))
    def ledger_records(self, obj: DirectoryCase) -> SafeString | str:
        """The case's facts in the credit ledger: its deferral, listing and removal."""
        rows = [
            (label, _record_link(record))
            for label, record in (
                (gettext("deferral record"), obj.deferral_record),
                (gettext("listing record"), obj.listing_record),
                (gettext("removal record"), obj.removal_record),
            )
            if record is not None
        ]
        if not rows:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))

    @admin.display(description=_("reminders sent"))
    def reminders_display(self, obj: DirectoryCase) -> SafeString | str:
        items = [r for r in obj.reminders or [] if isinstance(r, dict)]
        if not items:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({})</li>",
                (
                    (
                        str(r.get("on") or "—"),
                        gettext("%(n)s working days before the deadline")
                        % {"n": r.get("working_days_before", "—")},
                    )
                    for r in items
                ),
            ),
        )
