"""The demo district's inspection year (credit_portal.demo step, after the classification).

`seed_demo` builds the register, its ledger and the year's cases, classifies the district
(`risk.demo`, order 300), then runs this step (order `STEP_ORDER`). It builds, through the
services of the app (checked and audited like a person's work; the people are the demo's
staff, `credit_portal.demo.STAFF`), the data of `inspections.demo_data`:

- the list of check items (抽查事项清单) with their skills, legal basis and checklists
  (`catalogue.skill_save`, `item_save`; by the supervisor);
- the library of inspectors (`roster.inspector_save`): the demo's `inspector`, `inspector2`
  and `env-inspector` logins, and staff members of the bureau and of the 24 partner
  departments with their badge numbers (accounts without a usable password: they exist to be
  drawn); recusals of bureau inspectors for firms of the plans' pools (`recusal_record`);
- the year's 44 sampling plans (docs/domain.md Appendix A), joint plans whose departments add
  up to the 25 of the joint meeting, ratios by class (A at its floor, D the highest), a
  control plan; each saved and approved (`plans.plan_save`, `plan_approve`);
- the draws (`draws.draw_request_commit`, the commit and derive jobs run here, in process):
  the first batch revealed with all its inspections published (mixed results, a few problems
  and their follow-ups), the control draw revealed too (does the class predict?), the second
  batch's first draw left committed and redrawn with its reason (a new linked draw), the
  redraw derived with its inspections assigned and some recorded awaiting review, and the
  third batch committed, waiting for its outside value;
- leads (reports, complaints, referrals) in every state, one overdue, those with a case opened
  or a violation found in mediation each a triggered inspection assigned by hand to the
  `inspector` login (one recorded, awaiting review);
- a published inspection for an enterprise login, so that its self-service page shows one:
  where no login's enterprise was drawn, a report about the first login's enterprise
  (`ent-company`'s) with a case opened, its triggered inspection published.

Scale: the plans' ratios are the data's at the default district size
(`DEFAULT_DISTRICT`) and shrink in proportion for a larger one (class A never below its
floor), so that a district of a million entities draws about as many firms as the default.

Dates. Draws, inspections and leads are written by the services as of today (the day the step
runs: a draw is committed, an inspection recorded, a lead decided today); the draws' pools are
frozen as of the demo's date and days before it (`DrawSpec.days_before`); leads are received
working days before today (`LeadSpec.days_ago`). The plans are for the year of the demo's
date; a demo built as of a year already over by today has no plans to approve (they would
have ended), and the step says so and writes nothing.

Determinism and idempotency: one `random.Random` stream from the seed and the year; entities
chosen from ordered lists; each draw's server seed derived from the seed (`demo_server_seed`:
the demo's draws repeat, which no real draw may, whose seed is a secret `secrets` value).
Each part is found by its natural key (skill, item and plan codes, the inspectors' accounts,
the year's draws and leads) and built only when missing: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_portal.audit import audit_event_record
from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role
from credit_portal.workdays import is_working_day
from enterprises.models import Enterprise
from inspections import demo_data as data
from inspections import rules
from inspections.models import (
    Draw,
    Inspection,
    InspectionCheck,
    InspectionItem,
    Inspector,
    Lead,
    Recusal,
    SamplingPlan,
    Skill,
    Stratum,
)

STEP_ORDER = 350  # after the classification (risk, 300): plans draw by class
AUDIT_EVENT = "demo.inspections_seeded"
# The district size the plans' ratios are written for (seed_demo's default).
DEFAULT_DISTRICT = 20_000
# The demo's people (credit_portal.demo.STAFF).
PLANNER = "supervisor"  # plans, draws, reviews and publishes (bureau: the whole district)
HANDLER = "enforcer"  # handles the leads
LOGIN_INSPECTOR = "inspector"
# Results of the drawn inspections: (codes, weight). "1" no problem; the others found one
# (rules.PROBLEM_CODES) except F (activity not carried on).
RESULTS: list[tuple[tuple[str, ...], int]] = [
    (("1",), 62),
    (("E",), 12),
    (("A",), 6),
    (("B",), 6),
    (("F",), 4),
    (("C",), 3),
    (("6",), 3),
    (("A", "E"), 3),
    (("8",), 1),
]
# The first results of each revealed draw, in this order: every kind shows.
# The follow-ups first, so that even a small district shows an order and a listing.
SHOWCASE: list[tuple[str, ...]] = [("B",), ("6",), ("1",), ("E",), ("C",), ("1",), ("A",), ("8",)]
# An entity whose status changed after its draw's pool was frozen: the result says so.
STATUS_RESULTS: dict[str, str] = {
    Enterprise.Status.SUSPENDED: "7",
    Enterprise.Status.DEREGISTERED: "9",
    Enterprise.Status.REVOKED: "10",
    Enterprise.Status.CANCELLED: "11",
    Enterprise.Status.MOVED_OUT: "12",
}
FINDINGS: dict[str, str] = {
    "A": "现场检查发现进货查验记录不全，已责令限期整改，待复查。",
    "B": "企业未按规定公示行政许可取得信息，责令其在10日内公示。",
    "C": "企业年度报告公示的从业人数与社保缴费记录明显不符，公示信息隐瞒真实情况。",
    "E": "现场发现部分食品超过保质期仍在陈列，已当场下架销毁，经责令已改正。",
    "F": "现场核查未发现开展本次抽查事项涉及的经营活动。",
    "6": "按登记住所实地核查三次，均无法联系，经电话、邮寄均未能取得联系。",
    "8": "检查人员到场后，经营者拒绝出示相关资料，阻碍检查，情节严重。",
    "7": "该主体已办理歇业备案，经营场所关闭。",
    "9": "该主体已办理注销登记。",
    "10": "该主体已被吊销营业执照。",
    "12": "该主体已迁出本辖区。",
}
# The findings of the triggered inspection published for an enterprise login (`_login_showcase`).
LOGIN_FINDINGS = (
    "现场核查发现经营场所悬挂的营业执照信息与登记事项不一致，已责令当场改正，企业已改正。"
)
CHECK_NOTES: dict[str, str] = {
    "problem": "不符合要求，详见检查结果。",
    "na": "本次检查不涉及该项经营活动。",
}


def declare() -> None:
    """Register the demo step and its audit event (from `InspectionsConfig.ready`)."""
    from credit_portal.audit import AuditEventType, audit_event_types_declare
    from credit_portal.demo import demo_step_register

    demo_step_register("inspections", "inspections.demo.inspections_demo_build", STEP_ORDER)
    audit_event_types_declare(
        AuditEventType(AUDIT_EVENT, _("Demo inspections built"), _event_summary)
    )


def _event_summary(event: Any) -> dict[str, Any]:
    counts = (event.extra or {}).get("counts") or {}
    return {"summary": ", ".join(f"{key} {value}" for key, value in counts.items())}


@dataclass
class InspectionsDemoResult:
    year: int
    counts: dict[str, int] = field(default_factory=dict)
    skipped: str = ""
    seconds: float = 0.0


def inspections_demo_build(
    *, as_of: dt.date, seed: int = 0, stdout: Any = None
) -> InspectionsDemoResult:
    """Build the district's inspection year (module docstring). Deterministic for (as_of,
    seed, the register) except the draws' selections; a second run adds nothing."""
    started = time.perf_counter()
    builder = _Builder(as_of=as_of, seed=seed)
    result = builder.build()
    result.seconds = time.perf_counter() - started
    if stdout is not None:
        if result.skipped:
            stdout.write(f"  inspections of {result.year}: {result.skipped}")
        else:
            made = ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if v)
            stdout.write(f"  inspections of {result.year}: {made or 'already there'}")
    return result


