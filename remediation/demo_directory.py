"""The abnormal directory's part of the demo district: the cases that make the ledger and the
directory agree, and a year of the punishment buffer and of individual businesses restored by
themselves, in the seed's proportions (docs/domain.md §3, §4, Appendix A).

`seed_demo` builds the register and its ledger (`enterprises.demo`), then runs the domain
apps' steps (`credit_portal.demo`). Two of them belong together:

1. `annual_reports.demo` (order `annual_reports.demo.STEP_ORDER`) files the annual reports of
   the demo's report years (the last two whose deadline has passed by the as-of date) for
   every entity that had to report, except the entities `late_plan` below names as late, and
   writes the `annual_report_late` facts of those (through the deadline service,
   `annual_reports.services.deadline`, as the daily job wrote them on 1 July).
2. This step (`directory_demo_build`, order `STEP_ORDER`, after it) turns every late fact of
   those years into its `DirectoryCase`, as the deadline run, the buffer's expiry and the cure
   after filing (`remediation.services.directory`) would have, dated when they would have.

Who is late (`late_plan`, deterministic: one `random.Random` from the seed and the figures
year, over the register as the register demo built it):
- every entity the register demo listed or marked for a report year (an `abnormal_listing`
  fact of its history, reason 1, "report_year" in its details): those are adopted as they
  are (listed, or removed with the register's removal, or moved to the serious list), each
  with its case; the register's reason-4 listings since the first report year's deadline too
  (source: inspection). Those the register cured (an `annual_report_filed` fact of its
  history) filed late on that day;
- for the figures year (the as-of year minus one, whose deadline run was on 1 July; report
  year = the as-of year minus two) the punishment buffer: `scaled(3,167)` enterprises
  deferred, `scaled(1,833)` of them filing online within the buffer (closed without listing,
  never listed), the rest listed the day after the buffer deadline (some of those file later
  and are removed without applying); and `scaled(21,078)` individual businesses marked that
  filed online later that year and were restored the same day, counting the register demo's
  own marks of that report year restored in the year (the plan tops them up).
Buffer and restorations are drawn from entities never listed (eligible for the buffer under
any setting), operating or suspended, not bound to a demo login.

Scaling as `remediation.demo` (`scaled`: entities / SEED_DISTRICT_ENTITIES, rounded, at least
MIN_PER_FIGURE). The directory's cases are the bureau's (the deadline run decides for the
bureau; `remediation.selectors.directory`): a partner department has none of them, and the
partner department's share of the demo (`remediation.demo.PARTNER_SHARE`) shows in the
invitations to self-correct instead (`annual_reports.demo`).

The invariant (tests/remediation/test_directory_demo.py): after seed_demo, running the real
daily jobs for the as-of date (`run_daily`: the deadline run, the buffer, the catch-up of the
filings, the closed entities) and draining the ledger's pending changes writes no late fact,
case, listing or removal for the demo's report years: everything is consistent already.

Idempotent: a case exists at most once per (entity, report year) for reason 1, and once per
listing record otherwise; a second run finds them and adds nothing. Speed: the cases are
planned in memory and written by one bulk insert, their facts by two `credit_facts_append`
calls (the listings and deferrals, then the removals that close them), keys assigned here so
that facts and cases point at each other without an UPDATE.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_portal.dates import add_years
from enterprises import rules as register_rules
from enterprises.models import CreditRecord, Enterprise, EnterpriseMembership
from enterprises.services.ledger import CreditFact, credit_facts_append
from remediation import rules
from remediation.demo import scaled
from remediation.kinds import (
    ABNORMAL_LISTING,
    ABNORMAL_REMOVAL,
    ABNORMAL_REVOCATION,
    LISTING_DEFERRED,
    REPAIR,
)
from remediation.models import DirectoryCase

State = DirectoryCase.State
Reason = DirectoryCase.Reason
Removal = DirectoryCase.Removal
Source = DirectoryCase.Source
IB = Enterprise.EntityType.INDIVIDUAL_BUSINESS

STEP_ORDER = 120  # after annual_reports.demo (110), which files the reports and late facts
AUDIT_EVENT = "demo.directory_seeded"

# The seed's figures for the year (docs/domain.md Appendix A) for a district of
# SEED_DISTRICT_ENTITIES market entities.
SEED_DEFERRED = 3_167  # 户: listings deferred (punishment buffer)
SEED_FILED_WITHIN_BUFFER = 1_833  # 户: of those, filed within the buffer
SEED_IB_RESTORED = 21_078  # 户: individual businesses restored after filing online
# Of the enterprises listed after the buffer, the share that file later in the year (and are
# removed without applying, within the 5 WD of §3), and the share of all buffer cases that
# gave a credit pledge (守信承诺).
LATER_FILING_SHARE = 0.4
PLEDGE_SHARE = 0.3
PLEDGE_TEXT = (
    "本企业承诺于缓冲期届满前补报{year}年度报告并公示，保证所报信息真实、准确、完整；"
    "如未按期补报，自愿接受列入经营异常名录。"
)
# The register's document numbers of listings: 双市监异〔year〕n号 (enterprises.demo).
_LISTING_NUMBER = re.compile(r"〔(\d{4})〕(\d+)号$")
_CST = dt.timezone(dt.timedelta(hours=8))
_OPEN = (Enterprise.Status.OPERATING, Enterprise.Status.SUSPENDED)
_CLOSED = register_rules.CLOSED_STATUSES


def declare() -> None:
    """Register the step with the demo district and its audit event (from
    `RemediationConfig.ready`)."""
    from credit_portal.audit import AuditEventType, audit_event_types_declare
    from credit_portal.demo import demo_step_register

    demo_step_register("directory", "remediation.demo_directory.directory_demo_build", STEP_ORDER)
    audit_event_types_declare(
        AuditEventType(AUDIT_EVENT, _("Demo abnormal-directory cases built"), _event_summary)
    )


def _event_summary(event: Any) -> dict[str, Any]:
    extra = event.extra or {}
    counts = extra.get("counts") or {}
    return {"summary": ", ".join(f"{key} {value}" for key, value in counts.items())}


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- the years


def report_years(as_of: dt.date) -> list[int]:
    """The demo's report years: those whose deadline (30 June of the next year) has passed by
    `as_of`, the last two (as of 2026-12-07: 2024 and 2025)."""
    from annual_reports.jobs import latest_closed_year

    last = latest_closed_year(as_of)
    return [last - 1, last]


def figures_report_year(as_of: dt.date) -> int:
    """The report year of the figures year (the as-of year minus one): its deadline run was on
    1 July of the figures year (as of 2026-12-07: report year 2024, run in July 2025)."""
    return as_of.year - 2


# --------------------------------------------------------------------------- the register


@dataclass(frozen=True)
class RegisterListing:
    """A listing (or mark) of the register demo's history, with what closed it."""

    record_id: int
    enterprise_id: int
    listed_on: dt.date
    document_number: str
    reason: str  # our reason code: "1" or "4"
    report_year: int | None
    individual: bool
    closed_by: int | None = None
    closed_kind: str = ""
    closed_on: dt.date | None = None
    closed_code: str = ""


