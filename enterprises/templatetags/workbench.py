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

from enterprises.permissions import EnterprisePerm
from enterprises.selectors import register_figures

logger = logging.getLogger(__name__)
register = template.Library()

FIGURES_TTL = 300  # seconds: one aggregate over the register at most every 5 minutes per user


@register.inclusion_tag("enterprises/_workbench_figures.html", takes_context=True)
def register_panel(context: dict[str, Any]) -> dict[str, Any]:
    user = context["user"]
    if not user.has_perm(EnterprisePerm.VIEW):
        return {"figures": None}
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)

    def count() -> dict[str, Any]:
        return {"at": timezone.now(), **register_figures(user=user, since=year_ago)}

    key = f"workbench:register:{user.pk}:{today.isoformat()}"
    try:
        counted = cast(dict[str, Any], cache.get_or_set(key, count, FIGURES_TTL))
    except Exception:  # the cache (Redis) is down: count without it, never fail the page
        logger.warning("workbench figures counted without the cache", exc_info=True)
        counted = count()
    base = reverse("enterprises:list")

    def link(**params: str) -> str:
        return f"{base}?{urlencode(params)}" if params else base

    figures = [
        (_("Market entities"), counted["total"], link(), ""),
        (_("Operating"), counted["operating"], link(status="operating"), ""),
        (_("Suspended"), counted["suspended"], link(status="suspended"), ""),
        (_("In the abnormal directory"), counted["abnormal"], link(is_abnormal="true"), "warn"),
        (_("On the serious illegal list"), counted["serious"], link(on_serious_list="true"), "bad"),
        (
            _("Registered in the last 12 months"),
            counted["new"],
            link(registered_from=year_ago.isoformat()),
            "",
        ),
    ]
    return {"figures": figures, "counted_at": counted["at"]}
