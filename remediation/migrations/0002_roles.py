"""Role permissions of the enforcement app (credit_portal.roles)."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = [
    "remediation.view_penaltydecision",
    "remediation.view_softaction",
    "remediation.view_repairapplication",
]
ENFORCE = [
    "remediation.add_penaltydecision",
    "remediation.change_penaltydecision",
    "remediation.record_penaltydecision",
    "remediation.publish_penaltydecision",
    "remediation.add_softaction",
    "remediation.change_softaction",
    "remediation.serve_softaction",
]
GRANTS = {
    Role.INSPECTOR: [*VIEW],
    Role.ENFORCEMENT_OFFICER: [*VIEW, *ENFORCE],
    Role.CREDIT_OFFICER: [
        *VIEW,
        "remediation.decide_repairapplication",
        "remediation.export_repairsync",
        "remediation.add_softaction",
        "remediation.change_softaction",
        "remediation.serve_softaction",
    ],
    Role.SUPERVISOR: [
        *VIEW,
        *ENFORCE,
        "remediation.approve_softaction",
        "remediation.decide_repairapplication",
        "remediation.export_repairsync",
    ],
    Role.ADMINISTRATOR: [
        *VIEW,
        "remediation.view_violationtype",
        "remediation.add_violationtype",
        "remediation.change_violationtype",
        "remediation.view_leniencylistitem",
        "remediation.add_leniencylistitem",
        "remediation.change_leniencylistitem",
        "remediation.view_repairsync",
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("remediation", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