def working_days_before(day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` (`day` itself when n is 0 and it is a working day;
    else the working day before it)."""
    counted = 0
    while counted < n or not is_working_day(day):
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
        if counted >= n and is_working_day(day):
            break
    return day


def demo_server_seed(seed: int, year: int, n: int) -> str:
    """The server seed of the demo's n-th draw of `year` (64 hex digits)."""
    return hashlib.sha256(f"inspections-demo|{seed}|{year}|{n}".encode()).hexdigest()


def scaled_ratio(ratio: str, stratum: str, entities: int) -> Decimal:
    """A ratio of the data (written for `DEFAULT_DISTRICT` entities) for a district of
    `entities`: smaller in proportion for a larger district, never below class A's floor
    (docs/domain.md §7) nor below 0.01 %."""
    value = Decimal(ratio)
    if entities > DEFAULT_DISTRICT:
        value = value * Decimal(DEFAULT_DISTRICT) / Decimal(entities)
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    floor = Decimal(rules.A_FLOOR_PERCENT) if stratum == Stratum.A else Decimal("0.01")
    return max(value, floor)


class _Builder:
    def __init__(self, *, as_of: dt.date, seed: int) -> None:
        self.today = timezone.localdate()
        self.as_of = min(as_of, self.today)
        self.year = self.as_of.year
        self.seed = seed
        self.rnd = random.Random(f"inspections-demo-{seed}-{self.year}")  # noqa: S311 - demo
        self.counts: dict[str, int] = {}
        # The draws taken to their derivation in this run, whose inspections are then worked.
        self.drawn: list[tuple[data.DrawSpec, Draw]] = []

    # -- helpers

    def _user(self, username: str) -> User:
        from remediation.services.directory import system_user

        return User.objects.filter(username=username).first() or system_user()

    def _add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def build(self) -> InspectionsDemoResult:
        result = InspectionsDemoResult(year=self.year)
        if self.year < self.today.year:
            result.skipped = (
                f"the demo's year {self.year} is over: its plans could no longer be approved"
            )
            return result
        if not Enterprise.objects.exists():
            result.skipped = "no register"
            return result
        self.planner = self._user(PLANNER)
        self.handler = self._user(HANDLER)
        self.entities = Enterprise.objects.count()
        self.departments = {d.code: d for d in Department.objects.all()}
        self._catalogue()
        self._roster()
        self._plans()
        self._recusals()
        self._draws()
        # What writes ledger facts (results, findings, complaints), in one transaction: one
        # commit, so the classification hears of the new facts once (the ledger's subscribers).
        with transaction.atomic():
            self._inspections_work()
            self._leads()
            self._login_showcase()
        result.counts = self.counts
        if any(self.counts.values()):
            with transaction.atomic():
                audit_event_record(
                    actor=None,
                    event_type=AUDIT_EVENT,
                    extra={"as_of": self.as_of, "counts": self.counts},
                )
        return result

    # -- the list and the skills

    def _catalogue(self) -> None:
        from inspections.services.catalogue import item_save, skill_save

        known = set(Skill.objects.values_list("code", flat=True))
        for code, name, name_en in data.SKILLS:
            if code not in known:
                skill_save(actor=self.planner, code=code, name=name, name_en=name_en)
                self._add("skills")
        skills = {s.code: s for s in Skill.objects.all()}
        known = set(InspectionItem.objects.values_list("code", flat=True))
        for spec in data.ITEMS:
            if spec.code in known:
                continue
            item_save(
                actor=self.planner,
                data={
                    "code": spec.code,
                    "name": spec.name,
                    "name_en": spec.name_en,
                    "department": self.departments[spec.department],
                    "legal_basis": spec.legal_basis,
                    "subject": spec.subject,
                    "content": spec.content,
                    "method": spec.method,
                    "safety_sensitive": spec.safety,
                    "required_skill": skills[spec.skill] if spec.skill else None,
                    "checklist": "\n".join(
                        f"{n}. {line}" for n, line in enumerate(spec.checklist, 1)
                    ),
                    "is_active": True,
                },
            )
            self._add("items")

    # -- the library of inspectors

    def _roster(self) -> None:
        from inspections.services.roster import inspector_save

        skills = {s.code: s for s in Skill.objects.all()}
        group = Group.objects.get(name=str(Role.INSPECTOR))
        wanted: list[tuple[User, tuple[str, ...]]] = []
        for username, codes in data.LOGIN_INSPECTORS.items():
            user = User.objects.filter(username=username).first()
            if user is not None:
                wanted.append((user, codes))
        serial = 0
        for code, count, skill_cycle in data.ROSTER:
            department = self.departments[code]
            for n in range(count):
                serial += 1
                username = f"insp-{code}-{n + 1:02d}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = self._staff_user(
                        username=username,
                        display=self._name(serial),
                        department=department,
                        badge=f"510116{department.sort_order:02d}{101 + n:04d}",
                        group=group,
                    )
                wanted.append((user, skill_cycle[n % len(skill_cycle)]))
        have = set(Inspector.objects.values_list("user_id", flat=True))
        for user, codes in wanted:
            if user.pk in have:
                continue
            inspector_save(
                actor=self.planner, user=user, skills=[skills[c] for c in codes if c in skills]
            )
            self._add("inspectors")

    def _name(self, serial: int) -> str:
        surname = data.SURNAMES[(serial * 7) % len(data.SURNAMES)]
        return surname + data.GIVEN[(serial * 3) % len(data.GIVEN)]

    def _staff_user(
        self, *, username: str, display: str, department: Department, badge: str, group: Group
    ) -> User:
        """A staff member with an enforcement badge and no usable password (not a login)."""
        with transaction.atomic():
            user = User(username=username, display_name=display, email=f"{username}@demo.invalid")
            user.set_unusable_password()
            user.save()
            user.groups.add(group)
            StaffProfile.objects.create(
                user=user,
                department=department,
                phone=f"028-8581{len(username) % 10}{user.pk % 1000:03d}",
                badge_number=badge,
            )
            audit_event_record(
                actor=None,
                event_type="accounts.user_created",
                target=user,
                extra={"new": {"username": username, "role": str(Role.INSPECTOR)}},
            )
        self._add("staff")
        return user

    # -- the plans

    def plan_code(self, n: int) -> str:
        return f"{self.year}-{n:02d}"

    def _plans(self) -> None:
        from inspections.services.plans import (
            StratumInput,
            plan_approve,
            plan_save,
            unknown_streets,
        )

        items = {i.code: i for i in InspectionItem.objects.all()}
        self.plans: dict[str, SamplingPlan] = {}
        existing = {p.code: p for p in SamplingPlan.objects.filter(year=self.year)}
        for n, spec in enumerate(data.PLANS, 1):
            code = self.plan_code(n)
            plan = existing.get(code)
            if plan is None:
                departments = [self.departments[spec.lead]] + [
                    self.departments[c] for c in spec.departments if c != spec.lead
                ]
                profile = data.PROFILES[spec.profile]
                strata = [
                    StratumInput(
                        stratum=stratum,
                        ratio=scaled_ratio(ratio, stratum, self.entities),
                        frequency=data.FREQUENCY.get(stratum, 1),
                    )
                    for stratum, ratio in profile.items()
                    if not spec.strata or stratum in spec.strata
                ]
                plan = plan_save(
                    actor=self.planner,
                    data={
                        "code": code,
                        "name": f"{self.year}年{spec.name}",
                        "name_en": f"{spec.name_en} {self.year}",
                        "year": self.year,
                        "kind": SamplingPlan.Kind.CONTROL
                        if spec.control
                        else SamplingPlan.Kind.RANDOM,
                        "lead_department": departments[0],
                        "departments": departments,
                        "items": [items[c] for c in spec.items],
                        "industries": list(spec.industries),
                        # A small district may lack a street: the plan keeps those it has.
                        "streets": [
                            s for s in spec.streets if s not in unknown_streets(spec.streets)
                        ],
                        "entity_types": list(spec.entity_types),
                        "starts_on": dt.date(self.year, spec.from_month, 1),
                        "ends_on": dt.date(self.year, 12, 31),
                        "min_inspectors": max(spec.min_inspectors, rules.MIN_INSPECTORS),
                        "note": spec.note,
                    },
                    strata=strata,
                )
                self._add("plans")
            if plan.status == SamplingPlan.Status.DRAFT:
                plan = plan_approve(actor=self.planner, plan=plan, expected_version=plan.version)
                self._add("plans approved")
            self.plans[spec.key] = plan

    # -- recusals

    def _recusals(self) -> None:
        """A few recusals of bureau inspectors, each for an operating firm in the scope of the
        first batch's first plan."""
        from inspections.services.roster import recusal_record

        if Recusal.objects.exists():
            return
        plan = self.plans[data.DRAWS[0].plans[0]]
        scope = Enterprise.objects.filter(status=Enterprise.Status.OPERATING)
        for column, values in (
            ("industry_division__in", plan.industries),
            ("division__in", plan.streets),
            ("entity_type__in", plan.entity_types),
        ):
            if values:
                scope = scope.filter(**{column: list(values)})
        firms = list(scope.order_by("pk").values_list("pk", flat=True)[:500])
        inspectors = list(
            Inspector.objects.filter(department__code="amr", is_active=True).order_by("user_id")
        )
        if not firms or len(inspectors) < 3:
            return
        chosen = self.rnd.sample(firms, min(len(firms), len(data.RECUSALS)))
        for n, (enterprise_id, (origin, reason)) in enumerate(
            zip(chosen, data.RECUSALS, strict=False)
        ):
            recusal_record(
                actor=self.planner,
                inspector=inspectors[(n * 5 + 2) % len(inspectors)],
                enterprise=Enterprise.objects.get(pk=enterprise_id),
                origin=origin,
                reason=reason,
                valid_from=self.as_of - dt.timedelta(days=30 + 10 * n),
            )
            self._add("recusals")

    # -- the draws

    def _draws(self) -> None:
        """The draws of `data.DRAWS`, unless this year's draws are there already: first every
        draw is taken as far as its derivation (the jobs, each its own transaction), then the
        work on their inspections is done in one transaction (`_inspections_work`)."""
        if Draw.objects.filter(year=self.year).exists():
            return
        made: dict[str, Draw] = {}
        for n, spec in enumerate(data.DRAWS):
            made[spec.key] = self._draw(n, spec, made)
        self.drawn = [(spec, made[spec.key]) for spec in data.DRAWS if spec.end != "committed"]

    def _draw(self, n: int, spec: data.DrawSpec, made: dict[str, Draw]) -> Draw:
        from inspections.services import draws

        as_of = max(self.as_of - dt.timedelta(days=spec.days_before), dt.date(self.year, 1, 1))
        issue = f"{self.year % 100:02d}{(as_of.timetuple().tm_yday + 3):03d}"
        job = draws.draw_request_commit(
            actor=self.planner,
            plans=[self.plans[key] for key in spec.plans],
            title=spec.title.format(year=self.year),
            as_of=as_of,
            outside_source=spec.outside_source.format(year=self.year, issue=issue),
            is_control=spec.control,
            redraw_of=made.get(spec.redraw_of),
            reason=spec.reason,
            server_seed=demo_server_seed(self.seed, self.year, n),
        )
        draw = self._run(job)
        self._add("draws")
        if spec.end == "committed":
            return draw
        value = "".join(str(self.rnd.randint(0, 9)) for _ in range(3))
        if "骰子" in spec.outside_source:
            value = "-".join(
                "".join(str(self.rnd.randint(1, 6)) for _ in range(3)) for _ in range(5)
            )
        draw = draws.draw_record_outside(
            actor=self.planner, draw=draw, value=value, expected_version=draw.version
        )
        return self._run(draws.draw_request_derive(actor=self.planner, draw=draw))

    def _inspections_work(self) -> None:
        """The drawn inspections at work: a revealed draw's all recorded, reviewed and
        published, then the draw revealed; a derived draw's in progress."""
        from inspections.services import draws

        for spec, draw in self.drawn:
            inspections = list(
                Inspection.objects.filter(draw=draw)
                .select_related("enterprise")
                .prefetch_related("assignments__inspector__user")
                .order_by("pk")
            )
            self._add("inspections drawn", len(inspections))
            if spec.end == "revealed":
                results = self._results(inspections)
                for inspection in inspections:
                    self._complete(inspection, results[inspection.pk], publish=True)
                draws.draw_reveal(actor=self.planner, draw=Draw.objects.get(pk=draw.pk))
                self._add("draws revealed")
            else:
                self._work_in_progress(inspections)

    def _run(self, job: Any) -> Draw:
        """Run a draw job here, in process (seed_demo has no worker), and give its draw."""
        from inspections.services import draws

        draws.draw_job_run(job_id=job.pk)
        job.refresh_from_db()
        if job.draw_id is None:
            raise RuntimeError(f"demo draw job {job.pk} ended {job.status}: {job.error}")
        return Draw.objects.get(pk=job.draw_id)

    # -- results

    def _fits(
        self, inspection: Inspection, codes: tuple[str, ...], ordered: frozenset[int]
    ) -> bool:
        """Whether the follow-up of `codes` fits the entity: an order to disclose and a
        reason-3 listing are a company's (remediation's `ORDERED_TYPES`), and a company with
        an order still open gets no second one (remediation refuses it: an entity drawn by
        two revealed draws); a listing needs an entity not listed yet."""
        enterprise = inspection.enterprise
        company = enterprise.entity_type == Enterprise.EntityType.COMPANY
        if ("B" in codes or "C" in codes) and not company:
            return False
        if "B" in codes and enterprise.pk in ordered:
            return False
        return not (("C" in codes or "6" in codes) and enterprise.is_abnormal)

    def _results(self, inspections: list[Inspection]) -> dict[int, tuple[str, ...]]:
        """The result codes of a draw's inspections: `SHOWCASE` first, each given to the first
        inspection it fits (every kind of result shows, however small the district), the
        others by the weights of `RESULTS` (a plain problem, A, where the drawn follow-up does
        not fit)."""
        from remediation.models import DisclosureOrder

        ordered = frozenset(
            DisclosureOrder.objects.filter(
                status=DisclosureOrder.Status.OPEN,
                enterprise_id__in=[i.enterprise_id for i in inspections],
            ).values_list("enterprise_id", flat=True)
        )
        given: dict[int, tuple[str, ...]] = {}
        for inspection in inspections:  # closed or suspended since the pool was frozen
            status = inspection.enterprise.status
            if status in STATUS_RESULTS:
                given[inspection.pk] = (STATUS_RESULTS[status],)
        for codes in SHOWCASE:
            fitting = [
                i for i in inspections if i.pk not in given and self._fits(i, codes, ordered)
            ]
            if fitting:
                given[fitting[0].pk] = codes
        weights = [w for _codes, w in RESULTS]
        for inspection in inspections:
            if inspection.pk not in given:
                codes = self.rnd.choices([c for c, _w in RESULTS], weights=weights)[0]
                given[inspection.pk] = codes if self._fits(inspection, codes, ordered) else ("A",)
        return given

    def _record(
        self, inspection: Inspection, codes: tuple[str, ...], findings: str | None = None
    ) -> Inspection:
        from inspections.services.inspections import inspection_record

        inspection.refresh_from_db()
        checks = list(InspectionCheck.objects.filter(inspection=inspection).order_by("pk"))
        problem = any(c in rules.PROBLEM_CODES for c in codes)
        results: dict[int, dict[str, str]] = {}
        for n, check in enumerate(checks):
            if problem and n == 0:
                results[check.pk] = {"result": "problem", "note": CHECK_NOTES["problem"]}
            elif not problem and codes != (rules.NO_PROBLEM,):
                results[check.pk] = {"result": "na", "note": CHECK_NOTES["na"]}
            else:
                results[check.pk] = {"result": "ok", "note": ""}
        assignment = inspection.assignments.order_by("position").first()
        if assignment is None:
            raise RuntimeError(f"demo inspection {inspection.pk} has no inspector")
        if findings is None:
            findings = "；".join(FINDINGS[c] for c in codes if c in FINDINGS)
        extra: dict[str, Any] = {}
        if "B" in codes:
            extra = {
                "disclose_items": ["licence"],
                "order_number": f"双市监责公〔{self.year}〕{inspection.pk:04d}号",
            }
        return inspection_record(
            actor=assignment.inspector.user,
            inspection=inspection,
            checks=results,
            result_codes=list(codes),
            findings=findings,
            checked_from=self.today,
            check_ended_on=self.today,
            expected_version=inspection.version,
            **extra,
        )

    def _review(self, inspection: Inspection, *, publish: bool) -> Inspection:
        from inspections.services.inspections import APPROVE, inspection_review

        codes = set(inspection.result_codes or [])
        return inspection_review(
            actor=self.planner,
            inspection=inspection,
            decision=APPROVE,
            expected_version=inspection.version,
            note="经审核，检查记录完整，结果认定准确。",
            confirm_unreachable="6" in codes,
            publish_now=publish,
        )

    def _publish(self, inspection: Inspection) -> Inspection:
        from inspections.services.inspections import inspection_publish

        inspection.refresh_from_db()
        if inspection.status == Inspection.Status.PUBLISHED:
            return inspection
        return inspection_publish(
            actor=self.planner, inspection=inspection, expected_version=inspection.version
        )

    def _complete(
        self,
        inspection: Inspection,
        codes: tuple[str, ...],
        *,
        publish: bool,
        findings: str | None = None,
    ) -> None:
        inspection = self._record(inspection, codes, findings)
        inspection = self._review(inspection, publish=False)
        self._add("results recorded")
        if publish:
            self._publish(inspection)
            self._add("results published")

    def _work_in_progress(self, inspections: list[Inspection]) -> None:
        """A derived draw at work: about a third recorded and awaiting review, one returned for
        correction, one reviewed awaiting publication; the inspections of the `inspector`
        login stay to be done (its task list)."""
        from inspections.services.inspections import RETURN, inspection_review

        login = User.objects.filter(username=LOGIN_INSPECTOR).first()
        others = [
            i
            for i in inspections
            if login is None or all(a.inspector.user_id != login.pk for a in i.assignments.all())
        ]
        recorded = others[: max(1, len(others) // 3)]
        results = self._results(recorded)
        for n, inspection in enumerate(recorded):
            inspection = self._record(inspection, results[inspection.pk])
            self._add("results recorded")
            if n == 0 and len(recorded) > 2:
                inspection_review(
                    actor=self.planner,
                    inspection=inspection,
                    decision=RETURN,
                    expected_version=inspection.version,
                    note="检查记录缺少现场照片说明，请补充后重新提交。",
                )
                self._add("results returned")
            elif n == 1 and len(recorded) > 2:
                self._review(inspection, publish=False)
                self._add("results reviewed")

    # -- leads

    def _leads(self) -> None:
        if Lead.objects.filter(received_on__year=self.today.year).exists():
            return
        from inspections.services.leads import lead_create

        used: set[int] = set()
        for spec in data.LEADS:
            enterprise = None if spec.free_subject else self._lead_enterprise(spec, used)
            if enterprise is None and not spec.free_subject:
                continue  # a district too small for this lead
            received = working_days_before(self.today, spec.days_ago)
            public = spec.channel == Lead.Channel.WEB
            referring = self.departments.get(spec.referring) if spec.referring else None
            lead, _receipt = lead_create(
                actor=None if public else self.handler,
                kind=spec.kind,
                channel=spec.channel,
                received_on=self.today if public else received,
                subject_name=enterprise.name if enterprise else spec.free_subject,
                subject_address=enterprise.address if enterprise else "",
                content=spec.content,
                enterprise=enterprise,
                anonymous=spec.anonymous,
                reporter_name=spec.reporter,
                reporter_phone=f"1380280{self.rnd.randint(0, 9999):04d}" if spec.reporter else "",
                referring_department=referring,
                referral_document=(
                    f"{referring.name[1:3]}移〔{self.year}〕{self.rnd.randint(10, 99)}号"
                    if referring
                    else ""
                ),
            )
            self._add("leads")
            self._lead_advance(lead, spec)

    def _login_showcase(self) -> None:
        """A published inspection for an enterprise login of the demo, so that its
        self-service page (`/me/inspections/`) shows one (issue 17 leftovers: the draws are
        random, and in most districts no login's enterprise was drawn). Where none has one, a
        report about the first login's operating enterprise (`ent-company`'s) with a case
        opened; its triggered inspection recorded (a problem corrected on the spot, E),
        reviewed and published. Nothing when a login's enterprise has one already."""
        from enterprises.demo_accounts import ENTERPRISE_USERS
        from enterprises.models import EnterpriseMembership

        names = [username for username, *_rest in ENTERPRISE_USERS]
        memberships = {
            m.user.username: m.enterprise
            for m in EnterpriseMembership.objects.filter(user__username__in=names).select_related(
                "user", "enterprise"
            )
        }
        enterprises = [memberships[n] for n in names if n in memberships]
        if Inspection.objects.filter(
            enterprise__in=enterprises, status=Inspection.Status.PUBLISHED
        ).exists():
            return
        firm = next((e for e in enterprises if e.status == Enterprise.Status.OPERATING), None)
        if firm is None:
            return
        from inspections.services.leads import lead_create

        spec = data.LOGIN_LEAD
        lead, _receipt = lead_create(
            actor=self.handler,
            kind=spec.kind,
            channel=spec.channel,
            received_on=working_days_before(self.today, spec.days_ago),
            subject_name=firm.name,
            subject_address=firm.address,
            content=spec.content,
            enterprise=firm,
            anonymous=spec.anonymous,
        )
        self._add("leads")
        self._lead_advance(lead, spec)
        inspection = Inspection.objects.filter(lead=lead).order_by("pk").first()
        if inspection is None:
            return
        if inspection.status == Inspection.Status.ASSIGNED:
            self._complete(inspection, ("E",), publish=True, findings=LOGIN_FINDINGS)
        else:  # recorded by `_triggered` (the district's first triggered inspection)
            self._publish(self._review(inspection, publish=False))
            self._add("results published")
        self._add("login inspections published")

    def _lead_enterprise(self, spec: data.LeadSpec, used: set[int]) -> Enterprise | None:
        """An operating entity of one of the spec's industries (of any, in a district that
        has none of those), each lead its own; None when there is no operating entity left."""
        operating = Enterprise.objects.filter(status=Enterprise.Status.OPERATING).exclude(
            pk__in=used
        )
        candidates: list[int] = []
        for scope in (operating.filter(industry_division__in=list(spec.industries)), operating):
            candidates = list(scope.order_by("pk").values_list("pk", flat=True)[:400])
            if candidates:
                break
        if not candidates:
            return None
        pk = self.rnd.choice(candidates)
        used.add(pk)
        return Enterprise.objects.get(pk=pk)

    def _lead_advance(self, lead: Lead, spec: data.LeadSpec) -> None:
        """Take a lead to the state `spec.end` names, through the lead services."""
        from inspections.services import leads

        actor = self.handler
        items = list(InspectionItem.objects.filter(code__in=spec.items).order_by("code"))
        end = spec.end
        if end == "received":
            return
        if lead.kind in (Lead.Kind.REPORT, Lead.Kind.REFERRAL):
            lead = leads.lead_assign(
                actor=actor, lead=lead, handler=actor, expected_version=lead.version
            )
            if end == "extended":
                leads.lead_extend(
                    actor=actor,
                    lead=lead,
                    reason="需调取该公司近一年银行流水及购房意向金收据，核查工作量大。",
                    expected_version=lead.version,
                )
            elif end in ("case_opened", "case_opened_untold", "no_case"):
                opened = end != "no_case"
                lead = leads.lead_decide(
                    actor=actor,
                    lead=lead,
                    decision=Lead.Decision.CASE_OPENED if opened else Lead.Decision.NO_CASE,
                    note="经核查，举报情况属实，决定立案并开展检查。"
                    if opened
                    else "经核查，未发现举报所称违法行为。",
                    expected_version=lead.version,
                    items=items if opened else [],
                )
                if opened:
                    self._triggered(lead)
                if end != "case_opened_untold" and lead.notify_due and not spec.anonymous:
                    leads.lead_notify(
                        actor=actor,
                        lead=lead,
                        notified_on=self.today,
                        method="phone",
                        expected_version=lead.version,
                        note="已电话告知举报人处理结果。",
                    )
            return
        # Complaints.
        if end == "refused":
            leads.lead_refuse(
                actor=actor,
                lead=lead,
                reason="双方已就同一纠纷向人民法院起诉，不予受理（暂行办法第十五条）。",
                expected_version=lead.version,
            )
            return
        lead = leads.lead_accept(actor=actor, lead=lead, expected_version=lead.version)
        if end == "violation_found":
            lead = leads.lead_violation_found(
                actor=actor,
                lead=lead,
                note="调解中发现该机构未按规定公示收费项目和标准，转为检查。",
                expected_version=lead.version,
                items=items,
            )
            self._triggered(lead)
        elif end in ("agreed", "withdrawn"):
            leads.lead_mediation_end(
                actor=actor,
                lead=lead,
                outcome=Lead.MediationOutcome.AGREED
                if end == "agreed"
                else Lead.MediationOutcome.WITHDRAWN,
                note="经调解，商家同意退还多收费用，双方达成一致。"
                if end == "agreed"
                else "商家主动赔偿，投诉人撤回投诉。",
                expected_version=lead.version,
            )

    def _triggered(self, lead: Lead) -> None:
        """The lead's triggered inspection, assigned by hand to the `inspector` login and a
        colleague of the bureau; the first one recorded, awaiting review."""
        from inspections.services.inspections import inspection_assign, inspectors_available

        inspection = (
            Inspection.objects.filter(lead=lead, origin=Inspection.Origin.TRIGGERED)
            .order_by("pk")
            .first()
        )
        if inspection is None:
            return
        self._add("triggered inspections")
        available = inspectors_available(inspection=inspection)
        needed = set(
            inspection.checks.filter(item__required_skill__isnull=False).values_list(
                "item__required_skill_id", flat=True
            )
        )
        chosen = [i for i in available if i.user.username == LOGIN_INSPECTOR]
        for inspector in available:
            held = {s.pk for s in inspector.skills.all()}
            covered = {s.pk for i in chosen for s in i.skills.all()}
            if inspector not in chosen and (held & (needed - covered)):
                chosen.append(inspector)
        chosen += [i for i in available if i not in chosen][: max(0, 2 - len(chosen))]
        inspection = inspection_assign(
            actor=self.planner,
            inspection=inspection,
            inspectors=chosen,
            expected_version=inspection.version,
        )
        if self.counts.get("triggered inspections", 0) <= data.TRIGGERED_RECORDED:
            self._record(inspection, ("E",))
            self._add("results recorded")
