"""Fill Enrollment.year from its academic year (the calendar year the install-wide rule is keyed by)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Enrollment = apps.get_model("academic", "Enrollment")
    AcademicYear = apps.get_model("academic", "AcademicYear")
    Enrollment.objects.filter(year__isnull=True).update(
        year=Subquery(AcademicYear.objects.filter(pk=OuterRef("academic_year_id")).values("year")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("academic", "0002_enrollment_calendar_year"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
