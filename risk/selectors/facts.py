"""What weighs on an enterprise, as its own self-service page and the API's /me/credit-risk/
show it: how each of its facts could end sooner than its window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from enterprises.kinds import Effect, kind_get, kind_repair_advice


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def sooner(record: Any, today: dt.date) -> dict[str, Any] | None:
    """How the enterprise could end a fact sooner than its window: a removal from the
    abnormal directory, an early removal from the serious list, a credit repair (from when, as
    the app that repairs that kind advises), or None when nothing ends it early here."""
    kind = kind_get(record.kind)
    effect = kind.effect if kind is not None else None
    if effect == Effect.ABNORMAL:
        return {
            "text": _("Cure the cause and apply for removal from the abnormal directory."),
            "url": _url("me-remediation:listings"),
            "link": _("Abnormal operations"),
        }
    if effect == Effect.SERIOUS:
        return {
            "text": _(
                "Once the causes are cured, an early removal by credit repair may be possible."
            ),
            "url": _url("me-remediation:serious"),
            "link": _("Serious list"),
        }
    advice = kind_repair_advice(record, today)
    if advice is None:
        return None
    if advice.elsewhere:
        return {
            "text": _(
                "Decided by another department: its credit repair is applied for on Credit "
                "China (信用中国)."
            ),
            "url": None,
            "link": "",
        }
    if advice.outside_repair or advice.earliest_on is None:
        return None
    if advice.earliest_on <= today:
        text = _("You may apply for credit repair now.")
    else:
        text = _("You may apply for credit repair from %(day)s.") % {
            "day": advice.earliest_on.isoformat()
        }
    return {"text": text, "url": _url("me-remediation:repairs"), "link": _("Credit repair")}


def own_not_classified(enterprise: Any) -> dict[str, Any] | None:
    """Why an enterprise's own page shows no credit-risk class, in plain words, and what it
    can read instead (links to its own pages that exist); None when it is classified by the
    rules of `risk.rules` (docs/domain.md §1 "Who is classified")."""
    from risk import rules

    if enterprise.entity_type not in rules.classified_types():
        text = _(
            "Individual businesses are not classified by credit risk: the bureau classifies "
            "companies, partnerships, sole proprietorships and farmers' co-operatives, and "
            "individual businesses only if it decides to. In random inspections, individual "
            "businesses are drawn as a group of their own, not by a class."
        )
    elif enterprise.status not in rules.CLASSIFIED_STATUSES:
        text = _(
            "Your enterprise is not classified by credit risk: only entities that are operating "
            "or suspended are."
        )
    else:
        return None
    instead = [
        (name, label)
        for name, label in (
            ("me:records", _("Your credit record: every fact the bureau keeps about you")),
            ("station:me", _("The credit station: what weighs on your credit and how to end it")),
            ("me-inspections:inspections", _("Your published inspection results")),
        )
        if _url(name) is not None
    ]
    return {
        "text": text,
        "instead": [{"url": _url(name), "label": label} for name, label in instead],
    }
