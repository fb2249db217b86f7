"""The ledger kinds annual reports write (declared from `AnnualReportsConfig.ready`).

Source: docs/domain.md §4 (annual reports: window, late filing; immediate disclosures).
What each fact holds: `annual_reports.models` (module docstring).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from enterprises.kinds import Section, kind_declare

ANNUAL_REPORT_LATE = "annual_report_late"
ANNUAL_REPORT_FILED = "annual_report_filed"
ANNUAL_REPORT_CORRECTED = "annual_report_corrected"
IMMEDIATE_DISCLOSURE = "immediate_disclosure"


def declare() -> None:
    app = "annual_reports"
    kind_declare(ANNUAL_REPORT_LATE, _("Annual report not filed on time"), app=app)
    kind_declare(
        ANNUAL_REPORT_FILED, _("Annual report filed"), app=app, section=Section.ANNUAL_REPORTS
    )
    kind_declare(ANNUAL_REPORT_CORRECTED, _("Annual report corrected"), app=app)
    kind_declare(IMMEDIATE_DISCLOSURE, _("Immediate information disclosed"), app=app)