def _day(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def register_listings() -> list[RegisterListing]:
    """The register demo's listings and marks (facts of its history: no source), reason 1
    (late report) or 4 (unreachable), with their closing records: two queries."""
    rows = CreditRecord.objects.filter(kind=ABNORMAL_LISTING, source_id="").values_list(
        "id", "enterprise_id", "occurred_on", "document_number", "details"
    )
    found: dict[int, RegisterListing] = {}
    for pk, enterprise_id, on, number, details in rows:
        details = details or {}
        reason = str(details.get("reason_code") or "")
        if reason not in (Reason.LATE_REPORT, Reason.UNREACHABLE):
            continue
        year = details.get("report_year")
        found[pk] = RegisterListing(
            record_id=pk,
            enterprise_id=enterprise_id,
            listed_on=_day(on),
            document_number=number,
            reason=reason,
            report_year=int(year) if year is not None and reason == Reason.LATE_REPORT else None,
            individual=bool(details.get("individual_business")),
        )
    closings = CreditRecord.objects.filter(closes_id__in=list(found)).values_list(
        "id", "closes_id", "kind", "occurred_on", "details"
    )
    for pk, closes, kind, on, details in closings:
        listing = found[closes]
        found[closes] = RegisterListing(
            **{
                **listing.__dict__,
                "closed_by": pk,
                "closed_kind": kind,
                "closed_on": _day(on),
                "closed_code": str((details or {}).get("reason_code") or ""),
            }
        )
    return sorted(found.values(), key=lambda listing: listing.record_id)


def register_filings() -> dict[tuple[int, int], tuple[int, dt.date]]:
    """The register demo's late filings that cured a listing: {(entity, report year):
    (record id, day)} of its `annual_report_filed` facts (no source; "report_year")."""
    found: dict[tuple[int, int], tuple[int, dt.date]] = {}
    rows = CreditRecord.objects.filter(kind="annual_report_filed", source_id="").values_list(
        "id", "enterprise_id", "occurred_on", "details"
    )
    for pk, enterprise_id, on, details in rows:
        year = (details or {}).get("report_year")
        if year is not None:
            found.setdefault((enterprise_id, int(year)), (pk, _day(on)))
    return found


# --------------------------------------------------------------------------- who is late


@dataclass(frozen=True)
class LateFiling:
    """A late report: the day it was filed, its channel, and the register's fact it was
    recorded as (the register demo's history), if any."""

    filed_on: dt.date
    channel: str
    record_id: int | None = None


@dataclass
class LatePlan:
    """One report year's late entities (no report by the deadline) and, of those, the late
    filings; `buffer` and `restored` are the figures year's draws (empty for another year)."""

    year: int
    late: set[int] = field(default_factory=set)
    filings: dict[int, LateFiling] = field(default_factory=dict)
    buffer: list[int] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)


