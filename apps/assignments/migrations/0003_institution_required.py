"""`institution_id` is required on teacher assignments, schedule blocks and teacher workloads (filled by 0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("assignments", "0002_institution_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="teacherassignment",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="scheduleblock",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="teacherworkload",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
    ]
