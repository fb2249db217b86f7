"""Reads for the enterprise self-service area (/me/): the enterprise of a member, its current
state as the ledger tells it, and what it can do next, with the dates that follow from the
rules (docs/domain.md §3 abnormal directory, §4 annual reports, §5 repair, §7 suspension).

Everything is derived from the ledger records of one enterprise, read in one query; the
guidance only explains, it changes nothing. The risk class is an internal supervision tool
(docs/domain.md §1) and is not returned unless the setting
``CREDIT_PORTAL["SHOW_RISK_CLASS_TO_ENTERPRISES"]`` is true (default false).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credit_portal.dates import add_months, add_years
from credit_portal.models import User
from enterprises.kinds import RepairAdvice, Section, kind_codes, kind_repair_advice_many
from enterprises.models import ActivationCode, CreditRecord, Enterprise
from enterprises.rules import (
    OBJECTION_DAYS,
    PENALTY_REPAIR_AFTER_MONTHS,
    REMOVAL_DECISION_WORKING_DAYS,
    SERIOUS_LIST_AFTER_YEARS,
    SERIOUS_REPAIR_AFTER_YEARS,
    SUSPENSION_EXTENSION_WINDOW_DAYS,
)
from enterprises.selectors.letters import LetterView, letter_kinds, letter_view, letter_views
from enterprises.selectors.register import credit_records_for, enterprise_list_for_user
from enterprises.state import state_fold

Status = Enterprise.Status


def _d(day: dt.date | None) -> str:
    """A date in running text, in the reader's language (2026年7月10日 / July 10, 2026)."""
    return date_format(day, "DATE_FORMAT") if day else ""


def show_risk_class_to_enterprises() -> bool:
    return bool(settings.CREDIT_PORTAL.get("SHOW_RISK_CLASS_TO_ENTERPRISES", False))


def member_enterprise(*, user: User) -> Enterprise:
    """The enterprise the user acts for, fetched through the jurisdiction selector.

    Raises PermissionDenied for users without an enterprise membership (staff included).
    """
    membership = getattr(user, "enterprise_membership", None) if user.is_authenticated else None
    if membership is None:
        raise PermissionDenied(_("This page is for registered enterprise users."))
    enterprise = enterprise_list_for_user(user=user).filter(pk=membership.enterprise_id).first()
    if enterprise is None:  # pragma: no cover - the selector always shows a member its own
        raise PermissionDenied(_("This page is for registered enterprise users."))
    return enterprise


@dataclass
class RecordView:
    """A ledger record as the enterprise sees it."""

    record: CreditRecord
    public_now: bool
    closed_on: dt.date | None
    closed_kind: str
    letter: LetterView | None = None  # a letter: its deadline, reply and status

    @property
    def publicity_text(self) -> str:
        r = self.record
        if not r.public_by_law:
            return _("Not public")
        start = r.publicity_from or r.occurred_on
        if r.publicity_end:
            return _("%(start)s to %(end)s") % {"start": start, "end": r.publicity_end}
        return _("from %(start)s") % {"start": start}


@dataclass
class Step:
    """One thing the enterprise can or must do, with its dates."""

    title: str
    text: str
    tone: str = "info"  # info, warn, bad, ok
    dates: list[tuple[str, dt.date]] = field(default_factory=list)
    action: str = ""  # a later feature's page; empty while it does not exist


@dataclass
class Overview:
    enterprise: Enterprise
    today: dt.date
    abnormal: list[CreditRecord]
    serious: list[CreditRecord]
    penalties: list[RecordView]
    letters: list[LetterView]
    steps: list[Step]
    show_risk: bool
    # The current class (`risk.CurrentClass`) when the bureau shows classes to enterprises
    # (`SHOW_RISK_CLASS_TO_ENTERPRISES`, off by default) and the entity is classified; None
    # otherwise, so that a template cannot show it by mistake.
    risk: Any = None
    # The repairing app's advice on each penalty in publicity, by record pk, asked once for
    # all of them (`kind_repair_advice_many`): pages reusing the overview read it from here.
    repair_advice: dict[int, RepairAdvice] = field(default_factory=dict)


