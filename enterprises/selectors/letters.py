"""Letters an enterprise received and whether each was answered in time (docs/domain.md §9).

A letter is a ledger record of a kind in the letters section (`Section.LETTERS`: remediation's
reminders, suggestions, warnings and interview notices). The day it asks a reply by is its
`details["deadline"]` (ISO date; none: no reply asked). The ledger is append-only, so a reply
is not a change of the letter but a new record that closes it, of a kind that closes letters
only (remediation's `letter_reply`); a letter closed by another kind (a correction of an entry
error) was withdrawn, not answered. The status is derived against a given day, never stored:

- no deadline: no reply asked;
- no reply, the deadline is that day or later: reply due;
- no reply, the deadline has passed: overdue;
- a reply on or before the deadline: replied; after it: replied late.

The enterprise's own pages (/me/, /me/records/), the staff detail page and the records API
show it, each from the records it has already read (no query of its own), or through
`letters_for`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from enterprises.kinds import Section, kind_codes, kinds_all
from enterprises.models import CreditRecord, Enterprise


class LetterStatus(models.TextChoices):
    NO_REPLY_ASKED = "no_reply_asked", _("No reply asked")
    DUE = "due", _("Reply due")
    OVERDUE = "overdue", _("Overdue")
    REPLIED = "replied", _("Replied")
    REPLIED_LATE = "replied_late", _("Replied late")
    WITHDRAWN = "withdrawn", _("Closed without a reply")


# The badge of each status (portal.css: badge--ok, --warn, --bad, --muted; "" the plain one).
LETTER_STATUS_TONES = {
    LetterStatus.NO_REPLY_ASKED: "muted",
    LetterStatus.DUE: "",
    LetterStatus.OVERDUE: "bad",
    LetterStatus.REPLIED: "ok",
    LetterStatus.REPLIED_LATE: "warn",
    LetterStatus.WITHDRAWN: "muted",
}


def letter_kinds() -> set[str]:
    """The kinds of letters (the letters section)."""
    return set(kind_codes(section=Section.LETTERS))


def letter_reply_kinds() -> set[str]:
    """The kinds of a letter's reply: closing kinds that close letters and nothing else."""
    letters = letter_kinds()
    return {k.code for k in kinds_all() if k.closes_kinds and k.closes_kinds <= letters}


def letter_status(
    *, reply_by: dt.date | None, replied_on: dt.date | None, withdrawn: bool, today: dt.date
) -> LetterStatus:
    """A letter's status on `today` from its deadline and the date of its reply (module
    docstring). The deadline day itself is still in time."""
    if replied_on is not None:
        late = reply_by is not None and replied_on > reply_by
        return LetterStatus.REPLIED_LATE if late else LetterStatus.REPLIED
    if withdrawn:
        return LetterStatus.WITHDRAWN
    if reply_by is None:
        return LetterStatus.NO_REPLY_ASKED
    return LetterStatus.OVERDUE if today > reply_by else LetterStatus.DUE


def _deadline(record: CreditRecord) -> dt.date | None:
    value = (record.details or {}).get("deadline") if isinstance(record.details, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None  # a deadline the ledger holds in another form asks nothing we can check


@dataclass(frozen=True)
class LetterView:
    """A letter with its deadline, its reply and its status on a day."""

    record: CreditRecord
    reply_by: dt.date | None
    replied_on: dt.date | None
    status: LetterStatus

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def tone(self) -> str:
        return LETTER_STATUS_TONES[self.status]


def letter_view(*, record: CreditRecord, closer: CreditRecord | None, today: dt.date) -> LetterView:
    """One letter as seen on `today`; `closer` is the record that closes it, if any."""
    replied_on = (
        closer.occurred_on if closer is not None and closer.kind in letter_reply_kinds() else None
    )
    reply_by = _deadline(record)
    status = letter_status(
        reply_by=reply_by,
        replied_on=replied_on,
        withdrawn=closer is not None and replied_on is None,
        today=today,
    )
    return LetterView(record=record, reply_by=reply_by, replied_on=replied_on, status=status)


def letter_views(*, records: Iterable[CreditRecord], today: dt.date) -> list[LetterView]:
    """The letters among an enterprise's records, in their order, each with its status on
    `today`. `records` is the whole ledger of the enterprise (the replies are found in it),
    as `credit_records_for` reads it."""
    records = list(records)
    closers = {r.closes_id: r for r in records if r.closes_id is not None}
    kinds = letter_kinds()
    return [
        letter_view(record=r, closer=closers.get(r.pk), today=today)
        for r in records
        if r.kind in kinds
    ]


def letters_for(*, enterprise: Enterprise, today: dt.date) -> list[LetterView]:
    """The letters an enterprise received, newest first, each with its status on `today`.

    Rules: docs/domain.md §9 (module docstring). One query: the letters with the record that
    closes each.
    """
    queryset: QuerySet[CreditRecord] = (
        CreditRecord.objects.filter(enterprise=enterprise, kind__in=sorted(letter_kinds()))
        .select_related("closed_by")
        .order_by("-occurred_on", "-id")
    )
    return [letter_view(record=r, closer=closing_record(r), today=today) for r in queryset]


def closing_record(record: CreditRecord) -> CreditRecord | None:
    """The record that closes `record` (read with select_related("closed_by")), or None."""
    try:
        return record.closed_by
    except CreditRecord.closed_by.RelatedObjectDoesNotExist:
        return None
