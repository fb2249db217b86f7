"""The penalty decisions API (`/api/v1/penalties/...`), one view per operation.

- Visibility comes from `penalties_for_user`: bureau staff holding `view_penaltydecision` see
  every decision; a partner department's staff the decisions of their own department only
  (another department's case is a 404, for reading and for every write); an enterprise user
  its own enterprise's recorded and withdrawn decisions (another one, or a draft, is a 404);
  anyone else nothing (403 on the list).
- `publication` says where a decision's publication stands, its ledger record's closing
  included: a repaired, expired or withdrawn penalty is never "public"; `publicity_ended_on`
  and `publicity_ended_by` say when and by what its publicity ended.
- Writes, with the same codenames as the pages: a draft needs `add_penaltydecision` (create)
  or `change_penaltydecision` (PATCH, with the `version` read: a stale one is a 409); recording
  and withdrawing `record_penaltydecision`; publication and push `publish_penaltydecision`.
  Enterprise users cannot write here.
- The service's refusals are a 400 with the messages by field (`errors`), in the reader's
  language.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
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
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from remediation import rules
from remediation.api.common import (
    StaffOrMemberCanRead,
    VersionConflict,
    VersionedStepApi,
    request_user,
    require_perms,
    visible_or_404,
)
from remediation.forms.penalties import PenaltyFilterForm, initial_of, measures_initial
from remediation.models import PenaltyDecision, PenaltyMeasure
from remediation.permissions import RemediationPerm
from remediation.selectors.penalties import (
    penalties_for_user,
    penalties_overdue_first,
    penalty_list_filter,
    publication_state,
    violation_type_name,
)
from remediation.services.penalties import (
    RANGE_FIELDS,
    catalogue_range,
    decision_range,
    penalty_draft_save,
    penalty_publish_record,
    penalty_push_record,
    penalty_record,
    penalty_withdraw,
)


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else changed this decision first.")


CONFLICT_RESPONSE = error_response(
    gettext_lazy(
        'The version sent is stale: someone else changed the decision first (code "conflict"). '
        "Nothing was written; read it again and resend with the new version."
    )
)


class CanReadPenalties(StaffOrMemberCanRead):
    """Staff with `view_penaltydecision`, or an enterprise user (their own enterprise's)."""

    codename = RemediationPerm.VIEW_PENALTY
    message = gettext_lazy("You do not have permission to read penalty decisions.")


def _visible(request: Request, pk: int) -> PenaltyDecision:
    return visible_or_404(penalties_for_user(user=request_user(request)), pk)


def _conflict(exc: ConflictError) -> Conflict:
    return Conflict(
        _(
            "Someone else changed this decision first (version %(v)d). Read it again and send "
            "your change with the new version."
        )
        % {"v": exc.current_version}
    )


# --------------------------------------------------------------------------- output


class _CodeName(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _ViolationType(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text=gettext_lazy("The catalogue's (Chinese) name."))
    name_en = serializers.CharField(help_text=gettext_lazy("The English name; may be empty."))
    display_name = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The name in the language of the request: the English name when English is asked "
            "for and the catalogue has one, else the Chinese name."
        )
    )

    def get_display_name(self, vtype: Any) -> str:
        return violation_type_name(vtype)


@extend_schema_serializer(component_name="PenaltyMeasure")
class MeasureOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PenaltyMeasure.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    months = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()


class _Range(serializers.Serializer):
    minimum = serializers.DecimalField(max_digits=16, decimal_places=2)
    maximum = serializers.DecimalField(max_digits=16, decimal_places=2)
    band_max = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text=gettext_lazy("The top of the 从轻 band: the lowest 30 per cent of the range."),
    )


