"""Request context for audit events and logs (client IP and request id in context variables),
and the security headers of every answer (`SecurityHeadersMiddleware`)."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django_guid import get_guid

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


def current_request_id() -> str | None:
    return get_guid()


def client_ip_from_request(request: HttpRequest) -> str | None:
    """The client address: REMOTE_ADDR, or the proxy's X-Forwarded-For when behind one.

    Only the number of trusted proxies (DJANGO_NUM_PROXIES) is honoured, so a client cannot
    forge its address by sending the header itself.
    """
    from django.conf import settings

    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip_from_request(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


# A UUID as 32 hex digits, with or without the four hyphens in their places (36 characters).
_REQUEST_ID = re.compile(
    r"[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}"
)
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"  # DJANGO_GUID["GUID_HEADER_NAME"]


def request_id_header_check(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Drop an incoming X-Request-ID that is not a plain UUID, before django-guid reads it.

    django-guid's check (`uuid.UUID(value)`) lets through any number of hyphens, braces and
    "urn:uuid:" prefixes, and then keeps the text as sent; the id goes into the append-only
    audit log (64 characters), where a client must not write text of its choice, nor make
    every audited action of its request fail on an overlong value. Without the header,
    django-guid makes a new id.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        given = request.META.get(_REQUEST_ID_META)
        if given is not None and not _REQUEST_ID.fullmatch(given):
            del request.META[_REQUEST_ID_META]
        return get_response(request)

    return middleware


# Header values built from the settings once (a test's override_settings rebuilds them).
_security_headers: dict[str, str] = {}


@receiver(setting_changed)
def _forget_security_headers(**kwargs: Any) -> None:
    _security_headers.clear()


def security_headers() -> dict[str, str]:
    """Content-Security-Policy (`SECURE_CSP`) and Permissions-Policy (`PERMISSIONS_POLICY`)."""
    if not _security_headers:
        csp: Mapping[str, Sequence[str]] = settings.SECURE_CSP
        features: Mapping[str, Sequence[str]] = settings.PERMISSIONS_POLICY
        if csp:
            _security_headers["Content-Security-Policy"] = "; ".join(
                " ".join([directive, *sources]) for directive, sources in csp.items()
            )
        if features:
            _security_headers["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(origins)})" for feature, origins in features.items()
            )
    return _security_headers


def is_authenticated_request(request: HttpRequest) -> bool:
    """True when the request was made by a logged-in user, by session or by API token.

    Known without loading anything for a request with no session cookie whose user nobody has
    looked at (a login lives in the session; an API token, once DRF has checked it, replaces
    `request.user`), so the public pages, the portal's hottest, pay no session lookup for it.
    False for an answer given before `AuthenticationMiddleware` (a static file)."""
    user = request.__dict__.get("user")
    if user is None:
        return False
    if type(user) is SimpleLazyObject and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(user.is_authenticated)


class SecurityHeadersMiddleware:
    """The Content Security Policy and the Permissions-Policy on every answer, and no caching of
    answers that carry personal data.

    - Content-Security-Policy from `SECURE_CSP`, {directive: [sources]}: the name and shape of
      Django 6.0's own setting, whose middleware can replace this one. The policy has no nonce
      (the layout is rendered ahead of the request, `credit_portal.layout`), so every script,
      event handler and style lives in a static file; tests/credit_portal/test_headers_inline.py
      scans the templates and the rendered pages for inline ones.
    - Permissions-Policy from `PERMISSIONS_POLICY`, {feature: [origins]}; an empty list
      disables the feature (django-permissions-policy's shape).
    - Cache-Control: no-store (Django's `never_cache` headers) on every answer to a logged-in
      user: staff pages, self-service pages, exports and downloads, API answers, the admin.
      A browser or proxy cache must not keep them after the user has gone. Answers to anonymous
      visitors keep what their views say (the public lookup sets no Cache-Control).

    A policy header the view has set already is left as it is. With DEBUG on, Django's
    technical 404 and 500 pages (inline styles and scripts) get no Content-Security-Policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        headers = security_headers()
        if settings.DEBUG and response.status_code in (404, 500):
            headers = {k: v for k, v in headers.items() if k != "Content-Security-Policy"}
        for name, value in headers.items():
            response.setdefault(name, value)
        if is_authenticated_request(request):
            add_never_cache_headers(response)
        return response


def unstorable_characters_refused(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Answer 400 to a request whose address or cookies hold a character that PostgreSQL text
    cannot hold (`credit_portal.text.unstorable_character`: NUL, a lone surrogate).

    A NUL byte in the credit code of /enterprises/<code>/activation-code/ made the database
    driver raise before the lookup ran: a server error with a traceback in the log. Any path
    segment, query parameter or cookie (the session key) may end up in a query, so the guard
    stands once in front of every view, not in each of them. Pages get the portal's 400 page
    naming the character, the API (/api/) its error body (`credit_portal.api`); Django logs the
    400 as a warning, without a traceback. Form and JSON bodies are not checked here: their
    fields refuse such values (Django's and DRF's null-character validators), so the person
    sees which field is wrong.
    """
    from credit_portal.text import unstorable_character

    def refused(request: HttpRequest) -> tuple[str, str] | None:
        ch = unstorable_character(request.path_info)
        if ch is not None:
            return ch, "address"
        for key, values in request.GET.lists():
            for text in (key, *values):
                ch = unstorable_character(text)
                if ch is not None:
                    return ch, "address"
        for key, value in request.COOKIES.items():
            ch = unstorable_character(key + value)
            if ch is not None:
                return ch, "cookie"
        return None

    def middleware(request: HttpRequest) -> HttpResponse:
        found = refused(request)
        if found is None:
            return get_response(request)
        from credit_portal.views import bad_character_response

        return bad_character_response(request, character=found[0], where=found[1])

    return middleware
