"""Staff pages of the FAQ (namespace "questions", under /questions/faq/; docs/domain.md §10
"Enquiries"):

- questions/faq/        every entry, published first (topic, order), then those taken off;
                        filters (published, topic, words);
- questions/faq/<id>/   one entry: its wording as the public reads it (escaped), its source
                        question, its history (published, each edit with before and after,
                        taken off); for publishers, the wording edited in place
                        (`faq_edit`) and the entry taken off (`faq_unpublish`).

Access: a login, the entry through the questions' jurisdiction (the bureau's staff: a 404
otherwise), view_faqentry to read, publish_faq to act (a 403). A save from a page read before
someone else's keeps what this user typed, shows the saved wording beside it, names both
versions and moves the hidden version on (a 409): saving again is then deliberate.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent
from credit_portal.permissions import StaffPermissionMixin
from questions import audit_events as events
from questions.forms import FaqEditForm, FaqFilterForm
from questions.models import FaqEntry, Topic
from questions.permissions import QuestionPerm
from questions.selectors import faq_entries_for_user, faq_entry_for_user
from questions.services import faq_edit, faq_unpublish
from remediation.views.common import ObjectScopedView, request_user

PAGE_SIZE = 50
# The fields a conflict compares (the form's name, the entry's attribute).
_COMPARED = (
    ("question_text", "question"),
    ("answer", "answer"),
    ("topic", "topic"),
    ("order", "order"),
)


class FaqListView(StaffPermissionMixin, View):
    permission_required = QuestionPerm.VIEW_FAQ

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        form = FaqFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        published = {"yes": True, "no": False}.get(data.get("published", ""))
        entries = faq_entries_for_user(
            user=user, published=published, topic=data.get("topic", ""), search=data.get("q", "")
        )
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "questions/staff/faq_list.html",
            {
                "form": form,
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(1 for k in ("q", "topic", "published") if data.get(k)),
                "can_publish": user.has_perm(QuestionPerm.PUBLISH_FAQ),
            },
        )


def _field_label(field: str) -> str:
    labels = {
        "question": _("Question as published"),
        "answer": _("Answer as published"),
        "topic": _("Topic"),
        "order": _("Order within the topic"),
    }
    return labels.get(field, field)


def _shown(field: str, value: Any) -> Any:
    if field == "topic":
        return dict(Topic.choices).get(value, value)
    return value


def _history(entry: FaqEntry) -> list[dict[str, Any]]:
    found = (
        AuditEvent.objects.filter(target_type=FaqEntry._meta.label_lower, target_id=str(entry.pk))
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:50]
    )
    rows = []
    for event in found:
        extra = event.extra or {}
        changes = []
        if event.event_type == events.FAQ_EDITED:
            before, after = extra.get("before") or {}, extra.get("after") or {}
            changes = [
                {
                    "field": _field_label(field),
                    "before": _shown(field, before.get(field)),
                    "after": _shown(field, after.get(field)),
                }
                for field in extra.get("changed") or []
            ]
        rows.append(
            {
                "event": event,
                "label": event_label(event.event_type),
                "changes": changes,
                **event_summary(event),
            }
        )
    return rows


class FaqEntryView(ObjectScopedView):
    """One entry (GET); its steps (POST `action`: "edit" or "unpublish")."""

    permission_required = (QuestionPerm.VIEW_FAQ,)
    entry: FaqEntry

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.entry = faq_entry_for_user(user=request_user(request), pk=pk)

    def _render(
        self,
        request: HttpRequest,
        *,
        form: FaqEditForm | None = None,
        status: int = 200,
        differences: list[dict[str, Any]] | None = None,
    ) -> HttpResponse:
        entry = self.entry
        user = request_user(request)
        if form is None:
            form = FaqEditForm(
                initial={
                    "version": entry.version,
                    "question_text": entry.question,
                    "answer": entry.answer,
                    "topic": entry.topic,
                    "order": entry.order,
                }
            )
        return render(
            request,
            "questions/staff/faq_entry.html",
            {
                "entry": entry,
                "source": entry.source,
                "flagged_source": bool(entry.source is not None and entry.source.flagged),
                "can_publish": user.has_perm(QuestionPerm.PUBLISH_FAQ),
                "form": form,
                "differences": differences or [],
                "history": _history(entry),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        if not user.has_perm(QuestionPerm.PUBLISH_FAQ):
            raise PermissionDenied
        action = request.POST.get("action", "")
        if action == "unpublish":
            return self._unpublish(request)
        if action != "edit":
            return self._render(request, status=400)
        form = FaqEditForm(request.POST)
        if not form.is_valid():
            return self._render(request, form=form, status=400)
        data = form.cleaned_data
        try:
            faq_edit(
                actor=user,
                entry=self.entry,
                expected_version=data["version"],
                question_text=data["question_text"],
                answer=data["answer"],
                topic=data["topic"],
                order=data["order"],
                reviewed=bool(data["reviewed"]),
            )
        except ConflictError as exc:
            return self._conflict(request, form, exc)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form=form, status=400)
        messages.success(request, _("The FAQ entry is saved: the public reads the new wording."))
        return redirect("questions:faq_entry", pk=self.entry.pk)

    def _conflict(
        self, request: HttpRequest, form: FaqEditForm, exc: ConflictError
    ) -> HttpResponse:
        """Keep what this user typed, show the saved wording where it differs, and move the
        hidden version on to the saved one."""
        current = faq_entry_for_user(user=request_user(request), pk=self.entry.pk)
        differences = [
            {
                "label": form.fields[name].label,
                "saved": getattr(current, attr),
                "yours": form.cleaned_data.get(name),
            }
            for name, attr in _COMPARED
            if str(getattr(current, attr)).strip() != str(form.cleaned_data.get(name)).strip()
        ]
        data = request.POST.copy()
        data["version"] = str(current.version)
        fresh = FaqEditForm(data)
        fresh.is_valid()
        form_errors_from(fresh, exc)
        self.entry = current
        return self._render(request, form=fresh, status=409, differences=differences)

    def _unpublish(self, request: HttpRequest) -> HttpResponse:
        version = request.POST.get("version", "")
        if not version.isdigit():
            return self._render(request, status=400)
        try:
            faq_unpublish(
                actor=request_user(request), entry=self.entry, expected_version=int(version)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The entry is taken off the FAQ."))
        return redirect("questions:faq_entry", pk=self.entry.pk)


faq_urlpatterns = [
    path("faq/", FaqListView.as_view(), name="faq_list"),
    path("faq/<int:pk>/", FaqEntryView.as_view(), name="faq_entry"),
]
