"""Class change tasks (issue 16 §8, sensing), `/risk/tasks/`: the open tasks of the user's
departments (an enterprise moved up to C or D, or down from D), overdue first, each due a
number of working days after the run (`risk.rules.TASK_WORKING_DAYS`); acknowledged with a
note of what was done (`risk.change_classchangetask`). The tasks acknowledged last follow."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.forms import form_errors_from
from credit_portal.workdays import working_days_between
from risk import rules
from risk.forms import TaskAcknowledgeForm
from risk.models import ClassChangeTask
from risk.permissions import RiskPerm
from risk.selectors import tasks_for
from risk.services.tasks import NOTE_MAX, task_acknowledge
from risk.views.common import RiskStaffView, request_user

PAGE_SIZE = 50
DONE_SHOWN = 20


def _row(task: ClassChangeTask, today: Any) -> dict[str, Any]:
    overdue = task.done_at is None and task.due_on < today
    left = None
    if task.done_at is None and not overdue:
        left = working_days_between(today, task.due_on)
    up = task.to_class in rules.TASK_CLASSES_UP and (
        not task.from_class or task.to_class > task.from_class
    )
    return {"t": task, "overdue": overdue, "left": left, "up": up}


def _page(
    request: HttpRequest,
    *,
    failed: int | None = None,
    form: TaskAcknowledgeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    page = Paginator(tasks_for(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    done = list(
        tasks_for(user=user, open_only=False)
        .filter(done_at__isnull=False)
        .order_by("-done_at", "-id")[:DONE_SHOWN]
    )
    return render(
        request,
        "risk/tasks.html",
        {
            "rows": [_row(t, today) for t in page.object_list],
            "page_obj": page,
            "done": [_row(t, today) for t in done],
            "can_acknowledge": user.has_perm(RiskPerm.CHANGE_TASK),
            "failed": failed,
            "form": form,
            "working_days": rules.TASK_WORKING_DAYS,
            "note_max": NOTE_MAX,
            "today": today,
        },
        status=status,
    )


class TaskListView(RiskStaffView):
    extra_permissions = (RiskPerm.VIEW_TASK,)

    def get(self, request: HttpRequest) -> HttpResponse:
        return _page(request)


class TaskAcknowledgeView(RiskStaffView):
    extra_permissions = (RiskPerm.VIEW_TASK, RiskPerm.CHANGE_TASK)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        task = tasks_for(user=user, open_only=False).filter(pk=pk).first()
        if task is None:
            raise Http404(_("No such task in your departments."))
        form = TaskAcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                task_acknowledge(task=task, by=user, note=form.cleaned_data["note"])
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("Task acknowledged: %(name)s.") % {"name": task.enterprise.name},
                )
                return redirect("risk:tasks")
        return _page(request, failed=task.pk, form=form, status=400)
