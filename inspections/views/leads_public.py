"""Public pages of leads, no login (namespace "inspections-public"; docs/domain.md §10):

- leads/new/        the form for a report of a violation (举报) or a consumer complaint (投诉);
- leads/received/   the receipt: the lead's number and its receipt code, shown once;
- leads/status/     a receipt code shows the lead's status and its dates (POST: the code stays
                    out of addresses and logs).

What the status page shows: the number, kind, day received, status, the day the next step is
due, the decision (case opened or not), acceptance or refusal (with the reason), the end of the
mediation. Never who handles it, nor anything about the reporter or the business.

Throttled per client address like the public lookup (`credit_portal.throttling`); CSRF as every
form. The lead is received from the public: `lead_create` without a staff actor.
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
from credit_portal.throttling import public_throttle
from enterprises.models import Enterprise
from enterprises.uscc import normalize, uscc_problems
from inspections import rules
from inspections.forms.leads import PublicLeadForm, ReceiptForm
from inspections.models import Lead
from inspections.selectors.leads import lead_by_receipt, lead_due
from inspections.services.leads import lead_create
from inspections.views.leads import resolve_enterprise

RECEIPT_SESSION_KEY = "inspections_lead_receipt"


def _limits() -> dict[str, int]:
    return {
        "verify": rules.REPORT_VERIFY_WORKING_DAYS,
        "notify": rules.REPORT_NOTIFY_WORKING_DAYS,
        "accept": rules.COMPLAINT_ACCEPT_WORKING_DAYS,
        "mediation": rules.COMPLAINT_MEDIATION_WORKING_DAYS,
    }


@require_http_methods(["GET", "POST"])
@never_cache
@public_throttle
def lead_public_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = PublicLeadForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            code = data["uscc"].strip()
            problems = uscc_problems(normalize(code)) if code else []
            if problems:
                form.add_error(
                    "uscc", _("This is not a valid credit code: check it on the licence.")
                )
            else:
                enterprise, _problem = resolve_enterprise(
                    code=code, name=data["subject_name"], queryset=Enterprise.objects.all()
                )
                try:
                    lead, receipt = lead_create(
                        actor=None,
                        kind=data["kind"],
                        channel=Lead.Channel.WEB,
                        received_on=timezone.localdate(),
                        subject_name=data["subject_name"],
                        subject_address=data["subject_address"],
                        content=data["content"],
                        enterprise=enterprise,
                        anonymous=data["anonymous"],
                        reporter_name=data["reporter_name"],
                        reporter_phone=data["reporter_phone"],
                        reporter_email=data["reporter_email"],
                    )
                except ValidationError as exc:
                    form_errors_from(form, exc)
                else:
                    request.session[RECEIPT_SESSION_KEY] = {
                        "number": lead.number,
                        "code": receipt,
                        "kind": lead.kind,
                    }
                    return redirect("inspections-public:lead_received")
    else:
        form = PublicLeadForm()
    return render(
        request,
        "inspections/leads/public_new.html",
        {"form": form, "limits": _limits()},
        status=status,
    )


@require_safe
@never_cache
@public_throttle
def lead_public_received(request: HttpRequest) -> HttpResponse:
    """The receipt code, once: it leaves the session as it is shown."""
    receipt: dict[str, Any] | None = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not receipt:
        return redirect("inspections-public:lead_status")
    return render(
        request,
        "inspections/leads/public_received.html",
        {
            "receipt": receipt,
            "is_complaint": receipt.get("kind") == Lead.Kind.COMPLAINT,
            "limits": _limits(),
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
@public_throttle
def lead_public_status(request: HttpRequest) -> HttpResponse:
    lead = None
    status = 200
    if request.method == "POST":
        form = ReceiptForm(request.POST)
        if form.is_valid():
            lead = lead_by_receipt(form.cleaned_data["code"])
            if lead is None:
                form.add_error("code", _("No report or complaint has this receipt code."))
                status = 404
        else:
            status = 400
    else:
        form = ReceiptForm()
    today = timezone.localdate()
    return render(
        request,
        "inspections/leads/public_status.html",
        {
            "form": form,
            "lead": lead,
            "due": lead_due(lead, today=today) if lead is not None else None,
            "limits": _limits(),
        },
        status=status,
    )


staff_urlpatterns: list = []
public_urlpatterns = [
    path("leads/new/", lead_public_new, name="lead_new"),
    path("leads/received/", lead_public_received, name="lead_received"),
    path("leads/status/", lead_public_status, name="lead_status"),
]
me_urlpatterns: list = []
