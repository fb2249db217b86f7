"""The credit station in the API, for mini-programs (issue 18 §3): `GET /api/v1/me/station/`,
the same object as the page (`station.selectors.station_for`).

For an enterprise user only (anyone else: 403). The class, the score, each fact's points and
what would change the class only where the bureau shows classes to enterprises (off by
default: docs/domain.md §1 "Visibility"); otherwise those fields are absent, not null.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from station.selectors import station_for

CLASS_ONLY_HELP = gettext_lazy(
    "Only where the bureau shows classes to enterprises (off by default); empty otherwise."
)


@extend_schema_serializer(component_name="StationRecord")
class _RecordOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="kind_label")
    occurred_on = serializers.DateField()
    document_number = serializers.CharField()
    authority = serializers.CharField()
    summary = serializers.CharField(
        source="enterprise_summary", help_text=gettext_lazy("In the reader's language.")
    )


@extend_schema_serializer(component_name="StationSooner")
class _SoonerOutput(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The self-service page that does it, if any.")
    )
    link = serializers.CharField(help_text=gettext_lazy("That page's name."))
    earliest_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The first day it can be done.")
    )
    due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The day it must be done by (a letter's reply).")
    )
    overdue_note = serializers.CharField(
        help_text=gettext_lazy(
            "Past the due day: “Overdue since <day> — reply now”, shown instead of both days; "
            "empty otherwise."
        )
    )


@extend_schema_serializer(component_name="StationWeighingFact")
class _FactOutput(serializers.Serializer):
    record = _RecordOutput()
    what = serializers.CharField(help_text=gettext_lazy("Why it weighs."))
    ends_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The day its effect ends by itself; null: only when it is closed."),
    )
    ends_how = serializers.CharField()
    public_until = serializers.DateField(allow_null=True)
    indicator_name = serializers.CharField(
        help_text=gettext_lazy("What it counts in for credit risk; empty: it does not.")
    )
    points = serializers.DecimalField(
        max_digits=7, decimal_places=1, required=False, help_text=CLASS_ONLY_HELP
    )
    sooner = _SoonerOutput(allow_null=True)
    no_sooner_note = serializers.CharField(
        help_text=gettext_lazy(
            "When nothing ends it sooner and it ends by itself: the day it stops counting, in a "
            "sentence; empty otherwise."
        )
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("show_class"):
            data.pop("points", None)
        return data


@extend_schema_serializer(component_name="StationStepDate")
class _StepDateOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    date = serializers.DateField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        label, day = instance
        return {"label": str(label), "date": day.isoformat()}


@extend_schema_serializer(component_name="StationStep")
class _StepOutput(serializers.Serializer):
    title = serializers.CharField()
    text = serializers.CharField()
    tone = serializers.CharField(help_text=gettext_lazy("info, warn, bad, ok or muted."))
    dates = _StepDateOutput(many=True)


@extend_schema_serializer(component_name="StationLetter")
class _LetterOutput(serializers.Serializer):
    record = _RecordOutput()
    reply_by = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()


@extend_schema_serializer(component_name="StationState")
class _StateOutput(serializers.Serializer):
    status = serializers.CharField(source="enterprise.status")
    status_display = serializers.CharField(source="enterprise.get_status_display")
    in_abnormal_directory = serializers.BooleanField(source="enterprise.is_abnormal")
    on_serious_list = serializers.BooleanField(source="enterprise.on_serious_list")
    penalties_in_publicity = serializers.SerializerMethodField()
    letters_awaiting_reply = serializers.SerializerMethodField()
    all_clear = serializers.BooleanField(
        help_text=gettext_lazy("Nothing weighs and no letter awaits a reply.")
    )

    def get_penalties_in_publicity(self, station: Any) -> int:
        return len(station.overview.penalties)

    def get_letters_awaiting_reply(self, station: Any) -> int:
        return len(station.letters_due)


@extend_schema_serializer(component_name="StationCreditAction")
class _ActionOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    tone = serializers.CharField(help_text=gettext_lazy("bad, warn, info or ok."))
    from_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_null=True)
    link = serializers.CharField()
    overdue_note = serializers.CharField(
        help_text=gettext_lazy("Past the deadline: what to do now, shown instead of both days.")
    )


@extend_schema_serializer(component_name="StationPolicyCondition")
class _ConditionOutput(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    met = serializers.BooleanField()
    why = serializers.CharField()


@extend_schema_serializer(component_name="StationPolicyMatch")
class _MatchOutput(serializers.Serializer):
    code = serializers.CharField(source="measure.code")
    title = serializers.CharField(source="measure.title")
    summary = serializers.CharField(source="measure.summary")
    benefit = serializers.CharField(source="measure.benefit")
    how_to_apply = serializers.CharField(source="measure.how_to_apply")
    department = serializers.CharField(source="measure.department.name", allow_null=True)
    document_number = serializers.CharField(source="measure.document_number")
    document_url = serializers.CharField(source="measure.document_url")
    valid_from = serializers.DateField(source="measure.valid_from")
    valid_until = serializers.DateField(source="measure.valid_until", allow_null=True)
    met = serializers.BooleanField(help_text=gettext_lazy("true: every condition is met."))
    almost = serializers.BooleanField(
        help_text=gettext_lazy(
            "Not met, but at most two conditions are missing, each one you can meet (a listing "
            "removed, a report filed, a letter answered, a penalty repaired, years to come)."
        )
    )
    conditions = _ConditionOutput(many=True)


@extend_schema_serializer(component_name="StationStandingLetter")
class _StandingLetterOutput(serializers.Serializer):
    code = serializers.CharField()
    as_of = serializers.DateField()
    issued_at = serializers.DateTimeField()
    expires_on = serializers.DateField(allow_null=True)
    revoked = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    def get_revoked(self, letter: Any) -> bool:
        return getattr(letter, "revoked_at", None) is not None

    def get_pdf_url(self, letter: Any) -> str:
        return str(letter.get_pdf_url())


@extend_schema_serializer(component_name="StationFinance")
class _FinanceOutput(serializers.Serializer):
    eligible = serializers.BooleanField(
        help_text=gettext_lazy("A letter of good standing can be issued today.")
    )
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("The faults in force that stop a letter; empty: eligible."),
    )
    issue_url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("POST here (the page's form) to issue a letter.")
    )
    letters = _StandingLetterOutput(many=True)
    notes = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("What to know beside the problems (such as the late report)."),
    )


@extend_schema_serializer(component_name="StationChange")
class _ChangeOutput(serializers.Serializer):
    record = _RecordOutput()
    class_after = serializers.CharField()
    ends_on = serializers.DateField(allow_null=True)
    how = serializers.CharField()


@extend_schema_serializer(component_name="CreditStation")
class StationOutput(serializers.Serializer):
    as_of = serializers.DateField(source="today")
    enterprise_name = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc")
    state = _StateOutput(source="*")
    steps = _StepOutput(
        many=True, help_text=gettext_lazy("What you can or must do next, with the dates.")
    )
    weighing = _FactOutput(
        many=True,
        help_text=gettext_lazy(
            "Every fact that weighs on you, when its effect ends and what would end it sooner."
        ),
    )
    letters_due = _LetterOutput(many=True)
    credit_actions = _ActionOutput(
        source="actions",
        many=True,
        help_text=gettext_lazy("Credit boost: what to do to stay or become low-risk."),
    )
    policies = _MatchOutput(
        many=True,
        help_text=gettext_lazy(
            "Policy boost: the measures in force, those you qualify for first, each condition "
            "matched against your data."
        ),
    )
    finance = _FinanceOutput(help_text=gettext_lazy("Finance boost: the letter of good standing."))
    risk_class = serializers.SerializerMethodField(help_text=CLASS_ONLY_HELP)
    what_would_change = _ChangeOutput(source="changes", many=True, help_text=CLASS_ONLY_HELP)

    def get_risk_class(self, station: Any) -> str | None:
        return station.current.risk_class if station.current is not None else None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("show_class"):
            # Classes are internal unless the bureau shows them (docs/domain.md §1): the keys
            # stay (the schema has them), empty.
            data["risk_class"] = None
            data["what_would_change"] = []
        return data


class StationApi(APIView):
    @extend_schema(
        operation_id="me_station_retrieve",
        summary=gettext_lazy("Your enterprise's credit station"),
        description=gettext_lazy(
            "For an enterprise user (anyone else: 403). Your current state, every fact that "
            "weighs on you with the day its effect ends and what would end it sooner, and the "
            "boosts: credit (what to do), policy (measures you qualify for) and finance (the "
            "letter of good standing). The class only where the bureau shows it."
        ),
        responses=StationOutput,
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if getattr(user, "enterprise_membership", None) is None:
            raise exceptions.PermissionDenied(_("This is for registered enterprise users."))
        station = station_for(user=user, today=timezone.localdate())
        return Response(StationOutput(station, context={"show_class": station.show_class}).data)
