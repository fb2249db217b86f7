"""`{% me_directory enterprise as d %}`: the enterprise's running directory cases for its home
page (templates/me/home.html): those pending listing with their buffer deadline, and the
listings (marks) in force with what to do. Two queries at most, one when there is none."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from enterprises.models import Enterprise
from remediation.models import DirectoryCase

register = template.Library()


@register.simple_tag
def me_directory(enterprise: Enterprise) -> dict[str, Any]:
    from remediation.selectors.directory import cases_for_enterprise
    from remediation.views.directory import case_due, removal_due_on

    today = timezone.localdate()
    state = DirectoryCase.State
    cases = list(
        cases_for_enterprise(enterprise=enterprise).filter(state__in=[state.PENDING, state.LISTED])
    )
    rows: list[dict[str, Any]] = [
        {"case": c, "due": case_due(c, today), "removal_due": removal_due_on(c)} for c in cases
    ]
    return {
        "pending": [r for r in rows if r["case"].state == state.PENDING],
        "listed": [r for r in rows if r["case"].state == state.LISTED],
    }
