"""The enforcement app's part of the demo district: one year of cases in the seed's proportions.

`seed_demo` builds the register and its ledger (`enterprises.demo`), then runs this step
(`credit_portal.demo.demo_step_register`, from `RemediationConfig.ready`). For the year before
the district's as-of date (year Y) it writes, through the same rows and ledger facts the
services write:

- penalty decisions with leniency, in the seed's proportions scaled to the district's size
  (docs/domain.md Appendix A: 364 lighter 从轻, 79 mitigated 减轻, 10 exempted 免予处罚,
  97 first violations 首违不罚 for a district of about 300,000 market entities): each decision
  with its measures and its ledger fact (`penalty`, public for its Order 45 term; `no_penalty`
  for a decision not to penalise), its publicity dates from `remediation.rules`;
- soft-enforcement documents: 45 administrative suggestions, 26 admonition letters (the first
  ones the education after a decision not to penalise, APL art. 33 para 3), 89 interviews with
  their minutes, and early-warning prompts (no seed figure: `PROMPTS_PER_SEED_DISTRICT`), each
  numbered, approved, served, most rectified in time (the `letter_reply` fact), some overdue;
- 60 early repairs of penalty information (approved `penalty_publicity` applications, with the
  `repair` fact and the outbox rows), of standard penalties decided early in year Y-1;
- and, last, the end of every publicity term that ran out by the as-of date
  (`publicity_expire`): the history's and the year's.

Scaling: each figure times (entities in the register / `SEED_DISTRICT_ENTITIES`), rounded, and
at least `MIN_PER_FIGURE`, so that every figure of `seed_figures` is non-zero on the default
district of 20,000. About one case in `PARTNER_SHARE` is a partner department's ("eco", the demo's
partner department with its own logins), so that a partner's figures show its own cases.

The register demo's facts and these cases (a decision): the
register demo writes `penalty`, `repair` and `soft_enforcement` facts of its own, over the five
years up to the as-of date, without case rows. They stay what they are: **the district's
history as the register holds it** (facts recorded before the enforcement module, as an import
brings them), never counted by `seed_figures`, which counts case rows. The cases of year Y are
written beside them, each with its case row and its facts; their document numbers continue the
year's sequences (the history's included), so that no number is given twice. The only fact this step
writes about the history is the end of its publicity terms, which the daily job would write.

Determinism and idempotency: one `random.Random` stream from the seed and the year; enterprises
sampled from the register (operating, registered before year Y, not listed, not bound to a demo
login, each case its own enterprise); numbers continuing the year's sequences. Every decision
the step writes carries `checks["demo_year"]`: a second run for the year finds it and adds
nothing. Speed: case rows by `bulk_create`, facts by two `credit_facts_append` calls
(the second closes records the first wrote), all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from credit_portal.dates import add_months
from credit_portal.models import Department, User
from enterprises.models import CreditRecord, Enterprise, EnterpriseMembership
from enterprises.services.ledger import CreditFact, credit_facts_append
from remediation import rules
from remediation.kinds import LETTER_REPLY, NO_PENALTY, PENALTY, REPAIR, SOFT_ENFORCEMENT
from remediation.models import (
    Interview,
    LeniencyListItem,
    PenaltyDecision,
    PenaltyMeasure,
    RepairApplication,
    RepairSync,
    SoftAction,
    ViolationType,
)

Leniency = PenaltyDecision.Leniency
Instrument = SoftAction.Instrument

# The seed district's size and its figures for the year (docs/domain.md Appendix A).
SEED_DISTRICT_ENTITIES = 300_000
SEED_FIGURES: dict[str, int] = {
    Leniency.LIGHTER: 364,
    Leniency.MITIGATED: 79,
    Leniency.EXEMPT: 10,
    Leniency.FIRST_VIOLATION: 97,
    Instrument.SUGGESTION: 45,
    Instrument.ADMONITION: 26,
    Instrument.INTERVIEW: 89,
    "penalty_repairs": 60,
}
# The seed gives no figure for early-warning prompts; the demo's own share (about twice the
# suggestions, as reminders before an annual-report or licence deadline are the commonest).
PROMPTS_PER_SEED_DISTRICT = 90
MIN_PER_FIGURE = 3  # every figure non-zero, however small the district
PARTNER_SHARE = 8  # one case in this many is the partner department's
PARTNER_DEPARTMENT = "eco"
# The share of documents whose rectification comes late (overdue), one in this many.
OVERDUE_SHARE = 5
# Days between a decision and its recording (= publication for a market entity of the
# register), and between a document's issue and its service: the demo's spread.
RECORDING_DAYS = (1, 5)
SERVICE_DAYS = (0, 3)

# The demo's staff (credit_portal.demo.STAFF).
OFFICER, SUPERVISOR, CREDIT_OFFICER = "enforcer", "supervisor", "credit"
NUMBER_PREFIX = {"amr": "双市监处罚", PARTNER_DEPARTMENT: "双环罚"}
NO_PENALTY_PREFIX = {"amr": "双市监不罚", PARTNER_DEPARTMENT: "双环不罚"}

# The figures' order of planning.
DECISION_KINDS: tuple[str, ...] = (
    Leniency.LIGHTER,
    Leniency.MITIGATED,
    Leniency.EXEMPT,
    Leniency.FIRST_VIOLATION,
)
LETTER_KINDS: tuple[str, ...] = (
    Instrument.SUGGESTION,
    Instrument.ADMONITION,
    Instrument.PROMPT,
    Instrument.INTERVIEW,
)

_GROUNDS = ("art32_harm_removed", "art32_confessed", "art32_other")
_GROUND_FACTS = {
    "art32_harm_removed": "当事人在案发后主动停止违法行为，下架并召回涉案商品，消除了危害后果。",
    "art32_confessed": "当事人主动供述了行政机关尚未掌握的违法行为。",
    "art32_other": "当事人积极配合调查，如实陈述违法事实并主动提供证据材料。",
}
_SUGGESTIONS = (
    ("检查发现进货查验记录不完整", "建议完善进货查验和索证索票制度，建立进货台账"),
    ("检查发现商品价格标示不规范", "建议规范商品价格标示，做到一货一签、标示醒目"),
    ("检查发现消费者投诉处理流程不健全", "建议建立投诉首问负责和限时办结制度"),
)
_ADMONITIONS = (
    ("检查发现未明码标价", "立即改正，逐一标明商品价格；再次违反将依法处罚"),
    ("检查发现食品贮存不规范", "十个工作日内完成整改并书面报告整改情况"),
)
_PROMPTS = (
    ("{y}年度报告报送期限即将届满", "请于6月30日前通过国家企业信用信息公示系统报送年度报告"),
    ("营业执照记载的经营期限即将届满", "请及时办理变更登记"),
    ("股东认缴出资期限即将届满", "请及时公示实缴出资信息"),
)
_INTERVIEWS = (
    ("多次被投诉的售后服务问题", "三十日内完善售后服务制度，妥善处理积压投诉"),
    ("预付式消费经营风险", "规范预付卡发行和退款，按月报告预收资金情况"),
)
_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    Instrument.SUGGESTION: _SUGGESTIONS,
    Instrument.ADMONITION: _ADMONITIONS,
    Instrument.PROMPT: _PROMPTS,
    Instrument.INTERVIEW: _INTERVIEWS,
}
_TRIGGERS: dict[str, str] = {
    Instrument.SUGGESTION: SoftAction.Trigger.INSPECTION,
    Instrument.ADMONITION: SoftAction.Trigger.INSPECTION,
    Instrument.PROMPT: SoftAction.Trigger.DEADLINE,
    Instrument.INTERVIEW: SoftAction.Trigger.COMPLAINT,
}
_DEADLINE_WORKING_DAYS: dict[str, int] = {
    Instrument.SUGGESTION: rules.SOFT_ACTION_DEFAULT_WORKING_DAYS[rules.SUGGESTION],
    Instrument.ADMONITION: rules.SOFT_ACTION_DEFAULT_WORKING_DAYS[rules.ADMONITION],
    Instrument.PROMPT: rules.SOFT_ACTION_DEFAULT_WORKING_DAYS[rules.PROMPT],
}


def declare() -> None:
    """Register the step with the demo district (from `RemediationConfig.ready`)."""
    from credit_portal.demo import demo_step_register

    demo_step_register("remediation", "remediation.demo.remediation_demo_build", 100)


@dataclass
class DemoResult:
    year: int
    counts: dict[str, int] = field(default_factory=dict)
    expired: int = 0
    skipped: bool = False


def scaled(figure: int, entities: int) -> int:
    """A seed figure scaled to a district of `entities` (at least MIN_PER_FIGURE)."""
    return max(MIN_PER_FIGURE, round(figure * entities / SEED_DISTRICT_ENTITIES))


def remediation_demo_build(*, as_of: dt.date, seed: int, stdout: Any = None) -> DemoResult:
    """Write year Y's cases (the module docstring) and end the terms that ran out by `as_of`.
    Deterministic for (as_of, seed, the register); a second run adds nothing."""
    from remediation.services.publicity import publicity_expire

    result = _Builder(as_of=as_of, seed=seed).build()
    result.expired = publicity_expire(on=min(as_of, _today()))
    if stdout is not None:
        made = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
        done = "already there" if result.skipped else made
        stdout.write(
            f"  remediation cases of {result.year}: {done}; publicity terms ended "
            f"{result.expired:,}"
        )
    return result


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- The plan ------------------------------------------------------------------------------


class _Builder:
    def __init__(self, *, as_of: dt.date, seed: int) -> None:
        self.as_of = min(as_of, _today())
        self.year = as_of.year - 1
        self.rnd = random.Random(f"remediation-demo-{seed}-{self.year}")  # noqa: S311 - demo
        self.counts: dict[str, int] = {}

    # -- helpers

    def _working_day(self, day: dt.date) -> dt.date:
        from credit_portal.workdays import is_working_day

        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def _days(self, n: int, year: int | None = None, months: int = 12) -> list[dt.date]:
        """`n` working days spread over the first `months` months of `year` (default Y)."""
        year = year or self.year
        first = dt.date(year, 1, 1)
        span = (add_months(first, months) - first).days - 7
        days = []
        for i in range(n):
            offset = int((i + self.rnd.random()) * span / max(n, 1))
            days.append(self._working_day(first + dt.timedelta(days=offset)))
        return days

    def _later(self, day: dt.date, low: int, high: int) -> dt.date:
        return self._working_day(day + dt.timedelta(days=self.rnd.randint(low, high)))

    def _enterprises(self, n: int) -> list[Enterprise]:
        """`n` distinct operating market entities registered before year Y, not bound to a
        demo login, not listed; sampled from the register's id range (deterministic)."""
        bounds = Enterprise.objects.order_by("pk").values_list("pk", flat=True)
        low, high = bounds.first(), bounds.last()
        if low is None or high is None:
            return []
        bound = EnterpriseMembership.objects.values("enterprise_id")
        eligible = (
            Enterprise.objects.filter(
                status=Enterprise.Status.OPERATING,
                registered_on__lt=dt.date(self.year, 1, 1),
                is_abnormal=False,
                on_serious_list=False,
            )
            .exclude(pk__in=bound)
            .select_related("department")
        )
        chosen: dict[int, Enterprise] = {}
        tried: set[int] = set()
        for _attempt in range(20):
            want = min((n - len(chosen)) * 3 + 10, high - low + 1)
            sample = sorted(
                {self.rnd.randint(low, high) for _ in range(want)} - tried - set(chosen)
            )
            tried.update(sample)
            found = {e.pk: e for e in eligible.filter(pk__in=sample)}
            for pk in sample:
                if pk in found and len(chosen) < n:
                    chosen[pk] = found[pk]
            if len(chosen) >= n or len(tried) >= high - low + 1:
                break
        picked = list(chosen.values())
        self.rnd.shuffle(picked)
        return picked

    # -- the year

    def build(self) -> DemoResult:
        from credit_portal.demo import demo_accounts_build
        from remediation.catalogue import catalogue_load

        with transaction.atomic():
            staff = [OFFICER, SUPERVISOR, CREDIT_OFFICER]
            if User.objects.filter(username__in=staff).count() < len(staff):
                demo_accounts_build()  # the demo's departments and staff (idempotent)
            self.users = {u.username: u for u in User.objects.filter(username__in=staff)}
            self.departments = {
                d.code: d for d in Department.objects.filter(code__in=["amr", PARTNER_DEPARTMENT])
            }
            catalogue_load()
            if PenaltyDecision.objects.filter(checks__demo_year=self.year).exists():
                return DemoResult(self.year, skipped=True)  # built already
            entities = Enterprise.objects.count()
            want = {key: scaled(value, entities) for key, value in SEED_FIGURES.items()}
            want[Instrument.PROMPT] = scaled(PROMPTS_PER_SEED_DISTRICT, entities)
            plan = _Plan(self, want)
            plan.write()
            return DemoResult(self.year, counts=plan.counts)


