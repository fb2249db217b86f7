"""The enterprise's credit station page, `/me/station/` (issue 18 §3): the state at a glance,
what weighs and how to end it sooner, the credit, policy and finance boosts. One selector
(`station.selectors.station_for`) gives the page and the API the same object."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from station.selectors import station_for


@login_required
def me_station(request: HttpRequest) -> HttpResponse:
    """The enterprise user's own station (its own enterprise only; anyone else: 403)."""
    user = request.user
    station = station_for(user=user, today=timezone.localdate())
    return render(
        request,
        "station/me.html",
        {
            "station": station,
            "enterprise": station.enterprise,
            "membership": getattr(user, "enterprise_membership", None),
        },
    )
