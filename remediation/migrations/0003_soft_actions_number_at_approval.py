from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("remediation", "0002_roles")]

    operations = [
        migrations.AlterField(
            model_name="softaction",
            name="number",
            field=models.CharField(
                blank=True,
                max_length=64,
                null=True,
                unique=True,
                verbose_name="document number",
            ),
        ),
    ]
