"""Put a page body into the portal layout (``templates/base.html``) cheaply.

Why: the layout alone (masthead, language switch, navigation, footer) cost as much CPU as a whole
trivial Django request, which capped every page on it below half the stack's throughput; the
public profile, the hottest page, must reach 40 % (issue 3, bench/public_profile_bench.py).

How: a page body (HTML, usually rendered by Jinja2, see `credit_portal.jinja2`) goes into
``templates/layout/page.html``, which extends ``base.html`` and fills its blocks ``title``,
``head`` and ``content`` from the context. For a visitor who is not logged in and has no
message waiting, everything the layout prints depends only on the language and the script
prefix, save the current path in the language switch. So the layout is rendered once per
language and prefix with markers in those places (the *shell*), split at the markers, and each
request joins the pieces with its own escaped values. Logged-in users (navigation, user box,
logout form with its CSRF token) and visitors with a message get the full Django render of the
same template (a visitor with neither a session nor a message cookie is known to be neither
without loading anything: `_is_plain_visitor`), so there is one layout and one child template,
and a test checks that both paths give the same bytes for an anonymous visitor.

The shell is kept per process; with DEBUG on it is rendered every time, so template edits show
at once in development.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

LAYOUT_TEMPLATE = "layout/page.html"
# Slots of the shell: the context variable that fills it and the marker rendered in its place.
# NUL never occurs in rendered HTML, so a marker cannot collide with text of the layout.
_SLOTS = ("page_title", "page_head", "page_body", "current_path")
_MARKER = "\x00cp-slot:{}\x00"
_MARKER_RE = re.compile("\x00cp-slot:(\\w+)\x00")

_shells: dict[tuple[str | None, str], list[str]] = {}


@receiver(setting_changed)
def _forget_shells(**kwargs: Any) -> None:
    """A changed setting (a test's override, e.g. the bureau's name) may change the layout."""
    _shells.clear()


def _shell(request: HttpRequest) -> list[str]:
    """The layout for anonymous visitors, split at the slots: [text, slot, text, slot, ...]."""
    key = (get_language(), get_script_prefix())
    parts = _shells.get(key)
    if parts is None:
        context: dict[str, Any] = {name: _MARKER.format(name) for name in _SLOTS}
        # What the context processors would give an anonymous visitor without messages; set
        # here so that the shell cannot depend on the request it happens to be rendered for.
        context.update({"user": AnonymousUser(), "messages": (), "nav_items": ()})
        parts = _MARKER_RE.split(render_to_string(LAYOUT_TEMPLATE, context, request=request))
        if parts.count("page_body") != 1:
            raise RuntimeError(f"{LAYOUT_TEMPLATE} must print page_body exactly once")
        if not settings.DEBUG:
            _shells[key] = parts
    return parts


def _has_messages(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0  # loads them, does not mark them as read


def _is_plain_visitor(request: HttpRequest) -> bool:
    """True when, without loading anything, the visitor is known to be anonymous with no message
    waiting: no session cookie (a login lives in the session, and so do messages stored there),
    no message cookie, no message added during this request, and ``request.user`` still the
    middleware's lazy object (`login()` in this request replaces it). Checking the user and the
    messages themselves costs a session and a message-storage set-up, a few per cent of the
    public profile's CPU (py-spy); the answer is the same (tested)."""
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    storage = getattr(request, "_messages", None)
    if storage is None or storage.added_new:
        return False
    return type(request.__dict__.get("user")) is SimpleLazyObject


def render_in_layout(
    request: HttpRequest,
    *,
    title: str,
    body: SafeString,
    head: SafeString | str = "",
    status: int = 200,
) -> HttpResponse:
    """The page `body` in the layout, with `title` (text) and `head` (for <head>, e.g. a
    stylesheet link); `body` and `head` are inserted as they are when marked safe, escaped
    otherwise."""
    values: dict[str, str] = {
        "page_title": escape(title),
        # A SafeString passes unchanged; anything else is escaped, never trusted by mistake.
        "page_head": conditional_escape(head),
        "page_body": conditional_escape(body),
        "current_path": escape(request.get_full_path()),
    }
    plain = _is_plain_visitor(request)
    if not plain and (request.user.is_authenticated or _has_messages(request)):
        context = {name: mark_safe(value) for name, value in values.items()}
        return HttpResponse(
            render_to_string(LAYOUT_TEMPLATE, context, request=request), status=status
        )
    parts = _shell(request)
    response = HttpResponse(
        "".join(values[p] if i % 2 else p for i, p in enumerate(parts)), status=status
    )
    if plain:
        # The page depends on the cookies (a login, a message) although nothing read the
        # session, so SessionMiddleware does not say so: a shared cache must not give this
        # page to a visitor who has one.
        patch_vary_headers(response, ("Cookie",))
    return response
