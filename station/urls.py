"""URL namespaces of the credit station: the enterprise's own page under /me/ ("station"), the
API under /api/v1/ ("station-api")."""

from django.urls import include, path

from station.api.me import StationApi
from station.views.me import me_station

me_patterns = [path("station/", me_station, name="me")]
api_patterns = [path("me/station/", StationApi.as_view(), name="me")]

urlpatterns = [
    path("me/", include((me_patterns, "station"))),
    path("api/v1/", include((api_patterns, "station-api"))),
]
