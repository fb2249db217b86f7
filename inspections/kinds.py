"""The ledger kinds inspections write (declared from `InspectionsConfig.ready`).

- `inspection_result`: a published result (docs/domain.md §2 "Publication"), public on the
  credit page, one per inspection.
- `inspection_finding`: the same inspection when it found a problem (a code of
  `inspections.rules.PROBLEM_CODES`); not public; what classification counts
  (docs/domain.md §1, the indicator of spot-check outcomes), so a clean result weighs nothing.
- `complaint`: a consumer complaint accepted, or a report of a violation on which a case was
  opened, against a registered entity (docs/domain.md §10); not public (the reporter is never
  disclosed, and the fact only says that one was made); what the social-evaluation indicator
  counts.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from enterprises.kinds import Section, kind_declare

INSPECTION_RESULT = "inspection_result"
INSPECTION_FINDING = "inspection_finding"
COMPLAINT = "complaint"


def declare() -> None:
    kind_declare(
        INSPECTION_RESULT,
        _("Inspection result"),
        app="inspections",
        section=Section.INSPECTION_RESULTS,
    )
    kind_declare(INSPECTION_FINDING, _("Problem found by an inspection"), app="inspections")
    kind_declare(COMPLAINT, _("Complaint or report accepted"), app="inspections")
