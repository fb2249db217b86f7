"""The enforcement app's models, one module per area (docs/architecture.md, "One app shape").

- `penalties`: the violation-type catalogue with its leniency list items, penalty decisions
  (行政处罚决定 and 不予行政处罚决定) with their measures (docs/domain.md §5, §6, §10);
- `soft_actions`: soft-enforcement documents (柔性执法), their interviews, follow-up visits and
  the enterprises' consent to electronic service (§9, §10);
- `repairs`: credit-repair applications, their uploads and their synchronisation outbox per
  outside network (§5);
- `directory`: the abnormal-operations directory with its punishment buffer, objections,
  orders to disclose, and the serious list (§3, §5).
"""

from remediation.models.directory import (
    DirectoryCase,
    DisclosureOrder,
    ListingObjection,
    SeriousListing,
)
from remediation.models.penalties import (
    LeniencyListItem,
    PenaltyDecision,
    PenaltyMeasure,
    ViolationType,
)
from remediation.models.repairs import RepairApplication, RepairAttachment, RepairSync
from remediation.models.soft_actions import (
    ElectronicServiceConsent,
    FollowUpVisit,
    Interview,
    SoftAction,
)

__all__ = [
    "DirectoryCase",
    "DisclosureOrder",
    "ElectronicServiceConsent",
    "FollowUpVisit",
    "Interview",
    "LeniencyListItem",
    "ListingObjection",
    "PenaltyDecision",
    "PenaltyMeasure",
    "RepairApplication",
    "RepairAttachment",
    "RepairSync",
    "SeriousListing",
    "SoftAction",
    "ViolationType",
]
