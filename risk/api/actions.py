"""What staff do about a class in the API (issue 16 §7, §8):

- `POST /api/v1/enterprises/<uscc>/class-override/` (`risk.override_class`): a supervisor
  overrides the computed class with a reason until an expiry (`risk.services.overrides`);
  `POST /api/v1/class-overrides/<id>/end/` ends it early, with a reason.
- `GET /api/v1/class-change-tasks/` (`risk.view_classchangetask`): the tasks sensing gave the
  departments of the user's jurisdiction (a partner department: its own), `?open=true` for the
  open ones; `POST /api/v1/class-change-tasks/<id>/acknowledge/`
  (`risk.change_classchangetask`) with a note of what was done (`risk.services.tasks`).

All need `enterprises.view_risk` too (403), the object in the user's jurisdiction (404); the
services' rules are 400s naming the field; acting on what is already ended or acknowledged is
a 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path, re_path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from enterprises.selectors import enterprise_list_for_user
from risk import rules
from risk.api.common import USCC_PATTERN, EnterpriseRef, bool_param, require, visible_enterprise
from risk.api.enterprises import OverrideOutput
from risk.models import ClassChangeTask, ClassOverride, RiskClass
from risk.permissions import RiskPerm
from risk.selectors import tasks_for
from risk.services.overrides import REASON_MAX, override_end, override_set
from risk.services.tasks import NOTE_MAX, task_acknowledge


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _conflict_or_raise(exc: DjangoValidationError, code: str) -> None:
    """A service's refusal: a 409 when it is the state (`code`: already ended, already
    acknowledged), otherwise the 400 the exception handler makes of it."""
    if not hasattr(exc, "error_dict") and any(e.code == code for e in exc.error_list):
        raise Conflict(" ".join(exc.messages)) from exc
    raise exc


# --------------------------------------------------------------------------- overrides


@extend_schema_serializer(component_name="ClassOverrideInput")
class OverrideInput(serializers.Serializer):
    risk_class = serializers.ChoiceField(choices=RiskClass.choices)
    reason = serializers.CharField(max_length=REASON_MAX)
    expires_on = serializers.DateField(
        help_text=format_lazy(
            gettext_lazy(
                "The last day it applies: after today, at most {days} days ahead. It ends by "
                "itself the day after."
            ),
            days=rules.OVERRIDE_MAX_DAYS,
        )
    )


@extend_schema_serializer(component_name="ClassOverrideEnd")
class OverrideEndInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


ENDED_409 = error_response(
    gettext_lazy('The override has ended already (code "conflict"); nothing was written.')
)


class ClassOverrideCreateApi(APIView):
    @extend_schema(
        operation_id="enterprises_class_override_create",
        summary=gettext_lazy("Override the risk class of a market entity"),
        description=gettext_lazy(
            "Needs view_risk and override_class; the entity must be in your jurisdiction (404 "
            "otherwise). The class in effect becomes the override's at once, shown as an "
            "override everywhere, until the expiry; the computed class is kept. An open "
            "override is replaced (and ended). Refused with 400, naming the field: a class "
            "other than A, B, C, D; no reason; an expiry today or before, or further ahead "
            "than an override may last; an entity without a class (never classified, or not "
            "any more)."
        ),
        request=OverrideInput,
        responses={201: OverrideOutput},
    )
    def post(self, request: Request, uscc: str) -> Response:
        user = require(request, RiskPerm.OVERRIDE)
        enterprise = visible_enterprise(user, uscc)
        serializer = OverrideInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        override = override_set(
            enterprise=enterprise,
            risk_class=data["risk_class"],
            reason=data["reason"],
            expires_on=data["expires_on"],
            by=user,
        )
        fresh = ClassOverride.objects.select_related("created_by", "ended_by").get(pk=override.pk)
        return Response(OverrideOutput(fresh).data, status=status.HTTP_201_CREATED)


class ClassOverrideEndApi(APIView):
    @extend_schema(
        operation_id="class_overrides_end",
        summary=gettext_lazy("End an override early"),
        description=gettext_lazy(
            "Needs view_risk and override_class; the entity must be in your jurisdiction (404 "
            "otherwise). The computed class is in effect again at once. Refused with 400 "
            "without a reason; 409 when the override has ended already."
        ),
        request=OverrideEndInput,
        responses={200: OverrideOutput, 409: ENDED_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = require(request, RiskPerm.OVERRIDE)
        override = (
            ClassOverride.objects.filter(
                pk=pk, enterprise__in=enterprise_list_for_user(user=user).values("pk")
            )
            .select_related("enterprise")
            .first()
        )
        if override is None:
            raise Http404
        serializer = OverrideEndInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            override_end(override=override, by=user, reason=serializer.validated_data["reason"])
        except DjangoValidationError as exc:
            _conflict_or_raise(exc, "ended")
        fresh = ClassOverride.objects.select_related("created_by", "ended_by").get(pk=pk)
        return Response(OverrideOutput(fresh).data)


# --------------------------------------------------------------------------- tasks


@extend_schema_serializer(component_name="ClassChangeTaskDepartment")
class _DepartmentOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="ClassChangeTask")
class TaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = EnterpriseRef()
    department = _DepartmentOutput(help_text=gettext_lazy("The responsible department."))
    run = serializers.IntegerField(source="run_id")
    from_class = serializers.ChoiceField(
        choices=RiskClass.choices,
        allow_blank=True,
        help_text=gettext_lazy("Empty: not classified before."),
    )
    to_class = serializers.ChoiceField(choices=RiskClass.choices)
    created_at = serializers.DateTimeField()
    due_on = serializers.DateField(
        help_text=gettext_lazy("Due within the working days set by the bureau after the run.")
    )
    overdue = serializers.SerializerMethodField()
    done_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("Acknowledged at; null while open.")
    )
    done_by = serializers.CharField(source="done_by.username", allow_null=True, default=None)
    note = serializers.CharField(help_text=gettext_lazy("What was done."))

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, task: ClassChangeTask) -> bool:
        return task.done_at is None and task.due_on < self.context["today"]


@extend_schema_serializer(component_name="ClassChangeTaskAcknowledge")
class AcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX)


DONE_409 = error_response(
    gettext_lazy('The task was acknowledged already (code "conflict"); nothing was written.')
)


class ClassChangeTaskListApi(APIView):
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="class_change_tasks_list",
        summary=gettext_lazy("List class change tasks"),
        description=gettext_lazy(
            "Needs view_risk and view_classchangetask. The tasks of the departments of your "
            "jurisdiction (a partner department: its own) given when an entity moved up to C or "
            "D, or down from D: open ones first by due date, then acknowledged ones. Refused "
            "with 400: open other than true or false."
        ),
        parameters=[
            OpenApiParameter(
                "open",
                bool,
                description=gettext_lazy(
                    "true: only open tasks; false: only acknowledged ones; absent: all."
                ),
            )
        ],
        responses={
            200: TaskOutput(many=True),
            400: error_response(gettext_lazy("open is not true or false.")),
        },
    )
    def get(self, request: Request) -> Response:
        user = require(request, RiskPerm.VIEW_TASK)
        wanted = bool_param(request, "open")
        tasks = tasks_for(user=user, open_only=bool(wanted))
        if wanted is False:
            tasks = tasks.filter(done_at__isnull=False)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        context: dict[str, Any] = {"today": timezone.localdate()}
        return paginator.get_paginated_response(TaskOutput(page, many=True, context=context).data)


class ClassChangeTaskAcknowledgeApi(APIView):
    @extend_schema(
        operation_id="class_change_tasks_acknowledge",
        summary=gettext_lazy("Acknowledge a class change task"),
        description=gettext_lazy(
            "Needs view_risk, view_classchangetask and change_classchangetask; the task must be "
            "of a department of your jurisdiction (404 otherwise). Refused with 400 without a "
            "note; 409 when it was acknowledged already."
        ),
        request=AcknowledgeInput,
        responses={200: TaskOutput, 409: DONE_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = require(request, RiskPerm.VIEW_TASK, RiskPerm.CHANGE_TASK)
        task = tasks_for(user=user, open_only=False).filter(pk=pk).first()
        if task is None:
            raise Http404
        serializer = AcknowledgeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            task_acknowledge(task=task, by=user, note=serializer.validated_data["note"])
        except DjangoValidationError as exc:
            if any(e.code == "other_department" for e in getattr(exc, "error_list", [])):
                raise exceptions.PermissionDenied(" ".join(exc.messages)) from exc
            _conflict_or_raise(exc, "done")
        fresh = tasks_for(user=user, open_only=False).get(pk=pk)
        return Response(TaskOutput(fresh, context={"today": timezone.localdate()}).data)


urlpatterns = [
    re_path(
        rf"^enterprises/{USCC_PATTERN}/class-override/$",
        ClassOverrideCreateApi.as_view(),
        name="enterprise-class-override",
    ),
    path(
        "class-overrides/<int:pk>/end/",
        ClassOverrideEndApi.as_view(),
        name="class-override-end",
    ),
    path("class-change-tasks/", ClassChangeTaskListApi.as_view(), name="class-change-task-list"),
    path(
        "class-change-tasks/<int:pk>/acknowledge/",
        ClassChangeTaskAcknowledgeApi.as_view(),
        name="class-change-task-acknowledge",
    ),
]
