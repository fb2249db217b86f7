"""The demo district's classification step (credit_portal.demo): indicators, the general, food
and special-equipment models, and a year of monthly runs (docs/domain.md §1; issue 16).

What it builds, through the services (audited, by the portal's system account):
- `INDICATORS`: sixteen indicators in the five families of §1, over the register fields
  (`risk.rules.REGISTER_FIELDS`) and the ledger kinds the portal declares today, each with its
  basis in §1. `inspections_1y` counts the inspections that found a problem
  (`inspection_finding`; a clean result weighs nothing); `complaints_1y` counts complaints
  and reports (`complaint`, both kinds of the inspections app), in the v3 what-if draft only:
  the published versions predate the complaints the portal records.
- The models of `MODELS`: the general model (v1 published at the start of the demo year, v2
  mid-year adding the changes of registration and reweighing penalties, late reports and soft
  enforcement, and a v3 draft to try as a what-if), a food model (GB/T 4754 divisions 13, 14,
  15 and 62) and a special-equipment model (34, 35, 43), each starting as the general one
  (`version_draft_create`) and reweighing.
- Runs (`risk.services.runs.run_now`, reason nightly) as of the last day of each month of the
  demo year, then as of the demo's date: the history, transitions, tasks and trend the pages
  show. The demo year is the twelve months before the as-of date's month (`demo_year`), so
  that the trend ends at the as-of date. Each run knows what was recorded by 02:00 China time
  the night after its date (`knowledge_instant`): the register demo records each fact at 10:00
  on its day
  (`enterprises.demo.RECORDED_AT`), so a run as of a date knows that date's facts, and a replay
  of the run (`manage.py reclassify --as-of D`) reproduces it. The last run knows everything
  recorded so far: the other demo steps record their facts when they write them.
- Tasks of the runs before the last two months acknowledged by their department's staff (the
  bureau's credit officer; the departments without demo accounts keep theirs open), and two
  overrides by the supervisor (one raising a class, one lowering it).

Deterministic for (as_of, the register); idempotent: indicators and models are found by code,
a model with versions is left alone, the runs are made only when no nightly run exists.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_portal.dates import add_months
from credit_portal.models import User
from risk.models import (
    ClassChangeTask,
    ClassificationRun,
    ClassOverride,
    CurrentClass,
    Indicator,
    ScoringModel,
)

STEP_ORDER = 300  # after every step that writes the ledger (remediation, annual reports: 100-199)
AUDIT_EVENT = "demo.risk_seeded"
CST = dt.timezone(dt.timedelta(hours=8))
# A run as of D knows what was recorded by this time, China time, the night after D.
NIGHT = dt.time(2)
# Versions published at the start of the demo year and mid-year, at this time (China time).
PUBLISHED_AT = dt.time(9)
# Tasks due before this many days before the as-of date are acknowledged.
TASKS_ACKNOWLEDGED_BEFORE_DAYS = 60
TASK_NOTES = (
    "已电话约谈企业负责人，督促整改，纳入本季度重点检查名单。",
    "已现场核查，企业已整改到位，继续跟踪。",
    "已发送提示函，企业书面回复已整改。",
)
OVERRIDE_DAYS = 90

BASIS = "docs/domain.md §1"


def _register(
    code: str,
    zh: str,
    en: str,
    family: str,
    nature: str,
    field: str,
    basis: str,
    *,
    mapping: dict[str, int] | None = None,
    bands: list[list[Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "family": family,
        "nature": nature,
        "source": "register",
        "register_field": field,
        "mapping": mapping or {},
        "bands": bands or [],
        "basis": f"{BASIS} {basis}",
        "description": description,
        "weight_min": 0,
        "weight_max": 30,
    }


def _ledger(
    code: str,
    zh: str,
    en: str,
    family: str,
    kind: str,
    basis: str,
    *,
    window: int,
    points: int,
    most: int,
    in_force: bool = False,
    description: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "family": family,
        "nature": "dynamic",
        "source": "ledger",
        "kinds": [kind],
        "window_days": window,
        "in_force_only": in_force,
        "points_per_fact": points,
        "max_points": most,
        "basis": f"{BASIS} {basis}",
        "description": description,
        "weight_min": 0,
        "weight_max": 30,
    }


YEAR, THREE_YEARS = 365, 1095
COMPLAINTS = "complaints_1y"
INDICATORS: list[dict[str, Any]] = [
    # Basic attributes (R01)
    _register(
        "age", "成立年限", "Years since registration", "basic", "static", "age_years",
        "R01 years in operation; a young entity has little history",
        bands=[[0, 1, 8], [1, 3, 4], [3, None, 0]],
    ),
    _register(
        "registered_capital", "注册资本", "Registered capital", "basic", "static",
        "registered_capital", "R01 registered capital (CNY 10,000)",
        bands=[[0, 10, 4], [10, 100, 2], [100, None, 0]],
    ),
    _register(
        "industry_section", "行业门类风险", "Risk of the industry section", "basic", "static",
        "industry_section", "R04 key-sector risks; \"General + professional\"",
        mapping={"B": 6, "C": 4, "E": 4, "H": 4, "F": 2, "G": 2, "K": 2},
    ),
    # Dynamic information (R02)
    _register(
        "status_suspended", "歇业状态", "Business suspended", "dynamic", "dynamic", "status",
        "R02 dynamic information; §7 business suspension",
        mapping={"suspended": 6},
    ),
    _ledger(
        "registration_changes_1y", "近一年变更登记次数", "Changes of registration in the last year",
        "dynamic", "registration_change",
        "R02 frequent changes of legal representative, name, address or scope",
        window=YEAR, points=2, most=8,
    ),
    _ledger(
        "late_reports_3y", "近三年未按时报送年报", "Annual reports late in the last 3 years",
        "dynamic", "annual_report_late", "R02/R03; §4 annual reports",
        window=THREE_YEARS, points=5, most=15,
    ),
    # Supervision information (R03)
    _ledger(
        "abnormal_in_force", "列入经营异常名录（未移出）", "In the abnormal directory now",
        "supervision", "abnormal_listing", "R03 abnormal directory, listed now; §3",
        window=0, points=20, most=20, in_force=True,
    ),
    _ledger(
        "abnormal_3y", "近三年列入经营异常名录次数", "Abnormal listings in the last 3 years",
        "supervision", "abnormal_listing", "R03 number of listings in 3 years",
        window=THREE_YEARS, points=5, most=15,
    ),
    _ledger(
        "serious_in_force", "列入严重违法失信名单（未移出）", "On the serious list now",
        "supervision", "serious_listing", "R03 serious list, listed now; hard rule D",
        window=0, points=50, most=50, in_force=True,
    ),
    _ledger(
        "penalties_3y", "近三年行政处罚次数", "Penalties in the last 3 years", "supervision",
        "penalty", "R03 penalties in 3 years; §5 publicity term",
        window=THREE_YEARS, points=15, most=45,
    ),
    _ledger(
        "soft_actions_1y", "近一年提示、约谈次数", "Soft enforcement in the last year",
        "supervision", "soft_enforcement", "R03; §9 letters (prompts, warnings, interviews)",
        window=YEAR, points=4, most=12,
    ),
    _ledger(
        "inspections_1y", "近一年抽查发现问题次数", "Inspections finding problems, last year",
        "supervision", "inspection_finding", "R03 spot-check outcomes; §2 result codes",
        window=YEAR, points=3, most=6,
        description=(
            "Counts the published inspections that found a problem (the kind "
            "inspection_finding); a clean result weighs nothing."
        ),
    ),
    _ledger(
        "repairs_3y", "近三年信用修复", "Credit repairs in the last 3 years", "supervision",
        "repair", "R03 repaired; §5 credit repair; issue 16 §1 repairs lighten",
        window=THREE_YEARS, points=-5, most=10,
    ),
    # Relationship information (R01 branches, shareholder type; R04 related enterprises)
    _register(
        "entity_structure", "组织形式关联", "Depends on a parent or partners", "relations",
        "static", "entity_type", "R01 branches, shareholder type; R04 related enterprises",
        mapping={"branch": 3, "partnership": 2, "sole_proprietorship": 2},
    ),
    # Social evaluation (R05)
    _ledger(
        "self_corrections_1y", "近一年主动纠错", "Self-corrections in the last year", "social",
        "self_correction", "R05; issue 16 §1: good-faith conduct lightens",
        window=YEAR, points=-3, most=6,
    ),
    _ledger(
        COMPLAINTS, "近一年投诉举报", "Complaints and reports in the last year", "social",
        "complaint", "R05 12345 hotline complaint counts",
        window=YEAR, points=5, most=20,
        description=(
            "Counts the kind complaint (a complaint accepted, or a report on which a case was "
            "opened; the inspections app). In the what-if draft only: the published versions "
            "predate the complaints the portal records."
        ),
    ),
]  # fmt: skip

BANDS = [("A", "0", "10"), ("B", "10", "30"), ("C", "30", "60"), ("D", "60", None)]


@dataclass(frozen=True)
class VersionPlan:
    model: str
    published: str  # "start" (of the demo year), "mid" (six months in) or "" (a draft)
    weights: dict[str, int]  # changes to the copied version: code -> weight (0: removed)
    notes: str


MODELS: list[dict[str, Any]] = [
    {
        "code": "general",
        "name_zh": "通用模型",
        "name_en": "General model",
        "is_general": True,
        "industry_divisions": [],
        "description": "全区各类企业的信用风险分类（国市监信发〔2022〕6号）。",
    },
    {
        "code": "food",
        "name_zh": "食品生产经营模型",
        "name_en": "Food model",
        "is_general": False,
        "industry_divisions": ["13", "14", "15", "62"],
        "description": "农副食品加工、食品制造、酒饮料和精制茶制造、餐饮业。",
    },
    {
        "code": "special_equipment",
        "name_zh": "特种设备模型",
        "name_en": "Special equipment model",
        "is_general": False,
        "industry_divisions": ["34", "35", "43"],
        "description": "通用设备制造、专用设备制造、金属制品和机械设备修理。",
    },
]
GENERAL_V1 = {
    i["code"]: 10 for i in INDICATORS if i["code"] not in (COMPLAINTS, "registration_changes_1y")
}
PLANS = [
    VersionPlan("general", "start", GENERAL_V1, "首版通用模型。"),
    VersionPlan(
        "food", "start", {"penalties_3y": 20, "inspections_1y": 20, "industry_section": 5},
        "在通用模型基础上加重行政处罚与抽查结果的权重。",
    ),
    VersionPlan(
        "special_equipment", "start",
        {"inspections_1y": 25, "penalties_3y": 15, "abnormal_3y": 15},
        "在通用模型基础上加重抽查检查结果的权重。",
    ),
    VersionPlan(
        "general", "mid",
        {"registration_changes_1y": 10, "penalties_3y": 15, "late_reports_3y": 15,
         "soft_actions_1y": 5},
        "年中调整：增加变更登记频次，加重行政处罚与年报逾期，减轻柔性执法。",
    ),
    VersionPlan(
        "general", "", {"soft_actions_1y": 10, COMPLAINTS: 5},
        "试算：柔性执法恢复原权重，加入近一年投诉举报。",
    ),
]  # fmt: skip


def declare() -> None:
    """Register the step with the demo district and its audit event (from `RiskConfig.ready`)."""
    from credit_portal.audit import AuditEventType, audit_event_types_declare
    from credit_portal.demo import demo_step_register

    demo_step_register("risk", "risk.demo.risk_demo_build", STEP_ORDER)
    audit_event_types_declare(
        AuditEventType(AUDIT_EVENT, _("Demo classification built"), _event_summary)
    )


def _event_summary(event: Any) -> dict[str, Any]:
    counts = (event.extra or {}).get("counts") or {}
    return {"summary": ", ".join(f"{key} {value}" for key, value in counts.items())}


def knowledge_instant(day: dt.date, now: dt.datetime) -> dt.datetime:
    """What a run as of `day` knows: the facts recorded by 02:00 China time the night after
    (the register demo records each at 10:00 on its day), and never more than now."""
    night = dt.datetime.combine(day + dt.timedelta(days=1), NIGHT, tzinfo=CST)
    return min(night, now)


def demo_year(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The demo year: the twelve months before the month of `as_of`, from the first day of
    that month a year earlier (its start) to `as_of`; and its middle, six months in."""
    start = add_months(as_of.replace(day=1), -12)
    return start, add_months(start, 6)


