"""Pages of orders to disclose immediate information (责令限期公示; docs/domain.md §3 reason 2).

Staff (namespace "remediation", under /remediation/):
- orders/                    the orders, open ones first by the day to disclose by (overdue on
                             top), with what the company has disclosed since;
- orders/new/                issue an order;
- orders/<id>/               one order: items, dates, what was disclosed, the listing; withdraw
                             it (with reasons) while open.

Enterprise (namespace "me-remediation", under /me/):
- disclosure-orders/         its orders with the day to disclose by and a link to disclose.

Access: staff pages need a login, the codename (403), then the order through the jurisdiction
(404: an order belongs to the department that issued it); the enterprise page needs a
membership (403) and shows only the member's company's orders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.models import AuditEvent
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import Enterprise
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize
from remediation.forms.orders import OrderCreateForm, OrderFilterForm, OrderWithdrawForm
from remediation.models import DirectoryCase, DisclosureOrder
from remediation.rules import DISCLOSURE_ORDER_DAYS
from remediation.services.orders import (
    OrderPerm,
    item_label,
    order_create,
    order_for_user,
    order_items_disclosed,
    order_queue,
    order_withdraw,
    order_within,
    orders_for_user,
    orders_items_disclosed,
)
from remediation.views.common import request_user

PAGE_SIZE = 30
Status = DisclosureOrder.Status
TONES: dict[str, str] = {
    Status.OPEN: "warn",
    Status.COMPLIED: "ok",
    Status.LISTED: "bad",
    Status.WITHDRAWN: "muted",
}


def _rows(orders: list[DisclosureOrder], today: Any) -> list[dict[str, Any]]:
    """`_row` of each order, the disclosures of the open ones read in one query."""
    open_ones = [o for o in orders if o.status == Status.OPEN]
    disclosed = orders_items_disclosed(open_ones, until=today)
    return [_row(o, today, disclosed.get(o.pk, {})) for o in orders]


def _row(
    order: DisclosureOrder, today: Any, disclosed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An order as the lists show it: its items with the day each was disclosed since the
    order (None: not yet), whether it is overdue, the days left."""
    if disclosed is None:
        disclosed = order_items_disclosed(order, until=today) if order.status == Status.OPEN else {}
    return {
        "order": order,
        "tone": TONES.get(order.status, ""),
        "items": [
            {"code": code, "label": item_label(code), "disclosed_on": disclosed.get(code)}
            for code in order.items or []
        ],
        "overdue": order.status == Status.OPEN and order.due_on < today,
        "days_left": (order.due_on - today).days,
        "all_disclosed": bool(order.items) and all(c in disclosed for c in order.items),
    }


class OrderListView(StaffPermissionMixin, View):
    permission_required = OrderPerm.VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        user = request_user(request)
        form = OrderFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        queue = order_queue(
            user=user,
            today=today,
            status=data.get("status", ""),
            overdue=bool(data.get("overdue")),
            search=data.get("q", ""),
        )
        page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        mine = orders_for_user(user=user)
        return render(
            request,
            "remediation/orders/list.html",
            {
                "form": form,
                "rows": _rows(list(page.object_list), today),
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(1 for k in ("status", "overdue", "q") if data.get(k)),
                "open_count": mine.filter(status=Status.OPEN).count(),
                "overdue_count": mine.filter(status=Status.OPEN, due_on__lt=today).count(),
                "can_add": request.user.has_perm(OrderPerm.ADD),
                "days": DISCLOSURE_ORDER_DAYS,
                "today": today,
            },
        )


