"""Pages of the serious illegal and dishonest list (docs/domain.md §3 "The 3-year rule", §5).

Staff (namespace "remediation", under /remediation/):
- serious/               the list: entries in force first by the end of their term, the bar on
                         each legal representative, the 3-year marks of the next 60 days, and a
                         warning for bars without an identity number (they match nobody);
- serious/<id>/          one entry: its listing, term, bar, history; revoke (found wrongful).

Enterprise (namespace "me-remediation", under /me/):
- serious/               its serious listings (term, early repair from, the bar), and its
                         directory listings with the day their 3 years are complete and the
                         reminder ("serious").
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.audit import event_label, event_summary
from credit_portal.dates import add_years
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent
from credit_portal.permissions import StaffPermissionMixin
from enterprises.selectors.accounts import member_enterprise
from remediation import rules
from remediation.forms.serious import SeriousFilterForm, SeriousRevokeForm
from remediation.models import SeriousListing
from remediation.permissions import RemediationPerm
from remediation.selectors.serious import (
    bars_missing,
    bars_of,
    enterprise_serious,
    marks_coming,
    serious_list,
    serious_one_for_user,
)
from remediation.services.serious import serious_revoke, serious_term_years
from remediation.views.common import ObjectScopedView, request_user

PAGE_SIZE = 30
STATE_TONES: dict[str, str] = {
    SeriousListing.State.LISTED: "bad",
    SeriousListing.State.EXPIRED: "muted",
    SeriousListing.State.REPAIRED: "ok",
    SeriousListing.State.REVOKED: "ok",
}


def _limits() -> dict[str, Any]:
    from enterprises.rules import SERIOUS_REPAIR_AFTER_YEARS

    return {
        "after_years": rules.SERIOUS_AFTER_YEARS,
        "reminder_days": rules.SERIOUS_REMINDER_DAYS,
        "listing_days": rules.SERIOUS_LISTING_WORKING_DAYS,
        "term_years": serious_term_years(),
        "bar_years": rules.REPRESENTATIVE_BAR_YEARS,
        "repair_years": SERIOUS_REPAIR_AFTER_YEARS,
    }


class SeriousListView(StaffPermissionMixin, View):
    permission_required = RemediationPerm.VIEW_SERIOUS

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        today = timezone.localdate()
        form = SeriousFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        page = Paginator(
            serious_list(user=user, state=data.get("state", ""), search=data.get("q", "")),
            PAGE_SIZE,
        ).get_page(request.GET.get("page"))
        entries = list(page.object_list)
        bars = bars_of(entries)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "remediation/serious/list.html",
            {
                "form": form,
                "rows": [
                    {"s": s, "bar": bars.get(s.pk), "tone": STATE_TONES.get(s.state, "")}
                    for s in entries
                ],
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(1 for k in ("state", "q") if data.get(k)),
                "marks": list(marks_coming(user=user, today=today)[:200]),
                "missing": list(bars_missing(user=user)[:200]),
                "limits": _limits(),
                "today": today,
            },
        )


class _SeriousView(ObjectScopedView):
    permission_required: tuple[str, ...] = (RemediationPerm.VIEW_SERIOUS,)
    serious: SeriousListing

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.serious = serious_one_for_user(user=request_user(request), pk=pk)


def _detail(request: HttpRequest, serious: SeriousListing, form: Any, status: int = 200) -> Any:
    events = AuditEvent.objects.filter(
        target_type=SeriousListing._meta.label_lower, target_id=str(serious.pk)
    ).order_by("-occurred_at", "-id")[:50]
    return render(
        request,
        "remediation/serious/detail.html",
        {
            "s": serious,
            "bar": bars_of([serious]).get(serious.pk),
            "repair_from": add_years(serious.listed_on, _limits()["repair_years"]),
            "tone": STATE_TONES.get(serious.state, ""),
            "form": form,
            "can_revoke": request.user.has_perm(RemediationPerm.DECIDE_OBJECTION)
            and serious.state == SeriousListing.State.LISTED,
            "events": [
                {"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in events
            ],
            "limits": _limits(),
            "today": timezone.localdate(),
        },
        status=status,
    )


class SeriousDetailView(_SeriousView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(
            request, self.serious, SeriousRevokeForm(initial={"version": self.serious.version})
        )


class SeriousRevokeView(_SeriousView):
    permission_required = (RemediationPerm.VIEW_SERIOUS, RemediationPerm.DECIDE_OBJECTION)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = SeriousRevokeForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                serious_revoke(
                    actor=request_user(request),
                    serious=self.serious,
                    reasons=form.cleaned_data["reasons"],
                    expected_version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                fresh = request.POST.copy()
                fresh["version"] = str(exc.current_version)
                form = SeriousRevokeForm(fresh)
                form.is_valid()
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("The serious listing is revoked; the legal representative's bar is lifted."),
                )
                return redirect("remediation:serious_detail", pk=pk)
        serious = serious_one_for_user(user=request_user(request), pk=pk)
        return _detail(request, serious, form, status)


@login_required
def me_serious(request: HttpRequest) -> HttpResponse:
    """The enterprise's serious listings and the 3-year marks of its directory listings."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    view = enterprise_serious(enterprise=enterprise)
    today = timezone.localdate()
    return render(
        request,
        "remediation/serious/me.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "listings": [
                {
                    "s": s,
                    "repair_from": view.repair_from.get(s.pk),
                    "repair_now": s.state == SeriousListing.State.LISTED
                    and view.repair_from.get(s.pk) is not None
                    and view.repair_from[s.pk] <= today,
                    "bar": view.bars.get(s.pk),
                    "tone": STATE_TONES.get(s.state, ""),
                }
                for s in view.listings
            ],
            "marks": view.marks,
            "limits": _limits(),
            "today": today,
        },
    )


staff_urlpatterns = [
    path("serious/", SeriousListView.as_view(), name="serious_list"),
    path("serious/<int:pk>/", SeriousDetailView.as_view(), name="serious_detail"),
    path("serious/<int:pk>/revoke/", SeriousRevokeView.as_view(), name="serious_revoke"),
]
me_urlpatterns = [
    path("serious/", me_serious, name="serious"),
]
