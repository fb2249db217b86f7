"""The list of items, the library of inspectors and sampling plans in the API (issue 17 §1, §8),
under /api/v1/ (namespace "inspections-api"):

- `inspection-items/` (GET list, POST create), `inspection-items/<code>/` (GET, PATCH with
  the `version` read): `view_inspectionitem`; writing `change_inspectionitem` (and `add_`).
- `inspectors/` (GET list, POST create from a staff user with a badge number),
  `inspectors/<id>/` (GET, PATCH skills / active / note with the `version`): `view_inspector`,
  `change_inspector` (and `add_`); the inspectors of the user's jurisdiction.
- `inspection-plans/` (GET list, `?year=`, `?status=`, `?kind=`; POST create a draft),
  `inspection-plans/<code>/` (GET; PATCH a draft with the `version`),
  `inspection-plans/<code>/approve/` and `.../close/` (POST with the `version`):
  `view_samplingplan`; `change_samplingplan` (and `add_`), `approve_samplingplan`.

Order of the checks: login (401/403), the object through jurisdiction (404), the codenames
(403), the input (400, naming the field); a stale `version` is a 409 naming the current one;
a step the state refuses (approve a closed plan) is a 409 too. Every write is a service.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from inspections.models import InspectionItem, Inspector, SamplingPlan, Skill, Stratum
from inspections.permissions import InspectionPerm
from inspections.selectors.plans import (
    PLAN_SET,
    inspector_list_filter,
    inspectors_for_user,
    items_list,
    plan_list_filter,
    plans_for_user,
    plans_with_lists,
)
from inspections.services.catalogue import item_save
from inspections.services.plans import StratumInput, plan_approve, plan_close, plan_save
from inspections.services.roster import inspector_save


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("Someone else changed it first; nothing was written.")


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    return request.user


def _require(request: Request, *codenames: str) -> User:
    user = _user(request)
    if not user.has_perms(codenames):
        raise exceptions.PermissionDenied()
    return user


def _state_or_raise(exc: DjangoValidationError, codes: set[str]) -> NoReturn:
    """A refusal because of the object's state (`codes`) is a 409; any other a 400."""
    if not hasattr(exc, "error_dict") and any(e.code in codes for e in exc.error_list):
        raise Conflict(" ".join(exc.messages)) from exc
    raise exc


def _conflict(exc: ConflictError) -> Conflict:
    return Conflict(f"{exc.messages[0]} (current_version={exc.current_version})")


class StaffApi(APIView):
    permission_classes = [IsAuthenticated]


# --------------------------------------------------------------------------- shapes


@extend_schema_serializer(component_name="InspectionDepartment")
class DepartmentOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, department: Department) -> str:
        return str(department)


class DepartmentField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Department.objects.all(), **kwargs)


@extend_schema_serializer(component_name="InspectionSkill")
class SkillOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


@extend_schema_serializer(component_name="InspectionItem")
class ItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    department = DepartmentOutput()
    legal_basis = serializers.CharField()
    subject = serializers.CharField()
    content = serializers.CharField()
    method = serializers.ChoiceField(choices=InspectionItem.Method.choices)
    safety_sensitive = serializers.BooleanField(
        help_text=gettext_lazy("New entities stay in the pool for such items (§7).")
    )
    required_skill = serializers.CharField(
        source="required_skill.code", allow_null=True, default=None
    )
    checklist = serializers.CharField(help_text=gettext_lazy("Published to firms."))
    is_active = serializers.BooleanField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="InspectionItemInput")
class ItemInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text=gettext_lazy("The version read (a change: required).")
    )
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=128)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = DepartmentField()
    legal_basis = serializers.CharField(max_length=4000)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    content = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    method = serializers.ChoiceField(choices=InspectionItem.Method.choices)
    safety_sensitive = serializers.BooleanField(required=False, default=False)
    required_skill = serializers.SlugRelatedField(
        slug_field="code", queryset=Skill.objects.all(), required=False, allow_null=True
    )
    checklist = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)


