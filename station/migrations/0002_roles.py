"""Grant the credit station's codenames to the roles (credit_portal.roles): administrators keep
the policy catalogue (in the admin); supervisors and credit officers read it. Enterprise users
need no codename: the station is their own enterprise's, by membership."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = ["station.view_policymeasure"]
KEEP = [*VIEW, "station.add_policymeasure", "station.change_policymeasure"]

GRANTS = {
    Role.CREDIT_OFFICER: VIEW,
    Role.SUPERVISOR: VIEW,
    Role.ADMINISTRATOR: KEEP,
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("station", "0001_policy_measures"),
        ("credit_portal", "0005_calendar_and_daily_runs"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
