"""Reads of the enterprises app, one module per area (as `enterprises.services` for writes):

- `enterprises.selectors.register`: the register as a user may see it (jurisdiction), search,
  ledger records and audit events of an enterprise;
- `enterprises.selectors.counts`: how many entities a list of the register holds (the list,
  its API and the workbench's figures), exact where that is cheap, else an estimate;
- `enterprises.selectors.accounts`: the enterprise self-service area (/me/): the member's
  enterprise, its state as the ledger tells it and what it can do next.

The register selectors are used everywhere, so they are also importable from here
(`from enterprises.selectors import enterprise_list_for_user`), as are the core's jurisdiction
selectors they build on (`credit_portal.selectors`: `bureau_profiles`,
`departments_of_jurisdiction`).
"""

from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.selectors.counts import RegisterCount, register_count
from enterprises.selectors.register import (
    audit_events_for,
    credit_records_for,
    enterprise_list_for_user,
    enterprise_search,
    public_credit_records,
)

__all__ = [
    "RegisterCount",
    "audit_events_for",
    "bureau_profiles",
    "credit_records_for",
    "departments_of_jurisdiction",
    "enterprise_list_for_user",
    "enterprise_search",
    "public_credit_records",
    "register_count",
]
