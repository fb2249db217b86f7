"""Permission codenames of the classification app, as the views, the API and the roles name
them. Seeing classes at all needs the register's `enterprises.view_risk` (docs/domain.md §1,
visibility)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy


class RiskPerm(StrEnum):
    VIEW_RISK = "enterprises.view_risk"
    RUN = "risk.run_classification"
    OVERRIDE = "risk.override_class"
    VIEW_TASK = "risk.view_classchangetask"
    CHANGE_TASK = "risk.change_classchangetask"
    VIEW_MODEL = "risk.view_modelversion"
    CHANGE_MODEL = "risk.change_modelversion"
    PUBLISH_MODEL = "risk.publish_modelversion"


# A run over the whole register is the bureau's: a partner department's staff classify only
# one enterprise of their own (issue 16 §5; the runs page and the API say so).
WHOLE_REGISTER_BUREAU_ONLY = gettext_lazy(
    "Only the bureau's staff run the classification of the whole register; a partner "
    "department may run one of its own enterprises."
)
