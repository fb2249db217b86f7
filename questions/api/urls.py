"""The questions API's patterns (`questions.urls` mounts them under /api/v1/)."""

from questions.api import views

urlpatterns = views.urlpatterns
