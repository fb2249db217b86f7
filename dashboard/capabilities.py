"""What the dashboard app offers, declared for the login page's panel
(`credit_portal.capabilities`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "dashboard",
        _("The bureau's dashboard and yearly work report, counted from the cases"),
        url_name="dashboard:index",
        order=900,
    )
