"""What the classification's admin pages share.

- `BureauWrites`: indicators and scoring models reach every enterprise of the district, so only
  the bureau's administrators (or a superuser) add or change them; a partner department's
  administrator may read them (what its enterprises are classified by), as the working-day
  calendar and the job schedules are the bureau's (`credit_portal.admin`).
- `SeesClasses`: the pages that show classes need `enterprises.view_risk` besides the model's
  view permission (docs/domain.md §1 "Visibility": classes are internal).
- `EnterpriseJurisdiction`: rows about an enterprise are listed only within the user's
  jurisdiction (the register's rule: `credit_portal.admin.JurisdictionMixin`, through the
  enterprise's department).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from credit_portal.admin import JurisdictionMixin
from credit_portal.selectors import bureau_profiles
from risk.permissions import RiskPerm


def administers_the_district(request: HttpRequest) -> bool:
    """A superuser or a member of the bureau (asked once per request)."""
    answer = getattr(request, "_risk_bureau", None)
    if answer is None:
        user: Any = request.user
        answer = bool(
            user.is_authenticated and (user.is_superuser or bureau_profiles(user=user).exists())
        )
        request._risk_bureau = answer  # type: ignore[attr-defined]
    return answer


class BureauWrites:
    """Add, change and delete only for the bureau (see the module docstring)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and administers_the_district(request)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and administers_the_district(request)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and administers_the_district(request)  # type: ignore[misc]


class SeesClasses:
    """The model's permissions and `enterprises.view_risk` (see the module docstring)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and request.user.has_perm(  # type: ignore[misc]
            RiskPerm.VIEW_RISK
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and request.user.has_perm(  # type: ignore[misc]
            RiskPerm.VIEW_RISK
        )


class EnterpriseJurisdiction(JurisdictionMixin):
    """Rows of an enterprise: its department decides who sees them."""

    jurisdiction_path = "enterprise__department"
