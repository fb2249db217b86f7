"""Roles as Groups with their first permissions, and the audit log made append-only in the DB."""

from django.db import migrations

from credit_portal.db import append_only_table
from credit_portal.roles import STAFF_ROLES, Role, grant_role_permissions

BASE_STAFF = ["credit_portal.access_staff_portal", "credit_portal.view_department"]
ADMIN = [
    "credit_portal.view_auditevent",
    *(f"credit_portal.{a}_{m}" for a in ("view", "add", "change") for m in ("user", "department", "staffprofile")),
    *(f"django_celery_beat.{a}_{m}" for a in ("view", "add", "change", "delete")
      for m in ("periodictask", "crontabschedule", "intervalschedule")),
]


def grant(apps, schema_editor):
    grants = {role: list(BASE_STAFF) for role in STAFF_ROLES}
    grants[Role.SUPERVISOR] += ["credit_portal.view_auditevent"]
    grants[Role.ADMINISTRATOR] += ADMIN
    grants[Role.ENTERPRISE_USER] = []
    grant_role_permissions(apps, grants)


class Migration(migrations.Migration):
    dependencies = [
        ("credit_portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "__latest__"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        append_only_table("credit_portal_auditevent"),
    ]
