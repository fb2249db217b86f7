"""The API of immediate disclosures and invitations to self-correct (docs/domain.md §3, §4,
§10).

- `/api/v1/me/disclosures/` — for an enterprise user, its own company's disclosures: list,
  create (a draft, or disclosed at once with `"submit": true`), read, change a draft, submit
  it, correct a disclosed version (a new version; with `"submit": true` disclosed at once),
  discard a draft. Another company's disclosure is a 404. The rules and messages are the
  services' (`annual_reports.services.disclosures`); a stale `version` is a 409.
- `/api/v1/disclosures/` — for staff holding `view_immediatedisclosure`: the disclosed versions
  of the entities of their jurisdiction (never a draft), with filters, and one disclosure with
  every version.
- `/api/v1/correction-invitations/` — staff holding `view_correctioninvitation` read the
  invitations of their jurisdiction (an enterprise user its own); `add_correctioninvitation`
  issues one, `change_correctioninvitation` cancels an open one (with reasons, the version
  read).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annual_reports.models import CorrectionInvitation, ImmediateDisclosure
from annual_reports.selectors.disclosures import (
    DisclosurePerm,
    chain_for,
    disclosure_for_user,
    disclosure_staff_list,
    disclosures_for_user,
    invitation_for_user,
    invitation_list,
)
from annual_reports.services.disclosures import (
    disclosure_correction_start,
    disclosure_draft_discard,
    disclosure_draft_save,
    disclosure_submit,
)
from annual_reports.services.invitations import invitation_cancel, invitation_create
from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import Enterprise
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize

Status = ImmediateDisclosure.Status


class Conflict(exceptions.APIException):
    """A 409 (code "conflict"): the version sent is stale; nothing was written."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("Someone else changed this first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: it was changed since you read it (code "conflict"). '
        "Nothing was written; read it again."
    )
)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    return request.user


def _member(request: Request) -> tuple[User, Enterprise]:
    user = _user(request)
    if getattr(user, "enterprise_membership", None) is None:
        raise exceptions.PermissionDenied(_("Only an enterprise user discloses information."))
    return user, member_enterprise(user=user)


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --------------------------------------------------------------------------- serializers


@extend_schema_serializer(component_name="DisclosureEnterprise")
class EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


CONTENT_HELP = gettext_lazy(
    'The item\'s content. contribution: {"shareholders": [{"name", "subscribed", '
    '"subscribed_form", "subscribed_on", "paid", "paid_form", "paid_on"}]} (amounts in CNY '
    "10,000, two decimals; forms: currency, in_kind, ip, land_use_right, equity, claims, "
    'other); equity_change: {"changes": [{"shareholder", "before", "after"}]} (per cent); '
    'licence: {"name", "number", "authority", "valid_from", "valid_until"}; ip_pledge: '
    '{"ip_kind" (patent, trademark, copyright, other), "ip_name", "certificate_number", '
    '"pledgor", "pledgee", "registered_on", "pledge_until"}. Dates YYYY-MM-DD. Names only, '
    "never an identity number."
)


@extend_schema_serializer(component_name="ImmediateDisclosure")
class DisclosureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = EnterpriseRef()
    item = serializers.ChoiceField(choices=ImmediateDisclosure.Item.choices)
    status = serializers.ChoiceField(choices=ImmediateDisclosure.Status.choices)
    changed_on = serializers.DateField()
    due_on = serializers.DateField(
        help_text=gettext_lazy("20 working days after the change, on the portal's calendar.")
    )
    due_provisional = serializers.BooleanField(
        help_text=gettext_lazy(
            "Counted across a year whose holiday schedule is not known yet: may still change."
        )
    )
    content = serializers.JSONField(help_text=CONTENT_HELP)
    revision = serializers.IntegerField()
    is_current = serializers.BooleanField(help_text=gettext_lazy("The version in force."))
    correction_of = serializers.IntegerField(
        source="correction_of_id",
        allow_null=True,
        help_text=gettext_lazy("The version this one corrects (kept and shown)."),
    )
    correction_reason = serializers.CharField(allow_blank=True)
    filed_on = serializers.DateField(allow_null=True)
    late = serializers.BooleanField(
        help_text=gettext_lazy("Disclosed after its due day (an original; never a correction).")
    )
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a change: a stale one gives 409.")
    )


