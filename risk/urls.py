"""URL namespaces of the classification app; each area keeps its patterns beside its views."""

from django.urls import include, path

from risk.api import urls as api_urls
from risk.views import urls as views_urls

staff_patterns: list = []
me_patterns: list = []
api_patterns: list = []

# The API (risk.api: one module per area, gathered in risk.api.urls).
api_patterns += api_urls.urlpatterns

# The pages (risk.views: one module per area, gathered in risk.views.urls).
staff_patterns += views_urls.staff_urlpatterns
me_patterns += views_urls.me_urlpatterns

urlpatterns = [
    path("risk/", include((staff_patterns, "risk"))),
    path("me/", include((me_patterns, "me-risk"))),
    path("api/v1/", include((api_patterns, "risk-api"))),
]
