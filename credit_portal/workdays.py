"""The working-day calendar, and the dates of periods counted in working days or calendar days.

Which days are working days (docs/domain.md §0 "Working days (工作日)")
- Saturdays and Sundays are days off, except the weekend days the State Council declares
  working days (调休) to bridge a holiday; the statutory public holidays are days off.
- For 2004–2026 the library `chinese-calendar` knows the schedule (`LIBRARY_YEARS`). The State
  Council publishes each year's schedule late in the year before, so no library knows a year
  before its schedule is out.
- The bureau's own entries (`CalendarEntry`: a holiday or an adjusted working day, edited by
  administrators in the admin) override the library for their day, in any year.
- A year is **known** when the library knows it or the bureau has marked its schedule complete
  (`CalendarYear.schedule_complete`). A day of a year that is not known is counted on the
  weekends alone, the bureau's entries still applied, and every date that depends on such a day
  is **provisional**: `deadline_after` says so (`Deadline.provisional`) and pages show the date
  with a mark (`{% load workdays %}{{ deadline|deadline_display }}`), never silently.

The administrator's yearly duty
- When the State Council publishes next year's schedule (its notice, 国办发明电〔Y〕N号), enter
  that year's holidays and adjusted working days as calendar days and mark the year complete
  with the notice's reference (admin: "calendar days", "calendar years"). From 1 December,
  until next year is known, administrators see a warning on the admin and staff pages
  (`missing_schedule_warning`, through `credit_portal.context_processors.calendar_warning`).

Counting (docs/domain.md "Counting periods in the code")
- Working days: a period of n WD after an event ends on the n-th working day after the event's
  day; the day of the event itself never counts (`add_working_days`, `deadline_after`).
  Worked example of §0: 20 WD after 2025-09-26 is 2025-10-30.
- Calendar days, months and years, as the Civil Code (民法典) counts them: the day of the event
  is not counted, the period starts the next day (art. 201); a period of months or years ends on
  the corresponding day of its last month, or that month's last day when it has none (art. 202,
  `credit_portal.dates.add_months` / `add_years`); when the last day is a statutory day off (a
  non-working day of this calendar), the period ends on the first working day after it
  (art. 203) (`add_days_civil`, `period_end_months`, `period_end_years`).

Cache
- The bureau's entries of a year are read in one query (and the marks of the years the library
  does not know in a second) and kept in this process for `CACHE_SECONDS`. A change saved or
  deleted in this process clears the cache at once (signals, and again at its commit); another
  process sees it within `CACHE_SECONDS`. `add_working_days(..., 20)` costs at most two queries
  on a cold cache, none on a warm one.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import chinese_calendar
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import ngettext

from credit_portal.dates import add_months, add_years
from credit_portal.models import CalendarEntry, CalendarYear

# The years chinese-calendar knows (it raises NotImplementedError for any other).
LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
CACHE_SECONDS = 60  # how long another process may use a year's entries after a change
# From the first day of this month (December), administrators are warned while next year is
# not known.
WARNING_FROM_MONTH = 12

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """A date computed on the calendar; `provisional` when a day it depends on lies in a year
    whose schedule is not known (counted on the weekends alone): show it as such."""

    day: dt.date
    provisional: bool

    def __str__(self) -> str:
        return self.day.isoformat()


# --------------------------------------------------------------------------- cache


@dataclass(frozen=True)
class _Year:
    entries: dict[dt.date, str]  # the bureau's entries: day -> CalendarEntry.Kind
    complete: bool  # the bureau marked the year's schedule complete
    loaded_at: float  # time.monotonic()
    # One byte a day (1: working), filled on first use and kept with the year's entries (a
    # clear drops both): counting a year of days is then a slice, not 365 library calls.
    flags: bytearray = field(default_factory=bytearray, compare=False, repr=False)


_years: dict[int, _Year] = {}
_generation = 0  # bumped by every clear: a load begun before a clear is not kept
_lock = threading.Lock()


def calendar_cache_clear() -> None:
    """Forget the cached entries of every year (this process). Called on every change of a
    calendar entry or year, and again when its transaction commits."""
    global _generation
    with _lock:
        _generation += 1
        _years.clear()


@receiver([post_save, post_delete], sender=CalendarEntry)
@receiver([post_save, post_delete], sender=CalendarYear)
def _calendar_changed(**kwargs: Any) -> None:
    calendar_cache_clear()
    # Cleared now for this transaction's own reads, and again at the commit, so that a read by
    # another thread between the two does not keep the old entries.
    transaction.on_commit(calendar_cache_clear)


def _load(years: Iterable[int]) -> dict[int, _Year]:
    """The bureau's data of these years, from the cache or the database (one query for the
    entries of the years not cached, one for the marks of those the library does not know)."""
    years = list(years)
    now = time.monotonic()
    with _lock:
        generation = _generation
        cached = {y: _years[y] for y in years if y in _years}
    found = {y: c for y, c in cached.items() if now - c.loaded_at < CACHE_SECONDS}
    missing = sorted(set(years) - set(found))
    if not missing:
        return found
    first, last = missing[0], missing[-1]
    entries: dict[int, dict[dt.date, str]] = {y: {} for y in range(first, last + 1)}
    rows = (
        CalendarEntry.objects.filter(day__gte=dt.date(first, 1, 1), day__lte=dt.date(last, 12, 31))
        .order_by()
        .values_list("day", "kind")
    )
    for day, kind in rows:
        entries[day.year][day] = kind
    unknown_to_library = [y for y in range(first, last + 1) if y not in LIBRARY_YEARS]
    complete: set[int] = set()
    if unknown_to_library:
        complete = set(
            CalendarYear.objects.filter(year__in=unknown_to_library, schedule_complete=True)
            .order_by()
            .values_list("year", flat=True)
        )
    loaded = {y: _Year(entries[y], y in complete, now) for y in range(first, last + 1)}
    with _lock:
        if generation == _generation:
            _years.update(loaded)
    return {**found, **loaded}


class _Calendar:
    """The calendar as one computation sees it: the years it touches, loaded once."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self._years = _load(range(first.year, last.year + 1))

    def _year(self, year: int) -> _Year:
        data = self._years.get(year)
        if data is None:  # the computation went further than foreseen
            self._years.update(_load(range(year, year + 2)))
            data = self._years[year]
        return data

    def _decide(self, data: _Year, day: dt.date) -> bool:
        kind = data.entries.get(day)
        if kind is not None:
            return bool(kind == CalendarEntry.Kind.WORKING_DAY)
        if day.year in LIBRARY_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def flags(self, year: int) -> bytearray:
        """The year's working days, one byte a day from 1 January (1: working)."""
        data = self._year(year)
        if not data.flags:
            first = dt.date(year, 1, 1)
            days = (dt.date(year + 1, 1, 1) - first).days
            computed = bytearray(
                self._decide(data, first + dt.timedelta(days=i)) for i in range(days)
            )
            data.flags[:] = computed  # whole at once: another thread sees all or nothing
        return data.flags

    def is_working(self, day: dt.date) -> bool:
        return bool(self.flags(day.year)[day.timetuple().tm_yday - 1])

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], start <= end: a slice of each year's flags."""
        total, day = 0, start + _ONE_DAY
        while day <= end:
            last = min(end, dt.date(day.year, 12, 31))
            flags = self.flags(day.year)
            total += sum(flags[day.timetuple().tm_yday - 1 : last.timetuple().tm_yday])
            day = last + _ONE_DAY
        return total

    def is_known(self, year: int) -> bool:
        return year in LIBRARY_YEARS or self._year(year).complete

    def any_unknown(self, first: dt.date, last: dt.date) -> bool:
        return any(not self.is_known(y) for y in range(first.year, last.year + 1))

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        day, counted = start, 0
        while counted < n:
            day += _ONE_DAY
            counted += self.is_working(day)
        return day

    def roll_forward(self, day: dt.date) -> dt.date:
        while not self.is_working(day):
            day += _ONE_DAY
        return day


