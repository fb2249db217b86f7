"""URL namespaces of the inspections app: staff pages under /inspections/ ("inspections"), public
pages under /draws/ and /leads/ ("inspections-public"), the enterprise's own under /me/
("me-inspections"), the API under /api/v1/ ("inspections-api")."""

from django.urls import include, path

from inspections.api import urls as api_urls
from inspections.views import urls as views_urls

urlpatterns = [
    path("inspections/", include((views_urls.staff_urlpatterns, "inspections"))),
    path("", include((views_urls.public_urlpatterns, "inspections-public"))),
    path("me/", include((views_urls.me_urlpatterns, "me-inspections"))),
    path("api/v1/", include((api_urls.urlpatterns, "inspections-api"))),
]
