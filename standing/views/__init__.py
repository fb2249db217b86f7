"""Pages of letters of good standing (issue 18 §3, the finance boost):

Enterprise (its own user, `/me/standing/`, namespace "standing"):
- `me_list`: eligibility today with the reasons, the issue button, the letters with status;
- `me_issue` (POST): issue one (`standing.services.letter_issue`), refused with the reasons;
- `pdf`: a letter's PDF (the enterprise's own letters; staff through jurisdiction).

Staff (`credit_portal.access_staff_portal` and `standing.view_standingletter`, through
`enterprise_list_for_user`):
- `staff_list`: an enterprise's letters, its eligibility, issue (`add_standingletter`) and
  revoke (`revoke_standingletter`) actions;
- `staff_issue`, `staff_revoke` (POST).

Public (no login, throttled like the public lookup; namespace "standing-public"):
- `verify` `/verify/`: the form (a code typed, or `?code=`);
- `verify_code` `/verify/<code>/`: what the code verifies to (the QR code's address).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from credit_portal.documents import pdf_response
from credit_portal.models import User
from credit_portal.permissions import CorePerm
from credit_portal.throttling import public_throttle
from enterprises.models import Enterprise
from enterprises.selectors.accounts import member_enterprise
from enterprises.selectors.register import enterprise_list_for_user
from standing import rules
from standing.models import StandingLetter
from standing.selectors import code_normalize, letters_for, letters_for_user, standing_of
from standing.services import (
    letter_filename,
    letter_issue,
    letter_pdf,
    letter_revoke,
    letter_verify,
    verify_url,
)

VIEW = "standing.view_standingletter"
# Every staff page needs the staff portal (an account whose portal access is withdrawn keeps
# nothing, whatever codenames it still holds) and the letters' view.
STAFF = (CorePerm.ACCESS_STAFF_PORTAL.value, VIEW)
ADD = "standing.add_standingletter"
REVOKE = "standing.revoke_standingletter"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required ran first
    return user


def _rows(
    letters: list[StandingLetter], today: dt.date, *, faults: bool
) -> list[dict[str, object]]:
    """Each letter with its status today; a verifiable letter of an enterprise with a fault in
    force today reads "changed", as its verification would say."""
    rows = []
    for letter in letters:
        status = letter.status_on(today)
        if status == "valid" and faults:
            status = "changed"
        rows.append({"letter": letter, "status": status})
    return rows


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(
        request,
        _("No letter was issued: %(reasons)s") % {"reasons": " ".join(exc.messages)},
    )


# --------------------------------------------------------------------------- the enterprise


@login_required
@require_GET
def me_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    standing = standing_of(enterprise=enterprise, on=today)
    letters = list(letters_for(enterprise=enterprise)[:100])
    return render(
        request,
        "standing/me_list.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "standing": standing,
            "rows": _rows(letters, today, faults=bool(standing.faults)),
            "today": today,
            "valid_days": rules.VALID_DAYS,
            "per_day": rules.LETTERS_PER_DAY,
        },
    )


@login_required
@require_POST
def me_issue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    enterprise = member_enterprise(user=user)
    try:
        letter = letter_issue(actor=user, enterprise=enterprise)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Letter issued. Its verification code is %(code)s.") % {"code": letter.code},
        )
    return redirect("standing:me_list")


@login_required
@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A letter's PDF: an enterprise user its own enterprise's letters; staff with the staff
    portal and `view_standingletter` those of their jurisdiction; anyone else a 404."""
    user = _user(request)
    if getattr(user, "enterprise_membership", None) is None and not user.has_perms(STAFF):
        raise Http404
    letter = letters_for_user(user=user).filter(pk=pk).first()
    if letter is None:
        raise Http404(_("No such letter."))
    return pdf_response(letter_pdf(letter, request=request), filename=letter_filename(letter))


# --------------------------------------------------------------------------- staff


def _staff_enterprise(
    request: HttpRequest, enterprise_pk: int, *perms: str
) -> tuple[User, Enterprise]:
    user = _user(request)
    if not user.has_perms((*STAFF, *perms)):
        raise PermissionDenied
    enterprise = get_object_or_404(enterprise_list_for_user(user=user), pk=enterprise_pk)
    return user, enterprise


@login_required
@require_GET
def staff_list(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    user, enterprise = _staff_enterprise(request, enterprise_pk)
    today = timezone.localdate()
    standing = standing_of(enterprise=enterprise, on=today)
    letters = list(
        letters_for(enterprise=enterprise).select_related("issued_by", "revoked_by")[:200]
    )
    return render(
        request,
        "standing/staff_list.html",
        {
            "enterprise": enterprise,
            "standing": standing,
            "rows": _rows(letters, today, faults=bool(standing.faults)),
            "today": today,
            "can_issue": user.has_perm(ADD),
            "can_revoke": user.has_perm(REVOKE),
        },
    )


@login_required
@require_POST
def staff_issue(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    user, enterprise = _staff_enterprise(request, enterprise_pk, ADD)
    try:
        letter = letter_issue(actor=user, enterprise=enterprise)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Letter issued. Its verification code is %(code)s.") % {"code": letter.code},
        )
    return redirect("standing:staff_list", enterprise_pk=enterprise_pk)


@login_required
@require_POST
def staff_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not user.has_perms((*STAFF, REVOKE)):
        raise PermissionDenied
    letter = letters_for_user(user=user).filter(pk=pk).first()
    if letter is None:
        raise Http404
    try:
        letter_revoke(actor=user, letter=letter, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Letter %(code)s revoked.") % {"code": letter.code})
    return redirect("standing:staff_list", enterprise_pk=letter.enterprise_id)


# --------------------------------------------------------------------------- public


@public_throttle
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """The verification form; `?code=` goes to the code's page when it can be a code, and says
    plainly that no letter has it when it cannot."""
    raw = request.GET.get("code", "")
    result = None
    if raw:
        normalized = code_normalize(raw)
        if normalized:
            return redirect("standing-public:verify_code", code=normalized)
        result = letter_verify(code=raw)
    return render(
        request,
        "standing/verify.html",
        {"typed": raw[: rules.CODE_INPUT_MAX], "result": result},
    )


@public_throttle
@require_GET
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    normalized = code_normalize(code)
    if normalized and normalized != code:
        return redirect("standing-public:verify_code", code=normalized)
    result = letter_verify(code=code)
    response = render(
        request,
        "standing/verify.html",
        {
            "typed": code[: rules.CODE_INPUT_MAX],
            "result": result,
            "url": verify_url(result.letter, request=request) if result.letter else "",
            "form_url": reverse("standing-public:verify"),
        },
        status=200 if result.letter else 404,
    )
    response["Cache-Control"] = "no-store"  # the answer follows the ledger
    response["X-Robots-Tag"] = "noindex"
    return response
