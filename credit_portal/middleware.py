"""Request context for audit events and logs: client IP and request id in context variables."""

from __future__ import annotations

import contextvars
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
