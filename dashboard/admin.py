"""The dashboard's tallies in the admin, read-only: the counts are written only by the daily job
`dashboard.tallies` (`dashboard.tallies.tallies_refresh`; `manage.py dashboard_refresh`), never
by hand, so the admin adds, changes and deletes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dashboard.models import Tally, TallyYear


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TallyYear)
class TallyYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "computed_at", "on"]
    ordering = ["-year"]
    readonly_fields = ["year", "computed_at", "on", "counts"]


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = ["year", "measure", "key", "street", "department", "value"]
    list_filter = ["year", "measure"]
    search_fields = ["measure", "street", "key"]
    list_select_related = ["department"]
    ordering = ["year", "measure", "street", "key"]
    show_full_result_count = False  # a year holds many rows: no second COUNT(*)
    readonly_fields = ["year", "measure", "street", "department", "key", "value"]
