"""The dashboard's daily job (`credit_portal.daily`): the tallies, after every job that changes
what they count (order 900: after remediation and annual reports 1xx, inspections 2xx,
classification 3xx, and the apps above them 4xx)."""

from __future__ import annotations

import datetime as dt


def declare() -> None:
    """Called from `DashboardConfig.ready()`."""
    from django.utils.translation import gettext_lazy as _

    from credit_portal.daily import daily_job_register

    daily_job_register(
        "dashboard.tallies",
        func="dashboard.jobs.tallies_job",
        order=900,
        label=_("Dashboard figures counted again"),
        count_labels={"years": _("years counted"), "rows": _("figures kept")},
    )


def years_to_refresh(on: dt.date) -> list[int]:
    """The year of `on`, and the year before during January (its last facts arrive late:
    decisions recorded, terms ended, reports filed in the new year's first days)."""
    return [on.year - 1, on.year] if on.month == 1 else [on.year]


def tallies_job(*, on: dt.date, force: bool) -> dict[str, int]:
    """`dashboard.tallies` (order 900): recount the year(s) of `on` (`years_to_refresh`).
    Idempotent: a rerun replaces the rows with the same ones."""
    from dashboard.tallies import tallies_refresh

    years = years_to_refresh(on)
    rows = sum(tallies_refresh(year=year, on=on)["rows"] for year in years)
    return {"years": len(years), "rows": rows}
