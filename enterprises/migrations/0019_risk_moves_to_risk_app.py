"""The risk class and score move off the wide enterprise row to `risk.CurrentClass` (issue 16:
every nightly update of a row with twenty indexes is expensive). Dropping the columns drops
the PostgreSQL-only score index of migration 0003 with them. The register held no class yet:
nothing computed one before issue 16."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0018_representative_bar_roles"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="enterprise",
            name="ent_risk_idx",
        ),
        migrations.RemoveField(
            model_name="enterprise",
            name="risk_assessed_at",
        ),
        migrations.RemoveField(
            model_name="enterprise",
            name="risk_class",
        ),
        migrations.RemoveField(
            model_name="enterprise",
            name="risk_score",
        ),
    ]
