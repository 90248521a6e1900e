"""`institution_id` is required on every school-owned grades table (filled by 0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("grades", "0002_institution_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evaluationplan",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="graderecord",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="periodclosure",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="performancealert",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
    ]
