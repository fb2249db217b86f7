"""An enterprise's standing on a day: the faults in force, what a letter would state, and the
ledger records that decide it (docs/domain.md §11; the rules in
`standing.rules`).

Everything is read from the credit ledger in ONE query (the enterprise's records, all of them:
the fold needs those up to the day, verification also those recorded later) and folded by the
register's state rule (`enterprises.state.state_fold`), as the self-service page does. No
cached field of `Enterprise` is trusted for the day asked about, so a past day replays exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from annual_reports.kinds import ANNUAL_REPORT_FILED
from annual_reports.rules import report_deadline, report_due
from credit_portal.dates import add_years, chinese_date
from enterprises.kinds import Effect, Section, kind_codes
from enterprises.models import CreditRecord, Enterprise
from enterprises.public import section_kinds
from enterprises.rules import SERIOUS_REPAIR_AFTER_YEARS
from enterprises.selectors.register import public_credit_records
from enterprises.state import EnterpriseState, state_fold
from remediation.kinds import ABNORMAL_LISTING, SERIOUS_LISTING
from remediation.rules import SERIOUS_TERM_YEARS, directory_setting
from standing import rules

Status = Enterprise.Status
# Statuses that may have a letter (standing.rules, point 4).
LETTER_STATUSES = (Status.OPERATING, Status.SUSPENDED)


def _d(day: dt.date | None) -> str:
    """A date in running text, in the reader's language (2026年7月10日 / July 10, 2026)."""
    return date_format(day, "DATE_FORMAT") if day else ""


@dataclass(frozen=True)
class Fault:
    """One fault in force: `key` (abnormal, serious, penalty, status, annual_report), the
    plain sentence naming it and when it ends, and the ledger records behind it."""

    key: str
    text: str
    record_ids: tuple[int, ...] = ()
    ends_on: dt.date | None = None


@dataclass
class Standing:
    enterprise: Enterprise
    on: dt.date
    status: str
    suspended_until: dt.date | None
    faults: list[Fault]
    statements: list[dict[str, str]]
    record_ids: list[int]  # the records that decided the standing (in force, or the report)
    last_record_id: int
    records: list[CreditRecord] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.faults

    @property
    def problems(self) -> list[str]:
        return [f.text for f in self.faults]

    @property
    def digest(self) -> str:
        """SHA-256 of the standing facts: the day, the status, the faults and the records that
        decided them (what verification compares with)."""
        facts = {
            "enterprise": self.enterprise.pk,
            "on": self.on.isoformat(),
            "status": self.status,
            "suspended_until": self.suspended_until.isoformat() if self.suspended_until else None,
            "faults": sorted(f.key for f in self.faults),
            "records": sorted(self.record_ids),
        }
        canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def last_due_report_year(on: dt.date) -> int:
    """The latest year whose annual report's deadline (30 June of the next year) has passed on
    `on` (docs/domain.md §4): on 2026-12-07, 2025; on 2026-06-30, 2024."""
    year = on.year - 1
    return year if on > report_deadline(year) else year - 1


def _report_year(record: CreditRecord) -> int | None:
    details = record.details or {}
    value = details.get("year", details.get("report_year"))
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def enterprise_records(
    *, enterprise: Enterprise, shown_on: dt.date | None = None
) -> list[CreditRecord]:
    """Every ledger record of the enterprise in date order (one query, no joins).

    With `shown_on`, each record also carries `publicly_shown`: whether the public profile
    shows it on that day, by the register's own rule (`public_credit_records` with the
    listing history, in the sections the profile shows: `enterprises.public`), computed in
    the same query (a subquery), so that verification names only what the public may see."""
    records = CreditRecord.objects.filter(enterprise=enterprise)
    if shown_on is not None:
        shown = (
            public_credit_records(enterprise=enterprise, on=shown_on, listing_history=True)
            .filter(kind__in=list(section_kinds()))
            .order_by()
            .values("pk")
        )
        records = records.annotate(
            publicly_shown=ExpressionWrapper(Q(pk__in=shown), output_field=BooleanField())
        )
    return list(records.order_by("occurred_on", "id"))


def publicly_shown(record: CreditRecord) -> bool:
    """Whether the public profile shows `record` (read by `enterprise_records(shown_on=...)`;
    False when it was not asked)."""
    return bool(getattr(record, "publicly_shown", False))


