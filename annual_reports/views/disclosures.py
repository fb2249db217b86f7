"""Pages of immediate disclosures, invitations to self-correct and the self-correction count
(docs/domain.md §3 "Self-correction", §4 "Immediate disclosure by companies", §10).

Staff (namespace "annual_reports", under /annual-reports/):
- disclosures/                  the versions in force: filters (item, late, corrected, year,
                                search), late ones marked;
- disclosures/<id>/             one disclosure with every version, and its audit history;
- invitations/                  invitations to self-correct, open ones first by the day to
                                correct by; invitations/new/ issues one; invitations/<id>/ shows
                                one and cancels it (with reasons);
- self-corrections/             every `self_correction` fact (annual reports and disclosures)
                                of the jurisdiction, counted per correction (户次) for a year.

Enterprise (namespace "me-annual-reports", under /me/):
- disclosures/                  its disclosures by item with due days, late marks and drafts;
                                its open invitations to correct an annual report (with the link
                                to the report's correction); the orders to disclose are on
                                remediation's page (/me/disclosure-orders/), linked;
- disclosures/new/<item>/       a new disclosure (save as draft, or disclose);
- disclosures/<id>/             one disclosure's versions; correct it (a new version);
- disclosures/<id>/edit/        a draft (a new disclosure's or a correction's): save, disclose;
- disclosures/<id>/discard/     discard a draft.

Public (namespace "public-annual-reports", under /credit/):
- <uscc>/disclosures/           the company's disclosed information, versions in force and the
                                versions they replaced, with dates; rate-limited like the other
                                public pages.

Access: staff pages need a login (a redirect), the codename (403), then the object through the
jurisdiction selectors (404); enterprise pages need a membership (403) and show only the
member's company (404 for anything else).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annual_reports.forms.disclosures import (
    FORMS,
    CorrectionStartForm,
    DisclosureFilterForm,
    InvitationCancelForm,
    InvitationFilterForm,
    InvitationForm,
    SelfCorrectionFilterForm,
    VersionForm,
    disclosure_form_for,
)
from annual_reports.models import CorrectionInvitation, ImmediateDisclosure
from annual_reports.rules import DISCLOSURE_WORKING_DAYS, INVITATION_DAYS
from annual_reports.selectors.disclosures import (
    SELF_CORRECTION_READERS,
    Chain,
    DisclosurePerm,
    chain_for,
    chains_by_item,
    content_rows,
    disclosure_for_user,
    disclosure_staff_list,
    enterprise_chains,
    invitation_for_user,
    invitation_list,
    invitations_for_user,
    invitations_open_of,
    late_chains_among,
    public_disclosures,
    self_correction_count,
    self_corrections_for_user,
)
from annual_reports.services.disclosures import (
    disclosing_problem,
    disclosure_correction_start,
    disclosure_draft_discard,
    disclosure_draft_save,
    disclosure_submit,
)
from annual_reports.services.invitations import (
    free_correction_until,
    invitation_cancel,
    invitation_create,
    invitation_within,
)
from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent, User
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from credit_portal.throttling import public_throttle
from enterprises.models import Enterprise
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize

PAGE_SIZE = 30
Status = ImmediateDisclosure.Status
InvitationStatus = CorrectionInvitation.Status
INVITATION_TONES: dict[str, str] = {
    InvitationStatus.OPEN: "warn",
    InvitationStatus.USED: "ok",
    InvitationStatus.LAPSED: "muted",
    InvitationStatus.CANCELLED: "muted",
}


def _user(request: HttpRequest) -> User:
    """The request's user, for a view that lets only logged-in users through (checked first)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def annual_report_correction_url() -> str:
    """Where an enterprise corrects its annual report: the annual-report area's self-service
    page (its URL name when it is there, else its path)."""
    for name in ("me-annual-reports:list", "me-annual-reports:reports"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/me/annual-reports/"


def _report_url(uscc: str, year: Any) -> str | None:
    """The staff page of an entity's report for a year (every version), when the annual-report
    area has one."""
    try:
        return reverse("annual_reports:detail", args=[uscc, int(year)])
    except (NoReverseMatch, TypeError, ValueError):
        return None


def _audit(targets: list[Any], limit: int = 50) -> list[dict[str, Any]]:
    """The audit events of the rows `targets` (one model), newest first, as the pages show
    them."""
    if not targets:
        return []
    label = targets[0]._meta.label_lower
    found = (
        AuditEvent.objects.filter(target_type=label, target_id__in=[str(t.pk) for t in targets])
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return [{"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in found]


def _versions(chain: Chain) -> list[dict[str, Any]]:
    """The chain's versions newest first, each with its content as rows and what it replaced."""
    members = [*chain.versions, *([chain.draft] if chain.draft else [])]
    return [
        {
            "row": row,
            "content": content_rows(row.item, row.content),
            "is_draft": row.status == Status.DRAFT,
        }
        for row in reversed(members)
    ]


# --------------------------------------------------------------------------- staff


class DisclosureListView(StaffPermissionMixin, View):
    """The versions in force, latest first; late ones marked and filterable."""

    permission_required = DisclosurePerm.VIEW_DISCLOSURE

    def get(self, request: HttpRequest) -> HttpResponse:
        form = DisclosureFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        rows = disclosure_staff_list(
            user=_user(request),
            item=data.get("item", ""),
            late=bool(data.get("late")),
            corrected=bool(data.get("corrected")),
            year=data.get("year"),
            search=data.get("q", ""),
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        late_ids = late_chains_among(page.object_list)
        return render(
            request,
            "annual_reports/disclosures/staff_list.html",
            {
                "form": form,
                "page_obj": page,
                "rows": [{"d": d, "late": d.pk in late_ids} for d in page.object_list],
                "query": _query(request),
                "filters_in_use": sum(
                    1 for k in ("item", "late", "corrected", "year", "q") if data.get(k)
                ),
                "total": rows.count(),
                "working_days": DISCLOSURE_WORKING_DAYS,
                "can_count": any(request.user.has_perm(p) for p in SELF_CORRECTION_READERS),
                "can_invite": request.user.has_perm(DisclosurePerm.VIEW_INVITATION),
            },
        )


class DisclosureDetailView(StaffPermissionMixin, View):
    """One disclosure with every version (both kept and both shown) and its audit history."""

    permission_required = DisclosurePerm.VIEW_DISCLOSURE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        disclosure = disclosure_for_user(user=_user(request), pk=pk)
        chain = chain_for(disclosure, drafts=False)
        return render(
            request,
            "annual_reports/disclosures/staff_detail.html",
            {
                "disclosure": disclosure,
                "enterprise": disclosure.enterprise,
                "chain": chain,
                "versions": _versions(chain),
                "events": _audit(chain.versions),
                "working_days": DISCLOSURE_WORKING_DAYS,
            },
        )


class InvitationListView(StaffPermissionMixin, View):
    permission_required = DisclosurePerm.VIEW_INVITATION

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        form = InvitationFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        qs = invitation_list(
            user=_user(request),
            status=data.get("status", ""),
            year=data.get("year"),
            search=data.get("q", ""),
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "annual_reports/disclosures/invitation_list.html",
            {
                "form": form,
                "page_obj": page,
                "rows": [
                    {
                        "inv": inv,
                        "tone": INVITATION_TONES.get(inv.status, ""),
                        "overdue": inv.status == InvitationStatus.OPEN and inv.respond_by < today,
                        "days_left": (inv.respond_by - today).days,
                    }
                    for inv in page.object_list
                ],
                "query": _query(request),
                "filters_in_use": sum(1 for k in ("status", "year", "q") if data.get(k)),
                "open_count": invitations_for_user(user=_user(request))
                .filter(status=InvitationStatus.OPEN)
                .count(),
                "can_add": request.user.has_perm(DisclosurePerm.ADD_INVITATION),
                "can_count": any(request.user.has_perm(p) for p in SELF_CORRECTION_READERS),
                "days": INVITATION_DAYS,
                "today": today,
            },
        )


class InvitationCreateView(StaffPermissionMixin, View):
    """Issue an invitation to self-correct (the enterprise by its credit code, within the
    officer's jurisdiction)."""

    permission_required = (DisclosurePerm.VIEW_INVITATION, DisclosurePerm.ADD_INVITATION)

    def _render(
        self, request: HttpRequest, form: InvitationForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "annual_reports/disclosures/invitation_form.html",
            {"form": form, "days": INVITATION_DAYS},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        initial: dict[str, Any] = {
            "year": today.year - 1
            if today > free_correction_until(today.year - 1)
            else today.year - 2
        }
        if request.GET.get("uscc"):
            initial["enterprise_uscc"] = normalize(request.GET["uscc"])[:18]
        return self._render(request, InvitationForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InvitationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            user = _user(request)
            enterprise = Enterprise.objects.filter(
                uscc=normalize(data["enterprise_uscc"]),
                department_id__in=departments_of_jurisdiction(user=user).values("pk"),
            ).first()
            if enterprise is None:
                form.add_error(
                    "enterprise_uscc",
                    _("No market entity with this credit code is in your jurisdiction."),
                )
            else:
                try:
                    invitation = invitation_create(
                        actor=user,
                        enterprise=enterprise,
                        year=data["year"],
                        reason=data["reason"],
                        findings=data["findings"],
                        source=data.get("source") or "",
                    )
                except ValidationError as exc:
                    form_errors_from(form, exc, aliases={"enterprise": "enterprise_uscc"})
                else:
                    messages.success(
                        request,
                        _(
                            "The invitation has been issued: %(name)s may correct its %(year)d "
                            "report until %(day)s."
                        )
                        % {
                            "name": enterprise.name,
                            "year": invitation.year,
                            "day": invitation.respond_by.isoformat(),
                        },
                    )
                    return redirect("annual_reports:invitation_detail", pk=invitation.pk)
        return self._render(request, form, status=400)


def _invitation_context(request: HttpRequest, invitation: CorrectionInvitation) -> dict[str, Any]:
    today = timezone.localdate()
    user = _user(request)
    events = _audit([invitation])
    cancel_reasons = next(
        (e["event"].extra.get("reasons") for e in events if e["event"].extra.get("reasons")), ""
    )
    return {
        "inv": invitation,
        "tone": INVITATION_TONES.get(invitation.status, ""),
        "overdue": invitation.status == InvitationStatus.OPEN and invitation.respond_by < today,
        "events": events,
        "cancel_reasons": cancel_reasons,
        "can_cancel": invitation.status == InvitationStatus.OPEN
        and user.has_perm(DisclosurePerm.CHANGE_INVITATION)
        and invitation_within(user=user, invitation=invitation),
        "cancel_form": InvitationCancelForm(initial={"version": invitation.version}),
        "today": today,
    }


class InvitationDetailView(StaffPermissionMixin, View):
    permission_required = DisclosurePerm.VIEW_INVITATION

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        invitation = invitation_for_user(user=_user(request), pk=pk)
        return render(
            request,
            "annual_reports/disclosures/invitation_detail.html",
            _invitation_context(request, invitation),
        )


class InvitationCancelView(StaffPermissionMixin, View):
    permission_required = (DisclosurePerm.VIEW_INVITATION, DisclosurePerm.CHANGE_INVITATION)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _user(request)
        invitation = invitation_for_user(user=user, pk=pk)
        form = InvitationCancelForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                invitation_cancel(
                    actor=user,
                    invitation=invitation,
                    reasons=form.cleaned_data["reasons"],
                    expected_version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("The invitation has been cancelled."))
                return redirect("annual_reports:invitation_detail", pk=pk)
        invitation = invitation_for_user(user=user, pk=pk)
        context = _invitation_context(request, invitation)
        context["cancel_form"] = form
        return render(
            request, "annual_reports/disclosures/invitation_detail.html", context, status=status
        )


class SelfCorrectionsView(StaffPermissionMixin, View):
    """Every self-correction of the jurisdiction, counted per correction (户次) for a year."""

    def has_permission(self) -> bool:
        user = self.request.user
        return bool(user.is_superuser or any(user.has_perm(p) for p in SELF_CORRECTION_READERS))

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        params = request.GET.copy()
        params.setdefault("year", str(today.year))
        form = SelfCorrectionFilterForm(params)
        data = form.cleaned_data if form.is_valid() else {"year": today.year}
        records = self_corrections_for_user(
            user=_user(request),
            year=data.get("year"),
            what=data.get("what", ""),
            search=data.get("q", ""),
            division=data.get("division", ""),
            counted=bool(data.get("counted")),
        )
        counts = self_correction_count(records)
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
        labels = dict(ImmediateDisclosure.Item.choices)
        rows = []
        for record in page.object_list:
            details = record.details or {}
            what = details.get("what", "")
            link = None
            if record.source_model == "immediatedisclosure" and record.source_id:
                link = reverse("annual_reports:disclosure_detail", args=[int(record.source_id)])
                label = _("Disclosure: %(item)s") % {
                    "item": labels.get(details.get("item", ""), details.get("item", ""))
                }
            elif what == "annual_report":
                link = _report_url(record.enterprise.uscc, details.get("year"))
                label = _("Annual report %(year)s") % {"year": details.get("year", "—")}
            else:
                label = record.summary_text
            rows.append({"record": record, "what": label, "link": link})
        return render(
            request,
            "annual_reports/disclosures/self_corrections.html",
            {
                "form": form,
                "year": data.get("year"),
                "counts": counts,
                "rows": rows,
                "page_obj": page,
                "query": _query(request),
            },
        )


# --------------------------------------------------------------------------- enterprise


def _member(request: HttpRequest) -> tuple[User, Enterprise]:
    user = _user(request)
    return user, member_enterprise(user=user)


def _own(request: HttpRequest, pk: int) -> tuple[User, Enterprise, ImmediateDisclosure]:
    user, enterprise = _member(request)
    disclosure = disclosure_for_user(user=user, pk=pk)
    if disclosure.enterprise_id != enterprise.pk:  # pragma: no cover - the selector scopes it
        raise Http404
    return user, enterprise, disclosure


@login_required
@never_cache
def me_disclosures(request: HttpRequest) -> HttpResponse:
    """The company's disclosures by item, its drafts, and its open invitations to correct an
    annual report."""
    user, enterprise = _member(request)
    today = timezone.localdate()
    chains = enterprise_chains(enterprise=enterprise)
    return render(
        request,
        "annual_reports/disclosures/me_list.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "why_not": disclosing_problem(enterprise),
            "items": chains_by_item(chains),
            "any_provisional": any(c.due.provisional for c in chains),
            "invitations": invitations_open_of(enterprise=enterprise, on=today),
            "report_url": annual_report_correction_url(),
            "working_days": DISCLOSURE_WORKING_DAYS,
            "today": today,
        },
    )


def _form_page(
    request: HttpRequest,
    *,
    enterprise: Enterprise,
    item: str,
    form: Any,
    draft: ImmediateDisclosure | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "annual_reports/disclosures/me_form.html",
        {
            "enterprise": enterprise,
            "membership": _user(request).enterprise_membership,
            "item": item,
            "item_label": dict(ImmediateDisclosure.Item.choices).get(item, item),
            "form": form,
            "draft": draft,
            "corrects": draft.correction_of if draft is not None else None,
            "corrects_rows": content_rows(item, draft.correction_of.content)
            if draft is not None and draft.correction_of is not None
            else [],
            "working_days": DISCLOSURE_WORKING_DAYS,
        },
        status=status,
    )


def _save_from_form(
    request: HttpRequest,
    *,
    user: User,
    enterprise: Enterprise,
    item: str,
    form: Any,
    draft: ImmediateDisclosure | None,
) -> HttpResponse | None:
    """Save the draft (and disclose it, for the "disclose" button) from a valid form; None when
    the service refused (its errors are on the form)."""
    disclose = request.POST.get("action") == "disclose"
    data = form.cleaned_data
    try:
        with transaction.atomic():
            saved = disclosure_draft_save(
                actor=user,
                enterprise=enterprise,
                item=item,
                changed_on=data["changed_on"],
                content=form.content(),
                draft=draft,
                correction_reason=data.get("correction_reason") or "",
                expected_version=data.get("version") if draft is not None else None,
            )
            if disclose:
                saved = disclosure_submit(
                    actor=user, disclosure=saved, expected_version=saved.version
                )
    except ConflictError as exc:
        form.add_error(None, exc)
        form.conflict = True
        return None
    except ValidationError as exc:
        form_errors_from(form, exc)
        return None
    if not disclose:
        messages.success(
            request,
            _("The draft has been saved. It is not disclosed yet: disclose it by %(day)s.")
            % {"day": saved.due_on.isoformat()},
        )
        return redirect("me-annual-reports:disclosure_edit", pk=saved.pk)
    if saved.correction_of_id is not None:
        messages.success(
            request,
            _(
                "The correction has been disclosed; the version it replaces stays "
                "visible beside it."
            ),
        )
    elif saved.late:
        messages.warning(
            request,
            _("Disclosed on %(filed)s, after the due day %(due)s: it is marked as late.")
            % {"filed": saved.filed_on, "due": saved.due_on},
        )
    else:
        messages.success(request, _("The information has been disclosed."))
    return redirect("me-annual-reports:disclosure_detail", pk=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def me_disclosure_new(request: HttpRequest, item: str) -> HttpResponse:
    user, enterprise = _member(request)
    if item not in FORMS:
        raise Http404(_("Unknown item of immediate information."))
    why = disclosing_problem(enterprise)
    if why:
        messages.warning(request, why)
        return redirect("me-annual-reports:disclosures")
    if request.method == "POST":
        form = disclosure_form_for(item, request.POST)
        if form.is_valid():
            done = _save_from_form(
                request, user=user, enterprise=enterprise, item=item, form=form, draft=None
            )
            if done is not None:
                return done
        return _form_page(
            request, enterprise=enterprise, item=item, form=form, draft=None, status=400
        )
    form = disclosure_form_for(item)
    return _form_page(request, enterprise=enterprise, item=item, form=form, draft=None)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def me_disclosure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, enterprise, draft = _own(request, pk)
    if draft.status != Status.DRAFT:
        messages.info(request, _("This version has been disclosed: correct it instead."))
        return redirect("me-annual-reports:disclosure_detail", pk=pk)
    if request.method == "POST":
        form = disclosure_form_for(draft.item, request.POST, disclosure=draft)
        if form.is_valid():
            done = _save_from_form(
                request, user=user, enterprise=enterprise, item=draft.item, form=form, draft=draft
            )
            if done is not None:
                return done
        status = 409 if getattr(form, "conflict", False) else 400
        draft = disclosure_for_user(user=user, pk=pk)
        return _form_page(
            request, enterprise=enterprise, item=draft.item, form=form, draft=draft, status=status
        )
    form = disclosure_form_for(draft.item, disclosure=draft)
    return _form_page(request, enterprise=enterprise, item=draft.item, form=form, draft=draft)


@login_required
@never_cache
def me_disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, enterprise, disclosure = _own(request, pk)
    chain = chain_for(disclosure)
    current = chain.current
    return render(
        request,
        "annual_reports/disclosures/me_detail.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "chain": chain,
            "versions": _versions(chain),
            "current": current,
            "can_correct": current is not None
            and chain.draft is None
            and disclosing_problem(enterprise) is None,
            "version_form": VersionForm(
                initial={"version": chain.draft.version if chain.draft else 1}
            ),
            "working_days": DISCLOSURE_WORKING_DAYS,
        },
    )


@login_required
@require_POST
def me_disclosure_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a correction of the version in force (a draft of the next version)."""
    user, _enterprise, disclosure = _own(request, pk)
    CorrectionStartForm(request.POST).is_valid()
    chain = chain_for(disclosure)
    if chain.draft is not None and chain.draft.correction_of_id is not None:
        messages.info(request, _("A correction is already being written: continue it."))
        return redirect("me-annual-reports:disclosure_edit", pk=chain.draft.pk)
    current = chain.current
    if current is None:
        raise Http404
    try:
        draft = disclosure_correction_start(actor=user, disclosure=current)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("me-annual-reports:disclosure_detail", pk=pk)
    messages.info(
        request,
        _(
            "Change what was wrong and say why; the version in force stays until you "
            "disclose the correction."
        ),
    )
    return redirect("me-annual-reports:disclosure_edit", pk=draft.pk)


@login_required
@require_POST
def me_disclosure_discard(request: HttpRequest, pk: int) -> HttpResponse:
    user, _enterprise, disclosure = _own(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; try again."))
        return redirect("me-annual-reports:disclosure_detail", pk=pk)
    back = disclosure.correction_of_id
    try:
        disclosure_draft_discard(
            actor=user, disclosure=disclosure, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("me-annual-reports:disclosure_detail", pk=pk)
    messages.success(request, _("The draft has been discarded."))
    if back:
        return redirect("me-annual-reports:disclosure_detail", pk=back)
    return redirect("me-annual-reports:disclosures")


# --------------------------------------------------------------------------- public


@require_safe
@public_throttle
def public_disclosures_page(request: HttpRequest, uscc: str) -> HttpResponse:
    """A company's disclosed immediate information (公示), versions in force and the versions
    they replaced, with dates; no draft, no author, no identity number."""
    code = normalize(uscc)
    if code != uscc and len(code) == 18:
        return redirect("public-annual-reports:disclosures", uscc=code, permanent=True)
    enterprise = (
        Enterprise.objects.filter(uscc=code).only("pk", "name", "uscc", "entity_type").first()
    )
    if enterprise is None:
        raise Http404("unknown or malformed credit code")
    return render(
        request,
        "annual_reports/disclosures/public.html",
        {"ent": enterprise, "disclosures": public_disclosures(enterprise=enterprise)},
    )


staff_urlpatterns = [
    path("disclosures/", DisclosureListView.as_view(), name="disclosure_list"),
    path("disclosures/<int:pk>/", DisclosureDetailView.as_view(), name="disclosure_detail"),
    path("invitations/", InvitationListView.as_view(), name="invitation_list"),
    path("invitations/new/", InvitationCreateView.as_view(), name="invitation_create"),
    path("invitations/<int:pk>/", InvitationDetailView.as_view(), name="invitation_detail"),
    path("invitations/<int:pk>/cancel/", InvitationCancelView.as_view(), name="invitation_cancel"),
    path("self-corrections/", SelfCorrectionsView.as_view(), name="self_corrections"),
]
me_urlpatterns = [
    path("disclosures/", me_disclosures, name="disclosures"),
    path("disclosures/new/<str:item>/", me_disclosure_new, name="disclosure_new"),
    path("disclosures/<int:pk>/", me_disclosure_detail, name="disclosure_detail"),
    path("disclosures/<int:pk>/edit/", me_disclosure_edit, name="disclosure_edit"),
    path("disclosures/<int:pk>/correct/", me_disclosure_correct, name="disclosure_correct"),
    path("disclosures/<int:pk>/discard/", me_disclosure_discard, name="disclosure_discard"),
]
public_urlpatterns = [
    path("<str:uscc>/disclosures/", public_disclosures_page, name="disclosures"),
]
