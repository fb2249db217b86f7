"""What the register offers today, declared for the login page's panel
(`credit_portal.capabilities`); called from `EnterprisesConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credit_portal.capabilities import capability_declare


def declare() -> None:
    capability_declare(
        "register",
        _("The register of the district's market entities, with each entity's history"),
        url_name="enterprises:list",
        order=10,
    )
    capability_declare(
        "ledger",
        _("One credit ledger for every fact about an entity, appended to and never rewritten"),
        url_name="me:records",
        order=20,
    )
    capability_declare(
        "public_lookup",
        _("Public credit lookup, open to everyone"),
        url_name="public:search",
        order=30,
    )
    capability_declare(
        "import_export",
        _("Import and export of the register as CSV or XLSX, every row checked"),
        url_name="enterprises:import",
        order=40,
    )
    capability_declare(
        "self_service",
        _("Self-service for enterprises: their data, credit records, letters and next steps"),
        url_name="me:home",
        order=50,
    )
