"""What the remediation APIs (penalties, soft actions, repairs) share.

Each area keeps its own words: the 409's text and a permission's refusal are set by the area's
module (a subclass, or an argument), so that their translations stay where they are.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.errors import ConflictError
from credit_portal.models import User

M = TypeVar("M", bound=Model)


class VersionConflict(exceptions.APIException):
    """A 409 (code "conflict"): the `version` sent is stale and nothing was written.

    An area subclasses it to set `default_detail` in its own words.
    """

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def request_user(request: Request) -> User:
    """The request's user, for a view behind `IsAuthenticated` (which ran first)."""
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    return request.user


def is_enterprise_member(user: Any) -> bool:
    """Whether the user is an enterprise user (has an enterprise membership)."""
    return getattr(user, "enterprise_membership", None) is not None


class StaffOrMemberCanRead(BasePermission):
    """Staff holding `codename`, or an enterprise user (who reads its own enterprise's).

    An area subclasses it to set `codename` and `message`.
    """

    codename: str

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.has_perm(self.codename) or is_enterprise_member(user))
        )


def require_perms(request: Request, *codenames: str) -> None:
    """A 403 unless the user holds every one of the codenames."""
    if not request.user.has_perms(codenames):
        raise exceptions.PermissionDenied()


def visible_or_404(queryset: QuerySet[M], pk: int) -> M:
    """The object `pk` of what the user may see (`queryset`); a 404 when it is not there."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class VersionedStepApi(APIView):
    """A POST step on one object that sends the `version` it read.

    In order: the object through the area's jurisdiction (`target`: 404), the codenames
    (`needs`: 403), the input (`input_class`: 400), the step (`step`; a stale version raises
    the area's 409 from `conflict`), then the answer (`answer`). An area's base implements
    `target`, `conflict` and `answer`; each view its `needs`, `input_class` and `step`, and a
    `post` that only calls this one under its own `extend_schema`.
    """

    needs: tuple[str, ...] = ()
    input_class: type[serializers.Serializer]

    def target(self, request: Request, pk: int) -> Any:
        raise NotImplementedError

    def step(self, user: User, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def conflict(self, exc: ConflictError) -> VersionConflict:
        raise NotImplementedError

    def answer(self, request: Request, pk: int, done: Any) -> Response:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        obj = self.target(request, pk)
        require_perms(request, *self.needs)
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = self.step(request_user(request), obj, dict(serializer.validated_data))
        except ConflictError as exc:
            raise self.conflict(exc) from exc
        return self.answer(request, pk, done)
