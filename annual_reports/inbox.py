"""What annual reports put in a staff member's inbox (credit_portal.inbox, issue 18 §5): the
open invitations to self-correct a report after 30 June (docs/domain.md §3, §4, §10), each due
on its day to correct by (`respond_by`, `INVITATION_DAYS` calendar days after the invitation,
so every open one is near its day). On that day the issuing department follows up: see
whether the correction came (the invitation is then "corrected" and leaves the inbox), or
cancel an invitation issued in error; one not used by its day lapses (the daily job
`invitations_lapse`), and leaves the inbox too.

Jurisdiction: the department that issued the invitation, as the service that acts on it
checks (`invitation_within`: the departments of the user's jurisdiction, so the bureau's staff
all, a partner department its own), written lazily with `credit_portal.inbox.jurisdiction_q`;
the permission is the one that acts on an invitation (cancel: `change_correctioninvitation`).

Nothing else in the app waits for staff with a date: reports and immediate disclosures wait
for the enterprise (their lateness is recorded by the daily jobs), and an order to disclose
(`remediation.services.orders`) is checked and, if not complied with, listed by remediation's
daily job on its due day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, F, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from annual_reports.models import CorrectionInvitation
from annual_reports.selectors.disclosures import DisclosurePerm
from credit_portal.inbox import inbox_shape, inbox_source_declare, jurisdiction_q, name_of
from credit_portal.models import User
from enterprises.models import Enterprise


def invitations_waiting(*, user: User, today: dt.date) -> QuerySet[Any]:
    """Open invitations of the user's departments, by the day to correct by."""
    qs = CorrectionInvitation.objects.filter(
        jurisdiction_q(user, "department_id", bureau_sees_all=False),
        status=CorrectionInvitation.Status.OPEN,
    )
    return inbox_shape(
        qs,
        due=F("respond_by"),
        step=Value("follow_up", output_field=CharField()),
        name=name_of(Enterprise, "enterprise_id"),
    )


def declare_inbox_sources() -> None:
    inbox_source_declare(
        "annual_reports.invitations",
        label=_("Invitations to self-correct"),
        func=invitations_waiting,
        order=150,
        perm=DisclosurePerm.CHANGE_INVITATION,
        url_name="annual_reports:invitation_detail",
        list_url_name="annual_reports:invitation_list",
        steps={
            "follow_up": _("Day to correct by: check the correction, or cancel the invitation"),
        },
    )
