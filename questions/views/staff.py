"""Staff pages of questions (namespace "questions", under /questions/; issue 18 §4):

- questions/            the queue: open questions by due day, the overdue first, then the
                        rest newest first; filters (status, topic, party, flagged, words);
- questions/<id>/       one question: its text (escaped; links and markup flagged), its due
                        day, its answer, and the steps as forms (answer, assign, link to a
                        registered entity, close, move into the leads, publish in the FAQ);
- questions/<id>/act/   the steps (POST, one service each);
- questions/<id>/contact/  the asker's contact (POST, for answer_question: each reading
                        audited, as a lead's reporter is).

Access: a login (else the login page), the question through jurisdiction (the bureau's staff:
a 404 otherwise), then the codename (view_question to read; answer_question, publish_faq,
inspections.handle_lead to act: a 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.audit import audit_event_record, event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent, User
from credit_portal.permissions import StaffPermissionMixin
from enterprises.selectors import enterprise_list_for_user
from inspections.models import Lead
from inspections.views.leads import resolve_enterprise
from questions import audit_events as events
from questions import rules
from questions.forms import (
    AnswerForm,
    AssignForm,
    CloseForm,
    LinkForm,
    MoveForm,
    PublishForm,
    QueueFilterForm,
)
from questions.models import AnswerNotice, FaqEntry, Question
from questions.permissions import QuestionPerm
from questions.selectors import (
    overdue_count,
    question_due,
    question_for_user,
    question_queue,
    questions_for_user,
)
from questions.services import (
    faq_publish,
    faq_unpublish,
    question_answer,
    question_assign,
    question_close,
    question_link_enterprise,
    question_move_to_lead,
)
from remediation.views.common import ObjectScopedView, request_user

PAGE_SIZE = 30
Status = Question.Status
STATUS_TONES: dict[str, str] = {
    Status.NEW: "",
    Status.ANSWERED: "ok",
    Status.MOVED: "warn",
    Status.CLOSED: "muted",
}
LEAD_RECEIPT_KEY = "questions_lead_receipt"
FORMS = {
    "answer": AnswerForm,
    "assign": AssignForm,
    "close": CloseForm,
    "link": LinkForm,
    "move": MoveForm,
    "publish": PublishForm,
    "unpublish": None,
}


def _limits() -> dict[str, int]:
    return {"answer": rules.ANSWER_WORKING_DAYS}


def handler_choices() -> list[User]:
    """Colleagues who may take a question: active bureau staff who answer questions."""
    return list(
        User.objects.filter(is_active=True, staff_profile__department__is_bureau=True)
        .filter(
            Q(user_permissions__codename="answer_question")
            | Q(groups__permissions__codename="answer_question")
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")[:200]
    )


# --------------------------------------------------------------------------- queue


class QuestionQueueView(StaffPermissionMixin, View):
    permission_required = QuestionPerm.VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        form = QueueFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        flagged = {"yes": True, "no": False}.get(data.get("flagged", ""))
        queue = question_queue(
            user=user,
            status=data.get("status", ""),
            topic=data.get("topic", ""),
            party=data.get("party", ""),
            flagged=flagged,
            search=data.get("q", ""),
        )
        page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {"q": q, "due": question_due(q, today=today), "tone": STATUS_TONES.get(q.status, "")}
            for q in page.object_list
        ]
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "questions/staff/list.html",
            {
                "form": form,
                "rows": rows,
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(
                    1 for k in ("status", "topic", "party", "flagged", "q") if data.get(k)
                ),
                "overdue_count": overdue_count(user=user, today=today),
                "any_provisional": any(r["due"] and r["due"].provisional for r in rows),
                "limits": _limits(),
            },
        )


# --------------------------------------------------------------------------- one question


class _QuestionView(ObjectScopedView):
    permission_required: tuple[str, ...] = (QuestionPerm.VIEW,)
    question: Question

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.question = question_for_user(user=request_user(request), pk=pk)


def _events(question: Question) -> list[dict[str, Any]]:
    found = (
        AuditEvent.objects.filter(
            target_type=Question._meta.label_lower, target_id=str(question.pk)
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:50]
    )
    return [{"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in found]


def _context(
    request: HttpRequest,
    question: Question,
    *,
    bound: dict[str, Any] | None = None,
    contact: dict[str, str] | None = None,
) -> dict[str, Any]:
    user = request_user(request)
    today = timezone.localdate()
    bound = bound or {}
    can_answer = user.has_perm(QuestionPerm.ANSWER)
    lead_receipt = request.session.pop(LEAD_RECEIPT_KEY, None)
    if lead_receipt and lead_receipt.get("question") != question.pk:
        lead_receipt = None
    faq_entries = list(FaqEntry.objects.filter(source=question).order_by("-published_at", "-id"))
    return {
        "question": question,
        "tone": STATUS_TONES.get(question.status, ""),
        "due": question_due(question, today=today),
        "flags": rules.link_or_markup(
            " ".join((question.text, question.enterprise_name, question.name))
        ),
        "can_answer": can_answer,
        "can_publish": user.has_perm(QuestionPerm.PUBLISH_FAQ),
        "can_move": can_answer and user.has_perm("inspections.handle_lead"),
        "is_open": question.status == Status.NEW,
        "has_contact": bool(question.name or question.phone or question.email),
        "contact": contact,
        "handlers": handler_choices() if can_answer and question.status == Status.NEW else [],
        "close_reasons": Question.CloseReason.choices,
        "lead_kinds": [
            (Lead.Kind.REPORT, _("A report of a violation (举报)")),
            (Lead.Kind.COMPLAINT, _("A consumer complaint (投诉)")),
        ],
        "answer_form": bound.get("answer") or AnswerForm(initial={"answer": question.answer}),
        "close_form": bound.get("close") or CloseForm(),
        "move_form": bound.get("move")
        or MoveForm(
            initial={
                "subject_name": question.enterprise_name,
                "uscc": question.enterprise.uscc if question.enterprise else "",
            }
        ),
        "publish_form": bound.get("publish")
        or PublishForm(
            initial={
                "question_text": ""
                if question.flagged
                else question.text[: rules.FAQ_QUESTION_MAX],
                "answer": question.answer,
                "topic": question.topic,
                "order": 100,
            }
        ),
        "step_errors": [
            m
            for f in bound.values()
            if f is not None
            for errors in f.errors.values()
            for m in errors
        ],
        "faq_entries": faq_entries,
        "notice": AnswerNotice.objects.filter(question=question).first(),
        "in_faq": any(entry.is_published for entry in faq_entries),
        "events": _events(question),
        "lead_receipt": lead_receipt,
        "limits": _limits(),
    }


class QuestionDetailView(_QuestionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, "questions/staff/detail.html", _context(request, self.question))


class QuestionContactView(_QuestionView):
    """The asker's name and contact (POST: each reading is an audit event)."""

    permission_required = (QuestionPerm.VIEW, QuestionPerm.ANSWER)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        question = self.question
        with transaction.atomic():
            audit_event_record(
                actor=request_user(request),
                event_type=events.CONTACT_VIEWED,
                target=question,
                extra={"number": question.number},
            )
        contact = {"name": question.name, "phone": question.phone, "email": question.email}
        return render(
            request,
            "questions/staff/detail.html",
            _context(request, question, contact=contact),
        )


