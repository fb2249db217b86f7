"""Rate limiting of the public credit lookup (one counter per client address) and of the API
behind a login (one counter per user): one mechanism.

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
- The counter is a sliding window: the times of the client's recent lookups, newest first,
  under ``throttle_public_<ip>`` in the default cache (``throttle_public_<ip>:window`` on Redis).
  - On Redis (production: one counter shared by every gunicorn worker) a Lua script drops the
    expired times, decides and records the lookup in one round trip and atomically, so two
    workers serving the same client at the same moment cannot overwrite each other's count.
    DRF's own throttle reads the history and writes it back: two round trips per lookup, and
    a lost count when two requests interleave.
  - If Redis fails (or does not answer within the cache's socket timeout), the lookup is let
    through and the failure logged: the register stays readable while the health check
    reports the cache down.
  - On other caches (local memory in development and tests, per process) DRF's implementation
    runs unchanged. Both keep the same history and give the same wait when the window is full
    (after the rate was lowered, DRF announces 1 s; the script the exact wait).
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

The API behind a login (staff, enterprise users, other systems with a token)
- `StaffApiRateThrottle`, the same sliding window (and Lua script on Redis) with scope
  ``"staff_api"``, counts per user: ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["staff_api"]``
  (``CP_STAFF_API_RATE``, default 120/min: far above what a person or a paging client needs,
  and a bound on what a stolen token or a runaway script can draw from the register). It is
  ``DEFAULT_THROTTLE_CLASSES``, so every DRF view has it unless it names its own (the public
  lookup, the token endpoint). The 429 is DRF's ``Throttled`` with ``Retry-After``, in the
  error format of `credit_portal.api` (code ``"throttled"``).

Logins are limited elsewhere: django-axes per username and address, and per address across
usernames (`credit_portal.login_limits`); failed registrations in
`enterprises.services.accounts`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from credit_portal.middleware import client_ip_from_request

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])
logger = logging.getLogger(__name__)

# The sliding window of DRF's SimpleRateThrottle, run inside Redis. KEYS[1]: the client's history,
# a list of timestamps (seconds, newest first). ARGV: now, the window in seconds, the number of
# lookups allowed in it. Returns {1} when the lookup is allowed (and recorded), else
# {0, the timestamp whose expiry frees a place} so that the caller can compute the wait.
SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local allowed = tonumber(ARGV[3])
local oldest = redis.call('LINDEX', KEYS[1], -1)
while oldest and tonumber(oldest) <= now - window do
  redis.call('RPOP', KEYS[1])
  oldest = redis.call('LINDEX', KEYS[1], -1)
end
if redis.call('LLEN', KEYS[1]) >= allowed then
  if allowed <= 0 then
    return {0, ARGV[1]}
  end
  -- The entry whose expiry brings the count below the limit (the oldest one unless the rate
  -- was lowered since the entries were made).
  return {0, redis.call('LINDEX', KEYS[1], allowed - 1)}
end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return {1}
"""


class _SlidingWindowScript:
    """`SLIDING_WINDOW_LUA` on one Redis connection pool, called at the connection level.

    Why not redis-py's ``Script`` object: its ``__call__`` goes through ``Redis.execute_command``
    (retry policy, event hooks, command-name lookups), which cost about as much CPU as the
    round trip itself (measured in one process with hiredis: 95 microseconds a call through
    ``Script``, 66 taking the connection from the pool for each call). Here each thread of each
    process takes one connection from the cache's pool (same server, timeouts and credentials)
    and keeps it: taking a connection from the pool and giving it back cost a third of the
    client's CPU per lookup. One round trip, EVALSHA and its reply.

    A kept connection that the server closed (a Redis restart, a client timeout) fails on its
    next use; redis-py then disconnects it, and the lookup is sent once more on a new one (a
    reply lost to a crash after the script ran would count that lookup twice). When Redis is
    down, a lookup is let through uncounted after one attempt (`PublicRateThrottle`).
    """

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.sha = hashlib.sha1(SLIDING_WINDOW_LUA.encode(), usedforsecurity=False).hexdigest()
        self._kept = threading.local()

    def _connection(self) -> Any:
        kept = self._kept
        pid = os.getpid()
        if getattr(kept, "pid", None) != pid:  # first use in this thread, or a forked process
            kept.connection = self.pool.get_connection()  # kept, never given back
            kept.pid, kept.answered = pid, False
        return kept.connection

    def _run(self, connection: Any, args: tuple[Any, ...]) -> Any:
        try:
            try:
                connection.send_command("EVALSHA", self.sha, *args)
                return connection.read_response()
            except NoScriptError:
                # A restarted Redis (or SCRIPT FLUSH) forgot the script: EVAL sends it again,
                # runs it and caches it for the next EVALSHA.
                connection.send_command("EVAL", SLIDING_WINDOW_LUA, *args)
                return connection.read_response()
        except RedisError:
            raise  # a reply error was read in full; on a socket error redis-py disconnected
        except BaseException:
            # Anything else between sending and reading (an interrupt, MemoryError) may leave
            # the reply unread, and the next lookup would read it as its own: start afresh.
            connection.disconnect()
            raise

    def __call__(self, key: str, now: float, window: int | None, allowed: int | None) -> Any:
        args = (1, key, repr(now), window, allowed)
        connection = self._connection()
        kept = self._kept
        try:
            result = self._run(connection, args)
        except RedisConnectionError:
            if not kept.answered:
                raise  # Redis is down or unreachable: one attempt, not two
            # The server closed a connection that worked (restart, idle timeout). redis-py has
            # disconnected it, so no half-read reply reaches a later lookup; the next command
            # connects again.
            kept.answered = False
            result = self._run(connection, args)
        except BaseException:
            kept.answered = False  # a timeout, say: the next failure is not retried
            raise
        kept.answered = True
        return result


