"""The classification app in the admin, one module per area: indicators, scoring models and
their versions (edited through `risk.services.models`), and, read-only, the runs and what they
found (assessments, current classes, overrides, tasks)."""

from risk.admin import (  # noqa: F401 (registers)
    classes,
    indicators,
    runs,
    scoring,
)
