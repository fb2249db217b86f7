"""What the classification pages share: the logged-in user, the base of the staff pages (login,
then the codenames: `enterprises.view_risk` always), and the base of the pages about one
enterprise (login, then the enterprise through the register's jurisdiction: a 404, then the
codenames: a 403), as the register's own enterprise pages do."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views import View

from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from risk.permissions import RiskPerm

STATUS_TONES = {
    "pending": "warn",
    "running": "warn",
    "done": "ok",
    "failed": "bad",
}


def request_user(request: HttpRequest) -> User:
    """The request's user, for a view that lets only logged-in users through (checked first)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


class RiskStaffView(StaffPermissionMixin, View):
    """A staff page of the classification: login (a redirect), then `view_risk` and the
    view's own codenames (a 403)."""

    extra_permissions: tuple[str, ...] = ()

    def get_permission_required(self) -> tuple[str, ...]:
        return (RiskPerm.VIEW_RISK, *self.extra_permissions)


class EnterpriseRiskView(View):
    """A page about one enterprise's class (`uscc` in the URL): login (a redirect), then the
    enterprise through the register's jurisdiction (a 404: another department's, or none),
    then `view_risk` and the view's own codenames (a 403)."""

    extra_permissions: tuple[str, ...] = ()
    enterprise: Enterprise

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        found = (
            enterprise_list_for_user(user=request_user(request))
            .filter(uscc=normalize(kwargs["uscc"]))
            .first()
        )
        if found is None:
            raise Http404(_("No market entity with this credit code is visible to you."))
        if not request.user.has_perms((RiskPerm.VIEW_RISK, *self.extra_permissions)):
            raise PermissionDenied
        self.enterprise = found
        return super().dispatch(request, *args, **kwargs)
