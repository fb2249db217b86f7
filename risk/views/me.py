"""The enterprise's own credit risk (issue 16 §3; docs/domain.md §1 "Visibility"),
`/me/credit-risk/`: which of its own facts weigh on it, when each stops weighing, and what would
end it sooner (a credit repair, a removal from the directory: links to the self-service pages
that do it). Its class and score, each fact's points and what ending a fact would change only
where the bureau shows classes to enterprises (`risk.rules.show_class_to_enterprises()`, off
by default: then none of them appears anywhere on the page), as the API (`risk.api.me`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from enterprises.selectors.accounts import member_enterprise
from risk import explain, rules
from risk.selectors import current_for, own_not_classified, sooner
from risk.views.common import request_user


@login_required
def me_credit_risk(request: HttpRequest) -> HttpResponse:
    """The enterprise user's own credit risk page (its own enterprise only)."""
    enterprise = member_enterprise(user=request_user(request))
    today = timezone.localdate()
    show_class = rules.show_class_to_enterprises()
    facts = explain.weighing_facts(enterprise, on=today)
    changes = explain.what_would_change(enterprise, on=today) if show_class else []
    return render(
        request,
        "me/risk.html",
        {
            "enterprise": enterprise,
            "membership": request_user(request).enterprise_membership,
            "show_class": show_class,
            "current": current_for(enterprise) if show_class else None,
            "facts": [{"f": f, "sooner": sooner(f.record, today)} for f in facts],
            "changes": changes,
            "today": today,
            # Not classified (an individual business, unless the bureau turns it on; an entity
            # no longer operating): said plainly, with what to read instead.
            "not_classified": own_not_classified(enterprise),
        },
    )
