"""Role permissions for the register, the ledger made append-only in the database, and the
PostgreSQL trigram indexes that make Chinese substring search on names fast."""

from django.db import migrations

from credit_portal.db import append_only_table
from credit_portal.roles import Role, grant_role_permissions

VIEW = ["enterprises.view_enterprise", "enterprises.view_creditrecord"]
GRANTS = {
    Role.REGISTRAR: [*VIEW, "enterprises.add_enterprise", "enterprises.change_enterprise",
                     "enterprises.change_enterprise_status", "enterprises.import_enterprises",
                     "enterprises.export_enterprises", "enterprises.issue_activation_code"],
    Role.INSPECTOR: [*VIEW],
    Role.ENFORCEMENT_OFFICER: [*VIEW, "enterprises.add_creditrecord"],
    Role.CREDIT_OFFICER: [*VIEW, "enterprises.add_creditrecord", "enterprises.export_enterprises",
                          "enterprises.issue_activation_code", "enterprises.view_risk"],
    Role.SUPERVISOR: [*VIEW, "enterprises.add_enterprise", "enterprises.change_enterprise",
                      "enterprises.change_enterprise_status", "enterprises.override_uscc_check",
                      "enterprises.import_enterprises", "enterprises.export_enterprises",
                      "enterprises.issue_activation_code", "enterprises.view_risk",
                      "enterprises.add_creditrecord"],
    Role.ADMINISTRATOR: [*VIEW, "enterprises.add_enterprise", "enterprises.change_enterprise",
                         "enterprises.change_enterprise_status", "enterprises.override_uscc_check",
                         "enterprises.import_enterprises", "enterprises.export_enterprises",
                         "enterprises.issue_activation_code", "enterprises.view_risk",
                         "enterprises.view_importjob", "enterprises.view_activationcode",
                         "enterprises.view_enterprisemembership"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ent_name_trgm_idx ON enterprises_enterprise "
        "USING gin (name gin_trgm_ops)"
    )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ent_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0001_initial"),
        ("credit_portal", "0002_roles_and_append_only_audit"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        append_only_table("enterprises_creditrecord"),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
