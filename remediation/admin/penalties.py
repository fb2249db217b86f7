"""Admin of penalty decisions and their catalogue.

- Violation types and leniency list items: administrators keep the catalogue here (each add and
  change audited by `AuditedAdminMixin`); nothing is deleted (decisions refer to them): a type
  no longer used is made inactive, a list item gets its `valid until`. Once a recorded (or
  withdrawn) decision relies on an entry, what that decision and its document say is frozen:
  a list item's list, document, version, number, text, conditions and violation type, a
  type's code and sector are read-only; a changed list is a new version (a new item), so past
  decisions and their PDFs keep meaning what they said.
- Penalty decisions: read-only, with their penalties inline; they are written by the services
  (the staff pages and the API), which check the rules, write the ledger and audit. A partner
  department's staff see their own department's decisions (`penalties_for_user`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import AuditedAdminMixin, ReadOnlyAdmin
from remediation.models import LeniencyListItem, PenaltyDecision, PenaltyMeasure, ViolationType
from remediation.selectors.penalties import penalties_for_user
from remediation.views.penalties import CHECKS_SHOWN, _checks_text

# What a recorded decision relied on, frozen once one does (see the module's docstring).
VIOLATION_TYPE_FROZEN = ("code", "sector")
LIST_ITEM_FROZEN = (
    "list_kind",
    "list_name",
    "version",
    "item_number",
    "text",
    "conditions",
    "violation_type",
)


def _relied_on(obj: ViolationType | LeniencyListItem | None) -> bool:
    """Whether a recorded or withdrawn decision refers to this catalogue entry."""
    if obj is None or obj.pk is None:
        return False
    return obj.decisions.exclude(status=PenaltyDecision.Status.DRAFT).exists()


class LeniencyListItemInline(admin.TabularInline):
    model = LeniencyListItem
    extra = 0
    fields = [
        "list_kind",
        "list_name",
        "version",
        "item_number",
        "text",
        "valid_from",
        "valid_until",
    ]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # added on their own page (audited)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ViolationType)
class ViolationTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "sector", "range_kind", "range_min", "range_max", "is_active"]
    list_filter = ["sector", "range_kind", "is_active"]
    search_fields = ["code", "name", "name_en", "violated_provision", "penalty_provision"]
    inlines = [LeniencyListItemInline]
    fields = [
        "code",
        "name",
        "name_en",
        "sector",
        "is_active",
        "sort_order",
        "violated_provision",
        "penalty_provision",
        ("range_kind", "range_min", "range_max", "base_kind"),
        ("limitation_years", "limitation_basis"),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions refer to it: make it inactive instead

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        frozen = VIOLATION_TYPE_FROZEN if _relied_on(obj) else ()
        return (*super().get_readonly_fields(request, obj), *frozen)


@admin.register(LeniencyListItem)
class LeniencyListItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "list_kind",
        "list_name",
        "version",
        "item_number",
        "violation_type",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["list_kind", "list_name", "version"]
    search_fields = ["text", "conditions", "list_name", "violation_type__name"]
    list_select_related = ["violation_type"]
    autocomplete_fields = ["violation_type"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions refer to it: end its validity instead

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        frozen = LIST_ITEM_FROZEN if _relied_on(obj) else ()
        return (*super().get_readonly_fields(request, obj), *frozen)


class PenaltyMeasureInline(admin.TabularInline):
    model = PenaltyMeasure
    extra = 0
    fields = ["kind", "amount", "months", "description"]
    readonly_fields = ["kind", "amount", "months", "description"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PenaltyDecision)
class PenaltyDecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "decided_on",
        "party_name",
        "violation_type",
        "leniency",
        "status",
        "publication_due",
        "published_on",
        "publicity_end",
    ]
    list_filter = ["status", "leniency", "party_kind", "procedure", "department"]
    search_fields = ["number", "party_name", "party_code", "enterprise__uscc"]
    list_select_related = ["violation_type", "department", "enterprise"]
    date_hierarchy = "decided_on"
    inlines = [PenaltyMeasureInline]
    exclude = ["party_id_digest", "checks", "leniency_grounds"]
    readonly_fields = ["leniency_grounds_display", "checks_display"]
    raw_id_fields = ["enterprise", "credit_record", "leniency_item"]

    def get_queryset(self, request: HttpRequest) -> Any:
        visible = penalties_for_user(user=request.user)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))

    @admin.display(description=_("leniency grounds"))
    def leniency_grounds_display(self, obj: PenaltyDecision) -> str:
        """The grounds in words (`PenaltyDecision.LeniencyGround`), as the detail page has them;
        a code no longer among the choices as it is."""
        grounds = dict(PenaltyDecision.LeniencyGround.choices)
        return "; ".join(str(grounds.get(g, g)) for g in obj.leniency_grounds or []) or "—"

    @admin.display(description=_("Checks made"))
    def checks_display(self, obj: PenaltyDecision) -> SafeString | str:
        """The stored checks in the detail page's words (templates/remediation/penalties/
        detail.html, "Checks made"; amounts by `_checks_text`), one line each; a key the page
        has no words for as "key: value". Escaped."""
        return _html_list(_checks_lines(obj.checks)) or "—"


def _html_list(lines: list[str]) -> SafeString | str:
    if not lines:
        return ""
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((x,) for x in lines)))


def _checks_lines(stored: Any) -> list[str]:
    """The lines of `PenaltyDecisionAdmin.checks_display` (the detail page's sentences)."""
    if not isinstance(stored, dict) or not stored:
        return []
    checks = _checks_text(stored)
    lines: list[str] = []
    if checks.get("checked_on"):
        lines.append(
            f"{gettext('Checks made')} {gettext('on %(d)s') % {'d': checks['checked_on']}}"
        )
    limitation = checks.get("limitation")
    if isinstance(limitation, dict) and limitation:
        lines.append(
            gettext("Limitation: %(y)s years from %(f)s (%(a)s), until %(l)s: discovered in time.")
            % {
                "y": limitation.get("years"),
                "f": limitation.get("runs_from"),
                "a": limitation.get("article"),
                "l": limitation.get("last_day"),
            }
        )
    lookback = checks.get("lookback")
    if isinstance(lookback, dict) and lookback:
        lines.append(
            gettext("First violation: no same-type violation from %(a)s to %(b)s.")
            % {"a": lookback.get("from"), "b": lookback.get("to")}
        )
    late = checks.get("published_late")
    if isinstance(late, int) and late:
        lines.append(
            ngettext(
                "Published %(n)s working day after its due date.",
                "Published %(n)s working days after its due date.",
                late,
            )
            % {"n": late}
        )
    if checks.get("education") == "not_owed_deregistered":
        lines.append(
            gettext(
                "No admonition letter: the market entity is deregistered, and education (APL "
                "art. 33 para 3) is owed to a party that still exists."
            )
        )
    fines = checks.get("range")
    if isinstance(fines, dict) and fines.get("min"):
        lines.append(
            gettext(
                "Fines CNY %(t)s against the range CNY %(a)s to %(b)s (lighter band up to %(c)s)."
            )
            % {
                "t": fines.get("fine_total"),
                "a": fines.get("min"),
                "b": fines.get("max"),
                "c": fines.get("band_max"),
            }
        )
    worded = {*CHECKS_SHOWN, "checked_on"}
    lines.extend(f"{key}: {value}" for key, value in checks.items() if key not in worded)
    return lines


@admin.register(PenaltyMeasure)
class PenaltyMeasureAdmin(ReadOnlyAdmin):
    """The penalties of the decisions a user may see, one row each (for a search across
    decisions: every fine of a kind, every ban); read-only like their decisions."""

    list_display = ["decision", "kind", "amount", "months", "description"]
    list_filter = ["kind"]
    search_fields = ["decision__number", "decision__party_name"]
    list_select_related = ["decision"]
    raw_id_fields = ["decision"]

    def get_queryset(self, request: HttpRequest) -> Any:
        visible = penalties_for_user(user=request.user)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(decision__in=visible.values("pk"))
