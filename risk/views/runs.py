"""Classification runs (issue 16 §4, §5, §8): `/risk/runs/` (the runs with their progress, and
the form that starts a manual run, a replay of a past date or a what-if of a draft version)
and `/risk/runs/<id>/` (one run: a progress bar that follows the run while it runs, through
static/js/risk_run.js polling the API's `/api/v1/classification-runs/<id>/`; its counts, its
from × to table, a replay's reproduced and not reproduced, a what-if's moves)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from credit_portal.forms import form_errors_from
from credit_portal.jobs import JobQueueUnavailable
from credit_portal.unavailable import RETRY_AFTER_SECONDS
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from risk import rules
from risk.forms import RunStartForm
from risk.models import ClassificationRun
from risk.permissions import WHOLE_REGISTER_BUREAU_ONLY, RiskPerm
from risk.selectors import bureau_wide, run_task_counts, runs_for, runs_list
from risk.selectors.distribution import Transitions, department_scope, merge_cells
from risk.views.common import STATUS_TONES, RiskStaffView, request_user

PAGE_SIZE = 30
Reason = ClassificationRun.Reason


def percent(run: ClassificationRun) -> int:
    if run.status == ClassificationRun.Status.DONE:
        return 100
    if not run.total_steps:
        return 0
    return min(100, run.position * 100 // run.total_steps)


def _rows(runs: list[ClassificationRun], *, bureau: bool) -> list[dict[str, Any]]:
    """The list's rows; `counts`: whether the user may read the run's district-wide counts (the
    bureau's staff; a partner department's only of a run of one of its enterprises)."""
    return [
        {
            "run": r,
            "percent": percent(r),
            "tone": STATUS_TONES.get(r.status, ""),
            "counts": bureau or r.enterprise_id is not None,
            # The moves as the run's from × to table and the distribution page count them.
            "moves": Transitions(cells=dict(r.transitions or {})),
        }
        for r in runs
    ]


def _list(
    request: HttpRequest, form: RunStartForm | None = None, *, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    bureau = bureau_wide(user=user)
    runs = runs_for(user, bureau=bureau)
    reason = request.GET.get("reason", "")
    if reason in Reason.values:
        runs = runs.filter(reason=reason)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_run = user.has_perm(RiskPerm.RUN)
    return render(
        request,
        "risk/runs.html",
        {
            "rows": _rows(list(page.object_list), bureau=bureau),
            "page_obj": page,
            "reason": reason,
            "reasons": Reason.choices,
            "can_run": can_run,
            "form": form or (RunStartForm() if can_run else None),
            "unfinished": runs_list()
            .filter(applies=True, status__in=["pending", "running"])
            .first(),
        },
        status=status,
    )


class RunListView(RiskStaffView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return _list(request)


class RunStartView(RiskStaffView):
    extra_permissions = (RiskPerm.RUN,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        from risk.services.runs import RunBusy, run_start

        user = request_user(request)
        form = RunStartForm(request.POST)
        if not form.is_valid():
            return _list(request, form, status=400)
        data = form.cleaned_data
        enterprise = None
        if data.get("enterprise"):
            enterprise = (
                enterprise_list_for_user(user=user)
                .filter(uscc=normalize(data["enterprise"]))
                .first()
            )
            if enterprise is None:
                form.add_error(
                    "enterprise", _("No enterprise with this credit code in your jurisdiction.")
                )
                return _list(request, form, status=400)
        if enterprise is None and not bureau_wide(user=user):
            # A run over the whole register is the bureau's (issue 16 §5).
            raise PermissionDenied(WHOLE_REGISTER_BUREAU_ONLY)
        try:
            run = run_start(
                reason=data["reason"],
                as_of=data.get("as_of"),
                version=data.get("version"),
                enterprise=enterprise,
                by=user,
            )
        except RunBusy:
            form.add_error(
                None,
                _(
                    "A run that writes classes is not finished yet: two cannot run at once. "
                    "Start this one when it has finished (a replay or a what-if can run now)."
                ),
            )
            return _list(request, form, status=409)
        except JobQueueUnavailable as exc:
            form.add_error(None, exc.message)
            response = _list(request, form, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        except ValidationError as exc:
            form_errors_from(form, exc)
            return _list(request, form, status=400)
        return redirect("risk:run", pk=run.pk)


class RunDetailView(RiskStaffView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        bureau = bureau_wide(user=user)
        run = runs_for(user, bureau=bureau).filter(pk=pk).first()
        if run is None:
            raise Http404(_("No such classification run."))
        transitions = None
        if bureau:
            transitions = Transitions(cells=dict(run.transitions or {}))
        else:
            by_department = (run.summary or {}).get("transitions_by_department")
            if by_department is not None:
                departments = department_scope(user) or []
                transitions = Transitions(
                    cells=merge_cells(by_department.get(str(d.pk)) for d in departments)
                )
        running = run.status in ("pending", "running")
        by_class = (run.summary or {}).get("by_class") or {}
        return render(
            request,
            "risk/run.html",
            {
                "run": run,
                "percent": percent(run),
                "tone": STATUS_TONES.get(run.status, ""),
                "running": running,
                "progress_url": reverse("risk-api:classification-run-detail", args=[run.pk]),
                "transitions": transitions,
                "bureau": bureau,
                # District-wide figures: not for a partner department's staff on a run over
                # the register (their own departments' counts are the table above).
                "counts": bureau or run.enterprise_id is not None,
                "tasks": run_task_counts(run=run)
                if run.applies and (bureau or run.enterprise_id is not None)
                else None,
                "by_class": [(c, int(by_class.get(c, 0))) for c in rules.CLASSES]
                if bureau and by_class
                else [],
                "Reason": Reason,
            },
        )