class _Entity(NamedTuple):
    """What `annual_reports.rules.report_due` reads of an entity, and the plan's filters."""

    id: int
    entity_type: str
    registered_on: dt.date
    status: str
    status_changed_on: dt.date | None


def _window(first: dt.date, last: dt.date, rnd: random.Random, skew: float = 1.0) -> dt.date:
    """A day in [first, last]; skew > 1 draws the early days more often."""
    span = max((last - first).days, 0)
    return first + dt.timedelta(days=int((span + 1) * rnd.random() ** skew))


def late_plan(*, as_of: dt.date, seed: int) -> dict[int, LatePlan]:
    """Who is late for each of the demo's report years, and who of them filed late and when
    (the module docstring). Deterministic for (as_of, seed, the register as the register demo
    built it): it reads nothing the demo's own steps write."""
    from annual_reports.rules import entrance_closed_until, report_due
    from annual_reports.services.deadline import late_fact_day
    from remediation.services.directory import buffer_deadline_of

    as_of = min(as_of, _today())
    years = report_years(as_of)
    plans = {year: LatePlan(year) for year in years}
    listings = register_listings()
    filings = register_filings()
    for listing in listings:
        plan = plans.get(listing.report_year or 0)
        if plan is None:
            continue
        plan.late.add(listing.enterprise_id)
        found = filings.get((listing.enterprise_id, plan.year))
        if found is not None and found[1] <= as_of:
            record_id, day = found
            # An individual business restored days later: at the bureau, on paper; an
            # enterprise online once the entrance reopened.
            online = not listing.individual and day > entrance_closed_until(plan.year)
            plan.filings[listing.enterprise_id] = LateFiling(
                day, "online" if online else "paper", record_id
            )
    year = figures_report_year(as_of)
    plan = plans.get(year)
    if plan is None:
        return plans
    rnd = random.Random(f"directory-demo-{seed}-{year + 1}")  # noqa: S311 - demo data
    ever_listed = set(
        CreditRecord.objects.filter(kind=ABNORMAL_LISTING).values_list("enterprise_id", flat=True)
    )
    bound = set(EnterpriseMembership.objects.values_list("enterprise_id", flat=True))
    candidates: dict[bool, list[int]] = {True: [], False: []}
    for entity in map(
        _Entity._make,
        Enterprise.objects.order_by("pk").values_list(
            "id", "entity_type", "registered_on", "status", "status_changed_on"
        ),
    ):
        if (
            entity.status in _OPEN
            and entity.id not in ever_listed
            and entity.id not in bound
            and entity.id not in plan.late
            and report_due(entity, year)[0]
        ):
            candidates[entity.entity_type == IB].append(entity.id)
    entities = Enterprise.objects.count()
    end = min(as_of, dt.date(year + 1, 12, 31))

    # The buffer: deferred on 1 July; some file within it, the others are listed after it.
    deferred = min(scaled(SEED_DEFERRED, entities), len(candidates[False]))
    plan.buffer = rnd.sample(candidates[False], deferred)
    within = min(scaled(SEED_FILED_WITHIN_BUFFER, entities), deferred)
    opened, deadline = late_fact_day(year), buffer_deadline_of(year)
    for index, enterprise_id in enumerate(plan.buffer):
        plan.late.add(enterprise_id)
        if index < within:
            plan.filings[enterprise_id] = LateFiling(
                _window(opened, min(deadline, end), rnd), "online"
            )
        elif rnd.random() < LATER_FILING_SHARE and deadline + dt.timedelta(days=2) <= end:
            day = _window(deadline + dt.timedelta(days=2), end, rnd, skew=1.5)
            plan.filings[enterprise_id] = LateFiling(day, "online")

    # Individual businesses marked, filing online later in the year, restored that day: the
    # register demo's own restorations of the year count towards the figure.
    restored_by_register = sum(
        1
        for listing in listings
        if listing.individual
        and listing.report_year == year
        and listing.closed_kind == ABNORMAL_REMOVAL
        and listing.closed_code == Removal.REPORTS_FILED
        and listing.closed_on is not None
        and listing.closed_on.year == year + 1
    )
    wanted = max(scaled(SEED_IB_RESTORED, entities) - restored_by_register, 0)
    plan.restored = rnd.sample(candidates[True], min(wanted, len(candidates[True])))
    reopened = entrance_closed_until(year) + dt.timedelta(days=1)
    for enterprise_id in plan.restored:
        plan.late.add(enterprise_id)
        plan.filings[enterprise_id] = LateFiling(_window(reopened, end, rnd, skew=2.0), "online")
    return plans


