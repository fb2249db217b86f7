"""The staff pages of the draws (issue 17 §2, §3), under /inspections/:

- `plans/<code>/pool/` (`plan_pool`): the planner's pool preview before drawing: per stratum the
  pool, the excluded by rule, the ratio and the target; the excluded entities with their rule,
  reason and until, by rule, paged (`inspections.services.pools`).
- `draws/` (`draws`): the draws, the newest first, and the commit jobs still running.
- `draws/new/` (`draw_new`): the approved plans of a year, a title, the day the pools are
  frozen as of, the outside randomness to be used, the control option; the commitment is made
  by a worker (`inspections.services.draws.draw_request_commit`), whose progress
  `draws/jobs/<id>/` (`draw_job`) follows.
- `draws/<id>/` (`draw`): the draw's status as a stepper (committed → outside value → drawn →
  revealed), its commitment (hashes, the previous draw's, strata with pool and target), its
  jobs, the forms of the next step (outside value, derive, reveal, redraw with its reason), a
  verify button (`draw_verify`) and the visits it made with their inspectors.

`view_draw` to see, `run_draw` to act; a partner department's staff see the draws of the plans
their department takes part in, and the visits of their jurisdiction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.jobs import JobQueueUnavailable
from credit_portal.models import User
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.unavailable import RETRY_AFTER_SECONDS
from inspections.forms.draws import (
    DrawCommitForm,
    ExclusionFilterForm,
    OutsideValueForm,
    RedrawForm,
)
from inspections.models import Draw, DrawJob, Exclusion, SamplingPlan
from inspections.permissions import InspectionPerm
from inspections.selectors import draws as sel
from inspections.selectors.plans import plans_for_user

PAGE_SIZE = 50
EXCLUDED_PAGE_SIZE = 50
JOB_TONES = {"pending": "warn", "running": "warn", "done": "ok", "failed": "bad"}
DRAW_TONES = {
    Draw.Status.COMMITTED: "muted",
    Draw.Status.OUTSIDE: "warn",
    Draw.Status.DERIVED: "warn",
    Draw.Status.REVEALED: "ok",
    Draw.Status.SUPERSEDED: "bad",
}


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login was checked first
    return user


class DrawStaffView(StaffPermissionMixin, View):
    """Login (a redirect), then `view_draw` and the view's own codenames (a 403)."""

    extra_permissions: tuple[str, ...] = ()

    def get_permission_required(self) -> tuple[str, ...]:
        return (InspectionPerm.VIEW_DRAW, *self.extra_permissions)


def visible_draw(request: HttpRequest, pk: int) -> Draw:
    draw = sel.draws_for_user(user=request_user(request)).filter(pk=pk).first()
    if draw is None:
        raise Http404(_("No such draw."))
    return draw


def unavailable(response: HttpResponse) -> HttpResponse:
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --------------------------------------------------------------------------- pool preview


