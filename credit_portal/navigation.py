"""The role-aware main navigation. Each entry shows only to users holding its codename.

Apps add their entries here as they gain pages; the template renders what `visible_items`
returns, so navigation and permissions cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from credit_portal.models import User
from credit_portal.permissions import CorePerm


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    perm: str | None = None  # None: every logged-in user
    staff_site: bool = False  # Django admin: needs is_staff
    enterprise_user: bool = False  # needs an enterprise membership
    description: str | Promise = ""  # one line under the entry's tile on the workbench


ITEMS: list[NavItem] = [
    NavItem("home", _("Workbench"), CorePerm.ACCESS_STAFF_PORTAL),
    NavItem(
        "enterprises:list",
        _("Register"),
        "enterprises.view_enterprise",
        description=_("Find, filter and export market entities; their ledger and history."),
    ),
    NavItem(
        "enterprises:import",
        _("Import"),
        "enterprises.import_enterprises",
        description=_("Upload a register file (CSV or XLSX); every row is checked first."),
    ),
    NavItem(
        "remediation:penalty_list",
        _("Penalties"),
        "remediation.view_penaltydecision",
        description=_("Penalty decisions with their leniency; publication due and overdue."),
    ),
    NavItem(
        "remediation:soft_action_list",
        _("Soft enforcement"),
        "remediation.view_softaction",
        description=_("Prompts, suggestions, admonitions and interviews; service and follow-up."),
    ),
    NavItem(
        "remediation:repair_list",
        _("Credit repair"),
        "remediation.view_repairapplication",
        description=_("Repair applications, due first; the outbox to the outside networks."),
    ),
    NavItem("me:home", _("My enterprise"), enterprise_user=True),
    NavItem("me:records", _("Credit records"), enterprise_user=True),
    NavItem("me-remediation:penalties", _("My penalties"), enterprise_user=True),
    NavItem("me-remediation:letters", _("My letters"), enterprise_user=True),
    NavItem("me-remediation:repairs", _("Credit repair"), enterprise_user=True),
    NavItem(
        "public:search",
        _("Public credit lookup"),
        description=_("What the public sees of an enterprise, as the publicity system shows it."),
    ),
    NavItem(
        "api-docs",
        _("API"),
        CorePerm.ACCESS_STAFF_PORTAL,
        description=_("The REST API for other systems, with its OpenAPI schema."),
    ),
    NavItem(
        "admin:index",
        _("Administration"),
        staff_site=True,
        description=_("Users, roles, departments and the audit log."),
    ),
]


def visible_items(user: User, current_path: str) -> list[dict[str, Any]]:
    if not user.is_authenticated:
        return []
    entries: list[tuple[str, NavItem]] = []
    for item in ITEMS:
        if item.staff_site and not user.is_staff:
            continue
        if item.enterprise_user and not hasattr(user, "enterprise_membership"):
            continue
        if item.perm and not user.has_perm(item.perm):
            continue
        try:
            entries.append((reverse(item.url_name), item))
        except NoReverseMatch:
            continue
    # The longest URL that prefixes the current path is the active one (/me/records/ is not /me/).
    matching = [
        url
        for url, _item in entries
        if current_path == url or (url != "/" and current_path.startswith(url))
    ]
    active = max(matching, key=len) if matching else None
    return [
        {"url": url, "label": item.label, "active": url == active, "description": item.description}
        for url, item in entries
    ]