# The choices the schema lists, each with its words (the docs speak the reader's language).
RANGE_KINDS = [
    ("none", gettext_lazy("No range")),
    ("amount", gettext_lazy("An amount")),
    ("multiple", gettext_lazy("A multiple of a base")),
]
BASE_KINDS = [
    ("goods_value", gettext_lazy("Value of goods (货值金额)")),
    ("illegal_gains", gettext_lazy("Illegal gains (违法所得)")),
]
PUBLICATION_CODES = [
    ("draft", gettext_lazy("Not recorded yet (overdue once its publication due has passed)")),
    ("withdrawn", gettext_lazy("Withdrawn")),
    ("not_published", gettext_lazy("Not published")),
    ("public", gettext_lazy("Public")),
    ("ended", gettext_lazy("Publicity ended: its term ran out")),
    ("repaired", gettext_lazy("Publicity ended early by credit repair")),
    ("corrected", gettext_lazy("Publicity ended by a correction of the record")),
    ("push_due", gettext_lazy("To push to the home province")),
    ("publish_due", gettext_lazy("To publish")),
]
PUBLICITY_ENDED_BY = [
    ("repair", gettext_lazy("Credit repair")),
    ("publicity_expired", gettext_lazy("Publicity term ended")),
    ("penalty_withdrawal", gettext_lazy("Penalty decision withdrawn")),
    ("correction", gettext_lazy("Correction of a record")),
]


class _Publication(serializers.Serializer):
    code = serializers.ChoiceField(choices=PUBLICATION_CODES)
    text = serializers.CharField()
    overdue = serializers.BooleanField()


@extend_schema_serializer(component_name="PenaltyDecision")
class PenaltyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    decided_on = serializers.DateField()
    department = _CodeName()
    party_kind = serializers.ChoiceField(choices=PenaltyDecision.PartyKind.choices)
    party_name = serializers.CharField()
    enterprise_uscc = serializers.SerializerMethodField()
    party_code = serializers.CharField()
    party_id_masked = serializers.CharField(
        help_text=gettext_lazy("A natural person's identity number, masked; never kept in full.")
    )
    party_other_province = serializers.BooleanField()
    violation_type = _ViolationType()
    violation_on = serializers.DateField()
    violation_ended_on = serializers.DateField(allow_null=True)
    discovered_on = serializers.DateField()
    facts = serializers.CharField()
    legal_basis = serializers.CharField()
    procedure = serializers.ChoiceField(choices=PenaltyDecision.Procedure.choices)
    safety_harm = serializers.BooleanField()
    leniency = serializers.ChoiceField(choices=PenaltyDecision.Leniency.choices)
    leniency_display = serializers.CharField(source="get_leniency_display")
    leniency_grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=PenaltyDecision.LeniencyGround.choices)
    )
    leniency_facts = serializers.CharField()
    leniency_item = serializers.IntegerField(source="leniency_item_id", allow_null=True)
    corrected_on = serializers.DateField(allow_null=True)
    range_kind = serializers.CharField()
    range_min = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    range_max = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    base_kind = serializers.CharField()
    base_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    fine_range = serializers.SerializerMethodField()
    fines_total = serializers.SerializerMethodField()
    measures = MeasureOutput(many=True, source="measures.all")
    public_summary = serializers.CharField()
    status = serializers.ChoiceField(choices=PenaltyDecision.Status.choices)
    recorded_on = serializers.DateField(allow_null=True)
    publication = serializers.SerializerMethodField()
    publication_due = serializers.DateField(allow_null=True)
    publication_due_provisional = serializers.BooleanField(
        help_text=gettext_lazy(
            "true when the due date was counted across a year whose holiday schedule is not known."
        )
    )
    published_on = serializers.DateField(allow_null=True)
    publicity_end = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The last public day, inclusive.")
    )
    publicity_term = serializers.CharField(
        help_text=gettext_lazy('The term in months ("3m", "36m"); empty when not published.')
    )
    publicity_ended_on = serializers.SerializerMethodField()
    publicity_ended_by = serializers.SerializerMethodField()
    pushed_on = serializers.DateField(allow_null=True)
    withdrawal = serializers.CharField()
    withdrawal_reason = serializers.CharField()
    withdrawal_due = serializers.DateField(allow_null=True)
    withdrawn_on = serializers.DateField(allow_null=True)
    credit_record = serializers.IntegerField(source="credit_record_id", allow_null=True)
    checks = serializers.JSONField(
        required=False, help_text=gettext_lazy("What the checks found. Staff readers only.")
    )
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with every change (optimistic locking).")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.context.get("staff_reader"):
            self.fields.pop("checks")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_enterprise_uscc(self, decision: PenaltyDecision) -> str | None:
        return decision.enterprise.uscc if decision.enterprise is not None else None

    @extend_schema_field(_Range(allow_null=True))
    def get_fine_range(self, decision: PenaltyDecision) -> dict[str, Any] | None:
        view = decision_range(decision)
        if view is None:
            return None
        return dict(_Range(view).data)

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_fines_total(self, decision: PenaltyDecision) -> str:
        return str(rules.fines_total(decision.measures.all()))

    def _state(self, decision: PenaltyDecision) -> dict[str, Any]:
        """`publication_state` once per decision and response."""
        cache = self.context.setdefault("_publication", {})
        if decision.pk not in cache:
            cache[decision.pk] = publication_state(decision, timezone.localdate())
        return cache[decision.pk]

    @extend_schema_field(_Publication)
    def get_publication(self, decision: PenaltyDecision) -> dict[str, Any]:
        state = self._state(decision)
        return {"code": state["code"], "text": str(state["text"]), "overdue": state["overdue"]}

    @extend_schema_field(
        serializers.DateField(
            allow_null=True,
            help_text=gettext_lazy(
                "The first day the penalty was no longer public: the date of the credit repair, "
                "of the end of its term or of its withdrawal; null while it is public or was "
                "never published."
            ),
        )
    )
    def get_publicity_ended_on(self, decision: PenaltyDecision) -> Any:
        ended_on = self._state(decision)["ended_on"]
        return ended_on.isoformat() if ended_on is not None else None

    @extend_schema_field(
        serializers.ChoiceField(
            choices=PUBLICITY_ENDED_BY,
            allow_null=True,
            help_text=gettext_lazy(
                "What ended its publicity: repair (early, by credit repair), publicity_expired "
                "(its term ran out), penalty_withdrawal (the decision was withdrawn), correction "
                "(the record was corrected); null while it is public or was never published."
            ),
        )
    )
    def get_publicity_ended_by(self, decision: PenaltyDecision) -> str | None:
        return self._state(decision)["ended_by"]


