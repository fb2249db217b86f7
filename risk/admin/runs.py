"""Admin of the classification runs (issue 16 §5, §8): read-only. Runs are started by the
staff pages, the API, `manage.py reclassify` and the daily job (`risk.services.runs`), never
here; a run's page shows its progress, its from-class × to-class counts and its class counts.
Runs reach the whole district (their counts are by street, industry and department), so they
are the bureau's (`credit_portal.admin.DistrictAdministratorsOnly`), and seeing them needs
`enterprises.view_risk` too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import DistrictAdministratorsOnly, ReadOnlyAdmin
from risk import rules
from risk.admin.common import SeesClasses
from risk.models import ClassificationRun

NONE = "-"  # the side of a transition key with no class: "->A" new, "A>-" left


@admin.register(ClassificationRun)
class ClassificationRunAdmin(SeesClasses, DistrictAdministratorsOnly, ReadOnlyAdmin):
    list_display = [
        "id",
        "reason",
        "as_of",
        "knowledge_at",
        "version",
        "status",
        "progress",
        "classified",
        "changed_class",
        "assessments",
        "matched",
        "mismatched",
        "created_by",
        "finished_at",
    ]
    list_filter = ["reason", "status", "applies"]
    list_select_related = ["version__model", "created_by"]
    date_hierarchy = "as_of"
    raw_id_fields = ["enterprise", "version", "created_by"]
    exclude = ["transitions", "summary", "enterprise_ids"]
    readonly_fields = ["progress", "transitions_table", "class_counts", "enterprises_named"]

    @admin.display(description=_("progress"))
    def progress(self, obj: ClassificationRun) -> SafeString:
        total = max(obj.total_steps, 1)
        return format_html(
            '<progress max="{}" value="{}">{}/{}</progress> {}/{}',
            total,
            min(obj.position, total),
            obj.position,
            obj.total_steps,
            obj.position,
            obj.total_steps,
        )

    @admin.display(description=_("class transitions (from × to)"))
    def transitions_table(self, obj: ClassificationRun) -> SafeString | str:
        counts = obj.transitions if isinstance(obj.transitions, dict) else {}
        if not counts:
            return "—"
        sides = [*rules.CLASSES, NONE]
        header = format_html_join("", "<th>{}</th>", ((self._side(c, to=True),) for c in sides))
        rows = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (
                    self._side(low, to=False),
                    format_html_join(
                        "",
                        "<td>{}</td>",
                        ((counts.get(self._key(low, high), "") or "",) for high in sides),
                    ),
                )
                for low in sides
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th>{}</tr></thead><tbody>{}</tbody></table>",
            gettext("from \\ to"),
            header,
            rows,
        )

    @staticmethod
    def _key(low: str, high: str) -> str:
        if low == NONE:
            return f"->{high}"
        return f"{low}>{high}"

    @staticmethod
    def _side(value: str, *, to: bool) -> str:
        if value != NONE:
            return value
        return gettext("left") if to else gettext("new")

    @admin.display(description=_("class counts"))
    def class_counts(self, obj: ClassificationRun) -> SafeString | str:
        by_class = (obj.summary or {}).get("by_class") if isinstance(obj.summary, dict) else None
        if not by_class:
            return "—"
        return format_html(
            "<table><tr>{}</tr><tr>{}</tr></table>",
            format_html_join("", "<th>{}</th>", ((c,) for c in rules.CLASSES)),
            format_html_join("", "<td>{}</td>", ((by_class.get(c, 0),) for c in rules.CLASSES)),
        )

    @admin.display(description=_("enterprises"))
    def enterprises_named(self, obj: ClassificationRun) -> str:
        ids: Any = obj.enterprise_ids or []
        return str(len(ids)) if ids else "—"
