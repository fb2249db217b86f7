"""Request context for audit events and logs: client IP and request id in context variables."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
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
