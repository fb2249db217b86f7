from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
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


# Who keeps the working-day calendar, and so is warned when a year's schedule is missing.
CALENDAR_PERMISSION = "credit_portal.change_calendarentry"


def calendar_warning(request: HttpRequest) -> dict[str, Any]:
    """`calendar_warning`: the missing-schedule warning of `credit_portal.workdays`, for the
    people who can act on it (those who may change calendar days and administer the whole
    district, as the calendar's admin requires), else None.

    A callable, so that it costs nothing unless a template prints it (the layout and the admin
    do so for logged-in users only); for them, nothing but a cached read of the calendar unless
    a schedule is missing.
    """

    def warning() -> str | None:
        from credit_portal.selectors import bureau_profiles
        from credit_portal.workdays import missing_schedule_warning

        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # The permission first: the navigation has loaded the user's permissions already, so
        # everyone else pays no query; the calendar is read for its administrators only.
        if not user.has_perm(CALENDAR_PERMISSION):
            return None
        if not (user.is_superuser or bureau_profiles(user=user).exists()):
            return None
        return missing_schedule_warning(timezone.localdate())

    return {"calendar_warning": warning}