class PlanPoolView(DrawStaffView):
    extra_permissions = (InspectionPerm.VIEW_PLAN,)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        from inspections.services.pools import (
            plans_capacity_problems,
            pool_exclusions,
            pool_preview,
        )

        user = request_user(request)
        plan = plans_for_user(user=user).filter(code=code).select_related("lead_department").first()
        if plan is None:
            raise Http404(_("No such sampling plan."))
        form = ExclusionFilterForm(request.GET or None)
        rule = None
        as_of = timezone.localdate()
        if form.is_valid():
            rule = form.cleaned_data.get("rule") or None
            as_of = form.cleaned_data.get("as_of") or as_of
        page_no = _page_number(request.GET.get("page"))
        preview = pool_preview(plan=plan, as_of=as_of)
        rows = list(
            pool_exclusions(
                plan=plan,
                as_of=as_of,
                rule=rule,
                limit=EXCLUDED_PAGE_SIZE + 1,
                offset=(page_no - 1) * EXCLUDED_PAGE_SIZE,
            )
        )
        has_next = len(rows) > EXCLUDED_PAGE_SIZE
        by_rule = dict(preview.excluded_by_rule)
        labels = dict(Exclusion.Rule.choices)
        strata = list(preview.strata)
        totals = {
            "pool": sum(s.pool for s in strata),
            "excluded": sum(s.excluded for s in strata),
            "target": sum(s.target for s in strata),
        }
        return render(
            request,
            "inspections/draws/pool.html",
            {
                "plan": plan,
                "as_of": as_of,
                "form": form,
                "strata": strata,
                "totals": totals,
                "by_rule": [(r, labels.get(r, r), int(by_rule.get(r, 0))) for r in labels],
                "excluded_total": sum(int(n) for n in by_rule.values()),
                "rule": rule or "",
                "rule_label": labels.get(rule or "", ""),
                "rows": rows[:EXCLUDED_PAGE_SIZE],
                "page_no": page_no,
                "has_next": has_next,
                "has_previous": page_no > 1,
                "capacity_problems": plans_capacity_problems(plans=[plan], as_of=as_of),
                "rule_labels": labels,
                "can_run": user.has_perm(InspectionPerm.RUN_DRAW),
            },
        )


def _page_number(raw: str | None) -> int:
    if raw and raw.isascii() and raw.isdigit():
        return max(1, min(int(raw), 1_000_000))
    return 1


# --------------------------------------------------------------------------- list and new


def _approved_plans(user: User, year: int) -> QuerySet[SamplingPlan]:
    return (
        plans_for_user(user=user)
        .filter(year=year, status=SamplingPlan.Status.APPROVED)
        .order_by("kind", "code")
    )


