"""Identity numbers of legal representatives: validated, then kept only masked plus a keyed
digest (docs/architecture.md, personal data: never shown unmasked; the digest finds the same
person across enterprises, e.g. for the 3-year ban on legal representatives of listed firms,
docs/domain.md §0)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext as _

from enterprises.uscc import normalize

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"  # GB 11643-1999, ISO 7064 MOD 11-2


def resident_id_problem(number: str) -> str | None:
    """None when `number` is a well-formed 18-character resident identity number."""
    n = normalize(number)
    if len(n) != 18 or not n[:17].isdigit() or n[17] not in "0123456789X":
        return _("A resident identity number has 17 digits and a final digit or X.")
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(n[:17], _ID_WEIGHTS, strict=True)) % 11]
    if n[17] != expected:
        return _("The last character of the identity number should be %(e)s.") % {"e": expected}
    return None


def mask_id(number: str) -> str:
    """Keep the first 4 and last 4 characters: 5101**********123X."""
    n = normalize(number)
    return n[:4] + "*" * (len(n) - 8) + n[-4:] if len(n) > 8 else "*" * len(n)


def id_digest(number: str) -> str:
    key = (settings.CREDIT_PORTAL.get("ID_DIGEST_KEY") or settings.SECRET_KEY).encode()
    return hmac.new(key, normalize(number).encode(), hashlib.sha256).hexdigest()
