"""Role permissions of the legal representative's bar (credit_portal.roles; issue 15): every
staff role sees the bars; a registrar (and a supervisor) may override one with a reason."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = ["enterprises.view_representativebar"]
OVERRIDE = ["enterprises.override_representativebar"]
GRANTS = {
    Role.REGISTRAR: [*VIEW, *OVERRIDE],
    Role.INSPECTOR: [*VIEW],
    Role.ENFORCEMENT_OFFICER: [*VIEW],
    Role.CREDIT_OFFICER: [*VIEW],
    Role.SUPERVISOR: [*VIEW, *OVERRIDE],
    Role.ADMINISTRATOR: [*VIEW],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0017_moved_out_status")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
