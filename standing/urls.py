"""URL namespaces of the standing app: the enterprise's pages, the PDF and the staff pages
("standing"), the public verification ("standing-public"), the API under /api/v1/
("standing-api")."""

from django.urls import include, path

from standing import views
from standing.api import urlpatterns as api_urlpatterns

standing_urlpatterns = [
    path("me/standing/", views.me_list, name="me_list"),
    path("me/standing/issue/", views.me_issue, name="me_issue"),
    path("standing/letters/<int:pk>/pdf/", views.pdf, name="pdf"),
    path("standing/letters/<int:pk>/revoke/", views.staff_revoke, name="staff_revoke"),
    path("standing/enterprises/<int:enterprise_pk>/", views.staff_list, name="staff_list"),
    path("standing/enterprises/<int:enterprise_pk>/issue/", views.staff_issue, name="staff_issue"),
]
public_urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]

urlpatterns = [
    path("", include((standing_urlpatterns, "standing"))),
    path("", include((public_urlpatterns, "standing-public"))),
    path("api/v1/", include((api_urlpatterns, "standing-api"))),
]