def _record_views(records: list[CreditRecord], today: dt.date) -> list[RecordView]:
    closers = {r.closes_id: r for r in records if r.closes_id is not None}
    letters = letter_kinds()
    views = []
    for r in records:
        closer = closers.get(r.pk)
        public_now = r.is_public_on(today, closed=closer is not None)
        views.append(
            RecordView(
                record=r,
                public_now=public_now,
                closed_on=closer.occurred_on if closer else None,
                closed_kind=closer.get_kind_display() if closer else "",
                letter=letter_view(record=r, closer=closer, today=today)
                if r.kind in letters
                else None,
            )
        )
    return views


def enterprise_records_split(
    *, enterprise: Enterprise, today: dt.date
) -> tuple[list[RecordView], list[RecordView]]:
    """The enterprise's whole ledger, newest first, as (public part, private part): public by
    law, by the record's flag or by its kind (`CreditRecord.public_by_law`)."""
    views = _record_views(list(credit_records_for(enterprise=enterprise)), today)
    public = [v for v in views if v.record.public_by_law]
    return public, [v for v in views if not v.record.public_by_law]


def _abnormal_step(record: CreditRecord, enterprise: Enterprise, today: dt.date) -> Step:
    listed = record.occurred_on
    details = record.details or {}
    # The directory's reason codes (docs/domain.md §3): 1 late report, 4 unreachable; older
    # records name the reason in words.
    reason = {"1": "annual_report_overdue", "4": "unreachable"}.get(
        str(details.get("reason_code", "")), details.get("reason", "")
    )
    is_ib = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
    year = details.get("report_year")
    dates: list[tuple[str, dt.date]] = [(_("Listed on"), listed)]
    if reason == "annual_report_overdue":
        what = (
            _("the annual report for %(year)s was not filed on time") % {"year": year}
            if year
            else _("the annual report was not filed on time")
        )
        cure = (
            _("File the missing annual report online: normal status is restored the same day.")
            if is_ib
            else _(
                "File every missing annual report online: the listing is then removed without "
                "an application."
            )
        )
    elif reason == "unreachable":
        what = _("the enterprise could not be reached at its registered address")
        cure = _(
            "Register a change of address, or declare that you can be reached at the "
            "registered address again (the bureau verifies it), then apply for removal."
        )
    else:
        what = record.summary
        cure = _("Cure the cause stated in the decision, then apply for removal.")
    if is_ib:
        title = _("Marked as operating abnormally")
        text = _(
            "Marked on %(date)s because %(what)s. %(cure)s Normal status is restored within "
            "%(n)d working days after the bureau has verified it."
        ) % {"date": _d(listed), "what": what, "cure": cure, "n": REMOVAL_DECISION_WORKING_DAYS}
    else:
        title = _("In the abnormal operations directory")
        deadline = add_years(listed, SERIOUS_LIST_AFTER_YEARS)
        text = _(
            "Listed on %(date)s because %(what)s. %(cure)s The bureau decides on removal within "
            "%(n)d working days of your application. If the cause is not cured by %(deadline)s "
            "(three years after listing), the enterprise is put on the serious illegal and "
            "dishonest list."
        ) % {
            "date": _d(listed),
            "what": what,
            "cure": cure,
            "n": REMOVAL_DECISION_WORKING_DAYS,
            "deadline": _d(deadline),
        }
        dates.append((_("Moves to the serious list on"), deadline))
    objection_until = listed + dt.timedelta(days=OBJECTION_DAYS)
    if today <= objection_until:
        text += " " + _(
            "If you think the listing is wrong, you may object until %(date)s (30 days after "
            "publication)."
        ) % {"date": _d(objection_until)}
        dates.append((_("Objection possible until"), objection_until))
    return Step(title=title, text=text, tone="bad", dates=dates)


