from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditPortalConfig(AppConfig):
    name = "credit_portal"
    verbose_name = _("Accounts and audit")
