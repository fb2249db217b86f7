"""Role permissions of the annual-report app (credit_portal.roles; issue 15)."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = [
    "annual_reports.view_annualreport",
    "annual_reports.view_immediatedisclosure",
    "annual_reports.view_correctioninvitation",
]
INVITE = [
    "annual_reports.add_correctioninvitation",
    "annual_reports.change_correctioninvitation",
]
GRANTS = {
    Role.REGISTRAR: [*VIEW, "annual_reports.enter_paper_annualreport"],
    Role.INSPECTOR: [*VIEW, *INVITE],
    Role.ENFORCEMENT_OFFICER: [*VIEW],
    Role.CREDIT_OFFICER: [*VIEW, *INVITE, "annual_reports.enter_paper_annualreport"],
    Role.SUPERVISOR: [*VIEW, *INVITE, "annual_reports.enter_paper_annualreport"],
    Role.ADMINISTRATOR: [
        *VIEW,
        "annual_reports.view_filingseason",
        "annual_reports.add_filingseason",
        "annual_reports.change_filingseason",
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("annual_reports", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
