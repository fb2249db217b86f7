"""Annual reports and immediate disclosures: windows, who must report, limits, each with its
source in docs/domain.md (§3, §4, §10). Services, selectors and pages read these names; no
number below is written anywhere else. Settings (`CREDIT_PORTAL[...]`) override the local
practice values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from enterprises import rules as register_rules

# The window: 1 January – 30 June for the previous calendar year (条例 art. 8 [V]; §4).
WINDOW_START = (1, 1)
WINDOW_END = (6, 30)
# An entity registered in year X files first in X+1, for year X (§4): due for year Y when
# registered on or before 31 December of Y; not due when deregistered, revoked or moved out
# on or before the deadline (30 June of Y+1).
# Corrections: freely until 30 June (条例 art. 12 [V]); after it only on an invitation after a
# check (the seed; §10), which gives this many calendar days (Kunming's 7 days [S, local]).
INVITATION_DAYS = 7
# The filing entrance closes after 30 June while listings are processed and reopens after the
# day the bureau sets (Hubei portal: 1–14 July [V: portal code]; §3). A FilingSeason row
# overrides it per year.
ENTRANCE_CLOSED_UNTIL = (7, 14)
# Immediate disclosures: within 20 WD of the change (国务院注册资本规定 2024 art. 4 [V]; §4).
DISCLOSURE_WORKING_DAYS = 20
# A paper report is marked filed on the publicity system within 10 WD [S] (§4).
PAPER_MARK_WORKING_DAYS = 10


# --- Annual reports: the window, who must report, the figures (docs/domain.md §3, §4, §10)
#
# Functions of the reports area (`annual_reports.services.reports` and its pages, the
# deadline run of `annual_reports.services.deadline`). The constants above are their numbers.

# Figures a report gives (item 7; individual businesses: headcount, revenue, tax). Money is in
# CNY 10,000 (万元) with at most two decimals; profit and owners' equity may be negative, the
# rest not (the model's check constraint says the same). The upper bounds are sanity limits,
# far above the largest enterprise in China (total assets of the largest bank: about CNY 45
# trillion = 4.5 × 10^9 万元), so that a figure typed in yuan instead of 万元 twice over, or a
# stray digit run, is caught [local practice].
MONEY_FIELDS = (
    "total_assets",
    "total_liabilities",
    "guarantees",
    "owners_equity",
    "total_revenue",
    "main_revenue",
    "total_profit",
    "net_profit",
    "tax_paid",
)
MONEY_MAY_BE_NEGATIVE = frozenset({"owners_equity", "total_profit", "net_profit"})
MONEY_LIMIT = 10_000_000_000  # 万元 (CNY 100 trillion), either sign
HEADCOUNT_LIMIT = 5_000_000
# Item 7 of the enterprise form, in the publicity system's order (条例 art. 9 (7); §4).
ITEM_7_FIELDS = ("headcount", *MONEY_FIELDS)
# What the simplified individual-business form asks (促进个体工商户发展条例 art. 12: nothing the
# government already holds; Order 69 art. 6; §4): contact phone, operating status, headcount,
# revenue, tax paid, websites and online shops, licences (optional).
INDIVIDUAL_FIGURES = ("headcount", "total_revenue", "tax_paid")
# Items 3-6 (and an individual business's licences) are lists of objects with these keys
# (docs/domain.md §4 table "What an enterprise reports"). Each key: (kind, required, max
# length): "text", "code" (a credit code, optional), "money" (万元, ≥ 0), "date", "percent"
# (0-100), "url", "choice:<a>|<b>".
LIST_ITEMS: dict[str, dict[str, tuple[str, bool, int]]] = {
    # Item 3: enterprises invested in or whose equity was bought.
    "investments": {"name": ("text", True, 200), "uscc": ("code", False, 18)},
    # Item 4 (companies): each shareholder's subscribed and paid-in contribution.
    "contributions": {
        "shareholder": ("text", True, 200),
        "subscribed": ("money", True, 0),
        "subscribed_on": ("date", False, 0),
        "subscribed_form": ("text", False, 60),
        "paid": ("money", False, 0),
        "paid_on": ("date", False, 0),
        "paid_form": ("text", False, 60),
    },
    # Item 5: equity transferred between shareholders.
    "equity_transfers": {
        "shareholder": ("text", True, 200),
        "before": ("percent", True, 0),
        "after": ("percent", True, 0),
        "changed_on": ("date", True, 0),
    },
    # Item 6: websites and online shops.
    "websites": {
        "kind": ("choice:website|shop", True, 0),
        "name": ("text", True, 200),
        "url": ("url", True, 500),
    },
    # Individual businesses: licences obtained or changed (Order 69 art. 6).
    "licences": {"name": ("text", True, 200), "valid_until": ("date", False, 0)},
}
LIST_MAX_ROWS = 200
TEXT_FIELDS_MAX = {"mailing_address": 255, "phone": 32, "correction_reason": 2000}


def report_deadline(year: int) -> dt.date:
    """The last day to file the report for `year`: 30 June of `year` + 1 (条例 art. 8 [V];
    docs/domain.md §4 "Window")."""
    return dt.date(year + 1, *WINDOW_END)


def window_opens(year: int) -> dt.date:
    """The first day the report for `year` may be filed: 1 January of `year` + 1 (§4)."""
    return dt.date(year + 1, *WINDOW_START)


def entrance_closed_until(year: int) -> dt.date:
    """The last day the filing entrance stays closed after the deadline of `year`'s report, while
    listings are processed (docs/domain.md §3 "Portal practice": Hubei 1–14 July [V: portal
    code]): the bureau's `FilingSeason` row for the year, else 14 July of `year` + 1."""
    from annual_reports.models import FilingSeason

    day = (
        FilingSeason.objects.filter(year=year)
        .values_list("entrance_closed_until", flat=True)
        .first()
    )
    return day or dt.date(year + 1, *ENTRANCE_CLOSED_UNTIL)


