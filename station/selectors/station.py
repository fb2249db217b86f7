"""The credit station (信用加油站, issue 18 §3): one read that composes what the other apps
already know about an enterprise, for its page (`/me/station/`) and the API for mini-programs
(`/api/v1/me/station/`), which show the same object.

Nothing here re-derives a rule:
- the state and the next steps with their dates:
  `enterprises.selectors.accounts.enterprise_overview`;
- the letters and their reply dates: the overview's `enterprises.selectors.letters` views;
- the facts that weigh on its credit risk and when each stops: `risk.explain.weighing_facts`,
  and what would end each sooner: `risk.selectors.sooner` (the `/me/credit-risk/` page's);
- the class and "what would change it": `risk.selectors.current_for`, `risk.explain.
  what_would_change`, only where the bureau shows classes (`risk.rules.
  show_class_to_enterprises`, off by default: then no class, score or points are read at all);
- the earliest day of a repair: the repairing app's advice, asked once for all the page's
  records (the overview's `repair_advice`, `enterprises.kinds.kind_repair_advice_many`);
- the policy boost: `station.selectors.policies`; the finance boost: the `standing` app's
  `standing_problems` and `letters_for`.

Query count: constant (the ledger twice, the models in force, the class when shown, the
annual-report records, the catalogue, the standing letters and their checks, and the repair
rule's reads once for all penalties), whatever the ledger or the catalogue hold; pinned by
tests/station/test_station_page.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from annual_reports import rules as report_rules
from annual_reports.kinds import ANNUAL_REPORT_LATE
from credit_portal.dates import add_years
from enterprises.kinds import Effect, RepairAdvice, kind_get, kind_repair_advice_many
from enterprises.models import CreditRecord, Enterprise
from enterprises.rules import SERIOUS_REPAIR_AFTER_YEARS
from enterprises.selectors.accounts import Overview, Step, enterprise_overview, member_enterprise
from enterprises.selectors.letters import LetterStatus, LetterView
from risk import explain
from risk import rules as risk_rules
from risk.selectors import current_for, sooner
from station.selectors.policies import (
    FILE_THEN_APPLY,
    FILE_TO_REMOVE,
    EnterpriseFacts,
    Match,
    enterprise_facts,
    file_then_apply_text,
    file_to_remove_text,
    listing_cure,
    policy_matches,
)

Status = Enterprise.Status


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class Sooner:
    """What would end a fact sooner, from when (and by when, for a letter)."""

    text: str
    url: str | None
    link: str
    earliest_on: dt.date | None = None  # the first day it can be done
    due_on: dt.date | None = None  # the day it must be done by (a letter's reply)
    # Past `due_on`: "Overdue since <due_on> — reply now", shown instead of both dates.
    overdue_note: str = ""


@dataclass
class WeighingItem:
    """A fact that weighs on the enterprise: when its effect ends and what ends it sooner."""

    record: CreditRecord
    what: str  # why it weighs: abnormal listing, penalty in publicity, letter, an indicator
    ends_on: dt.date | None  # the day its effect ends by itself (None: only when closed)
    ends_how: str
    public_until: dt.date | None = None
    indicator_name: str = ""
    points: Decimal | None = None  # only where classes are shown
    sooner: Sooner | None = None
    # Nothing ends it sooner, and it ends by itself: "Nothing shortens this: it stops counting
    # on <ends_on>." (empty otherwise).
    no_sooner_note: str = ""


@dataclass
class Action:
    """One thing to do to stay or become low-risk (the credit boost)."""

    key: str
    title: str
    text: str
    tone: str = "info"  # bad, warn, info, ok
    from_on: dt.date | None = None
    due_on: dt.date | None = None
    url: str | None = None
    link: str = ""
    # Past `due_on`: "Overdue since <due_on> — reply now" (or "— file now"), shown instead of
    # both dates.
    overdue_note: str = ""


@dataclass
class Finance:
    problems: list[str]
    letters: list[Any]
    eligible: bool
    issue_url: str | None
    list_url: str | None
    # What the owner should know beside the problems (filing the late report makes the letter
    # possible although the late-filing fact keeps counting for its credit).
    notes: list[str] = field(default_factory=list)


@dataclass
class Station:
    enterprise: Enterprise
    today: dt.date
    overview: Overview
    show_class: bool
    current: Any  # risk.CurrentClass, only where classes are shown
    weighing: list[WeighingItem]
    letters_due: list[LetterView]
    actions: list[Action]
    policies: list[Match]
    finance: Finance
    changes: list[Any] = field(default_factory=list)  # risk.explain.Change, shown classes only

    @property
    def steps(self) -> list[Step]:
        return self.overview.steps

    @property
    def policies_met(self) -> list[Match]:
        return [m for m in self.policies if m.met]

    @property
    def policies_almost(self) -> list[Match]:
        return [m for m in self.policies if m.almost]

    @property
    def all_clear(self) -> bool:
        return not self.weighing and not self.letters_due


# --------------------------------------------------------------------------- sooner


def effect_of(record: CreditRecord) -> Effect | None:
    kind = kind_get(record.kind)
    return kind.effect if kind is not None else None


def overdue_note(due_on: dt.date, *, file: bool = False) -> str:
    """ "Overdue since <due_on> — reply now" (a letter) or "— file now" (a report)."""
    day = {"day": due_on.isoformat()}
    if file:
        return _("Overdue since %(day)s — file now") % day
    return _("Overdue since %(day)s — reply now") % day


def fact_sooner(
    record: CreditRecord,
    today: dt.date,
    letter: LetterView | None,
    repair: RepairAdvice | None = None,
    *,
    individual_business: bool = False,
) -> Sooner | None:
    """What would end `record` sooner, with the earliest day: risk's advice (`sooner`), dated
    by the rule of the app that ends it (`repair`: the repairing app's advice on `record`,
    asked by the caller for all its records at once)."""
    if letter is not None and letter.status in (LetterStatus.DUE, LetterStatus.OVERDUE):
        overdue = letter.reply_by is not None and (
            letter.status == LetterStatus.OVERDUE or letter.reply_by < today
        )
        return Sooner(
            text=(
                _("Reply to the letter by %(day)s and finish what it asks you to rectify.")
                if letter.status == LetterStatus.DUE
                else _("The reply was due on %(day)s: reply now and finish the rectification.")
            )
            % {"day": letter.reply_by.isoformat() if letter.reply_by else ""},
            url=_url("me-remediation:letters"),
            link=_("My letters"),
            earliest_on=today,
            due_on=letter.reply_by,
            overdue_note=overdue_note(letter.reply_by) if overdue and letter.reply_by else "",
        )
    kind = kind_get(record.kind)
    effect = kind.effect if kind is not None else None
    cure = (
        listing_cure(record, individual_business=individual_business)
        if effect == Effect.ABNORMAL
        else ""
    )
    if cure in (FILE_TO_REMOVE, FILE_THEN_APPLY):
        # A listing for a missing report (docs/domain.md §3 "Cure"), in the same words as the
        # policy boost's condition (`station.selectors.policies._listing_why`).
        return Sooner(
            text=file_to_remove_text() if cure == FILE_TO_REMOVE else file_then_apply_text(),
            url=_url("me-annual-reports:list"),
            link=_("Annual reports"),
            earliest_on=today,
        )
    if effect in (Effect.ABNORMAL, Effect.SERIOUS):
        advice = sooner(record, today)  # the /me/credit-risk/ page's advice, as it words it
        if advice is None:  # pragma: no cover - risk advises on every listing
            return None
        earliest = today
        if effect == Effect.SERIOUS:
            earliest = max(today, add_years(record.occurred_on, SERIOUS_REPAIR_AFTER_YEARS))
        return Sooner(str(advice["text"]), advice["url"], str(advice["link"]), earliest)
    # A repairable fact: the repairing app's advice, asked once for the page (it reads the
    # decision), in the words of `risk.selectors.sooner` (same messages), with its earliest day.
    if (
        repair is None
        or repair.outside_repair
        or (not repair.elsewhere and repair.earliest_on is None)
    ):
        return None
    if repair.elsewhere:
        return Sooner(
            _(
                "Decided by another department: its credit repair is applied for on Credit "
                "China (信用中国)."
            ),
            None,
            "",
        )
    assert repair.earliest_on is not None  # noqa: S101 - checked above
    earliest = max(repair.earliest_on, today)
    text = (
        _("You may apply for credit repair now.")
        if repair.earliest_on <= today
        else _("You may apply for credit repair from %(day)s.")
        % {"day": repair.earliest_on.isoformat()}
    )
    return Sooner(text, _url("me-remediation:repairs"), _("Credit repair"), earliest)


# --------------------------------------------------------------------------- facts


def weighing_items(
    *, enterprise: Enterprise, overview: Overview, today: dt.date, show_class: bool
) -> list[WeighingItem]:
    """Every fact that weighs: listings in force, penalties in publicity, letters awaiting a
    reply (the overview), and the facts that count in its credit risk (risk.explain), one item
    per record, listings first."""
    risk_facts = {f.record.pk: f for f in explain.weighing_facts(enterprise, on=today)}
    letters = {v.record.pk: v for v in overview.letters}
    # The repair advice the overview already has (its penalties), and the rest asked in bulk.
    repairs = dict(overview.repair_advice)
    repairs.update(
        kind_repair_advice_many(
            [
                r
                for r in [f.record for f in risk_facts.values()]
                + [v.record for v in overview.letters]
                if r.pk not in repairs
            ],
            today,
        )
    )
    items: dict[int, WeighingItem] = {}
    is_ib = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS

    def add(record: CreditRecord, what: str, ends_on: dt.date | None, ends_how: str) -> None:
        if record.pk in items:
            return
        fact = risk_facts.get(record.pk)
        # A fact that weighs on credit risk longer than it is public ends when it stops
        # weighing; a listing (no end) ends only when it is closed, whatever risk says.
        if (
            fact is not None
            and fact.ends_on is not None
            and ends_on is not None
            and fact.ends_on > ends_on
        ):
            ends_on, ends_how = fact.ends_on, _("when it stops weighing on credit risk")
        sooner_ = fact_sooner(
            record,
            today,
            letters.get(record.pk),
            repairs.get(record.pk),
            individual_business=is_ib,
        )
        items[record.pk] = WeighingItem(
            record=record,
            what=what,
            ends_on=ends_on,
            ends_how=ends_how,
            public_until=record.publicity_end if record.public_by_law else None,
            indicator_name=fact.indicator_name if fact is not None else "",
            points=fact.points if fact is not None and show_class else None,
            sooner=sooner_,
            no_sooner_note=(
                _("Nothing shortens this: it stops counting on %(day)s.")
                % {"day": ends_on.isoformat()}
                if sooner_ is None and ends_on is not None
                else ""
            ),
        )

    for record in overview.serious:
        add(record, _("On the serious illegal and dishonest list"), None, _("when it is removed"))
    for record in overview.abnormal:
        add(
            record,
            _("Marked as operating abnormally")
            if is_ib
            else _("In the abnormal operations directory"),
            None,
            _("when it is removed"),
        )
    for view in overview.penalties:
        add(
            view.record,
            _("Administrative penalty in publicity"),
            view.record.publicity_end,
            _("when its publicity ends"),
        )
    for letter in overview.letters:
        if letter.status in (LetterStatus.DUE, LetterStatus.OVERDUE):
            fact = risk_facts.get(letter.record.pk)
            add(
                letter.record,
                _("Letter awaiting your reply"),
                fact.ends_on if fact is not None else None,
                _("when it stops weighing on credit risk") if fact else _("when you reply"),
            )
    for pk, fact in risk_facts.items():
        if pk not in items:
            add(
                fact.record,
                fact.record.kind_label,
                fact.ends_on,
                fact.ends_how,
            )
    return list(items.values())


# --------------------------------------------------------------------------- credit boost


def credit_actions(
    *,
    enterprise: Enterprise,
    facts: EnterpriseFacts,
    weighing: list[WeighingItem],
    changes: list[Any],
    today: dt.date,
) -> list[Action]:
    """What to do to stay or become low-risk, from the enterprise's own facts (and, where
    classes are shown, from what would change its class); most urgent first."""
    actions: list[Action] = []
    if enterprise.status in (Status.DEREGISTERED, Status.CANCELLED, Status.MOVED_OUT):
        return actions
    for item in weighing:
        s = item.sooner
        if s is None:
            continue
        r = item.record
        ref = r.document_number or r.occurred_on.isoformat()
        if s.due_on is not None:
            overdue = s.due_on < today
            title = (
                _("Reply to letter %(ref)s — overdue") if overdue else _("Reply to letter %(ref)s")
            ) % {"ref": ref}
            tone = "bad" if overdue else "warn"
        elif effect_of(r) == Effect.ABNORMAL:
            title = _("Get the abnormal listing of %(day)s removed") % {
                "day": r.occurred_on.isoformat()
            }
            tone = "bad"
        elif effect_of(r) == Effect.SERIOUS:
            title = _("Apply for early removal from the serious list (listed %(day)s)") % {
                "day": r.occurred_on.isoformat()
            }
            tone = "bad"
        else:
            title = _("Apply for credit repair of %(ref)s") % {"ref": ref}
            tone = "warn"
        actions.append(
            Action(
                key=f"record-{r.pk}",
                title=title,
                text=s.text,
                tone=tone,
                from_on=s.earliest_on,
                due_on=s.due_on,
                url=s.url,
                link=s.link,
                overdue_note=s.overdue_note,
            )
        )
    # The annual report (docs/domain.md §4); a listing for that year's report already says it.
    listed_for_report = any(
        effect_of(item.record) == Effect.ABNORMAL
        and str((item.record.details or {}).get("report_year")) == str(facts.report_year)
        for item in weighing
    )
    if listed_for_report:
        pass
    elif facts.report_due and facts.report_filed_on is None:
        late = today > facts.report_deadline
        actions.append(
            Action(
                key="annual-report",
                title=_("File the annual report for %(year)d") % {"year": facts.report_year},
                text=(
                    _("The deadline has passed: file it now to limit the listing.")
                    if late
                    else _("Filing by %(day)s keeps you out of the abnormal operations directory.")
                    % {"day": facts.report_deadline.isoformat()}
                ),
                tone="bad" if late else "warn",
                from_on=report_rules.window_opens(facts.report_year),
                due_on=facts.report_deadline,
                url=_url("me-annual-reports:list"),
                link=_("Annual reports"),
                overdue_note=overdue_note(facts.report_deadline, file=True) if late else "",
            )
        )
    elif facts.report_not_due_why == report_rules.CLOSED_BEFORE_DEADLINE:
        # Closed before the deadline (annual_reports.rules.report_due): no report now or later.
        actions.append(
            Action(
                key="annual-report",
                title=_("Annual report: none due"),
                text=_(
                    "An entity deregistered, revoked or moved out before the deadline files no "
                    "annual report."
                ),
                tone="ok",
                url=_url("me-annual-reports:list"),
                link=_("Annual reports"),
            )
        )
    else:
        nxt = facts.report_year + 1
        opens, due = report_rules.window_opens(nxt), report_rules.report_deadline(nxt)
        actions.append(
            Action(
                key="annual-report",
                title=_("Annual report for %(year)d: filed") % {"year": facts.report_year}
                if facts.report_due
                else _("Annual report: nothing due yet"),
                text=_("Next: the report for %(year)d, between %(opens)s and %(due)s.")
                % {"year": nxt, "opens": opens.isoformat(), "due": due.isoformat()},
                tone="ok",
                from_on=opens,
                due_on=due,
                url=_url("me-annual-reports:list"),
                link=_("Annual reports"),
            )
        )
    actions.extend(
        Action(
            key=f"class-{change.record.pk}",
            title=_("Moves your class to %(cls)s") % {"cls": change.class_after},
            text=(
                _(
                    "Without the %(what)s of %(day)s your class would be %(cls)s; it ends by "
                    "itself on %(end)s."
                )
                if change.ends_on
                else _("Without the %(what)s of %(day)s your class would be %(cls)s: %(how)s.")
            )
            % {
                "what": change.record.kind_label,
                "day": change.record.occurred_on.isoformat(),
                "cls": change.class_after,
                "end": change.ends_on.isoformat() if change.ends_on else "",
                "how": change.how,
            },
            tone="info",
            due_on=change.ends_on,
        )
        for change in changes
    )
    actions.append(
        Action(
            key="reachable",
            title=_("Stay reachable at your registered address"),
            text=_(
                "An enterprise that cannot be reached at its registered address is listed as "
                "abnormal. Moved? Register the change, and disclose changes of your information "
                "within 20 working days."
            ),
            tone="info",
            url=_url("me-annual-reports:disclosures"),
            link=_("Disclosures"),
        )
    )
    order = {"bad": 0, "warn": 1, "info": 2, "ok": 3}
    far = dt.date.max
    actions.sort(key=lambda a: (order.get(a.tone, 2), a.due_on or a.from_on or far))
    return actions


# --------------------------------------------------------------------------- finance boost


def finance_of(*, enterprise: Enterprise, today: dt.date) -> Finance:
    """The letter of good standing (the `standing` app): whether one can be issued today and
    why not, and the letters issued."""
    from standing.selectors import letters_for
    from standing.services import standing_problems

    problems = list(standing_problems(enterprise=enterprise, on=today))
    return Finance(
        problems=problems,
        letters=list(letters_for(enterprise=enterprise)[:10]),
        eligible=not problems,
        issue_url=_url("standing:me_issue"),
        list_url=_url("standing:me_list"),
    )


def late_report_notes(
    *, facts: EnterpriseFacts, weighing: list[WeighingItem], finance: Finance, today: dt.date
) -> None:
    """Where the report of the year asked is late and not filed, and its late-filing fact
    weighs: say on both sides that filing it makes the letter of good standing possible (the
    `standing` app's rule 5: the report filed) although the late-filing fact keeps counting for
    the enterprise's credit until its own date (`risk`; docs/domain.md §1, §4, §11)."""
    if not facts.report_due or facts.report_filed_on is not None or today <= facts.report_deadline:
        return
    late = next(
        (
            item
            for item in weighing
            if item.record.kind == ANNUAL_REPORT_LATE
            and str((item.record.details or {}).get("year")) == str(facts.report_year)
            and item.ends_on is not None
        ),
        None,
    )
    if late is None or late.ends_on is None:
        return
    day = {"day": late.ends_on.isoformat(), "year": facts.report_year}
    if late.sooner is None:
        late.no_sooner_note = " ".join(
            [
                late.no_sooner_note,
                _(
                    "Filing the report for %(year)d does not shorten it, but the letter of good "
                    "standing needs only the report filed, not this fact ended: see the Finance "
                    "boost."
                )
                % day,
            ]
        ).strip()
    if not finance.eligible:
        finance.notes.append(
            _(
                "Filing the annual report for %(year)d makes the letter possible (once nothing "
                "else above stands in the way), although the late-filing fact keeps counting for "
                "your credit until %(day)s."
            )
            % day
        )


# --------------------------------------------------------------------------- the station


def station_for(*, user: Any, today: dt.date) -> Station:
    """The credit station of the user's own enterprise (PermissionDenied for anyone who is not
    an enterprise user: `member_enterprise`)."""
    enterprise = member_enterprise(user=user)
    overview = enterprise_overview(enterprise=enterprise, today=today)
    show_class = risk_rules.show_class_to_enterprises()
    facts = enterprise_facts(enterprise=enterprise, on=today, overview=overview)
    weighing = weighing_items(
        enterprise=enterprise, overview=overview, today=today, show_class=show_class
    )
    changes = list(explain.what_would_change(enterprise, on=today)) if show_class else []
    finance = finance_of(enterprise=enterprise, today=today)
    late_report_notes(facts=facts, weighing=weighing, finance=finance, today=today)
    return Station(
        enterprise=enterprise,
        today=today,
        overview=overview,
        show_class=show_class,
        current=current_for(enterprise) if show_class else None,
        weighing=weighing,
        letters_due=[
            v for v in overview.letters if v.status in (LetterStatus.DUE, LetterStatus.OVERDUE)
        ],
        actions=credit_actions(
            enterprise=enterprise, facts=facts, weighing=weighing, changes=changes, today=today
        ),
        policies=policy_matches(enterprise=enterprise, on=today, facts=facts),
        finance=finance,
        changes=changes,
    )
