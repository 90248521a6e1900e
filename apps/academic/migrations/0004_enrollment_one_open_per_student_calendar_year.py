"""Enrollment.year is required, and a student holds at most one open (PENDING or ACTIVE) enrollment
per calendar year across the whole install (the old rule was per academic year, i.e. per school)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("academic", "0003_enrollment_calendar_year_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enrollment",
            name="year",
            field=models.PositiveSmallIntegerField(
                verbose_name="calendar year",
                help_text="The academic year's calendar year: one open enrollment per student and year across every "
                          "school."),
        ),
        migrations.RemoveConstraint(
            model_name="enrollment",
            name="enrollment_one_open_per_student_year",
        ),
        migrations.AddConstraint(
            model_name="enrollment",
            constraint=models.UniqueConstraint(condition=models.Q(("status__in", ["PENDING", "ACTIVE"])),
                                               fields=("student_id", "year"),
                                               name="enrollment_one_open_per_student_year"),
        ),
    ]
