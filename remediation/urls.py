"""URL namespaces of the enforcement app; each area keeps its patterns beside its views."""

from django.urls import include, path

from remediation.api import penalties as penalties_api
from remediation.api import repairs as repairs_api
from remediation.api import soft_actions as soft_actions_api
from remediation.views import penalties as penalties_views
from remediation.views import repairs as repairs_views
from remediation.views import soft_actions as soft_actions_views

staff_patterns: list = []
me_patterns: list = []
api_patterns: list = []

# Credit repair (remediation.views.repairs, remediation.api.repairs).
staff_patterns += repairs_views.staff_urlpatterns
me_patterns += repairs_views.me_urlpatterns
api_patterns += repairs_api.urlpatterns

# Soft enforcement (remediation.views.soft_actions, remediation.api.soft_actions).
staff_patterns += soft_actions_views.staff_urlpatterns
me_patterns += soft_actions_views.me_urlpatterns
api_patterns += soft_actions_api.urlpatterns

# Penalty decisions and their publicity (remediation.views.penalties, remediation.api.penalties).
staff_patterns += penalties_views.staff_urlpatterns
me_patterns += penalties_views.me_urlpatterns
api_patterns += penalties_api.urlpatterns

urlpatterns = [
    path("remediation/", include((staff_patterns, "remediation"))),
    path("me/", include((me_patterns, "me-remediation"))),
    path("api/v1/", include((api_patterns, "remediation-api"))),
]