@extend_schema_serializer(component_name="Inspector")
class InspectorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    badge_number = serializers.SerializerMethodField()
    department = DepartmentOutput()
    skills = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    note = serializers.CharField()
    version = serializers.IntegerField()

    def get_name(self, inspector: Inspector) -> str:
        return str(inspector.user)

    def get_badge_number(self, inspector: Inspector) -> str:
        profile = getattr(inspector.user, "staff_profile", None)
        return profile.badge_number if profile is not None else ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_skills(self, inspector: Inspector) -> list[str]:
        return sorted(s.code for s in inspector.skills.all())


@extend_schema_serializer(component_name="InspectorCreate")
class InspectorCreateInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    skills = serializers.SlugRelatedField(
        slug_field="code", queryset=Skill.objects.all(), many=True, required=False
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_serializer(component_name="InspectorChange")
class InspectorChangeInput(serializers.Serializer):
    version = serializers.IntegerField()
    skills = serializers.SlugRelatedField(
        slug_field="code", queryset=Skill.objects.all(), many=True, required=False
    )
    is_active = serializers.BooleanField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_serializer(component_name="PlanStratum")
class StratumSerializer(serializers.Serializer):
    stratum = serializers.ChoiceField(choices=Stratum.choices)
    ratio = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        help_text=gettext_lazy("Percent of the stratum's pool, 0 to 100; class A has a floor."),
    )
    frequency = serializers.IntegerField(default=1, help_text=gettext_lazy("Checks per year."))


@extend_schema_serializer(component_name="SamplingPlan")
class PlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SamplingPlan.Kind.choices)
    status = serializers.ChoiceField(choices=SamplingPlan.Status.choices)
    lead_department = DepartmentOutput()
    departments = DepartmentOutput(many=True, source="departments.all")
    joint = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    industries = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("GB/T 4754 divisions; empty: every industry."),
    )
    streets = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Empty: the whole district.")
    )
    entity_types = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Empty: every type.")
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    min_inspectors = serializers.IntegerField()
    strata = StratumSerializer(many=True, source="strata.all")
    note = serializers.CharField()
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(
        source="approved_by.username", allow_null=True, default=None
    )
    version = serializers.IntegerField()

    @extend_schema_field(serializers.BooleanField())
    def get_joint(self, plan: SamplingPlan) -> bool:
        return len(plan.departments.all()) > 1

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_items(self, plan: SamplingPlan) -> list[str]:
        return sorted(i.code for i in plan.items.all())


@extend_schema_serializer(component_name="SamplingPlanInput")
class PlanInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text=gettext_lazy("The version read (a change: required).")
    )
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SamplingPlan.Kind.choices, default="random")
    lead_department = DepartmentField()
    departments = DepartmentField(many=True)
    items = serializers.SlugRelatedField(
        slug_field="code", queryset=InspectionItem.objects.all(), many=True
    )
    industries = serializers.ListField(
        child=serializers.CharField(max_length=8), required=False, max_length=100
    )
    streets = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=100
    )
    entity_types = serializers.ListField(
        child=serializers.CharField(max_length=24), required=False, max_length=20
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    min_inspectors = serializers.IntegerField(default=2)
    strata = StratumSerializer(many=True, required=False)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField()


def _strata(rows: list[dict[str, Any]] | None) -> list[StratumInput] | None:
    if rows is None:
        return None
    return [StratumInput(r["stratum"], r["ratio"], r.get("frequency", 1)) for r in rows]


# --------------------------------------------------------------------------- items


def _item(code: str) -> InspectionItem:
    found = InspectionItem.objects.select_related("department", "required_skill").filter(code=code)
    item = found.first()
    if item is None:
        raise Http404
    return item


class ItemListApi(StaffApi):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="inspection_items_list",
        summary=gettext_lazy("List inspection items"),
        description=gettext_lazy("Needs view_inspectionitem. ?q= searches code, name and basis."),
        parameters=[OpenApiParameter("q", str), OpenApiParameter("active", bool)],
        responses=ItemOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        _require(request, InspectionPerm.VIEW_ITEM)
        raw = request.query_params.get("active", "").lower()
        active = {"true": True, "false": False}.get(raw)
        queryset = items_list(q=request.query_params.get("q", "")[:100], active=active)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="inspection_items_create",
        summary=gettext_lazy("Create an inspection item"),
        description=gettext_lazy(
            "Needs change_inspectionitem and add_inspectionitem; the department in your "
            "jurisdiction. 400 naming the field for every refusal."
        ),
        request=ItemInput,
        responses={201: ItemOutput},
    )
    def post(self, request: Request) -> Response:
        user = _require(
            request, InspectionPerm.VIEW_ITEM, InspectionPerm.CHANGE_ITEM, InspectionPerm.ADD_ITEM
        )
        serializer = ItemInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        item = item_save(actor=user, data=data)
        return Response(ItemOutput(_item(item.code)).data, status=status.HTTP_201_CREATED)