def run_dates(as_of: dt.date) -> list[dt.date]:
    """The last day of each month of the demo year, then `as_of`."""
    start, _middle = demo_year(as_of)
    days = []
    for n in range(12):
        first = add_months(start, n)
        days.append(first.replace(day=calendar.monthrange(first.year, first.month)[1]))
    return [*days, as_of]


def _published_at(plan: VersionPlan, as_of: dt.date) -> dt.datetime:
    start, middle = demo_year(as_of)
    day = start if plan.published == "start" else middle
    return dt.datetime.combine(day, PUBLISHED_AT, tzinfo=CST)


@dataclass
class RiskDemoResult:
    counts: dict[str, int]
    seconds: float = 0.0


def risk_demo_build(*, as_of: dt.date, seed: int = 0, stdout: Any = None) -> RiskDemoResult:
    """Build the classification of the demo district (module docstring). Deterministic for
    (as_of, the register); a second run adds nothing."""
    started = time.perf_counter()
    as_of = min(as_of, timezone.localdate())
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts |= _models_build(as_of)
    counts |= _runs_build(as_of)
    counts["queued_changes_covered"] = _queue_covered(as_of)
    with transaction.atomic():
        counts |= _follow_up(as_of)
        if any(counts.values()):
            from credit_portal.audit import audit_event_record

            audit_event_record(
                actor=None, event_type=AUDIT_EVENT, extra={"as_of": as_of, "counts": counts}
            )
    result = RiskDemoResult(counts=counts, seconds=time.perf_counter() - started)
    if stdout is not None:
        made = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        stdout.write(f"  classification: {made if any(counts.values()) else 'already there'}")
    return result


