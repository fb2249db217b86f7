"""The enforcement app's admin, one module per area."""

from remediation.admin import penalties, repairs, soft_actions  # noqa: F401 (registers)
