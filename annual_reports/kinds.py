"""The ledger kinds annual reports write (declared from `AnnualReportsConfig.ready`).

Source: docs/domain.md §4 (annual reports: window, late filing).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from enterprises.kinds import Section, kind_declare

ANNUAL_REPORT_LATE = "annual_report_late"
ANNUAL_REPORT_FILED = "annual_report_filed"


def declare() -> None:
    app = "annual_reports"
    kind_declare(ANNUAL_REPORT_LATE, _("Annual report not filed on time"), app=app)
    kind_declare(
        ANNUAL_REPORT_FILED, _("Annual report filed"), app=app, section=Section.ANNUAL_REPORTS
    )
