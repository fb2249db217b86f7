"""Roles are Groups created by data migrations; each grants permission codenames.

The mapping below is the single source: each app's data migration calls
`grant_role_permissions` with its own codenames, so a role's rights grow with the apps.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    REGISTRAR = "registrar"
    INSPECTOR = "inspector"
    ENFORCEMENT_OFFICER = "enforcement_officer"
    CREDIT_OFFICER = "credit_officer"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"
    ENTERPRISE_USER = "enterprise_user"


ROLE_LABELS = {
    Role.REGISTRAR: _("Registrar"),
    Role.INSPECTOR: _("Inspector"),
    Role.ENFORCEMENT_OFFICER: _("Enforcement officer"),
    Role.CREDIT_OFFICER: _("Credit officer"),
    Role.SUPERVISOR: _("Supervisor"),
    Role.ADMINISTRATOR: _("Administrator"),
    Role.ENTERPRISE_USER: _("Enterprise user"),
}

STAFF_ROLES = [r for r in Role if r is not Role.ENTERPRISE_USER]


def group_label(name: str, *, with_code: bool = False) -> str:
    """A group as people read it: a role's label (its codename after it, for administrators
    who meet the codename in code and logs); any other group by its name."""
    label = ROLE_LABELS.get(Role(name)) if name in Role._value2member_map_ else None
    if label is None:
        return name
    return f"{label} ({name})" if with_code else str(label)


def _ensure_permissions(apps: Any) -> None:
    """Create the permission rows of every app now (Django would only do it after migrate)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant_role_permissions(apps: Any, grants: dict[str, list[str]]) -> None:
    """Give each role (Group) the permission codenames `app_label.codename` listed for it.

    For use in data migrations; creates the groups when missing. Fails loudly on a codename
    that does not exist, so a typo cannot silently leave a role without a right.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)
    for role, codenames in grants.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        for full in codenames:
            app_label, codename = full.split(".", 1)
            perm = permission_model.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(perm)
