"""What the enforcement app offers, for the login page's panel (credit_portal.capabilities)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _  # noqa: F401

from credit_portal.capabilities import capability_declare  # noqa: F401


def declare() -> None:
    """One declaration per capability that has a page today (order 300–399)."""
