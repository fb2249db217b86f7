"""Classification runs in the API (issue 16 §4, §5, §8, §9): `/api/v1/classification-runs/`.

- GET: the runs, the newest first, and one run with its progress (status, steps done of all,
  percent, counts), its from-class × to-class counts (`transitions`) and, once a full applying
  run has finished, its class counts by street, industry and department (`summary`; a replay
  its `matched` / `mismatched`). Needs `enterprises.view_risk`. A partner department's staff
  do not see the runs of one enterprise outside their jurisdiction, and of a summary only their
  own departments' counts.
- POST (`risk.run_classification`): starts a manual run (today, under the versions in force),
  a replay of a past date (optionally under one version), or a what-if of a draft version, on
  the whole register or one enterprise, through `risk.services.runs.run_start`: 201 with the
  run and its address (`Location`); 409 while an applying run is unfinished (two cannot run at
  once); 503 when the background queue cannot take the run (nothing is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
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
from credit_portal.jobs import JobQueueUnavailable, LeasedJob
from credit_portal.models import User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from credit_portal.unavailable import TemporarilyUnavailable
from enterprises.selectors import enterprise_list_for_user
from risk.api.common import EnterpriseRef, VersionRef, date_problem, request_user, require
from risk.models import ClassificationRun, ModelVersion
from risk.permissions import WHOLE_REGISTER_BUREAU_ONLY, RiskPerm
from risk.selectors import bureau_wide, runs_list

Reason = ClassificationRun.Reason
# What a person may start here; nightly and new-facts runs are the jobs' own (risk.jobs).
STARTABLE = (Reason.MANUAL, Reason.REPLAY, Reason.WHAT_IF)
START_REASON_CHOICES = [(reason.value, reason.label) for reason in STARTABLE]


class Busy(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy(
        "A classification run that writes classes is not finished yet: two cannot run at once. "
        "Try again when it has finished."
    )


class QueueUnavailable(TemporarilyUnavailable):
    """503 with Retry-After: the background queue did not take the run; nothing was kept."""

    default_detail = gettext_lazy(
        "The background queue is unavailable, so nothing was kept. Try again in a few minutes."
    )


BUSY_409 = error_response(
    gettext_lazy(
        'An applying run (nightly, new facts or manual) is unfinished (code "conflict"): two '
        "cannot run at once. Nothing was started. Replays and what-ifs are never refused so."
    )
)
UNAVAILABLE_503 = error_response(
    gettext_lazy(
        'The background queue cannot take the run (code "unavailable"): nothing was kept. Try '
        "again after the seconds given in the Retry-After header."
    )
)


@dataclass(frozen=True)
class Scope:
    """What of the runs a user may read: everything (bureau staff), or their departments'."""

    bureau_wide: bool
    departments: frozenset[str]


def scope_of(user: User) -> Scope:
    """Two queries, once per request (not per run)."""
    if user.is_superuser or bureau_profiles(user=user).exists():
        return Scope(True, frozenset())
    own = departments_of_jurisdiction(user=user).values_list("pk", flat=True)
    return Scope(False, frozenset(str(pk) for pk in own))


def runs_for(user: User, scope: Scope) -> QuerySet[ClassificationRun]:
    """The runs the user may see: every run for bureau staff; for a partner department's, the
    runs over the register and those of one enterprise of its jurisdiction."""
    runs = runs_list()
    if scope.bureau_wide:
        return runs
    return runs.filter(
        Q(enterprise__isnull=True)
        | Q(enterprise__in=enterprise_list_for_user(user=user).values("pk"))
    )


# A run's district-wide counts: null for a partner department's staff on a run over the
# register (`RunOutput.to_representation`).
DISTRICT_COUNTS = (
    "classified",
    "changed_class",
    "changed_score",
    "assessments",
    "matched",
    "mismatched",
)

# The parts of a summary kept per department (`risk.engine.summary_add`): all a partner
# department's staff read of one.
PER_DEPARTMENT = (
    "by_department",
    "by_department_street",
    "by_department_industry",
    "transitions_by_department",
)


