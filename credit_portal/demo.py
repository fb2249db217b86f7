"""Demo accounts: the 25 departments of the joint meeting and one staff user per role; and the
registry of the demo steps other apps add to the district.

Deterministic and idempotent: running it twice changes nothing. Used by `seed_demo` (a command
of the register); the register, its ledger and the enterprise users of the demo district are
built by `enterprises.demo` and `enterprises.demo_accounts`; each domain app adds its own cases
to the district by a step it registers here (`demo_step_register`, from its `ready()`), which
`seed_demo` runs once the register is built (`demo_steps_run`): the register names no domain
app, the core none either (it keeps dotted paths).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import import_string

from credit_portal.audit import audit_event_record
from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role

DEMO_PASSWORD = "Demo-2026-credit"  # noqa: S105 - printed by seed_demo; demo databases only

# The seed: "a joint-meeting mechanism with 25 departments (development and reform, science and
# technology, ...)". The bureau is one of the 25.
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("amr", "区市场监督管理局", "Administration for Market Regulation"),
    ("drc", "区发展和改革局", "Development and Reform Bureau"),
    ("sti", "区经济科技和信息化局", "Economy, Science, Technology and Information Bureau"),
    ("edu", "区教育局", "Education Bureau"),
    ("psb", "区公安分局", "Public Security Sub-bureau"),
    ("civil", "区民政局", "Civil Affairs Bureau"),
    ("justice", "区司法局", "Justice Bureau"),
    ("finance", "区财政局", "Finance Bureau"),
    ("hrss", "区人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("nrp", "区自然资源和规划局", "Natural Resources and Planning Bureau"),
    ("eco", "区生态环境局", "Ecology and Environment Bureau"),
    ("housing", "区住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("transport", "区交通运输局", "Transport Bureau"),
    ("water", "区水务局", "Water Affairs Bureau"),
    ("agri", "区农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("commerce", "区商务局", "Commerce Bureau"),
    ("culture", "区文化广电旅游局", "Culture, Radio, Television and Tourism Bureau"),
    ("health", "区卫生健康局", "Health Commission"),
    ("emergency", "区应急管理局", "Emergency Management Bureau"),
    ("stats", "区统计局", "Statistics Bureau"),
    ("medins", "区医疗保障局", "Healthcare Security Bureau"),
    ("urban", "区综合行政执法局", "Urban Management and Comprehensive Enforcement Bureau"),
    ("tax", "国家税务总局双流区税务局", "Taxation Bureau"),
    ("fire", "区消防救援大队", "Fire and Rescue Brigade"),
    ("tobacco", "区烟草专卖局", "Tobacco Monopoly Bureau"),
]

# (username, display name, role, department code, admin site): "" none, "department" the
# Django admin for the department's own accounts (is_staff), "all" a superuser. The bureau is
# "amr"; "eco" is a partner department, with an inspector who reads and an administrator who
# edits its entities and manages its accounts, so that a partner department can be tried.
STAFF: list[tuple[str, str, Role, str, str]] = [
    ("registrar", "李登记", Role.REGISTRAR, "amr", ""),
    ("inspector", "王检查", Role.INSPECTOR, "amr", ""),
    ("inspector2", "赵核查", Role.INSPECTOR, "amr", ""),
    ("env-inspector", "周环保", Role.INSPECTOR, "eco", ""),
    ("enforcer", "张执法", Role.ENFORCEMENT_OFFICER, "amr", ""),
    ("credit", "陈信用", Role.CREDIT_OFFICER, "amr", ""),
    ("supervisor", "刘科长", Role.SUPERVISOR, "amr", ""),
    ("admin", "系统管理员", Role.ADMINISTRATOR, "amr", "all"),
    ("env-admin", "吴环管", Role.ADMINISTRATOR, "eco", "department"),  # last: badge numbers kept
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    department: str = ""  # department code (staff); empty for enterprise users
    admin_site: str = ""  # as in STAFF


@transaction.atomic
def demo_accounts_build() -> list[DemoLogin]:
    """Create the departments and staff users of the demo district (system actor, audited)."""
    for order, (code, name, name_en) in enumerate(DEPARTMENTS):
        dept, created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "is_bureau": code == "amr",
                "sort_order": order,
            },
        )
        if created:
            audit_event_record(
                actor=None,
                event_type="accounts.department_created",
                target=dept,
                extra={"new": {"code": code, "name": name}},
            )
    departments = {d.code: d for d in Department.objects.all()}
    groups = {g.name: g for g in Group.objects.all()}
    logins: list[DemoLogin] = []
    for username, display, role, dept_code, admin_site in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                display_name=display,
                is_staff=bool(admin_site),
                is_superuser=admin_site == "all",
                email=f"{username}@demo.invalid",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(groups[str(role)])
            StaffProfile.objects.create(
                user=user,
                department=departments[dept_code],
                phone="028-8580" + str(1000 + len(logins)),
                badge_number=f"51011600{len(logins):04d}",
            )
            audit_event_record(
                actor=None,
                event_type="accounts.user_created",
                target=user,
                extra={"new": {"username": username, "role": str(role)}},
            )
        logins.append(DemoLogin(username, DEMO_PASSWORD, str(role), dept_code, admin_site))
    return logins


# --- Demo steps of the domain apps -----------------------------------------------------------


@dataclass(frozen=True)
class DemoStep:
    """A step that adds an app's cases to the demo district after the register is built:
    ``step(*, as_of: date, seed: int, stdout) -> None``, deterministic for (as_of, seed, the
    register) and idempotent (a second run adds nothing). It writes its own summary line."""

    name: str
    func: str  # dotted path
    order: int


_STEPS: dict[str, DemoStep] = {}


def demo_step_register(name: str, func_path: str, order: int) -> None:
    """Declare a demo step (from the app's `ready()`). The same step twice is harmless;
    another definition under the same name is an error."""
    step = DemoStep(name, func_path, order)
    known = _STEPS.setdefault(name, step)
    if known != step:
        raise ValueError(f"demo step {name!r} is already registered as {known.func}")


def demo_steps() -> list[DemoStep]:
    """The registered steps in the order they run (order, then name)."""
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


def demo_steps_run(*, as_of: Any, seed: int, stdout: Any) -> None:
    """Run every registered step for the district built as of `as_of` with `seed`, in order,
    each timed on `stdout` (a stream with `write`)."""
    for step in demo_steps():
        started = time.perf_counter()
        import_string(step.func)(as_of=as_of, seed=seed, stdout=stdout)
        stdout.write(f"  demo step {step.name}: {time.perf_counter() - started:.1f} s")
