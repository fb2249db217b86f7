"""The current-class table keeps room on each page (fillfactor 70) so that a nightly change of
score is a HOT update (docs/architecture.md, classification; PERFORMANCE: fillfactor 45–70);
assessments are append-only in the database too; role permissions (credit_portal.roles)."""

from django.db import migrations

from credit_portal.db import append_only_table
from credit_portal.roles import Role, grant_role_permissions

VIEW = [
    "risk.view_indicator",
    "risk.view_scoringmodel",
    "risk.view_modelversion",
    "risk.view_classificationrun",
    "risk.view_assessment",
    "risk.view_currentclass",
    "risk.view_classoverride",
    "risk.view_classchangetask",
]
TASKS = ["risk.change_classchangetask"]
MODELS = [
    "risk.add_indicator",
    "risk.change_indicator",
    "risk.add_scoringmodel",
    "risk.change_scoringmodel",
    "risk.add_modelversion",
    "risk.change_modelversion",
    "risk.publish_modelversion",
]
GRANTS = {
    Role.CREDIT_OFFICER: [*VIEW, *TASKS, "risk.run_classification"],
    Role.SUPERVISOR: [*VIEW, *TASKS, "risk.run_classification", "risk.override_class"],
    Role.ADMINISTRATOR: [*VIEW, *MODELS, "risk.run_classification"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_currentclass SET (fillfactor = 70)")


def fillfactor_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_currentclass RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("credit_portal", "0002_roles_and_append_only_audit"),
    ]

    operations = [
        migrations.RunPython(fillfactor, fillfactor_back),
        append_only_table("risk_assessment"),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