class OrderCreateView(StaffPermissionMixin, View):
    permission_required = (OrderPerm.VIEW, OrderPerm.ADD)

    def _render(self, request: HttpRequest, form: OrderCreateForm, status: int = 200) -> Any:
        return render(
            request,
            "remediation/orders/form.html",
            {"form": form, "days": DISCLOSURE_ORDER_DAYS},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {"ordered_on": timezone.localdate()}
        if request.GET.get("uscc"):
            initial["enterprise_uscc"] = normalize(request.GET["uscc"])[:18]
        return self._render(request, OrderCreateForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OrderCreateForm(request.POST)
        if form.is_valid():
            user = request_user(request)
            data = form.cleaned_data
            enterprise = Enterprise.objects.filter(
                uscc=normalize(data["enterprise_uscc"]),
                department_id__in=departments_of_jurisdiction(user=user).values("pk"),
            ).first()
            if enterprise is None:
                form.add_error(
                    "enterprise_uscc",
                    _("No market entity with this credit code is in your jurisdiction."),
                )
            else:
                try:
                    order = order_create(
                        actor=user,
                        enterprise=enterprise,
                        items=list(data["items"]),
                        document_number=data["document_number"],
                        ordered_on=data.get("ordered_on"),
                    )
                except ValidationError as exc:
                    form_errors_from(form, exc, aliases={"enterprise": "enterprise_uscc"})
                else:
                    messages.success(
                        request,
                        _("The order has been issued: %(name)s is to disclose by %(day)s.")
                        % {"name": enterprise.name, "day": order.due_on.isoformat()},
                    )
                    return redirect("remediation:order_detail", pk=order.pk)
        return self._render(request, form, status=400)


def _detail_context(request: HttpRequest, order: DisclosureOrder) -> dict[str, Any]:
    today = timezone.localdate()
    user = request_user(request)
    events = [
        {"event": e, "label": event_label(e.event_type), **event_summary(e)}
        for e in AuditEvent.objects.filter(
            target_type=DisclosureOrder._meta.label_lower, target_id=str(order.pk)
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:50]
    ]
    reasons = next(
        (e["event"].extra.get("reasons") for e in events if e["event"].extra.get("reasons")), ""
    )
    row = _row(order, today)
    return {
        **row,
        "row": row,
        "case": DirectoryCase.objects.filter(order=order).first(),
        "events": events,
        "withdraw_reasons": reasons,
        "can_withdraw": order.status == Status.OPEN
        and user.has_perm(OrderPerm.CHANGE)
        and order_within(user=user, order=order),
        "form": OrderWithdrawForm(initial={"version": order.version}),
        "today": today,
    }


class OrderDetailView(StaffPermissionMixin, View):
    permission_required = OrderPerm.VIEW

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = order_for_user(user=request_user(request), pk=pk)
        return render(request, "remediation/orders/detail.html", _detail_context(request, order))


class OrderWithdrawView(StaffPermissionMixin, View):
    permission_required = (OrderPerm.VIEW, OrderPerm.CHANGE)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        order = order_for_user(user=user, pk=pk)
        form = OrderWithdrawForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                order_withdraw(
                    actor=user,
                    order=order,
                    reasons=form.cleaned_data["reasons"],
                    expected_version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("The order has been withdrawn."))
                return redirect("remediation:order_detail", pk=pk)
        order = order_for_user(user=user, pk=pk)
        context = _detail_context(request, order)
        context["form"] = form
        return render(request, "remediation/orders/detail.html", context, status=status)


@login_required
@never_cache
def me_disclosure_orders(request: HttpRequest) -> HttpResponse:
    """The company's orders to disclose, open ones first, with the day to disclose by."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    orders = order_queue(user=user, today=today).filter(enterprise=enterprise)
    return render(
        request,
        "remediation/orders/me_list.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "rows": _rows(list(orders), today),
            "days": DISCLOSURE_ORDER_DAYS,
            "today": today,
        },
    )


staff_urlpatterns = [
    path("orders/", OrderListView.as_view(), name="order_list"),
    path("orders/new/", OrderCreateView.as_view(), name="order_create"),
    path("orders/<int:pk>/", OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/withdraw/", OrderWithdrawView.as_view(), name="order_withdraw"),
]
me_urlpatterns = [
    path("disclosure-orders/", me_disclosure_orders, name="disclosure_orders"),
]
