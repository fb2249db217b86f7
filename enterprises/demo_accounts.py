"""Demo enterprise users: the accounts of the demo district bound each to one showcase
enterprise (`enterprises.demo.Showcase`). The departments and staff users of the demo are the
core's (`credit_portal.demo`); these need the register, so they live with it.

Deterministic and idempotent: running it twice changes nothing. Used by `seed_demo` and
`enterprises.demo.demo_district_seed`.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from credit_portal.audit import audit_event_record
from credit_portal.demo import DEMO_PASSWORD, DemoLogin
from credit_portal.models import User
from credit_portal.roles import Role
from enterprises.models import EnterpriseMembership

# (username, display name, showcase key in enterprises.demo.Showcase, membership role)
ENTERPRISE_USERS: list[tuple[str, str, str, str]] = [
    ("ent-company", "企业用户（公司）", "problem_company", "legal_rep"),
    ("ent-shop", "个体户经营者", "individual_business", "legal_rep"),
    ("ent-suspended", "企业用户（歇业）", "suspended", "filer"),
    ("ent-clean", "企业用户（守信）", "clean_company", "filer"),
]


@transaction.atomic
def demo_enterprise_users_build(*, bindings: dict[str, int]) -> list[DemoLogin]:
    """Create the demo enterprise users, each bound to the enterprise id given for its
    showcase key (missing keys are skipped). Idempotent; audited like staff users."""
    group = Group.objects.get(name=str(Role.ENTERPRISE_USER))
    logins: list[DemoLogin] = []
    for n, (username, display, key, role) in enumerate(ENTERPRISE_USERS):
        enterprise_id = bindings.get(key)
        if enterprise_id is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display, email=f"{username}@demo.invalid")
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(group)
            EnterpriseMembership.objects.create(
                user=user,
                enterprise_id=enterprise_id,
                role=role,
                phone=f"138000000{n:02d}",
                email=user.email,
            )
            audit_event_record(
                actor=None,
                event_type="accounts.user_created",
                target=user,
                extra={"new": {"username": username, "role": str(Role.ENTERPRISE_USER)}},
            )
        logins.append(DemoLogin(username, DEMO_PASSWORD, str(Role.ENTERPRISE_USER)))
    return logins


def demo_enterprise_logins() -> list[tuple[DemoLogin, str]]:
    """The demo enterprise users that exist, with the name of their enterprise."""
    names = [u for u, *_rest in ENTERPRISE_USERS]
    memberships = EnterpriseMembership.objects.filter(user__username__in=names).select_related(
        "user", "enterprise"
    )
    by_name = {m.user.username: m for m in memberships}
    return [
        (
            DemoLogin(u, DEMO_PASSWORD, str(Role.ENTERPRISE_USER)),
            f"{by_name[u].enterprise.name} ({by_name[u].enterprise.uscc})",
        )
        for u in names
        if u in by_name
    ]