def _steps(
    *,
    enterprise: Enterprise,
    today: dt.date,
    abnormal: list[CreditRecord],
    serious: list[CreditRecord],
    penalties: list[RecordView],
    records: list[CreditRecord],
    repair_advice: dict[int, RepairAdvice],
) -> list[Step]:
    steps: list[Step] = []
    if enterprise.status == Status.DEREGISTERED:
        return [
            Step(
                title=_("Deregistered"),
                text=_(
                    "This market entity has been deregistered; no annual reports or other "
                    "filings are due. The ledger below stays available."
                ),
                tone="muted",
            )
        ]
    if enterprise.status == Status.CANCELLED:
        return [
            Step(
                title=_("Registration cancelled"),
                text=_(
                    "The registration of this market entity was cancelled (撤销登记); no annual "
                    "reports or other filings are due. The ledger below stays available."
                ),
                tone="muted",
            )
        ]
    if enterprise.status == Status.REVOKED:
        steps.append(
            Step(
                title=_("Business licence revoked"),
                text=_(
                    "The business licence was revoked. Organise the liquidation and apply for "
                    "deregistration; until then the enterprise stays in the register."
                ),
                tone="bad",
                dates=[(_("Revoked on"), enterprise.status_changed_on)]
                if enterprise.status_changed_on
                else [],
            )
        )
    steps.extend(_abnormal_step(r, enterprise, today) for r in abnormal)
    for r in serious:
        eligible = add_years(r.occurred_on, SERIOUS_REPAIR_AFTER_YEARS)
        steps.append(
            Step(
                title=_("On the serious illegal and dishonest list"),
                text=_(
                    "Listed on %(date)s. Once the causes are cured, you may apply for early "
                    "removal (credit repair) from %(eligible)s, after one year on the list. "
                    "While listed, the legal representative may not become legal "
                    "representative of another enterprise."
                )
                % {"date": _d(r.occurred_on), "eligible": _d(eligible)},
                tone="bad",
                dates=[(_("Listed on"), r.occurred_on), (_("Repair possible from"), eligible)],
            )
        )
    for v in penalties:
        r = v.record
        start = r.publicity_start or r.occurred_on
        # The repairing app's rule when it declares one (sector, exclusions, other
        # departments: remediation), else the general six months (§5).
        advice = repair_advice.get(r.pk)
        eligible = (
            advice.earliest_on
            if advice is not None and advice.earliest_on is not None
            else add_months(start, PENALTY_REPAIR_AFTER_MONTHS)
        )
        dates = [(_("Decided on"), r.occurred_on), (_("Public from"), start)]
        if r.publicity_end:
            dates.append((_("Public until"), r.publicity_end))
        if advice is not None and advice.elsewhere:
            text = _(
                "The penalty decided on %(date)s was decided by another department: its credit "
                "repair is applied for on Credit China (信用中国), not here."
            ) % {"date": _d(r.occurred_on)}
        elif (
            advice is not None
            and advice.outside_repair
            and not (r.publicity_end and r.publicity_end <= eligible)
        ):
            text = _(
                "The penalty decided on %(date)s is public%(until)s. Its publicity cannot be "
                "ended early by credit repair."
            ) % {
                "date": _d(r.occurred_on),
                "until": (_(" until %(end)s") % {"end": _d(r.publicity_end)})
                if r.publicity_end
                else "",
            }
        elif r.publicity_end and r.publicity_end <= eligible:
            text = _(
                "The penalty decided on %(date)s is public until %(end)s and then leaves the "
                "publicity system by itself."
            ) % {"date": _d(r.occurred_on), "end": _d(r.publicity_end)}
        else:
            text = _(
                "The penalty decided on %(date)s is public%(until)s. After you have carried out "
                "the decision, you may apply for credit repair (early end of publicity) from "
                "%(eligible)s: six months of publicity, one year for food, drugs and special "
                "equipment."
            ) % {
                "date": _d(r.occurred_on),
                "until": (_(" until %(end)s") % {"end": _d(r.publicity_end)})
                if r.publicity_end
                else "",
                "eligible": _d(eligible),
            }
            dates.append((_("Repair possible from"), eligible))
        steps.append(
            Step(
                title=_("Administrative penalty in publicity"), text=text, tone="warn", dates=dates
            )
        )
    if enterprise.status == Status.SUSPENDED and enterprise.suspended_until:
        until = enterprise.suspended_until
        window = until - dt.timedelta(days=SUSPENSION_EXTENSION_WINDOW_DAYS)
        steps.append(
            Step(
                title=_("Business suspended"),
                text=_(
                    "Suspended from %(start)s until %(until)s. Annual reports are still due "
                    "during a suspension. To extend it, file between %(window)s and %(until)s; "
                    "a suspension lasts at most three years in total. When you resume business, "
                    "publish the resumption within 30 days."
                )
                % {
                    "start": _d(enterprise.suspended_from),
                    "until": _d(until),
                    "window": _d(window),
                },
                tone="warn",
                dates=[
                    (_("Suspended from"), enterprise.suspended_from or until),
                    (_("Suspended until"), until),
                    (_("Extension can be filed from"), window),
                ],
            )
        )
    # Annual report (docs/domain.md §4): 1 Jan - 30 Jun for the previous year; an entity set up in
    # year X first reports in X+1.
    year = today.year
    due_year = year if today <= dt.date(year, 6, 30) else year + 1
    report_year = due_year - 1
    if enterprise.registered_on.year <= report_year:
        filed = [
            r
            for r in records
            if r.kind in kind_codes(section=Section.ANNUAL_REPORTS)
            # The report's year: details["year"] (annual_reports), or "report_year" in records
            # written before the annual-report module.
            and (r.details or {}).get("year", (r.details or {}).get("report_year")) == report_year
        ]
        if filed:
            text = _("The annual report for %(y)s was filed on %(date)s.") % {
                "y": report_year,
                "date": _d(filed[0].occurred_on),
            }
            tone = "ok"
        elif enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS:
            # An individual business is marked, not listed (docs/domain.md §3, SAIC Order 69).
            text = _(
                "File the annual report for %(y)s between 1 January and 30 June %(due)s on the "
                "publicity system. A report not filed by 30 June leads to the business being "
                "marked as operating abnormally."
            ) % {"y": report_year, "due": due_year}
            tone = "info"
        else:
            text = _(
                "File the annual report for %(y)s between 1 January and 30 June %(due)s on the "
                "publicity system. A report not filed by 30 June leads to a listing in the "
                "abnormal operations directory."
            ) % {"y": report_year, "due": due_year}
            tone = "info"
        steps.append(
            Step(
                title=_("Annual report"),
                text=text,
                tone=tone,
                dates=[
                    (_("Window opens"), dt.date(due_year, 1, 1)),
                    (_("Deadline"), dt.date(due_year, 6, 30)),
                ],
            )
        )
    else:
        steps.append(
            Step(
                title=_("Annual report"),
                text=_(
                    "Registered in %(y)s: the first annual report (for %(y)s) is due between 1 "
                    "January and 30 June %(next)s."
                )
                % {"y": enterprise.registered_on.year, "next": enterprise.registered_on.year + 1},
                dates=[(_("Deadline"), dt.date(enterprise.registered_on.year + 1, 6, 30))],
            )
        )
    steps.append(
        Step(
            title=_("Correct your published information"),
            text=_(
                "If information you published is wrong, correct it yourself (self-correction). "
                "Corrections to a published annual report must be finished by 30 June; both "
                "versions stay visible; after it, only when a check invites you. Immediate "
                "information (capital contributions, equity changes, licences) can be corrected "
                "at any time, online in this self-service area."
            ),
        )
    )
    return steps


