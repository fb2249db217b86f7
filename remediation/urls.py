"""URL namespaces of the enforcement app; each area keeps its patterns beside its views."""

from django.urls import include, path

staff_patterns: list = []
me_patterns: list = []
api_patterns: list = []

urlpatterns = [
    path("remediation/", include((staff_patterns, "remediation"))),
    path("me/", include((me_patterns, "me-remediation"))),
    path("api/v1/", include((api_patterns, "remediation-api"))),
]
