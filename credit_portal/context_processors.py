from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from credit_portal.navigation import visible_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    lang = get_language() or settings.LANGUAGE_CODE
    conf = settings.CREDIT_PORTAL
    return {
        "nav_items": visible_items(user, request.path) if user is not None else [],
        "bureau_name": conf["BUREAU_NAME"] if lang.startswith("zh") else conf["BUREAU_NAME_EN"],
        # The language switch returns here (credit_portal.layout fills it in for its shell).
        "current_path": request.get_full_path(),
    }
