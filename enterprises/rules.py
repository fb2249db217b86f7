"""The register's rules: periods, limits and transitions, each with its source.

Services (writes), selectors (reads, the self-service guidance) and pages read these names;
no number below is written anywhere else. Sources are stated in `docs/domain.md` (the
section is given on each line), which also marks how well each is verified.
"""

from __future__ import annotations

from enterprises.models import Enterprise

Status = Enterprise.Status

# --- Suspension (歇业) -------------------------------------------------------------------
# 市场主体登记管理条例 art. 30, 实施细则 art. 40-43 (docs/domain.md §7): a suspension lasts at
# most 3 years in total; one day more than 3 × 365 admits a period that spans a 29 February.
MAX_SUSPENSION_DAYS = 3 * 365 + 1
# An extension is filed within the 30 days before the current period ends (§7).
SUSPENSION_EXTENSION_WINDOW_DAYS = 30

# The status changes the register allows from each status (§7 state machine): a suspension is
# extended by a further suspension; a revoked entity can only be deregistered; deregistration
# and cancellation (撤销登记) are final; an entity moved out of the district (迁出) is another
# bureau's from then on.
_ENDINGS = {Status.DEREGISTERED, Status.REVOKED, Status.CANCELLED, Status.MOVED_OUT}
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPERATING: frozenset({Status.SUSPENDED, *_ENDINGS}),
    Status.SUSPENDED: frozenset({Status.SUSPENDED, Status.OPERATING, *_ENDINGS}),
    Status.REVOKED: frozenset({Status.DEREGISTERED}),
    Status.DEREGISTERED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.MOVED_OUT: frozenset(),
}

# The statuses that end this bureau's supervision of an entity, one list for every app (§2
# pool exclusions, §3 directory, §4 annual reports): the entity has ceased to exist or to hold
# a licence (deregistered 注销, licence revoked 吊销, registration cancelled 撤销), or it is
# supervised by another bureau (moved out 迁出). Plain strings: they go into SQL parameters.
CEASED_STATUSES: tuple[str, ...] = (
    Status.DEREGISTERED.value,
    Status.REVOKED.value,
    Status.CANCELLED.value,
)
CLOSED_STATUSES: tuple[str, ...] = (*CEASED_STATUSES, Status.MOVED_OUT.value)
# The entity no longer exists (deregistered 注销, registration cancelled 撤销): an edit of its
# data corrects an entry, never changes a registration (no change record, no former name), and
# nothing is addressed to it (letters, activation codes). A revoked entity still exists until
# it deregisters (§7).
EXTINCT_STATUSES: tuple[str, ...] = (Status.DEREGISTERED.value, Status.CANCELLED.value)

# --- Abnormal operations directory (经营异常名录) -------------------------------------------
# Removal decided within 5 working days of the cure (docs/domain.md §0 and §3).
REMOVAL_DECISION_WORKING_DAYS = 5
# An objection to a listing is filed within 30 days of its publication (§3).
OBJECTION_DAYS = 30
# Listed for 3 years without curing: moved to the serious illegal and dishonest list
# (企业信息公示暂行条例 art. 17; §3).
SERIOUS_LIST_AFTER_YEARS = 3

# --- Credit repair (信用修复) --------------------------------------------------------------
# The serious list may be repaired after 1 year on it (SAMR Order 44; §5).
SERIOUS_REPAIR_AFTER_YEARS = 1
# Penalty information may be repaired after 6 months of publicity (SAMR Order 45 art. 14;
# 1 year for food, drugs and special equipment; §5).
PENALTY_REPAIR_AFTER_MONTHS = 6
