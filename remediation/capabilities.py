"""What the enforcement app offers, for the login page's panel (credit_portal.capabilities)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    """One declaration per capability that has a page today (order 300–399)."""
    capability_declare(
        "penalties",
        _("Penalty decisions with leniency checks, publicity terms and their documents"),
        url_name="remediation:penalty_list",
        order=310,
    )
    capability_declare(
        "soft_enforcement",
        _("Soft enforcement: numbered letters and interviews, served and followed up"),
        url_name="remediation:soft_action_list",
        order=320,
    )
    capability_declare(
        "credit_repair",
        _("Credit repair: eligibility shown, applications online, decisions due in working days"),
        url_name="me-remediation:repairs",
        order=330,
    )
    capability_declare(
        "abnormal_directory",
        _(
            "Abnormal directory with a punishment buffer: pending listings by deadline, "
            "listings and removals public side by side"
        ),
        url_name="remediation:directory_list",
        order=340,
    )
    capability_declare(
        "serious_list",
        _(
            "Objections to listings within their 30 days; the 3-year move to the serious list, "
            "with the legal representative barred by identity number"
        ),
        url_name="remediation:serious_list",
        order=350,
    )
