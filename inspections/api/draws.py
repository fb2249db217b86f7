"""Draws in the API (issue 17 §3, §8; DRAW 1-6), under /api/v1/:

Staff (`inspections.view_draw` to read, `inspections.run_draw` to act; a partner department's
staff see the draws of the plans their department takes part in):
- `draws/` GET the draws, the newest first; POST commit a draw: the commitment is made by a
  worker (`inspections.services.draws.draw_request_commit`), the answer is 202 with the job,
  whose progress `draw-jobs/<id>/` gives (and, once done, its draw);
- `draws/<id>/` GET one draw: its status, commitment (hashes, previous draw's), strata, files
  and the job running;
- `draws/<id>/outside/` POST the outside value (with the draw's `version`: 409 when stale);
- `draws/<id>/derive/` POST make the draw (202 with the job);
- `draws/<id>/reveal/` POST reveal it (refused while a visit is neither published nor
  cancelled);
- `draws/<id>/redraw/` POST a redraw with its reason (202 with the job of the new draw);
- `draws/<id>/verify/` POST run the standard-library verifier over the stored files;
- `draws/<id>/visits/` GET the visits the draw made, with their plans and inspectors (within the
  register's jurisdiction);
- `draw-jobs/<id>/` GET a draw job's progress.

Public (no authentication; throttled per client address with the public lookup):
- `public/draws/` GET every draw's commitment; `public/draws/<id>/` one draw (by number, or
  by id); `public/draws/<id>/files/<name>` one of the files public now, uncompressed;
  `public/draws/<id>/selection/` the entities drawn, once revealed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.jobs import JobQueueUnavailable, LeasedJob
from credit_portal.models import User
from credit_portal.throttling import PublicApiThrottleMixin
from credit_portal.unavailable import TemporarilyUnavailable
from inspections.forms.draws import FIRST_DAY, LAST_DAY
from inspections.models import Draw, DrawFile, DrawJob, Inspection, Selection, Stratum
from inspections.permissions import InspectionPerm
from inspections.selectors import draws as sel
from inspections.selectors.glance import plans_for_user

PUBLIC_NOTE = gettext_lazy(
    "No authentication. Rate-limited per client address together with the public pages "
    "(60 requests a minute): beyond it the answer is 429 with a Retry-After header and "
    'code "throttled".'
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy(
        "The draw was changed since you read it: read it again. Nothing was written."
    )


class QueueUnavailable(TemporarilyUnavailable):
    default_detail = gettext_lazy(
        "The background queue is unavailable, so nothing was kept. Try again in a few minutes."
    )


CONFLICT_409 = error_response(
    gettext_lazy('The version sent is not the draw\'s (code "conflict"): nothing was written.')
)
UNAVAILABLE_503 = error_response(
    gettext_lazy(
        'The background queue cannot take the job (code "unavailable"): nothing was kept. Try '
        "again after the seconds given in the Retry-After header."
    )
)


def request_user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    return request.user


def require(request: Request, *codenames: str) -> User:
    """The user, or a 403 unless they hold `view_draw` and every codename."""
    user = request_user(request)
    if not user.has_perms((InspectionPerm.VIEW_DRAW, *codenames)):
        raise exceptions.PermissionDenied()
    return user


def visible_draw(user: User, pk: int) -> Draw:
    draw = sel.draws_for_user(user=user).filter(pk=pk).first()
    if draw is None:
        raise Http404
    return draw


def service_errors(exc: ValidationError) -> exceptions.ValidationError:
    """A service's refusal as the API's 400, field by field."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                ("non_field_errors" if k == "__all__" else k): [
                    str(m) for e in v for m in e.messages
                ]
                for k, v in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})


# --------------------------------------------------------------------------- output shapes


@extend_schema_serializer(component_name="DrawStratum")
class StratumOutput(serializers.Serializer):
    plan = serializers.CharField(source="plan.code")
    stratum = serializers.ChoiceField(choices=Stratum.choices)
    pool_size = serializers.IntegerField()
    excluded = serializers.IntegerField()
    ratio = serializers.DecimalField(max_digits=5, decimal_places=2)
    target = serializers.IntegerField(help_text=gettext_lazy("How many to draw."))
    selected = serializers.IntegerField(
        help_text=gettext_lazy("How many were drawn (0 before the draw is made).")
    )


