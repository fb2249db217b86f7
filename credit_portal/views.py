from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from credit_portal import services
from credit_portal.capabilities import capabilities
from credit_portal.forms import LoginForm
from credit_portal.permissions import CorePerm
from credit_portal.roles import ROLE_LABELS, Role
from credit_portal.text import character_label


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The panel promises what the apps declare they do today (credit_portal.capabilities).
        return {**super().get_context_data(**kwargs), "capabilities": capabilities()}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        services.user_login_record(user=form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            services.user_logout_record(user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        services.user_password_change(request=self.request, form=form)
        return HttpResponseRedirect(self.get_success_url())


FAVICON = "img/seal.svg"  # the portal's seal: templates/base.html, admin and API docs pages


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, where a browser looks for an icon when the page names none: the seal.
    Not permanent: the static file's name changes with its content in production."""
    return HttpResponseRedirect(static(FAVICON))


@require_safe
@never_cache
def language_switch(request: HttpRequest) -> HttpResponse:
    """Set the interface language (cookie) and go back: GET /i18n/switch/?language=en&next=/x/.

    A GET form in the layout, not Django's POST `set_language`: a language preference is not a
    sensitive state change, and a POST form would need a CSRF token on every page, so every
    anonymous public page would make a token, set a cookie and vary on it. `next` (else the
    Referer) is followed only when it stays on this site; otherwise the home page.
    """
    language = request.GET.get("language", "")
    if language not in dict(settings.LANGUAGES) or not check_for_language(language):
        return error_400(request)
    target = request.GET.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def home(request: HttpRequest) -> HttpResponse:
    """The front door, "/": an anonymous visitor goes to the public credit lookup, which is what
    the public comes for (staff log in from its masthead); after login, staff see their
    workbench and others go where they belong."""
    user = request.user
    if not user.is_authenticated:
        return redirect("public:search")
    if not user.has_perm(CorePerm.ACCESS_STAFF_PORTAL):
        if hasattr(user, "enterprise_membership"):
            return redirect("me:home")
        return redirect("no_access")
    roles = [
        ROLE_LABELS[Role(g.name)] for g in user.groups.all() if g.name in Role._value2member_map_
    ]
    profile = getattr(user, "staff_profile", None)
    return render(request, "home.html", {"roles": roles, "profile": profile})


@login_required
def no_access(request: HttpRequest) -> HttpResponse:
    return render(request, "no_access.html", status=403)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def bad_character_response(request: HttpRequest, *, character: str, where: str) -> HttpResponse:
    """400 for a request refused by `credit_portal.middleware.unstorable_characters_refused`:
    the portal's 400 page, or the API's error body under /api/, naming the character."""
    label = character_label(character)
    if where == "cookie":
        message = _(
            "A cookie of this site holds a character that cannot be processed (%(char)s). "
            "Delete this site's cookies and try again."
        ) % {"char": label}
    else:
        message = _(
            "The address holds a character that cannot be processed (%(char)s). Check the link "
            "or what you typed, and try again."
        ) % {"char": label}
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": message, "code": "invalid_character"},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "errors/400.html", {"error_detail": message}, status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        # An API address that matches no endpoint (a code that is not 18 letters and digits):
        # the API's error body, as its OpenAPI schema documents for a 404, not the HTML page.
        from rest_framework.exceptions import NotFound

        return JsonResponse(
            {"detail": str(NotFound.default_detail), "code": NotFound.default_code},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def error_500(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:  # the layout needs the database; when that is what failed, stay plain
        return HttpResponseServerError(
            "<h1>服务器错误 Server error</h1><p>请稍后再试。Please try again later.</p>"
        )
