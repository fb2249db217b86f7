"""When Redis is down: a clean 503 from the API, never a 500.

DRF's rate limits count in the cache (Redis in production). When the cache is refused or does
not answer (its socket timeouts, in the settings, end the wait within a second), a throttle
either lets the request through or refuses it; which one is a choice per endpoint:

- fail open: the public lookup (`credit_portal.throttling.PublicRateThrottle`), where the
  register stays readable while the health check reports the cache down;
- fail closed: endpoints whose limit protects something, such as the token endpoint, where the
  limit slows password guessing. `FailClosedThrottleMixin` turns the cache's error into
  `TemporarilyUnavailable`: HTTP 503 with ``Retry-After`` and the API's error body
  ``{"detail": "...", "code": "unavailable"}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


class TemporarilyUnavailable(exceptions.APIException):
    """503: a service the request needs (the cache that counts its rate limit) is down."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable. Try again in a few minutes.")
    default_code = "unavailable"
    wait = RETRY_AFTER_SECONDS  # DRF's exception handler sends it as Retry-After


class FailClosedThrottleMixin:
    """Put it first in a throttle's bases: a cache failure refuses the request with a 503."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return bool(super().allow_request(request, view))  # type: ignore[misc]
        except RedisError as exc:
            logger.warning("throttle: cache failed; request refused", exc_info=True)
            raise TemporarilyUnavailable() from exc


class AnonRateThrottleFailClosed(FailClosedThrottleMixin, AnonRateThrottle):
    """DRF's anonymous rate per client address; a 503 when the cache is down."""


class UserRateThrottleFailClosed(FailClosedThrottleMixin, UserRateThrottle):
    """DRF's rate per user; a 503 when the cache is down."""