class PublicStratumOutput(serializers.Serializer):
    plan = serializers.CharField()
    stratum = serializers.CharField(
        source="label",
        help_text=gettext_lazy(
            "The stratum's opaque label in pool.tsv and selection.tsv (S1, S2, ...): the risk "
            "class it stands for is internal to the bureau."
        ),
    )
    pool = serializers.IntegerField()
    target = serializers.IntegerField(help_text=gettext_lazy("How many to draw."))


@extend_schema_serializer(component_name="DrawFile")
class FileOutput(serializers.Serializer):
    name = serializers.CharField()
    sha256 = serializers.CharField(help_text=gettext_lazy("Of the uncompressed text."))
    size = serializers.IntegerField(help_text=gettext_lazy("Bytes of the uncompressed text."))
    public = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whether the public may download it now.")
    )
    url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The public download, null while it is private.")
    )

    def get_public(self, file: DrawFile) -> bool:
        return file.name in self.context.get("public_names", set())

    def get_url(self, file: DrawFile) -> str | None:
        if file.name not in self.context.get("public_names", set()):
            return None
        return reverse(
            "inspections-api:public-draw-file", args=[self.context["draw_number"], file.name]
        )


@extend_schema_serializer(component_name="DrawJob")
class JobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=DrawJob.Action.choices)
    status = serializers.ChoiceField(choices=LeasedJob.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    draw = serializers.IntegerField(
        source="draw_id", allow_null=True, help_text=gettext_lazy("Null until committed.")
    )
    draw_number = serializers.SerializerMethodField()
    draw_page = serializers.SerializerMethodField(
        help_text=gettext_lazy("The draw's staff page, once the job is done.")
    )
    params = serializers.JSONField()
    counts = serializers.JSONField()
    error = serializers.CharField(help_text=gettext_lazy("Why it failed, if it did."))
    attempts = serializers.IntegerField()
    requested_by = serializers.CharField(source="requested_by.username")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_draw_number(self, job: DrawJob) -> str | None:
        return job.draw.number if job.draw is not None else None

    def get_draw_page(self, job: DrawJob) -> str | None:
        if job.status != LeasedJob.Status.DONE or not job.draw_id:
            return None
        return reverse("inspections:draw", args=[job.draw_id])


@extend_schema_serializer(component_name="DrawPlan")
class PlanRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    lead_department = serializers.CharField(source="lead_department.name")
    departments = serializers.SerializerMethodField()

    def get_departments(self, plan: Any) -> list[str]:
        return [d.name for d in plan.departments.all()]


class _DrawBase(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    is_control = serializers.BooleanField()
    algorithm = serializers.CharField()
    status = serializers.ChoiceField(choices=Draw.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    as_of = serializers.DateField()
    committed_at = serializers.DateTimeField()
    commitment_hash = serializers.CharField()
    previous_hash = serializers.CharField(
        help_text=gettext_lazy("The previous draw's commitment hash; empty for the first draw.")
    )
    pool_hash = serializers.CharField()
    roster_hash = serializers.CharField()
    seed_hash = serializers.CharField()
    outside_source = serializers.CharField()
    outside_value = serializers.CharField(help_text=gettext_lazy("Empty until recorded."))
    outside_recorded_at = serializers.DateTimeField(allow_null=True)
    selection_hash = serializers.CharField(help_text=gettext_lazy("Empty until drawn."))
    derived_at = serializers.DateTimeField(allow_null=True)
    revealed_at = serializers.DateTimeField(allow_null=True)
    redraw_of = serializers.SerializerMethodField(
        help_text=gettext_lazy("The number of the draw this one redraws, or null.")
    )
    redraw_reason = serializers.CharField()

    def get_redraw_of(self, draw: Draw) -> str | None:
        return draw.redraw_of.number if draw.redraw_of_id and draw.redraw_of else None


@extend_schema_serializer(component_name="DrawSummary")
class DrawRowOutput(_DrawBase):
    """A draw in a list."""


@extend_schema_serializer(component_name="Draw")
class DrawOutput(_DrawBase):
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back to record the outside value.")
    )
    committed_by = serializers.CharField(source="committed_by.username")
    plans = serializers.SerializerMethodField()
    strata = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    job = serializers.SerializerMethodField(help_text=gettext_lazy("The job running, or null."))
    public_page = serializers.SerializerMethodField()

    def get_plans(self, draw: Draw) -> list[dict[str, Any]]:
        return PlanRef(sel.draw_plans(draw), many=True).data  # type: ignore[return-value]

    def get_strata(self, draw: Draw) -> list[dict[str, Any]]:
        return StratumOutput(sel.draw_strata(draw), many=True).data  # type: ignore[return-value]

    def get_files(self, draw: Draw) -> list[dict[str, Any]]:
        context = {
            "public_names": {f.name for f in sel.files_public_now(draw)},
            "draw_number": draw.number,
        }
        return FileOutput(sel.draw_files(draw), many=True, context=context).data  # type: ignore[return-value]

    def get_job(self, draw: Draw) -> dict[str, Any] | None:
        job = sel.draw_job_running(draw)
        return JobOutput(job).data if job else None

    def get_public_page(self, draw: Draw) -> str:
        return reverse("inspections-public:draw", args=[draw.number])


@extend_schema_serializer(component_name="PublicDraw")
class PublicDrawOutput(_DrawBase):
    server_seed = serializers.SerializerMethodField(
        help_text=gettext_lazy("Secret until revealed: empty before.")
    )
    plans = serializers.SerializerMethodField()
    strata = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField(
        help_text=gettext_lazy("The files the public may download now.")
    )
    private_files = serializers.SerializerMethodField(
        help_text=gettext_lazy("The names of the files published when the draw is revealed.")
    )
    selection = serializers.SerializerMethodField(
        help_text=gettext_lazy("Where the entities drawn are listed once revealed, or null.")
    )
    previous = serializers.SerializerMethodField(
        help_text=gettext_lazy("The number of the draw whose hash is previous_hash, or null.")
    )

    def get_server_seed(self, draw: Draw) -> str:
        return sel.public_seed(draw)

    def get_plans(self, draw: Draw) -> list[dict[str, Any]]:
        return PlanRef(sel.draw_plans(draw), many=True).data  # type: ignore[return-value]

    @extend_schema_field(PublicStratumOutput(many=True))
    def get_strata(self, draw: Draw) -> list[dict[str, Any]]:
        return PublicStratumOutput(sel.public_strata(draw), many=True).data  # type: ignore[return-value]

    def _public(self, draw: Draw) -> list[DrawFile]:
        cached = self.context.setdefault("_public_files", {})
        if draw.pk not in cached:
            cached[draw.pk] = sel.files_public_now(draw)
        return cached[draw.pk]

    def get_files(self, draw: Draw) -> list[dict[str, Any]]:
        files = self._public(draw)
        context = {"public_names": {f.name for f in files}, "draw_number": draw.number}
        return FileOutput(files, many=True, context=context).data  # type: ignore[return-value]

    def get_private_files(self, draw: Draw) -> list[str]:
        public = {f.name for f in self._public(draw)}
        return [f.name for f in sel.draw_files(draw) if f.name not in public]

    def get_selection(self, draw: Draw) -> str | None:
        if not sel.is_revealed(draw):
            return None
        return reverse("inspections-api:public-draw-selection", args=[draw.number])

    def get_previous(self, draw: Draw) -> str | None:
        chain = sel.draw_chain(draw, sel.public_draws())
        return chain.previous.number if chain.previous else None


@extend_schema_serializer(component_name="DrawVerifyReport")
class VerifyOutput(serializers.Serializer):
    ok = serializers.BooleanField(help_text=gettext_lazy("Whether the files reproduce the draw."))
    lines = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("What the verifier printed.")
    )


@extend_schema_serializer(component_name="DrawVisitInspector")
class InspectorRef(serializers.Serializer):
    username = serializers.CharField(source="inspector.user.username")
    name = serializers.SerializerMethodField()
    department = serializers.CharField(source="inspector.department.name")
    position = serializers.IntegerField()

    def get_name(self, assignment: Any) -> str:
        # The name the pages show (display name, else full name, else username).
        return str(assignment.inspector.user)


@extend_schema_serializer(component_name="DrawVisit")
class VisitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField(source="enterprise.uscc")
    name = serializers.CharField(source="enterprise.name")
    stratum = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The stratum drawn in; null without view_risk (classes are internal)."
        )
    )
    plans = serializers.SerializerMethodField()
    inspectors = serializers.SerializerMethodField()
    due_by = serializers.DateField()
    status = serializers.ChoiceField(choices=Inspection.Status.choices)

    def get_stratum(self, visit: Inspection) -> str | None:
        return visit.stratum if self.context.get("sees_classes") else None

    def get_plans(self, visit: Inspection) -> list[str]:
        return sel.visit_plans(visit)

    def get_inspectors(self, visit: Inspection) -> list[dict[str, Any]]:
        return InspectorRef(list(visit.assignments.all()), many=True).data  # type: ignore[return-value]