def _date(value: dt.date, name: str) -> dt.date:
    """A calendar date; a datetime is refused (its day depends on a time zone: pass
    `timezone.localdate(value)`)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")
    return value


def _span(n: int) -> dt.timedelta:
    """Calendar days that surely hold n working days (the longest holidays are 9 days)."""
    return dt.timedelta(days=n * 7 // 5 + 30)


# --------------------------------------------------------------------------- working days


def year_is_known(year: int) -> bool:
    """Whether the year's schedule is known: the library knows it, or the bureau marked it
    complete (`CalendarYear`)."""
    return year in LIBRARY_YEARS or _load([year])[year].complete


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day.

    Rules (docs/domain.md §0 "Working days"): the bureau's entry for the day if there is one;
    else the library's calendar for the years it knows (holidays, adjusted working weekends);
    else Monday to Friday (a year not known: see `is_provisional`).
    """
    day = _date(day, "day")
    return _Calendar(day, day).is_working(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n >= 1): the last day of a period of n WD that
    starts with an event on `start`.

    Rules (docs/domain.md §0 "Working days", "Counting periods in the code"): `start` itself
    never counts, whether or not it is a working day. 20 WD after 2025-09-26 is 2025-10-30.
    Whether the result is provisional: `deadline_after`, or `is_provisional`.
    """
    start = _date(start, "start")
    if n < 1:
        raise ValueError(f"a period of working days has at least one day, not {n}")
    return _Calendar(start, start + _span(n)).add_working_days(start, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie in (start, end]: `start` excluded, `end` included.

    Rules: the count `add_working_days` makes, so that
    ``working_days_between(s, add_working_days(s, n)) == n``; 0 when end == start; when end is
    before start, minus the working days in (end, start] (how many WD a date is overdue, read
    the other way round).
    """
    start, end = _date(start, "start"), _date(end, "end")
    if end < start:
        return -working_days_between(end, start)
    return _Calendar(start, end).count(start, end)


