"""URL namespaces of the annual-report app; each area keeps its patterns beside its views."""

from django.urls import include, path

from annual_reports.api import disclosures as disclosures_api
from annual_reports.api import reports as reports_api
from annual_reports.views import disclosures as disclosures_views
from annual_reports.views import reports as reports_views

staff_patterns: list = []
me_patterns: list = []
public_patterns: list = []
api_patterns: list = []

# Annual reports (annual_reports.views.reports, annual_reports.api.reports).
staff_patterns += reports_views.staff_urlpatterns
me_patterns += reports_views.me_urlpatterns
public_patterns += reports_views.public_urlpatterns
api_patterns += reports_api.urlpatterns

# Immediate disclosures and invitations to self-correct (views/api disclosures).
# First: the reports' `<uscc>/<year>/` would take "disclosures/12/" and "invitations/3/".
staff_patterns[:0] = disclosures_views.staff_urlpatterns
me_patterns += disclosures_views.me_urlpatterns
public_patterns += disclosures_views.public_urlpatterns
api_patterns += disclosures_api.urlpatterns

urlpatterns = [
    path("annual-reports/", include((staff_patterns, "annual_reports"))),
    path("me/", include((me_patterns, "me-annual-reports"))),
    path("credit/", include((public_patterns, "public-annual-reports"))),
    path("api/v1/", include((api_patterns, "annual-reports-api"))),
]
