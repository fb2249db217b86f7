"""Role permissions of the directory, objections, orders to disclose and the serious list
(credit_portal.roles; issue 15)."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = [
    "remediation.view_directorycase",
    "remediation.view_listingobjection",
    "remediation.view_seriouslisting",
    "remediation.view_disclosureorder",
]
ORDER = ["remediation.add_disclosureorder", "remediation.change_disclosureorder"]
GRANTS = {
    Role.INSPECTOR: [*VIEW],
    Role.ENFORCEMENT_OFFICER: [*VIEW, *ORDER],
    Role.CREDIT_OFFICER: [*VIEW, *ORDER, "remediation.decide_directorycase"],
    Role.SUPERVISOR: [*VIEW, *ORDER, "remediation.decide_directorycase"],
    Role.ADMINISTRATOR: [*VIEW],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("remediation", "0005_directory")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