def is_provisional(start: dt.date, end: dt.date | None = None) -> bool:
    """Whether any day of [start, end] (or `start` alone) lies in a year whose schedule is not
    known, so that a date counted over those days may still change (docs/domain.md §0: the
    portal says so instead of silently counting weekdays)."""
    start = _date(start, "start")
    end = start if end is None else _date(end, "end")
    first, last = min(start, end), max(start, end)
    return _Calendar(first, last).any_unknown(first, last)


def deadline_after(start: dt.date, working_days: int) -> Deadline:
    """The deadline of a period of `working_days` WD that starts with an event on `start`, and
    whether it is provisional: the one function the apps call for a deadline in working days.

    Rules: `add_working_days`; provisional when any day counted, (start, deadline], lies in a
    year that is not known.
    """
    start = _date(start, "start")
    if working_days < 1:
        raise ValueError(f"a period of working days has at least one day, not {working_days}")
    calendar = _Calendar(start, start + _span(working_days))
    day = calendar.add_working_days(start, working_days)
    return Deadline(day=day, provisional=calendar.any_unknown(start + _ONE_DAY, day))


def missing_schedule_warning(today: dt.date) -> str | None:
    """The warning for administrators when a schedule is missing, in the active language; None
    when nothing is missing.

    Rules: from 1 December of year Y, year Y+1 must be known; the current year always (a year
    that began without its schedule is the more urgent). Cost: a query at most, for years the
    library does not know, cached like the entries.
    """
    today = _date(today, "today")
    years = [today.year] + ([today.year + 1] if today.month >= WARNING_FROM_MONTH else [])
    missing = [y for y in years if not year_is_known(y)]
    if not missing:
        return None
    return ngettext(
        "The holiday schedule of %(years)s is not entered yet: deadlines in that year are "
        "counted on the weekends alone and shown as provisional. Enter its holidays and "
        "adjusted working days as calendar days, then mark the year complete.",
        "The holiday schedules of %(years)s are not entered yet: deadlines in those years are "
        "counted on the weekends alone and shown as provisional. Enter their holidays and "
        "adjusted working days as calendar days, then mark each year complete.",
        len(missing),
    ) % {"years": ", ".join(str(y) for y in missing)}


# --------------------------------------------------------------------------- calendar days


def add_days_civil(start: dt.date, n: int) -> dt.date:
    """The last day of a period of `n` calendar days that starts with an event on `start`.

    Rules (民法典 arts. 201, 203; docs/domain.md "Counting periods in the code"): the day of the
    event is not counted, so the nominal last day is start + n days; when that is a day off of
    this calendar (a statutory holiday, or a weekend that is not an adjusted working day), the
    period ends on the first working day after it. Provisional when
    `is_provisional(start, result)`.
    """
    start = _date(start, "start")
    if n < 1:
        raise ValueError(f"a period of days has at least one day, not {n}")
    return _roll_forward(start + dt.timedelta(days=n))


def period_end_months(start: dt.date, months: int) -> dt.date:
    """The last day of a period of `months` months that starts with an event on `start`.

    Rules (民法典 arts. 201–203): the corresponding day of the last month
    (`credit_portal.dates.add_months`: that month's last day when it has no such day), moved to
    the first working day after it when it is a day off, as `add_days_civil`.
    """
    start = _date(start, "start")
    if months < 1:
        raise ValueError(f"a period of months has at least one month, not {months}")
    return _roll_forward(add_months(start, months))


def period_end_years(start: dt.date, years: int) -> dt.date:
    """The last day of a period of `years` years that starts with an event on `start`.

    Rules (民法典 arts. 201–203): the corresponding day `years` later
    (`credit_portal.dates.add_years`: 28 February for 29 February), moved to the first working
    day after it when it is a day off, as `add_days_civil`.
    """
    start = _date(start, "start")
    if years < 1:
        raise ValueError(f"a period of years has at least one year, not {years}")
    return _roll_forward(add_years(start, years))


def _roll_forward(day: dt.date) -> dt.date:
    """`day`, or the first working day after it when it is a day off (民法典 art. 203)."""
    return _Calendar(day, day + dt.timedelta(days=30)).roll_forward(day)
