"""The enforcement app's admin, one module per area."""

from remediation.admin import (  # noqa: F401 (registers)
    directory,
    objections,
    orders,
    penalties,
    repairs,
    serious,
    soft_actions,
)