@extend_schema_serializer(component_name="ImmediateDisclosureWithVersions")
class DisclosureWithVersionsOutput(DisclosureOutput):
    versions = serializers.SerializerMethodField(
        help_text=gettext_lazy("Every disclosed version of this disclosure, oldest first.")
    )

    def get_versions(self, row: ImmediateDisclosure) -> list[dict[str, Any]]:
        chain = chain_for(row, drafts=self.context.get("drafts", False))
        return [dict(DisclosureOutput(v).data) for v in chain.versions]


@extend_schema_serializer(component_name="DisclosureCreate")
class _CreateInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=ImmediateDisclosure.Item.choices)
    changed_on = serializers.DateField()
    content = serializers.JSONField(help_text=CONTENT_HELP)
    submit = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Disclose at once instead of keeping a draft.")
    )


@extend_schema_serializer(component_name="DisclosureUpdate")
class _UpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    changed_on = serializers.DateField()
    content = serializers.JSONField(help_text=CONTENT_HELP)
    correction_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    submit = serializers.BooleanField(default=False)


@extend_schema_serializer(component_name="DisclosureCorrect")
class _CorrectInput(serializers.Serializer):
    changed_on = serializers.DateField(required=False)
    content = serializers.JSONField(required=False, help_text=CONTENT_HELP)
    correction_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    submit = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Disclose the correction at once (it needs a change and its reason)."
        ),
    )


@extend_schema_serializer(component_name="DisclosureVersion")
class _VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


def _output(row: ImmediateDisclosure, code: int = 200, *, drafts: bool = True) -> Response:
    fresh = ImmediateDisclosure.objects.select_related("enterprise").get(pk=row.pk)
    return Response(
        DisclosureWithVersionsOutput(fresh, context={"drafts": drafts}).data, status=code
    )


def _save(
    *,
    user: User,
    enterprise: Enterprise,
    item: str,
    data: dict[str, Any],
    draft: ImmediateDisclosure | None,
    expected_version: int | None,
) -> ImmediateDisclosure:
    """Save (and with "submit", disclose) in one transaction; a stale version is a 409."""
    try:
        with transaction.atomic():
            saved = disclosure_draft_save(
                actor=user,
                enterprise=enterprise,
                item=item,
                changed_on=data["changed_on"],
                content=data["content"],
                draft=draft,
                correction_reason=data.get("correction_reason", ""),
                expected_version=expected_version,
            )
            if data.get("submit"):
                saved = disclosure_submit(
                    actor=user, disclosure=saved, expected_version=saved.version
                )
    except ConflictError as exc:
        raise Conflict(" ".join(exc.messages)) from exc
    return saved


# --------------------------------------------------------------------------- enterprise


class MeDisclosureListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="me_disclosures_list",
        summary=gettext_lazy("List your company's immediate disclosures"),
        description=gettext_lazy(
            "For an enterprise user: every version of its company's disclosures, drafts "
            "included, the latest change first."
        ),
        parameters=[OpenApiParameter("item", str, enum=ImmediateDisclosure.Item.values)],
        responses=DisclosureOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user, enterprise = _member(request)
        qs = disclosures_for_user(user=user).filter(enterprise=enterprise)
        item = request.query_params.get("item", "")
        if item:
            if item not in ImmediateDisclosure.Item.values:
                raise exceptions.ValidationError(
                    {"item": [_("Unknown item of immediate information.")]}
                )
            qs = qs.filter(item=item)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            qs.order_by("-changed_on", "-revision", "-id"), request, view=self
        )
        return paginator.get_paginated_response(DisclosureOutput(page, many=True).data)

    @extend_schema(
        operation_id="me_disclosures_create",
        summary=gettext_lazy("Disclose a change (or save a draft)"),
        description=gettext_lazy(
            "For an enterprise user of a company (immediate disclosure is a company's duty, "
            "公司法 art. 40). Refused with 400, naming the field: a change in the future or "
            "before registration, a missing field of the item, a negative amount, a paid-in "
            "amount above the subscribed one, an identity number in a name. Due 20 working "
            "days after the change; disclosed later, it is accepted and marked late."
        ),
        request=_CreateInput,
        responses={201: DisclosureWithVersionsOutput},
    )
    def post(self, request: Request) -> Response:
        user, enterprise = _member(request)
        data = _validated(_CreateInput, request)
        saved = _save(
            user=user,
            enterprise=enterprise,
            item=data["item"],
            data=data,
            draft=None,
            expected_version=None,
        )
        return _output(saved, status.HTTP_201_CREATED)