class ItemDetailApi(StaffApi):
    @extend_schema(
        operation_id="inspection_items_retrieve",
        summary=gettext_lazy("Read an inspection item"),
        responses=ItemOutput,
    )
    def get(self, request: Request, code: str) -> Response:
        _require(request, InspectionPerm.VIEW_ITEM)
        return Response(ItemOutput(_item(code)).data)

    @extend_schema(
        operation_id="inspection_items_partial_update",
        summary=gettext_lazy("Change an inspection item"),
        description=gettext_lazy(
            "Needs change_inspectionitem. Send the version read; fields left out keep their "
            "value. 409 when someone else changed it first."
        ),
        request=ItemInput(partial=True),
        responses={200: ItemOutput},
    )
    def patch(self, request: Request, code: str) -> Response:
        item = _item(code)
        user = _require(request, InspectionPerm.VIEW_ITEM, InspectionPerm.CHANGE_ITEM)
        serializer = ItemInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise exceptions.ValidationError({"version": [_("Send the version read.")]})
        try:
            saved = item_save(actor=user, data=data, item=item, expected_version=version)
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return Response(ItemOutput(_item(saved.code)).data)


# --------------------------------------------------------------------------- inspectors


class InspectorListApi(StaffApi):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="inspectors_list",
        summary=gettext_lazy("List inspectors"),
        description=gettext_lazy(
            "Needs view_inspector: the inspectors of your jurisdiction. ?q=, ?department= "
            "(code), ?skill= (code), ?active=yes|no."
        ),
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("department", str),
            OpenApiParameter("skill", str),
            OpenApiParameter("active", str),
        ],
        responses=InspectorOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _require(request, InspectionPerm.VIEW_INSPECTOR)
        params = request.query_params
        data: dict[str, Any] = {"q": params.get("q", "")[:100], "active": params.get("active")}
        if params.get("department"):
            data["department"] = Department.objects.filter(code=params["department"]).first()
            if data["department"] is None:
                raise exceptions.ValidationError({"department": [_("Unknown department.")]})
        if params.get("skill"):
            data["skill"] = Skill.objects.filter(code=params["skill"]).first()
            if data["skill"] is None:
                raise exceptions.ValidationError({"skill": [_("Unknown skill.")]})
        queryset = inspector_list_filter(inspectors_for_user(user=user), data)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(InspectorOutput(page, many=True).data)

    @extend_schema(
        operation_id="inspectors_create",
        summary=gettext_lazy("Add a staff member to the library of inspectors"),
        description=gettext_lazy(
            "Needs change_inspector and add_inspector. Refused (400, field user) for a user "
            "who is not staff or has no enforcement badge number, or of another department."
        ),
        request=InspectorCreateInput,
        responses={201: InspectorOutput},
    )
    def post(self, request: Request) -> Response:
        user = _require(
            request,
            InspectionPerm.VIEW_INSPECTOR,
            InspectionPerm.CHANGE_INSPECTOR,
            InspectionPerm.ADD_INSPECTOR,
        )
        serializer = InspectorCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        staff = User.objects.filter(username=data["username"]).first()
        if staff is None:
            raise exceptions.ValidationError({"username": [_("No user has this username.")]})
        try:
            inspector = inspector_save(
                actor=user, user=staff, skills=data.get("skills", []), note=data.get("note", "")
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict") and "user" in exc.error_dict:
                raise exceptions.ValidationError(
                    {"username": [str(m) for e in exc.error_dict["user"] for m in e.messages]}
                ) from exc
            raise
        fresh = inspectors_for_user(user=user).get(pk=inspector.pk)
        return Response(InspectorOutput(fresh).data, status=status.HTTP_201_CREATED)


class InspectorDetailApi(StaffApi):
    def _inspector(self, request: Request, pk: int) -> Inspector:
        found = inspectors_for_user(user=_user(request)).filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    @extend_schema(
        operation_id="inspectors_retrieve",
        summary=gettext_lazy("Read an inspector"),
        responses=InspectorOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        inspector = self._inspector(request, pk)
        _require(request, InspectionPerm.VIEW_INSPECTOR)
        return Response(InspectorOutput(inspector).data)

    @extend_schema(
        operation_id="inspectors_partial_update",
        summary=gettext_lazy("Change an inspector's skills, activity or note"),
        description=gettext_lazy("Needs change_inspector. Send the version read (409 if stale)."),
        request=InspectorChangeInput,
        responses={200: InspectorOutput},
    )
    def patch(self, request: Request, pk: int) -> Response:
        inspector = self._inspector(request, pk)
        user = _require(request, InspectionPerm.VIEW_INSPECTOR, InspectionPerm.CHANGE_INSPECTOR)
        serializer = InspectorChangeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            inspector_save(
                actor=user,
                inspector=inspector,
                skills=data.get("skills"),
                is_active=data.get("is_active"),
                note=data.get("note"),
                expected_version=data["version"],
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return Response(InspectorOutput(self._inspector(request, pk)).data)


# --------------------------------------------------------------------------- plans


def _plan_queryset(user: User) -> QuerySet[SamplingPlan]:
    return plans_with_lists(plans_for_user(user=user)).select_related("approved_by")


def _plan(request: Request, code: str) -> SamplingPlan:
    found = _plan_queryset(_user(request)).filter(code=code).first()
    if found is None:
        raise Http404
    return found


class PlanListApi(StaffApi):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="inspection_plans_list",
        summary=gettext_lazy("List sampling plans"),
        description=gettext_lazy(
            "Needs view_samplingplan: the plans your departments lead or take part in. "
            "Filters: ?year=, ?status= (set: every status but draft), ?kind=, ?joint= (yes: "
            "plans of more than one department; no), ?q="
        ),
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("status", str, enum=[*SamplingPlan.Status.values, PLAN_SET]),
            OpenApiParameter("kind", str, enum=SamplingPlan.Kind.values),
            OpenApiParameter("joint", str, enum=["yes", "no"]),
            OpenApiParameter("q", str),
        ],
        responses=PlanOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _require(request, InspectionPerm.VIEW_PLAN)
        params = request.query_params
        data: dict[str, Any] = {"q": params.get("q", "")[:100]}
        if params.get("year"):
            try:
                data["year"] = int(params["year"])
            except ValueError:
                raise exceptions.ValidationError({"year": [_("Enter a year.")]}) from None
        for name, choices in (
            ("status", [*SamplingPlan.Status.values, PLAN_SET]),
            ("kind", SamplingPlan.Kind.values),
            ("joint", ["yes", "no"]),
        ):
            value = params.get(name, "")
            if value and value not in choices:
                raise exceptions.ValidationError(
                    {name: [_("One of %(v)s.") % {"v": ", ".join(choices)}]}
                )
            data[name] = value
        queryset = plan_list_filter(_plan_queryset(user), data).order_by("-year", "code")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(PlanOutput(page, many=True).data)

    @extend_schema(
        operation_id="inspection_plans_create",
        summary=gettext_lazy("Create a draft sampling plan"),
        description=gettext_lazy(
            "Needs change_samplingplan and add_samplingplan. Refused with 400, each problem "
            "under its field: a ratio outside 0–100 %, class A below its floor, no item, the "
            "lead department not among the departments, an item of another department, dates "
            "outside the year or the end before the start, unknown industry, street or entity "
            "type codes, a control plan with strata other than A and B, fewer than 2 "
            "inspectors per firm."
        ),
        request=PlanInput,
        responses={201: PlanOutput},
    )
    def post(self, request: Request) -> Response:
        user = _require(
            request, InspectionPerm.VIEW_PLAN, InspectionPerm.CHANGE_PLAN, InspectionPerm.ADD_PLAN
        )
        serializer = PlanInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        strata = _strata(data.pop("strata", None)) or []
        plan = plan_save(actor=user, data=data, strata=strata)
        return Response(
            PlanOutput(_plan_queryset(user).get(pk=plan.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PlanDetailApi(StaffApi):
    @extend_schema(
        operation_id="inspection_plans_retrieve",
        summary=gettext_lazy("Read a sampling plan"),
        responses=PlanOutput,
    )
    def get(self, request: Request, code: str) -> Response:
        plan = _plan(request, code)
        _require(request, InspectionPerm.VIEW_PLAN)
        return Response(PlanOutput(plan).data)

    @extend_schema(
        operation_id="inspection_plans_partial_update",
        summary=gettext_lazy("Change a draft sampling plan"),
        description=gettext_lazy(
            "Needs change_samplingplan. Send the version read; fields left out keep their "
            "value, strata given replace them all. 409 when someone changed it first or it is "
            "no longer a draft."
        ),
        request=PlanInput(partial=True),
        responses={200: PlanOutput},
    )
    def patch(self, request: Request, code: str) -> Response:
        plan = _plan(request, code)
        user = _require(request, InspectionPerm.VIEW_PLAN, InspectionPerm.CHANGE_PLAN)
        serializer = PlanInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise exceptions.ValidationError({"version": [_("Send the version read.")]})
        strata = _strata(data.pop("strata", None))
        try:
            saved = plan_save(
                actor=user, data=data, strata=strata, plan=plan, expected_version=version
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        except DjangoValidationError as exc:
            _state_or_raise(exc, {"not_draft"})
        return Response(PlanOutput(_plan_queryset(user).get(pk=saved.pk)).data)


class _PlanStepApi(StaffApi):
    needs: tuple[str, ...] = ()

    def step(self, user: User, plan: SamplingPlan, version: int) -> SamplingPlan:
        raise NotImplementedError

    def run(self, request: Request, code: str) -> Response:
        plan = _plan(request, code)
        user = _require(request, InspectionPerm.VIEW_PLAN, *self.needs)
        serializer = VersionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            saved = self.step(user, plan, serializer.validated_data["version"])
        except ConflictError as exc:
            raise _conflict(exc) from exc
        except DjangoValidationError as exc:
            _state_or_raise(exc, {"not_draft", "closed"})
        return Response(PlanOutput(_plan_queryset(user).get(pk=saved.pk)).data)


class PlanApproveApi(_PlanStepApi):
    needs = (InspectionPerm.APPROVE_PLAN,)

    def step(self, user: User, plan: SamplingPlan, version: int) -> SamplingPlan:
        return plan_approve(actor=user, plan=plan, expected_version=version)

    @extend_schema(
        operation_id="inspection_plans_approve",
        summary=gettext_lazy("Approve a draft sampling plan"),
        description=gettext_lazy(
            "Needs approve_samplingplan. The plan's checks again, and enough inspectors for "
            "its draw (400 with the numbers); 409 when it is not a draft or the version is "
            "stale."
        ),
        request=VersionInput,
        responses={200: PlanOutput},
    )
    def post(self, request: Request, code: str) -> Response:
        return self.run(request, code)


class PlanCloseApi(_PlanStepApi):
    needs = (InspectionPerm.CHANGE_PLAN,)

    def step(self, user: User, plan: SamplingPlan, version: int) -> SamplingPlan:
        return plan_close(actor=user, plan=plan, expected_version=version)

    @extend_schema(
        operation_id="inspection_plans_close",
        summary=gettext_lazy("Close a sampling plan"),
        description=gettext_lazy(
            "Needs change_samplingplan. It is no longer drawn; 409 when closed already or the "
            "version is stale."
        ),
        request=VersionInput,
        responses={200: PlanOutput},
    )
    def post(self, request: Request, code: str) -> Response:
        return self.run(request, code)


urlpatterns = [
    path("inspection-items/", ItemListApi.as_view(), name="item-list"),
    path("inspection-items/<slug:code>/", ItemDetailApi.as_view(), name="item-detail"),
    path("inspectors/", InspectorListApi.as_view(), name="inspector-list"),
    path("inspectors/<int:pk>/", InspectorDetailApi.as_view(), name="inspector-detail"),
    path("inspection-plans/", PlanListApi.as_view(), name="plan-list"),
    path("inspection-plans/<slug:code>/", PlanDetailApi.as_view(), name="plan-detail"),
    path("inspection-plans/<slug:code>/approve/", PlanApproveApi.as_view(), name="plan-approve"),
    path("inspection-plans/<slug:code>/close/", PlanCloseApi.as_view(), name="plan-close"),
]