# --------------------------------------------------------------------------- the step


@dataclass(frozen=True)
class _Year:
    """The dates of a year's deadline run (`remediation.services.directory`): the run on the
    first day after the window (1 July), listings due by the 10th WD after 30 June, the
    buffer's deadline; and the facts a reason-1 case states."""

    run_on: dt.date
    listing_due: dt.date
    buffer_deadline: dt.date
    facts: str

    @classmethod
    def of(cls, year: int) -> _Year:
        from annual_reports.rules import report_deadline
        from annual_reports.services.deadline import late_fact_day
        from remediation.services.directory import buffer_deadline_of, listing_day

        due = listing_day(year)
        return cls(
            run_on=min(late_fact_day(year), due),
            listing_due=due,
            buffer_deadline=buffer_deadline_of(year),
            facts=(
                f"截至{report_deadline(year).isoformat()}未公示{year}年度年度报告"
                "（逾期未报，经营异常名录列入事由一）"
            ),
        )


@dataclass
class DirectoryDemoResult:
    years: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: bool = False


def directory_demo_build(*, as_of: dt.date, seed: int, stdout: Any = None) -> DirectoryDemoResult:
    """Write the cases of the demo's report years (the module docstring). Deterministic for
    (as_of, seed, the register, the reports the annual-report step filed); a second run adds
    nothing."""
    from annual_reports.demo import max_entities, too_large_text

    entities = Enterprise.objects.count()
    if entities > max_entities():  # a benchmark's register (annual_reports.demo.MAX_ENTITIES)
        result = DirectoryDemoResult(report_years(min(as_of, _today())), skipped=True)
        done = too_large_text(entities)
    else:
        result = _Builder(as_of=as_of, seed=seed).build()
        made = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
        done = "already there" if result.skipped else made
    if stdout is not None:
        years = "–".join(str(y) for y in (result.years[0], result.years[-1]))
        stdout.write(f"  directory cases of report years {years}: {done}")
    return result