def _summary_for(scope: Scope, run: ClassificationRun) -> dict[str, Any]:
    """A run's summary as the user may read it: whole for bureau staff; for a partner
    department's, only the parts kept per department, for its own departments (the district's
    counts by street and industry are not theirs)."""
    summary = dict(run.summary or {})
    if not summary or scope.bureau_wide:
        return summary
    return {
        key: {
            dept: counts
            for dept, counts in (summary.get(key) or {}).items()
            if dept in scope.departments
        }
        for key in PER_DEPARTMENT
        if key in summary
    }


def _transitions_for(scope: Scope, run: ClassificationRun) -> dict[str, int]:
    """A run's from × to counts as the user may read them: whole for bureau staff and for a run
    of one enterprise they may see; for a partner department's staff otherwise, the sum over
    their departments where the run keeps them per department (a full run), else none."""
    transitions = dict(run.transitions or {})
    if scope.bureau_wide or run.enterprise_id is not None:
        return transitions
    per_department = (run.summary or {}).get("transitions_by_department") or {}
    own: dict[str, int] = {}
    for dept in scope.departments:
        for key, n in (per_department.get(dept) or {}).items():
            own[key] = own.get(key, 0) + int(n)
    return own


# --------------------------------------------------------------------------- serializers


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "example": {"A>A": 9120, "A>B": 12, "->A": 3, "C>-": 1},
    }
)
class TransitionsField(serializers.DictField):
    """From-class × to-class counts: "A>B" moved from A to B, "A>A" stayed, "->A" classified for
    the first time, "A>-" no longer classified."""


@extend_schema_serializer(component_name="ClassificationRun")
class RunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        help_text=gettext_lazy(
            "nightly, new_fact (after new ledger facts), manual, replay (a past date, read-only) "
            "or what_if (a draft version, read-only)."
        ),
    )
    applies = serializers.BooleanField(
        help_text=gettext_lazy(
            "true: writes classes and assessments; false: a replay or a what-if."
        )
    )
    status = serializers.ChoiceField(choices=LeasedJob.Status.choices)
    as_of = serializers.DateField()
    knowledge_at = serializers.DateTimeField(
        help_text=gettext_lazy("Facts recorded after this instant were not known to the run.")
    )
    version = VersionRef(
        allow_null=True,
        help_text=gettext_lazy(
            "A replay under one version, or a what-if's draft; null: the versions in force."
        ),
    )
    enterprise = EnterpriseRef(
        allow_null=True, help_text=gettext_lazy("A run of one enterprise; null: the register.")
    )
    force = serializers.BooleanField(
        help_text=gettext_lazy("Writes an assessment for every enterprise, changed or not.")
    )
    position = serializers.IntegerField(help_text=gettext_lazy("Steps done."))
    total_steps = serializers.IntegerField()
    percent = serializers.SerializerMethodField()
    classified = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Enterprises classified.")
    )
    changed_class = serializers.IntegerField(
        allow_null=True,
    )
    changed_score = serializers.IntegerField(
        allow_null=True,
    )
    assessments = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Assessments written.")
    )
    matched = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("A replay: enterprises whose stored assessment it reproduced."),
    )
    mismatched = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("A replay: enterprises whose stored assessment it did not."),
    )
    transitions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            'From-class × to-class counts: "A>B" moved from A to B, "A>A" stayed, "->A" '
            'classified for the first time, "A>-" no longer classified. A partner '
            "department's staff read their own departments' (a full run), or none."
        )
    )
    summary = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            'After a full applying run: {"by_class": {"A": n, ...}, "by_street": {street: '
            '{"A": n, ...}}, "by_industry": {section: {...}}, "by_department": {id: {...}}}; '
            "empty before. Also by_department_street, by_department_industry and "
            "transitions_by_department ({id: {...}}): all a partner department's staff read, "
            "for their own departments."
        )
    )
    message = serializers.CharField(help_text=gettext_lazy("Why it failed, if it did."))
    created_by = serializers.CharField(
        source="created_by.username",
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Who started it; null: a job."),
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: ClassificationRun) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context["scope"].bureau_wide and instance.enterprise_id is None:
            # A partner department's staff read no district-wide figure of a run over the
            # register (the design: their own departments' counts only; those are in
            # `transitions` and `summary`).
            for key in DISTRICT_COUNTS:
                data[key] = None
        return data

    def get_percent(self, run: ClassificationRun) -> int:
        if run.status == LeasedJob.Status.DONE:
            return 100
        if not run.total_steps:
            return 0
        return min(100, run.position * 100 // run.total_steps)

    @extend_schema_field(TransitionsField(child=serializers.IntegerField()))
    def get_transitions(self, run: ClassificationRun) -> dict[str, int]:
        return _transitions_for(self.context["scope"], run)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
    def get_summary(self, run: ClassificationRun) -> dict[str, Any]:
        return _summary_for(self.context["scope"], run)


@extend_schema_serializer(component_name="ClassificationRunStart")
class RunInput(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=START_REASON_CHOICES,
        help_text=gettext_lazy(
            "manual: classify the register (or one enterprise) as of today, writing what "
            "changed; replay: recompute a past date read-only, against the assessments stored "
            "then; what_if: try a draft version on the register read-only, counting the "
            "from-class × to-class moves it would cause."
        ),
    )
    as_of = serializers.DateField(
        required=False,
        help_text=gettext_lazy(
            "A replay: required, a past date (or today). A what-if: optional, today by default. "
            "A manual run: today only."
        ),
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy(
            "A what-if: required, a draft version's id. A replay: optional, a published version "
            "to recompute under (else the versions in force then). Not for a manual run."
        ),
    )
    enterprise = serializers.CharField(
        required=False,
        max_length=18,
        help_text=gettext_lazy(
            "A credit code: run for this one enterprise (of your jurisdiction)."
        ),
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "A manual run: write an assessment for every enterprise, changed or not."
        ),
    )


