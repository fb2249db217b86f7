"""URL namespaces of the questions app: the public pages (/questions/new/, /questions/status/,
/faq/: "questions-public"), the staff's under /questions/ ("questions"), the API under /api/v1/
("questions-api"). The public patterns come first: /questions/new/ is not a staff page."""

from django.urls import include, path

from questions.api import urls as api_urls
from questions.views import urls as views_urls

urlpatterns = [
    path("", include((views_urls.public_urlpatterns, "questions-public"))),
    path("questions/", include((views_urls.staff_urlpatterns, "questions"))),
    path("api/v1/", include((api_urls.urlpatterns, "questions-api"))),
]