class _Builder:
    def __init__(self, *, as_of: dt.date, seed: int) -> None:
        self.as_of = min(as_of, _today())
        self.years = report_years(self.as_of)
        self.rnd = random.Random(f"directory-demo-cases-{seed}-{self.as_of.year - 1}")  # noqa: S311
        self.cases: list[DirectoryCase] = []
        self.first_facts: list[CreditFact] = []  # listings and deferrals
        self.removals: dict[int, tuple[dt.date, str]] = {}  # case pk -> (day, code), to write
        self.counts: dict[str, int] = {}
        self.year_dates: dict[int, _Year] = {}
        self.unreachable: dict[int, list[dt.date]] = {}

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def build(self) -> DirectoryDemoResult:
        from annual_reports.demo import ledger_source_index, statistics_refresh
        from credit_portal.audit import audit_event_record
        from remediation.services.directory import bureau, system_user

        with transaction.atomic():
            self.bureau = bureau()
            self.author = system_user()
            self.authority = str(settings.CREDIT_PORTAL.get("BUREAU_NAME", "") or self.bureau.name)
            self.next_pk = self._first_pk()
            self._plan()
            if not self.cases:
                return DirectoryDemoResult(self.years, skipped=True)
            with ledger_source_index():
                self._write()
            statistics_refresh()
            audit_event_record(
                actor=None,
                event_type=AUDIT_EVENT,
                extra={"years": self.years, "as_of": self.as_of, "counts": self.counts},
            )
        return DirectoryDemoResult(self.years, counts=self.counts)

    def _first_pk(self) -> int:
        """The first key to give: after the cases, and after every listing number of the
        register's history, so that 双市监异〔year〕<case>号 never repeats one of its numbers."""
        last = DirectoryCase.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        numbers = CreditRecord.objects.filter(kind=ABNORMAL_LISTING, source_id="").values_list(
            "document_number", flat=True
        )
        for number in numbers:
            found = _LISTING_NUMBER.search(number or "")
            if found:
                last = max(last, int(found.group(2)))
        return last + 1

    # -- planning

    def _plan(self) -> None:
        from annual_reports.services.deadline import late_fact_day

        years = self.years
        existing = set(
            DirectoryCase.objects.filter(
                reason=Reason.LATE_REPORT, report_year__in=years
            ).values_list("enterprise_id", "report_year")
        )
        adopted = set(
            DirectoryCase.objects.filter(listing_record__isnull=False).values_list(
                "listing_record_id", flat=True
            )
        )
        listings = register_listings()
        filings = register_filings()
        first_day = dt.date(years[0] + 1, 1, 1)
        found = CreditRecord.objects.filter(
            kind="inspection_result",
            details__result_code="6",
            enterprise_id__in=[
                x.enterprise_id
                for x in listings
                if x.reason == Reason.UNREACHABLE and x.listed_on >= first_day
            ],
        ).values_list("enterprise_id", "occurred_on")
        for enterprise_id, day in found:
            self.unreachable.setdefault(enterprise_id, []).append(_day(day))
        register_late: dict[int, set[int]] = {year: set() for year in years}
        for listing in listings:
            if listing.reason == Reason.LATE_REPORT and listing.report_year in years:
                register_late[listing.report_year].add(listing.enterprise_id)
                if listing.record_id not in adopted and (
                    (listing.enterprise_id, listing.report_year) not in existing
                ):
                    self._adopt(listing, filings)
            elif (
                listing.reason == Reason.UNREACHABLE
                and listing.listed_on >= first_day
                and listing.record_id not in adopted
            ):
                self._adopt(listing, filings)
        for year in years:
            late = set(
                CreditRecord.objects.filter(
                    kind="annual_report_late", occurred_on=late_fact_day(year)
                ).values_list("enterprise_id", flat=True)
            )
            new = sorted(e for e in late - register_late[year] if (e, year) not in existing)
            if new:
                self._deadline_run(year, new)

    def _case(self, **values: Any) -> DirectoryCase:
        case = DirectoryCase(
            pk=self.next_pk,
            department_id=self.bureau.pk,
            created_by_id=self.author.pk,
            reminders=[],
            **values,
        )
        self.next_pk += 1
        self.cases.append(case)
        return case

    def _year(self, year: int) -> _Year:
        """The dates of `year`'s deadline run (computed once: they read the calendar)."""
        found = self.year_dates.get(year)
        if found is None:
            found = self.year_dates[year] = _Year.of(year)
        return found

    def _adopt(
        self, listing: RegisterListing, filings: dict[tuple[int, int], tuple[int, dt.date]]
    ) -> None:
        """A case for a listing of the register demo's history, as it stands."""
        from credit_portal.workdays import add_working_days

        year = listing.report_year
        late_report = listing.reason == Reason.LATE_REPORT and year is not None
        if late_report:
            assert year is not None  # noqa: S101 - checked above
            dates = self._year(year)
            detected = min(dates.run_on, listing.listed_on)
            due = dates.listing_due
            source = Source.DEADLINE_RUN
            facts = dates.facts
        else:
            detected = self._inspection_day(listing)
            due = add_working_days(detected, rules.LISTING_AFTER_VERIFICATION_WORKING_DAYS)
            source = Source.INSPECTION
            facts = "“双随机、一公开”抽查（企业公示信息抽查）：通过登记的住所（经营场所）无法联系"
        case = self._case(
            enterprise_id=listing.enterprise_id,
            individual_business=listing.individual,
            reason=listing.reason,
            report_year=year if late_report else None,
            source=source,
            facts=facts,
            state=State.LISTED,
            detected_on=detected,
            listing_due=due,
            listed_on=listing.listed_on,
            document_number=listing.document_number,
            listing_record_id=listing.record_id,
            serious_due=(
                None
                if listing.individual
                else add_years(listing.listed_on, rules.SERIOUS_AFTER_YEARS)
            ),
            created_at=dt.datetime.combine(detected, dt.time(2), tzinfo=_CST),
        )
        if listing.closed_by is not None and listing.closed_on is not None:
            case.removed_on = listing.closed_on
            case.removal_record_id = listing.closed_by
            if listing.closed_kind == ABNORMAL_REVOCATION:
                case.state = State.REVOKED
            elif listing.closed_code == Removal.THREE_YEARS:
                case.state = State.MOVED_SERIOUS
                case.removal_code = Removal.THREE_YEARS
            else:
                case.state = State.REMOVED
                code = listing.closed_code
                if listing.closed_kind == REPAIR or code not in Removal.values:
                    code = Removal.REPORTS_FILED if late_report else Removal.ADDRESS_CHANGED
                case.removal_code = code
            if late_report:
                filed = filings.get((listing.enterprise_id, year or 0))
                if filed is not None:
                    case.cured_on = filed[1]
        self._count(f"adopted {case.state}")

    def _inspection_day(self, listing: RegisterListing) -> dt.date:
        """The day the inspection found the entity unreachable (the register's inspection
        result before the listing), else the listing day."""
        days = [
            d for d in self.unreachable.get(listing.enterprise_id, ()) if d <= listing.listed_on
        ]
        return max(days, default=listing.listed_on)

    def _deadline_run(self, year: int, enterprise_ids: list[int]) -> None:
        """The cases the deadline run of `year` made on 1 July, and what followed: the buffer
        (reminders, pledges, closed without listing or listed after it), the marks lifted on
        a late filing online, the listings removed once the year was filed."""
        from annual_reports.models import AnnualReport
        from remediation.services.directory import working_day_before

        dates = self._year(year)
        run_on, due, deadline = dates.run_on, dates.listing_due, dates.buffer_deadline
        since = add_years(run_on, -rules.BUFFER_LOOKBACK_YEARS)
        reminder_days = [
            (working_day_before(deadline, n), n) for n in rules.BUFFER_REMINDER_WORKING_DAYS
        ]
        # Entities closed since the deadline get no case (the run leaves them out).
        types = dict(
            Enterprise.objects.filter(pk__in=enterprise_ids)
            .exclude(status__in=_CLOSED)
            .values_list("pk", "entity_type")
        )
        recently_listed = set(
            CreditRecord.objects.filter(
                enterprise_id__in=enterprise_ids,
                kind=ABNORMAL_LISTING,
                occurred_on__gte=since,
                occurred_on__lt=run_on,
            )
            .exclude(closed_by__kind=ABNORMAL_REVOCATION)
            .values_list("enterprise_id", flat=True)
        )
        filed = dict(
            AnnualReport.objects.filter(
                enterprise_id__in=enterprise_ids,
                year=year,
                revision=1,
                status=AnnualReport.Status.SUBMITTED,
                filed_on__lte=self.as_of,
            ).values_list("enterprise_id", "filed_on")
        )
        created = dt.datetime.combine(run_on, dt.time(2), tzinfo=_CST)
        for enterprise_id in enterprise_ids:
            if enterprise_id not in types:
                continue
            individual = types[enterprise_id] == IB
            eligible = not individual and enterprise_id not in recently_listed
            day = filed.get(enterprise_id)
            case = self._case(
                enterprise_id=enterprise_id,
                individual_business=individual,
                reason=Reason.LATE_REPORT,
                report_year=year,
                source=Source.DEADLINE_RUN,
                facts=dates.facts,
                state=State.PENDING if eligible else State.LISTED,
                detected_on=run_on,
                created_at=created,
            )
            if not eligible:
                self._listed(case, run_on, due, individual)
                if day is not None:
                    self._removed(case, max(day, run_on))
                self._count("marked" if individual else "listed at once")
                continue
            case.buffer_deadline = deadline
            self._deferral(case)
            self._count("deferred")
            if self.rnd.random() < PLEDGE_SHARE:
                self._pledge(case, day, deadline)
            case.reminders = [
                {
                    "on": sent.isoformat(),
                    "due": sent.isoformat(),
                    "channel": "self_service",
                    "working_days_before": n,
                }
                for sent, n in reminder_days
                if run_on <= sent <= self.as_of and (day is None or day > sent)
            ]
            if day is not None and day <= deadline:
                case.state = State.CLOSED_NO_LISTING
                case.closed_on = case.cured_on = day
                self._count("closed without listing")
            elif deadline < self.as_of:
                listed_on = deadline + dt.timedelta(days=1)
                self._listed(case, listed_on, listed_on, individual=False)
                self._count("listed after the buffer")
                if day is not None:
                    self._removed(case, max(day, listed_on))

    def _listed(self, case: DirectoryCase, on: dt.date, due: dt.date, individual: bool) -> None:
        from remediation.services.directory import listing_number, listing_summary

        case.state = State.LISTED
        case.listed_on = on
        case.listing_due = due
        case.serious_due = None if individual else add_years(on, rules.SERIOUS_AFTER_YEARS)
        case.document_number = listing_number(on.year, case.pk)
        details: dict[str, Any] = {
            "reason_code": case.reason,
            "report_year": case.report_year,
            "individual_business": individual,
            "mark_code": rules.INDIVIDUAL_MARK_CODES.get(case.reason, "") if individual else "",
            "case": case.pk,
        }
        self.first_facts.append(
            CreditFact(
                enterprise_id=case.enterprise_id,
                kind=ABNORMAL_LISTING,
                occurred_on=on,
                summary=listing_summary(case),
                is_public=True,
                authority=self.authority,
                document_number=case.document_number,
                details=details,
                source=CreditFact.source_of(case),
            )
        )

    def _deferral(self, case: DirectoryCase) -> None:
        assert case.buffer_deadline is not None  # noqa: S101 - set by the caller
        deadline = case.buffer_deadline.isoformat()
        self.first_facts.append(
            CreditFact(
                enterprise_id=case.enterprise_id,
                kind=LISTING_DEFERRED,
                occurred_on=case.detected_on,
                summary=(
                    f"暂缓列入经营异常名录（惩戒缓冲期）：未按规定期限公示{case.report_year}"
                    f"年度年度报告，缓冲期至{deadline}"
                ),
                details={
                    "reason_code": case.reason,
                    "year": case.report_year,
                    "buffer_deadline": deadline,
                    "case": case.pk,
                },
                source=CreditFact.source_of(case),
            )
        )

    def _pledge(self, case: DirectoryCase, filed: dt.date | None, deadline: dt.date) -> None:
        """The enterprise's credit pledge, given in the buffer before it filed."""
        last = min(filed or deadline, deadline, self.as_of)
        first = case.detected_on + dt.timedelta(days=1)
        if last >= first:
            case.pledged_on = _window(first, last, self.rnd, skew=1.5)
            case.pledge_text = PLEDGE_TEXT.format(year=case.report_year)

    def _removed(self, case: DirectoryCase, on: dt.date) -> None:
        """The listing (mark) ends on `on` because the year was filed: a mark is lifted the day
        the business filed online, an enterprise's listing removed the day the system found
        the year filed (code 1, without an application)."""
        if on > self.as_of:
            return
        self.removals[case.pk] = (on, Removal.REPORTS_FILED)
        if not case.individual_business:
            case.cured_on = on
        self._count("restored" if case.individual_business else "removed after filing")

    # -- writing

    def _write(self) -> None:
        from annual_reports.demo import instances_insert
        from remediation.services.directory import removal_summary

        credit_facts_append(facts=self.first_facts, actor=None, audited=False)
        by_case = {c.pk: c for c in self.cases}
        for (case_pk, kind), record_id in _records_of(
            [f.source[2] for f in self.first_facts if f.source],
            [ABNORMAL_LISTING, LISTING_DEFERRED],
        ).items():
            case = by_case[case_pk]
            if kind == ABNORMAL_LISTING:
                case.listing_record_id = record_id
            else:
                case.deferral_record_id = record_id
        removals = []
        for case_pk, (on, code) in self.removals.items():
            case = by_case[case_pk]
            removals.append(
                CreditFact(
                    enterprise_id=case.enterprise_id,
                    kind=ABNORMAL_REMOVAL,
                    occurred_on=on,
                    summary=removal_summary(case, code),
                    is_public=True,
                    authority=self.authority,
                    details={
                        "reason_code": code,
                        "report_year": case.report_year,
                        "individual_business": case.individual_business,
                        "case": case.pk,
                    },
                    source=CreditFact.source_of(case),
                    closes_id=case.listing_record_id,
                )
            )
        credit_facts_append(facts=removals, actor=None, audited=False)
        for (case_pk, _kind), record_id in _records_of(
            [str(pk) for pk in self.removals], [ABNORMAL_REMOVAL]
        ).items():
            case = by_case[case_pk]
            on, code = self.removals[case_pk]
            case.state = State.REMOVED
            case.removed_on = on
            case.removal_code = code
            case.removal_record_id = record_id
        instances_insert(DirectoryCase, self.cases)


def _records_of(case_ids: Iterable[str], kinds: list[str]) -> dict[tuple[int, str], int]:
    """{(case id, kind): record id} of the facts whose source is one of these cases."""
    ids = sorted(set(case_ids), key=int)
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(ids), 5000):
        rows = CreditRecord.objects.filter(
            kind__in=kinds,
            source_app="remediation",
            source_model="directorycase",
            source_id__in=ids[start : start + 5000],
        ).values_list("source_id", "kind", "id")
        for source_id, kind, record_id in rows:
            found[(int(source_id), kind)] = record_id
    return found