# Why a report is not due (`report_due`).
NOT_REGISTERED_YET = "not_registered_yet"
CLOSED_BEFORE_DEADLINE = "closed_before_deadline"
# Deregistered, revoked, cancelled or moved out: one list, the register's (enterprises.rules).
CLOSED_STATUSES = register_rules.CLOSED_STATUSES


def report_due(enterprise: Any, year: int) -> tuple[bool, str]:
    """Whether `enterprise` must report for `year`, and why not (docs/domain.md §4): an entity
    set up in year X reports first for X (in X+1), so one registered after 31 December of
    `year` owes nothing ("not_registered_yet"); one deregistered, revoked or moved out on or
    before the deadline (30 June of `year` + 1) owes nothing either ("closed_before_deadline",
    read from the register's cached status and `status_changed_on`; a closed entity without
    that date is taken as closed before). Suspended entities still report (细则 art. 63)."""
    if enterprise.registered_on.year > year:
        return False, NOT_REGISTERED_YET
    if enterprise.status in CLOSED_STATUSES:
        changed = enterprise.status_changed_on
        if changed is None or changed <= report_deadline(year):
            return False, CLOSED_BEFORE_DEADLINE
    return True, ""


# Why a report cannot be submitted online today (`submission_open`).
WINDOW_NOT_OPEN = "window_not_open"
ENTRANCE_CLOSED = "entrance_closed"


def submission_open(on: dt.date, year: int, *, pending_listing: bool) -> tuple[bool, str]:
    """Whether the report for `year` can be submitted online on `on`, and why not: not before
    the window opens (1 January of `year` + 1: "window_not_open"); from 1 July until
    `entrance_closed_until(year)` the entrance is closed ("entrance_closed") while listings
    are processed, except for an entity pending listing in the punishment buffer, which may
    file throughout (docs/domain.md §3 "Portal practice", "Deferred listing"); after that it
    reopens for late filing. Paper reports entered by staff are not bound by the entrance."""
    if on < window_opens(year):
        return False, WINDOW_NOT_OPEN
    if report_deadline(year) < on <= entrance_closed_until(year) and not pending_listing:
        return False, ENTRANCE_CLOSED
    return True, ""


def report_late(filed_on: dt.date, year: int) -> bool:
    """A report filed (online: submitted; on paper: received) after 30 June of `year` + 1 is
    late (§4 "When a report is late")."""
    return filed_on > report_deadline(year)


def free_correction_until(year: int) -> dt.date:
    """Corrections of `year`'s report are free until 30 June of `year` + 1 (条例 art. 12 [V]);
    after it only on an invitation after a check (the seed's conditions, docs/domain.md §10)."""
    return report_deadline(year)


def reporting_year(on: dt.date) -> int:
    """The year whose report is filed (or was last due) on `on`: the previous calendar year
    (the window is 1 January – 30 June for the previous year, §4)."""
    return on.year - 1
