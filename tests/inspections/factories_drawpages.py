"""Builders for the draw pages' and the glance's tests (`test_drawpages_*`, `test_glance_*`):
a committed, a drawn and a revealed draw made through the draw services (the draw core's
builders in `factories_draw`), clients, and inspections moved to a status directly (the
result services are another area's: a page test only needs the rows)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client

from credit_portal.models import User
from inspections.models import Draw, Inspection
from inspections.services import draws
from tests.inspections import factories_draw as fd

AS_OF = dt.date(2026, 3, 1)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's text without tags, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


def committed(w: fd.World, **over: Any) -> Draw:
    return fd.commit(w, as_of=over.pop("as_of", AS_OF), **over)


def drawn(w: fd.World, **over: Any) -> Draw:
    return fd.derive(w, committed(w, **over))


def settle(draw: Draw, status: str = Inspection.Status.PUBLISHED, **fields: Any) -> int:
    """Every visit of the draw moved to `status` (published by default), as if inspected."""
    day = dt.date(2026, 4, 1)
    defaults: dict[str, Any] = {"status": status}
    if status != Inspection.Status.CANCELLED:
        defaults.update(check_ended_on=day, result_codes=["1"])
    if status == Inspection.Status.PUBLISHED:
        defaults["published_on"] = day
    defaults.update(fields)
    return Inspection.objects.filter(draw=draw).update(**defaults)


def revealed(w: fd.World, **over: Any) -> Draw:
    draw = drawn(w, **over)
    settle(draw)
    return draws.draw_reveal(actor=w.planner, draw=draw)


def run_jobs() -> int:
    """Run the draw jobs waiting, as a worker would (tests enqueue after the commit of a
    transaction that the test's own never makes)."""
    from inspections.models import DrawJob

    ran = 0
    for pk in DrawJob.objects.filter(status=DrawJob.Status.PENDING).values_list("pk", flat=True):
        draws.draw_job_run(pk)
        ran += 1
    return ran
