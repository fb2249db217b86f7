"""URL namespaces of the credit station: the enterprise's own page under /me/ ("station"), the
staff's policy catalogue under /station/policies/ ("policies"), the API under /api/v1/
("station-api")."""

from django.urls import include, path

from station.api.catalogue import api_patterns as catalogue_api_patterns
from station.api.me import StationApi
from station.views.catalogue import staff_urlpatterns
from station.views.me import me_station

me_patterns = [path("station/", me_station, name="me")]
api_patterns = [path("me/station/", StationApi.as_view(), name="me"), *catalogue_api_patterns]

urlpatterns = [
    path("me/", include((me_patterns, "station"))),
    path("station/policies/", include((staff_urlpatterns, "policies"))),
    path("api/v1/", include((api_patterns, "station-api"))),
]