def standing_of(
    *, enterprise: Enterprise, on: dt.date, records: list[CreditRecord] | None = None
) -> Standing:
    """The enterprise's standing on `on` (docs/domain.md §11):
    the faults in force (empty: a letter may be issued) and what a letter would state.

    Rules: `standing.rules` points 1-5, each fault with the day it ends where the rules know
    it. Reads: one query (`records` may be given, read by `enterprise_records`)."""
    if records is None:
        records = enterprise_records(enterprise=enterprise)
    past = [r for r in records if r.occurred_on <= on]
    state: EnterpriseState = state_fold(past, on)
    faults: list[Fault] = []
    decided: list[int] = []
    is_ib = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS

    # 4. Registration status (the fold's, on the day).
    if state.status not in LETTER_STATUSES:
        label = Status(state.status).label if state.status in Status.values else state.status
        faults.append(
            Fault(
                "status",
                _(
                    "The registration status is “%(status)s”: a letter of good standing is "
                    "issued only for an entity that is operating or suspended."
                )
                % {"status": label},
            )
        )
    status_records = [r for r in past if r.kind in kind_codes(effect=Effect.STATUS)]
    if status_records:
        decided.append(status_records[-1].pk)

    # 1. Abnormal directory / individual business marked abnormal.
    for r in state.abnormal_listings:
        marked = is_ib or bool((r.details or {}).get("individual_business"))
        text = (
            _(
                "Marked as operating abnormally since %(date)s; the mark ends when the bureau "
                "restores normal status (file the missing report online, or have the cause "
                "verified as cured)."
            )
            if marked
            else _(
                "Listed in the abnormal operations directory since %(date)s; the listing ends "
                "when the bureau removes it (every missing annual report filed, or the cause "
                "cured and removal applied for)."
            )
        ) % {"date": _d(r.occurred_on)}
        faults.append(Fault("abnormal", text, (r.pk,)))
        decided.append(r.pk)

    # 2. Serious illegal and dishonest list.
    term = int(str(directory_setting("SERIOUS_TERM_YEARS", SERIOUS_TERM_YEARS)))
    for r in state.serious_listings:
        ends = add_years(r.occurred_on, term)
        repair = add_years(r.occurred_on, SERIOUS_REPAIR_AFTER_YEARS)
        faults.append(
            Fault(
                "serious",
                _(
                    "On the serious illegal and dishonest list since %(date)s; the listing ends "
                    "on %(ends)s, or earlier by credit repair (possible from %(repair)s)."
                )
                % {"date": _d(r.occurred_on), "ends": _d(ends), "repair": _d(repair)},
                (r.pk,),
                ends,
            )
        )
        decided.append(r.pk)

    # 3. Penalties whose publicity is in force.
    penalty_kinds = set(kind_codes(section=Section.PENALTIES))
    for r in past:
        if r.kind in penalty_kinds and r.is_public_on(on, closed=r.pk in state.closed):
            if r.publicity_end:
                text = _(
                    "An administrative penalty decided on %(date)s%(number)s is in publicity "
                    "until %(end)s, or earlier by credit repair once the decision is carried "
                    "out."
                ) % {
                    "date": _d(r.occurred_on),
                    "number": f" ({r.document_number})" if r.document_number else "",
                    "end": _d(r.publicity_end),
                }
            else:
                text = _(
                    "An administrative penalty decided on %(date)s%(number)s is in publicity; "
                    "it ends by credit repair once the decision is carried out."
                ) % {
                    "date": _d(r.occurred_on),
                    "number": f" ({r.document_number})" if r.document_number else "",
                }
            faults.append(Fault("penalty", text, (r.pk,), r.publicity_end))
            decided.append(r.pk)

    # 5. The last annual report due.
    year = last_due_report_year(on)
    due, _why = report_due(enterprise, year)
    report_statement: dict[str, str]
    if due:
        filed = [r for r in past if r.kind == ANNUAL_REPORT_FILED and _report_year(r) == year]
        if filed:
            decided.append(filed[0].pk)
            report_statement = {
                "key": "annual_report",
                "text": rules.STATEMENT_TEXTS["annual_report"].format(year=year),
            }
        else:
            faults.append(
                Fault(
                    "annual_report",
                    _(
                        "The annual report for %(year)s was due by %(deadline)s and has not been "
                        "filed; this ends the day it is filed."
                    )
                    % {"year": year, "deadline": _d(report_deadline(year))},
                )
            )
            report_statement = {}
    else:
        report_statement = {
            "key": "annual_report_not_due",
            "text": rules.STATEMENT_TEXTS["annual_report_not_due"],
        }

    status_text = rules.STATUS_TEXTS.get(state.status, str(state.status))
    if state.status == Status.SUSPENDED and state.suspended_until:
        status_text += f"（歇业期限至{chinese_date(state.suspended_until)}）"
    statements = [
        {"key": "status", "text": rules.STATEMENT_TEXTS["status"].format(status=status_text)},
        {
            "key": "abnormal",
            "text": rules.STATEMENT_TEXTS["abnormal_individual" if is_ib else "abnormal"],
        },
        {"key": "serious", "text": rules.STATEMENT_TEXTS["serious"]},
        {"key": "penalty", "text": rules.STATEMENT_TEXTS["penalty"]},
    ]
    if report_statement:
        statements.append(report_statement)
    return Standing(
        enterprise=enterprise,
        on=on,
        status=str(state.status),
        suspended_until=state.suspended_until,
        faults=faults,
        statements=statements,
        record_ids=decided,
        last_record_id=max((r.pk for r in records), default=0),
        records=records,
    )


# Kinds whose new record after a letter was issued means the standing it states may have
# changed (verification names them even when they have since been closed).
FAULT_KINDS = (ABNORMAL_LISTING, SERIOUS_LISTING)
