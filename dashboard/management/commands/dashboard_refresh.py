"""`manage.py dashboard_refresh --year Y [--year Y2 ...] | --all-years [--on YYYY-MM-DD]`:
count the dashboard's tallies again (`dashboard.tallies.tallies_refresh`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Count the dashboard's tallies of a year again (or of every year that has them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", default=[], help="A year.")
        parser.add_argument(
            "--all-years",
            action="store_true",
            help="Every year already counted, and the current year.",
        )
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, default=None, help="As of (default: today)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from dashboard.tallies import tallies_refresh, tally_years

        on: dt.date = options["on"] or timezone.localdate()
        years = set(options["year"])
        if options["all_years"]:
            years |= {*tally_years(), on.year}
        if not years:
            raise CommandError("Give --year YEAR or --all-years.")
        for year in sorted(years):
            if not 1900 <= year <= 9999:
                raise CommandError(f"Year out of range: {year}")
            counts = tallies_refresh(year=year, on=on)
            self.stdout.write(f"{year}: {counts['rows']} rows as of {on.isoformat()}")
