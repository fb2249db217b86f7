"""The role-aware main navigation. Each entry shows only to users holding its codename.

Apps add their entries here as they gain pages; the template renders what `visible_items`
returns, so navigation and permissions cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from credit_portal.inbox import nav_badge
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
    # A count beside the entry (read lazily by the template: no query unless it is shown).
    badge: Callable[[User], Any] | None = None


ITEMS: list[NavItem] = [
    NavItem("home", _("Workbench"), CorePerm.ACCESS_STAFF_PORTAL),
    NavItem(
        "inbox",
        _("Inbox"),
        CorePerm.ACCESS_STAFF_PORTAL,
        description=_("What waits for you across every capability, overdue first."),
        badge=nav_badge,
    ),
    NavItem(
        "dashboard:index",
        _("Dashboard"),
        "dashboard.view_dashboard",
        description=_(
            "The year's figures in the units of the yearly release, with charts; each opens "
            "its list."
        ),
    ),
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
    NavItem(
        "annual_reports:list",
        _("Annual reports"),
        "annual_reports.view_annualreport",
        description=_("Who filed, who did not, late and paper reports; enter a paper report."),
    ),
    NavItem(
        "remediation:directory_list",
        _("Abnormal directory"),
        "remediation.view_directorycase",
        description=_("Pending listings by buffer deadline; listings, marks and their removal."),
    ),
    NavItem(
        "remediation:objection_list",
        _("Objections"),
        "remediation.view_listingobjection",
        description=_("Objections to listings: acceptance and verification due, overdue first."),
    ),
    NavItem(
        "remediation:serious_list",
        _("Serious list"),
        "remediation.view_seriouslisting",
        description=_("The serious illegal and dishonest list, its terms and barred persons."),
    ),
    NavItem(
        "annual_reports:disclosure_list",
        _("Immediate disclosures"),
        "annual_reports.view_immediatedisclosure",
        description=_("Companies' disclosed information, late ones and corrections."),
    ),
    NavItem(
        "annual_reports:invitation_list",
        _("Self-correction"),
        "annual_reports.view_correctioninvitation",
        description=_("Invitations to correct a report after 30 June; self-corrections counted."),
    ),
    NavItem(
        "remediation:order_list",
        _("Orders to disclose"),
        "remediation.view_disclosureorder",
        description=_("Orders to disclose, due first; not complied with: listed (reason 2)."),
    ),
    NavItem(
        "risk:distribution",
        _("Risk classes"),
        "enterprises.view_risk",
        description=_("Classes A–D explained; their distribution, runs, models and tasks."),
    ),
    NavItem(
        "inspections:plan_list",
        _("Sampling plans"),
        "inspections.view_samplingplan",
        description=_("Plans by year: items, scope, departments, ratios by class; inspectors."),
    ),
    NavItem(
        "inspections:glance",
        _("Inspections"),
        "inspections.view_samplingplan",
        description=_("Sampling plans at a glance, verifiable draws, inspections and leads."),
    ),
    NavItem(
        "inspections:tasks",
        _("Inspection tasks"),
        "inspections.view_inspection",
        description=_("My inspections due first, results to review and to publish on time."),
    ),
    NavItem(
        "inspections:lead_list",
        _("Leads"),
        "inspections.view_lead",
        description=_("Reports, complaints and referrals on their legal clocks, overdue first."),
    ),
    NavItem(
        "questions:list",
        _("Questions"),
        "questions.view_question",
        description=_("Questions asked online, due first; answers, the public FAQ, leads."),
    ),
    NavItem(
        "policies:list",
        _("Policy catalogue"),
        "station.view_policymeasure",
        description=_("The district's support measures and the conditions firms must meet."),
    ),
    NavItem("me:home", _("My enterprise"), enterprise_user=True),
    NavItem("station:me", _("Credit station"), enterprise_user=True),
    NavItem("me:records", _("Credit records"), enterprise_user=True),
    NavItem("me-remediation:penalties", _("My penalties"), enterprise_user=True),
    NavItem("me-remediation:letters", _("My letters"), enterprise_user=True),
    NavItem("me-remediation:repairs", _("Credit repair"), enterprise_user=True),
    NavItem("me-remediation:objections", _("Objections"), enterprise_user=True),
    NavItem("me-remediation:serious", _("Serious list"), enterprise_user=True),
    NavItem("me-annual-reports:disclosures", _("Disclosures"), enterprise_user=True),
    NavItem("me-remediation:listings", _("Abnormal operations"), enterprise_user=True),
    NavItem("me-annual-reports:list", _("Annual reports"), enterprise_user=True),
    NavItem("me-risk:credit_risk", _("Credit risk"), enterprise_user=True),
    NavItem("me-inspections:inspections", _("My inspections"), enterprise_user=True),
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
        {
            "url": url,
            "label": item.label,
            "active": url == active,
            "description": item.description,
            "badge": item.badge(user) if item.badge is not None else None,
        }
        for url, item in entries
    ]
