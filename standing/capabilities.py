"""What the standing app offers, declared for the login page's panel
(`credit_portal.capabilities`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "standing",
        _("Letters of good standing that a bank verifies online by a code or a QR code"),
        url_name="standing-public:verify",
        order=410,
    )
