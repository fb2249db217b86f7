"""What the remediation pages (penalties, soft actions, repairs) share: the logged-in user,
the list's query strings and page links, and the base of the pages about one object."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.views import View

from credit_portal.models import User


def request_user(request: HttpRequest) -> User:
    """The request's user, for a view that lets only logged-in users through (checked first)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


def query_string(params: QueryDict, **changes: Any) -> str:
    """`params` as a query string (`?…`) with `changes` applied; a change to None drops it."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def page_links(params: QueryDict, page: Any) -> list[dict[str, Any]]:
    """Page numbers around the current one (1 … 4 5 [6] 7 8 … 20)."""
    paginator = page.paginator
    links: list[dict[str, Any]] = []
    for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if n == paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append(
                {"number": n, "url": query_string(params, page=n), "current": n == page.number}
            )
    return links


class ObjectScopedView(View):
    """Base of the pages about one object (`pk` in the URL): login (a redirect), then the object
    through the user's jurisdiction (`scope`: a 404), then `permission_required` (a 403)."""

    permission_required: tuple[str, ...] = ()

    def scope(self, request: HttpRequest, pk: int) -> None:
        """Fetch the object the user may see and keep it on the view; a 404 when there is none."""
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.scope(request, kwargs["pk"])
        if not request.user.has_perms(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
