"""HTML forms of the enterprises app, one module per area (as `enterprises.services`):

- `enterprises.forms.register`: the staff register pages (create, edit, status changes);
- `enterprises.forms.accounts`: enterprise registration and activation codes.

Forms check the shape of the input only; the rules live in the services, whose errors are put
back on a form by `credit_portal.forms.form_errors_from`. Every form is importable from here.
"""

from enterprises.forms.accounts import VALID_DAYS_CHOICES, ActivationCodeIssueForm, RegisterForm
from enterprises.forms.register import (
    EnterpriseCreateForm,
    EnterpriseEditForm,
    EnterpriseForm,
    StatusChangeForm,
)

__all__ = [
    "VALID_DAYS_CHOICES",
    "ActivationCodeIssueForm",
    "EnterpriseCreateForm",
    "EnterpriseEditForm",
    "EnterpriseForm",
    "RegisterForm",
    "StatusChangeForm",
]