def _queue_covered(as_of: dt.date) -> int:
    """The facts the earlier steps appended wait in the ledger queue of `risk.reclassify`; the
    whole-register run of the day just made knew them all (they were recorded before its
    `knowledge_at`), so their rows are dropped instead of reclassifying those enterprises once
    more at the next drain. Only rows recorded by that instant: anything later stays queued."""
    from enterprises.models import LedgerChange
    from risk.jobs import SUBSCRIBER

    runs = ClassificationRun.objects.filter(
        applies=True, as_of=as_of, status=ClassificationRun.Status.DONE, enterprise__isnull=True
    ).order_by("-knowledge_at")
    run = next((r for r in runs if not r.enterprise_ids), None)  # the whole register's
    if run is None:
        return 0
    deleted, _ = LedgerChange.objects.filter(
        subscriber=SUBSCRIBER, recorded_at__lte=run.knowledge_at
    ).delete()
    return deleted


def _system() -> User:
    from credit_portal.services import system_user

    return system_user()


def _models_build(as_of: dt.date) -> dict[str, int]:
    """The indicators, models and versions (services: checked, audited)."""
    from decimal import Decimal

    from risk.services.models import (
        indicator_save,
        scoring_model_save,
        version_bands_set,
        version_draft_create,
        version_indicator_add,
        version_indicator_remove,
        version_publish,
        version_rules_set,
        version_weight_set,
    )

    by = _system()
    known = set(Indicator.objects.values_list("code", flat=True))
    made = 0
    for spec in INDICATORS:
        if spec["code"] not in known:
            indicator_save(indicator=Indicator(**spec), by=by)
            made += 1
    indicators = {i.code: i for i in Indicator.objects.all()}
    models = {m.code: m for m in ScoringModel.objects.all()}
    for spec in MODELS:
        if spec["code"] not in models:
            models[spec["code"]] = scoring_model_save(model=ScoringModel(**spec), by=by)
    fresh = {code for code, m in models.items() if not m.versions.exists()}
    versions = published = 0
    for plan in PLANS:
        if plan.model not in fresh:
            continue
        version = version_draft_create(model=models[plan.model], by=by)
        present = set(version.entries.values_list("indicator__code", flat=True))
        for code, weight in plan.weights.items():
            if weight == 0 and code in present:
                version_indicator_remove(version=version, indicator=indicators[code], by=by)
            elif code in present:
                version_weight_set(
                    version=version, indicator=indicators[code], weight=weight, by=by
                )
            elif weight:
                version_indicator_add(
                    version=version, indicator=indicators[code], weight=weight, by=by
                )
        if not version.bands.exists():
            version_bands_set(
                version=version,
                bands=[(c, Decimal(a), None if b is None else Decimal(b)) for c, a, b in BANDS],
                by=by,
            )
        version_rules_set(version=version, notes=plan.notes, by=by)
        versions += 1
        if plan.published:
            version_publish(version=version, by=by, at=_published_at(plan, as_of))
            published += 1
    return {
        "indicators": made,
        "versions": versions,
        "published": published,
    }


