"""Plans at a glance (issue 17 §7), `/inspections/` (`inspections:glance`): for a chosen year,
each plan's progress (drawn, inspected, reviewed, published, overdue), the year's totals, the
share of inspections that found problems per stratum ("does the class predict?") and the
control draw's result beside the random draws' (`inspections.selectors.glance`). Needs
`view_samplingplan`; the shares per class need `enterprises.view_risk` too (classes are
internal, docs/domain.md §1)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views import View

from credit_portal.permissions import StaffPermissionMixin
from inspections import rules
from inspections.permissions import InspectionPerm
from inspections.selectors.glance import glance as glance_of
from inspections.views.draws import request_user


class GlanceView(StaffPermissionMixin, View):
    permission_required = (InspectionPerm.VIEW_PLAN,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None
        data = glance_of(user=user, year=year, today=timezone.localdate())
        return render(
            request,
            "inspections/glance/glance.html",
            {
                "g": data,
                "minimum_percent": rules.YEARLY_MINIMUM_PERCENT,
                "sees_classes": user.has_perm("enterprises.view_risk"),
                "can_draw": user.has_perm(InspectionPerm.VIEW_DRAW),
            },
        )


glance = GlanceView.as_view()

staff_urlpatterns: list = [path("", glance, name="glance")]
public_urlpatterns: list = []
me_urlpatterns: list = []
