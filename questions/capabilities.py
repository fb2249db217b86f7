"""What the questions app offers, declared for the login page's panel
(`credit_portal.capabilities`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "questions",
        _(
            "Questions answered online within working days, a public FAQ, and reports or "
            "complaints moved onto their legal clocks"
        ),
        url_name="questions-public:new",
        order=400,
    )
