"""The inspections app in the admin, one module per area."""

from inspections.admin import (
    catalogue,  # noqa: F401 (registers: H2)
    draws,  # noqa: F401 (registers: H5)
    inspections,  # noqa: F401 (registers: H3)
    leads,  # noqa: F401 (registers: H4)
)
