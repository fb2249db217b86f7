"""Grant the standing app's codenames to the roles (credit_portal.roles): credit officers,
supervisors and administrators see an enterprise's letters, issue one at the counter and revoke
one issued in error; registrars, inspectors and enforcement officers see them. Enterprise users
need no codename: they act on their own enterprise through their membership."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = ["standing.view_standingletter"]
ACT = [*VIEW, "standing.add_standingletter", "standing.revoke_standingletter"]

GRANTS = {
    Role.REGISTRAR: VIEW,
    Role.INSPECTOR: VIEW,
    Role.ENFORCEMENT_OFFICER: VIEW,
    Role.CREDIT_OFFICER: ACT,
    Role.SUPERVISOR: ACT,
    Role.ADMINISTRATOR: ACT,
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("standing", "0001_letters"),
        ("credit_portal", "0005_calendar_and_daily_runs"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