def _runs_build(as_of: dt.date) -> dict[str, int]:
    """Monthly nightly runs over the demo year, then as of the demo's date (each its own
    transactions: `run_now`)."""
    from risk.services.runs import run_now

    if ClassificationRun.objects.filter(reason=ClassificationRun.Reason.NIGHTLY).exists():
        return {}
    now = timezone.now()
    runs = assessments = 0
    for day in run_dates(as_of):
        run = run_now(
            reason=ClassificationRun.Reason.NIGHTLY,
            as_of=day,
            knowledge_at=knowledge_instant(day, now),
        )
        if run.status != ClassificationRun.Status.DONE:
            raise RuntimeError(f"demo run as of {day} ended {run.status}: {run.message}")
        runs += 1
        assessments += run.assessments
    return {
        "runs": runs,
        "assessments": assessments,
        "tasks": ClassChangeTask.objects.count(),
    }


def _task_officers() -> dict[int, User]:
    """For each department with a demo staff member who may acknowledge tasks
    (`risk.change_classchangetask`), the first of them: a task is acknowledged by its own
    department's staff (`risk.services.tasks.task_acknowledge`); the other departments of the
    district have no demo accounts, and their tasks stay open."""
    from credit_portal.models import StaffProfile
    from risk.permissions import RiskPerm

    officers: dict[int, User] = {}
    for profile in StaffProfile.objects.select_related("user").order_by("user_id"):
        user = profile.user
        if user.is_active and user.has_perm(RiskPerm.CHANGE_TASK):
            officers.setdefault(profile.department_id, user)
    return officers


