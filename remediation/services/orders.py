"""Orders to disclose immediate information (责令限期公示; docs/domain.md §3, reason 2 of the
abnormal directory; §4 "Immediate disclosure by companies").

Staff holding `add_disclosureorder` order a company of their jurisdiction to disclose items
of immediate information (the items of `annual_reports.models.ImmediateDisclosure.Item`) by
`DISCLOSURE_ORDER_DAYS` (10) calendar days after the order (the day of the order not counted).
The order is complied with when the company has disclosed every ordered item on or after the
day of the order and by its due day: the `immediate_disclosure` facts of the credit ledger
say so (details["item"], dated the day disclosed), so this app reads no table of the
annual-report app. Not complied with by the due day → listed in the abnormal directory with
reason 2 through `remediation.services.directory.directory_list` (source "order", the order
named), verified on the due day; the directory dates the listing (within 10 WD after it).

States: open → complied (the daily job, or as soon as it sees the disclosures) | listed (the
daily job, after the due day) | withdrawn (staff, with reasons, while open). The daily job
`orders_expire` (order 145, before the directory's own listing jobs) does both checks.

Jurisdiction: an order belongs to the department that issued it (the officer's): the bureau's
staff see and act on every order, a partner department's on its own; an enterprise user sees
its own company's orders (self-service: the deadline and a link to disclose).

Reads are here too (`orders_for_user`, `order_queue`, `order_items_disclosed`): the area is
small, and the pages, the API and the admin share them.
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises import rules as register_rules
from enterprises.models import CreditRecord, Enterprise
from remediation import audit_events as events
from remediation.models import DisclosureOrder
from remediation.rules import DISCLOSURE_ORDER_DAYS

logger = logging.getLogger(__name__)

Status = DisclosureOrder.Status
# The ledger kind of a disclosure (annual_reports.kinds.IMMEDIATE_DISCLOSURE), read by its
# code: this app does not import the annual-report app.
IMMEDIATE_DISCLOSURE = "immediate_disclosure"
# The items of immediate information (annual_reports.models.ImmediateDisclosure.Item), by code.
ITEMS: list[tuple[str, Any]] = [
    ("contribution", gettext_lazy("Shareholders' subscribed and paid-in capital")),
    ("equity_change", gettext_lazy("Change of equity")),
    ("licence", gettext_lazy("Administrative licence")),
    ("ip_pledge", gettext_lazy("Pledge of intellectual property")),
]
ITEM_ZH = {
    "contribution": "股东认缴和实缴出资信息",
    "equity_change": "股权变更信息",
    "licence": "行政许可信息",
    "ip_pledge": "知识产权出质信息",
}
ORDERED_TYPES = frozenset({Enterprise.EntityType.COMPANY})
CLOSED_STATUSES = frozenset(register_rules.CLOSED_STATUSES)
NUMBER_MAX = 64
REASONS_MAX = 2000
CHUNK = 200


class OrderPerm(StrEnum):
    VIEW = "remediation.view_disclosureorder"
    ADD = "remediation.add_disclosureorder"
    CHANGE = "remediation.change_disclosureorder"


def _today() -> dt.date:
    return timezone.localdate()


def item_label(code: str) -> str:
    return str(dict(ITEMS).get(code, code))


def items_label(codes: list[str]) -> str:
    return "、".join(item_label(c) for c in codes) if codes else "—"


def order_due(ordered_on: dt.date) -> dt.date:
    """The day to disclose by: `DISCLOSURE_ORDER_DAYS` calendar days after the order (the day of
    the order not counted, the last day included; docs/domain.md "Counting periods")."""
    return ordered_on + dt.timedelta(days=DISCLOSURE_ORDER_DAYS)


# --------------------------------------------------------------------------- reads


def orders_for_user(*, user: User) -> QuerySet[DisclosureOrder]:
    """The orders a user may see (module docstring: jurisdiction)."""
    qs = DisclosureOrder.objects.select_related("enterprise", "department", "created_by")
    if not user.is_authenticated:
        return qs.none()
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None and not user.is_superuser:
        return qs.filter(enterprise_id=membership.enterprise_id)
    if user.is_superuser:
        return qs
    if not user.has_perm(OrderPerm.VIEW):
        return qs.none()
    if bureau_profiles(user=user).exists():
        return qs
    return qs.filter(department_id__in=departments_of_jurisdiction(user=user).values("pk"))


def order_for_user(*, user: User, pk: int) -> DisclosureOrder:
    found = orders_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No order to disclose with this number is visible to you."))
    return found


def order_queue(
    *, user: User, today: dt.date, status: str = "", overdue: bool = False, search: str = ""
) -> QuerySet[DisclosureOrder]:
    """Open orders first by the day to disclose by (the overdue ones, due earliest, on top),
    then the others newest first. Filters: status, overdue only (open and past due), a credit
    code, part of a name or a document number."""
    qs = orders_for_user(user=user).annotate(
        open_rank=Case(
            When(status=Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=Status.OPEN, due_on__lt=today)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(enterprise__uscc__iexact=search)
            | Q(enterprise__name__contains=search)
            | Q(document_number__contains=search)
        )
    return qs.order_by("open_rank", "due_on", "-ordered_on", "-id")


def order_items_disclosed(order: DisclosureOrder, *, until: dt.date) -> dict[str, dt.date]:
    """The ordered items the company has disclosed from the day of the order to `until`
    (inclusive), each with the first day it was disclosed: read from the ledger's
    `immediate_disclosure` facts (module docstring). One query."""
    found: dict[str, dt.date] = {}
    rows = (
        CreditRecord.objects.filter(
            enterprise_id=order.enterprise_id,
            kind=IMMEDIATE_DISCLOSURE,
            occurred_on__gte=order.ordered_on,
            occurred_on__lte=until,
            details__item__in=list(order.items or []),
        )
        .order_by("occurred_on", "id")
        .values_list("details__item", "occurred_on")
    )
    for item, day in rows:
        found.setdefault(str(item), day)
    return found


def orders_items_disclosed(
    orders: list[DisclosureOrder], *, until: dt.date
) -> dict[int, dict[str, dt.date]]:
    """`order_items_disclosed` of many orders (a page of a list) in one query."""
    if not orders:
        return {}
    rows = (
        CreditRecord.objects.filter(
            enterprise_id__in={o.enterprise_id for o in orders},
            kind=IMMEDIATE_DISCLOSURE,
            occurred_on__gte=min(o.ordered_on for o in orders),
            occurred_on__lte=until,
        )
        .order_by("occurred_on", "id")
        .values_list("enterprise_id", "details__item", "occurred_on")
    )
    facts = list(rows)
    result: dict[int, dict[str, dt.date]] = {}
    for order in orders:
        found: dict[str, dt.date] = {}
        for enterprise_id, item, day in facts:
            if (
                enterprise_id == order.enterprise_id
                and day >= order.ordered_on
                and str(item) in (order.items or [])
            ):
                found.setdefault(str(item), day)
        result[order.pk] = found
    return result


def order_complied_on(order: DisclosureOrder, *, on: dt.date) -> dt.date | None:
    """The day the order was complied with (the last of its items disclosed), counting the
    disclosures up to its due day and `on`; None while an item is missing."""
    disclosed = order_items_disclosed(order, until=min(order.due_on, on))
    if not order.items or any(item not in disclosed for item in order.items):
        return None
    return max(disclosed[item] for item in order.items)


# --------------------------------------------------------------------------- writes


def _department_of(actor: User) -> Department:
    profile = getattr(actor, "staff_profile", None)
    if profile is not None:
        return profile.department
    bureau = Department.objects.filter(is_bureau=True).order_by("pk").first()
    if bureau is None:
        raise ValidationError(_("No department to act for: give the account a staff profile."))
    return bureau


def _event_extra(order: DisclosureOrder, **more: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "order": order.pk,
        "number": order.document_number,
        "items": list(order.items or []),
        "due_on": order.due_on,
    }
    extra.update(more)
    return extra


@transaction.atomic
def order_create(
    *,
    actor: User,
    enterprise: Enterprise,
    items: list[str],
    document_number: str,
    ordered_on: dt.date | None = None,
) -> DisclosureOrder:
    """Order `enterprise` to disclose `items` of immediate information.

    Rules: the company is within the actor's jurisdiction (its department one of
    `departments_of_jurisdiction`), a company (immediate disclosure is a company's duty,
    公司法 art. 40) and still registered here; at least one known item, each once; the
    document number (责令限期公示通知书 number) required, at most 64 characters; the day of the
    order not in the future nor before the company's registration (default today); no other
    open order names one of the items. Due `order_due(ordered_on)`. The order belongs to the
    actor's department.
    Side effects: the order; an audit event.
    """
    today = _today()
    ordered_on = ordered_on or today
    if not departments_of_jurisdiction(user=actor).filter(pk=enterprise.department_id).exists():
        raise ValidationError(
            _("This market entity is supervised by another department: you cannot order it."),
            code="jurisdiction",
        )
    errors: dict[str, list[str]] = {}
    if enterprise.entity_type not in ORDERED_TYPES:
        errors.setdefault("enterprise", []).append(
            _(
                "Immediate disclosure is a company's duty (公司法 art. 40): a %(type)s cannot "
                "be ordered to disclose."
            )
            % {"type": enterprise.get_entity_type_display()}
        )
    elif enterprise.status in CLOSED_STATUSES:
        errors.setdefault("enterprise", []).append(
            _("This company is %(status)s: it can no longer be ordered to disclose.")
            % {"status": enterprise.get_status_display()}
        )
    known = {code for code, _label in ITEMS}
    codes = [str(i) for i in (items or [])]
    if not codes:
        errors.setdefault("items", []).append(_("Choose at least one item to disclose."))
    elif any(c not in known for c in codes):
        errors.setdefault("items", []).append(_("Unknown item of immediate information."))
    elif len(set(codes)) != len(codes):
        errors.setdefault("items", []).append(_("Each item may be named once."))
    number = (document_number or "").strip()
    if not number:
        errors.setdefault("document_number", []).append(
            _("Give the number of the order (责令限期公示通知书).")
        )
    elif len(number) > NUMBER_MAX:
        errors.setdefault("document_number", []).append(
            _("At most %(n)d characters.") % {"n": NUMBER_MAX}
        )
    if ordered_on > today:
        errors.setdefault("ordered_on", []).append(
            _("The day of the order cannot be in the future.")
        )
    elif ordered_on < enterprise.registered_on:
        errors.setdefault("ordered_on", []).append(
            _("The order cannot be before the company was registered (%(day)s).")
            % {"day": enterprise.registered_on.isoformat()}
        )
    if errors:
        raise ValidationError(errors)
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one at a time
    for other in DisclosureOrder.objects.filter(enterprise=enterprise, status=Status.OPEN):
        overlap = [c for c in codes if c in (other.items or [])]
        if overlap:
            raise ValidationError(
                {
                    "items": [
                        _(
                            "An order to disclose %(items)s is already open (no. %(id)d, due "
                            "%(day)s)."
                        )
                        % {
                            "items": items_label(overlap),
                            "id": other.pk,
                            "day": other.due_on.isoformat(),
                        }
                    ]
                },
                code="open",
            )
    order = DisclosureOrder.objects.create(
        enterprise=enterprise,
        department=_department_of(actor),
        items=codes,
        document_number=number,
        ordered_on=ordered_on,
        due_on=order_due(ordered_on),
        created_by=actor,
    )
    audit_event_record(
        actor=actor,
        event_type=events.ORDER_CREATED,
        target=order,
        enterprise=enterprise,
        extra=_event_extra(order, ordered_on=ordered_on),
    )
    return order


def order_within(*, user: User, order: DisclosureOrder) -> bool:
    """Whether the order's department is within the user's jurisdiction."""
    return departments_of_jurisdiction(user=user).filter(pk=order.department_id).exists()


def _locked(order: DisclosureOrder, expected_version: int | None) -> DisclosureOrder:
    locked = (
        DisclosureOrder.objects.select_for_update().select_related("enterprise").get(pk=order.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else acted on this order first: it is now “%(status)s”. Nothing was "
                "written; read it again before you act."
            )
            % {"status": locked.get_status_display()},
            current_version=locked.version,
        )
    return locked


@transaction.atomic
def order_withdraw(
    *, actor: User, order: DisclosureOrder, reasons: str, expected_version: int
) -> DisclosureOrder:
    """Withdraw an open order (issued in error, the duty not applying), with reasons.

    Rules: the order's department within the actor's jurisdiction; open (a complied or listed
    order stays as it is: a listing is removed through the directory); reasons required (kept
    in the audit event, shown on the order's page); the version read.
    Side effects: the status; an audit event with the reasons.
    """
    if not order_within(user=actor, order=order):
        raise ValidationError(
            _("This order was issued by another department: only that department acts on it."),
            code="jurisdiction",
        )
    locked = _locked(order, expected_version)
    if locked.status != Status.OPEN:
        raise ValidationError(
            _("This order is “%(status)s”: it can no longer be withdrawn.")
            % {"status": locked.get_status_display()},
            code="status",
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [_("Say why the order is withdrawn.")]})
    if len(reasons) > REASONS_MAX:
        raise ValidationError({"reasons": [_("At most %(n)d characters.") % {"n": REASONS_MAX}]})
    locked.status = Status.WITHDRAWN
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    audit_event_record(
        actor=actor,
        event_type=events.ORDER_WITHDRAWN,
        target=locked,
        enterprise=locked.enterprise,
        extra=_event_extra(locked, reasons=reasons),
    )
    return locked


def _open_ids(*, due_before: dt.date | None = None) -> list[int]:
    qs = DisclosureOrder.objects.filter(status=Status.OPEN)
    if due_before is not None:
        qs = qs.filter(due_on__lt=due_before)
    return list(qs.order_by("due_on", "pk").values_list("pk", flat=True))


def _mark_complied(order: DisclosureOrder, day: dt.date, on: dt.date) -> None:
    order.status = Status.COMPLIED
    order.complied_on = day
    order.version += 1
    order.save(update_fields=["status", "complied_on", "version", "updated_at"])
    audit_event_record(
        actor=None,
        event_type=events.ORDER_COMPLIED,
        target=order,
        enterprise=order.enterprise,
        extra=_event_extra(order, complied_on=day, run_on=on),
    )


def orders_compliance_check(*, on: dt.date) -> int:
    """Mark complied every open order whose items have all been disclosed (by its due day and
    by `on`). Returns how many. Idempotent. Each order in its own short transaction, locked
    (one a step holds right now is skipped: the next run takes it)."""
    done = 0
    for pk in _open_ids():
        with transaction.atomic():
            order = (
                DisclosureOrder.objects.select_for_update(skip_locked=True)
                .select_related("enterprise")
                .filter(pk=pk, status=Status.OPEN)
                .first()
            )
            if order is None:
                continue
            day = order_complied_on(order, on=on)
            if day is not None:
                _mark_complied(order, day, on)
                done += 1
    return done


def _listing_facts(order: DisclosureOrder) -> str:
    """The facts found, as the listing decision states them (Chinese: an official record)."""
    number = order.document_number
    number = number if number.endswith("号") or not number else f"{number}号"
    what = "、".join(ITEM_ZH.get(i, i) for i in order.items or [])
    return (
        f"{order.enterprise.name}于{order.ordered_on.isoformat()}被责令限期公示即时信息"
        f"（{number}），期限届满（{order.due_on.isoformat()}）仍未公示{what}。"
        "依照《企业信息公示暂行条例》第十七条，列入经营异常名录（未在责令期限内公示信息）。"
    )


def orders_expire(*, on: dt.date) -> int:
    """The daily work on orders to disclose (`remediation.jobs`, order 145): first the
    compliance of every open order (`orders_compliance_check`), then every open order whose
    due day is before `on` and that was not complied with by it is listed in the abnormal
    directory with reason 2 (`directory_list(reason="2", source="order", order=...)`, verified on
    the due day, by the system in the name of the ordering department) and becomes LISTED.
    Returns how many were listed.

    Rules: idempotent (an order is listed once: it is no longer open, and the directory keeps
    one case per order); each order in its own transaction, locked; an order the directory
    refuses (the company deregistered since, say) stays open, is logged and tried again by the
    next run (staff may withdraw it).
    Side effects: through `directory_list`: the case and its listing fact; the order's status;
    an audit event `remediation.order_listed` per order.
    """
    from remediation.services.directory import directory_list

    orders_compliance_check(on=on)
    listed = 0
    for pk in _open_ids(due_before=on):
        try:
            with transaction.atomic():
                order = (
                    DisclosureOrder.objects.select_for_update(skip_locked=True)
                    .select_related("enterprise", "department", "created_by")
                    .filter(pk=pk, status=Status.OPEN, due_on__lt=on)
                    .first()
                )
                if order is None:
                    continue
                day = order_complied_on(order, on=on)
                if day is not None:  # disclosed since the check above
                    _mark_complied(order, day, on)
                    continue
                case = directory_list(
                    actor=None,
                    enterprise=order.enterprise,
                    reason="2",
                    facts=_listing_facts(order),
                    verified_on=order.due_on,
                    source="order",
                    order=order,
                )
                order.status = Status.LISTED
                order.version += 1
                order.save(update_fields=["status", "version", "updated_at"])
                audit_event_record(
                    actor=None,
                    event_type=events.ORDER_LISTED,
                    target=order,
                    enterprise=order.enterprise,
                    extra=_event_extra(order, case=getattr(case, "pk", None), run_on=on),
                )
                listed += 1
        except ValidationError as exc:
            logger.warning("order to disclose %s not listed: %s", pk, "; ".join(exc.messages))
    return listed
