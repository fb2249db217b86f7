"""The inspections app's jobs: its daily jobs (`credit_portal.daily`, band 200–299) and the
draw's job kind (`credit_portal.jobs`). Each area adds its own declaration below."""

from __future__ import annotations

import datetime as dt


def declare() -> None:
    """Called from `InspectionsConfig.ready()`."""
    from django.utils.translation import gettext_lazy as _

    from credit_portal.daily import daily_job_register

    # Inspections (H3): results due for publication within 20 WD of the check (domain.md §2).
    daily_job_register(
        "inspections.publication",
        func="inspections.jobs.publication_job",
        order=210,
        label=_("Inspection results due and overdue for publication"),
        count_labels={
            "overdue": _("results overdue for publication"),
            "due_soon": _("results due for publication soon"),
            "inspect_overdue": _("inspections overdue"),
        },
    )
    # Draws (H1): the draw job kind, and the reveal of draws whose inspections are all done.
    from credit_portal.jobs import job_kind_register
    from inspections.models import DrawJob

    job_kind_register(model=DrawJob, task="inspections.tasks.draw_job_run_task")
    daily_job_register(
        "inspections.reveal",
        func="inspections.jobs.reveal_job",
        order=220,
        label=_("Draws revealed once their inspections are published"),
        count_labels={"revealed": _("draws revealed")},
    )
    # Leads (H4): the clocks of reports, complaints and referrals, counted for the inbox.
    daily_job_register(
        "inspections.lead_clocks",
        func="inspections.selectors.leads.lead_clocks_job",
        order=230,
        label=_("Leads due and overdue, per clock"),
        count_labels={
            "verify_due": _("reports to verify soon"),
            "verify_overdue": _("reports overdue for verification"),
            "notify_due": _("reporters to tell soon"),
            "notify_overdue": _("reporters not told in time"),
            "accept_due": _("complaints to accept or refuse soon"),
            "accept_overdue": _("complaints overdue for acceptance"),
            "mediation_due": _("mediations to end soon"),
            "mediation_overdue": _("mediations overdue"),
        },
    )


def publication_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """`inspections.publication` (order 210): the results awaiting publication past their
    `publish_due` (20 WD after the check, docs/domain.md §2) and due soon, and the inspections
    overdue (`inspections.services.inspections.inspections_publication_due`). Reads only:
    `force` changes nothing."""
    from inspections.services.inspections import inspections_publication_due

    return inspections_publication_due(on=on)


def reveal_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """`inspections.reveal` (order 220, after the publication job): reveal every derived draw
    whose inspections are all published or cancelled
    (`inspections.services.draws.draws_reveal_due`; a draw whose stored files do not reproduce
    its commitment stays private and is logged as an error). Idempotent: `force` changes
    nothing."""
    from inspections.services.draws import draws_reveal_due

    return {"revealed": draws_reveal_due(on=on)}
