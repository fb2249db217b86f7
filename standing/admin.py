"""Admin of letters of good standing: read-only (letters are issued by the service from the
pages and the API); one action, revoke, through `standing.services.letter_revoke` (audited),
for holders of `standing.revoke_standingletter`. Rows outside the user's jurisdiction are not
listed (`letters_for_user`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from credit_portal.models import User
from standing.models import StandingLetter
from standing.selectors import letters_for_user
from standing.services import letter_revoke


@admin.register(StandingLetter)
class StandingLetterAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "credit_code", "as_of", "expires_on", "issued_by", "revoked_at"]
    list_filter = [("as_of", admin.DateFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "credit_code", "name"]
    list_select_related = ["issued_by"]
    raw_id_fields = ["enterprise", "issued_by", "revoked_by"]
    readonly_fields = ["pdf_link"]
    actions = ["revoke"]

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: StandingLetter) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_pdf_url(), obj.code)

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = letters_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("standing.revoke_standingletter")

    @admin.action(description=_("Revoke (issued in error)"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[StandingLetter]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the admin requires a login
        done = 0
        for letter in queryset.filter(revoked_at__isnull=True):
            try:
                letter_revoke(
                    actor=user,
                    letter=letter,
                    reason=gettext("Revoked in the admin (issued in error)"),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                done += 1
        self.message_user(
            request, gettext("%(n)d letters revoked.") % {"n": done}, messages.SUCCESS
        )
