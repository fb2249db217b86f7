"""What classification offers, declared for the login page's panel
(`credit_portal.capabilities`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "risk",
        _("Risk classes A–D for every enterprise, each explained, replayable for any past date"),
        url_name="risk:distribution",
        order=200,
    )