def _year_of(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


class DrawListView(DrawStaffView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        draws = sel.draws_for_user(user=user)
        status = request.GET.get("status", "")
        if status in Draw.Status.values:
            draws = draws.filter(status=status)
        page = Paginator(draws, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {"d": d, "tone": DRAW_TONES.get(Draw.Status(d.status), "")} for d in page.object_list
        ]
        jobs = [
            j for j in sel.jobs_unfinished() if sel.job_for_user(user=user, pk=j.pk) is not None
        ][:20]
        return render(
            request,
            "inspections/draws/list.html",
            {
                "rows": rows,
                "page_obj": page,
                "status": status,
                "statuses": Draw.Status.choices,
                "jobs": jobs,
                "can_run": user.has_perm(InspectionPerm.RUN_DRAW),
            },
        )


def _new_page(
    request: HttpRequest, form: DrawCommitForm, year: int, *, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    years = sorted(
        set(plans_for_user(user=user).values_list("year", flat=True)) | {year}, reverse=True
    )
    return render(
        request,
        "inspections/draws/new.html",
        {"form": form, "year": year, "years": years},
        status=status,
    )


class DrawNewView(DrawStaffView):
    extra_permissions = (InspectionPerm.RUN_DRAW,)

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year_of(request)
        form = DrawCommitForm(
            plans=_approved_plans(request_user(request), year),
            initial={
                "as_of": timezone.localdate(),
                "title": _("Random checks %(year)s") % {"year": year},
            },
        )
        return _new_page(request, form, year)

    def post(self, request: HttpRequest) -> HttpResponse:
        from inspections.services.draws import draw_request_commit

        user = request_user(request)
        year = _year_of(request)
        form = DrawCommitForm(request.POST, plans=_approved_plans(user, year))
        if not form.is_valid():
            return _new_page(request, form, year, status=400)
        data = form.cleaned_data
        try:
            job = draw_request_commit(
                actor=user,
                plans=list(data["plans"]),
                title=data["title"],
                as_of=data["as_of"],
                outside_source=data["outside_source"],
                is_control=bool(data.get("is_control")),
            )
        except JobQueueUnavailable as exc:
            form.add_error(None, str(exc))
            return unavailable(_new_page(request, form, year))
        except ValidationError as exc:
            form_errors_from(form, exc)
            return _new_page(request, form, year, status=400)
        return redirect("inspections:draw_job", pk=job.pk)


class DrawJobView(DrawStaffView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = sel.job_for_user(user=request_user(request), pk=pk)
        if job is None:
            raise Http404(_("No such draw job."))
        if job.status == DrawJob.Status.DONE and job.draw_id and request.GET.get("stay") != "1":
            return redirect("inspections:draw", pk=job.draw_id)
        running = job.status in ("pending", "running")
        return render(
            request,
            "inspections/draws/job.html",
            {
                "job": job,
                "tone": JOB_TONES.get(job.status, ""),
                "running": running,
                "progress_url": reverse("inspections-api:draw-job-detail", args=[job.pk]),
                "plans": SamplingPlan.objects.filter(
                    pk__in=[p for p in (job.params or {}).get("plans", []) if isinstance(p, int)]
                ).order_by("code"),
            },
        )


# --------------------------------------------------------------------------- one draw


def _draw_page(
    request: HttpRequest,
    draw: Draw,
    *,
    outside_form: OutsideValueForm | None = None,
    redraw_form: RedrawForm | None = None,
    report: Any = None,
    action_error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    draws = sel.draws_for_user(user=user)
    strata = sel.draw_strata(draw)
    job = sel.draw_job_running(draw)
    can_run = user.has_perm(InspectionPerm.RUN_DRAW)
    live = draw.status != Draw.Status.SUPERSEDED
    visits = sel.visits_of(draw=draw, user=user)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    visit_rows = [
        {"v": v, "plans": sel.visit_plans(v), "inspectors": list(v.assignments.all())}
        for v in page.object_list
    ]
    if outside_form is None and draw.status == Draw.Status.COMMITTED:
        outside_form = OutsideValueForm(initial={"version": draw.version})
    redrawable = live and draw.revealed_at is None
    if redraw_form is None and redrawable:
        redraw_form = RedrawForm(
            initial={
                "title": draw.title,
                "as_of": timezone.localdate(),
                "outside_source": draw.outside_source,
            }
        )
    return render(
        request,
        "inspections/draws/detail.html",
        {
            "draw": draw,
            "tone": DRAW_TONES.get(Draw.Status(draw.status), ""),
            "steps": sel.draw_steps(draw),
            "chain": sel.draw_chain(draw, draws),
            "strata": strata,
            "totals": sel.strata_totals(strata),
            "plans": sel.draw_plans(draw),
            "files": sel.draw_files(draw),
            "jobs": sel.draw_jobs(draw),
            "job": job,
            "job_tone": JOB_TONES.get(job.status, "") if job else "",
            "progress_url": reverse("inspections-api:draw-job-detail", args=[job.pk])
            if job
            else "",
            "can_run": can_run and job is None,
            "outside_form": outside_form if draw.status == Draw.Status.COMMITTED else None,
            "can_derive": draw.status == Draw.Status.OUTSIDE,
            "can_reveal": bool(draw.selection_hash) and draw.revealed_at is None,
            "redraw_form": redraw_form if redrawable else None,
            "report": report,
            "action_error": action_error,
            "visit_rows": visit_rows,
            "page_obj": page,
            "sees_classes": user.has_perm("enterprises.view_risk"),
            "public_url": reverse("inspections-public:draw", args=[draw.number]),
        },
        status=status,
    )


class DrawDetailView(DrawStaffView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _draw_page(request, visible_draw(request, pk))


class _DrawActionView(DrawStaffView):
    extra_permissions = (InspectionPerm.RUN_DRAW,)
    http_method_names = ["post"]

    def act(self, user: User, draw: Draw) -> Any:
        raise NotImplementedError

    done_message: Any = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        draw = visible_draw(request, pk)
        try:
            result = self.act(request_user(request), draw)
        except JobQueueUnavailable as exc:
            return unavailable(_draw_page(request, draw, action_error=str(exc)))
        except ValidationError as exc:
            return _draw_page(request, draw, action_error=" ".join(exc.messages), status=400)
        if isinstance(result, DrawJob):
            return redirect("inspections:draw_job", pk=result.pk)
        messages.success(request, self.done_message)
        return redirect("inspections:draw", pk=draw.pk)


class DrawOutsideView(_DrawActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from inspections.services.draws import draw_record_outside

        draw = visible_draw(request, pk)
        form = OutsideValueForm(request.POST)
        if not form.is_valid():
            return _draw_page(request, draw, outside_form=form, status=400)
        try:
            draw_record_outside(
                actor=request_user(request),
                draw=draw,
                value=form.cleaned_data["value"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            fresh = visible_draw(request, pk)
            form.add_error(None, exc)
            return _draw_page(request, fresh, outside_form=form, status=409)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return _draw_page(request, draw, outside_form=form, status=400)
        messages.success(request, _("The outside value is recorded: the draw can be made."))
        return redirect("inspections:draw", pk=draw.pk)


class DrawDeriveView(_DrawActionView):
    def act(self, user: User, draw: Draw) -> Any:
        from inspections.services.draws import draw_request_derive

        return draw_request_derive(actor=user, draw=draw)


class DrawRevealView(_DrawActionView):
    done_message = gettext_lazy("The draw is revealed: its seed, pools and selection are public.")

    def act(self, user: User, draw: Draw) -> Any:
        from inspections.services.draws import draw_reveal

        return draw_reveal(actor=user, draw=draw)


class DrawRedrawView(_DrawActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from inspections.services.draws import draw_request_commit

        draw = visible_draw(request, pk)
        form = RedrawForm(request.POST)
        if not form.is_valid():
            return _draw_page(request, draw, redraw_form=form, status=400)
        data = form.cleaned_data
        try:
            job = draw_request_commit(
                actor=request_user(request),
                plans=list(draw.plans.all()),
                title=data["title"],
                as_of=data["as_of"],
                outside_source=data["outside_source"],
                is_control=draw.is_control,
                redraw_of=draw,
                reason=data["reason"],
            )
        except JobQueueUnavailable as exc:
            form.add_error(None, str(exc))
            return unavailable(_draw_page(request, draw, redraw_form=form))
        except ValidationError as exc:
            form_errors_from(form, exc, aliases={"redraw_of": "reason", "plans": "title"})
            return _draw_page(request, draw, redraw_form=form, status=400)
        return redirect("inspections:draw_job", pk=job.pk)


class DrawVerifyView(DrawStaffView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from inspections.services.draws import draw_verify

        draw = visible_draw(request, pk)
        try:
            report = draw_verify(draw=draw)
        except ValidationError as exc:
            return _draw_page(request, draw, action_error=" ".join(exc.messages), status=400)
        return _draw_page(request, draw, report=report)


staff_urlpatterns: list = [
    path("plans/<slug:code>/pool/", PlanPoolView.as_view(), name="plan_pool"),
    path("draws/", DrawListView.as_view(), name="draws"),
    path("draws/new/", DrawNewView.as_view(), name="draw_new"),
    path("draws/jobs/<int:pk>/", DrawJobView.as_view(), name="draw_job"),
    path("draws/<int:pk>/", DrawDetailView.as_view(), name="draw"),
    path("draws/<int:pk>/outside/", DrawOutsideView.as_view(), name="draw_outside"),
    path("draws/<int:pk>/derive/", DrawDeriveView.as_view(), name="draw_derive"),
    path("draws/<int:pk>/reveal/", DrawRevealView.as_view(), name="draw_reveal"),
    path("draws/<int:pk>/redraw/", DrawRedrawView.as_view(), name="draw_redraw"),
    path("draws/<int:pk>/verify/", DrawVerifyView.as_view(), name="draw_verify"),
]
public_urlpatterns: list = []
me_urlpatterns: list = []
