"""System checks of the standing app (registered from `StandingConfig.ready`).

`standing.E001` (deploy): a letter of good standing prints and encodes in its QR code the
address a bank verifies it at, so a deployment must name the portal's one public address
(`CREDIT_PORTAL["PUBLIC_BASE_URL"]`, env `CP_PUBLIC_BASE_URL`), never leave it to the Host
header of whichever request renders the PDF (`standing.services.verify_url`).
`standing.E002` (deploy): that address is an absolute https:// address with no path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


def declare() -> None:
    """Register the checks (from `StandingConfig.ready`)."""
    register(public_base_url_check, Tags.security, deploy=True)


def public_base_url_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The portal's public address is set, and is an https:// origin (outside DEBUG)."""
    if settings.DEBUG:
        return []
    base = str(settings.CREDIT_PORTAL.get("PUBLIC_BASE_URL") or "").strip()
    if not base:
        return [
            Error(
                "CREDIT_PORTAL['PUBLIC_BASE_URL'] is not set: letters of good standing would "
                "print and encode in their QR code the address a request names.",
                hint="Set CP_PUBLIC_BASE_URL to the portal's public address, "
                "e.g. https://credit.example.gov.cn.",
                id="standing.E001",
            )
        ]
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.netloc or parts.path.strip("/") or parts.query:
        return [
            Error(
                f"CREDIT_PORTAL['PUBLIC_BASE_URL'] is {base!r}, not an https:// address with "
                "no path.",
                hint="Set CP_PUBLIC_BASE_URL to e.g. https://credit.example.gov.cn.",
                id="standing.E002",
            )
        ]
    return []
