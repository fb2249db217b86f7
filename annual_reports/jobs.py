"""The annual-report app's daily jobs, run by the portal's daily runner (`credit_portal.daily`;
the band 100–199 it shares with remediation). See each job's docstring.

- `deadline_job` (order 140, `annual_reports.deadline`): the `annual_report_late` facts of the
  latest year whose window has ended (`annual_reports.services.deadline`); remediation's
  `remediation.directory_deadline` (order 150) turns them into marks, deferrals and listings.
- `invitations_lapse_job` (order 142, `annual_reports.invitations_lapse`): invitations to
  self-correct whose day to correct by has passed lapse (`annual_reports.services.invitations`).
"""

from __future__ import annotations

import datetime as dt


def latest_closed_year(on: dt.date) -> int:
    """The latest reporting year whose window has ended by `on`: the year before last until
    30 June, the previous year from 1 July (the first date after the window, docs/domain.md §4)."""
    from annual_reports.rules import report_deadline

    year = on.year - 1
    return year if on > report_deadline(year) else year - 1


def deadline_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """The late facts of the latest year whose window has ended by `on`
    (`deadline_late_facts_write`). Effective from 1 July (the first date after the window): a
    run on a later day catches up whatever a missed night left, and every later run finds the
    year done (idempotent; a report received on paper by the deadline but entered later is
    never recorded as late once entered before the run)."""
    from annual_reports.services.deadline import deadline_late_facts_write

    year = latest_closed_year(on)
    return {"year": year, "late": deadline_late_facts_write(year=year, on=on)}


def invitations_lapse_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """Invitations to self-correct whose day to correct by is before `on` lapse
    (`invitations_lapse`; idempotent)."""
    from annual_reports.services.invitations import invitations_lapse

    return {"lapsed": invitations_lapse(on=on)}


def declare() -> None:
    """Register the daily jobs with the portal's runner (from `AnnualReportsConfig.ready`)."""
    from django.utils.translation import gettext_lazy as _

    from credit_portal.daily import daily_job_register

    daily_job_register(
        "annual_reports.deadline",
        func="annual_reports.jobs.deadline_job",
        order=140,
        label=_("Annual reports not filed by the deadline"),
        count_labels={
            "year": _("reporting year"),
            "late": _("late reports recorded"),
        },
    )
    daily_job_register(
        "annual_reports.invitations_lapse",
        func="annual_reports.jobs.invitations_lapse_job",
        order=142,
        label=_("Invitations to self-correct lapsed"),
        count_labels={"lapsed": _("invitations lapsed")},
    )
