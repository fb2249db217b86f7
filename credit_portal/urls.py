from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from credit_portal import views
from credit_portal.api_docs import PortalSchemaView, PortalSwaggerView
from credit_portal.api_views import TokenObtainApi
from credit_portal.health import HealthzView
from credit_portal.inbox_views import InboxApi, InboxView

admin.site.site_header = _("Credit Portal administration")
admin.site.site_title = _("Credit Portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    # First: the register's pages and API, above all the public lookup, the portal's hottest
    # path, are resolved before the twenty patterns below are tried.
    path("", include("enterprises.urls")),
    path("", include("remediation.urls")),
    path("", include("annual_reports.urls")),
    path("", include("risk.urls")),
    path("", include("inspections.urls")),
    path("", include("questions.urls")),
    path("", include("standing.urls")),
    path("", include("station.urls")),
    path("", include("dashboard.urls")),
    path("", views.home, name="home"),
    path("no-access/", views.no_access, name="no_access"),
    path("inbox/", InboxView.as_view(), name="inbox"),
    path("api/v1/inbox/", InboxApi.as_view(), name="inbox-api"),
    path("healthz", HealthzView.as_view(), name="healthz"),
    # Browsers ask for /favicon.ico where a page names no icon (a PDF, an API answer).
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/switch/", views.language_switch, name="language_switch"),
    path("i18n/", include("django.conf.urls.i18n")),  # POST set_language, kept for old links
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    # The schema and its docs in the reader's language (credit_portal.api_docs). The split view
    # serves its start-up script from ?script: no inline script, so the docs work under the
    # Content Security Policy (templates/drf_spectacular/swagger_ui.html).
    path("api/schema/", PortalSchemaView.as_view(), name="api-schema"),
    path("api/docs/", PortalSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/auth/token/", TokenObtainApi.as_view(), name="api-token"),
]

handler400 = "credit_portal.views.error_400"
handler403 = "credit_portal.views.error_403"
handler404 = "credit_portal.views.error_404"
handler500 = "credit_portal.views.error_500"
