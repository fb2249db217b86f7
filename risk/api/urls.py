"""The classification API's patterns, gathered from its areas (`risk.urls` adds them under
/api/v1/ in the namespace "risk-api")."""

from risk.api import actions, enterprises, me, models, runs

urlpatterns = [
    *enterprises.urlpatterns,
    *runs.urlpatterns,
    *models.urlpatterns,
    *actions.urlpatterns,
    *me.urlpatterns,
]
