"""Admin of annual reports (docs/domain.md §4): the reports read-only (written only by
`annual_reports.services.reports`: every version kept, none deleted), each with the list of
the versions of its year; the filing seasons (when the entrance reopens after 30 June, the
buffer deadline) edited by the bureau's administrators, every change audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annual_reports import rules
from annual_reports.models import AnnualReport, FilingSeason
from credit_portal.admin import (
    AuditedAdminMixin,
    DistrictAdministratorsOnly,
    JurisdictionMixin,
    ReadOnlyAdmin,
)


@admin.register(AnnualReport)
class AnnualReportAdmin(JurisdictionMixin, ReadOnlyAdmin):
    """Every version of every report of the user's jurisdiction; nothing is changed here."""

    jurisdiction_path = "enterprise__department"
    list_display = [
        "id",
        "enterprise",
        "year",
        "revision",
        "status",
        "is_current",
        "correction",
        "channel",
        "filed_on",
        "late",
    ]
    list_filter = ["year", "status", "is_current", "late", "channel", "correction", "form"]
    search_fields = ["enterprise__uscc", "enterprise__name", "paper_reference"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "correction_of", "invitation", "credit_record"]
    readonly_fields = ["versions_display", "staff_page", "version"]
    ordering = ["-year", "enterprise_id", "revision"]

    @admin.display(description=_("versions of this year"))
    def versions_display(self, obj: AnnualReport) -> SafeString | str:
        """The year's versions, oldest first, each linked, this one marked."""
        versions = AnnualReport.objects.filter(
            enterprise_id=obj.enterprise_id, year=obj.year
        ).order_by("revision")
        rows = []
        for v in versions:
            url = reverse("admin:annual_reports_annualreport_change", args=[v.pk])
            label = gettext("r%(n)d · %(status)s · %(day)s%(current)s%(here)s") % {
                "n": v.revision,
                "status": v.get_status_display(),
                "day": v.filed_on or "—",
                "current": " · " + gettext("in force") if v.is_current else "",
                "here": " ←" if v.pk == obj.pk else "",
            }
            rows.append((url, label))
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a></li>', rows)
        )

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: AnnualReport) -> str:
        url = reverse("annual_reports:detail", args=[obj.enterprise.uscc, obj.year])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the report's versions"))


class FilingSeasonForm(forms.ModelForm):
    class Meta:
        model = FilingSeason
        fields = ["year", "entrance_closed_until", "buffer_deadline", "note"]

    def clean(self) -> dict[str, Any]:
        """Both days fall after the deadline (30 June of the next year) and in that year: the
        entrance closes on 1 July (docs/domain.md §3 "Portal practice")."""
        data = super().clean() or self.cleaned_data
        year = data.get("year")
        if year is None:
            return data
        deadline = rules.report_deadline(year)
        for name in ("entrance_closed_until", "buffer_deadline"):
            day = data.get(name)
            if day is not None and not (deadline < day <= dt.date(year + 1, 12, 31)):
                self.add_error(
                    name,
                    gettext("Give a day after %(deadline)s and in %(y)s.")
                    % {"deadline": deadline, "y": year + 1},
                )
        return data


@admin.register(FilingSeason)
class FilingSeasonAdmin(DistrictAdministratorsOnly, AuditedAdminMixin, admin.ModelAdmin):
    """A reporting year's settings: the day the filing entrance stays closed until after 30
    June (default 14 July) and the buffer deadline (default 20 working days from 1 July). They
    reach the whole district: the bureau's administrators only. Every change is audited."""

    form = FilingSeasonForm
    list_display = ["year", "entrance_closed_until", "buffer_deadline", "note", "updated_by"]
    readonly_fields = ["updated_by", "updated_at"]
    fields = ["year", "entrance_closed_until", "buffer_deadline", "note", *readonly_fields]
    list_select_related = ["updated_by"]

    def save_model(self, request: HttpRequest, obj: FilingSeason, form: Any, change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