def enterprise_overview(*, enterprise: Enterprise, today: dt.date) -> Overview:
    """What the /me/ page shows: current state, guidance with dates, letters received."""
    records = list(credit_records_for(enterprise=enterprise))
    views = _record_views(records, today)
    # The state rule (enterprises.state) over the ledger in date order; lists newest first.
    state = state_fold(sorted(records, key=lambda r: (r.occurred_on, r.pk)), today)
    abnormal, serious = state.abnormal_listings[::-1], state.serious_listings[::-1]
    penalty_kinds = set(kind_codes(section=Section.PENALTIES))
    penalties = [v for v in views if v.record.kind in penalty_kinds and v.public_now]
    letters = letter_views(records=records, today=today)
    repair_advice = kind_repair_advice_many([v.record for v in penalties], today)
    return Overview(
        enterprise=enterprise,
        today=today,
        abnormal=abnormal,
        serious=serious,
        penalties=penalties,
        letters=letters,
        steps=_steps(
            enterprise=enterprise,
            today=today,
            abnormal=abnormal,
            serious=serious,
            penalties=penalties,
            records=records,
            repair_advice=repair_advice,
        ),
        show_risk=show_risk_class_to_enterprises(),
        risk=enterprise.current_risk if show_risk_class_to_enterprises() else None,
        repair_advice=repair_advice,
    )


def activation_codes_for(*, enterprise: Enterprise) -> QuerySet[ActivationCode]:
    """The codes issued to an enterprise (never their value), newest first."""
    return ActivationCode.objects.filter(enterprise=enterprise).select_related(
        "issued_by", "used_by"
    )
