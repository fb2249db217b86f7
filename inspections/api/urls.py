"""The inspections API's patterns, gathered from its areas (`inspections.urls` adds them under
/api/v1/ in the namespace "inspections-api")."""

from inspections.api import draws, inspections, leads, plans

urlpatterns = [
    *plans.urlpatterns,
    *draws.urlpatterns,
    *inspections.urlpatterns,
    *leads.urlpatterns,
]
