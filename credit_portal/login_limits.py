"""Login limits: django-axes' lockout per username and client address, and a second, higher
limit per client address across usernames.

Why two limits
- Per username and address (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``,
  ``AXES_FAILURE_LIMIT`` failures, 5): stops guessing one account's password, and one
  client's mistakes never lock the account for its owner elsewhere.
- Per address across usernames (``LOGIN_FAILURE_LIMIT_PER_ADDRESS`` failures, 20): password
  spraying tries one or two common passwords on many accounts, staying under the first limit
  on each; counted over every username, it is stopped too. Higher, because an office behind
  one address is many people who mistype.

django-axes compares one failure count with one limit, the largest over its parameter sets, so
two sets with different limits cannot be configured. `LoginAttemptHandler` (``AXES_HANDLER``)
is axes' database handler with one change: when the address has reached its own limit, the
count it reports is at least ``AXES_FAILURE_LIMIT``, so axes refuses the login, whatever the
username, as it refuses a locked username (even with the right password: a spraying attacker
who finds one learns nothing). Both counts are axes' own rows (`AccessAttempt`, one per
username, address and browser), within the same cool-off (``AXES_COOLOFF_TIME``, 30 minutes);
no second store, and the same for the login page and the API token endpoint, which both go
through `django.contrib.auth.authenticate`. The lockout page says which limit was reached
(``request.axes_address_locked``); the token endpoint answers 429 ``locked_out``.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's client address within the cool-off, over every
    username. Uses index: axes_accessattempt ip_address."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if get_cool_off(request) is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    total = attempts.aggregate(n=Sum("failures_since_start"))["n"]
    return int(total or 0)


class LoginAttemptHandler(AxesDatabaseHandler):
    """axes' database handler, with the limit per address across usernames (module docstring)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        if address_failures(request) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            request.axes_address_locked = True
            return max(failures, int(get_failure_limit(request, credentials)))
        return failures