class QuestionActView(_QuestionView):
    """The steps: `action` names one, its form carries the fields and the version read."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        action = request.POST.get("action", "")
        if action not in FORMS:
            return render(
                request, "questions/staff/detail.html", _context(request, self.question), status=400
            )
        needs = {
            "publish": QuestionPerm.PUBLISH_FAQ,
            "unpublish": QuestionPerm.PUBLISH_FAQ,
        }.get(action, QuestionPerm.ANSWER)
        if not user.has_perm(needs) or (
            action == "move" and not user.has_perm("inspections.handle_lead")
        ):
            raise PermissionDenied
        if action == "unpublish":
            return self._unpublish(request, user)
        form_class = FORMS[action]
        assert form_class is not None  # noqa: S101 - unpublish handled above
        form = form_class(request.POST)
        status = 400
        if form.is_valid():
            try:
                done = self._step(request, user, action, form)
            except ConflictError as exc:
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(
                    form, exc, aliases={"enterprise": "uscc", "duplicate": "duplicate_of"}
                )
            else:
                if done is not None:
                    messages.success(request, done)
                    return redirect("questions:detail", pk=self.question.pk)
        fresh = question_for_user(user=user, pk=self.question.pk)
        return render(
            request,
            "questions/staff/detail.html",
            _context(request, fresh, bound={action: form}),
            status=status,
        )

    def _unpublish(self, request: HttpRequest, user: User) -> HttpResponse:
        entry = FaqEntry.objects.filter(
            pk=request.POST.get("entry") or 0, source=self.question
        ).first()
        version = request.POST.get("version", "")
        if entry is None or not version.isdigit():
            messages.error(request, _("Choose a published entry of this question."))
            return redirect("questions:detail", pk=self.question.pk)
        try:
            faq_unpublish(actor=user, entry=entry, expected_version=int(version))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The entry is taken off the FAQ."))
        return redirect("questions:detail", pk=self.question.pk)

    def _step(self, request: HttpRequest, user: User, action: str, form: Any) -> str | None:
        data = form.cleaned_data
        question, version = self.question, data["version"]
        if action == "answer":
            question_answer(
                actor=user, question=question, answer=data["answer"], expected_version=version
            )
            return _("The answer is saved. The asker reads it with the receipt code.")
        if action == "assign":
            handler = User.objects.filter(pk=data["handler"]).first()
            if handler is None:
                form.add_error("handler", _("Choose a colleague."))
                return None
            question_assign(
                actor=user, question=question, handler=handler, expected_version=version
            )
            return _("The question is assigned to %(who)s.") % {"who": handler}
        if action == "link":
            enterprise, problem = resolve_enterprise(
                code=data["uscc"], name="", queryset=enterprise_list_for_user(user=user)
            )
            if enterprise is None:
                form.add_error("uscc", problem or _("Enter the entity's credit code."))
                return None
            question_link_enterprise(
                actor=user, question=question, enterprise=enterprise, expected_version=version
            )
            return _("The question is linked to %(name)s.") % {"name": enterprise.name}
        if action == "close":
            duplicate = None
            number = (data["duplicate_of"] or "").strip()
            if number:
                duplicate = questions_for_user(user=user).filter(number=number).first()
                if duplicate is None:
                    form.add_error(
                        "duplicate_of", _("No question has the number %(n)s.") % {"n": number}
                    )
                    return None
            question_close(
                actor=user,
                question=question,
                reason=data["reason"],
                note=data["note"],
                duplicate_of=duplicate,
                expected_version=version,
            )
            return _("The question is closed.")
        if action == "move":
            enterprise = None
            if data["uscc"]:
                enterprise, problem = resolve_enterprise(
                    code=data["uscc"], name="", queryset=enterprise_list_for_user(user=user)
                )
                if enterprise is None:
                    form.add_error("uscc", problem or _("Enter the entity's credit code."))
                    return None
            anonymous = bool(data["anonymous"])
            given = any(data[k] for k in ("reporter_name", "reporter_phone", "reporter_email"))
            _q, lead, code = question_move_to_lead(
                actor=user,
                question=question,
                kind=data["kind"],
                subject_name=data["subject_name"],
                subject_address=data["subject_address"],
                enterprise=enterprise,
                anonymous=anonymous if (anonymous or given) else None,
                reporter_name=data["reporter_name"] if given else None,
                reporter_phone=data["reporter_phone"] if given else None,
                reporter_email=data["reporter_email"] if given else None,
                expected_version=version,
            )
            request.session[LEAD_RECEIPT_KEY] = {
                "question": question.pk,
                "number": lead.number,
                "code": code,
            }
            return _("Moved into the leads as %(number)s; its legal clock runs from %(day)s.") % {
                "number": lead.number,
                "day": lead.received_on.isoformat(),
            }
        # publish
        faq_publish(
            actor=user,
            source=question,
            question_text=data["question_text"],
            answer=data["answer"],
            topic=data["topic"],
            order=data["order"] if data["order"] is not None else 100,
            reviewed=bool(data["reviewed"]),
            expected_version=version,
        )
        return _("Published in the FAQ.")


staff_urlpatterns = [
    path("", QuestionQueueView.as_view(), name="list"),
    path("<int:pk>/", QuestionDetailView.as_view(), name="detail"),
    path("<int:pk>/act/", QuestionActView.as_view(), name="act"),
    path("<int:pk>/contact/", QuestionContactView.as_view(), name="contact"),
]
