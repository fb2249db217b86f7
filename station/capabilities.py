"""What the credit station offers, declared for the login page's panel
(`credit_portal.capabilities`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "station",
        _(
            "Credit station for enterprises: what weighs on their credit and how to end it "
            "sooner, policies they qualify for, a letter of good standing"
        ),
        url_name="station:me",
        order=420,
    )
