"""Grant `dashboard.view_dashboard` to the roles (credit_portal.roles) that answer for the
bureau's figures: supervisors and administrators (who report them), credit officers,
enforcement officers and inspectors (whose cases and checks they count; a partner department's
inspectors see their department's share). The class figures need `enterprises.view_risk` besides
(`dashboard.selectors.measures_for`), which inspectors do not hold
(inspections/migrations/0002_roles.py). Not registrars, whose work the figures do not count."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

GRANTS = {
    Role.SUPERVISOR: ["dashboard.view_dashboard"],
    Role.CREDIT_OFFICER: ["dashboard.view_dashboard"],
    Role.ENFORCEMENT_OFFICER: ["dashboard.view_dashboard"],
    Role.ADMINISTRATOR: ["dashboard.view_dashboard"],
    Role.INSPECTOR: ["dashboard.view_dashboard"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("credit_portal", "0005_calendar_and_daily_runs"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
