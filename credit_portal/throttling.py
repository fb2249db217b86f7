"""Rate limiting of the public credit lookup: one mechanism, one counter per client.

The public lookup (pages under /credit/ and the API under /api/v1/public/) needs no login, so
it is limited per client address to stop bulk harvesting of the register while leaving a
person's lookups untouched.

How it works
- `PublicRateThrottle` is DRF's `SimpleRateThrottle` with scope ``"public"``. Its rate is
  ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["public"]`` (60/min), read when a throttle is
  made, so a settings override (tests, benchmark settings) takes effect without a restart of
  the import machinery. A rate of ``None`` switches the limit off.
- The client is its IP address from `credit_portal.middleware.client_ip_from_request`:
  REMOTE_ADDR, or the X-Forwarded-For hop written by the trusted proxies when
  DJANGO_NUM_PROXIES is set. A client cannot choose its identity by sending the header itself.
- The counter is the sliding-window history DRF keeps in the default cache under
  ``throttle_public_<ip>``: Redis in production (shared by every gunicorn worker), local memory
  in development and tests (per process).
- HTML views use the `public_throttle` decorator (function views) or `PublicThrottleMixin`
  (class-based views). API views use `PublicApiThrottleMixin` (or list `PublicRateThrottle` in
  ``throttle_classes``). Pages and API use the same cache key, so a client has 60 lookups a
  minute in total, whatever mix of pages and API calls it makes.

When the limit is reached
- Pages: HTTP 429 with a ``Retry-After`` header (whole seconds) and ``templates/429.html``,
  which tells the user in their language why (too many lookups from their address in a short
  time) and how many seconds to wait.
- API: HTTP 429 with ``Retry-After`` and the error body of `credit_portal.api`:
  ``{"detail": "<the same explanation>", "code": "throttled"}``.
A refused request is not counted, so waiting the announced time is always enough.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from credit_portal.middleware import client_ip_from_request

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


class PublicRateThrottle(SimpleRateThrottle):
    """Requests per client IP for the public lookup (pages and API share the counter)."""

    scope = "public"

    def get_rate(self) -> str | None:
        rates: dict[str, str | None] = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        try:
            return rates[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] has no rate for scope "public".'
            ) from None

    def get_cache_key(self, request: Request | HttpRequest, view: Any) -> str:
        ident = client_ip_from_request(cast(HttpRequest, request)) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def retry_after_seconds(wait: float | None) -> int:
    """Whole seconds to announce in Retry-After: never 0, never less than the real wait."""
    return max(1, math.ceil(wait or 1))


def throttled_message(seconds: int) -> str:
    return ngettext(
        "Too many lookups from your address in a short time. Please wait %(n)d second "
        "and try again.",
        "Too many lookups from your address in a short time. Please wait %(n)d seconds "
        "and try again.",
        seconds,
    ) % {"n": seconds}


def public_throttle_wait(request: HttpRequest) -> int | None:
    """Count this request against the client's allowance.

    Returns None when the request may go ahead, else the seconds the client must wait.
    """
    throttle = PublicRateThrottle()
    no_view: Any = None  # the throttle does not look at the view
    if throttle.allow_request(cast(Request, request), no_view):
        return None
    return retry_after_seconds(throttle.wait())


def throttled_response(request: HttpRequest, seconds: int) -> HttpResponse:
    """The 429 page: why the request was refused and how long to wait."""
    rate = PublicRateThrottle().rate or ""
    num, _, period = rate.partition("/")
    response = render(
        request,
        "429.html",
        {
            "wait_seconds": seconds,
            "allowed_requests": num,
            "allowed_period_is_minute": period.startswith("m"),
            "message": throttled_message(seconds),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def public_throttle(view: ViewFunc) -> ViewFunc:
    """Decorator for function views of the public lookup (see the module docstring)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = public_throttle_wait(request)
        if seconds is not None:
            return throttled_response(request, seconds)
        return view(request, *args, **kwargs)

    return cast(ViewFunc, wrapped)


class PublicThrottleMixin:
    """For class-based HTML views: put it first in the bases."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = public_throttle_wait(request)
        if seconds is not None:
            return throttled_response(request, seconds)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class LookupThrottled(exceptions.Throttled):
    """DRF's 429 with the lookup's own explanation (same words as the 429 page)."""

    def __init__(self, wait: float | None) -> None:
        seconds = retry_after_seconds(wait)
        exceptions.APIException.__init__(self, throttled_message(seconds), "throttled")
        self.wait = seconds


class PublicApiThrottleMixin:
    """For DRF views of the public lookup: the shared throttle and its explanation."""

    throttle_classes = [PublicRateThrottle]

    def throttled(self, request: Request, wait: float | None) -> None:
        raise LookupThrottled(wait)