@extend_schema_serializer(component_name="PublicDrawSelection")
class SelectionOutput(serializers.Serializer):
    plan = serializers.CharField(source="plan.code")
    uscc = serializers.CharField(source="enterprise.uscc")
    name = serializers.CharField(source="enterprise.name")
    results = serializers.SerializerMethodField(
        help_text=gettext_lazy("The entity's public credit page, with its inspection results.")
    )

    def get_results(self, selection: Selection) -> str:
        return reverse("public:profile", args=[selection.enterprise.uscc])


# --------------------------------------------------------------------------- inputs


def _as_of_in_range(value: dt.date) -> dt.date:
    """The days the draw pages take (`inspections.forms.draws`): beyond them the pools'
    arithmetic overflows and a commit job could only fail."""
    if not (FIRST_DAY <= value <= LAST_DAY):
        raise serializers.ValidationError(
            _("Choose a day between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return value


@extend_schema_serializer(component_name="DrawCommit")
class CommitInput(serializers.Serializer):
    plans = serializers.ListField(
        child=serializers.CharField(max_length=32),
        min_length=1,
        max_length=200,
        help_text=gettext_lazy("Codes of approved plans of one year."),
    )
    title = serializers.CharField(max_length=200)
    as_of = serializers.DateField(help_text=gettext_lazy("The day the pools are frozen as of."))
    outside_source = serializers.CharField(
        max_length=300, help_text=gettext_lazy("The outside randomness that will be mixed in.")
    )
    is_control = serializers.BooleanField(required=False, default=False)

    def validate_as_of(self, value: dt.date) -> dt.date:
        return _as_of_in_range(value)


@extend_schema_serializer(component_name="DrawOutside")
class OutsideInput(serializers.Serializer):
    value = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="DrawRedraw")
class RedrawInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=200)
    as_of = serializers.DateField()
    outside_source = serializers.CharField(max_length=300)

    def validate_as_of(self, value: dt.date) -> dt.date:
        return _as_of_in_range(value)


