"""Admin of what the classification found (issue 16 §3, §7, §8): assessments, the current
classes, overrides and the tasks a change of class gave a department. All read-only here:
assessments and current classes are written by the runs (`risk.services.runs`), overrides and
tasks by the staff pages through their services (`risk.services.overrides`,
`risk.services.tasks`), which check and audit. Every page needs `enterprises.view_risk`
(classes are internal), and lists only the enterprises of the user's jurisdiction (a partner
department's staff: their department's; a task: the department it was given to)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import DepartmentInJurisdictionFilter, JurisdictionMixin, ReadOnlyAdmin
from risk.admin.common import EnterpriseJurisdiction, SeesClasses
from risk.models import Assessment, ClassChangeTask, ClassOverride, CurrentClass


@admin.register(Assessment)
class AssessmentAdmin(SeesClasses, EnterpriseJurisdiction, ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "as_of",
        "risk_class",
        "score",
        "hard_rule",
        "previous_class",
        "version",
        "run",
    ]
    list_filter = [
        "risk_class",
        "hard_rule",
        "version__model",
        ("as_of", admin.DateFieldListFilter),
    ]
    search_fields = ["enterprise__uscc"]
    list_select_related = ["enterprise", "version__model", "run"]
    raw_id_fields = ["enterprise", "run", "version"]
    show_full_result_count = False  # a long history: no second COUNT(*) per page
    exclude = ["values", "inputs"]
    readonly_fields = ["contributions", "inputs_display"]

    @admin.display(description=_("contributions"))
    def contributions(self, obj: Assessment) -> SafeString | str:
        from risk.explain import breakdown

        definition = obj.version.definition
        try:
            rows = breakdown(definition, obj.values, obj.inputs)
        except (KeyError, TypeError, ValueError):
            return "—"  # a definition without indicators (a row written by hand)
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((r.name, r.text, f"{r.contribution:.1f}") for r in rows),
            ),
        )

    @admin.display(description=_("register inputs"))
    def inputs_display(self, obj: Assessment) -> SafeString | str:
        items = obj.inputs.items() if isinstance(obj.inputs, dict) else []
        if not items:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", ((k, str(v)) for k, v in items))
        )


@admin.register(CurrentClass)
class CurrentClassAdmin(SeesClasses, EnterpriseJurisdiction, ReadOnlyAdmin):
    list_display = [
        "enterprise",
        "risk_class",
        "computed_class",
        "score",
        "override",
        "version",
        "as_of",
        "assessed_at",
    ]
    list_filter = ["risk_class", "computed_class", "version__model"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise", "version__model", "override"]
    raw_id_fields = ["enterprise", "version", "override"]
    show_full_result_count = False


@admin.register(ClassOverride)
class ClassOverrideAdmin(SeesClasses, EnterpriseJurisdiction, ReadOnlyAdmin):
    list_display = [
        "enterprise",
        "risk_class",
        "starts_on",
        "expires_on",
        "ended_on",
        "created_by",
        "ended_by",
    ]
    list_filter = ["risk_class", ("expires_on", admin.DateFieldListFilter), "ended_on"]
    search_fields = ["enterprise__uscc", "enterprise__name", "reason"]
    list_select_related = ["enterprise", "created_by", "ended_by"]
    raw_id_fields = ["enterprise", "created_by", "ended_by"]


class _Open(admin.SimpleListFilter):
    title = _("acknowledged")
    parameter_name = "done"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Open")), ("yes", _("Acknowledged"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(ClassChangeTask)
class ClassChangeTaskAdmin(SeesClasses, JurisdictionMixin, ReadOnlyAdmin):
    """A task belongs to the department it was given to (`jurisdiction_path` = department)."""

    list_display = [
        "enterprise",
        "department",
        "from_class",
        "to_class",
        "created_at",
        "due_on",
        "done_at",
        "done_by",
    ]
    list_filter = [_Open, "to_class", ("department", DepartmentInJurisdictionFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "note"]
    list_select_related = ["enterprise", "department", "done_by"]
    raw_id_fields = ["enterprise", "department", "run", "done_by"]
