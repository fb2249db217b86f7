"""What the inspections app offers, declared for the login page's panel
(`credit_portal.capabilities`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "inspections",
        _(
            "Random inspections by risk class, with a draw anyone can verify, and leads on "
            "their legal clocks"
        ),
        url_name="inspections:glance",
        order=300,
    )