def _follow_up(as_of: dt.date) -> dict[str, int]:
    """Older tasks acknowledged by their departments' staff (the bureau's credit officer in the
    demo); two overrides by the supervisor."""
    from risk.services.overrides import override_set
    from risk.services.tasks import task_acknowledge

    officers = _task_officers()
    cutoff = as_of - dt.timedelta(days=TASKS_ACKNOWLEDGED_BEFORE_DAYS)
    acknowledged = 0
    due = ClassChangeTask.objects.filter(
        done_at__isnull=True, due_on__lt=cutoff, department_id__in=list(officers)
    ).order_by("id")
    for index, task in enumerate(due):
        note = TASK_NOTES[index % len(TASK_NOTES)]
        task_acknowledge(task=task, by=officers[task.department_id], note=note)
        acknowledged += 1
    overrides = 0
    if not ClassOverride.objects.exists():
        supervisor = User.objects.filter(username="supervisor").first() or _system()
        expires = timezone.localdate() + dt.timedelta(days=OVERRIDE_DAYS)
        plan = [
            ("C", "D", "现场检查发现特种设备重大安全隐患，提级监管至整改完毕。"),
            ("B", "A", "经核查，近期处罚已整改完毕，企业守信承诺，降级监管。"),
        ]
        for computed, wanted, reason in plan:
            current = (
                CurrentClass.objects.filter(computed_class=computed, override__isnull=True)
                .exclude(enterprise__entity_type="individual_business")
                .order_by("enterprise_id")
                .first()
            )
            if current is None:
                continue
            override_set(
                enterprise=current.enterprise,
                risk_class=wanted,
                reason=reason,
                expires_on=expires,
                by=supervisor,
            )
            overrides += 1
    return {"tasks acknowledged": acknowledged, "overrides": overrides}
