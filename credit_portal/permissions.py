"""Permission codenames and the DRF permission factory. Code checks codenames, never group names."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class CorePerm(StrEnum):
    ACCESS_STAFF_PORTAL = "credit_portal.access_staff_portal"
    VIEW_AUDIT_LOG = "credit_portal.view_auditevent"
    VIEW_DEPARTMENT = "credit_portal.view_department"


def require_perms(*codenames: str) -> type[BasePermission]:
    """A DRF permission class that needs an authenticated user holding every codename."""

    class _HasPerms(BasePermission):
        message = "You do not have permission to perform this action."

        def has_permission(self, request: Request, view: APIView) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(codenames))

    _HasPerms.__name__ = "HasPerms_" + "_".join(c.split(".")[-1] for c in codenames)
    return _HasPerms


class StaffPermissionMixin(PermissionRequiredMixin):
    """HTML views for staff: anonymous users go to the login page, others without the
    codenames get a 403 page (never a redirect loop)."""

    raise_exception = False
    request: HttpRequest

    def handle_no_permission(self):  # type: ignore[no-untyped-def]
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()
