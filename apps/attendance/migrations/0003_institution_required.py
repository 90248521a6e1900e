"""`institution_id` is required on attendance records, justifications and pattern alerts (filled by 0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0002_institution_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attendancerecord",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="justification",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
        migrations.AlterField(
            model_name="patternalert",
            name="institution_id",
            field=models.BigIntegerField(db_index=True, verbose_name="institution"),
        ),
    ]
