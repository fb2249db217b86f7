"""Grant the inspection app's codenames to the roles (credit_portal.roles): planners
(supervisors) edit and approve plans and run draws; inspectors record results; supervisors
review and publish; enforcement officers handle leads. Inspectors do not see classes (no
`enterprises.view_risk`): they inspect what was drawn, whatever its stratum."""

from django.db import migrations

from credit_portal.roles import Role, grant_role_permissions

VIEW = [
    "inspections.view_inspectionitem",
    "inspections.view_inspector",
    "inspections.view_samplingplan",
    "inspections.view_draw",
    "inspections.view_inspection",
]
PLAN = [
    "inspections.add_samplingplan",
    "inspections.change_samplingplan",
    "inspections.approve_samplingplan",
    "inspections.add_inspectionitem",
    "inspections.change_inspectionitem",
    "inspections.add_inspector",
    "inspections.change_inspector",
    "inspections.add_recusal",
    "inspections.change_recusal",
    "inspections.view_recusal",
    "inspections.run_draw",
]
LEADS = ["inspections.view_lead", "inspections.handle_lead"]

GRANTS = {
    Role.INSPECTOR: [*VIEW, "inspections.record_inspection", "inspections.add_recusal"],
    Role.ENFORCEMENT_OFFICER: [*VIEW, *LEADS, "inspections.record_inspection"],
    Role.CREDIT_OFFICER: [*VIEW, *LEADS],
    Role.SUPERVISOR: [*VIEW, *PLAN, *LEADS, "inspections.record_inspection",
                      "inspections.review_inspection"],
    Role.ADMINISTRATOR: [*VIEW, *PLAN, *LEADS, "inspections.review_inspection"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("credit_portal", "0005_calendar_and_daily_runs"),
        ("enterprises", "0019_risk_moves_to_risk_app"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
