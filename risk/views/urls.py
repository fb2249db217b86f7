"""The classification pages' patterns: staff under /risk/ (namespace "risk"), the enterprise's
own under /me/ (namespace "me-risk"); `risk.urls` adds them."""

from django.urls import path

from risk.views.distribution import DistributionView
from risk.views.enterprises import EnterpriseRiskDetailView, OverrideEndView, OverrideSetView
from risk.views.me import me_credit_risk
from risk.views.models import ModelListView
from risk.views.runs import RunDetailView, RunListView, RunStartView
from risk.views.tasks import TaskAcknowledgeView, TaskListView

staff_urlpatterns = [
    path("", DistributionView.as_view(), name="distribution"),
    path("enterprises/<str:uscc>/", EnterpriseRiskDetailView.as_view(), name="enterprise"),
    path("enterprises/<str:uscc>/override/", OverrideSetView.as_view(), name="override_set"),
    path("enterprises/<str:uscc>/override/end/", OverrideEndView.as_view(), name="override_end"),
    path("runs/", RunListView.as_view(), name="runs"),
    path("runs/start/", RunStartView.as_view(), name="run_start"),
    path("runs/<int:pk>/", RunDetailView.as_view(), name="run"),
    path("models/", ModelListView.as_view(), name="models"),
    path("tasks/", TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/acknowledge/", TaskAcknowledgeView.as_view(), name="task_acknowledge"),
]
me_urlpatterns = [
    path("credit-risk/", me_credit_risk, name="credit_risk"),
]