def _checked(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """The run's arguments from the input, every problem a 400 naming its field."""
    reason = data["reason"]
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    as_of = data.get("as_of")
    if as_of is not None and date_problem(as_of):
        errors["as_of"] = [date_problem(as_of)]
    elif reason == Reason.REPLAY and as_of is None:
        errors["as_of"] = [_("A replay needs the date to recompute.")]
    elif reason == Reason.MANUAL and as_of not in (None, today):
        errors["as_of"] = [
            _("A manual run classifies as of today; to recompute a past date, start a replay.")
        ]
    version = None
    if "version" in data:
        version = ModelVersion.objects.select_related("model").filter(pk=data["version"]).first()
        if version is None:
            errors["version"] = [_("No such model version.")]
        elif reason == Reason.MANUAL:
            errors["version"] = [_("A manual run uses the versions in force; leave it out.")]
        elif reason == Reason.WHAT_IF and version.status != ModelVersion.Status.DRAFT:
            errors["version"] = [
                _("A what-if tries a draft version; this one is published already.")
            ]
        elif reason == Reason.WHAT_IF:
            from risk.services.models import version_problems

            # A draft is tried as it would be published: one that could not be is refused.
            problems = [str(problem) for problem in version_problems(version)]
            if problems:
                errors["version"] = problems
        elif reason == Reason.REPLAY and version.status == ModelVersion.Status.DRAFT:
            errors["version"] = [
                _("A replay recomputes under a published version; try a draft with a what-if.")
            ]
    elif reason == Reason.WHAT_IF:
        errors["version"] = [_("A what-if needs the draft version to try.")]
    enterprise = None
    if data.get("enterprise"):
        from enterprises.uscc import normalize

        enterprise = (
            enterprise_list_for_user(user=user).filter(uscc=normalize(data["enterprise"])).first()
        )
        if enterprise is None:
            errors["enterprise"] = [_("No enterprise with this credit code in your jurisdiction.")]
    if data.get("force") and reason != Reason.MANUAL:
        errors["force"] = [_("Only a manual run writes assessments again.")]
    if errors:
        raise exceptions.ValidationError(errors)
    return {
        "reason": reason,
        "as_of": as_of,
        "version": version,
        "enterprise": enterprise,
        "force": bool(data.get("force")),
    }


# --------------------------------------------------------------------------- views


def _output(request: Request, run: ClassificationRun, status_code: int = 200) -> Response:
    fresh = runs_list().get(pk=run.pk)
    scope = scope_of(request_user(request))
    response = Response(RunOutput(fresh, context={"scope": scope}).data, status=status_code)
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = request.build_absolute_uri(
            reverse("risk-api:classification-run-detail", args=[run.pk])
        )
    return response


class ClassificationRunListApi(APIView):
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="classification_runs_list",
        summary=gettext_lazy("List classification runs"),
        description=gettext_lazy(
            "Needs view_risk. The newest first, each with its progress and counts. A partner "
            "department's staff see the runs over the register and those of one enterprise of "
            "their jurisdiction. Refused with 400: an unknown reason or status."
        ),
        parameters=[
            OpenApiParameter("reason", str, enum=Reason.values),
            OpenApiParameter("status", str, enum=LeasedJob.Status.values),
        ],
        responses={
            200: RunOutput(many=True),
            400: error_response(gettext_lazy("An unknown reason or status.")),
        },
    )
    def get(self, request: Request) -> Response:
        user = require(request)
        scope = scope_of(user)
        runs = runs_for(user, scope)
        errors = {}
        for name, choices in (("reason", Reason.values), ("status", LeasedJob.Status.values)):
            value = request.query_params.get(name, "")
            if value and value not in choices:
                errors[name] = [_("Not one of the choices.")]
            elif value:
                runs = runs.filter(**{name: value})
        if errors:
            raise exceptions.ValidationError(errors)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(runs, request, view=self)
        data = RunOutput(page, many=True, context={"scope": scope}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="classification_runs_create",
        summary=gettext_lazy("Start a classification run, a replay or a what-if"),
        description=gettext_lazy(
            "Needs view_risk and run_classification. A worker runs it in steps; read its "
            "progress at the address in Location. Refused with 400, naming the field: a reason "
            "other than manual, replay or what_if; a date after today (or, for a manual run, "
            "any day but today); a replay without a date; a what-if without a version, with a "
            "published one, or with a draft that could not be published (each problem named); "
            "a replay under a draft; a version that does not exist; a credit code not in your "
            "jurisdiction; force on anything but a manual run."
        ),
        request=RunInput,
        responses={201: RunOutput, 409: BUSY_409, 503: UNAVAILABLE_503},
    )
    def post(self, request: Request) -> Response:
        user = require(request, RiskPerm.RUN)
        serializer = RunInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = _checked(user, dict(serializer.validated_data))
        if arguments.get("enterprise") is None and not bureau_wide(user=user):
            # A run over the whole register is the bureau's (issue 16 §5): a partner
            # department runs one of its own enterprises only.
            raise exceptions.PermissionDenied(WHOLE_REGISTER_BUREAU_ONLY)
        from risk.services.runs import RunBusy, run_start

        try:
            run = run_start(by=user, **arguments)
        except RunBusy as exc:
            raise Busy() from exc
        except JobQueueUnavailable as exc:
            raise QueueUnavailable() from exc
        return _output(request, run, status.HTTP_201_CREATED)


class ClassificationRunDetailApi(APIView):
    @extend_schema(
        operation_id="classification_runs_retrieve",
        summary=gettext_lazy("Read a classification run and its progress"),
        description=gettext_lazy(
            "Needs view_risk. percent is the share of steps committed: what it says is done is "
            "in the database."
        ),
        responses=RunOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = require(request)
        scope = scope_of(user)
        run = runs_for(user, scope).filter(pk=pk).first()
        if run is None:
            raise exceptions.NotFound()
        return Response(RunOutput(run, context={"scope": scope}).data)


urlpatterns = [
    path(
        "classification-runs/", ClassificationRunListApi.as_view(), name="classification-run-list"
    ),
    path(
        "classification-runs/<int:pk>/",
        ClassificationRunDetailApi.as_view(),
        name="classification-run-detail",
    ),
]