@dataclass
class _Decision:
    decision: PenaltyDecision
    measures: list[PenaltyMeasure]
    term: rules.PublicityTerm


class _Plan:
    """The rows of year Y, planned in memory, then written."""

    def __init__(self, builder: _Builder, want: dict[str, int]) -> None:
        self.b = builder
        self.want = want
        self.counts: dict[str, int] = {}
        rnd = builder.rnd
        self.officer = builder.users[OFFICER]
        self.supervisor = builder.users[SUPERVISOR]
        self.credit = builder.users[CREDIT_OFFICER]
        self.amr = builder.departments["amr"]
        self.partner = builder.departments[PARTNER_DEPARTMENT]
        types = list(ViolationType.objects.filter(is_active=True).order_by("sort_order", "code"))
        self.fine_types = [t for t in types if t.range_kind == "amount" and t.range_max]
        self.floor_types = [t for t in self.fine_types if t.range_min and t.range_min >= 1000]
        self.general_types = [t for t in self.fine_types if t.sector == "general"]
        items = list(LeniencyListItem.objects.select_related("violation_type").order_by("pk"))
        self.first_items = [i for i in items if i.list_kind == i.ListKind.FIRST_VIOLATION]
        self.minor_items = [i for i in items if i.list_kind == i.ListKind.MINOR]
        cases = sum(want[k] for k in (*DECISION_KINDS, *LETTER_KINDS, "penalty_repairs"))
        self.parties = iter(builder._enterprises(cases))
        self.seq: dict[str, int] = {}  # the last number given, by (prefix, year)
        self.decisions: list[_Decision] = []
        self.repair_sources: list[_Decision] = []
        self.actions: list[SoftAction] = []
        self.interviews: dict[int, Interview] = {}  # by the action's index
        self.rectified: dict[int, tuple[dt.date, str]] = {}  # action index -> (day, report)
        self.plan_decisions(rnd)
        self.plan_letters(rnd)
        self.plan_repairs(rnd)

    # -- numbers

    def _number(self, prefix: str, year: int, kind: str = PENALTY) -> str:
        """The next number of the year, after the history's (the ledger's) last one."""
        key = f"{prefix}{year}"
        if key not in self.seq:
            self.seq[key] = _last_number(prefix, year, kind=kind, model=PenaltyDecision)
        self.seq[key] += 1
        return f"{prefix}〔{year}〕{self.seq[key]}号"

    def _party(self) -> Enterprise | None:
        return next(self.parties, None)

    def _department(self, index: int) -> Department:
        return self.partner if index % PARTNER_SHARE == PARTNER_SHARE - 1 else self.amr

    # -- decisions

    def plan_decisions(self, rnd: random.Random) -> None:
        year = self.b.year
        kinds: list[str] = []
        for leniency in DECISION_KINDS:
            kinds += [leniency] * self.want[leniency]
        rnd.shuffle(kinds)
        days = self.b._days(len(kinds))
        for index, (leniency, decided) in enumerate(zip(kinds, days, strict=True)):
            party = self._party()
            if party is None:
                break
            department = self._department(index)
            if leniency in (Leniency.EXEMPT, Leniency.FIRST_VIOLATION):
                planned = self._no_penalty(rnd, leniency, party, department, decided, year)
            else:
                planned = self._penalty(rnd, leniency, party, department, decided, year)
            if planned is not None:
                self.decisions.append(planned)
                self.counts[str(leniency)] = self.counts.get(str(leniency), 0) + 1

    def _base(
        self,
        party: Enterprise,
        department: Department,
        decided: dt.date,
        vtype: ViolationType,
        leniency: str,
        number: str,
        rnd: random.Random,
    ) -> PenaltyDecision:
        violation_on = decided - dt.timedelta(days=rnd.randint(40, 120))
        recorded = min(self.b._later(decided, *RECORDING_DAYS), self.b.as_of)
        return PenaltyDecision(
            number=number,
            decided_on=decided,
            department=department,
            party_kind=PenaltyDecision.PartyKind.REGISTERED,
            enterprise=party,
            party_name=party.name,
            party_code=party.uscc,
            violation_type=vtype,
            violation_on=violation_on,
            discovered_on=violation_on + dt.timedelta(days=rnd.randint(1, 20)),
            facts=f"经查，当事人{vtype.name}，违反了{vtype.violated_provision or '有关规定'}。",
            legal_basis=vtype.penalty_provision or vtype.violated_provision,
            procedure=PenaltyDecision.Procedure.ORDINARY,
            leniency=leniency,
            status=PenaltyDecision.Status.RECORDED,
            recorded_on=recorded,
            created_by=self.officer,
            checks={"demo_year": self.b.year},  # the demo's mark: this year's cases are built
            range_kind=vtype.range_kind,
            range_min=vtype.range_min,
            range_max=vtype.range_max,
            base_kind=vtype.base_kind,
        )

    def _penalty(
        self,
        rnd: random.Random,
        leniency: str,
        party: Enterprise,
        department: Department,
        decided: dt.date,
        year: int,
    ) -> _Decision | None:
        pool = self.fine_types if leniency == Leniency.LIGHTER else self.floor_types
        if not pool:
            return None
        vtype = rnd.choice(pool)
        low, high = Decimal(vtype.range_min or 0), Decimal(vtype.range_max or 0)
        if leniency == Leniency.LIGHTER:
            top = rules.lighter_band(low, high)[1]
            amount = Decimal(math.floor((low + (top - low) * Decimal(rnd.random())) / 100) * 100)
            amount = min(max(amount, low, Decimal(100)), top)
        else:  # below the statutory minimum
            amount = Decimal(max(100, math.floor(float(low) * rnd.uniform(0.3, 0.9) / 100) * 100))
        prefix = NUMBER_PREFIX[department.code]
        decision = self._base(
            party, department, decided, vtype, leniency, self._number(prefix, year), rnd
        )
        ground = rnd.choice(_GROUNDS)
        decision.leniency_grounds = [ground]
        decision.leniency_facts = _GROUND_FACTS[ground]
        measures = [PenaltyMeasure(kind=PenaltyMeasure.Kind.FINE, amount=amount)]
        nature = rules.party_nature(party_kind="registered", entity_type=party.entity_type)
        term = rules.publicity_term(measures, nature, decision.procedure)
        self._publicity(decision, term)
        return _Decision(decision, measures, term)

    def _publicity(self, decision: PenaltyDecision, term: rules.PublicityTerm) -> None:
        decision.publicity_term = term.code
        if not term.published:
            return
        due = rules.publication_deadline(decision.decided_on, other_province=False)
        decision.publication_due = due.day
        decision.publication_due_provisional = due.provisional
        # A market entity of the register is published when the decision is recorded.
        published = decision.recorded_on or decision.decided_on
        decision.published_on = published
        decision.publicity_end = rules.publicity_end(published, term)

    def _no_penalty(
        self,
        rnd: random.Random,
        leniency: str,
        party: Enterprise,
        department: Department,
        decided: dt.date,
        year: int,
    ) -> _Decision | None:
        items = self.first_items if leniency == Leniency.FIRST_VIOLATION else self.minor_items
        if not items:
            return None
        item = rnd.choice(items)
        number = self._number(NO_PENALTY_PREFIX[department.code], year, NO_PENALTY)
        decision = self._base(
            party, department, decided, item.violation_type, leniency, number, rnd
        )
        decision.leniency_item = item
        decision.leniency_grounds = (
            ["art33_first"] if leniency == Leniency.FIRST_VIOLATION else ["art33_minor"]
        )
        decision.corrected_on = decision.discovered_on + dt.timedelta(days=rnd.randint(0, 5))
        decision.leniency_facts = (
            f"当事人系初次违法，危害后果轻微，已于{decision.corrected_on:%Y年%m月%d日}改正；"
            "两年内无同类违法记录。"
            if leniency == Leniency.FIRST_VIOLATION
            else f"违法行为轻微，已于{decision.corrected_on:%Y年%m月%d日}改正，未造成危害后果。"
        )
        decision.checks = {**decision.checks, "first_violation_lookback": []}
        decision.publicity_term = ""
        return _Decision(decision, [], rules.PublicityTerm(False, 0, "no_penalty"))

    # -- documents

    def plan_letters(self, rnd: random.Random) -> None:
        educations = [d for d in self.decisions if d.decision.is_no_penalty]
        plan: list[str] = []
        for instrument in LETTER_KINDS:
            plan += [instrument] * self.want[instrument]
        rnd.shuffle(plan)
        days = self.b._days(len(plan))
        prefix = rules.document_number_prefix()
        seq = {
            instrument: _last_number(
                prefix + rules.SOFT_ACTION_NUMBER_MARKS[instrument],
                self.b.year,
                kind=SOFT_ENFORCEMENT,
                model=SoftAction,
            )
            for instrument in set(plan)
        }
        for index, (instrument, issued) in enumerate(zip(plan, days, strict=True)):
            education = None
            if instrument == Instrument.ADMONITION and educations:
                education = educations.pop(0)
                party = education.decision.enterprise
                department = education.decision.department
                recorded = education.decision.recorded_on or education.decision.decided_on
                issued = min(self.b._later(recorded, 0, 3), self.b.as_of)
            else:
                party = self._party()
                department = self._department(index)
            if party is None:
                continue
            seq[instrument] += 1
            self._action(rnd, instrument, party, department, issued, seq[instrument], education)

    def _action(
        self,
        rnd: random.Random,
        instrument: str,
        party: Enterprise,
        department: Department,
        issued: dt.date,
        seq: int,
        education: _Decision | None,
    ) -> None:
        year = self.b.year
        served = min(self.b._later(issued, *SERVICE_DAYS), self.b.as_of)
        texts = _TEXTS[instrument]
        reason, required = rnd.choice(texts)
        reason = reason.format(y=year - 1)
        trigger = _TRIGGERS[instrument]
        if education is not None:
            decision = education.decision
            reason = (
                f"你（单位）{decision.violation_type.name}的行为违反了"
                f"{decision.violation_type.violated_provision or '有关法律法规'}，"
                f"本机关依法作出不予行政处罚决定（{decision.number}）。"
            )
            required = "立即停止违法行为，全面自查整改，并在期限内向本机关书面报告整改情况。"
            trigger = SoftAction.Trigger.NO_PENALTY
        wd = _DEADLINE_WORKING_DAYS.get(instrument)
        action = SoftAction(
            instrument=instrument,
            number=rules.soft_action_number(instrument, year, seq),
            enterprise=party,
            addressee_name=party.name,
            department=department,
            trigger=trigger,
            penalty=education.decision if education is not None else None,
            reason=reason,
            legal_basis=(
                f"{rules.EDUCATION_ARTICLE}；{rules.LENIENCY_ARTICLES[education.decision.leniency]}"
                if education is not None
                else "《市场监督管理行政指导工作规范》"
            ),
            required_actions=required,
            deadline_working_days=wd,
            contact_person="张执法",
            contact_phone="028-85801004",
            status=SoftAction.Status.SERVED,
            issued_on=issued,
            approved_by=self.supervisor,
            approved_at=dt.datetime.combine(issued, dt.time(9), tzinfo=_CST),
            served_on=served,
            service_method=SoftAction.ServiceMethod.DIRECT,
            receipt_signed_by=party.legal_rep_name,
            served_recorded_by=self.officer,
            created_by=self.officer,
            created_at=dt.datetime.combine(issued, dt.time(8, 30), tzinfo=_CST),
        )
        index = len(self.actions)
        from credit_portal.workdays import deadline_after

        if instrument == Instrument.INTERVIEW:
            held = min(self.b._later(served, 2, 6), self.b.as_of)
            deadline = deadline_after(held, rules.INTERVIEW_COMMITMENT_WORKING_DAYS)
            self.interviews[index] = Interview(
                held_on=held,
                place="双流区市场监督管理局三楼约谈室",
                attendees=f"{party.legal_rep_name}（法定代表人/经营者）；张执法、王检查（执法人员）",
                minutes=f"就{reason}进行约谈，指出存在的问题及法律责任，听取了当事人陈述。",
                commitments=required,
                recorded_by=self.officer,
                recorded_at=dt.datetime.combine(held, dt.time(16), tzinfo=_CST),
            )
            start = held
        else:
            deadline = rules.soft_action_deadline(served, wd or 10)
            start = served
        action.deadline, action.deadline_provisional = deadline.day, deadline.provisional
        if index % OVERDUE_SHARE == OVERDUE_SHARE - 1 and deadline.day < self.b.as_of:
            action.status = SoftAction.Status.OVERDUE
            action.overdue_on = deadline.day + dt.timedelta(days=1)
        else:
            span = max((deadline.day - start).days, 1)
            day = min(start + dt.timedelta(days=rnd.randint(1, span)), self.b.as_of)
            action.status = SoftAction.Status.RECTIFIED
            action.rectified_on = day
            action.rectification_report = "已按要求完成整改，提交整改报告及相关证明材料。"
            action.rectification_verified_by = self.officer
            self.rectified[index] = (day, action.rectification_report)
        self.actions.append(action)
        self.counts[str(instrument)] = self.counts.get(str(instrument), 0) + 1

    # -- repairs

    def plan_repairs(self, rnd: random.Random) -> None:
        """Standard penalties decided in the first half of year Y-1, published for 3 years, and
        repaired early in year Y (6 months of publicity at least: general sector types)."""
        if not self.general_types:
            return
        n = self.want["penalty_repairs"]
        days = self.b._days(n, year=self.b.year - 1, months=6)
        for decided in days:
            party = self._party()
            if party is None:
                break
            vtype = rnd.choice(self.general_types)
            number = self._number(NUMBER_PREFIX["amr"], decided.year)
            decision = self._base(party, self.amr, decided, vtype, Leniency.STANDARD, number, rnd)
            high = Decimal(vtype.range_max or 0)
            amount = Decimal(max(100, math.floor(float(high) * rnd.uniform(0.5, 0.9) / 100) * 100))
            measures = [
                PenaltyMeasure(
                    kind=PenaltyMeasure.Kind.CONFISCATE_GAINS,
                    amount=Decimal(rnd.randint(5, 50) * 100),
                ),
                PenaltyMeasure(kind=PenaltyMeasure.Kind.FINE, amount=amount),
            ]
            nature = rules.party_nature(party_kind="registered", entity_type=party.entity_type)
            term = rules.publicity_term(measures, nature, decision.procedure)
            self._publicity(decision, term)
            self.repair_sources.append(_Decision(decision, measures, term))

    # -- writing

    def write(self) -> None:
        planned = self.decisions + self.repair_sources
        PenaltyDecision.objects.bulk_create([d.decision for d in planned])
        measures = []
        for d in planned:
            for m in d.measures:
                m.decision = d.decision
                measures.append(m)
        PenaltyMeasure.objects.bulk_create(measures)
        SoftAction.objects.bulk_create(self.actions)
        interviews = []
        for index, interview in self.interviews.items():
            interview.action = self.actions[index]
            interviews.append(interview)
        Interview.objects.bulk_create(interviews)

        # The facts the cases state, then the ones that close them (replies, repairs).
        facts = [self._decision_fact(d) for d in planned]
        facts += [self._letter_fact(i, a) for i, a in enumerate(self.actions)]
        credit_facts_append(facts=[f for f in facts if f is not None], actor=None)
        decided = _record_ids(
            [PENALTY, NO_PENALTY], "penaltydecision", [d.decision for d in planned]
        )
        for d in planned:
            d.decision.credit_record_id = decided.get(d.decision.pk)
        letters = _record_ids(SOFT_ENFORCEMENT, "softaction", self.actions)
        for a in self.actions:
            a.credit_record_id = letters.get(a.pk)
        PenaltyDecision.objects.bulk_update(
            [d.decision for d in planned], ["credit_record"], batch_size=500
        )

        applications = self._applications()
        closing = [
            self._reply_fact(index, self.actions[index], day)
            for index, (day, _report) in self.rectified.items()
            if self.actions[index].credit_record_id is not None
        ]
        closing += [self._repair_fact(app) for app in applications]
        credit_facts_append(facts=closing, actor=None)
        replies = _record_ids(LETTER_REPLY, "softaction", self.actions)
        for a in self.actions:
            rectified = a.status == SoftAction.Status.RECTIFIED
            a.reply_record_id = replies.get(a.pk) if rectified else None
        SoftAction.objects.bulk_update(
            self.actions, ["credit_record", "reply_record"], batch_size=500
        )
        repairs = _record_ids(REPAIR, "repairapplication", applications)
        for app in applications:
            app.repair_record_id = repairs.get(app.pk)
        RepairApplication.objects.bulk_update(applications, ["repair_record"], batch_size=500)
        self.counts["penalty_repairs"] = len(applications)

    def _decision_fact(self, planned: _Decision) -> CreditFact:
        from remediation.services.penalties import (
            LENIENCY_ZH,
            measures_text_zh,
            public_summary_default,
        )

        d, measures, term = planned.decision, planned.measures, planned.term
        vtype = d.violation_type
        if not d.public_summary:
            d.public_summary = public_summary_default(d, measures)
        details = {
            "violation_type": vtype.code,
            "violation_type_name": vtype.name,
            "sector": vtype.sector,
            "leniency": d.leniency,
            "procedure": d.procedure,
            "measures": [
                {
                    "kind": m.kind,
                    "label": str(m.get_kind_display()),
                    "amount": str(m.amount) if m.amount is not None else None,
                    "months": m.months,
                    "description": m.description,
                }
                for m in measures
            ],
            "measures_text": measures_text_zh(measures),
            "fine_total": str(rules.fines_total(measures)),
            "term": term.code,
            "term_reason": term.reason,
        }
        assert d.enterprise_id is not None  # noqa: S101 - a market entity of the register
        no_penalty = f"不予行政处罚（{LENIENCY_ZH[Leniency(d.leniency)]}）：{vtype.name}"
        return CreditFact(
            enterprise_id=d.enterprise_id,
            kind=NO_PENALTY if d.is_no_penalty else PENALTY,
            occurred_on=d.decided_on,
            summary=no_penalty if d.is_no_penalty else d.public_summary,
            is_public=term.published,
            publicity_start=d.published_on if term.published else None,
            publicity_end=d.publicity_end if term.published else None,
            authority=_issuer(d.department),
            document_number=d.number,
            details=details,
            source=CreditFact.source_of(d),
        )

    def _letter_fact(self, index: int, action: SoftAction) -> CreditFact:
        title = rules.SOFT_ACTION_TITLES[action.instrument]
        interview = self.interviews.get(index)
        assert action.enterprise_id is not None and action.served_on is not None  # noqa: S101
        assert action.deadline is not None  # noqa: S101 - every demo document asks one
        on = action.served_on
        summary = f"{title}（{action.number}）：{action.reason}"
        if interview is not None:
            on = interview.held_on
            summary = f"约谈提醒（{action.number}）：{action.reason}；承诺：{interview.commitments}"
        return CreditFact(
            enterprise_id=action.enterprise_id,
            kind=SOFT_ENFORCEMENT,
            occurred_on=on,
            summary=summary[:1000],
            authority=_issuer(action.department),
            document_number=action.number or "",
            details={
                "instrument": action.instrument,
                "instrument_label": title,
                "soft_action": action.pk,
                "deadline": action.deadline.isoformat(),
                "deadline_provisional": action.deadline_provisional,
            },
            source=CreditFact.source_of(action),
        )

    def _reply_fact(self, index: int, action: SoftAction, day: dt.date) -> CreditFact:
        title = rules.SOFT_ACTION_TITLES[action.instrument]
        assert action.enterprise_id is not None and action.deadline is not None  # noqa: S101
        return CreditFact(
            enterprise_id=action.enterprise_id,
            kind=LETTER_REPLY,
            occurred_on=day,
            summary=f"收到对{title}（{action.number}）的整改报告",
            authority=_issuer(action.department),
            document_number=action.number or "",
            details={"soft_action": action.pk, "late": bool(day > action.deadline)},
            source=CreditFact.source_of(action),
            closes_id=action.credit_record_id,
        )

    def _applications(self) -> list[RepairApplication]:
        from credit_portal.workdays import deadline_after

        applications = []
        for planned in self.repair_sources:
            d = planned.decision
            assert d.published_on is not None  # noqa: S101 - a long term, published
            earliest = add_months(d.published_on, rules_penalty_repair_months())
            first = max(earliest + dt.timedelta(days=20), dt.date(self.b.year, 1, 5))
            last = min(dt.date(self.b.year, 12, 20), self.b.as_of)
            if first > last:
                continue
            submitted = first + dt.timedelta(days=self.b.rnd.randint(0, (last - first).days))
            accepted = self.b._later(submitted, 1, 2)
            decided = min(self.b._later(accepted, 3, 12), self.b.as_of)
            acceptance_due = deadline_after(submitted, rules.repair_acceptance_working_days())
            decision_due = deadline_after(
                accepted, rules.repair_decision_working_days("penalty_publicity")
            )
            effect = deadline_after(decided, rules.repair_effect_working_days())
            party = d.enterprise
            assert party is not None and d.credit_record_id is not None  # noqa: S101
            applications.append(
                RepairApplication(
                    kind=RepairApplication.Kind.PENALTY_PUBLICITY,
                    enterprise=party,
                    record_id=d.credit_record_id,
                    penalty=d,
                    status=RepairApplication.Status.APPROVED,
                    applicant_name=party.legal_rep_name,
                    applicant_phone="028-8588" + f"{party.pk % 10000:04d}",
                    statement="已履行行政处罚决定，违法行为已纠正，消除了不良影响，申请提前停止公示。",
                    pledge_accepted=True,
                    conditions={"demo": True},
                    submitted_at=dt.datetime.combine(submitted, dt.time(10), tzinfo=_CST),
                    submitted_by=self.credit,
                    acceptance_due=acceptance_due.day,
                    accepted_on=accepted,
                    decision_due=decision_due.day,
                    due_provisional=acceptance_due.provisional or decision_due.provisional,
                    decided_on=decided,
                    decided_by=self.credit,
                    effect_due=effect.day,
                )
            )
        RepairApplication.objects.bulk_create(applications)
        RepairSync.objects.bulk_create(
            [
                RepairSync(
                    application=app,
                    network=network,
                    status=RepairSync.Status.CONFIRMED,
                    created_at=app.submitted_at,
                    exported_at=_at(app.decided_on, 1),
                    confirmed_at=_at(app.decided_on, 3),
                    export_batch=f"demo-{app.decided_on:%Y%m%d}",
                )
                for app in applications
                for network in RepairSync.Network.values
            ]
        )
        return applications

    def _repair_fact(self, app: RepairApplication) -> CreditFact:
        from remediation.services.repairs import SUMMARY_BY_KIND

        assert app.decided_on is not None  # noqa: S101
        return CreditFact(
            enterprise_id=app.enterprise_id,
            kind=REPAIR,
            occurred_on=app.decided_on,
            summary=SUMMARY_BY_KIND[RepairApplication.Kind.PENALTY_PUBLICITY],
            authority=settings.CREDIT_PORTAL.get("BUREAU_NAME", ""),
            details={"repair": "penalty_publicity_ended_early", "application": app.pk},
            source=CreditFact.source_of(app),
            closes_id=app.record_id,
        )


