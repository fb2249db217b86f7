"""The API of orders to disclose (`/api/v1/disclosure-orders/...`; docs/domain.md §3 reason 2).

- Visibility as on the pages (`orders_for_user`): staff holding `view_disclosureorder` see the
  orders of their jurisdiction (the department that issued them; the bureau every one); an
  enterprise user sees its own company's; anything else is a 404 (a list: 403).
- Staff holding `add_disclosureorder` issue an order; `change_disclosureorder` withdraws an open
  one with reasons, sending the `version` they read (a stale one is a 409).
- The rules and their messages are the service's (`remediation.services.orders`).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import Enterprise
from enterprises.uscc import normalize
from remediation.api.common import VersionConflict, is_enterprise_member, request_user
from remediation.models import DisclosureOrder
from remediation.services.orders import (
    ITEMS,
    OrderPerm,
    order_create,
    order_for_user,
    order_items_disclosed,
    order_queue,
    order_withdraw,
)


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this order first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else acted on the order first (code "conflict"). '
        "Nothing was written; read it again."
    )
)


@extend_schema_serializer(component_name="OrderEnterprise")
class EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="DisclosureOrder")
class OrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = EnterpriseRef()
    department = serializers.CharField(source="department.name")
    items = serializers.ListField(child=serializers.ChoiceField(choices=ITEMS))
    document_number = serializers.CharField(allow_blank=True)
    ordered_on = serializers.DateField()
    due_on = serializers.DateField(
        help_text=gettext_lazy(
            "10 calendar days after the order (the day of the order not counted)."
        )
    )
    status = serializers.ChoiceField(choices=DisclosureOrder.Status.choices)
    complied_on = serializers.DateField(allow_null=True)
    disclosed = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "For an open order: the ordered items disclosed since the order, each with the day "
            "first disclosed."
        )
    )
    version = serializers.IntegerField()

    def get_disclosed(self, order: DisclosureOrder) -> dict[str, str]:
        if order.status != DisclosureOrder.Status.OPEN:
            return {}
        found = order_items_disclosed(order, until=self.context["today"])
        return {item: day.isoformat() for item, day in found.items()}


@extend_schema_serializer(component_name="OrderCreate")
class _CreateInput(serializers.Serializer):
    enterprise_uscc = serializers.CharField(max_length=18)
    items = serializers.ListField(child=serializers.ChoiceField(choices=ITEMS), min_length=1)
    document_number = serializers.CharField(max_length=64)
    ordered_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Default: today; not in the future.")
    )


@extend_schema_serializer(component_name="OrderWithdraw")
class _WithdrawInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reasons = serializers.CharField(max_length=2000)


def _output(order: DisclosureOrder, code: int = 200) -> Response:
    fresh = DisclosureOrder.objects.select_related("enterprise", "department").get(pk=order.pk)
    return Response(OrderOutput(fresh, context={"today": timezone.localdate()}).data, status=code)


def _reader(request: Request) -> Any:
    user = request_user(request)
    if not (user.has_perm(OrderPerm.VIEW) or is_enterprise_member(user)):
        raise exceptions.PermissionDenied()
    return user


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="disclosure_orders_list",
        summary=gettext_lazy("List orders to disclose"),
        description=gettext_lazy(
            "Staff with view_disclosureorder: their jurisdiction's orders, open ones first by "
            "the day to disclose by (overdue on top); an enterprise user: its own company's."
        ),
        parameters=[
            OpenApiParameter("status", str, enum=DisclosureOrder.Status.values),
            OpenApiParameter(
                "overdue", bool, description=gettext_lazy("Open orders past their due day only.")
            ),
        ],
        responses=OrderOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _reader(request)
        state = request.query_params.get("status", "")
        if state and state not in DisclosureOrder.Status.values:
            raise exceptions.ValidationError({"status": [_("Unknown status.")]})
        today = timezone.localdate()
        queue = order_queue(
            user=user,
            today=today,
            status=state,
            overdue=request.query_params.get("overdue", "").lower() in {"1", "true", "yes"},
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        return paginator.get_paginated_response(
            OrderOutput(page, many=True, context={"today": today}).data
        )

    @extend_schema(
        operation_id="disclosure_orders_create",
        summary=gettext_lazy("Order a company to disclose"),
        description=gettext_lazy(
            "Needs add_disclosureorder, for a company of the officer's jurisdiction. Refused "
            "with 400: not a company (immediate disclosure is a company's duty), no longer "
            "registered, an unknown item, an order already open for one of the items, a day "
            "of the order in the future."
        ),
        request=_CreateInput,
        responses={201: OrderOutput},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        if not user.has_perms([OrderPerm.VIEW, OrderPerm.ADD]):
            raise exceptions.PermissionDenied()
        serializer = _CreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
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
        order = order_create(
            actor=user,
            enterprise=enterprise,
            items=list(data["items"]),
            document_number=data["document_number"],
            ordered_on=data.get("ordered_on"),
        )
        return _output(order, status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="disclosure_orders_retrieve",
        summary=gettext_lazy("Read an order to disclose"),
        responses=OrderOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _reader(request)
        return _output(order_for_user(user=user, pk=pk))


class OrderWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="disclosure_orders_withdraw",
        summary=gettext_lazy("Withdraw an open order"),
        description=gettext_lazy("Needs change_disclosureorder; the reasons are required."),
        request=_WithdrawInput,
        responses={200: OrderOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        order = order_for_user(user=user, pk=pk)
        if not user.has_perms([OrderPerm.VIEW, OrderPerm.CHANGE]):
            raise exceptions.PermissionDenied()
        serializer = _WithdrawInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = order_withdraw(
                actor=user,
                order=order,
                reasons=serializer.validated_data["reasons"],
                expected_version=serializer.validated_data["version"],
            )
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return _output(done)


urlpatterns = [
    path("disclosure-orders/", OrderListApi.as_view(), name="disclosure-order-list"),
    path("disclosure-orders/<int:pk>/", OrderDetailApi.as_view(), name="disclosure-order-detail"),
    path(
        "disclosure-orders/<int:pk>/withdraw/",
        OrderWithdrawApi.as_view(),
        name="disclosure-order-withdraw",
    ),
]
