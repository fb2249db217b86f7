"""The public pages of the draws (issue 17 §3; DRAW 1, 4, 6), no login, throttled like the
public credit lookup (`credit_portal.throttling`):

- `draws/` (`inspections-public:draws`): every draw, the newest first (a commitment is public
  at once; a superseded draw stays beside its redraw);
- `draws/<number>/` (`draw`): the commitment, the chain, the strata, the files available now,
  how to check the draw with a standard Python, and what is public when; once revealed, the
  server seed, the entities drawn (credit codes and names) and the link to their results;
- `draws/<number>/files/<name>` (`draw_file`): one file, streamed uncompressed as the verifier
  reads it (what `DrawFile.sha256` and the manifest name), only once it is public;
- `draws/verifier/verify.py` (`verifier`): the verifier's source, the very module the portal's
  own draw calls (`inspections.verify`).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from credit_portal.throttling import public_throttle
from inspections.models import Draw, DrawFile
from inspections.selectors import draws as sel
from inspections.verify import PRIVATE_FILES

PAGE_SIZE = 30
SELECTION_PAGE_SIZE = 100
CHUNK = 64 * 1024
CONTENT_TYPES = {
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
VERIFIER = Path(__file__).resolve().parent.parent / "verify.py"


def _draw_or_404(number: str) -> Draw:
    draw = sel.public_draw(number)
    if draw is None:
        raise Http404(_("No draw with this number."))
    return draw


@public_throttle
def draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(sel.public_draws(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/public/draws.html", {"page_obj": page})


@public_throttle
def draw_detail(request: HttpRequest, number: str) -> HttpResponse:
    draw = _draw_or_404(number)
    strata = sel.public_strata(draw)
    revealed = sel.is_revealed(draw)
    selection = None
    if revealed:
        selection = Paginator(sel.public_selection(draw), SELECTION_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    files = sel.files_public_now(draw)
    return render(
        request,
        "inspections/public/draw.html",
        {
            "draw": draw,
            "steps": sel.draw_steps(draw),
            "chain": sel.draw_chain(draw, sel.public_draws()),
            "strata": strata,
            "totals": {
                "pool": sum(x.pool for x in strata),
                "target": sum(x.target for x in strata),
            },
            "plans": sel.draw_plans(draw),
            "files": files,
            "private_files": [
                f.name
                for f in sel.draw_files(draw)
                if f.name not in {p.name for p in files} and f.name not in PRIVATE_FILES
            ],
            "revealed": revealed,
            "seed": sel.public_seed(draw),
            "selection": selection,
            "verifier": VERIFIER.is_file(),
        },
    )


def _gunzipped(file: DrawFile) -> Iterator[bytes]:
    with file.file.open("rb") as raw, gzip.GzipFile(fileobj=raw) as text:
        while chunk := text.read(CHUNK):
            yield chunk


def file_response(draw: Draw, file: DrawFile) -> StreamingHttpResponse:
    """One file of a draw, streamed uncompressed (what its SHA-256 and size are of)."""
    suffix = Path(file.name).suffix
    response = StreamingHttpResponse(
        _gunzipped(file), content_type=CONTENT_TYPES.get(suffix, "text/plain; charset=utf-8")
    )
    response["Content-Length"] = str(file.size)
    response["Content-Disposition"] = f'attachment; filename="{draw.number}-{file.name}"'
    response["ETag"] = f'"{file.sha256}"'
    response["X-Content-SHA256"] = file.sha256
    return response


@public_throttle
def draw_file(request: HttpRequest, number: str, name: str) -> HttpResponse:
    draw = _draw_or_404(number)
    found = next((f for f in sel.files_public_now(draw) if f.name == name), None)
    if found is None:
        raise Http404(_("This file of the draw is not public (yet)."))
    return file_response(draw, found)  # type: ignore[return-value]


@public_throttle
def verifier(request: HttpRequest) -> HttpResponse:
    if not VERIFIER.is_file():
        raise Http404(_("The verifier is not available."))
    response = FileResponse(
        VERIFIER.open("rb"), content_type="text/x-python; charset=utf-8", as_attachment=True
    )
    response["Content-Disposition"] = 'attachment; filename="verify.py"'
    return response  # type: ignore[return-value]


staff_urlpatterns: list = []
public_urlpatterns: list = [
    path("draws/", draw_list, name="draws"),
    path("draws/verifier/verify.py", verifier, name="verifier"),
    path("draws/<str:number>/", draw_detail, name="draw"),
    path("draws/<str:number>/files/<str:name>", draw_file, name="draw_file"),
]
me_urlpatterns: list = []
