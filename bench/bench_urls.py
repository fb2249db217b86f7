"""URLs for the benchmark: the portal's URLs plus a trivial view (the ceiling of the stack:
every middleware, no database, no template)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from credit_portal.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *urlpatterns]
