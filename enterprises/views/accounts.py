"""Enterprise accounts pages: registration with an activation code, the self-service area
(/me/, /me/records/) and the staff page that issues activation codes.

Mounted at the site root under the namespace "me" (enterprises/urls.py). The staff page lives
here too, at /enterprises/<uscc>/activation-code/, because it belongs to this feature.

Access
- /me/ pages: anonymous -> login; logged in without an enterprise membership -> 403; a member
  sees only the enterprise of the membership (fetched through `enterprise_list_for_user`).
- Activation code: the enterprise is fetched through `enterprise_list_for_user` first (404 when
  not visible), then the permission is checked (403), so an enterprise user asking with another
  enterprise's credit code gets 404.
- The issued code is shown once: the POST stores it in the session and redirects; the result
  page takes it out of the session, so a reload (or the back button: no-store) shows no code.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit_portal.forms import form_errors_all, form_errors_from
from credit_portal.models import User
from enterprises.forms.accounts import ActivationCodeIssueForm, RegisterForm
from enterprises.industries import division_label, section_label
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import enterprise_list_for_user
from enterprises.selectors.accounts import (
    activation_codes_for,
    enterprise_overview,
    enterprise_records_split,
    member_enterprise,
)
from enterprises.services.accounts import (
    MAX_VALID_DAYS,
    RegistrationThrottledError,
    activation_code_issue,
    activation_code_state,
    enterprise_user_check,
    enterprise_user_register,
)
from enterprises.uscc import normalize

_SESSION_KEY = "enterprises.activation_code_shown"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required ran first
    return user


def _industry(enterprise: Enterprise, language: str) -> str:
    section = section_label(enterprise.industry_section, language)
    division = enterprise.industry_division
    return f"{section} · {division_label(division, language)}" if division else section


@require_http_methods(["GET", "POST"])
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Register as a user of an enterprise with the credit code and the bureau's code."""
    if request.user.is_authenticated:
        return redirect("me:home" if hasattr(request.user, "enterprise_membership") else "home")
    form = RegisterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = enterprise_user_register(
                uscc=data["uscc"],
                code=data["code"],
                username=data["username"],
                password=data["password1"],
                phone=data["phone"],
                email=data["email"],
            )
        except RegistrationThrottledError as exc:
            form.add_error(None, str(exc))
            response = render(request, "registration/register.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.wait_seconds)
            return response
        except ValidationError as exc:
            form_errors_from(form, exc, aliases={"password": "password1"})
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome. Your account is now linked to %(name)s.")
                % {"name": user.enterprise_membership.enterprise.name},
            )
            return redirect("me:home")
    elif request.method == "POST":
        # Every error at once: the checks of the person's data that need no code, too.
        data = form.cleaned_data
        form_errors_all(
            form,
            lambda: enterprise_user_check(
                username=data.get("username", ""),
                password=data.get("password1", ""),
                phone=data.get("phone", ""),
                email=data.get("email", ""),
            ),
            aliases={"password": "password1"},
        )
    if request.method == "POST":
        status = 400
    return render(request, "registration/register.html", {"form": form}, status=status)


@login_required
def me_home(request: HttpRequest) -> HttpResponse:
    enterprise = member_enterprise(user=_user(request))
    overview = enterprise_overview(enterprise=enterprise, today=timezone.localdate())
    return render(
        request,
        "me/home.html",
        {
            "enterprise": enterprise,
            "overview": overview,
            "industry": _industry(enterprise, request.LANGUAGE_CODE),
            "membership": _user(request).enterprise_membership,
        },
    )


@login_required
def me_records(request: HttpRequest) -> HttpResponse:
    enterprise = member_enterprise(user=_user(request))
    today = timezone.localdate()
    public, private = enterprise_records_split(enterprise=enterprise, today=today)
    return render(
        request,
        "me/records.html",
        {"enterprise": enterprise, "public": public, "private": private, "today": today},
    )


def _enterprise_for_code_page(request: HttpRequest, uscc: str) -> Enterprise:
    enterprise = get_object_or_404(
        enterprise_list_for_user(user=_user(request)), uscc=normalize(uscc)
    )
    if not request.user.has_perm(EnterprisePerm.ISSUE_ACTIVATION_CODE):
        raise PermissionDenied(_("You may not issue activation codes."))
    return enterprise


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def activation_code(request: HttpRequest, uscc: str) -> HttpResponse:
    """Staff: issue an activation code for an enterprise."""
    enterprise = _enterprise_for_code_page(request, uscc)
    form = ActivationCodeIssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            code, plain = activation_code_issue(
                actor=_user(request),
                enterprise=enterprise,
                valid_days=form.cleaned_data["valid_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[_SESSION_KEY] = {
                "uscc": enterprise.uscc,
                "id": code.pk,
                "code": plain,
            }
            return redirect("me:activation_code_issued", uscc=enterprise.uscc)
    now = timezone.now()
    codes = [
        (c, activation_code_state(c, now=now))
        for c in activation_codes_for(enterprise=enterprise)[:20]
    ]
    return render(
        request,
        "enterprises/activation_code.html",
        {
            "enterprise": enterprise,
            "form": form,
            "codes": codes,
            "max_days": MAX_VALID_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET"])
@never_cache
def activation_code_issued(request: HttpRequest, uscc: str) -> HttpResponse:
    """Staff: the code just issued, shown once (taken out of the session)."""
    enterprise = _enterprise_for_code_page(request, uscc)
    shown = request.session.get(_SESSION_KEY)
    plain = None
    code = None
    if shown and shown.get("uscc") == enterprise.uscc:
        del request.session[_SESSION_KEY]
        code = activation_codes_for(enterprise=enterprise).filter(pk=shown["id"]).first()
        plain = shown["code"] if code is not None else None
    response = render(
        request,
        "enterprises/activation_code_issued.html",
        {
            "enterprise": enterprise,
            "code": code,
            "plain": plain,
            "register_url": request.build_absolute_uri(reverse("me:register")),
            "printed_on": timezone.localdate(),
            "valid_days": (code.expires_at - code.issued_at).days if code else None,
            "expires_local": timezone.localtime(code.expires_at) if code else None,
        },
    )
    return response


urlpatterns = [
    path("register/", register, name="register"),
    path("me/", me_home, name="home"),
    path("me/records/", me_records, name="records"),
    path("enterprises/<str:uscc>/activation-code/", activation_code, name="activation_code"),
    path(
        "enterprises/<str:uscc>/activation-code/issued/",
        activation_code_issued,
        name="activation_code_issued",
    ),
]