def _output(request: Request, decision: PenaltyDecision) -> dict[str, Any]:
    staff = request.user.has_perm(RemediationPerm.VIEW_PENALTY)
    return dict(PenaltyOutput(decision, context={"staff_reader": staff}).data)


# --------------------------------------------------------------------------- input


@extend_schema_serializer(component_name="PenaltyMeasureInput")
class MeasureInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PenaltyMeasure.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    months = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


@extend_schema_serializer(component_name="PenaltyDraft")
class DraftInput(serializers.Serializer):
    """The shape of a draft; the rules are the service's."""

    number = serializers.CharField(max_length=64)
    decided_on = serializers.DateField()
    department = serializers.CharField(
        max_length=32, help_text=gettext_lazy("Code of the deciding department, e.g. amr.")
    )
    procedure = serializers.ChoiceField(
        choices=PenaltyDecision.Procedure.choices, default=PenaltyDecision.Procedure.ORDINARY
    )
    party_kind = serializers.ChoiceField(choices=PenaltyDecision.PartyKind.choices)
    enterprise_uscc = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("For a market entity of the register: its credit code."),
    )
    party_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    party_code = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("For an organisation registered elsewhere: its credit code."),
    )
    party_id = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=gettext_lazy(
            "For a natural person: the resident identity number, validated, then kept only "
            "masked and as a digest."
        ),
    )
    party_other_province = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "For a natural person living in another province (an organisation's province is "
            "read from its credit code)."
        ),
    )
    violation_type = serializers.CharField(
        max_length=40, help_text=gettext_lazy("Code of the violation type in the catalogue.")
    )
    violation_on = serializers.DateField()
    violation_ended_on = serializers.DateField(required=False, allow_null=True)
    discovered_on = serializers.DateField()
    facts = serializers.CharField(required=False, allow_blank=True)
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    safety_harm = serializers.BooleanField(default=False)
    leniency = serializers.ChoiceField(
        choices=PenaltyDecision.Leniency.choices, default=PenaltyDecision.Leniency.STANDARD
    )
    leniency_grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=PenaltyDecision.LeniencyGround.choices),
        required=False,
    )
    leniency_facts = serializers.CharField(required=False, allow_blank=True)
    leniency_item = serializers.IntegerField(required=False, allow_null=True)
    corrected_on = serializers.DateField(required=False, allow_null=True)
    range_kind = serializers.ChoiceField(
        choices=RANGE_KINDS,
        required=False,
        help_text=gettext_lazy(
            "Left out: the violation type's range from the catalogue. A range that differs "
            "from the catalogue's is refused; only a type without one takes a range entered "
            "here (the legal basis cites it)."
        ),
    )
    range_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    range_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    base_kind = serializers.ChoiceField(choices=BASE_KINDS, required=False, allow_blank=True)
    base_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    public_summary = serializers.CharField(required=False, allow_blank=True)
    measures = MeasureInput(many=True, required=False)


