"""The ledger kinds inspections write (declared from `InspectionsConfig.ready`).

Source: docs/domain.md §2 (results of "double random" inspections are published).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from enterprises.kinds import Section, kind_declare

INSPECTION_RESULT = "inspection_result"


def declare() -> None:
    kind_declare(
        INSPECTION_RESULT,
        _("Inspection result"),
        app="inspections",
        section=Section.INSPECTION_RESULTS,
    )
