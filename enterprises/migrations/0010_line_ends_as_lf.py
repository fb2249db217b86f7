"""Line ends in register text as LF, as the register services store them since they normalise
input (a browser sends a textarea's as CRLF): rows stored before would otherwise look changed
at their next edit or import and get a change of registration that did not happen. Writes no
ledger record or audit event: the text is the same."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

FIELDS = ("name", "address", "business_scope", "registration_authority", "legal_rep_name")


def forward(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    for field in FIELDS:
        rows = Enterprise.objects.filter(**{f"{field}__contains": "\r"})
        rows.update(
            **{field: Replace(Replace(field, Value("\r\n"), Value("\n")), Value("\r"), Value("\n"))}
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0009_initials_anywhere")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
