"""The draws in the admin (issue 17 §3), read-only: a draw is never edited after its commitment
nor deleted (DRAW 5), and every step is a service (`inspections.services.draws`), reached from
the draw pages, the API and `manage.py draw`. Shown: the draws with their strata and files, the
draw jobs, the exclusions and the selections. The server seed is never shown before the reveal.
A partner department's administrator sees the draws of its plans, and the exclusions and
selections of the entities of its jurisdiction."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import JurisdictionMixin, ReadOnlyAdmin
from inspections.models import Draw, DrawFile, DrawJob, DrawStratum, Exclusion, Selection
from inspections.selectors.draws import draws_for_user


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DrawStratumInline(_ReadOnlyInline):
    model = DrawStratum
    fields = ("plan", "stratum", "pool_size", "excluded", "ratio", "target", "selected")
    readonly_fields = fields


class DrawFileInline(_ReadOnlyInline):
    model = DrawFile
    fields = ("name", "sha256", "size", "public_at_commit", "created_at")
    readonly_fields = fields


class DrawsOfTheUser:
    """The draws of the user's plans (`draws_for_user`): every draw for the bureau."""

    draw_path = ""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        user: Any = request.user
        visible = draws_for_user(user=user).values("pk")
        if self.draw_path:
            return queryset.filter(**{f"{self.draw_path}__in": visible})
        return queryset.filter(pk__in=visible)


@admin.register(Draw)
class DrawAdmin(DrawsOfTheUser, ReadOnlyAdmin):
    list_display = ["number", "title", "year", "is_control", "status", "as_of", "committed_at"]
    list_filter = ["status", "year", "is_control"]
    search_fields = ["number", "title", "commitment_hash"]
    date_hierarchy = "committed_at"
    list_select_related = ["committed_by"]
    exclude = ["server_seed", "manifest"]
    readonly_fields = ["seed", "commitment"]
    filter_horizontal = ["plans"]
    inlines = [DrawStratumInline, DrawFileInline]

    @admin.display(description=_("server seed"))
    def seed(self, obj: Draw) -> str:
        if obj.status != Draw.Status.REVEALED or obj.revealed_at is None:
            return str(_("Secret until the draw is revealed"))
        return obj.server_seed

    @admin.display(description=_("commitment"))
    def commitment(self, obj: Draw) -> SafeString:
        import json

        text = json.dumps(obj.manifest, ensure_ascii=False, sort_keys=True, indent=2)
        return format_html("<pre>{}</pre>", text)


@admin.register(DrawJob)
class DrawJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "action", "status", "draw", "requested_by", "created_at", "finished_at"]
    list_filter = ["action", "status"]
    list_select_related = ["draw", "requested_by"]

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        user: Any = request.user
        from django.db.models import Q

        visible = draws_for_user(user=user).values("pk")
        return queryset.filter(Q(draw__in=visible) | Q(draw__isnull=True, requested_by=user))


@admin.register(Exclusion)
class ExclusionAdmin(JurisdictionMixin, DrawsOfTheUser, ReadOnlyAdmin):
    jurisdiction_path = "enterprise__department"
    draw_path = "draw"
    list_display = ["draw", "plan", "enterprise", "rule", "until", "detail"]
    list_filter = ["rule"]
    list_select_related = ["draw", "plan", "enterprise"]
    search_fields = ["enterprise__uscc", "enterprise__name", "draw__number"]
    raw_id_fields = ["draw", "plan", "enterprise"]


@admin.register(Selection)
class SelectionAdmin(JurisdictionMixin, DrawsOfTheUser, ReadOnlyAdmin):
    jurisdiction_path = "enterprise__department"
    draw_path = "draw"
    list_display = ["draw", "plan", "stratum", "rank", "enterprise", "ticket"]
    list_filter = ["stratum"]
    list_select_related = ["draw", "plan", "enterprise"]
    search_fields = ["enterprise__uscc", "enterprise__name", "draw__number"]
    raw_id_fields = ["draw", "plan", "enterprise"]
