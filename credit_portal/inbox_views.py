"""The staff inbox's page `/inbox/` and its API `/api/v1/inbox/` (credit_portal.inbox).

One list, the overdue first then by due date, with a chip per source (its count, its overdue);
each row says when it is due in working days, what to do, which enterprise, and links to the
page where it is done. The list shows the `PAGE_LIMIT` most urgent items of every source
together (a chip: of that source); the sources with more have a link to their own list. Both
read `inbox_items` and `inbox_counts`: one query for the items and one for the counts,
whatever the number of sources and items.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views import View
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.inbox import (
    PAGE_LIMIT,
    InboxCounts,
    inbox_counts,
    inbox_items,
    remember_counts,
)
from credit_portal.permissions import CorePerm, StaffPermissionMixin, require_perms


def _source_param(value: str | None, counts: InboxCounts) -> str:
    """The source asked for, if it is one of the user's; else "" (all)."""
    value = (value or "").strip()
    return value if counts.of(value) is not None else ""


class InboxView(StaffPermissionMixin, View):
    permission_required = CorePerm.ACCESS_STAFF_PORTAL

    def get(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        today = timezone.localdate()
        counts = inbox_counts(user=user, today=today)
        remember_counts(user, counts)  # the navigation's badge reads these: one query
        source = _source_param(request.GET.get("source"), counts)
        items = inbox_items(user=user, today=today, source=source)
        chosen = counts.of(source) if source else None
        shown = Counter(i.source for i in items)
        # The sources with more waiting than the page shows: their own lists have the rest.
        shown_limited = [
            s for s in counts.by_source if s.total > shown[s.key] and (not source or chosen == s)
        ]
        return render(
            request,
            "inbox.html",
            {
                "counts": counts,
                "items": items,
                "source": source,
                "chosen": chosen,
                "limited": shown_limited,
                "limit": PAGE_LIMIT,
                "today": today,
                "has_sources": bool(counts.by_source),
            },
        )


# --------------------------------------------------------------------------- API


@extend_schema_serializer(component_name="InboxItem")
class InboxItemOutput(serializers.Serializer):
    source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
        help_text=gettext_lazy("The source's key, e.g. remediation.repairs.")
    )
    source_label = serializers.CharField()
    item_id = serializers.IntegerField(help_text=gettext_lazy("The number of the row to act on."))
    step = serializers.CharField(help_text=gettext_lazy("What to do, as a code of the source."))
    title = serializers.CharField(help_text=gettext_lazy("What to do, in the user's language."))
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    working_days_left = serializers.IntegerField(
        help_text=gettext_lazy("Working days until due; negative: overdue by so many.")
    )
    enterprise_name = serializers.CharField(allow_null=True)
    url = serializers.CharField(help_text=gettext_lazy("The staff page where it is done."))


@extend_schema_serializer(component_name="InboxSourceCount")
class InboxSourceCountOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    list_url = serializers.CharField()


@extend_schema_serializer(component_name="Inbox")
class InboxOutput(serializers.Serializer):
    today = serializers.DateField()
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    sources = InboxSourceCountOutput(many=True)
    items = InboxItemOutput(many=True)


class InboxApi(APIView):
    permission_classes = [require_perms(CorePerm.ACCESS_STAFF_PORTAL)]

    @extend_schema(
        operation_id="inbox_read",
        summary=gettext_lazy("What waits for me"),
        description=gettext_lazy(
            "Needs access_staff_portal. What waits for the authenticated staff member across "
            "every capability they hold: the 50 most urgent items of all sources together, "
            "the overdue first then by due date, and the counts of every source (all items, "
            "and the overdue). source: the 50 most urgent items of that source only (an "
            "unknown source: all)."
        ),
        parameters=[OpenApiParameter("source", str, description=gettext_lazy("A source key."))],
        responses={200: InboxOutput},
    )
    def get(self, request: Request) -> Response:
        user: Any = request.user
        today = timezone.localdate()
        counts = inbox_counts(user=user, today=today)
        source = _source_param(request.query_params.get("source"), counts)
        items = inbox_items(user=user, today=today, source=source)
        data = {
            "today": today,
            "total": counts.total,
            "overdue": counts.overdue,
            "sources": [
                {
                    "key": s.key,
                    "label": str(s.label),
                    "total": s.total,
                    "overdue": s.overdue,
                    "list_url": s.list_url,
                }
                for s in counts.by_source
            ],
            "items": [
                {
                    "source": i.source,
                    "source_label": str(i.source_label),
                    "item_id": i.item_id,
                    "step": i.step,
                    "title": str(i.title),
                    "due_on": i.due_on,
                    "overdue": i.overdue,
                    "working_days_left": i.working_days_left,
                    "enterprise_name": i.enterprise_name,
                    "url": i.url,
                }
                for i in items
            ],
        }
        return Response(InboxOutput(data).data)