_CST = dt.timezone(dt.timedelta(hours=8))


def _at(day: dt.date | None, days_after: int) -> dt.datetime:
    """10:00 Beijing time, `days_after` days after `day`."""
    assert day is not None  # noqa: S101
    return dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time(10), tzinfo=_CST)


def _record_ids(kinds: str | list[str], model: str, objs: Sequence[Any]) -> dict[int, int]:
    """{case id: id of its ledger record of these kinds}, by the records' source keys."""
    rows = CreditRecord.objects.filter(
        kind__in=[kinds] if isinstance(kinds, str) else kinds,
        source_app="remediation",
        source_model=model,
        source_id__in=[str(o.pk) for o in objs],
    ).values_list("source_id", "id")
    return {int(pk): rid for pk, rid in rows}


def _last_number(prefix: str, year: int, *, kind: str, model: type[Any]) -> int:
    """The last number of `year` given to documents with this prefix: in the ledger (the
    history's facts, the register demo's, and the cases' facts) and among the case rows of
    `model`, so that the cases continue the sequence and no number is given twice."""
    pattern = re.compile(rf"^{re.escape(prefix)}〔{year}〕(\d+)号$")
    start = f"{prefix}〔{year}〕"
    numbers = list(
        CreditRecord.objects.filter(
            kind=kind, occurred_on__year=year, document_number__startswith=start
        ).values_list("document_number", flat=True)
    )
    numbers += model.objects.filter(number__startswith=start).values_list("number", flat=True)
    return max((int(m.group(1)) for n in numbers if n and (m := pattern.match(n))), default=0)


def rules_penalty_repair_months() -> int:
    from enterprises.rules import PENALTY_REPAIR_AFTER_MONTHS

    return PENALTY_REPAIR_AFTER_MONTHS


def _issuer(department: Department) -> str:
    from remediation.services.soft_actions import issuer_name

    return issuer_name(department)