def _plans_from(user: User, codes: list[str]) -> list[Any]:
    wanted = list(dict.fromkeys(codes))
    found = {p.code: p for p in plans_for_user(user=user).filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise exceptions.ValidationError(
            {"plans": [_("No such plan: %(codes)s.") % {"codes": ", ".join(missing)}]}
        )
    return [found[c] for c in wanted]


def _job_answer(request: Request, job: DrawJob) -> Response:
    fresh = DrawJob.objects.select_related("draw", "requested_by").get(pk=job.pk)
    response = Response(JobOutput(fresh).data, status=status.HTTP_202_ACCEPTED)
    response["Location"] = request.build_absolute_uri(
        reverse("inspections-api:draw-job-detail", args=[job.pk])
    )
    return response


def _draw_answer(draw: Draw) -> Response:
    fresh = sel.draws_list().select_related("committed_by").get(pk=draw.pk)
    return Response(DrawOutput(fresh).data)


# --------------------------------------------------------------------------- staff views


class DrawListApi(APIView):
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="draws_list",
        summary=gettext_lazy("List draws"),
        description=gettext_lazy(
            "Needs view_draw. The newest first. A partner department's staff see the draws of "
            "the plans their department takes part in. Refused with 400: an unknown status or "
            "a year that is not a number."
        ),
        parameters=[
            OpenApiParameter("status", str, enum=Draw.Status.values),
            OpenApiParameter("year", int),
        ],
        responses={200: DrawRowOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        user = require(request)
        draws = sel.draws_for_user(user=user)
        errors: dict[str, list[str]] = {}
        value = request.query_params.get("status", "")
        if value and value not in Draw.Status.values:
            errors["status"] = [_("Not one of the choices.")]
        elif value:
            draws = draws.filter(status=value)
        year = request.query_params.get("year", "")
        if year and not (year.isascii() and year.isdigit() and len(year) == 4):
            errors["year"] = [_("Enter a year, such as 2026.")]
        elif year:
            draws = draws.filter(year=int(year))
        if errors:
            raise exceptions.ValidationError(errors)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(draws, request, view=self)
        return paginator.get_paginated_response(DrawRowOutput(page, many=True).data)

    @extend_schema(
        operation_id="draws_create",
        summary=gettext_lazy("Commit a draw"),
        description=gettext_lazy(
            "Needs view_draw and run_draw. Everything is checked first (plans approved, of one "
            "year, their ratios, enough inspectors: each problem named, nothing kept); then a "
            "worker freezes the pools and the roster, writes and hashes the files and creates "
            "the draw. The answer is the job: follow it at the address in Location."
        ),
        request=CommitInput,
        responses={202: JobOutput, 503: UNAVAILABLE_503},
    )
    def post(self, request: Request) -> Response:
        from inspections.services.draws import draw_request_commit

        user = require(request, InspectionPerm.RUN_DRAW)
        serializer = CommitInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plans = _plans_from(user, data["plans"])
        try:
            job = draw_request_commit(
                actor=user,
                plans=plans,
                title=data["title"],
                as_of=data["as_of"],
                outside_source=data["outside_source"],
                is_control=data.get("is_control", False),
            )
        except JobQueueUnavailable as exc:
            raise QueueUnavailable() from exc
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return _job_answer(request, job)


class DrawDetailApi(APIView):
    @extend_schema(
        operation_id="draws_retrieve",
        summary=gettext_lazy("Read a draw"),
        description=gettext_lazy(
            "Needs view_draw. The commitment, strata, files (which are public now) and the "
            "job running. The server seed is never here: it is on the public draw once revealed."
        ),
        responses=DrawOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = require(request)
        return _draw_answer(visible_draw(user, pk))


class _DrawStepApi(APIView):
    """A POST step on one draw: codenames (403), the draw (404), the input (400), the step."""

    def target(self, request: Request, pk: int) -> tuple[User, Draw]:
        user = require(request, InspectionPerm.RUN_DRAW)
        return user, visible_draw(user, pk)


class DrawOutsideApi(_DrawStepApi):
    @extend_schema(
        operation_id="draws_outside",
        summary=gettext_lazy("Record the outside value"),
        description=gettext_lazy(
            "Needs view_draw and run_draw. Once only, on a committed draw; send the draw's "
            "version. Refused with 400: a value already recorded, an empty value."
        ),
        request=OutsideInput,
        responses={200: DrawOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        from inspections.services.draws import draw_record_outside

        user, draw = self.target(request, pk)
        serializer = OutsideInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = draw_record_outside(
                actor=user,
                draw=draw,
                value=serializer.validated_data["value"],
                expected_version=serializer.validated_data["version"],
            )
        except ConflictError as exc:
            raise Conflict() from exc
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return _draw_answer(done)


class DrawDeriveApi(_DrawStepApi):
    @extend_schema(
        operation_id="draws_derive",
        summary=gettext_lazy("Make the draw"),
        description=gettext_lazy(
            "Needs view_draw and run_draw. After the outside value: a worker computes the "
            "seed, the selection and the assignment and creates the visits. The answer is the "
            "job. Refused with 400: no outside value yet, a draw already made or superseded."
        ),
        request=None,
        responses={202: JobOutput, 503: UNAVAILABLE_503},
    )
    def post(self, request: Request, pk: int) -> Response:
        from inspections.services.draws import draw_request_derive

        user, draw = self.target(request, pk)
        try:
            job = draw_request_derive(actor=user, draw=draw)
        except JobQueueUnavailable as exc:
            raise QueueUnavailable() from exc
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return _job_answer(request, job)


class DrawRevealApi(_DrawStepApi):
    @extend_schema(
        operation_id="draws_reveal",
        summary=gettext_lazy("Reveal a draw"),
        description=gettext_lazy(
            "Needs view_draw and run_draw. Publishes the server seed and every file. Refused "
            "with 400: a draw not made yet, a visit neither published nor cancelled, files "
            "that do not match the commitment."
        ),
        request=None,
        responses={200: DrawOutput},
    )
    def post(self, request: Request, pk: int) -> Response:
        from inspections.services.draws import draw_reveal

        user, draw = self.target(request, pk)
        try:
            done = draw_reveal(actor=user, draw=draw)
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return _draw_answer(done)


class DrawRedrawApi(_DrawStepApi):
    @extend_schema(
        operation_id="draws_redraw",
        summary=gettext_lazy("Redraw"),
        description=gettext_lazy(
            "Needs view_draw and run_draw. A new draw of the same plans, linked to this one "
            "with the reason; this one is superseded and stays visible. The answer is the job "
            "of the new draw's commitment. Refused with 400: no reason, a revealed or already "
            "superseded draw, and whatever a commitment is refused for."
        ),
        request=RedrawInput,
        responses={202: JobOutput, 503: UNAVAILABLE_503},
    )
    def post(self, request: Request, pk: int) -> Response:
        from inspections.services.draws import draw_request_commit

        user, draw = self.target(request, pk)
        serializer = RedrawInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not data["reason"].strip():
            raise exceptions.ValidationError({"reason": [_("Say why the draw is made again.")]})
        try:
            job = draw_request_commit(
                actor=user,
                plans=list(draw.plans.all()),
                title=data["title"],
                as_of=data["as_of"],
                outside_source=data["outside_source"],
                is_control=draw.is_control,
                redraw_of=draw,
                reason=data["reason"].strip(),
            )
        except JobQueueUnavailable as exc:
            raise QueueUnavailable() from exc
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return _job_answer(request, job)


class DrawVerifyApi(APIView):
    @extend_schema(
        operation_id="draws_verify",
        summary=gettext_lazy("Verify a draw's files"),
        description=gettext_lazy(
            "Needs view_draw. Runs the standard-library verifier (inspections.verify) over the "
            "stored files: ok is whether they reproduce the draw; lines what it printed."
        ),
        request=None,
        responses={200: VerifyOutput},
    )
    def post(self, request: Request, pk: int) -> Response:
        from inspections.services.draws import draw_verify

        user = require(request)
        draw = visible_draw(user, pk)
        try:
            report = draw_verify(draw=draw)
        except ValidationError as exc:
            raise service_errors(exc) from exc
        return Response(VerifyOutput({"ok": report.ok, "lines": list(report.lines)}).data)


class DrawVisitsApi(APIView):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="draws_visits",
        summary=gettext_lazy("The visits a draw made"),
        description=gettext_lazy(
            "Needs view_draw. One per entity drawn (a joint visit carries several plans), with "
            "its inspectors in the order assigned; within the register's jurisdiction."
        ),
        responses={200: VisitOutput(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = require(request)
        draw = visible_draw(user, pk)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(sel.visits_of(draw=draw, user=user), request, view=self)
        context = {"sees_classes": user.has_perm("enterprises.view_risk")}
        return paginator.get_paginated_response(VisitOutput(page, many=True, context=context).data)


class DrawJobApi(APIView):
    @extend_schema(
        operation_id="draw_jobs_retrieve",
        summary=gettext_lazy("Read a draw job's progress"),
        description=gettext_lazy(
            "Needs view_draw. status pending or running until the worker has finished; then "
            "done with its draw, or failed with the error (nothing of it was kept)."
        ),
        responses=JobOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = require(request)
        job = sel.job_for_user(user=user, pk=pk)
        if job is None:
            raise Http404
        return Response(JobOutput(job).data)


# --------------------------------------------------------------------------- public


class _PublicApi(PublicApiThrottleMixin, APIView):  # type: ignore[misc]
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    def draw(self, ref: str) -> Draw:
        draw = sel.public_draw(ref)
        if draw is None:
            raise Http404
        return draw


class PublicDrawListApi(_PublicApi):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="public_draws_list",
        summary=gettext_lazy("List the draws (public)"),
        description=format_lazy(
            "{} {}",
            gettext_lazy(
                "Every draw's commitment, the newest first: a draw is public from its commitment."
            ),
            PUBLIC_NOTE,
        ),
        responses={200: DrawRowOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(sel.public_draws(), request, view=self)
        return paginator.get_paginated_response(DrawRowOutput(page, many=True).data)


class PublicDrawDetailApi(_PublicApi):
    @extend_schema(
        operation_id="public_draws_retrieve",
        summary=gettext_lazy("Read a draw (public)"),
        description=format_lazy(
            "{} {}",
            gettext_lazy(
                "By its number, or its id. The commitment, the chain, the strata and the files "
                "public now; the server seed and the selection once revealed."
            ),
            PUBLIC_NOTE,
        ),
        responses={200: PublicDrawOutput, 404: error_response(gettext_lazy("No such draw."))},
    )
    def get(self, request: Request, ref: str) -> Response:
        return Response(PublicDrawOutput(self.draw(ref)).data)


class PublicDrawFileApi(_PublicApi):
    @extend_schema(
        operation_id="public_draws_file",
        summary=gettext_lazy("Download a draw's file (public)"),
        description=format_lazy(
            "{} {}",
            gettext_lazy(
                "Uncompressed, as the verifier reads it and as its SHA-256 says; 404 while it "
                "is not public."
            ),
            PUBLIC_NOTE,
        ),
        responses={
            (200, "text/tab-separated-values"): OpenApiResponse(
                OpenApiTypes.STR, description=gettext_lazy("A .tsv file.")
            ),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description=gettext_lazy("A .json file.")
            ),
            404: error_response(gettext_lazy("No such draw, or no such public file.")),
        },
    )
    def get(self, request: Request, ref: str, name: str) -> StreamingHttpResponse:
        from inspections.views.public import file_response

        draw = self.draw(ref)
        found = next((f for f in sel.files_public_now(draw) if f.name == name), None)
        if found is None:
            raise Http404
        return file_response(draw, found)


class PublicDrawSelectionApi(_PublicApi):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="public_draws_selection",
        summary=gettext_lazy("The entities a draw drew (public)"),
        description=format_lazy(
            "{} {}",
            gettext_lazy(
                "Once the draw is revealed: each plan's entities by credit code, with their "
                "public credit page. 404 before."
            ),
            PUBLIC_NOTE,
        ),
        responses={200: SelectionOutput(many=True)},
    )
    def get(self, request: Request, ref: str) -> Response:
        draw = self.draw(ref)
        if not sel.is_revealed(draw):
            raise Http404
        paginator = StandardPagination()
        rows: QuerySet[Selection] = sel.public_selection(draw)
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(SelectionOutput(page, many=True).data)


urlpatterns: list = [
    path("draws/", DrawListApi.as_view(), name="draw-list"),
    path("draws/<int:pk>/", DrawDetailApi.as_view(), name="draw-detail"),
    path("draws/<int:pk>/outside/", DrawOutsideApi.as_view(), name="draw-outside"),
    path("draws/<int:pk>/derive/", DrawDeriveApi.as_view(), name="draw-derive"),
    path("draws/<int:pk>/reveal/", DrawRevealApi.as_view(), name="draw-reveal"),
    path("draws/<int:pk>/redraw/", DrawRedrawApi.as_view(), name="draw-redraw"),
    path("draws/<int:pk>/verify/", DrawVerifyApi.as_view(), name="draw-verify"),
    path("draws/<int:pk>/visits/", DrawVisitsApi.as_view(), name="draw-visits"),
    path("draw-jobs/<int:pk>/", DrawJobApi.as_view(), name="draw-job-detail"),
    path("public/draws/", PublicDrawListApi.as_view(), name="public-draw-list"),
    path("public/draws/<str:ref>/", PublicDrawDetailApi.as_view(), name="public-draw-detail"),
    path(
        "public/draws/<str:ref>/files/<str:name>",
        PublicDrawFileApi.as_view(),
        name="public-draw-file",
    ),
    path(
        "public/draws/<str:ref>/selection/",
        PublicDrawSelectionApi.as_view(),
        name="public-draw-selection",
    ),
]
