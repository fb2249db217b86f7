"""The bureau's dashboard, `/dashboard/` (`dashboard:index`; issue 18 §1).

For a chosen year (``?year=``, default this year) and street (``?street=``, default every
street): the seed's figures in its three sections, each a tile with value, unit and label that
links to the list behind it, and the charts of the breakdowns (class distribution and its moves,
problems found per class, the buffer funnel, decisions by leniency, deadlines met and missed).

Everything is read from the tallies through `dashboard.selectors.dashboard_for` (a constant
number of queries, no recount of the register), the same object the API and the yearly report
read. Needs `dashboard.view_dashboard` (anonymous: the login page; without it: 403); bureau
staff read the district, a partner department's staff their own department's share. A year
that is not a year, or out of range, is a form error (400) naming the limits; a year with no
figures shows zeros.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin
from dashboard.forms import DashboardFilterForm
from dashboard.models import TallyYear
from dashboard.selectors import dashboard_for, departments_read
from dashboard.views.present import PageBuilder

VIEW_DASHBOARD = "dashboard.view_dashboard"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the permission mixin ran first
    return user


def year_choices() -> list[int]:
    """The years with figures, this year and the last (newest first; one query)."""
    this_year = timezone.localdate().year
    years = set(TallyYear.objects.values_list("year", flat=True))
    return sorted(years | {this_year, this_year - 1}, reverse=True)


def _report_urls(year: int) -> dict[str, str]:
    """The yearly report's files (PDF, Word), when the report is installed (dashboard.report)."""
    out = {}
    for kind in ("pdf", "docx"):
        try:
            out[kind] = reverse(f"dashboard:report_{kind}", args=[year])
        except NoReverseMatch:
            continue
    return out


class DashboardView(StaffPermissionMixin, View):
    permission_required = (VIEW_DASHBOARD,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        form = DashboardFilterForm(request.GET or None)
        context: dict[str, Any] = {"form": form, "years": year_choices()}
        if request.GET and not form.is_valid():
            context["year"] = timezone.localdate().year
            return render(request, "dashboard/index.html", context, status=400)
        data = form.cleaned_data if request.GET else {}
        year = data.get("year") or timezone.localdate().year
        street = data.get("street") or ""
        d = dashboard_for(user=user, year=year, street=street)
        context.update(
            {
                "d": d,
                "year": year,
                "sections": PageBuilder(d).sections(),
                "departments": [] if d.is_district else departments_read(user=user),
                "report_urls": _report_urls(year),
                "unknown_street": bool(street) and street not in d.streets,
            }
        )
        return render(request, "dashboard/index.html", context)


index = DashboardView.as_view()