@extend_schema_serializer(component_name="PenaltyDraftChange")
class DraftPatchInput(DraftInput):
    version = serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("The version you read: a stale one gives 409.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False
                field.default = serializers.empty


@extend_schema_serializer(component_name="PenaltyVersion")
class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("The version you read: a stale one gives 409.")
    )


@extend_schema_serializer(component_name="PenaltyWithdrawal")
class WithdrawInput(VersionInput):
    withdrawal = serializers.ChoiceField(choices=PenaltyDecision.Withdrawal.choices)
    reason = serializers.CharField(max_length=2000)
    changed_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The day the decision was changed, revoked or found void (today if left out); "
            "the withdrawal is due 3 working days after it."
        ),
    )


@extend_schema_serializer(component_name="PenaltyPublication")
class PublishInput(VersionInput):
    published_on = serializers.DateField()


@extend_schema_serializer(component_name="PenaltyPush")
class PushInput(VersionInput):
    pushed_on = serializers.DateField()


def _measures(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    rows = data.pop("measures", None)
    return None if rows is None else [dict(r) for r in rows]


# --------------------------------------------------------------------------- views

_FILTERS = {
    "status": (
        gettext_lazy("Status: draft, recorded or withdrawn (another value is a 400)."),
        list(PenaltyDecision.Status.values),
    ),
    "leniency": (
        gettext_lazy("Leniency (another value is a 400)."),
        list(PenaltyDecision.Leniency.values),
    ),
    "violation_type": (gettext_lazy("Code of a violation type (an unknown one is a 400)."), None),
    "department": (
        gettext_lazy("Code of the deciding department (an unknown one is a 400)."),
        None,
    ),
    "year": (gettext_lazy("Year of the decision, 2000 to 2100."), None),
    "publication": (
        gettext_lazy(
            "due: publication still to do; overdue: its due date has passed; expired: the "
            "publicity term ended by itself; deadline: with a publication deadline."
        ),
        ["due", "overdue", "expired", "deadline"],
    ),
    "expired_year": (gettext_lazy("Year the publicity term ended by itself."), None),
    "division": (gettext_lazy("The party's street or town."), None),
    "q": (
        gettext_lazy("Decision number or party name (part of it), or a credit code."),
        None,
    ),
}


class PenaltyListApi(APIView):
    """List penalty decisions, and create a draft."""

    permission_classes = [IsAuthenticated, CanReadPenalties]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="penalties_list",
        summary=gettext_lazy("List penalty decisions"),
        description=gettext_lazy(
            "Staff with view_penaltydecision see the decisions of their jurisdiction (the "
            "bureau: all; a partner department: its own department's only); an "
            "enterprise user sees its own enterprise's recorded and withdrawn decisions. Those "
            "whose publication is overdue come first, then the newest. A filter value that is "
            "not one of its choices is a 400 (code invalid, errors by parameter)."
        ),
        parameters=[
            OpenApiParameter(
                name=name,
                type=OpenApiTypes.INT if name.endswith("year") else OpenApiTypes.STR,
                enum=enum,
                description=text,
            )
            for name, (text, enum) in _FILTERS.items()
        ],
        responses={
            200: PenaltyOutput(many=True),
            400: error_response(gettext_lazy("A filter is not valid.")),
        },
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        form = PenaltyFilterForm(
            request.query_params, departments=departments_of_jurisdiction(user=user)
        )
        if not form.is_valid():
            raise exceptions.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [str(m) for m in errors]
                    for field, errors in form.errors.items()
                }
            )
        today = timezone.localdate()
        queryset = penalty_list_filter(
            queryset=penalties_for_user(user=user).prefetch_related("measures"),
            data=form.cleaned_data,
            today=today,
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            penalties_overdue_first(queryset, today), request, view=self
        )
        staff = user.has_perm(RemediationPerm.VIEW_PENALTY)
        data = PenaltyOutput(page, many=True, context={"staff_reader": staff}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="penalties_create",
        summary=gettext_lazy("Create a draft decision"),
        description=gettext_lazy(
            "Needs add_penaltydecision. A 400 names each problem by field: a number already "
            "used, a department outside your jurisdiction, a market entity you cannot see, an "
            "invalid credit code or identity number, an unknown violation type, a discovery "
            "before the violation, an end before the start, a date in the future, a public "
            "summary holding personal data, a penalty without its kind."
        ),
        request=DraftInput,
        responses={201: PenaltyOutput},
    )
    def post(self, request: Request) -> Response:
        require_perms(request, RemediationPerm.VIEW_PENALTY, RemediationPerm.ADD_PENALTY)
        serializer = DraftInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        measures = _measures(data) or []
        decision = penalty_draft_save(actor=request_user(request), data=data, measures=measures)
        return Response(
            _output(request, _visible(request, decision.pk)), status=status.HTTP_201_CREATED
        )


