"""URL namespaces of the enterprises app; each area keeps its patterns beside its views."""

from django.urls import include, path

from enterprises.api import public as public_api
from enterprises.api import staff as staff_api
from enterprises.views import accounts, imports, public, staff

staff_patterns = ([*imports.urlpatterns, *staff.urlpatterns], "enterprises")
public_patterns = (public.urlpatterns, "public")
me_patterns = (accounts.urlpatterns, "me")
api_patterns = ([*staff_api.urlpatterns, *public_api.urlpatterns], "enterprises-api")

urlpatterns = [
    path("credit/", include(public_patterns)),  # the public lookup first: the hottest path
    path("enterprises/", include(staff_patterns)),
    path("", include(me_patterns)),
    path("api/v1/", include(api_patterns)),
]