# One script caller per cache client, kept as long as the client: Django's get_client() builds
# a new client object for each call, which cost about as much as the round trip itself. (Django
# makes a cache backend per thread, so under WSGI this is one per thread too; the script's own
# thread-local connection matters where one backend serves several threads, as under ASGI.)
_scripts: weakref.WeakKeyDictionary[Any, _SlidingWindowScript] = weakref.WeakKeyDictionary()


class SlidingWindowThrottle(SimpleRateThrottle):
    """DRF's sliding window with the rate of `scope` read from the settings when the throttle is
    made, kept atomically in Redis when the default cache is Redis (module docstring). A
    subclass says whom it counts (`get_cache_key`; None: not counted)."""

    def get_rate(self) -> str | None:
        rates: dict[str, str | None] = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        try:
            return rates[self.scope or ""]
        except KeyError:
            raise ImproperlyConfigured(
                f'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] has no rate for scope "{self.scope}".'
            ) from None

    def allow_request(self, request: Request, view: Any) -> bool:
        backend = caches["default"]
        if self.rate is None or not isinstance(backend, RedisCache):
            return super().allow_request(request, view)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.key = key
        # A key of its own (a Redis list, where DRF keeps a pickled value under self.key), so
        # that a worker of the previous release running beside this one during a deploy never
        # reads the other's format. With the cache's KEY_PREFIX and version.
        key = backend.make_and_validate_key(f"{self.key}:window")
        # Django's RedisCacheClient (private, stable since Django 4.0) gives a redis-py client
        # on the cache's connection pool for writes.
        cache_client = backend._cache  # type: ignore[attr-defined]
        script = _scripts.get(cache_client)
        if script is None:
            pool = cache_client.get_client(key, write=True).connection_pool
            script = _scripts[cache_client] = _SlidingWindowScript(pool)
        allowed, self.window = self.parse_rate(self.rate)
        self.now = self.timer()
        try:
            result = script(key, self.now, self.window, allowed)
        except RedisError:
            logger.warning(
                "%s throttle: Redis failed; request let through", self.scope, exc_info=True
            )
            return True
        if result[0] == 1:
            return True
        self.frees_a_place_at = float(result[1])
        return self.throttle_failure()

    def wait(self) -> float | None:
        frees_at = getattr(self, "frees_a_place_at", None)
        if frees_at is None:
            return super().wait()
        # The window is full: the next lookup is allowed once that entry leaves it.
        return self.window - (self.now - frees_at)


class PublicRateThrottle(SlidingWindowThrottle):
    """Requests per client IP for the public lookup (pages and API share the counter)."""

    scope = "public"

    def get_cache_key(self, request: Request | HttpRequest, view: Any) -> str:
        ident = client_ip_from_request(cast(HttpRequest, request)) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class StaffApiRateThrottle(SlidingWindowThrottle):
    """Requests per user for the API behind a login (the default of every DRF view: settings
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``; the public lookup and the token endpoint
    name their own). Anonymous requests are not counted here: DRF checks permissions before
    throttles, so they reach this only on views open to everyone (the schema), and the views
    behind a login have answered them 401/403 already."""

    scope = "staff_api"

    def get_cache_key(self, request: Request | HttpRequest, view: Any) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


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
