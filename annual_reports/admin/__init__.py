"""The annual-report app's admin, one module per area."""

from annual_reports.admin import disclosures, reports  # noqa: F401 (registers)
