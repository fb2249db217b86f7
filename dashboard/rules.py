"""The dashboard's own numbers, each with its source (house style: no number written elsewhere).

The dashboard counts; the deadlines it measures against belong to the domain apps' rules
(`remediation.rules`, `inspections.rules`) and are read from there, never copied.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from inspections import rules as inspections_rules
from remediation import rules as remediation_rules
from remediation.models import DirectoryCase

# --- Repair applications: time to decide (docs/domain.md §5) --------------------------------
# Buckets of working days from submission to decision, up to the limit of a penalty-information
# repair (`remediation.rules.REPAIR_DECISION_WORKING_DAYS`, 15 WD, §5) in thirds of 5 WD (the
# abnormal directory's removal limit, `REPAIR_DIRECTORY_DECISION_WORKING_DAYS`, §3 and §5, is
# the first bucket); None = beyond the limit.
DECISION_BUCKET_STEP = remediation_rules.REPAIR_DIRECTORY_DECISION_WORKING_DAYS
DECISION_LIMIT = remediation_rules.REPAIR_DECISION_WORKING_DAYS
DECISION_BUCKETS: list[tuple[str, int | None]] = [
    *(
        (f"wd{days}", days)
        for days in range(DECISION_BUCKET_STEP, DECISION_LIMIT + 1, DECISION_BUCKET_STEP)
    ),
    (f"over{DECISION_LIMIT}", None),
]

# --- Listings removed because the cause was cured (docs/domain.md §3, "Removal") ------------
# Codes 1-5 (reports filed, information disclosed, corrected, domicile changed, reachable);
# not 6 (moved to the serious list) nor 7 (the entity ceased).
CURED_REMOVALS = [
    DirectoryCase.Removal.REPORTS_FILED,
    DirectoryCase.Removal.DISCLOSED,
    DirectoryCase.Removal.CORRECTED,
    DirectoryCase.Removal.ADDRESS_CHANGED,
    DirectoryCase.Removal.REACHABLE,
]

# --- Deadlines named in labels ------------------------------------------------------------
# Penalty decisions published within 20 WD (Order 45 art. 9; §5).
PENALTY_PUBLICATION_WORKING_DAYS = remediation_rules.PUBLICATION_WORKING_DAYS
# Inspection results published within 20 WD of the end of the check (§2 "Publication").
INSPECTION_PUBLICATION_WORKING_DAYS = inspections_rules.PUBLICATION_WORKING_DAYS
# Cured listings removed within 5 WD (Order 68; §3).
REMOVAL_WORKING_DAYS = remediation_rules.REMOVAL_WORKING_DAYS


def decision_bucket_labels() -> tuple[tuple[str, Promise | str], ...]:
    """The labels of `DECISION_BUCKETS`, in order ("Within 5 working days", "6 to 10 …"),
    translated when shown (lazy)."""
    labels: list[tuple[str, Promise | str]] = []
    low = 1
    for key, limit in DECISION_BUCKETS:
        if limit is None:
            labels.append(
                (key, format_lazy(_("More than {days} working days"), days=DECISION_LIMIT))
            )
        elif low == 1:
            labels.append((key, format_lazy(_("Within {days} working days"), days=limit)))
        else:
            labels.append(
                (key, format_lazy(_("{low} to {high} working days"), low=low, high=limit))
            )
        if limit is not None:
            low = limit + 1
    return tuple(labels)


def within_working_days(text: Promise | str, days: int) -> Promise | str:
    """A label naming a deadline in working days, the number taken from the rules (lazy):
    ``within_working_days(_("Results published within {days} working days"), 20)``."""
    return format_lazy(text, days=days)
