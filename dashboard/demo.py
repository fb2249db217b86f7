"""The dashboard's demo step (`credit_portal.demo`, order 900, after every step that writes
cases): count the tallies of the years the demo district holds cases for, so that the
dashboard shows figures at once (the daily job would only count the current year)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def declare() -> None:
    from credit_portal.demo import demo_step_register

    demo_step_register("dashboard", "dashboard.demo.dashboard_demo_build", 900)


# Years counted before `as_of`'s: the demo's cases fall in the last two years, its annual
# reports, listings and ledger facts in the years before (a director looking back finds them).
DEMO_YEARS_BACK = 3


def demo_years(as_of: dt.date) -> list[int]:
    """The years of the demo's cases: the year of `as_of` and the three before it
    (remediation, annual reports and inspections build "year Y = as_of.year - 1"; the register's
    reports and listings go back further)."""
    return list(range(as_of.year - DEMO_YEARS_BACK, as_of.year + 1))


def dashboard_demo_build(*, as_of: dt.date, seed: int, stdout: Any = None) -> dict[int, int]:
    """Refresh the tallies of `demo_years(as_of)`, as of `as_of`. Idempotent."""
    from dashboard.tallies import tallies_refresh

    done = {year: tallies_refresh(year=year, on=as_of)["rows"] for year in demo_years(as_of)}
    if stdout is not None:
        stdout.write(
            "  dashboard tallies: " + ", ".join(f"{y} {n:,} rows" for y, n in done.items())
        )
    return done
