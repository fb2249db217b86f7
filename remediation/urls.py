"""URL namespaces of the enforcement app; each area keeps its patterns beside its views."""

from django.urls import include, path

from remediation.api import directory as directory_api
from remediation.api import objections as objections_api
from remediation.api import orders as orders_api
from remediation.api import penalties as penalties_api
from remediation.api import repairs as repairs_api
from remediation.api import serious as serious_api
from remediation.api import soft_actions as soft_actions_api
from remediation.views import directory as directory_views
from remediation.views import objections as objections_views
from remediation.views import orders as orders_views
from remediation.views import penalties as penalties_views
from remediation.views import repairs as repairs_views
from remediation.views import serious as serious_views
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

# The abnormal directory and its buffer (remediation.views.directory, remediation.api.directory),
# objections to listings, and the serious list (views/api objections, serious).
staff_patterns += directory_views.staff_urlpatterns
me_patterns += directory_views.me_urlpatterns
api_patterns += directory_api.urlpatterns
staff_patterns += objections_views.staff_urlpatterns
me_patterns += objections_views.me_urlpatterns
api_patterns += objections_api.urlpatterns
staff_patterns += serious_views.staff_urlpatterns
me_patterns += serious_views.me_urlpatterns
api_patterns += serious_api.urlpatterns
# Orders to disclose immediate information (directory reason 2; views/api orders).
staff_patterns += orders_views.staff_urlpatterns
me_patterns += orders_views.me_urlpatterns
api_patterns += orders_api.urlpatterns

urlpatterns = [
    path("remediation/", include((staff_patterns, "remediation"))),
    path("me/", include((me_patterns, "me-remediation"))),
    path("api/v1/", include((api_patterns, "remediation-api"))),
]