def _own(request: Request, pk: int) -> tuple[User, Enterprise, ImmediateDisclosure]:
    user, enterprise = _member(request)
    row = disclosure_for_user(user=user, pk=pk)
    return user, enterprise, row


class MeDisclosureDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_disclosures_retrieve",
        summary=gettext_lazy("Read one of your company's disclosures, with its versions"),
        responses=DisclosureWithVersionsOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        _u, _e, row = _own(request, pk)
        return _output(row)

    @extend_schema(
        operation_id="me_disclosures_update",
        summary=gettext_lazy("Change a draft (and disclose it with submit)"),
        description=gettext_lazy(
            "Only a draft changes; a disclosed version is corrected instead (correct/)."
        ),
        request=_UpdateInput,
        responses={200: DisclosureWithVersionsOutput, 409: CONFLICT_409},
    )
    def put(self, request: Request, pk: int) -> Response:
        user, enterprise, row = _own(request, pk)
        data = _validated(_UpdateInput, request)
        saved = _save(
            user=user,
            enterprise=enterprise,
            item=row.item,
            data=data,
            draft=row,
            expected_version=data["version"],
        )
        return _output(saved)


class MeDisclosureSubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_disclosures_submit",
        summary=gettext_lazy("Disclose a draft"),
        description=gettext_lazy(
            "A correction needs a change and what was corrected and why; it keeps the version "
            "it replaces and is counted as a self-correction."
        ),
        request=_VersionInput,
        responses={200: DisclosureWithVersionsOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, _enterprise, row = _own(request, pk)
        data = _validated(_VersionInput, request)
        try:
            done = disclosure_submit(actor=user, disclosure=row, expected_version=data["version"])
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return _output(done)


class MeDisclosureCorrectApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_disclosures_correct",
        summary=gettext_lazy("Correct a disclosure"),
        description=gettext_lazy(
            "Starts a correction of the version in force (a draft of the next version, holding "
            "its content), with the changes sent; with submit, discloses it at once. "
            "Immediate information can be corrected at any time; both versions stay shown."
        ),
        request=_CorrectInput,
        responses={201: DisclosureWithVersionsOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, enterprise, row = _own(request, pk)
        data = _validated(_CorrectInput, request)
        with transaction.atomic():
            draft = disclosure_correction_start(
                actor=user,
                disclosure=row,
                correction_reason=data.get("correction_reason", ""),
            )
            if "content" in data or "changed_on" in data or data.get("submit"):
                draft = _save(
                    user=user,
                    enterprise=enterprise,
                    item=draft.item,
                    data={
                        "changed_on": data.get("changed_on", draft.changed_on),
                        "content": data.get("content", draft.content),
                        "correction_reason": data.get("correction_reason", ""),
                        "submit": data.get("submit", False),
                    },
                    draft=draft,
                    expected_version=draft.version,
                )
        return _output(draft, status.HTTP_201_CREATED)


class MeDisclosureDiscardApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_disclosures_discard",
        summary=gettext_lazy("Discard a draft"),
        request=_VersionInput,
        responses={204: None, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user, _enterprise, row = _own(request, pk)
        data = _validated(_VersionInput, request)
        try:
            disclosure_draft_discard(actor=user, disclosure=row, expected_version=data["version"])
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- staff


def _staff_reader(request: Request, codename: str) -> User:
    user = _user(request)
    if not user.has_perm(codename):
        raise exceptions.PermissionDenied()
    return user


def _flag(value: str) -> bool:
    return value.lower() in {"1", "true", "yes", "on"}


class DisclosureListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="disclosures_list",
        summary=gettext_lazy("List disclosures in force"),
        description=gettext_lazy(
            "For staff holding view_immediatedisclosure: the versions in force of the "
            "companies of their jurisdiction, latest disclosed first."
        ),
        parameters=[
            OpenApiParameter("item", str, enum=ImmediateDisclosure.Item.values),
            OpenApiParameter("late", bool, description=gettext_lazy("Disclosed late only.")),
            OpenApiParameter("corrected", bool, description=gettext_lazy("Corrected only.")),
            OpenApiParameter("year", int, description=gettext_lazy("The year disclosed.")),
            OpenApiParameter("q", str, description=gettext_lazy("Credit code or part of a name.")),
        ],
        responses=DisclosureOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _staff_reader(request, DisclosurePerm.VIEW_DISCLOSURE)
        params = request.query_params
        item = params.get("item", "")
        errors: dict[str, list[str]] = {}
        if item and item not in ImmediateDisclosure.Item.values:
            errors["item"] = [_("Unknown item of immediate information.")]
        year = None
        if params.get("year"):
            try:
                year = int(params["year"])
            except ValueError:
                errors["year"] = [_("A year is a number.")]
            else:
                if not 1 <= year <= 9999:
                    errors["year"] = [_("Give a year between 1 and 9999.")]
        if errors:
            raise exceptions.ValidationError(errors)
        qs = disclosure_staff_list(
            user=user,
            item=item,
            late=_flag(params.get("late", "")),
            corrected=_flag(params.get("corrected", "")),
            year=year,
            search=params.get("q", "")[:100],
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DisclosureOutput(page, many=True).data)


class DisclosureDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="disclosures_retrieve",
        summary=gettext_lazy("Read a disclosure with every version"),
        responses=DisclosureWithVersionsOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _staff_reader(request, DisclosurePerm.VIEW_DISCLOSURE)
        return _output(disclosure_for_user(user=user, pk=pk), drafts=False)


# --------------------------------------------------------------------------- invitations


@extend_schema_serializer(component_name="CorrectionInvitation")
class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = EnterpriseRef()
    year = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=CorrectionInvitation.Reason.choices)
    findings = serializers.CharField()
    # DRF's metaclass moves declared fields out of the class: this does not hide Field.source.
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    department = serializers.CharField(source="department.name")
    invited_on = serializers.DateField()
    respond_by = serializers.DateField(help_text=gettext_lazy("The day to correct by."))
    status = serializers.ChoiceField(choices=CorrectionInvitation.Status.choices)
    version = serializers.IntegerField()


class _InvitationInput(serializers.Serializer):
    enterprise_uscc = serializers.CharField(max_length=18)
    year = serializers.IntegerField(min_value=1990, max_value=9999)
    reason = serializers.ChoiceField(choices=CorrectionInvitation.Reason.choices)
    findings = serializers.CharField(max_length=4000)
    source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
        max_length=100, required=False, allow_blank=True
    )


@extend_schema_serializer(component_name="InvitationCancel")
class _CancelInput(_VersionInput):
    reasons = serializers.CharField(max_length=2000)


def _invitation_output(invitation: CorrectionInvitation, code: int = 200) -> Response:
    fresh = CorrectionInvitation.objects.select_related("enterprise", "department").get(
        pk=invitation.pk
    )
    return Response(InvitationOutput(fresh).data, status=code)


def _invitation_reader(request: Request) -> User:
    user = _user(request)
    if not (
        user.has_perm(DisclosurePerm.VIEW_INVITATION)
        or getattr(user, "enterprise_membership", None) is not None
    ):
        raise exceptions.PermissionDenied()
    return user


class InvitationListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="correction_invitations_list",
        summary=gettext_lazy("List invitations to self-correct"),
        description=gettext_lazy(
            "Staff holding view_correctioninvitation: their jurisdiction's (the department "
            "that issued them), open ones first by the day to correct by; an enterprise user: "
            "its own."
        ),
        parameters=[
            OpenApiParameter("status", str, enum=CorrectionInvitation.Status.values),
            OpenApiParameter("year", int),
        ],
        responses=InvitationOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _invitation_reader(request)
        params = request.query_params
        state = params.get("status", "")
        errors: dict[str, list[str]] = {}
        if state and state not in CorrectionInvitation.Status.values:
            errors["status"] = [_("Unknown status.")]
        year = None
        if params.get("year"):
            try:
                year = int(params["year"])
            except ValueError:
                errors["year"] = [_("A year is a number.")]
            else:
                if not 1 <= year <= 9999:
                    errors["year"] = [_("Give a year between 1 and 9999.")]
        if errors:
            raise exceptions.ValidationError(errors)
        qs = invitation_list(user=user, status=state, year=year)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(InvitationOutput(page, many=True).data)

    @extend_schema(
        operation_id="correction_invitations_create",
        summary=gettext_lazy("Invite an enterprise to self-correct its annual report"),
        description=gettext_lazy(
            "Needs add_correctioninvitation, for an entity of the officer's jurisdiction. "
            "Refused with 400: a year whose free correction period (until 30 June of the next "
            "year) has not ended, a year without a filed report, an invitation already open "
            "for the enterprise and year, missing findings."
        ),
        request=_InvitationInput,
        responses={201: InvitationOutput},
    )
    def post(self, request: Request) -> Response:
        user = _user(request)
        if not user.has_perms([DisclosurePerm.VIEW_INVITATION, DisclosurePerm.ADD_INVITATION]):
            raise exceptions.PermissionDenied()
        data = _validated(_InvitationInput, request)
        enterprise = Enterprise.objects.filter(
            uscc=normalize(data["enterprise_uscc"]),
            department_id__in=departments_of_jurisdiction(user=user).values("pk"),
        ).first()
        if enterprise is None:
            raise exceptions.ValidationError(
                {
                    "enterprise_uscc": [
                        _("No market entity with this credit code is in your jurisdiction.")
                    ]
                }
            )
        invitation = invitation_create(
            actor=user,
            enterprise=enterprise,
            year=data["year"],
            reason=data["reason"],
            findings=data["findings"],
            source=data.get("source", ""),
        )
        return _invitation_output(invitation, status.HTTP_201_CREATED)


class InvitationDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="correction_invitations_retrieve",
        summary=gettext_lazy("Read an invitation to self-correct"),
        responses=InvitationOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _invitation_reader(request)
        return _invitation_output(invitation_for_user(user=user, pk=pk))


class InvitationCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="correction_invitations_cancel",
        summary=gettext_lazy("Cancel an open invitation"),
        description=gettext_lazy("Needs change_correctioninvitation; the reasons are required."),
        request=_CancelInput,
        responses={200: InvitationOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        invitation = invitation_for_user(user=user, pk=pk)
        if not user.has_perms([DisclosurePerm.VIEW_INVITATION, DisclosurePerm.CHANGE_INVITATION]):
            raise exceptions.PermissionDenied()
        data = _validated(_CancelInput, request)
        try:
            done = invitation_cancel(
                actor=user,
                invitation=invitation,
                reasons=data["reasons"],
                expected_version=data["version"],
            )
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return _invitation_output(done)


urlpatterns = [
    path("me/disclosures/", MeDisclosureListApi.as_view(), name="me-disclosure-list"),
    path("me/disclosures/<int:pk>/", MeDisclosureDetailApi.as_view(), name="me-disclosure-detail"),
    path(
        "me/disclosures/<int:pk>/submit/",
        MeDisclosureSubmitApi.as_view(),
        name="me-disclosure-submit",
    ),
    path(
        "me/disclosures/<int:pk>/correct/",
        MeDisclosureCorrectApi.as_view(),
        name="me-disclosure-correct",
    ),
    path(
        "me/disclosures/<int:pk>/discard/",
        MeDisclosureDiscardApi.as_view(),
        name="me-disclosure-discard",
    ),
    path("disclosures/", DisclosureListApi.as_view(), name="disclosure-list"),
    path("disclosures/<int:pk>/", DisclosureDetailApi.as_view(), name="disclosure-detail"),
    path(
        "correction-invitations/",
        InvitationListApi.as_view(),
        name="correction-invitation-list",
    ),
    path(
        "correction-invitations/<int:pk>/",
        InvitationDetailApi.as_view(),
        name="correction-invitation-detail",
    ),
    path(
        "correction-invitations/<int:pk>/cancel/",
        InvitationCancelApi.as_view(),
        name="correction-invitation-cancel",
    ),
]
