"""Admin of questions and the FAQ: read-only. Questions are answered, closed, moved and
published on the staff pages and through the API, by the services, which write the audit log.
The asker's name, phone and email and the digests are not shown here (nor searchable): staff
read the contact on the question's own page, where each reading is audited. The one write is
an action that takes FAQ entries off the public FAQ, through `faq_unpublish`; an entry's
wording is edited on its staff page (linked), through `faq_edit`. Rows outside the
user's jurisdiction (`questions_for_user`: the bureau's) are not listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import ReadOnlyAdmin
from questions.models import AnswerNotice, FaqEntry, Question
from questions.selectors import questions_for_user
from questions.services import faq_unpublish
from questions.services.questions import answers_questions

PRIVATE_FIELDS = ("name", "phone", "email", "receipt_digest", "client_digest", "contact_digest")


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["number", "asked_on", "party", "topic", "status", "flagged", "due_on", "lead"]
    list_filter = ["status", "topic", "party", "flagged", ("asked_on", admin.DateFieldListFilter)]
    search_fields = ["number", "enterprise_name", "enterprise__uscc"]
    list_select_related = ["lead"]
    raw_id_fields = ["enterprise", "handler", "answered_by", "duplicate_of", "lead"]
    exclude = PRIVATE_FIELDS
    readonly_fields = ["staff_page", "version"]

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: Question) -> str:
        url = reverse("questions:detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        visible = questions_for_user(user=user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)


@admin.register(FaqEntry)
class FaqEntryAdmin(ReadOnlyAdmin):
    list_display = ["question", "topic", "order", "published_at", "unpublished_at", "source"]
    list_filter = ["topic", ("unpublished_at", admin.EmptyFieldListFilter)]
    search_fields = ["question", "answer"]
    list_select_related = ["source"]
    raw_id_fields = ["source", "published_by", "unpublished_by"]
    readonly_fields = ["staff_page", "version"]
    actions = ["unpublish"]

    @admin.display(description=_("staff page (edit the wording)"))
    def staff_page(self, obj: FaqEntry) -> str:
        url = reverse("questions:faq_entry", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        qs = super().get_queryset(request)
        return qs if answers_questions(user) else qs.none()

    @admin.action(description=_("Take the chosen entries off the FAQ"), permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: Any) -> None:
        user: Any = request.user
        done = 0
        for entry in queryset.filter(unpublished_at__isnull=True):
            try:
                faq_unpublish(actor=user, entry=entry, expected_version=entry.version)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return
            done += 1
        self.message_user(request, _("%(n)d entries taken off the FAQ.") % {"n": done})

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("questions.publish_faq"))


@admin.register(AnswerNotice)
class AnswerNoticeAdmin(ReadOnlyAdmin):
    """The outbox of the e-mails telling askers of the answer (read-only; never the address)."""

    list_display = ["question", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["question"]
    raw_id_fields = ["question"]
    search_fields = ["question__number"]

    def get_queryset(self, request: HttpRequest) -> Any:
        user: Any = request.user
        qs = super().get_queryset(request)
        return qs if answers_questions(user) else qs.none()
