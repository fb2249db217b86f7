"""The enterprise's own inspections, once published (issue 17 §8), `/me/inspections/`
(`me-inspections:inspections`): each with the day of the check, the items checked with their
checklists and results, the result codes, the findings and the publication; nothing before
publication, nothing of another enterprise (`inspections.selectors.inspections.own_published`).
The inspectors' names stay out: the enterprise sees the departments that checked it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from credit_portal.models import User
from enterprises.selectors.accounts import member_enterprise
from inspections import rules
from inspections.selectors.inspections import own_published, rows_with_details


@login_required
def me_inspections(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required ran first
    enterprise = member_enterprise(user=user)
    rows = list(own_published(user=user)[:200])
    details = rows_with_details(rows)
    return render(
        request,
        "inspections/work/me_list.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "rows": [
                {
                    "i": i,
                    "groups": details[i.pk]["groups"],
                    "codes": [(c, rules.RESULT_CODES.get(c, c)) for c in i.result_codes or []],
                }
                for i in rows
            ],
        },
    )


staff_urlpatterns: list = []
public_urlpatterns: list = []
me_urlpatterns = [
    path("inspections/", me_inspections, name="inspections"),
]