class PenaltyDetailApi(APIView):
    """One decision: read it, or change its draft."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="penalties_retrieve",
        summary=gettext_lazy("Read a penalty decision"),
        responses=PenaltyOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_output(request, _visible(request, pk)))

    @extend_schema(
        operation_id="penalties_partial_update",
        summary=gettext_lazy("Change a draft decision"),
        description=gettext_lazy(
            "Needs change_penaltydecision; only a draft changes. Send `version` as read (a "
            "stale one is a 409). Fields left out keep their value; `measures`, when sent, "
            "replace the draft's penalties."
        ),
        request=DraftPatchInput,
        responses={200: PenaltyOutput, 409: CONFLICT_RESPONSE},
    )
    def patch(self, request: Request, pk: int) -> Response:
        decision = _visible(request, pk)
        require_perms(request, RemediationPerm.VIEW_PENALTY, RemediationPerm.CHANGE_PENALTY)
        serializer = DraftPatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        version = given.pop("version")
        measures = _measures(given)
        data = {**initial_of(decision), **given}
        data.pop("version", None)
        # The range the draft carries is kept only when the officer entered it (a violation
        # type without one in the catalogue) and the type stays; otherwise the catalogue's
        # applies, so that a change of type takes the new type's range.
        type_changed = "violation_type" in given and given["violation_type"] != (
            decision.violation_type.code
        )
        if not any(name in given for name in RANGE_FIELDS) and (
            type_changed or catalogue_range(decision.violation_type) is not None
        ):
            for name in RANGE_FIELDS:
                data.pop(name, None)
        try:
            penalty_draft_save(
                actor=request_user(request),
                decision=decision,
                data=data,
                measures=measures if measures is not None else measures_initial(decision),
                expected_version=version,
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return Response(_output(request, _visible(request, pk)))


class _StepApi(VersionedStepApi):
    """A step on one decision: visible (404), `view_penaltydecision` and `needs` (403); the
    answer is the decision as it now reads."""

    permission_classes = [IsAuthenticated]

    def target(self, request: Request, pk: int) -> PenaltyDecision:
        return _visible(request, pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return _conflict(exc)

    def answer(self, request: Request, pk: int, done: Any) -> Response:
        return Response(_output(request, _visible(request, pk)))


class PenaltyRecordApi(_StepApi):
    needs = (RemediationPerm.VIEW_PENALTY, RemediationPerm.RECORD_PENALTY)
    input_class = VersionInput

    @extend_schema(
        operation_id="penalties_record",
        summary=gettext_lazy("Record a draft decision"),
        description=gettext_lazy(
            "Needs record_penaltydecision. Every rule is checked and each broken one is a 400 "
            "naming it: a decision date in the future, a limitation period passed, a first "
            "violation that is not one (the earlier decision named), a missing or unfitting "
            "list item, ground or facts, a fine outside the range or the 从轻 band, a 减轻 fine "
            "not below the minimum, penalties missing or imposed on a decision not to penalise. "
            "Recording writes the ledger fact of a market entity of the register and, for a "
            "decision not to penalise, its education action."
        ),
        request=VersionInput,
        responses={200: PenaltyOutput, 409: CONFLICT_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, decision: PenaltyDecision, data: dict[str, Any]) -> Any:
        return penalty_record(actor=user, decision=decision, expected_version=data["version"])


class PenaltyWithdrawApi(_StepApi):
    needs = (RemediationPerm.VIEW_PENALTY, RemediationPerm.RECORD_PENALTY)
    input_class = WithdrawInput

    @extend_schema(
        operation_id="penalties_withdraw",
        summary=gettext_lazy("Withdraw a recorded decision"),
        description=gettext_lazy(
            "Needs record_penaltydecision. For a decision changed, revoked or found void "
            "(Order 45 art. 11): its ledger record is closed and leaves the public pages."
        ),
        request=WithdrawInput,
        responses={200: PenaltyOutput, 409: CONFLICT_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, decision: PenaltyDecision, data: dict[str, Any]) -> Any:
        return penalty_withdraw(
            actor=user,
            decision=decision,
            withdrawal=data["withdrawal"],
            reason=data["reason"],
            changed_on=data.get("changed_on"),
            expected_version=data["version"],
        )


class PenaltyPublishApi(_StepApi):
    needs = (RemediationPerm.VIEW_PENALTY, RemediationPerm.PUBLISH_PENALTY)
    input_class = PublishInput

    @extend_schema(
        operation_id="penalties_publish",
        summary=gettext_lazy("Record the publication of a decision about an outside party"),
        description=gettext_lazy(
            "Needs publish_penaltydecision. Its publicity term runs from this date."
        ),
        request=PublishInput,
        responses={200: PenaltyOutput, 409: CONFLICT_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, decision: PenaltyDecision, data: dict[str, Any]) -> Any:
        return penalty_publish_record(
            actor=user,
            decision=decision,
            published_on=data["published_on"],
            expected_version=data["version"],
        )


class PenaltyPushApi(_StepApi):
    needs = (RemediationPerm.VIEW_PENALTY, RemediationPerm.PUBLISH_PENALTY)
    input_class = PushInput

    @extend_schema(
        operation_id="penalties_push",
        summary=gettext_lazy("Record the push of a decision to the party's home province"),
        description=gettext_lazy(
            "Needs publish_penaltydecision; for a party of another province (Order 45 art. 10)."
        ),
        request=PushInput,
        responses={200: PenaltyOutput, 409: CONFLICT_RESPONSE},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, decision: PenaltyDecision, data: dict[str, Any]) -> Any:
        return penalty_push_record(
            actor=user,
            decision=decision,
            pushed_on=data["pushed_on"],
            expected_version=data["version"],
        )


urlpatterns = [
    path("penalties/", PenaltyListApi.as_view(), name="penalty-list"),
    path("penalties/<int:pk>/", PenaltyDetailApi.as_view(), name="penalty-detail"),
    path("penalties/<int:pk>/record/", PenaltyRecordApi.as_view(), name="penalty-record"),
    path("penalties/<int:pk>/withdraw/", PenaltyWithdrawApi.as_view(), name="penalty-withdraw"),
    path("penalties/<int:pk>/publish/", PenaltyPublishApi.as_view(), name="penalty-publish"),
    path("penalties/<int:pk>/push/", PenaltyPushApi.as_view(), name="penalty-push"),
]
