"""Admin of credit repair (docs/domain.md §5): read-only. Applications are decided on the staff
pages (`remediation.views.repairs`); the one write here, "mark confirmed" on outbox rows, goes
through `repair_sync_confirm` (audited). Rows outside the user's jurisdiction are not listed,
by the pages' own rule (`repair_applications_for_user`: who decided, repairs), not by the
department that supervises the enterprise: a partner department's administrator sees the
repairs of its own department's decisions only, never the bureau's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from credit_portal.models import User
from remediation.models import RepairApplication, RepairAttachment, RepairSync
from remediation.permissions import RemediationPerm
from remediation.selectors.repairs import attachment_kind_label, repair_applications_for_user
from remediation.services.repairs import repair_sync_confirm


class RepairJurisdictionMixin:
    """The rows of the applications the user may see on the staff pages (who decided,
    repairs; `repair_applications_for_user`). `application_path` leads from the row to its
    application ("" for the application itself)."""

    application_path = ""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        user: Any = request.user
        visible = repair_applications_for_user(user=user).values("pk")
        key = f"{self.application_path}__in" if self.application_path else "pk__in"
        return queryset.filter(**{key: visible})


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.display(description=_("kind"), ordering="kind")
def _attachment_kind(obj: RepairAttachment) -> str:
    """The upload's kind as the pages label it for its repair (`attachment_kind_label`: a
    listing's evidence is of the cause cured), not the model's penalty-worded choice."""
    return attachment_kind_label(obj.kind, obj.application.kind)


class RepairAttachmentInline(_ReadOnlyInline):
    model = RepairAttachment
    readonly_fields = (
        "kind_label",
        "download",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    fields = readonly_fields

    @admin.display(description=_("kind"))
    def kind_label(self, obj: RepairAttachment) -> str:
        return _attachment_kind(obj)

    @admin.display(description=_("file"))
    def download(self, obj: RepairAttachment) -> str:
        """Through the staff page's view, which checks jurisdiction and audits the opening:
        MEDIA is never served directly."""
        url = reverse("remediation:repair_file", args=[obj.application_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class RepairSyncInline(_ReadOnlyInline):
    model = RepairSync
    readonly_fields = ("network", "status", "exported_at", "export_batch", "confirmed_at", "note")
    fields = readonly_fields


@admin.register(RepairApplication)
class RepairApplicationAdmin(RepairJurisdictionMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "kind",
        "status",
        "submitted_at",
        "acceptance_due",
        "decision_due",
        "decided_on",
    ]
    list_filter = ["kind", "status", ("submitted_at", admin.DateFieldListFilter)]
    search_fields = ["enterprise__uscc", "enterprise__name", "record__document_number"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "record", "penalty", "repair_record"]
    inlines = [RepairAttachmentInline, RepairSyncInline]
    exclude = ["conditions"]
    readonly_fields = ["staff_page", "due_provisional", "version", "conditions_display"]

    @admin.display(description=_("conditions checked"))
    def conditions_display(self, obj: RepairApplication) -> SafeString | str:
        """The conditions as checked when applying and at the decision, in the words of the
        staff page (templates/remediation/repairs/detail.html and _conditions.html): each
        condition's label and its state, then the reasons. Escaped."""
        stored = obj.conditions if isinstance(obj.conditions, dict) else {}
        parts = [
            _conditions_html(heading % {"d": check.get("on") or "—"}, check)
            for heading, check in (
                (gettext("When applying (%(d)s)"), stored.get("applied")),
                (gettext("At the decision (%(d)s)"), stored.get("decided")),
            )
            if isinstance(check, dict) and check
        ]
        if not parts:
            return "—"
        return format_html_join("", "{}", ((p,) for p in parts))

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: RepairApplication) -> str:
        url = reverse("remediation:repair_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the application"))


def _condition_state(condition: dict[str, Any]) -> str:
    """A condition's state as the staff page words it (_conditions.html)."""
    if condition.get("verified_by"):
        return gettext("verified by %(who)s on %(day)s") % {
            "who": condition["verified_by"],
            "day": condition.get("verified_on") or "—",
        }
    met = condition.get("met")
    if met is True:
        return gettext("met")
    if met is False:
        return gettext("not met")
    return gettext("declared, to verify")


def _conditions_html(heading: str, check: dict[str, Any]) -> SafeString:
    """One check (`applied` or `decided`): its heading with eligible or not, then a list of
    "condition: state" lines and "reason: …" lines."""
    eligible = check.get("eligible")
    if eligible is not None:
        heading += " · " + (gettext("eligible") if eligible else gettext("not eligible"))
    lines = [
        (str(c.get("label") or c.get("code") or "—"), _condition_state(c))
        for c in check.get("conditions") or []
        if isinstance(c, dict)
    ]
    lines += [(gettext("reason"), str(r)) for r in check.get("reasons") or []]
    if not lines:
        return format_html("<p>{}</p><p>{}</p>", heading, gettext("No condition was checked."))
    return format_html(
        "<p>{}</p><ul>{}</ul>", heading, format_html_join("", "<li>{}: {}</li>", lines)
    )


@admin.register(RepairSync)
class RepairSyncAdmin(RepairJurisdictionMixin, ReadOnlyAdmin):
    application_path = "application"
    list_display = [
        "application",
        "enterprise",
        "network",
        "status",
        "exported_at",
        "export_batch",
        "confirmed_at",
    ]
    list_filter = ["network", "status"]
    search_fields = [
        "export_batch",
        "application__enterprise__uscc",
        "application__enterprise__name",
    ]
    list_select_related = ["application__enterprise"]
    raw_id_fields = ["application"]
    actions = ["mark_confirmed"]

    @admin.display(description=_("market entity"))
    def enterprise(self, obj: RepairSync) -> str:
        return str(obj.application.enterprise)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(RemediationPerm.EXPORT_REPAIR_SYNC))

    @admin.action(description=_("Mark confirmed by the network"), permissions=["export"])
    def mark_confirmed(self, request: HttpRequest, queryset: QuerySet[RepairSync]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the admin requires a login
        try:
            n = repair_sync_confirm(
                actor=user,
                sync_ids=list(queryset.values_list("pk", flat=True)),
                note=gettext("Confirmed in the admin"),
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return
        self.message_user(
            request, gettext("%(n)d rows marked confirmed.") % {"n": n}, messages.SUCCESS
        )


@admin.register(RepairAttachment)
class RepairAttachmentAdmin(RepairJurisdictionMixin, ReadOnlyAdmin):
    """The uploads, listed for search by digest or name; opened through the staff view."""

    application_path = "application"
    list_display = [
        "original_name",
        "application",
        "kind_label",
        "content_type",
        "size",
        "uploaded_at",
    ]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "sha256", "application__enterprise__name"]
    list_select_related = ["application"]
    raw_id_fields = ["application"]
    exclude = ["file", "kind"]
    readonly_fields = ["kind_label", "download"]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj: RepairAttachment) -> str:
        return _attachment_kind(obj)

    @admin.display(description=_("file"))
    def download(self, obj: RepairAttachment) -> str:
        url = reverse("remediation:repair_file", args=[obj.application_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)
