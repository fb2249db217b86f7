"""The register's panel on the staff workbench (credit_portal's home page): the figures of the
register within the user's jurisdiction, each a link to the list filtered to it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from django import template
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from enterprises.filters import EnterpriseFilter
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import register_count
from enterprises.selectors.counts import Accuracy, RegisterCount

logger = logging.getLogger(__name__)
register = template.Library()

FIGURES_TTL = 300  # seconds: the figures are counted at most every 5 minutes per user


@register.inclusion_tag("enterprises/_workbench_figures.html", takes_context=True)
def register_panel(context: dict[str, Any]) -> dict[str, Any]:
    """Each figure is the count of the register list its link opens, by the list's own filters
    and the same selector (`register_count`): the same number on both pages, exact or
    estimated alike."""
    user = context["user"]
    if not user.has_perm(EnterprisePerm.VIEW):
        return {"figures": None}
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    figures: list[tuple[str, dict[str, str], str]] = [
        (_("Market entities"), {}, ""),
        (_("Operating"), {"status": Enterprise.Status.OPERATING}, ""),
        (_("Suspended"), {"status": Enterprise.Status.SUSPENDED}, ""),
        (_("In the abnormal directory"), {"is_abnormal": "true"}, "warn"),
        (_("On the serious illegal list"), {"on_serious_list": "true"}, "bad"),
        (_("Registered in the last 12 months"), {"registered_from": year_ago.isoformat()}, ""),
    ]

    def count() -> dict[str, Any]:
        counts = []
        for _label, params, _tone in figures:
            register_filter = EnterpriseFilter(params)
            register_filter.is_valid()
            n = register_count(user=user, narrow=register_filter.filter_queryset)
            counts.append((n.value, str(n.accuracy)))
        return {"at": timezone.now(), "counts": counts}

    key = f"workbench:register:{user.pk}:{today.isoformat()}"
    try:
        counted = cast(dict[str, Any], cache.get_or_set(key, count, FIGURES_TTL))
    except Exception:  # the cache (Redis) is down: count without it, never fail the page
        logger.warning("workbench figures counted without the cache", exc_info=True)
        counted = count()
    base = reverse("enterprises:list")
    return {
        "figures": [
            (
                label,
                RegisterCount(value, Accuracy(accuracy)),
                f"{base}?{urlencode(params)}" if params else base,
                tone,
            )
            for (label, params, tone), (value, accuracy) in zip(
                figures, counted["counts"], strict=True
            )
        ],
        "counted_at": counted["at"],
    }
