"""Public pages of questions, no login (namespace "questions-public"; issue 18 §4):

- questions/new/        ask a question (咨询): who asks, about what, the question, an optional
                        contact; captcha-free abuse limits (`questions.rules`): a honeypot, a
                        signed minimum fill time, limits per address and contact (a 429);
- questions/received/   the receipt: the number and the receipt code, shown once;
- questions/status/     a receipt code shows the status, the due day and the answer (POST: the
                        code stays out of addresses and logs); for a message moved into the
                        leads, the lead's number and its status;
- faq/                  the published FAQ grouped by topic, searchable.

Never shown: the asker's name or contact, who handles it. Every text is escaped (autoescape):
a question with `<script>` shows `&lt;script&gt;`. Throttled per client address like every
public page (`credit_portal.throttling`), on top of the question's own limits.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from credit_portal.forms import form_errors_from
from credit_portal.middleware import client_ip_from_request
from credit_portal.throttling import public_throttle
from inspections.selectors.leads import lead_due
from questions import rules
from questions.forms import AskForm, FaqSearchForm, ReceiptForm
from questions.models import Question
from questions.selectors import faq_grouped, question_by_receipt, question_due
from questions.services import AskLimitError, question_ask
from questions.services.abuse import form_token_new, form_token_problem

RECEIPT_SESSION_KEY = "questions_receipt"


def _limits() -> dict[str, int]:
    return {"answer": rules.ANSWER_WORKING_DAYS}


def _started(form: AskForm | None) -> str:
    """The signed time to put in the form shown: the one sent back when it is good or only too
    recent (sending again later passes), else a new one."""
    token = form.data.get("started", "") if form is not None else ""
    problem = form_token_problem(token) if token else ("", "")
    if problem is None or problem[0] == "too_fast":
        return str(token)
    return form_token_new()


@require_http_methods(["GET", "POST"])
@never_cache
@public_throttle
def question_new(request: HttpRequest) -> HttpResponse:
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        form = AskForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                question, code = question_ask(
                    party=data["party"],
                    topic=data["topic"],
                    text=data["text"],
                    enterprise_name=data["enterprise_name"],
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    client_address=client_ip_from_request(request),
                    form_token=data["started"] or "",
                    honeypot=data["website"],
                )
            except AskLimitError as exc:
                form.add_error(None, exc)
                status = 429
                headers["Retry-After"] = str(exc.retry_after)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                request.session[RECEIPT_SESSION_KEY] = {"number": question.number, "code": code}
                return redirect("questions-public:received")
    else:
        form = AskForm()
    response = render(
        request,
        "questions/public/new.html",
        {"form": form, "started": _started(form if form.is_bound else None), "limits": _limits()},
        status=status,
    )
    for key, value in headers.items():
        response[key] = value
    return response


@require_safe
@never_cache
@public_throttle
def question_received(request: HttpRequest) -> HttpResponse:
    """The receipt code, once: it leaves the session as it is shown."""
    receipt: dict[str, Any] | None = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not receipt:
        return redirect("questions-public:status")
    return render(
        request, "questions/public/received.html", {"receipt": receipt, "limits": _limits()}
    )


@require_http_methods(["GET", "POST"])
@never_cache
@public_throttle
def question_status(request: HttpRequest) -> HttpResponse:
    question: Question | None = None
    status = 200
    if request.method == "POST":
        form = ReceiptForm(request.POST)
        if form.is_valid():
            question = question_by_receipt(form.cleaned_data["code"])
            if question is None:
                form.add_error(
                    "code", _("No question has this receipt code. Check it and try again.")
                )
                status = 404
        else:
            status = 400
    else:
        form = ReceiptForm()
    today = timezone.localdate()
    lead = question.lead if question is not None else None
    return render(
        request,
        "questions/public/status.html",
        {
            "form": form,
            "question": question,
            "due": question_due(question, today=today) if question is not None else None,
            "lead": lead,
            "lead_due": lead_due(lead, today=today) if lead is not None else None,
            "limits": _limits(),
        },
        status=status,
    )


@require_safe
@public_throttle
def faq(request: HttpRequest) -> HttpResponse:
    form = FaqSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    groups = faq_grouped(topic=data.get("topic", ""), search=data.get("q", ""))
    return render(
        request,
        "questions/public/faq.html",
        {
            "form": form,
            "groups": groups,
            "searching": bool(data.get("q") or data.get("topic")),
        },
    )


public_urlpatterns = [
    path("questions/new/", question_new, name="new"),
    path("questions/received/", question_received, name="received"),
    path("questions/status/", question_status, name="status"),
    path("faq/", faq, name="faq"),
]
