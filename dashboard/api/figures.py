"""`GET /api/v1/dashboard/?year=&street=` (`dashboard:api`): every figure of the dashboard for a
year and street, as the page shows it (issue 18 §1): code, section, label, value, unit, the
list behind it, and for a breakdown or a from × to table its parts.

Read from the tallies through `dashboard.selectors.dashboard_for`, the one object the page and
the yearly report read, so the numbers are the same. Needs `dashboard.view_dashboard`; bureau
staff read the district, a partner department's staff their department's share. A year that is
not a whole number from 2000 to next year is a 400 naming the field (the core's error format); a
year with no figures answers zeros (`computed_at` null).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.models import User
from credit_portal.permissions import require_perms
from dashboard.forms import FIRST_YEAR, last_year
from dashboard.measures import SECTION_LABELS
from dashboard.selectors import Dashboard, dashboard_for

VIEW_DASHBOARD = "dashboard.view_dashboard"


class QueryInput(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=FIRST_YEAR)
    street = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate_year(self, value: int) -> int:
        if value > last_year():
            raise serializers.ValidationError(
                gettext_lazy("Choose a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": last_year()}
            )
        return value


@extend_schema_serializer(component_name="DashboardPart")
class PartOutput(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy('A breakdown\'s key, or "FROM>TO".'))
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.IntegerField()


@extend_schema_serializer(component_name="DashboardFigure")
class FigureOutput(serializers.Serializer):
    code = serializers.CharField()
    section = serializers.IntegerField(help_text=gettext_lazy("The seed's section: 1, 2 or 3."))
    kind = serializers.ChoiceField(
        choices=[
            ("figure", gettext_lazy("a single figure")),
            ("breakdown", gettext_lazy("a figure broken down by key")),
            ("matrix", gettext_lazy("a from-to table")),
        ]
    )
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.IntegerField(help_text=gettext_lazy("The total, in `unit`."))
    unit = serializers.CharField(help_text=gettext_lazy("The seed's unit: 户, 件, 份, 户次, …"))
    unit_label = serializers.CharField()
    url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The staff list behind the figure.")
    )
    seed = serializers.BooleanField(help_text=gettext_lazy("A figure the seed reports."))
    by_street = serializers.BooleanField(
        help_text=gettext_lazy("False: counted for all streets whatever `street` asks.")
    )
    parts = PartOutput(many=True)


@extend_schema_serializer(component_name="DashboardSection")
class SectionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()


@extend_schema_serializer(component_name="Dashboard")
class DashboardOutput(serializers.Serializer):
    year = serializers.IntegerField()
    street = serializers.CharField(help_text=gettext_lazy('"" = every street.'))
    streets = serializers.ListField(child=serializers.CharField())
    district = serializers.BooleanField(
        help_text=gettext_lazy("True: the whole district; false: your department's share.")
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("When the figures were counted; null: never.")
    )
    sections = SectionOutput(many=True)
    figures = FigureOutput(many=True)


def dashboard_data(d: Dashboard) -> dict[str, Any]:
    """The API's body of a `Dashboard` (every measure, in display order)."""
    figures = []
    for code, m in d.measures.items():
        f = d.figure(code)
        if m.kind == "matrix":
            parts = [
                {"key": f"{a}>{b}", "label": f"{a} → {b}", "value": n}
                for (a, b), n in d.matrix(code).items()
            ]
        elif m.kind == "breakdown":
            labels = d.labels(code)
            parts = [
                {"key": k, "label": str(labels.get(k, k)), "value": n}
                for k, n in d.breakdown(code).items()
            ]
        else:
            parts = []
        figures.append(
            {
                "code": code,
                "section": m.section,
                "kind": m.kind,
                "label": str(f.label),
                "value": f.value,
                "unit": f.unit,
                "unit_label": str(f.unit_label),
                "url": f.url,
                "seed": f.seed,
                "by_street": m.by_street,
                "parts": parts,
            }
        )
    return {
        "year": d.year,
        "street": d.street,
        "streets": d.streets,
        "district": d.is_district,
        "computed_at": d.computed_at,
        "sections": [{"number": n, "title": str(t)} for n, t in SECTION_LABELS.items()],
        "figures": figures,
    }


class DashboardApi(APIView):
    permission_classes = [require_perms(VIEW_DASHBOARD)]

    @extend_schema(
        operation_id="dashboard_read",
        summary=gettext_lazy("The dashboard's figures for a year"),
        description=gettext_lazy(
            "Needs dashboard.view_dashboard. Every figure of the dashboard for the year "
            "(default this year) and street (default every street), in the seed's units, with "
            "the list behind it: the district's for bureau staff, your department's share for "
            "a partner department. A year with no figures answers zeros; a year that is not a "
            "whole number from 2000 to next year is a 400."
        ),
        parameters=[
            QueryInput,
        ],
        responses=DashboardOutput,
    )
    def get(self, request: Request) -> Response:
        query = QueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - the permission class ran first
        year = query.validated_data.get("year") or timezone.localdate().year
        street = (query.validated_data.get("street") or "").strip()
        d = dashboard_for(user=user, year=year, street=street)
        return Response(DashboardOutput(dashboard_data(d)).data)
