"""Calendar arithmetic shared by the apps (periods of months and years in the rules)."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 28 February when it falls on 29 February of a leap year."""
    return add_months(day, 12 * years)


def chinese_date(day: dt.date) -> str:
    """A date as official documents write it: "2026年12月7日" (Arabic numerals, the year in
    full, no leading zeros; GB/T 9704-2012 §7.3.5.1 for the date a document is made)."""
    return f"{day.year}年{day.month}月{day.day}日"
